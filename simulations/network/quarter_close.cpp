#include "network/quarter_close.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "domain/statistics.hpp"
#include "network/network_quiet.hpp"

namespace provnet::network {

namespace {

using nlohmann::json;
using Cells = std::map<std::string, std::uint64_t>;  // "direction/dimension/cell" -> count

std::string code_text(domain::ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

// Every cell of a tables document, and its records (the sex tables' totals,
// inflow plus outflow: each record is in exactly one of them).
Cells cells_of(const json& tables, std::uint64_t& people) {
  Cells out;
  people = 0;
  for (const json& t : tables.value("tables", json::array())) {
    const std::string prefix = t.value("direction", "?") + "/" + t.value("dimension", "?") + "/";
    const json cells = t.value("cells", json::object());
    for (const auto& [cell, n] : cells.items()) {
      out[prefix + cell] += n.get<std::uint64_t>();
    }
    if (t.value("dimension", "") == "sex") people += t.value("total", std::uint64_t{0});
  }
  std::erase_if(out, [](const auto& kv) { return kv.second == 0; });
  return out;
}

std::string first_difference(const Cells& a, const Cells& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const auto& k : keys) {
    const std::uint64_t x = a.contains(k) ? a.at(k) : 0, y = b.contains(k) ? b.at(k) : 0;
    if (x != y) return fmt::format("{}: {} against {}", k, x, y);
  }
  return "";
}

// The ids a province's queue shows in `state`, for one role.
std::set<std::string> query_ids(const NodeEndpoint& node, const char* role, const char* state,
                                std::vector<std::string>& failures) {
  std::set<std::string> out;
  auto listed = node_get_json(
      node, fmt::format("/v1/queries?role={}&state={}&limit=100000", role, state), failures);
  if (listed) {
    for (const json& q : (*listed)["queries"]) out.insert(q.value("query_id", ""));
  }
  return out;
}

}  // namespace

json quarter_ledger_to_json(const QuarterLedger& ledger) {
  json accepted = json::object();
  for (const auto& [code, n] : ledger.accepted_records) accepted[code_text(code)] = n;
  return json{{"reported", ledger.reported.yyyymmdd()},
              {"year", ledger.year},
              {"quarter", ledger.quarter},
              {"accepted_records", std::move(accepted)},
              {"items", ledger_to_json(ledger.items)}};
}

Result<QuarterLedger> quarter_ledger_from_json(const json& j) {
  try {
    QuarterLedger l;
    auto reported = domain::Date::parse_yyyymmdd(j.at("reported").get<std::string>());
    if (!reported) return Error{Errc::invalid_input, "reported: expected a date YYYYMMDD"};
    l.reported = *reported;
    l.year = j.at("year").get<int>();
    l.quarter = j.at("quarter").get<int>();
    for (const auto& [code, n] : j.at("accepted_records").items()) {
      auto c = domain::parse_province_code(code);
      if (!c) return Error{Errc::invalid_input, "accepted_records: " + code + " is no province"};
      l.accepted_records[*c] = n.get<std::uint64_t>();
    }
    l.items = ledger_from_json(j.at("items"));
    return l;
  } catch (const json::exception& e) {
    return Error{Errc::invalid_input, std::string("the ledger: ") + e.what()};
  }
}

QuarterClose close_quarter(const NetworkLayout& layout, const QuarterLedger& ledger,
                           std::chrono::steady_clock::time_point deadline) {
  QuarterClose out;
  auto& failures = out.failures;
  // The nodes' date, as they judge deadlines.
  if (auto s = node_get_json(layout.national, "/v1/status", failures)) {
    if (auto d = domain::Date::parse_yyyymmdd(s->value("today", ""))) out.today = *d;
  }
  if (out.today <= domain::quarter_snapshot_date(ledger.year, ledger.quarter)) {
    failures.push_back(
        fmt::format("the national node's date {} is not after {} Q{}'s end: restart the nodes with "
                    "PROVNET_CLOCK_OFFSET_DAYS",
                    out.today.yyyymmdd(), ledger.year, ledger.quarter));
    return out;
  }
  const std::string report =
      fmt::format("/v1/reports/quarterly?year={}&quarter={}", ledger.year, ledger.quarter);

  // 1. Every province submits.
  for (const NodeEndpoint& node : layout.provinces) {
    AdminReply reply = admin_post(node.admin, report, "", "", {{"X-Operator-Id", "provdemo"}});
    if (reply.status != 200) {
      failures.push_back(
          fmt::format("POST {} at {}: {}", report, code_text(node.code), reply.describe()));
      continue;
    }
    ++out.submitted;
  }
  if (!wait_until_quiet(layout, deadline).quiet) {
    failures.push_back("the network was not quiet after the tables were submitted");
    return out;
  }

  // 2, 3. The national report against the provinces' own tables and records.
  Cells sum;
  for (const NodeEndpoint& node : layout.provinces) {
    auto own = node_get_json(node, report, failures);
    if (!own) continue;
    std::uint64_t people = 0;
    for (const auto& [k, n] : cells_of((*own)["tables"], people)) sum[k] += n;
    const auto it = ledger.accepted_records.find(node.code);
    const std::uint64_t reported = it == ledger.accepted_records.end() ? 0 : it->second;
    if (people != reported) {
      failures.push_back(
          fmt::format("{}'s tables count {} records; it reported {} that its node "
                      "accepted",
                      code_text(node.code), people, reported));
    }
  }
  if (auto national = node_get_json(layout.national, report, failures)) {
    for (const json& p : (*national)["provinces"]) {
      if (p.value("status", "") == "on_time") {
        ++out.on_time;
      } else {
        failures.push_back(fmt::format("the national node has {}'s tables as {}",
                                       p.value("province", "?"), p.value("status", "?")));
      }
    }
    const Cells national_cells = cells_of((*national)["national"], out.people_in_tables);
    if (auto d = first_difference(national_cells, sum); !d.empty()) {
      failures.push_back("the national sum is not the sum of the provinces' tables: " + d);
    }
  }

  // 4. Overdue queries on both sides, and the monthly summaries.
  std::map<domain::ProvinceCode, std::set<std::string>> expected[2];  // asking, answering
  for (const CollabLedgerItem& item : ledger.items) {
    if (item.kind != domain::CollabKind::query || item.replied || !item.due) continue;
    if (*item.due >= out.today) continue;
    expected[0][item.residence].insert(item.id);
    expected[1][item.hukou].insert(item.id);
    ++out.overdue_expected;
  }
  for (const NodeEndpoint& node : layout.provinces) {
    int side = 0;
    for (const char* role : {"asking", "answering"}) {
      std::set<std::string> found = query_ids(node, role, "overdue", failures);
      if (side == 1) out.overdue_found += found.size();
      if (found != expected[side][node.code]) {
        failures.push_back(fmt::format("{} queries overdue at {}: {}, expected {}", role,
                                       code_text(node.code), found.size(),
                                       expected[side][node.code].size()));
      }
      ++side;
    }
  }
  for (domain::Date month{ledger.reported.year, ledger.reported.month, 1}; month <= out.today;
       month = month.plus_days(domain::Date::days_in_month(month.year, month.month))) {
    out.summary_pairs += compare_monthly_summary(
        layout.national, month.year, month.month,
        expected_monthly_summary(ledger.items, month.year, month.month, out.today), failures);
    ++out.summary_months;
  }
  return out;
}

}  // namespace provnet::network
