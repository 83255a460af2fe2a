// The conservation check of a network run: every version a province's node
// accepted arrives exactly once, as a "record" entry of the inbox of the
// province the record concerns (domain::concerned_province_of: an inflow
// record's hukou province, an outflow record's current-residence province),
// with the accepting province as its author; no other province's inbox
// holds it, and no inbox holds a record version that was never accepted.
//
// The national node's inbox holds the full copies it gets of records that
// group members exchange directly: each must be an accepted version with its
// author, held once, and never one of a pair whose groups send the national
// node evidence only.
//
// Pure: the caller gathers the accepted versions and the inboxes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/province.hpp"
#include "network/record_submission.hpp"

namespace provnet::network {

struct ArrivedEntry {
  domain::ProvinceCode at = 0;  // whose inbox
  std::uint64_t seq = 0;
  std::string kind;  // "record" or "rejected"
  std::string record_id;
  std::uint32_t version = 0;
  domain::ProvinceCode author = 0;
};

struct ConservationResult {
  std::uint64_t expected = 0;         // accepted versions
  std::uint64_t arrived_entries = 0;  // inbox entries of kind "record", everywhere
  std::uint64_t delivered_once = 0;
  std::uint64_t missing = 0;       // accepted, never arrived where it should
  std::uint64_t duplicated = 0;    // arrived more than once where it should
  std::uint64_t elsewhere = 0;     // arrived at a node it does not concern
  std::uint64_t wrong_author = 0;  // arrived with another author
  std::uint64_t never_accepted = 0;
  std::uint64_t refused = 0;                   // "rejected" entries: a version refused downstream
  std::uint64_t national_copies = 0;           // "record" entries at the national node
  std::uint64_t national_copy_duplicated = 0;  // versions copied there more than once
  std::uint64_t national_copy_forbidden = 0;   // copies of evidence-only exchanges
  // The first few offending entries of each kind: record ids, versions and
  // node codes only.
  std::vector<std::string> examples;

  bool pass() const {
    return missing == 0 && duplicated == 0 && elsewhere == 0 && wrong_author == 0 &&
           never_accepted == 0 && national_copy_duplicated == 0 && national_copy_forbidden == 0 &&
           delivered_once == expected;
  }
};

// evidence_only(author, concerned): true when a direct exchange between the
// two must leave only evidence at the national node (none: no such pairs).
using EvidenceOnlyRule = std::function<bool(domain::ProvinceCode, domain::ProvinceCode)>;

ConservationResult check_conservation(const std::vector<AcceptedVersion>& accepted,
                                      const std::vector<ArrivedEntry>& arrived,
                                      const EvidenceOnlyRule& evidence_only = {},
                                      std::size_t max_examples_per_kind = 5);

}  // namespace provnet::network
