#include "domain/statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <nlohmann/json.hpp>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace provnet::domain {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 2> kDirections = {"inflow", "outflow"};
constexpr int kQuarters = 4;
constexpr int kMonthsPerQuarter = 3;
// A value a record cannot be placed by (an address code outside the 32
// provinces, an unreadable birth date, an empty code): counted under this
// cell so that every dimension of a direction keeps the same total.
constexpr std::string_view kUnknown = "unknown";

std::string value_or_unknown(std::string_view value) {
  return value.empty() ? std::string(kUnknown) : std::string(value);
}

StatTable* find_table(QuarterlyTables& t, std::string_view direction, std::string_view dimension) {
  for (StatTable& table : t.tables) {
    if (table.direction == direction && table.dimension == dimension) return &table;
  }
  return nullptr;
}

std::string table_name(const StatTable& table) {
  return fmt::format("{}/{}", table.direction, table.dimension);
}

// The cell a record falls in, for one dimension, at the snapshot date.
std::string cell_of(const MigrantRecord& r, std::string_view dimension, const Date& snapshot) {
  if (dimension == "sex") return value_or_unknown(r.sex);
  if (dimension == "age_band") {
    const auto birth = Date::parse_yyyymmdd(r.birth_date);
    return birth ? age_band(*birth, snapshot) : std::string(kUnknown);
  }
  if (dimension == "education") return value_or_unknown(education_category(r.education));
  if (dimension == "marital_status") return value_or_unknown(r.marital_status);
  if (dimension == "migration_reason") return value_or_unknown(r.migration_reason);
  // partner_province: where the other end of the migration is.
  const auto partner =
      province_of_address(r.direction == "inflow" ? r.hukou_address_code : r.current_address_code);
  return partner ? std::string(province_code_text(*partner)) : std::string(kUnknown);
}

bool in_month(const Date& d, int year, int month) {
  return d.year == year && d.month == month;
}

}  // namespace

// --- quarters -----------------------------------------------------------

Date quarter_snapshot_date(int year, int quarter) {
  assert(quarter >= 1 && quarter <= kQuarters);
  const int month = quarter * kMonthsPerQuarter;
  return Date{year, month, Date::days_in_month(year, month)};
}

Date quarter_due_date(int year, int quarter) {
  assert(quarter >= 1 && quarter <= kQuarters);
  // The first day of the second month after the snapshot.
  if (quarter == kQuarters) return Date{year + 1, 2, 1};
  return Date{year, quarter * kMonthsPerQuarter + 2, 1};
}

// --- quarterly tables ------------------------------------------------------

const std::vector<std::string>& statistics_dimensions() {
  static const std::vector<std::string> dimensions = {
      "sex", "age_band", "education", "marital_status", "migration_reason", "partner_province"};
  return dimensions;
}

std::string age_band(const Date& birth, const Date& on) {
  const int age = age_on(birth, on);
  if (age < 18) return "0-17";
  if (age < 30) return "18-29";
  if (age < 40) return "30-39";
  if (age < 50) return "40-49";
  if (age < 60) return "50-59";
  return "60+";
}

std::string education_category(std::string_view code) {
  if (code.empty()) return {};
  return std::string(1, code[0]) + "0";
}

QuarterlyTables empty_tables(ProvinceCode province, int year, int quarter) {
  QuarterlyTables t;
  t.province = province;
  t.year = year;
  t.quarter = quarter;
  t.snapshot = quarter_snapshot_date(year, quarter);
  for (std::string_view direction : kDirections) {
    for (const std::string& dimension : statistics_dimensions()) {
      StatTable table;
      table.direction = std::string(direction);
      table.dimension = dimension;
      t.tables.push_back(std::move(table));
    }
  }
  return t;
}

QuarterlyTables compute_quarterly_tables(ProvinceCode province, int year, int quarter,
                                         const std::vector<VersionFact>& versions) {
  QuarterlyTables t = empty_tables(province, year, quarter);
  const std::string_view own = province_code_text(province);

  // Per record: its latest version as of the snapshot. Later versions did not
  // exist yet on that date; the snapshot shows the record as it was.
  std::unordered_map<std::string, const VersionFact*> state;
  for (const VersionFact& v : versions) {
    if (v.record.reporting_province != own) continue;
    if (v.changed_on > t.snapshot) continue;
    const VersionFact*& current = state[v.record.record_id];
    if (current == nullptr || v.version > current->version ||
        (v.version == current->version && v.changed_on >= current->changed_on)) {
      current = &v;
    }
  }

  for (const auto& [id, fact] : state) {
    // Returned home or left the province: no longer this province's migrant.
    if (fact->change == "returned" || fact->change == "left") continue;
    const MigrantRecord& r = fact->record;
    if (r.direction != "inflow" && r.direction != "outflow") continue;
    for (const std::string& dimension : statistics_dimensions()) {
      StatTable* table = find_table(t, r.direction, dimension);
      ++table->cells[cell_of(r, dimension, t.snapshot)];
      ++table->total;
    }
  }
  return t;
}

