// Statistics (SPEC §2.4): a province's quarterly tables derived from its own
// individual records, and the national monthly summary of collaboration
// traffic. Pure: records and ledger entries come in, tables come out; "today"
// is always passed in.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "domain/collab_item.hpp"
#include "domain/date.hpp"
#include "domain/migrant_record.hpp"
#include "domain/province.hpp"

namespace provnet::domain {

// --- quarters -----------------------------------------------------------

// Snapshot dates 31 March, 30 June, 30 September, 31 December; due at the
// national node 1 May, 1 August, 1 November, 1 February of the next year.
// quarter must be 1..4.
Date quarter_snapshot_date(int year, int quarter);
Date quarter_due_date(int year, int quarter);

// --- quarterly tables ------------------------------------------------------

// One stored version of a record, as the tables need it.
struct VersionFact {
  MigrantRecord record;
  std::uint32_t version = 0;
  std::string change;  // "created" | "updated" | "returned" | "left" | "corrected"
  Date changed_on;     // CST date of the change
};

// The dimensions, in table order: "sex", "age_band", "education",
// "marital_status", "migration_reason", "partner_province".
const std::vector<std::string>& statistics_dimensions();
// Age bands at the snapshot date: "0-17", "18-29", "30-39", "40-49", "50-59", "60+".
std::string age_band(const Date& birth, const Date& on);
// Education is counted by category: the first digit and "0" ("21" -> "20").
std::string education_category(std::string_view code);

struct StatTable {
  std::string direction;  // "inflow" | "outflow"
  std::string dimension;
  std::map<std::string, std::uint64_t> cells;  // value -> count
  std::uint64_t total = 0;                     // sum of cells
};

struct QuarterlyTables {
  ProvinceCode province = 0;
  int year = 0;
  int quarter = 0;
  Date snapshot;
  // 12 tables: inflow then outflow, each by the dimensions in order. Every
  // table exists even when empty.
  std::vector<StatTable> tables;
};

// The province's tables at the quarter's snapshot date, from every stored
// version of the records it holds. Counted: the records `province` reported
// itself (its inflow: people living there with hukou elsewhere; its outflow:
// its hukou people living elsewhere), each in the state of its highest
// version changed on or before the snapshot date, unless that version says
// the person returned or left (no longer a migrant of this province).
// Versions of other provinces' records are ignored. Partner province: the
// hukou province for inflow, the residence province for outflow.
QuarterlyTables compute_quarterly_tables(ProvinceCode province, int year, int quarter,
                                         const std::vector<VersionFact>& versions);

// Empty tables (all 12, no cells) for the national sum.
QuarterlyTables empty_tables(ProvinceCode province, int year, int quarter);
// Adds b's cells into a (same year and quarter). Error when they differ.
Result<void> add_tables(QuarterlyTables& a, const QuarterlyTables& b);
// Every table's total equals its cells' sum, and within a direction every
// dimension has the same total. The message names the first table that
// does not.
Result<void> check_tables(const QuarterlyTables& t);

nlohmann::json tables_to_json(const QuarterlyTables& t);

// --- monthly summary (national) -----------------------------------------

// What the national node knows of one collaboration item it relayed: a
// notice or registration (and its feedback), or a query (and its answer).
struct LedgerEntry {
  CollabKind kind = CollabKind::check_notice;  // check_notice, birth_registration or query
  ProvinceCode residence = 0;                  // sends the item
  ProvinceCode hukou = 0;                      // replies
  Date date;                                   // the item's date (check, registration, asked)
  std::optional<Date> reply_date;              // feedback / answer date, when replied
  std::optional<Date> due_date;                // queries
};

struct PairFigures {
  ProvinceCode from = 0;  // residence province: notifies, asks
  ProvinceCode to = 0;    // hukou province: gives feedback, answers
  std::uint32_t notices = 0;     // notices and registrations dated in the month
  std::uint32_t feedbacks = 0;   // feedback dated in the month
  std::uint32_t queries = 0;     // queries asked in the month
  std::uint32_t answered_on_time = 0;  // answers dated in the month, on or before the due date
  std::uint32_t answered_late = 0;     // answers dated in the month, after the due date
  // Queries past their due date and unanswered at the month's last day (or
  // today, while the month runs): as_of = min(last day, today); counted when
  // due < as_of and no answer dated on or before as_of.
  std::uint32_t overdue = 0;
};

struct ProvinceFigures {
  ProvinceCode province = 0;
  std::uint32_t notices_sent = 0, notices_received = 0;
  std::uint32_t feedbacks_sent = 0, feedbacks_received = 0;
  std::uint32_t queries_sent = 0, queries_received = 0;
  std::uint32_t answered_on_time = 0, answered_late = 0, overdue = 0;  // as the answering province
};

struct MonthlySummary {
  int year = 0;
  int month = 0;
  Date as_of;
  std::vector<PairFigures> pairs;          // pairs with any figure, ordered by (from, to)
  std::vector<ProvinceFigures> provinces;  // all 32 provinces, by code
};

MonthlySummary compute_monthly_summary(int year, int month, const Date& today,
                                       const std::vector<LedgerEntry>& entries);
nlohmann::json monthly_summary_to_json(const MonthlySummary& s);
// Two sections in one CSV: "pair,from,to,notices,..." rows, then
// "province,code,notices_sent,..." rows; a header row for each.
std::string monthly_summary_to_csv(const MonthlySummary& s);

}  // namespace provnet::domain
