#include "core/reconciliation.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/audit_chain.hpp"
#include "store/audit_tables.hpp"

namespace provnet::core {

namespace {

using nlohmann::json;

std::string as_string(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

}  // namespace

Result<void> observe_message_event(store::WriteTxn& txn, domain::ProvinceCode node,
                                   wire::AuditEntry::Reader e) {
  using E = wire::AuditEvent;
  const E event = e.getEvent();
  if (event == E::CHANGED) return {};
  store::MessageLinkKey key{e.getAuthor(), e.getMessageId(), node, e.getPeer()};
  const bool receiving = event == E::RECEIVED || event == E::REFUSED;
  if (receiving) key = {e.getAuthor(), e.getMessageId(), e.getPeer(), node};
  auto stored = store::audit_message_get(txn, key);
  if (!stored) return stored.error();
  json row = *stored ? json::parse(**stored, nullptr, false) : json::object();
  if (row.is_discarded()) row = json::object();
  if (e.getKind().size() > 0) row["kind"] = e.getKind().cStr();
  row["destination"] = e.getDestination();
  const std::string hash = hex(as_string(e.getEnvelopeHash()));
  switch (event) {
    case E::QUEUED:
      row["sent_at"] = e.getAtMs();
      row["sent_hash"] = hash;
      break;
    case E::RECEIVED:
    case E::REFUSED:
      row["received_at"] = e.getAtMs();
      row["received"] = event == E::RECEIVED ? "received" : "refused";
      row["received_hash"] = hash;
      if (event == E::REFUSED) row["received_detail"] = e.getDetail().cStr();
      break;
    case E::ACKNOWLEDGED:
    case E::REJECTED:
    case E::WITHDRAWN:
      row["settled_at"] = e.getAtMs();
      row["settled"] = std::string(audit_event_name(event));
      if (e.getDetail().size() > 0) row["settled_detail"] = e.getDetail().cStr();
      break;
    default:
      break;
  }
  return store::audit_message_put(txn, key, row.dump());
}

std::string encode_node_state(const AuditNodeState& s) {
  return json{{"entries", s.entries},
              {"head", s.head_hex},
              {"algorithm", s.algorithm},
              {"horizon_ms", s.horizon_ms},
              {"last_checkpoint_ms", s.last_checkpoint_ms},
              {"checkpoints", s.checkpoints},
              {"rewinds", s.rewinds},
              {"last_problem", s.last_problem}}
      .dump();
}

AuditNodeState decode_node_state(domain::ProvinceCode node, std::string_view bytes) {
  AuditNodeState s;
  s.node = node;
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object()) return s;
  s.entries = j.value("entries", std::uint64_t{0});
  s.head_hex = j.value("head", std::string());
  s.algorithm = j.value("algorithm", std::string("sha256"));
  s.horizon_ms = j.value("horizon_ms", std::int64_t{0});
  s.last_checkpoint_ms = j.value("last_checkpoint_ms", std::int64_t{0});
  s.checkpoints = j.value("checkpoints", std::uint64_t{0});
  s.rewinds = j.value("rewinds", std::uint64_t{0});
  s.last_problem = j.value("last_problem", std::string());
  return s;
}

Result<ReconciliationReport> reconcile(const store::ReadTxn& txn, domain::ProvinceCode national,
                                       std::int64_t now_ms, const ReconcileRules& rules) {
  ReconciliationReport report;
  report.at_ms = now_ms;
  std::map<domain::ProvinceCode, std::int64_t> horizon;
  horizon[national] = now_ms;
  auto nodes = store::audit_node_scan(txn, [&](std::uint8_t node, std::string_view bytes) {
    report.nodes.push_back(decode_node_state(node, bytes));
    horizon[node] = report.nodes.back().horizon_ms;
    return true;
  });
  if (!nodes) return nodes.error();
  auto horizon_of = [&](domain::ProvinceCode n) {
    auto it = horizon.find(n);
    return it == horizon.end() ? std::int64_t{0} : it->second;
  };
  std::map<std::pair<domain::ProvinceCode, domain::ProvinceCode>, LinkTally> links;
  auto scanned = store::audit_message_scan(txn, [&](const store::MessageLinkKey& k,
                                                    std::string_view bytes) {
    ++report.messages;
    json row = json::parse(bytes, nullptr, false);
    if (!row.is_object()) return true;
    LinkTally& t = links[{k.from, k.to}];
    t.from = k.from;
    t.to = k.to;
    const bool sent = row.contains("sent_at");
    const bool received = row.contains("received_at");
    const bool settled = row.contains("settled_at");
    const std::string settled_how = row.value("settled", std::string());
    const std::string received_how = row.value("received", std::string());
    if (sent) ++t.sent;
    if (received) ++t.received;
    if (settled_how == "acknowledged") ++t.acknowledged;
    if (settled_how == "rejected") ++t.rejected;
    if (sent && !settled) ++t.in_flight;
    auto add = [&](std::string type, std::string detail) {
      report.discrepancies.push_back(Discrepancy{std::move(type), k.from, k.to, k.author,
                                                 k.message_id, row.value("kind", std::string()),
                                                 std::move(detail)});
    };
    const std::int64_t from_horizon = horizon_of(k.from);
    const std::int64_t to_horizon = horizon_of(k.to);
    if (sent && received &&
        row.value("sent_hash", std::string()) != row.value("received_hash", std::string())) {
      add("altered", fmt::format("node {} logged sending envelope {} but node {} logged receiving "
                                 "envelope {}",
                                 domain::province_code_text(k.from),
                                 row.value("sent_hash", std::string()).substr(0, 16),
                                 domain::province_code_text(k.to),
                                 row.value("received_hash", std::string()).substr(0, 16)));
    } else if (received && ((settled_how == "acknowledged" && received_how == "refused") ||
                            (settled_how == "rejected" && received_how == "received"))) {
      add("altered", fmt::format("node {} logged the message {} but node {} logged it {}",
                                 domain::province_code_text(k.from), settled_how,
                                 domain::province_code_text(k.to), received_how));
    }
    if (sent && !settled) {
      const std::int64_t waited = from_horizon - row.value("sent_at", std::int64_t{0});
      if (waited > rules.unacknowledged_after_ms) {
        add("unacknowledged",
            fmt::format("queued by node {} for node {}, and not answered {} s later",
                        domain::province_code_text(k.from), domain::province_code_text(k.to),
                        waited / 1000));
      }
    }
    if (sent && settled && settled_how != "withdrawn" && !received &&
        to_horizon > row.value("settled_at", std::int64_t{0}) + rules.clock_skew_ms) {
      add("missing", fmt::format("node {} logged it {} by node {}, whose log does not have it",
                                 domain::province_code_text(k.from), settled_how,
                                 domain::province_code_text(k.to)));
    }
    if (received && !sent &&
        from_horizon > row.value("received_at", std::int64_t{0}) + rules.clock_skew_ms) {
      add("extra",
          fmt::format("node {} logged receiving it from node {}, whose log never sent it",
                      domain::province_code_text(k.to), domain::province_code_text(k.from)));
    }
    return true;
  });
  if (!scanned) return scanned.error();
  for (auto& [link, tally] : links) report.links.push_back(tally);
  return report;
}

}  // namespace provnet::core