Result<void> add_tables(QuarterlyTables& a, const QuarterlyTables& b) {
  if (a.year != b.year || a.quarter != b.quarter) {
    return Error{Errc::invalid_input,
                 fmt::format("cannot add the tables of {} Q{} (province {}) to those of {} Q{}",
                             b.year, b.quarter, province_code_text(b.province), a.year, a.quarter)};
  }
  // Every table of b must have its counterpart before anything is added, so
  // a failed sum leaves `a` as it was.
  std::vector<StatTable*> targets;
  for (const StatTable& table : b.tables) {
    StatTable* target = find_table(a, table.direction, table.dimension);
    if (target == nullptr) {
      return Error{Errc::invalid_input,
                   fmt::format("the tables of province {} have a table {} that the sum lacks",
                               province_code_text(b.province), table_name(table))};
    }
    targets.push_back(target);
  }
  for (std::size_t i = 0; i < b.tables.size(); ++i) {
    for (const auto& [value, count] : b.tables[i].cells) targets[i]->cells[value] += count;
    targets[i]->total += b.tables[i].total;
  }
  return {};
}

Result<void> check_tables(const QuarterlyTables& t) {
  const std::string_view province = province_code_text(t.province);
  // All 12 tables, each once: a missing one would make the comparison of
  // totals below vacuous.
  for (std::string_view direction : kDirections) {
    for (const std::string& dimension : statistics_dimensions()) {
      const auto count = std::count_if(t.tables.begin(), t.tables.end(), [&](const StatTable& s) {
        return s.direction == direction && s.dimension == dimension;
      });
      if (count != 1) {
        return Error{Errc::invalid_input,
                     fmt::format("tables of province {}, {} Q{}: found {} table{} {}/{}; "
                                 "expected exactly one",
                                 province, t.year, t.quarter, count, count == 1 ? "" : "s",
                                 direction, dimension)};
      }
    }
  }
  if (t.tables.size() != kDirections.size() * statistics_dimensions().size()) {
    return Error{Errc::invalid_input,
                 fmt::format("tables of province {}, {} Q{}: found {} tables; expected {}",
                             province, t.year, t.quarter, t.tables.size(),
                             kDirections.size() * statistics_dimensions().size())};
  }

  for (const StatTable& table : t.tables) {
    std::uint64_t sum = 0;
    for (const auto& [value, count] : table.cells) sum += count;
    if (sum != table.total) {
      return Error{Errc::invalid_input,
                   fmt::format("tables of province {}, {} Q{}: table {} has total {} but its "
                               "cells sum to {}",
                               province, t.year, t.quarter, table_name(table), table.total, sum)};
    }
  }
  for (std::string_view direction : kDirections) {
    const StatTable* first = nullptr;
    for (const StatTable& table : t.tables) {
      if (table.direction != direction) continue;
      if (first == nullptr) {
        first = &table;
      } else if (table.total != first->total) {
        return Error{Errc::invalid_input,
                     fmt::format("tables of province {}, {} Q{}: table {} has total {} but {} "
                                 "has {}; every {} table counts the same people",
                                 province, t.year, t.quarter, table_name(table), table.total,
                                 table_name(*first), first->total, direction)};
      }
    }
  }
  return {};
}

json tables_to_json(const QuarterlyTables& t) {
  json tables = json::array();
  for (const StatTable& table : t.tables) {
    json cells = json::object();
    for (const auto& [value, count] : table.cells) cells[value] = count;
    tables.push_back(json{{"direction", table.direction},
                          {"dimension", table.dimension},
                          {"total", table.total},
                          {"cells", std::move(cells)}});
  }
  return json{{"province", province_code_text(t.province)},
              {"year", t.year},
              {"quarter", t.quarter},
              {"snapshot_date", t.snapshot.yyyymmdd()},
              {"tables", std::move(tables)}};
}

// --- monthly summary (national) -----------------------------------------

