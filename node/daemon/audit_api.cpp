#include "daemon/audit_api.hpp"

#include <fmt/format.h>

namespace provnet::daemon {

namespace {

using nlohmann::ordered_json;

std::string code(domain::ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

std::string message_ref(domain::ProvinceCode author, std::uint64_t id) {
  return fmt::format("{}:{}", code(author), id);
}

ApiAnswer failure(unsigned status, const std::string& message) {
  return ApiAnswer{status, ordered_json{{"error", message}}, {}};
}

ApiAnswer store_failure(const Error& e) {
  return failure(503, "the store could not be read: " + e.message);
}

ordered_json node_state_json(const core::AuditNodeState& n) {
  return ordered_json{{"node", code(n.node)},
                      {"entries", n.entries},
                      {"head", n.head_hex},
                      {"algorithm", n.algorithm},
                      {"complete_until_ms", n.horizon_ms},
                      {"last_checkpoint_ms", n.last_checkpoint_ms},
                      {"checkpoints", n.checkpoints},
                      {"rewinds", n.rewinds},
                      {"last_problem", n.last_problem}};
}

}  // namespace

ApiAnswer audit_state_answer(core::NodeCore& core) {
  auto s = core.audit_state();
  if (!s) return store_failure(s.error());
  ordered_json counts = ordered_json::array();
  for (const auto& c : s->counts) {
    counts.push_back(ordered_json{{"peer", code(c.peer)},
                                  {"kind", c.kind},
                                  {"sent", c.counts.sent},
                                  {"received", c.counts.received},
                                  {"acknowledged", c.counts.acknowledged},
                                  {"rejected", c.counts.rejected}});
  }
  ordered_json body = audit_status(core);
  body["counts"] = std::move(counts);
  return ApiAnswer{200, std::move(body), {}};
}

ordered_json audit_status(core::NodeCore& core) {
  auto s = core.audit_state();
  if (!s) return ordered_json{{"error", s.error().message}};
  ordered_json out{{"entries", s->head.count},
                   {"head", core::hex(s->head.hash)},
                   {"algorithm", std::string(core::hash_algorithm_name(s->head.algorithm))}};
  if (core.config().is_national()) {
    out["discrepancies"] = core.counters().audit_discrepancies;
    out["checkpoints_received"] = core.counters().checkpoints_received;
  } else {
    out["acknowledged_by_national"] = s->shipped;
    out["checkpoint_state"] = s->checkpoint_pending         ? "awaiting answer"
                              : s->shipped == s->head.count ? "up to date"
                                                            : "behind";
    out["last_checkpoint_ms"] = s->last_checkpoint_ms;
  }
  return out;
}

ApiAnswer audit_verify_answer(core::NodeCore& core) {
  auto r = core.verify_audit_chain();
  if (!r) return store_failure(r.error());
  ordered_json body{{"node", code(core.config().self)},
                    {"ok", !r->problem},
                    {"entries", r->entries},
                    {"head", core::hex(r->head.hash)},
                    {"algorithm", std::string(core::hash_algorithm_name(r->head.algorithm))}};
  if (r->problem) {
    body["first_bad_entry"] = r->problem->seq;
    body["problem"] = r->problem->message;
  }
  return ApiAnswer{200, std::move(body), {}};
}

ApiAnswer audit_checkpoint_answer(core::NodeCore& core, std::int64_t now_ms) {
  auto fx = core.request_checkpoint(now_ms);
  if (!fx) return failure(409, fx.error().message);
  auto s = core.audit_state();
  if (!s) return store_failure(s.error());
  ordered_json body{{"node", code(core.config().self)},
                    {"entries", s->head.count},
                    {"acknowledged_by_national", s->shipped},
                    {"checkpoint_pending", s->checkpoint_pending}};
  return ApiAnswer{200, std::move(body), std::move(*fx)};
}

ApiAnswer reconciliation_answer(core::NodeCore& core, std::int64_t now_ms) {
  if (!core.config().is_national()) {
    return failure(409,
                   "reconciliation runs at the national node, which holds every node's chain; "
                   "ask it (provctl audit reconcile --api <national admin address>)");
  }
  auto r = core.reconciliation(now_ms);
  if (!r) return store_failure(r.error());
  ordered_json nodes = ordered_json::array();
  for (const auto& n : r->nodes) nodes.push_back(node_state_json(n));
  ordered_json links = ordered_json::array();
  for (const auto& l : r->links) {
    links.push_back(ordered_json{{"from", code(l.from)},
                                 {"to", code(l.to)},
                                 {"sent", l.sent},
                                 {"received", l.received},
                                 {"acknowledged", l.acknowledged},
                                 {"rejected", l.rejected},
                                 {"in_flight", l.in_flight}});
  }
  ordered_json found = ordered_json::array();
  for (const auto& d : r->discrepancies) {
    found.push_back(ordered_json{{"type", d.type},
                                 {"from", code(d.from)},
                                 {"to", code(d.to)},
                                 {"message_id", message_ref(d.author, d.message_id)},
                                 {"kind", d.kind},
                                 {"detail", d.detail}});
  }
  ordered_json body{{"at_ms", r->at_ms},         {"clean", r->discrepancies.empty()},
                    {"messages", r->messages},   {"nodes", std::move(nodes)},
                    {"links", std::move(links)}, {"discrepancies", std::move(found)}};
  return ApiAnswer{200, std::move(body), {}};
}

ApiAnswer trace_answer(core::NodeCore& core, const std::string& record_id) {
  auto t = core.trace(record_id);
  if (!t) return store_failure(t.error());
  if (t->versions.empty() && t->events.empty()) {
    return failure(404, fmt::format("node {} holds nothing about record {}: no version and no "
                                    "audit entry names it",
                                    code(core.config().self), record_id));
  }
  ordered_json versions = ordered_json::array();
  for (const auto& v : t->versions) {
    versions.push_back(ordered_json{{"version", v.version},
                                    {"change", v.change},
                                    {"author", code(v.author)},
                                    {"operator_id", v.operator_id},
                                    {"changed_at_ms", v.changed_at_ms},
                                    {"held", v.held}});
  }
  ordered_json events = ordered_json::array();
  for (const auto& e : t->events) {
    ordered_json j{{"node", code(e.node)}, {"seq", e.seq}, {"at_ms", e.at_ms}, {"event", e.event}};
    if (e.event == "changed") {
      j["version"] = e.version;
      j["change"] = e.detail;
      j["operator_id"] = e.operator_id;
      j["destination"] = code(e.destination);
    } else {
      j["peer"] = code(e.peer);
      j["message_id"] = message_ref(e.author, e.message_id);
      j["destination"] = code(e.destination);
      j["kind"] = e.kind;
      if (e.version) j["version"] = e.version;
      if (!e.detail.empty()) j["detail"] = e.detail;
    }
    events.push_back(std::move(j));
  }
  ordered_json body{{"record_id", t->record_id},
                    {"node", code(core.config().self)},
                    {"versions", std::move(versions)},
                    {"events", std::move(events)}};
  return ApiAnswer{200, std::move(body), {}};
}

}  // namespace provnet::daemon
