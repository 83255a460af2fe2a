#include "network/audit_round.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "admin/http_client.hpp"
#include "network/admin_client.hpp"
#include "network/collab_round.hpp"

namespace provnet::network {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string code(domain::ProvinceCode c) {
  return fmt::format("{:02d}", c);
}

}  // namespace

AuditRound run_audit_round(const NetworkLayout& layout, Clock::time_point deadline) {
  AuditRound out;
  // 1. Checkpoints: asked of every province, then waited for.
  std::map<domain::ProvinceCode, std::int64_t> asked_at;
  for (const NodeEndpoint& p : layout.provinces) {
    AdminReply reply =
        admin_post(p.admin, "/v1/audit/checkpoint", "", "", {{"X-Operator-Id", "provdemo"}});
    if (reply.status != 200) {
      out.failures.push_back(fmt::format("{}: POST /v1/audit/checkpoint answered {} {}",
                                         code(p.code), reply.status, reply.body.substr(0, 200)));
      continue;
    }
    json body = json::parse(reply.body, nullptr, false);
    asked_at[p.code] = body.is_object() ? body.value("entries", std::int64_t{0}) : 0;
  }
  std::set<domain::ProvinceCode> waiting;
  for (const auto& [c, entries] : asked_at) waiting.insert(c);
  while (!waiting.empty() && Clock::now() < deadline) {
    for (auto it = waiting.begin(); it != waiting.end();) {
      AdminReply reply = admin_get(layout.province(*it)->admin, "/v1/audit");
      json s = json::parse(reply.body, nullptr, false);
      // Acknowledged by the national node, as far as the chain was when asked
      // (the answer's count includes the entry that queued the checkpoint).
      if (reply.status == 200 && s.is_object() &&
          s.value("acknowledged_by_national", std::int64_t{0}) >= asked_at[*it] - 1 &&
          s.value("checkpoint_state", std::string()) != "awaiting answer") {
        it = waiting.erase(it);
      } else {
        ++it;
      }
    }
    if (!waiting.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  out.checkpoints = asked_at.size() - waiting.size();
  for (domain::ProvinceCode c : waiting) {
    out.failures.push_back(fmt::format("{}: its checkpoint was not acknowledged in time", code(c)));
  }

  // 2. Reconciliation at the national node.
  if (auto r = node_get_json(layout.national, "/v1/audit/reconciliation", out.failures)) {
    out.chains_held = r->value("nodes", json::array()).size();
    out.messages = r->value("messages", std::uint64_t{0});
    for (const json& l : r->value("links", json::array())) {
      ++out.links;
      if (l.value("from", "") != "00" && l.value("to", "") != "00") ++out.direct_links;
      if (l.value("in_flight", 0) != 0) {
        out.failures.push_back(fmt::format("link {}->{}: {} message(s) still in flight",
                                           l.value("from", ""), l.value("to", ""),
                                           l.value("in_flight", 0)));
      }
    }
    for (const json& d : r->value("discrepancies", json::array())) {
      ++out.discrepancies;
      if (out.discrepancies <= 10) {
        out.failures.push_back(fmt::format("reconciliation: {} on {}->{}, message {}: {}",
                                           d.value("type", ""), d.value("from", ""),
                                           d.value("to", ""), d.value("message_id", ""),
                                           d.value("detail", "")));
      }
    }
    if (out.chains_held != layout.provinces.size()) {
      out.failures.push_back(fmt::format("the national node holds {} chains, not {}",
                                         out.chains_held, layout.provinces.size()));
    }
    if (!layout.groups.empty() && out.direct_links == 0) {
      out.failures.push_back("no direct group link was reconciled");
    }
  }

  // 3. Every node's own chain.
  for (const NodeEndpoint* n : layout.all()) {
    if (auto v = node_get_json(*n, "/v1/audit/verify", out.failures)) {
      out.entries += v->value("entries", std::uint64_t{0});
      if (v->value("ok", false)) {
        ++out.chains_verified;
      } else {
        out.failures.push_back(fmt::format("{}: its audit chain does not verify: {}", code(n->code),
                                           v->value("problem", "")));
      }
    }
  }

  // 4. A record that arrived somewhere, traced at the national node.
  for (const NodeEndpoint& p : layout.provinces) {
    AdminReply reply = admin_get(p.admin, "/v1/inbox?after=0&limit=1&kind=record&content=false");
    json page = json::parse(reply.body, nullptr, false);
    if (reply.status != 200 || !page.is_object() || page.value("entries", json::array()).empty()) {
      continue;
    }
    const json entry = page["entries"][0];
    const std::string id = entry.value("id", std::string());
    if (id.empty()) continue;
    out.traced_record = id;
    auto t = node_get_json(layout.national, "/v1/trace/" + admin::percent_encode(id), out.failures);
    if (!t) break;
    std::set<std::string> seen;
    for (const json& e : t->value("events", json::array())) {
      ++out.trace_events;
      seen.insert(e.value("node", "") + " " + e.value("event", ""));
    }
    const std::string author = entry.value("author", std::string());
    for (const std::string& want :
         {author + " changed", author + " queued", code(p.code) + " received"}) {
      if (!seen.count(want)) {
        out.failures.push_back(
            fmt::format("trace of {} at the national node: no \"{}\" entry", id, want));
      }
    }
    break;
  }
  if (out.traced_record.empty()) out.failures.push_back("no record found to trace");
  return out;
}

}  // namespace provnet::network
