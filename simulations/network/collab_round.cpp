#include "network/collab_round.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/migrant_record.hpp"
#include "network/network_quiet.hpp"

namespace provnet::network {

namespace {

using domain::CollabKind;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string code_text(domain::ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string ndjson(const std::vector<json>& items) {
  std::string body;
  for (const json& j : items) body += j.dump() + '\n';
  return body;
}

std::string_view resource_of(CollabKind kind) {
  switch (kind) {
    case CollabKind::check_notice:
      return "check-notices";
    case CollabKind::check_feedback:
      return "check-feedbacks";
    case CollabKind::birth_registration:
      return "birth-registrations";
    case CollabKind::birth_feedback:
      return "birth-feedbacks";
    case CollabKind::query:
      return "queries";
    case CollabKind::answer:
      return "answers";
  }
  return "";
}

std::string_view id_key(CollabKind kind) {
  switch (kind) {
    case CollabKind::check_notice:
    case CollabKind::check_feedback:
      return "notice_id";
    case CollabKind::birth_registration:
    case CollabKind::birth_feedback:
      return "registration_id";
    case CollabKind::query:
    case CollabKind::answer:
      return "query_id";
  }
  return "";
}

// An item about one migrant, as the residence province's system makes it.
// The name and ID number go to the node; the ledger keeps neither.
json item_about(CollabKind kind, const std::string& id, const domain::MigrantRecord& r,
                domain::ProvinceCode residence, domain::ProvinceCode hukou,
                const domain::Date& today, std::uint64_t serial) {
  json j{{std::string(id_key(kind)), id},
         {"record_id", r.record_id},
         {"residence_province", code_text(residence)},
         {"hukou_province", code_text(hukou)}};
  switch (kind) {
    case CollabKind::check_notice:
      j["subject_id_number"] = r.id_number;
      j["subject_name"] = r.name;
      j["check_date"] = today.yyyymmdd();
      j["method"] = serial % 2 ? "宫内节育器" : "皮下埋植";
      j["result"] = "正常";
      break;
    case CollabKind::birth_registration:
      j["mother_id_number"] = r.id_number;
      j["mother_name"] = r.name;
      j["registration_date"] = today.yyyymmdd();
      j["expected_birth_date"] = today.plus_days(150).yyyymmdd();
      break;
    default: {
      static constexpr const char* kKinds[] = {"pregnancy", "no_certificate",
                                               "no_long_acting_contraception"};
      j["query_kind"] = kKinds[serial % 3];
      j["subject_id_number"] = r.id_number;
      j["subject_name"] = r.name;
      j["asked_date"] = today.yyyymmdd();
      j["question"] = "请核实其户籍地生育服务登记情况";
      break;
    }
  }
  return j;
}

json reply_to(CollabKind item_kind, const std::string& id, domain::ProvinceCode residence,
              domain::ProvinceCode hukou, const domain::Date& today) {
  json j{{std::string(id_key(item_kind)), id},
         {"residence_province", code_text(residence)},
         {"hukou_province", code_text(hukou)},
         {"outcome", "confirmed"}};
  j[item_kind == CollabKind::query ? "answered_date" : "feedback_date"] = today.yyyymmdd();
  return j;
}

struct PostOutcome {
  std::vector<json> results;  // one per item, when answered
  std::string failure;        // the request itself failed
};

PostOutcome post_items(const NodeEndpoint& node, CollabKind kind, const std::vector<json>& items,
                       const std::string& operator_id) {
  PostOutcome out;
  const std::string target = fmt::format("/v1/{}", resource_of(kind));
  AdminReply reply = admin_post(node.admin, target, ndjson(items), "application/x-ndjson",
                                {{"X-Operator-Id", operator_id}});
  if (reply.status != 200 && reply.status != 422) {
    out.failure = fmt::format("POST {} at {}: {}", target, code_text(node.code), reply.describe());
    return out;
  }
  json doc = json::parse(reply.body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("items") || doc["items"].size() != items.size()) {
    out.failure =
        fmt::format("POST {} at {}: not one result per item", target, code_text(node.code));
    return out;
  }
  for (const json& r : doc["items"]) out.results.push_back(r);
  return out;
}

// Everything of one kind in a node's inbox, with content, page by page.
std::vector<json> inbox_items(const NodeEndpoint& node, CollabKind kind,
                              std::vector<std::string>& failures) {
  std::vector<json> out;
  std::uint64_t after = 0;
  for (;;) {
    auto page = node_get_json(
        node,
        fmt::format("/v1/inbox?kind={}&after={}&limit=1000", domain::collab_kind_name(kind), after),
        failures);
    if (!page) return out;
    // Each entry's content is the node's record of the item: its role,
    // state and the item itself.
    for (const json& e : (*page)["entries"]) out.push_back(e["item"].value("item", json()));
    after = (*page)["next_after"].get<std::uint64_t>();
    if (!(*page)["more"].get<bool>()) return out;
  }
}

bool beyond_calendar(const json& result) {
  if (!result.contains("errors")) return false;
  for (const json& e : result["errors"]) {
    if (e.value("expected", "") != "a date the holiday calendar covers") return false;
  }
  return !result["errors"].empty();
}

std::uint64_t id_hash(const std::string& id) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: the same choice in every run
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// 1. The residence provinces send.
void send_items(const NetworkLayout& layout, const std::vector<ProvinceQuota>& quotas,
                const QuarterOptions& quarter, const std::set<std::string>& accepted_ids,
                const CollabOptions& options, CollabRound& round) {
  static constexpr CollabKind kTurns[] = {CollabKind::check_notice, CollabKind::birth_registration,
                                          CollabKind::query};
  for (const ProvinceQuota& quota : quotas) {
    const NodeEndpoint* node = layout.province(quota.code);
    if (node == nullptr) continue;
    synth::PopulationGenerator generator = province_generator(quarter, quota.code);
    std::map<CollabKind, std::vector<json>> batch;
    std::map<CollabKind, std::vector<CollabLedgerItem>> pending;
    std::uint64_t eligible = 0;
    for (std::uint64_t i = 0; i < quota.records; ++i) {
      synth::GeneratedRecord g = generator.next();
      const domain::MigrantRecord& r = g.record;
      if (g.fault != synth::Fault::none || r.direction != "inflow" ||
          !accepted_ids.contains(r.record_id)) {
        continue;
      }
      if (eligible++ % options.every != 0) continue;
      auto hukou = domain::concerned_province_of(r);
      if (!hukou) continue;
      const std::uint64_t serial = eligible / options.every;
      CollabKind kind = kTurns[serial % 3];
      if (kind != CollabKind::query && r.sex != "2") kind = CollabKind::query;
      static constexpr const char* kTags[] = {"CN", "", "BR", "", "Q", ""};
      const std::string id =
          fmt::format("{}-{}-{:06}", code_text(quota.code), kTags[static_cast<int>(kind)], serial);
      batch[kind].push_back(item_about(kind, id, r, quota.code, *hukou, quarter.today, serial));
      pending[kind].push_back(
          CollabLedgerItem{kind, id, quota.code, *hukou, quarter.today, {}, {}});
    }
    for (auto& [kind, items] : batch) {
      PostOutcome posted = post_items(*node, kind, items, options.operator_id);
      if (!posted.failure.empty()) {
        round.failures.push_back(posted.failure);
        continue;
      }
      for (std::size_t k = 0; k < items.size(); ++k) {
        const json& result = posted.results[k];
        const std::string status = result.value("status", "");
        if (status == "accepted") {
          CollabLedgerItem item = pending[kind][k];
          if (result.contains("due_date")) {
            item.due = domain::Date::parse_yyyymmdd(result["due_date"].get<std::string>());
          }
          if (kind == CollabKind::query && !item.due) {
            round.failures.push_back(fmt::format("query {} at {}: accepted without a due date",
                                                 item.id, code_text(quota.code)));
          }
          round.items.push_back(std::move(item));
        } else if (beyond_calendar(result)) {
          ++round.beyond_calendar;
        } else {
          round.failures.push_back(fmt::format("{} {} at {}: {} {}", domain::collab_kind_name(kind),
                                               pending[kind][k].id, code_text(quota.code), status,
                                               result.value("errors", json::array()).dump()));
        }
      }
    }
  }
}

// 2. The hukou provinces read what arrived and reply. Returns the ids
// replied to, with the reply's date.
std::map<std::string, domain::Date> reply_to_items(const NetworkLayout& layout,
                                                   const QuarterOptions& quarter,
                                                   const CollabOptions& options,
                                                   CollabRound& round) {
  std::map<std::string, domain::Date> replied;
  for (const NodeEndpoint& node : layout.provinces) {
    std::map<CollabKind, std::vector<json>> replies;
    std::map<CollabKind, std::vector<std::string>> ids;
    auto reply_all = [&](CollabKind item_kind, const std::vector<json>& arrived) {
      for (const json& item : arrived) {
        const std::string id = item.value(std::string(id_key(item_kind)), "");
        auto residence = domain::parse_province_code(item.value("residence_province", ""));
        if (id.empty() || !residence) {
          round.failures.push_back(fmt::format("{} at {}: an item without id or residence",
                                               domain::collab_kind_name(item_kind),
                                               code_text(node.code)));
          continue;
        }
        const CollabKind reply_kind = domain::reply_kind(item_kind);
        replies[reply_kind].push_back(
            reply_to(item_kind, id, *residence, node.code, quarter.today));
        ids[reply_kind].push_back(id);
      }
    };
    reply_all(CollabKind::check_notice,
              inbox_items(node, CollabKind::check_notice, round.failures));
    reply_all(CollabKind::birth_registration,
              inbox_items(node, CollabKind::birth_registration, round.failures));
    // Queries from the queue, by due date, as the answering clerk sees them;
    // a share is left open.
    if (auto queue =
            node_get_json(node, "/v1/queries?role=answering&limit=100000", round.failures)) {
      std::vector<json> answered;
      std::string previous_due;
      for (const json& q : (*queue)["queries"]) {
        const std::string due = q.value("due_date", "");
        if (due < previous_due) {
          round.failures.push_back(
              fmt::format("the query queue at {} is not by due date ({} after {})",
                          code_text(node.code), due, previous_due));
        }
        previous_due = due;
        const std::string id = q.value("query_id", "");
        if (id_hash(id) % options.unanswered_every == 0) continue;
        answered.push_back(json{{"query_id", id}, {"residence_province", q.value("asking", "")}});
      }
      reply_all(CollabKind::query, answered);
    }
    for (auto& [kind, items] : replies) {
      PostOutcome posted = post_items(node, kind, items, options.operator_id);
      if (!posted.failure.empty()) {
        round.failures.push_back(posted.failure);
        continue;
      }
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (posted.results[k].value("status", "") == "accepted") {
          replied.emplace(ids[kind][k], quarter.today);
          ++round.replies_sent;
        } else {
          round.failures.push_back(fmt::format("{} to {} at {}: {}", domain::collab_kind_name(kind),
                                               ids[kind][k], code_text(node.code),
                                               posted.results[k].dump()));
        }
      }
    }
  }
  return replied;
}

// 3. Every item's state on both sides.
void check_states(const NetworkLayout& layout, CollabRound& round) {
  std::map<domain::ProvinceCode, std::map<std::string, std::string>> query_state[2];
  for (const NodeEndpoint& node : layout.provinces) {
    int side = 0;
    for (const char* role : {"asking", "answering"}) {
      auto listed = node_get_json(
          node, fmt::format("/v1/queries?role={}&state=all&limit=100000", role), round.failures);
      if (listed) {
        for (const json& q : (*listed)["queries"]) {
          query_state[side][node.code][q.value("query_id", "")] = q.value("state", "");
        }
      }
      ++side;
    }
  }
  for (const CollabLedgerItem& item : round.items) {
    const std::string expected = item.replied                     ? "answered"
                                 : item.kind == CollabKind::query ? "open"
                                                                  : "sent";
    for (int side = 0; side < 2; ++side) {
      const domain::ProvinceCode at = side == 0 ? item.residence : item.hukou;
      std::string state;
      if (item.kind == CollabKind::query) {
        auto& states = query_state[side][at];
        auto it = states.find(item.id);
        state = it == states.end() ? "(not held)" : it->second;
      } else {
        auto got = node_get_json(*layout.province(at),
                                 fmt::format("/v1/{}/{}", resource_of(item.kind), item.id),
                                 round.failures);
        if (!got) continue;
        state = got->value("state", "");
      }
      std::string want = expected;
      if (side == 1 && want == "sent") want = "received";
      if (state != want) {
        round.failures.push_back(fmt::format("{} {} at {}: state {}, expected {}",
                                             domain::collab_kind_name(item.kind), item.id,
                                             code_text(at), state, want));
      }
      ++round.checked_states;
    }
  }
}

}  // namespace

CollabRound run_collab_round(const NetworkLayout& layout, const std::vector<ProvinceQuota>& quotas,
                             const QuarterOptions& quarter,
                             const std::set<std::string>& accepted_ids,
                             const CollabOptions& options, Clock::time_point deadline) {
  CollabRound round;
  auto started = Clock::now();
  send_items(layout, quotas, quarter, accepted_ids, options, round);
  if (!wait_until_quiet(layout, deadline).quiet) {
    round.failures.push_back("the network was not quiet after the items were sent");
    return round;
  }
  round.send_seconds = seconds_since(started);

  started = Clock::now();
  std::map<std::string, domain::Date> replied = reply_to_items(layout, quarter, options, round);
  for (CollabLedgerItem& item : round.items) {
    if (auto it = replied.find(item.id); it != replied.end()) item.replied = it->second;
  }
  if (replied.size() != round.replies_sent) {
    round.failures.push_back("an item was replied to twice");
  }
  if (!wait_until_quiet(layout, deadline).quiet) {
    round.failures.push_back("the network was not quiet after the replies were sent");
    return round;
  }
  round.reply_seconds = seconds_since(started);

  started = Clock::now();
  check_states(layout, round);
  round.summary_pairs = compare_monthly_summary(
      layout.national, quarter.today.year, quarter.today.month,
      expected_monthly_summary(round.items, quarter.today.year, quarter.today.month, quarter.today),
      round.failures);
  round.check_seconds = seconds_since(started);
  return round;
}

ExpectedSummary expected_monthly_summary(const std::vector<CollabLedgerItem>& items, int year,
                                         int month, const domain::Date& today) {
  const domain::Date month_end{year, month, domain::Date::days_in_month(year, month)};
  const domain::Date as_of = std::min(month_end, today);
  auto in_month = [&](const domain::Date& d) { return d.year == year && d.month == month; };
  ExpectedSummary out;
  for (const CollabLedgerItem& item : items) {
    ExpectedPair& p = out[{item.residence, item.hukou}];
    const bool is_query = item.kind == CollabKind::query;
    if (in_month(item.date)) ++(is_query ? p.queries : p.notices);
    if (item.replied && in_month(*item.replied)) {
      if (!is_query) {
        ++p.feedbacks;
      } else {
        ++(item.due && *item.replied > *item.due ? p.answered_late : p.answered_on_time);
      }
    }
    if (is_query && item.due && *item.due < as_of && !(item.replied && *item.replied <= as_of)) {
      ++p.overdue;
    }
  }
  std::erase_if(out, [](const auto& kv) { return kv.second == ExpectedPair{}; });
  return out;
}

std::uint64_t compare_monthly_summary(const NodeEndpoint& national, int year, int month,
                                      const ExpectedSummary& expected,
                                      std::vector<std::string>& failures) {
  auto summary = node_get_json(
      national, fmt::format("/v1/reports/monthly?year={}&month={}", year, month), failures);
  if (!summary) return 0;
  ExpectedSummary got;
  for (const json& p : (*summary)["pairs"]) {
    auto from = domain::parse_province_code(p.value("from", ""));
    auto to = domain::parse_province_code(p.value("to", ""));
    ExpectedPair figures{p.value("notices", 0u),       p.value("feedbacks", 0u),
                         p.value("queries", 0u),       p.value("answered_on_time", 0u),
                         p.value("answered_late", 0u), p.value("overdue", 0u)};
    if (from && to && !(figures == ExpectedPair{})) got[{*from, *to}] = figures;
  }
  auto text = [](const ExpectedPair& p) {
    return fmt::format("notices {} feedbacks {} queries {} on time {} late {} overdue {}",
                       p.notices, p.feedbacks, p.queries, p.answered_on_time, p.answered_late,
                       p.overdue);
  };
  std::set<std::pair<domain::ProvinceCode, domain::ProvinceCode>> keys;
  for (const auto& [k, v] : expected) keys.insert(k);
  for (const auto& [k, v] : got) keys.insert(k);
  for (const auto& k : keys) {
    auto e = expected.find(k);
    auto g = got.find(k);
    const ExpectedPair want = e == expected.end() ? ExpectedPair{} : e->second;
    const ExpectedPair have = g == got.end() ? ExpectedPair{} : g->second;
    if (!(want == have)) {
      failures.push_back(fmt::format(
          "monthly summary {}-{:02} pair {}→{}: the national node says "
          "{}; the provinces sent {}",
          year, month, code_text(k.first), code_text(k.second), text(have), text(want)));
    }
  }
  return keys.size();
}

std::optional<json> node_get_json(const NodeEndpoint& node, const std::string& target,
                                  std::vector<std::string>& failures) {
  AdminReply reply = admin_get(node.admin, target, std::chrono::seconds(60));
  json doc = reply.status == 200 ? json::parse(reply.body, nullptr, false) : json();
  if (reply.status != 200 || doc.is_discarded()) {
    failures.push_back(
        fmt::format("GET {} at {}: {}", target, code_text(node.code), reply.describe()));
    return std::nullopt;
  }
  return doc;
}

json ledger_to_json(const std::vector<CollabLedgerItem>& items) {
  json out = json::array();
  for (const CollabLedgerItem& i : items) {
    json j{{"kind", domain::collab_kind_name(i.kind)},
           {"id", i.id},
           {"residence", code_text(i.residence)},
           {"hukou", code_text(i.hukou)},
           {"date", i.date.yyyymmdd()}};
    if (i.due) j["due_date"] = i.due->yyyymmdd();
    if (i.replied) j["replied"] = i.replied->yyyymmdd();
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<CollabLedgerItem> ledger_from_json(const json& j) {
  std::vector<CollabLedgerItem> out;
  for (const json& e : j) {
    CollabLedgerItem i;
    i.kind = domain::collab_kind_from_name(e.at("kind").get<std::string>())
                 .value_or(CollabKind::check_notice);
    i.id = e.at("id").get<std::string>();
    i.residence = domain::parse_province_code(e.at("residence").get<std::string>()).value_or(0);
    i.hukou = domain::parse_province_code(e.at("hukou").get<std::string>()).value_or(0);
    i.date = domain::Date::parse_yyyymmdd(e.at("date").get<std::string>()).value_or(domain::Date{});
    if (e.contains("due_date"))
      i.due = domain::Date::parse_yyyymmdd(e["due_date"].get<std::string>());
    if (e.contains("replied"))
      i.replied = domain::Date::parse_yyyymmdd(e["replied"].get<std::string>());
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace provnet::network
