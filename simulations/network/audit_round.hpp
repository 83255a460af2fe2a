// The demo's audit round (ARCHITECTURE.md "Audit"), after the quarter's
// close, through the HTTP API alone:
//
//   1. every province sends its signed checkpoint (POST /v1/audit/checkpoint)
//      and the national node acknowledges it: the national node then holds
//      every province's audit chain, verified, up to that moment;
//   2. the national node's reconciliation of every link (GET
//      /v1/audit/reconciliation) must be clean, hold all 32 chains, and
//      compare both ends of the direct group links too;
//   3. every node's own chain verifies (GET /v1/audit/verify);
//   4. a record taken from a province's inbox is traced at the national
//      node (GET /v1/trace/{id}): its author's change, the messages that
//      carried it and the destination's receipt are all there.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "network/network_layout.hpp"

namespace provnet::network {

struct AuditRound {
  std::uint64_t checkpoints = 0;   // provinces whose checkpoint was acknowledged
  std::uint64_t chains_held = 0;   // at the national node
  std::uint64_t entries = 0;       // in all 33 chains
  std::uint64_t links = 0;         // links reconciled
  std::uint64_t direct_links = 0;  // of which between two provinces
  std::uint64_t messages = 0;      // (message, link) rows compared
  std::uint64_t discrepancies = 0;
  std::uint64_t chains_verified = 0;  // nodes whose own chain verifies
  std::string traced_record;
  std::uint64_t trace_events = 0;
  std::vector<std::string> failures;
  bool pass() const { return failures.empty(); }
};

AuditRound run_audit_round(const NetworkLayout& layout,
                           std::chrono::steady_clock::time_point deadline);

}  // namespace provnet::network
