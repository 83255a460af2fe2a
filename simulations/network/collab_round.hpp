// The collaboration part of the demo's quarter (SPEC §2.2, §2.3), done as a
// provincial system does it, through the nodes' HTTP API alone:
//
//   1. each residence province sends contraception-check notices, first-birth
//      registrations and verification queries about a share of the inflow
//      migrants it reported (POST /v1/check-notices, /v1/birth-registrations,
//      /v1/queries) and keeps each query's due date from the answer;
//   2. once the network is quiet, each hukou province reads what arrived
//      (GET /v1/inbox?kind=..., GET /v1/queries?role=answering, its queue by
//      due date) and replies: feedback to every notice and registration, an
//      answer to every query but a share it leaves open;
//   3. once quiet again, the round checks every item's state on the sending
//      side, and the national node's monthly summary against its own count.
//
// The ledger it returns keeps kinds, ids, provinces and dates - never a name
// or an ID number - and goes to a file for the quarter's close
// (quarter_close.hpp).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/collab_item.hpp"
#include "domain/date.hpp"
#include "domain/province.hpp"
#include "network/network_layout.hpp"
#include "network/quarter_plan.hpp"

namespace provnet::network {

struct CollabLedgerItem {
  domain::CollabKind kind = domain::CollabKind::check_notice;  // notice, registration or query
  std::string id;
  domain::ProvinceCode residence = 0;   // sends the item
  domain::ProvinceCode hukou = 0;       // replies
  domain::Date date;                    // check, registration or asked date
  std::optional<domain::Date> due;      // queries: as the asking node set it
  std::optional<domain::Date> replied;  // the reply's date, when the hukou province replied
};

struct CollabOptions {
  // One item in this many accepted, valid inflow records; the kinds take
  // turns (notice, registration, query; a man gets a query).
  std::uint64_t every = 40;
  // The hukou province leaves one query in this many unanswered.
  std::uint64_t unanswered_every = 6;
  std::string operator_id = "provdemo";
};

struct CollabRound {
  std::vector<CollabLedgerItem> items;  // accepted by the sending node
  // Items the sending node refused because the holiday calendar does not
  // cover their due date (a demo run late in the calendar's last year).
  std::uint64_t beyond_calendar = 0;
  std::vector<std::string> failures;  // anything else: the round failed
  std::uint64_t replies_sent = 0;
  double send_seconds = 0, reply_seconds = 0, check_seconds = 0;
  std::uint64_t checked_states = 0;  // items whose state was read back at the sender
  std::uint64_t summary_pairs = 0;   // pairs of the national monthly summary compared
  bool pass() const { return failures.empty(); }
};

// Runs the round over the provinces' records of `quarter` (regenerated
// from the same seed), taking only records in `accepted_ids`.
CollabRound run_collab_round(const NetworkLayout& layout, const std::vector<ProvinceQuota>& quotas,
                             const QuarterOptions& quarter,
                             const std::set<std::string>& accepted_ids,
                             const CollabOptions& options,
                             std::chrono::steady_clock::time_point deadline);

// The national node's monthly summary as provdemo expects it from a ledger:
// per pair (residence, hukou) the six figures, counted independently of the
// node's code by the rules of SPEC §2.4 (overdue: due before as_of and not
// answered on or before it; as_of = min(the month's last day, today)).
struct ExpectedPair {
  std::uint64_t notices = 0, feedbacks = 0, queries = 0, answered_on_time = 0, answered_late = 0,
                overdue = 0;
  bool operator==(const ExpectedPair&) const = default;
};
using ExpectedSummary =
    std::map<std::pair<domain::ProvinceCode, domain::ProvinceCode>, ExpectedPair>;
ExpectedSummary expected_monthly_summary(const std::vector<CollabLedgerItem>& items, int year,
                                         int month, const domain::Date& today);

// Compares GET /v1/reports/monthly?year=Y&month=M at the national node with
// the expected figures; appends a line per difference to `failures`.
// Returns the number of pairs compared.
std::uint64_t compare_monthly_summary(const NodeEndpoint& national, int year, int month,
                                      const ExpectedSummary& expected,
                                      std::vector<std::string>& failures);

// A GET that must answer 200 with JSON: the document, or nullopt and a line
// in `failures` naming the node, the target and what came back.
std::optional<nlohmann::json> node_get_json(const NodeEndpoint& node, const std::string& target,
                                            std::vector<std::string>& failures);

// The ledger as JSON and back.
nlohmann::json ledger_to_json(const std::vector<CollabLedgerItem>& items);
std::vector<CollabLedgerItem> ledger_from_json(const nlohmann::json& j);

}  // namespace provnet::network
