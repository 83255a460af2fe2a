// Submits each province's records to its node (POST /v1/records, NDJSON, in
// chunks), a few provinces at a time in parallel threads, and keeps what the
// node said about every item: accepted (with its version), unchanged, or
// rejected with the fields at fault. The ledger keeps record ids, versions
// and provinces only - never a name or an ID number.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "domain/province.hpp"
#include "network/network_layout.hpp"
#include "network/quarter_plan.hpp"

namespace provnet::network {

// One version a province's node took: it must arrive, exactly once, at the
// province it concerns.
struct AcceptedVersion {
  std::string record_id;
  std::uint32_t version = 0;
  domain::ProvinceCode author = 0;
  domain::ProvinceCode concerned = 0;
  bool unchanged = false;  // already held (an earlier run, or a resent chunk)
};

struct ProvinceSubmission {
  domain::ProvinceCode code = 0;
  std::uint64_t submitted = 0;  // records sent in chunks that got an answer
  std::uint64_t accepted = 0;
  std::uint64_t unchanged = 0;
  std::uint64_t invalid = 0;                              // rejected at submit
  std::uint64_t broken_generated = 0;                     // records the generator broke on purpose
  std::uint64_t not_submitted = 0;                        // in chunks that failed after every retry
  std::map<std::string, std::uint64_t> invalid_by_field;  // a record once per field
  std::map<std::string, std::string> example_by_field;    // one message per field
  std::vector<AcceptedVersion> versions;                  // accepted and unchanged
  std::uint64_t chunks = 0;
  std::uint64_t retries = 0;
  std::vector<std::string> failures;  // chunks that failed for good, with the reason
  double seconds = 0;                 // from this province's first POST to its last answer

  std::string top_invalid_field() const;
};

struct SubmissionOptions {
  std::size_t chunk_records = 2000;
  std::size_t parallel = 4;  // provinces submitting at once
  std::string operator_id = "provdemo";
  std::chrono::seconds request_timeout{300};
};

// Generates and submits every province's quota; returns one entry per quota,
// in the quotas' order.
std::vector<ProvinceSubmission> submit_quarter(const NetworkLayout& layout,
                                               const std::vector<ProvinceQuota>& quotas,
                                               const QuarterOptions& quarter,
                                               const SubmissionOptions& options);

}  // namespace provnet::network
