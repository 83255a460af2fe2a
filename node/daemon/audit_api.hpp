// The audit endpoints of the HTTP API (docs/openapi.json):
//   GET  /v1/audit                 this node's chain: head, entries, what the
//                                  national node has, counts per peer and kind
//   GET  /v1/audit/verify          checks the whole chain now
//   POST /v1/audit/checkpoint      a province sends its checkpoint now
//   GET  /v1/audit/reconciliation  national: both ends of every link compared
//   GET  /v1/trace/{record_id}     what the chains this node holds say about
//                                  a record: who wrote it, which messages
//                                  carried it, who acknowledged them
// Answers hold ids, codes, times and digests; never personal data.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/node_core.hpp"

namespace provnet::daemon {

struct ApiAnswer {
  unsigned status = 200;
  nlohmann::ordered_json body;
  core::Effects effects;
};

ApiAnswer audit_state_answer(core::NodeCore& core);
ApiAnswer audit_verify_answer(core::NodeCore& core);
ApiAnswer audit_checkpoint_answer(core::NodeCore& core, std::int64_t now_ms);
ApiAnswer reconciliation_answer(core::NodeCore& core, std::int64_t now_ms);
ApiAnswer trace_answer(core::NodeCore& core, const std::string& record_id);

// The "audit" object of /v1/status.
nlohmann::ordered_json audit_status(core::NodeCore& core);

}  // namespace provnet::daemon
