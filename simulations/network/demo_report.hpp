// What provdemo found, gathered in one place: printed as tables for a person
// and written as JSON (--json) for scripts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "network/conservation_check.hpp"
#include "network/network_quiet.hpp"
#include "network/record_submission.hpp"

namespace provnet::network {

struct ProvinceFigures {
  domain::ProvinceCode code = 0;
  std::string name_en;
  std::uint64_t quota = 0;
  std::uint64_t submitted = 0;
  std::uint64_t accepted = 0;   // new versions
  std::uint64_t unchanged = 0;  // already held
  std::uint64_t invalid = 0;
  std::uint64_t not_submitted = 0;
  std::uint64_t broken_generated = 0;
  std::string top_invalid_field;
  std::uint64_t due = 0;       // accepted versions, from every province, concerning this one
  std::uint64_t received = 0;  // "record" entries in its inbox
  std::uint64_t refused = 0;   // "rejected" entries: its own versions refused downstream
  std::optional<std::uint64_t> pending;
};

struct RunFigures {
  // the run's options
  std::uint64_t records = 0;
  std::uint64_t seed = 0;
  double error_rate = 0;
  std::string today;
  std::string config_dir;

  std::vector<ProvinceFigures> provinces;
  // the national node
  std::optional<std::uint64_t> national_record_versions;
  std::optional<std::uint64_t> national_evidence;
  std::optional<std::uint64_t> national_pending;
  std::uint64_t national_inbox_records = 0;
  // accepted versions between two members of a group: with a full national
  // copy, or evidence only (groups.toml)
  std::uint64_t full_copy_group_versions = 0;
  std::uint64_t evidence_only_versions = 0;

  std::map<std::string, std::uint64_t> invalid_by_field;
  std::map<std::string, std::string> example_by_field;
  std::vector<std::string> submit_failures;

  double submit_seconds = 0;  // first POST to the last answer
  double quiet_seconds = 0;   // first POST to quiet (or to giving up)
  bool quiet = false;
  std::uint64_t polls = 0;
  std::vector<std::string> unreachable;  // nodes whose status or inbox could not be read

  ConservationResult conservation;

  std::uint64_t total(std::uint64_t ProvinceFigures::*field) const;
  double records_per_second() const;  // accepted versions / quiet_seconds
  // The check passed, and nothing kept it from seeing everything: every
  // chunk was answered, the network became quiet, every node answered.
  bool pass() const {
    return quiet && unreachable.empty() && submit_failures.empty() && conservation.pass();
  }
};

void print_report(std::ostream& out, const RunFigures& f);
nlohmann::ordered_json report_json(const RunFigures& f);

// 1234567 -> "1,234,567"
std::string grouped(std::uint64_t n);

}  // namespace provnet::network
