// The national node's reconciliation of every link (ARCHITECTURE.md
// "Audit"): what one end says it sent against what the other says it
// received and acknowledged, for links through the national node and for
// direct links inside a regional group alike.
//
// Both ends' audit chains reach the national node (its own directly, the
// others' in their checkpoints). Each message event of a chain is observed
// into one row per (message, link) as it arrives; reconciling is then one
// pass over those rows. An end's log is judged only up to its horizon (the
// time up to which its chain is known complete), and comparisons across two
// nodes' clocks allow for skew, so a message still on its way is never
// called missing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/wire_codec.hpp"
#include "domain/province.hpp"
#include "protocol/audit.capnp.h"
#include "store/store.hpp"

namespace provnet::core {

// Adds what entry `e` of `node`'s chain says about a message to its row.
Result<void> observe_message_event(store::WriteTxn& txn, domain::ProvinceCode node,
                                   wire::AuditEntry::Reader e);

// The national node's record of one node's replicated chain.
struct AuditNodeState {
  domain::ProvinceCode node = 0;
  std::uint64_t entries = 0;  // replicated and verified
  std::string head_hex;       // hash of entry `entries`
  std::string algorithm = "sha256";
  std::int64_t horizon_ms = 0;          // its log is complete up to here (0: never)
  std::int64_t last_checkpoint_ms = 0;  // when the last checkpoint arrived (national clock)
  std::uint64_t checkpoints = 0;
  std::uint64_t rewinds = 0;  // times its chain diverged from the replica
  std::string last_problem;
};
std::string encode_node_state(const AuditNodeState& s);
AuditNodeState decode_node_state(domain::ProvinceCode node, std::string_view bytes);

struct ReconcileRules {
  std::int64_t unacknowledged_after_ms = 900'000;
  std::int64_t clock_skew_ms = 60'000;
};

struct Discrepancy {
  std::string type;  // missing | extra | altered | unacknowledged
  domain::ProvinceCode from = 0, to = 0;
  domain::ProvinceCode author = 0;
  std::uint64_t message_id = 0;
  std::string kind;
  std::string detail;
};

struct LinkTally {
  domain::ProvinceCode from = 0, to = 0;
  std::uint64_t sent = 0;          // logged queued by `from`
  std::uint64_t received = 0;      // logged received or refused by `to`
  std::uint64_t acknowledged = 0;  // logged acknowledged by `from`
  std::uint64_t rejected = 0;      // logged rejected by `from`
  std::uint64_t in_flight = 0;     // queued, not yet answered
};

struct ReconciliationReport {
  std::int64_t at_ms = 0;
  std::uint64_t messages = 0;  // (message, link) rows looked at
  std::vector<AuditNodeState> nodes;
  std::vector<LinkTally> links;
  std::vector<Discrepancy> discrepancies;
};

Result<ReconciliationReport> reconcile(const store::ReadTxn& txn, domain::ProvinceCode national,
                                       std::int64_t now_ms, const ReconcileRules& rules);

}  // namespace provnet::core