MonthlySummary compute_monthly_summary(int year, int month, const Date& today,
                                       const std::vector<LedgerEntry>& entries) {
  assert(month >= 1 && month <= 12);
  MonthlySummary s;
  s.year = year;
  s.month = month;
  s.as_of = std::min(Date{year, month, Date::days_in_month(year, month)}, today);

  std::map<std::pair<ProvinceCode, ProvinceCode>, PairFigures> pairs;
  std::map<ProvinceCode, ProvinceFigures> provinces;
  for (const Province& p : all_provinces()) provinces[p.code].province = p.code;

  for (const LedgerEntry& e : entries) {
    // Both ends must be provinces: the pair and the province figures then
    // count the same items.
    const auto from_it = provinces.find(e.residence);
    const auto to_it = provinces.find(e.hukou);
    if (from_it == provinces.end() || to_it == provinces.end()) continue;
    ProvinceFigures& from = from_it->second;
    ProvinceFigures& to = to_it->second;
    const auto pair = [&]() -> PairFigures& {
      PairFigures& p = pairs[{e.residence, e.hukou}];
      p.from = e.residence;
      p.to = e.hukou;
      return p;
    };

    if (e.kind == CollabKind::check_notice || e.kind == CollabKind::birth_registration) {
      if (in_month(e.date, year, month)) {
        ++pair().notices;
        ++from.notices_sent;
        ++to.notices_received;
      }
      if (e.reply_date && in_month(*e.reply_date, year, month)) {
        ++pair().feedbacks;
        ++to.feedbacks_sent;
        ++from.feedbacks_received;
      }
    } else if (e.kind == CollabKind::query) {
      if (in_month(e.date, year, month)) {
        ++pair().queries;
        ++from.queries_sent;
        ++to.queries_received;
      }
      // A query without a due date (not one the node made) cannot be late.
      if (e.reply_date && in_month(*e.reply_date, year, month)) {
        if (e.due_date && *e.reply_date > *e.due_date) {
          ++pair().answered_late;
          ++to.answered_late;
        } else {
          ++pair().answered_on_time;
          ++to.answered_on_time;
        }
      }
      const bool answered_by_then = e.reply_date && *e.reply_date <= s.as_of;
      if (e.due_date && *e.due_date < s.as_of && !answered_by_then) {
        ++pair().overdue;
        ++to.overdue;
      }
    }
  }

  for (auto& [key, figures] : pairs) s.pairs.push_back(figures);
  for (auto& [code, figures] : provinces) s.provinces.push_back(figures);
  return s;
}

json monthly_summary_to_json(const MonthlySummary& s) {
  json pairs = json::array();
  for (const PairFigures& p : s.pairs) {
    pairs.push_back(json{{"from", province_code_text(p.from)},
                         {"to", province_code_text(p.to)},
                         {"notices", p.notices},
                         {"feedbacks", p.feedbacks},
                         {"queries", p.queries},
                         {"answered_on_time", p.answered_on_time},
                         {"answered_late", p.answered_late},
                         {"overdue", p.overdue}});
  }
  json provinces = json::array();
  for (const ProvinceFigures& p : s.provinces) {
    provinces.push_back(json{{"province", province_code_text(p.province)},
                             {"notices_sent", p.notices_sent},
                             {"notices_received", p.notices_received},
                             {"feedbacks_sent", p.feedbacks_sent},
                             {"feedbacks_received", p.feedbacks_received},
                             {"queries_sent", p.queries_sent},
                             {"queries_received", p.queries_received},
                             {"answered_on_time", p.answered_on_time},
                             {"answered_late", p.answered_late},
                             {"overdue", p.overdue}});
  }
  return json{{"year", s.year},
              {"month", s.month},
              {"as_of", s.as_of.yyyymmdd()},
              {"pairs", std::move(pairs)},
              {"provinces", std::move(provinces)}};
}

std::string monthly_summary_to_csv(const MonthlySummary& s) {
  std::string out =
      "section,from,to,notices,feedbacks,queries,answered_on_time,answered_late,overdue\n";
  for (const PairFigures& p : s.pairs) {
    out += fmt::format("pair,{},{},{},{},{},{},{},{}\n", province_code_text(p.from),
                       province_code_text(p.to), p.notices, p.feedbacks, p.queries,
                       p.answered_on_time, p.answered_late, p.overdue);
  }
  out +=
      "section,province,notices_sent,notices_received,feedbacks_sent,feedbacks_received,"
      "queries_sent,queries_received,answered_on_time,answered_late,overdue\n";
  for (const ProvinceFigures& p : s.provinces) {
    out += fmt::format("province,{},{},{},{},{},{},{},{},{},{}\n", province_code_text(p.province),
                       p.notices_sent, p.notices_received, p.feedbacks_sent, p.feedbacks_received,
                       p.queries_sent, p.queries_received, p.answered_on_time, p.answered_late,
                       p.overdue);
  }
  return out;
}

}  // namespace provnet::domain
