// The close of the demo's quarter (SPEC §2.4), on a network restarted with
// its clock moved past the quarter's end (PROVNET_CLOCK_OFFSET_DAYS), through
// the HTTP API alone:
//
//   1. every province computes its quarterly tables and submits them
//      (POST /v1/reports/quarterly) and reads them back (GET);
//   2. once quiet, the national node's report (GET /v1/reports/quarterly)
//      must list every province on time, its tables as the province holds
//      them, and a national sum equal to the sum of the provinces' tables;
//   3. each province's tables must count exactly the records it reported
//      and had accepted in the quarter (from the ledger of the first part);
//   4. the queries left unanswered and now past due are overdue on both
//      sides, and the monthly summaries of every month from the quarter's
//      traffic to today agree with the ledger.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "domain/date.hpp"
#include "domain/province.hpp"
#include "network/collab_round.hpp"
#include "network/network_layout.hpp"

namespace provnet::network {

// What the first part leaves for the close (provdemo --ledger): ids,
// provinces, dates and counts; no personal data.
struct QuarterLedger {
  domain::Date reported;  // the day the records and items were sent
  int year = 0, quarter = 0;
  std::map<domain::ProvinceCode, std::uint64_t> accepted_records;  // per reporting province
  std::vector<CollabLedgerItem> items;
};

nlohmann::json quarter_ledger_to_json(const QuarterLedger& ledger);
Result<QuarterLedger> quarter_ledger_from_json(const nlohmann::json& j);

struct QuarterClose {
  domain::Date today;  // the nodes' (moved) date
  std::uint64_t submitted = 0, on_time = 0;
  std::uint64_t people_in_tables = 0;  // the national sum's count of records
  std::uint64_t overdue_expected = 0, overdue_found = 0;
  std::uint64_t summary_months = 0, summary_pairs = 0;
  std::vector<std::string> failures;
  bool pass() const { return failures.empty(); }
};

QuarterClose close_quarter(const NetworkLayout& layout, const QuarterLedger& ledger,
                           std::chrono::steady_clock::time_point deadline);

}  // namespace provnet::network
