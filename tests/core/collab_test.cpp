// Networked collaboration end to end through the cores (SPEC §2.2, §2.3):
// notices, registrations and queries from the residence province, feedback
// and answers from the hukou province, always through the national node,
// on a network that loses and duplicates envelopes; the due dates the
// holiday calendar sets, the open-query queue, overdue queries; what the
// cores refuse; and the national monthly summary against what the
// provinces hold.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "core/core_fixtures.hpp"
#include "core/lossy_network.hpp"
#include "store/tables.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

using namespace testing;
using core::CollabEntry;
using domain::CollabItem;
using domain::CollabKind;
using domain::Date;
using domain::ProvinceCode;
using store::QueryRole;

// --- items ---------------------------------------------------------------

// A woman born 1993 with her hukou in `hukou` (even sequence: female).
std::string woman_id(ProvinceCode hukou) {
  return citizen_id(fmt::format("{:02d}0106", hukou), "19930412", "026");
}

CollabItem check_notice(const std::string& id, ProvinceCode residence, ProvinceCode hukou,
                        const std::string& date) {
  CollabItem c;
  c.kind = CollabKind::check_notice;
  c.id = id;
  c.record_id = code(residence) + "-2026-000101";
  c.residence_province = code(residence);
  c.hukou_province = code(hukou);
  c.subject_id_number = woman_id(hukou);
  c.subject_name = "陈丽华";
  c.date = date;
  c.method = "宫内节育器";
  c.result = "正常";
  c.remarks = "按期复查";
  c.operator_id = "op" + code(residence);
  return c;
}

CollabItem birth_registration(const std::string& id, ProvinceCode residence, ProvinceCode hukou,
                              const std::string& date) {
  CollabItem c;
  c.kind = CollabKind::birth_registration;
  c.id = id;
  c.record_id = code(residence) + "-2026-000102";
  c.residence_province = code(residence);
  c.hukou_province = code(hukou);
  c.subject_id_number = woman_id(hukou);
  c.subject_name = "王芳";
  c.father_id_number = citizen_id(fmt::format("{:02d}0106", hukou), "19910303", "011");
  c.father_name = "陈明";
  c.date = date;
  c.expected_birth_date = "20270301";
  c.operator_id = "op" + code(residence);
  return c;
}

CollabItem query(const std::string& id, const std::string& query_kind, ProvinceCode residence,
                 ProvinceCode hukou, const std::string& asked) {
  CollabItem c;
  c.kind = CollabKind::query;
  c.id = id;
  c.query_kind = query_kind;
  c.record_id = code(residence) + "-2026-000103";
  c.residence_province = code(residence);
  c.hukou_province = code(hukou);
  c.subject_id_number = woman_id(hukou);
  c.subject_name = "李四妹";
  c.date = asked;
  c.question = "是否现孕？";
  c.operator_id = "op" + code(residence);
  return c;
}

// Feedback on a notice or registration, or the answer to a query.
CollabItem reply_to(const CollabItem& item, const std::string& date, std::string outcome = "") {
  CollabItem c;
  c.kind = domain::reply_kind(item.kind);
  c.id = item.id;
  c.residence_province = item.residence_province;
  c.hukou_province = item.hukou_province;
  c.date = date;
  if (outcome.empty()) outcome = c.kind == CollabKind::answer ? "not_confirmed" : "confirmed";
  c.outcome = outcome;
  c.remarks = c.kind == CollabKind::answer ? "户籍地核实：未孕" : "";
  c.operator_id = "op" + item.hukou_province;
  return c;
}

// --- the network ---------------------------------------------------------

core::DirectoryContent directory_of(const std::vector<ProvinceCode>& provinces) {
  core::DirectoryContent c;
  c.nodes.push_back({0, "国家级", "", true, {}, {}});
  for (ProvinceCode p : provinces) c.nodes.push_back({p, "p", "", false, {}, {}});
  // 31 and 44 peer directly for records; collaboration still goes through
  // the national node.
  c.groups.push_back({"pilot", "试点", {31, 44}, core::NationalCopy::full});
  return c;
}

// The national node and `provinces` on a lossy network, the directory
// published and every node holding it, the clock at start_ms() (Monday
// 23 November 2026, 09:00 China time). Every node has the shipped holiday calendar.
struct CollabNetwork {
  explicit CollabNetwork(std::vector<ProvinceCode> provinces = {31, 44}, std::uint64_t seed = 21,
                         NetworkFaults faults = kLossy)
      : dir("core-collab-" + test_name() + "-" + std::to_string(seed)), net(seed, faults) {
    codes = provinces;
    codes.insert(codes.begin(), 0);
    for (ProvinceCode p : codes) {
      stores[p] = open_store(dir.sub(code(p)));
      nodes[p] = std::make_unique<core::NodeCore>(config(p), *stores[p]);
    }
    EXPECT_TRUE(
        nodes[0]->publish_directory(directory_of(provinces), 400 * kDayMs, start_ms()).ok());
    net.advance_to(start_ms());
    for (ProvinceCode p : codes) net.attach(*nodes[p]);
    settle();
    for (ProvinceCode p : provinces) EXPECT_TRUE(nodes[p]->directory().has_value()) << code(p);
  }

  core::CoreConfig config(ProvinceCode p) const {
    core::CoreConfig c = config_for(p, {});
    c.calendar = calendar;
    return c;
  }
  core::NodeCore& operator[](ProvinceCode p) { return *nodes.at(p); }
  std::int64_t now() const { return net.now(); }

  // Submits at `p` at `at_ms` (its own clock) and puts what it sends on the
  // network. Returns the outcome with its effects as they were.
  core::CollabOutcome submit_at(ProvinceCode p, CollabKind kind,
                                const std::vector<CollabItem>& items, std::int64_t at_ms) {
    auto out = nodes.at(p)->submit_collab(kind, items, at_ms);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    if (!out.ok()) return {};
    core::CollabOutcome copy = *out;
    net.apply(p, std::move(out->effects));
    return copy;
  }
  core::CollabOutcome submit(ProvinceCode p, CollabKind kind,
                             const std::vector<CollabItem>& items) {
    return submit_at(p, kind, items, net.now());
  }

  void settle(std::int64_t for_ms = 30 * kMinuteMs) { net.run(net.now() + for_ms); }
  void tick_all() {
    for (auto& [p, n] : nodes) net.apply(p, n->on_tick(net.now()));
  }
  // Moves the clock to `at_ms`, ticks every node and lets the network settle.
  void jump_to(std::int64_t at_ms) {
    net.advance_to(at_ms);
    tick_all();
    settle();
  }

  // A restart: a new core on the same store, started and reconnected.
  void restart(ProvinceCode p) {
    auto fresh = std::make_unique<core::NodeCore>(config(p), *stores.at(p));
    net.apply(p, fresh->start(net.now()));
    net.attach(*fresh);
    nodes[p] = std::move(fresh);
  }

  // Delivers what `fx` sends, and everything sent in answer, at once, without
  // loss, timers or ticks: for looking at states before the first tick. A
  // node's clock may run `clock_offset` ms ahead of (or behind) the network's.
  void deliver_now(ProvinceCode from, core::Effects fx,
                   const std::map<ProvinceCode, std::int64_t>& clock_offset = {}) {
    std::deque<std::tuple<ProvinceCode, ProvinceCode, std::string>> queue;
    for (auto& s : fx.sends) queue.emplace_back(from, s.peer, std::move(s.bytes));
    while (!queue.empty()) {
      auto [sender, to, bytes] = std::move(queue.front());
      queue.pop_front();
      auto offset = clock_offset.find(to);
      const std::int64_t at = net.now() + (offset == clock_offset.end() ? 0 : offset->second);
      core::Effects out = nodes.at(to)->on_envelope(sender, bytes, at);
      for (auto& s : out.sends) queue.emplace_back(to, s.peer, std::move(s.bytes));
      for (auto& l : out.logs) net.logs.push_back({to, l});
    }
  }

  TempDir dir;
  std::shared_ptr<const domain::HolidayCalendar> calendar = shipped_calendar();
  std::vector<ProvinceCode> codes;
  std::map<ProvinceCode, std::unique_ptr<store::Store>> stores;
  std::map<ProvinceCode, std::unique_ptr<core::NodeCore>> nodes;
  LossyNetwork net;
};

// --- looking at nodes ----------------------------------------------------

std::optional<CollabEntry> find_entry(core::NodeCore& n, CollabKind kind, const std::string& id) {
  auto e = n.collab_entry(kind, id);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
  return e.ok() ? *e : std::nullopt;
}

CollabEntry entry_at(core::NodeCore& n, CollabKind kind, const std::string& id) {
  auto e = find_entry(n, kind, id);
  if (!e) {
    ADD_FAILURE() << "node " << code(n.config().self) << " holds no "
                  << domain::collab_kind_name(kind) << " " << id;
    return {};
  }
  return *e;
}

std::string state_at(core::NodeCore& n, CollabKind kind, const std::string& id) {
  auto e = find_entry(n, kind, id);
  return e ? e->state : "(none)";
}

std::vector<core::InboxEntry> inbox_of(core::NodeCore& n, const std::string& kind = "",
                                       const std::string& item_id = "") {
  auto all = n.inbox();
  EXPECT_TRUE(all.ok());
  std::vector<core::InboxEntry> out;
  if (!all.ok()) return out;
  for (const core::InboxEntry& e : *all) {
    if ((kind.empty() || e.kind == kind) && (item_id.empty() || e.item_id == item_id)) {
      out.push_back(e);
    }
  }
  return out;
}

std::vector<std::string> ids_of(const Result<std::vector<CollabEntry>>& entries) {
  EXPECT_TRUE(entries.ok());
  std::vector<std::string> ids;
  if (entries.ok()) {
    for (const CollabEntry& e : *entries) ids.push_back(e.item.id);
  }
  return ids;
}

std::string problems_text(const std::vector<domain::RecordProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "[" + p.field + "] " + p.message + "\n";
  return out;
}

// Log events `event` of `node` with field key == value (any when key is empty).
std::size_t logged(const LossyNetwork& net, ProvinceCode node, const std::string& event,
                   const std::string& key = "", const std::string& value = "") {
  std::size_t n = 0;
  for (const auto& l : net.logs) {
    if (l.node != node || l.event.event != event) continue;
    bool matches = key.empty();
    for (const auto& [k, v] : l.event.fields) matches |= k == key && v == value;
    n += matches;
  }
  return n;
}

const domain::PairFigures* pair_of(const domain::MonthlySummary& s, ProvinceCode from,
                                   ProvinceCode to) {
  for (const auto& p : s.pairs) {
    if (p.from == from && p.to == to) return &p;
  }
  return nullptr;
}

const domain::ProvinceFigures* province_of(const domain::MonthlySummary& s, ProvinceCode p) {
  for (const auto& f : s.provinces) {
    if (f.province == p) return &f;
  }
  return nullptr;
}

std::string figures_text(const domain::PairFigures& p) {
  return fmt::format("{}->{}: notices {} feedbacks {} queries {} on_time {} late {} overdue {}",
                     code(p.from), code(p.to), p.notices, p.feedbacks, p.queries,
                     p.answered_on_time, p.answered_late, p.overdue);
}

// --- notices and registrations, with their feedback ------------------------

struct FaultTally {
  std::uint64_t dropped = 0, duplicated = 0;
  std::uint64_t applied_again = 0;  // messages that came twice to a node
};

// 31 (residence) notifies 44 (hukou) of `item`; 44 replies with `reply`.
void expect_item_and_reply_end_to_end(const CollabItem& item, const CollabItem& reply,
                                      std::uint64_t seed, FaultTally& tally) {
  CollabNetwork f({31, 44}, seed);
  const CollabKind kind = item.kind;
  const std::string kind_name(domain::collab_kind_name(kind));
  const std::string reply_name(domain::collab_kind_name(reply.kind));

  auto sent = f.submit(31, kind, {item});
  ASSERT_EQ(sent.items.size(), 1u);
  ASSERT_TRUE(sent.items[0].accepted()) << problems_text(sent.items[0].problems);
  EXPECT_FALSE(sent.items[0].unchanged);
  EXPECT_EQ(sent.items[0].id, item.id);
  EXPECT_TRUE(sent.items[0].due_date.empty()) << "only queries have a due date";
  f.settle();

  CollabEntry at31 = entry_at(f[31], kind, item.id);
  EXPECT_EQ(at31.role, "sent");
  EXPECT_EQ(at31.state, "sent");
  EXPECT_FALSE(at31.reply.has_value());
  EXPECT_TRUE(at31.message_id.starts_with("31:")) << at31.message_id;
  CollabEntry at44 = entry_at(f[44], kind, item.id);
  EXPECT_EQ(at44.role, "received");
  EXPECT_EQ(at44.state, "received");
  EXPECT_TRUE(core::same_item(at44.item, item));
  EXPECT_EQ(at44.item.operator_id, item.operator_id);
  EXPECT_EQ(at44.message_id, at31.message_id) << "the national node relays 31's message as it is";
  auto arrived = inbox_of(f[44]);
  ASSERT_EQ(arrived.size(), 1u) << "exactly one inbox entry despite drops and duplicates";
  EXPECT_EQ(arrived[0].kind, kind_name);
  EXPECT_EQ(arrived[0].item_id, item.id);
  EXPECT_EQ(arrived[0].author, 31);
  auto content = f[44].inbox_content(arrived[0]);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ((*content)["kind"], kind_name);
  EXPECT_EQ((*content)["state"], "received");
  EXPECT_EQ((*content)["item"], domain::collab_item_to_json(item));
  CollabEntry at00 = entry_at(f[0], kind, item.id);
  EXPECT_EQ(at00.role, "relayed");
  EXPECT_EQ(at00.state, "sent");
  EXPECT_FALSE(at00.reply.has_value());
  EXPECT_TRUE(inbox_of(f[31]).empty());

  auto replied = f.submit(44, reply.kind, {reply});
  ASSERT_EQ(replied.items.size(), 1u);
  ASSERT_TRUE(replied.items[0].accepted()) << problems_text(replied.items[0].problems);
  EXPECT_EQ(state_at(f[44], kind, item.id), "answered") << "answered as soon as it is given";
  f.settle();

  at31 = entry_at(f[31], kind, item.id);
  EXPECT_EQ(at31.role, "sent");
  EXPECT_EQ(at31.state, "answered");
  ASSERT_TRUE(at31.reply.has_value());
  EXPECT_TRUE(core::same_item(*at31.reply, reply));
  EXPECT_EQ(at31.reply->outcome, reply.outcome);
  EXPECT_EQ(at31.reply->operator_id, reply.operator_id);
  EXPECT_TRUE(at31.reply_message_id.starts_with("44:")) << at31.reply_message_id;
  at44 = entry_at(f[44], kind, item.id);
  EXPECT_EQ(at44.state, "answered");
  ASSERT_TRUE(at44.reply.has_value());
  EXPECT_TRUE(core::same_item(*at44.reply, reply));
  EXPECT_EQ(at44.reply_message_id, at31.reply_message_id);
  at00 = entry_at(f[0], kind, item.id);
  EXPECT_EQ(at00.role, "relayed");
  EXPECT_EQ(at00.state, "answered");
  ASSERT_TRUE(at00.reply.has_value());
  EXPECT_TRUE(core::same_item(*at00.reply, reply));

  auto back = inbox_of(f[31]);
  ASSERT_EQ(back.size(), 1u) << "exactly one inbox entry despite drops and duplicates";
  EXPECT_EQ(back[0].kind, reply_name);
  EXPECT_EQ(back[0].item_id, item.id);
  EXPECT_EQ(back[0].author, 44);
  auto back_content = f[31].inbox_content(back[0]);
  ASSERT_TRUE(back_content.ok());
  EXPECT_EQ((*back_content)["state"], "answered");
  EXPECT_EQ((*back_content)["reply"]["outcome"], reply.outcome);
  EXPECT_EQ(inbox_of(f[44]).size(), 1u) << "giving feedback adds nothing to 44's inbox";
  EXPECT_EQ(*f[0].inbox_count(), 0u) << "the national node relays; nothing is for it";

  auto summary = f[0].monthly_summary(2026, 11, f.now());
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->pairs.size(), 1u);
  const domain::PairFigures& pair = summary->pairs[0];
  EXPECT_EQ(pair.from, 31);
  EXPECT_EQ(pair.to, 44);
  EXPECT_EQ(pair.notices, 1u);
  EXPECT_EQ(pair.feedbacks, 1u);
  EXPECT_EQ(pair.queries, 0u);
  EXPECT_EQ(pair.answered_on_time + pair.answered_late + pair.overdue, 0u);
  EXPECT_EQ(province_of(*summary, 31)->notices_sent, 1u);
  EXPECT_EQ(province_of(*summary, 31)->feedbacks_received, 1u);
  EXPECT_EQ(province_of(*summary, 44)->notices_received, 1u);
  EXPECT_EQ(province_of(*summary, 44)->feedbacks_sent, 1u);
  auto october = f[0].monthly_summary(2026, 10, f.now());
  ASSERT_TRUE(october.ok());
  EXPECT_TRUE(october->pairs.empty());

  for (ProvinceCode p : f.codes) {
    EXPECT_EQ(f[p].pending()->outbox_messages, 0u) << code(p) << ": everything settled";
  }
  tally.dropped += f.net.dropped;
  tally.duplicated += f.net.duplicated;
  for (ProvinceCode p : f.codes) tally.applied_again += logged(f.net, p, "message.duplicate");
}

TEST(Collab, ACheckNoticeAndItsFeedbackReachBothSidesOnceThroughTheNationalNode) {
  FaultTally tally;
  for (std::uint64_t seed : {21, 22, 23}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    CollabItem notice = check_notice("31-CN-0001", 31, 44, "20261120");
    expect_item_and_reply_end_to_end(notice, reply_to(notice, "20261123"), seed, tally);
  }
  EXPECT_GT(tally.dropped, 0u) << "the network must have lost envelopes";
  EXPECT_GT(tally.duplicated, 0u) << "the network must have duplicated envelopes";
  EXPECT_GT(tally.applied_again, 0u) << "some message must have reached a node twice";
}

TEST(Collab, ABirthRegistrationAndItsFeedbackReachBothSidesOnceThroughTheNationalNode) {
  FaultTally tally;
  for (std::uint64_t seed : {31, 32, 33}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    CollabItem registration = birth_registration("31-BR-0001", 31, 44, "20261118");
    expect_item_and_reply_end_to_end(
        registration, reply_to(registration, "20261123", "discrepancy"), seed, tally);
  }
  EXPECT_GT(tally.dropped, 0u);
  EXPECT_GT(tally.duplicated, 0u);
  EXPECT_GT(tally.applied_again, 0u);
}

// --- queries ---------------------------------------------------------------

TEST(CollabQueries, APregnancyQueryIsDueFifteenWorkingDaysLaterByTheHolidayCalendar) {
  CollabNetwork f({31, 44});
  ASSERT_TRUE(f.calendar);
  const Date asked{2026, 2, 10};  // a Tuesday, five days before the 2026 Spring Festival
  auto due = domain::query_due_date(domain::QueryKind::pregnancy, asked, *f.calendar);
  ASSERT_TRUE(due.ok()) << due.error().message;
  // By hand: 11-13 Feb (3), Saturday 14 Feb made a working day (4), the
  // Spring Festival holiday 15-23 Feb, 24-27 Feb (8), Saturday 28 Feb made a
  // working day (9), 2-6 Mar (14), Monday 9 Mar (15). Counting weekdays
  // only it would be 3 March.
  EXPECT_EQ(due->yyyymmdd(), "20260309");
  CollabItem pregnancy = query("31-Q-SF1", "pregnancy", 31, 44, asked.yyyymmdd());
  // 30 calendar days, holidays or not: 12 March.
  CollabItem no_certificate = query("31-Q-SF2", "no_certificate", 31, 44, asked.yyyymmdd());

  auto sent = f.submit(31, CollabKind::query, {pregnancy, no_certificate});
  ASSERT_EQ(sent.items.size(), 2u);
  ASSERT_TRUE(sent.items[0].accepted()) << problems_text(sent.items[0].problems);
  ASSERT_TRUE(sent.items[1].accepted()) << problems_text(sent.items[1].problems);
  EXPECT_EQ(sent.items[0].due_date, due->yyyymmdd());
  EXPECT_EQ(sent.items[1].due_date, "20260312");
  f.settle();
  // The due date travels with the query: every node holds the one 31 set.
  for (ProvinceCode p : {31, 44, 0}) {
    SCOPED_TRACE(code(p));
    EXPECT_EQ(entry_at(f[p], CollabKind::query, pregnancy.id).item.due_date, "20260309");
    EXPECT_EQ(entry_at(f[p], CollabKind::query, no_certificate.id).item.due_date, "20260312");
  }
  // Asked in February and never answered: overdue on both sides since.
  EXPECT_EQ(state_at(f[31], CollabKind::query, pregnancy.id), "overdue");
  EXPECT_EQ(state_at(f[44], CollabKind::query, pregnancy.id), "overdue");
}

TEST(CollabQueries, ANodeWithoutACalendarRefusesPregnancyQueriesOnly) {
  TempDir dir("core-collab-" + test_name());
  auto s31 = open_store(dir.sub("31"));
  core::NodeCore n31(config_for(31, {}), *s31);  // no calendar
  auto out = n31.submit_collab(CollabKind::query,
                               std::vector<CollabItem>{
                                   query("31-Q-1", "pregnancy", 31, 44, "20261110"),
                                   query("31-Q-2", "no_certificate", 31, 44, "20261110"),
                               },
                               start_ms());
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->items.size(), 2u);
  ASSERT_FALSE(out->items[0].accepted());
  EXPECT_EQ(out->items[0].problems[0].field, "asked_date");
  EXPECT_TRUE(out->items[0].due_date.empty());
  EXPECT_TRUE(out->items[1].accepted()) << problems_text(out->items[1].problems);
  EXPECT_EQ(out->items[1].due_date, "20261210");
  auto refused = n31.collab_entry(CollabKind::query, "31-Q-1");
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->has_value()) << "a refused query is not kept";
}

TEST(CollabQueries, TheAnsweringNodeListsOpenQueriesByDueDate) {
  CollabNetwork f({31, 44});
  const std::vector<CollabItem> asked = {
      query("31-Q-A", "pregnancy", 31, 44, "20261123"),                     // due 14 Dec
      query("31-Q-B", "no_certificate", 31, 44, "20261120"),                // due 20 Dec
      query("31-Q-C", "no_long_acting_contraception", 31, 44, "20261110"),  // due 10 Dec
      query("31-Q-D", "pregnancy", 31, 44, "20261116"),                     // due 7 Dec
      query("31-Q-SF", "pregnancy", 31, 44, "20260210"),                    // due 9 Mar, long past
  };
  auto out = f[31].submit_collab(CollabKind::query, asked, f.now());
  ASSERT_TRUE(out.ok());
  const std::vector<std::string> due = {"20261214", "20261220", "20261210", "20261207", "20260309"};
  ASSERT_EQ(out->items.size(), asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i) {
    ASSERT_TRUE(out->items[i].accepted()) << problems_text(out->items[i].problems);
    EXPECT_EQ(out->items[i].due_date, due[i]) << asked[i].id;
    auto computed = domain::query_due_date(*domain::query_kind_from_name(asked[i].query_kind),
                                           *Date::parse_yyyymmdd(asked[i].date), *f.calendar);
    ASSERT_TRUE(computed.ok());
    EXPECT_EQ(computed->yyyymmdd(), due[i]) << asked[i].id;
  }
  // Delivered before any tick: every query is still open.
  f.deliver_now(31, std::move(out->effects));
  const std::vector<std::string> by_due = {"31-Q-SF", "31-Q-D", "31-Q-C", "31-Q-A", "31-Q-B"};
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "open", 100)), by_due);
  EXPECT_EQ(ids_of(f[31].queries(QueryRole::asking, "open", 100)), by_due);
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "", 100)), by_due);
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "open", 2)),
            (std::vector<std::string>{"31-Q-SF", "31-Q-D"}));
  EXPECT_TRUE(ids_of(f[44].queries(QueryRole::asking, "open", 100)).empty());
  EXPECT_TRUE(ids_of(f[31].queries(QueryRole::answering, "", 100)).empty());
  EXPECT_TRUE(ids_of(f[44].queries(QueryRole::answering, "overdue", 100)).empty());
  EXPECT_EQ(inbox_of(f[44], "query").size(), asked.size());

  // The first tick finds the one long past its due date, on both sides.
  f.tick_all();
  f.settle();
  const std::vector<std::string> still_open = {"31-Q-D", "31-Q-C", "31-Q-A", "31-Q-B"};
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "open", 100)), still_open);
  EXPECT_EQ(ids_of(f[31].queries(QueryRole::asking, "open", 100)), still_open);
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "overdue", 100)),
            std::vector<std::string>{"31-Q-SF"});
  EXPECT_EQ(ids_of(f[31].queries(QueryRole::asking, "overdue", 100)),
            std::vector<std::string>{"31-Q-SF"});
  EXPECT_EQ(logged(f.net, 31, "query.overdue"), 1u);
  EXPECT_EQ(logged(f.net, 44, "query.overdue"), 1u);
  EXPECT_EQ(logged(f.net, 0, "query.overdue"), 0u);
}

TEST(CollabQueries, AnsweredOnTimeLateOrNeverOverALossyNetwork) {
  CollabNetwork f({31, 44});
  const CollabItem q1 = query("31-Q-1", "pregnancy", 31, 44, "20261123");       // due 14 Dec
  const CollabItem q2 = query("31-Q-2", "no_certificate", 31, 44, "20261123");  // due 23 Dec
  const CollabItem q3 =
      query("31-Q-3", "no_long_acting_contraception", 31, 44, "20261120");  // due 20 Dec
  auto sent = f.submit(31, CollabKind::query, {q1, q2, q3});
  ASSERT_EQ(sent.items.size(), 3u);
  for (const auto& item : sent.items) ASSERT_TRUE(item.accepted()) << problems_text(item.problems);
  EXPECT_EQ(sent.items[0].due_date, "20261214");
  EXPECT_EQ(sent.items[1].due_date, "20261223");
  EXPECT_EQ(sent.items[2].due_date, "20261220");
  f.settle();
  for (const CollabItem* q : {&q1, &q2, &q3}) {
    EXPECT_EQ(state_at(f[31], CollabKind::query, q->id), "open") << q->id;
    EXPECT_EQ(state_at(f[44], CollabKind::query, q->id), "open") << q->id;
    EXPECT_EQ(inbox_of(f[44], "query", q->id).size(), 1u) << q->id;
  }

  // 25 November: q1 answered well before its due date.
  f.jump_to(cst_ms(Date{2026, 11, 25}, 10));
  auto a1 = f.submit(44, CollabKind::answer, {reply_to(q1, "20261125")});
  ASSERT_TRUE(a1.items[0].accepted()) << problems_text(a1.items[0].problems);
  f.settle();
  EXPECT_EQ(state_at(f[31], CollabKind::query, q1.id), "answered");
  EXPECT_EQ(state_at(f[44], CollabKind::query, q1.id), "answered");
  EXPECT_EQ(state_at(f[0], CollabKind::query, q1.id), "answered");
  EXPECT_EQ(inbox_of(f[31], "answer", q1.id).size(), 1u);
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "open", 100)),
            (std::vector<std::string>{q3.id, q2.id}));

  // 22 December: q3 (due 20 December) is overdue, q2 (due 23 December) open.
  f.jump_to(cst_ms(Date{2026, 12, 22}, 10));
  EXPECT_EQ(state_at(f[31], CollabKind::query, q3.id), "overdue");
  EXPECT_EQ(state_at(f[44], CollabKind::query, q3.id), "overdue");
  EXPECT_EQ(state_at(f[31], CollabKind::query, q2.id), "open");
  EXPECT_EQ(state_at(f[44], CollabKind::query, q2.id), "open");
  EXPECT_EQ(state_at(f[31], CollabKind::query, q1.id), "answered") << "answered stays answered";
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "overdue", 100)),
            std::vector<std::string>{q3.id});
  EXPECT_EQ(ids_of(f[44].queries(QueryRole::answering, "open", 100)),
            std::vector<std::string>{q2.id});

  // q3 answered late.
  auto a3 = f.submit(44, CollabKind::answer, {reply_to(q3, "20261222")});
  ASSERT_TRUE(a3.items[0].accepted()) << problems_text(a3.items[0].problems);
  f.settle();
  EXPECT_EQ(state_at(f[31], CollabKind::query, q3.id), "answered_late");
  EXPECT_EQ(state_at(f[44], CollabKind::query, q3.id), "answered_late");
  EXPECT_EQ(state_at(f[0], CollabKind::query, q3.id), "answered_late");
  EXPECT_TRUE(ids_of(f[31].queries(QueryRole::asking, "overdue", 100)).empty());
  EXPECT_TRUE(ids_of(f[44].queries(QueryRole::answering, "overdue", 100)).empty());

  // From 24 December q2 is overdue; day after day of ticks report it once.
  for (int day = 23; day <= 31; ++day) {
    for (int hour : {0, 9, 18}) f.jump_to(cst_ms(Date{2026, 12, day}, hour));
  }
  EXPECT_EQ(state_at(f[31], CollabKind::query, q2.id), "overdue");
  EXPECT_EQ(state_at(f[44], CollabKind::query, q2.id), "overdue");
  for (ProvinceCode p : {31, 44}) {
    SCOPED_TRACE(code(p));
    EXPECT_EQ(logged(f.net, p, "query.overdue", "query_id", q1.id), 0u);
    EXPECT_EQ(logged(f.net, p, "query.overdue", "query_id", q2.id), 1u);
    EXPECT_EQ(logged(f.net, p, "query.overdue", "query_id", q3.id), 1u);
    EXPECT_EQ(logged(f.net, p, "query.overdue"), 2u);
    EXPECT_EQ(f[p].counters().queries_overdue, 2u);
  }
  EXPECT_EQ(logged(f.net, 31, "query.overdue", "role", "asking"), 2u);
  EXPECT_EQ(logged(f.net, 44, "query.overdue", "role", "answering"), 2u);
  EXPECT_EQ(logged(f.net, 0, "query.overdue"), 0u);

  // A restart finds them overdue already: nothing is reported again.
  f.restart(31);
  f.restart(44);
  f.jump_to(cst_ms(Date{2026, 12, 31}, 22));
  for (ProvinceCode p : {31, 44}) {
    SCOPED_TRACE(code(p));
    EXPECT_EQ(logged(f.net, p, "query.overdue"), 2u);
    EXPECT_EQ(f[p].counters().queries_overdue, 0u);
    EXPECT_EQ(state_at(f[p], CollabKind::query, q2.id), "overdue");
  }

  // The national figures. November: three asked, one answered on time.
  auto november = f[0].monthly_summary(2026, 11, f.now());
  ASSERT_TRUE(november.ok());
  const domain::PairFigures* nov = pair_of(*november, 31, 44);
  ASSERT_NE(nov, nullptr);
  EXPECT_EQ(nov->queries, 3u);
  EXPECT_EQ(nov->answered_on_time, 1u);
  EXPECT_EQ(nov->answered_late, 0u);
  EXPECT_EQ(nov->overdue, 0u) << "none was due in November";
  // December: q3 answered late, q2 overdue.
  auto december = f[0].monthly_summary(2026, 12, f.now());
  ASSERT_TRUE(december.ok());
  const domain::PairFigures* dec = pair_of(*december, 31, 44);
  ASSERT_NE(dec, nullptr);
  EXPECT_EQ(dec->queries, 0u);
  EXPECT_EQ(dec->answered_on_time, 0u);
  EXPECT_EQ(dec->answered_late, 1u);
  EXPECT_EQ(dec->overdue, 1u);
  EXPECT_EQ(province_of(*december, 44)->overdue, 1u);
  EXPECT_EQ(province_of(*december, 44)->answered_late, 1u);
}

// An overdue query whose answer the national node refuses (44's clock runs
// ahead and dates the answer tomorrow) waits for an answer again; it is
// still past its due date, so it is still overdue, and it was reported so
// once already.
//
// A refused answer returns the query to "overdue" when it is past its due
// date, with no second report.
TEST(CollabQueries, AnOverdueQueryWhoseAnswerIsRefusedIsNotReportedOverdueAgain) {
  CollabNetwork f({31, 44});
  const CollabItem asked = query("31-Q-OLD", "no_certificate", 31, 44, "20261001");  // due 31 Oct
  ASSERT_TRUE(f.submit(31, CollabKind::query, {asked}).items[0].accepted());
  f.settle();
  f.tick_all();
  f.settle();
  ASSERT_EQ(state_at(f[44], CollabKind::query, asked.id), "overdue");
  ASSERT_EQ(logged(f.net, 44, "query.overdue", "query_id", asked.id), 1u);

  f.net.advance_to(cst_ms(Date{2026, 11, 23}, 23, 50));
  f.tick_all();
  auto out =
      f.submit_at(44, CollabKind::answer, {reply_to(asked, "20261124")}, f.now() + 15 * kMinuteMs);
  ASSERT_TRUE(out.items[0].accepted()) << problems_text(out.items[0].problems);
  EXPECT_EQ(state_at(f[44], CollabKind::query, asked.id), "answered_late");
  f.net.run(f.now() + 2 * kMinuteMs);
  ASSERT_LT(f.now(), cst_ms(Date{2026, 11, 24}));
  CollabEntry at44 = entry_at(f[44], CollabKind::query, asked.id);
  ASSERT_EQ(at44.rejected_by, "00") << "the national node refused the answer";
  EXPECT_FALSE(at44.reply.has_value());
  EXPECT_EQ(at44.state, "overdue") << "past its due date and unanswered";
  EXPECT_TRUE(ids_of(f[44].queries(QueryRole::answering, "open", 100)).empty());

  for (int hour : {1, 9, 18}) f.jump_to(cst_ms(Date{2026, 11, 24}, hour));
  EXPECT_EQ(state_at(f[44], CollabKind::query, asked.id), "overdue");
  EXPECT_EQ(logged(f.net, 44, "query.overdue", "query_id", asked.id), 1u)
      << "reported overdue once, not again after the refused answer";
  EXPECT_EQ(f[44].counters().queries_overdue, 1u);
  EXPECT_EQ(state_at(f[31], CollabKind::query, asked.id), "overdue");
  EXPECT_EQ(logged(f.net, 31, "query.overdue", "query_id", asked.id), 1u);
}

// --- what the cores refuse -----------------------------------------------

TEST(CollabInvalid, AReplyToAnIdNeverReceivedIsRefusedAndNothingIsSent) {
  CollabNetwork f({31, 44});
  const CollabItem notice = check_notice("31-CN-NEVER", 31, 44, "20261120");
  const CollabItem registration = birth_registration("31-BR-NEVER", 31, 44, "20261120");
  const CollabItem asked = query("31-Q-NEVER", "no_certificate", 31, 44, "20261120");
  struct Case {
    CollabItem reply;
    std::string field;
  };
  for (const Case& c : {Case{reply_to(notice, "20261123"), "notice_id"},
                        Case{reply_to(registration, "20261123"), "registration_id"},
                        Case{reply_to(asked, "20261123"), "query_id"}}) {
    SCOPED_TRACE(c.field);
    auto out = f.submit(44, c.reply.kind, {c.reply});
    ASSERT_EQ(out.items.size(), 1u);
    EXPECT_FALSE(out.items[0].accepted());
    ASSERT_FALSE(out.items[0].problems.empty());
    EXPECT_EQ(out.items[0].problems[0].field, c.field) << problems_text(out.items[0].problems);
    EXPECT_TRUE(out.effects.sends.empty());
    EXPECT_EQ(f[44].pending()->outbox_messages, 0u);
  }
  EXPECT_EQ(f[44].counters().collab_rejected, 3u);
  f.settle();
  EXPECT_TRUE(inbox_of(f[31]).empty());
  EXPECT_FALSE(find_entry(f[44], CollabKind::check_notice, notice.id).has_value());
}

TEST(CollabInvalid, ASecondDifferentFeedbackIsRefusedAndTheSameOneChangesNothing) {
  CollabNetwork f({31, 44});
  const CollabItem notice = check_notice("31-CN-0002", 31, 44, "20261120");
  const CollabItem feedback = reply_to(notice, "20261123", "confirmed");
  ASSERT_TRUE(f.submit(31, CollabKind::check_notice, {notice}).items[0].accepted());
  f.settle();
  ASSERT_TRUE(f.submit(44, CollabKind::check_feedback, {feedback}).items[0].accepted());
  f.settle();
  ASSERT_EQ(state_at(f[31], CollabKind::check_notice, notice.id), "answered");

  auto same = f.submit(44, CollabKind::check_feedback, {feedback});
  ASSERT_EQ(same.items.size(), 1u);
  EXPECT_TRUE(same.items[0].accepted());
  EXPECT_TRUE(same.items[0].unchanged);
  EXPECT_TRUE(same.effects.sends.empty());

  CollabItem different = feedback;
  different.outcome = "discrepancy";
  different.remarks = "户籍地记录不同";
  auto second = f.submit(44, CollabKind::check_feedback, {different});
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_FALSE(second.items[0].accepted());
  ASSERT_FALSE(second.items[0].problems.empty());
  EXPECT_EQ(second.items[0].problems[0].field, "notice_id");
  EXPECT_TRUE(second.effects.sends.empty());
  EXPECT_EQ(f[44].pending()->outbox_messages, 0u);
  f.settle();

  for (ProvinceCode p : {31, 44, 0}) {
    CollabEntry e = entry_at(f[p], CollabKind::check_notice, notice.id);
    ASSERT_TRUE(e.reply.has_value()) << code(p);
    EXPECT_EQ(e.reply->outcome, "confirmed") << code(p) << ": the first feedback stands";
  }
  EXPECT_EQ(inbox_of(f[31], "check_feedback", notice.id).size(), 1u);
}

TEST(CollabInvalid, TheSameItemSentAgainIsUnchangedAndADifferentOneUnderItsIdIsRefused) {
  CollabNetwork f({31, 44});
  const CollabItem notice = check_notice("31-CN-0003", 31, 44, "20261120");
  ASSERT_TRUE(f.submit(31, CollabKind::check_notice, {notice}).items[0].accepted());
  f.settle();

  CollabItem resent = notice;
  resent.operator_id = "another-operator";  // who keyed it in does not make it another item
  auto again = f.submit(31, CollabKind::check_notice, {notice, resent});
  ASSERT_EQ(again.items.size(), 2u);
  for (const auto& item : again.items) {
    EXPECT_TRUE(item.accepted()) << problems_text(item.problems);
    EXPECT_TRUE(item.unchanged);
  }
  EXPECT_TRUE(again.effects.sends.empty());

  CollabItem different = notice;
  different.result = "需复查";
  auto reused = f.submit(31, CollabKind::check_notice, {different});
  ASSERT_EQ(reused.items.size(), 1u);
  EXPECT_FALSE(reused.items[0].accepted());
  ASSERT_FALSE(reused.items[0].problems.empty());
  EXPECT_EQ(reused.items[0].problems[0].field, "notice_id");
  EXPECT_TRUE(reused.effects.sends.empty());
  EXPECT_EQ(f[31].pending()->outbox_messages, 0u);
  f.settle();

  EXPECT_EQ(inbox_of(f[44]).size(), 1u);
  EXPECT_EQ(entry_at(f[44], CollabKind::check_notice, notice.id).item.result, notice.result);
  EXPECT_EQ(entry_at(f[31], CollabKind::check_notice, notice.id).item.result, notice.result);
}

TEST(CollabInvalid, AProvinceCannotSendAnItemAsAnotherProvince) {
  CollabNetwork f({31, 44});
  // 44 keys in a notice as if it were the residence province 31.
  const CollabItem forged = check_notice("31-CN-0004", 31, 44, "20261120");
  auto out = f.submit(44, CollabKind::check_notice, {forged});
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_FALSE(out.items[0].accepted());
  ASSERT_FALSE(out.items[0].problems.empty());
  EXPECT_EQ(out.items[0].problems[0].field, "residence_province")
      << problems_text(out.items[0].problems);
  EXPECT_TRUE(out.effects.sends.empty());
  EXPECT_FALSE(find_entry(f[44], CollabKind::check_notice, forged.id).has_value());
  f.settle();
  EXPECT_FALSE(find_entry(f[31], CollabKind::check_notice, forged.id).has_value());
  EXPECT_FALSE(find_entry(f[0], CollabKind::check_notice, forged.id).has_value());
}

// The national node relays only what a province says in its own name: a
// message from 44 carrying a notice of the residence province 51 is refused
// whole, nothing of it relayed or counted.
TEST(CollabInvalid, TheNationalNodeRefusesAnItemNotSentByTheMessagesAuthor) {
  CollabNetwork f({31, 44, 51});
  const CollabItem forged = check_notice("51-CN-FORGED", 51, 31, "20261120");
  const std::string bytes =
      envelope_with_collab(44, 31, 9001, CollabKind::check_notice, {forged}, f.now());
  core::Effects fx = f[0].on_envelope(44, bytes, f.now());
  ASSERT_EQ(fx.sends.size(), 1u);
  EXPECT_EQ(fx.sends[0].peer, 44);
  EXPECT_TRUE(fx.closes.empty()) << "a refused item is not a reason to drop the link";
  auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
  ASSERT_TRUE(reply.ok());
  ASSERT_TRUE(reply->root().getBody().isRejection());
  auto rejection = reply->root().getBody().getRejection();
  EXPECT_EQ(rejection.getAuthor(), 44);
  EXPECT_EQ(rejection.getMessageId(), 9001u);
  ASSERT_EQ(rejection.getItems().size(), 1u);
  EXPECT_EQ(std::string(rejection.getItems()[0].getItemId().cStr()), forged.id);
  ASSERT_GT(rejection.getItems()[0].getErrors().size(), 0u);
  EXPECT_EQ(std::string(rejection.getItems()[0].getErrors()[0].getField().cStr()),
            "residence_province");
  EXPECT_EQ(rejection.getRetryItems().size(), 0u);
  EXPECT_EQ(*f[0].outbox_depth(31), 0u) << "nothing relayed";
  EXPECT_FALSE(find_entry(f[0], CollabKind::check_notice, forged.id).has_value());

  f.net.apply(0, std::move(fx));
  f.settle();
  EXPECT_FALSE(find_entry(f[31], CollabKind::check_notice, forged.id).has_value());
  EXPECT_TRUE(inbox_of(f[31]).empty());
  auto summary = f[0].monthly_summary(2026, 11, f.now());
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->pairs.empty()) << "a refused item is not counted";
}

// A refusal by the national node reaches the author: its entry is
// "rejected", with the problems, and the provincial system finds it in the
// inbox. Here 31's clock runs ten minutes ahead and dates a notice on a day
// the national node has not reached yet.
TEST(CollabInvalid, ANoticeTheNationalNodeRefusesIsRejectedAtItsAuthorAndMayBeSentAgain) {
  CollabNetwork f({31, 44});
  f.net.advance_to(cst_ms(Date{2026, 11, 23}, 23, 50));
  f.tick_all();
  CollabItem notice = check_notice("31-CN-EARLY", 31, 44, "20261124");
  auto out = f.submit_at(31, CollabKind::check_notice, {notice}, f.now() + 15 * kMinuteMs);
  ASSERT_TRUE(out.items[0].accepted()) << "31's clock says 24 November";
  f.net.run(f.now() + 2 * kMinuteMs);  // the national node is still in 23 November
  ASSERT_LT(f.now(), cst_ms(Date{2026, 11, 24}));
  f.settle();

  CollabEntry at31 = entry_at(f[31], CollabKind::check_notice, notice.id);
  EXPECT_EQ(at31.state, "rejected");
  EXPECT_EQ(at31.rejected_by, "00");
  ASSERT_FALSE(at31.problems.empty());
  EXPECT_EQ(at31.problems[0].field, "check_date") << problems_text(at31.problems);
  auto rejected = inbox_of(f[31], "rejected", notice.id);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].author, 0);
  auto content = f[31].inbox_content(rejected[0]);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ((*content)["state"], "rejected");
  EXPECT_EQ((*content)["problems"][0]["field"], "check_date");
  EXPECT_FALSE(find_entry(f[0], CollabKind::check_notice, notice.id).has_value());
  EXPECT_FALSE(find_entry(f[44], CollabKind::check_notice, notice.id).has_value());
  EXPECT_TRUE(inbox_of(f[44]).empty());

  // Sent again under the same id, dated right: accepted and delivered.
  notice.date = "20261123";
  auto again = f.submit(31, CollabKind::check_notice, {notice});
  ASSERT_TRUE(again.items[0].accepted()) << problems_text(again.items[0].problems);
  EXPECT_FALSE(again.items[0].unchanged);
  f.settle();
  EXPECT_EQ(state_at(f[31], CollabKind::check_notice, notice.id), "sent");
  EXPECT_EQ(state_at(f[44], CollabKind::check_notice, notice.id), "received");
  EXPECT_EQ(state_at(f[0], CollabKind::check_notice, notice.id), "sent");
  EXPECT_EQ(inbox_of(f[44], "check_notice", notice.id).size(), 1u);
  EXPECT_EQ(inbox_of(f[31], "rejected").size(), 1u);
}

// The hukou province refuses a notice the national node relayed (44's clock
// is a few minutes behind, still in the day before the notice's date): the
// refusal, signed by 44, reaches 31 through the national node, whose ledger
// forgets the item; sent again, corrected, it goes through.
TEST(CollabInvalid, ARefusalByTheHukouProvinceReachesTheAuthorThroughTheNationalNode) {
  CollabNetwork f({31, 44});
  f.net.advance_to(cst_ms(Date{2026, 11, 23}, 23, 58));
  f.tick_all();
  CollabItem notice = check_notice("31-CN-LATE44", 31, 44, "20261124");
  auto out = f[31].submit_collab(CollabKind::check_notice, std::vector<CollabItem>{notice},
                                 f.now() + 10 * kMinuteMs);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(out->items[0].accepted()) << problems_text(out->items[0].problems);
  // 31 and the national node are past midnight; 44 is not.
  f.deliver_now(31, std::move(out->effects), {{31, 10 * kMinuteMs}, {0, 5 * kMinuteMs}});

  CollabEntry at31 = entry_at(f[31], CollabKind::check_notice, notice.id);
  EXPECT_EQ(at31.state, "rejected");
  EXPECT_EQ(at31.rejected_by, "44");
  ASSERT_FALSE(at31.problems.empty());
  EXPECT_EQ(at31.problems[0].field, "check_date") << problems_text(at31.problems);
  auto rejected = inbox_of(f[31], "rejected", notice.id);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].author, 44);
  EXPECT_FALSE(find_entry(f[44], CollabKind::check_notice, notice.id).has_value());
  EXPECT_TRUE(inbox_of(f[44]).empty());
  EXPECT_EQ(state_at(f[0], CollabKind::check_notice, notice.id), "rejected");
  auto summary = f[0].monthly_summary(2026, 11, f.now() + 5 * kMinuteMs);
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->pairs.empty()) << "a refused item is not counted";

  // After midnight, the same id again: relayed, received and counted once.
  f.jump_to(cst_ms(Date{2026, 11, 24}, 0, 30));
  auto again = f.submit(31, CollabKind::check_notice, {notice});
  ASSERT_TRUE(again.items[0].accepted()) << problems_text(again.items[0].problems);
  f.settle();
  EXPECT_EQ(state_at(f[31], CollabKind::check_notice, notice.id), "sent");
  EXPECT_EQ(state_at(f[44], CollabKind::check_notice, notice.id), "received");
  EXPECT_EQ(state_at(f[0], CollabKind::check_notice, notice.id), "sent");
  EXPECT_EQ(inbox_of(f[44], "check_notice", notice.id).size(), 1u);
  summary = f[0].monthly_summary(2026, 11, f.now());
  ASSERT_TRUE(summary.ok());
  ASSERT_NE(pair_of(*summary, 31, 44), nullptr);
  EXPECT_EQ(pair_of(*summary, 31, 44)->notices, 1u);
}

// 44's clock runs ahead and dates its feedback on a day the national node
// has not reached: the feedback is refused and dropped at 44, the notice
// waits for feedback again, and 31 never sees the refused one.
TEST(CollabInvalid, AFeedbackTheNationalNodeRefusesIsDroppedAndMayBeGivenAgain) {
  CollabNetwork f({31, 44});
  const CollabItem notice = check_notice("31-CN-0005", 31, 44, "20261120");
  ASSERT_TRUE(f.submit(31, CollabKind::check_notice, {notice}).items[0].accepted());
  f.settle();
  f.net.advance_to(cst_ms(Date{2026, 11, 23}, 23, 50));
  f.tick_all();
  const CollabItem early = reply_to(notice, "20261124");
  auto out = f.submit_at(44, CollabKind::check_feedback, {early}, f.now() + 15 * kMinuteMs);
  ASSERT_TRUE(out.items[0].accepted()) << problems_text(out.items[0].problems);
  f.net.run(f.now() + 2 * kMinuteMs);
  ASSERT_LT(f.now(), cst_ms(Date{2026, 11, 24}));

  CollabEntry at44 = entry_at(f[44], CollabKind::check_notice, notice.id);
  EXPECT_EQ(at44.state, "received") << "waits for feedback again";
  EXPECT_FALSE(at44.reply.has_value());
  EXPECT_EQ(at44.rejected_by, "00");
  ASSERT_FALSE(at44.problems.empty());
  EXPECT_EQ(at44.problems[0].field, "feedback_date") << problems_text(at44.problems);
  EXPECT_EQ(inbox_of(f[44], "rejected", notice.id).size(), 1u);
  EXPECT_EQ(state_at(f[31], CollabKind::check_notice, notice.id), "sent");
  EXPECT_TRUE(inbox_of(f[31]).empty());
  EXPECT_EQ(state_at(f[0], CollabKind::check_notice, notice.id), "sent");

  f.jump_to(cst_ms(Date{2026, 11, 24}, 9));
  auto again = f.submit(44, CollabKind::check_feedback, {early});
  ASSERT_TRUE(again.items[0].accepted()) << problems_text(again.items[0].problems);
  EXPECT_FALSE(again.items[0].unchanged) << "the refused feedback was dropped";
  f.settle();
  for (ProvinceCode p : {31, 44, 0}) {
    EXPECT_EQ(state_at(f[p], CollabKind::check_notice, notice.id), "answered") << code(p);
  }
  EXPECT_EQ(inbox_of(f[31], "check_feedback", notice.id).size(), 1u);
  EXPECT_TRUE(entry_at(f[44], CollabKind::check_notice, notice.id).problems.empty());
}

// --- what the provincial system downloads -----------------------------------

// Downloading one kind page by page from an inbox where kinds are mixed
// neither skips nor repeats an entry, also when a page stops at max_scan.
TEST(CollabInbox, PagesOfOneKindFromAMixedInboxMissNothingAndRepeatNothing) {
  CollabNetwork f({31, 44});
  std::vector<std::string> query_ids;
  for (int i = 0; i < 5; ++i) {
    const std::string suffix = std::to_string(i);
    const CollabItem notice = check_notice("31-CN-P" + suffix, 31, 44, "20261120");
    const CollabItem asked = query("31-Q-P" + suffix, "no_certificate", 31, 44, "20261120");
    ASSERT_TRUE(f.submit(31, CollabKind::check_notice, {notice}).items[0].accepted());
    f.settle(kMinuteMs);
    ASSERT_TRUE(f.submit(31, CollabKind::query, {asked}).items[0].accepted());
    f.settle(kMinuteMs);
    query_ids.push_back(asked.id);
  }
  f.settle();
  ASSERT_EQ(*f[44].inbox_count(), 10u);

  for (std::size_t max_scan : {std::size_t{100}, std::size_t{3}}) {
    SCOPED_TRACE("max_scan " + std::to_string(max_scan));
    std::vector<std::string> got;
    std::uint64_t after = 0;
    for (int page = 0; page < 20; ++page) {
      auto p = f[44].inbox_page("query", after, 2, max_scan);
      ASSERT_TRUE(p.ok());
      for (const auto& e : p->entries) {
        EXPECT_EQ(e.kind, "query");
        EXPECT_GT(e.seq, after);
        got.push_back(e.item_id);
      }
      EXPECT_LE(p->entries.size(), 2u);
      EXPECT_GE(p->next_after, after);
      after = p->next_after;
      if (!p->more) break;
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, query_ids);
  }
  auto none = f[44].inbox_page("answer", 0, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->entries.empty());
  EXPECT_FALSE(none->more);
  EXPECT_EQ(none->next_after, (*f[44].inbox()).back().seq) << "every entry was looked at";
}

// --- the national monthly summary ------------------------------------------

// What the national node publishes per pair agrees with what the provinces
// hold: items counted from the residence provinces' entries, replies from
// the hukou provinces' entries.
TEST(CollabSummary, TheNationalMonthlySummaryAgreesWithWhatTheProvincesHold) {
  CollabNetwork f({31, 32, 44, 51}, 41);
  struct Sent {
    ProvinceCode from;
    CollabItem item;
    std::string reply_date;  // "" = never replied
  };
  const std::vector<Sent> traffic = {
      {31, check_notice("31-CN-1", 31, 44, "20261120"), "20261123"},
      {31, check_notice("31-CN-2", 31, 44, "20261121"), ""},
      {31, check_notice("31-CN-3", 31, 44, "20261030"), "20261123"},  // notice in October
      {44, check_notice("44-CN-1", 44, 31, "20261122"), "20261123"},
      {44, birth_registration("44-BR-1", 44, 51, "20261115"), "20261123"},
      {44, birth_registration("44-BR-2", 44, 51, "20261118"), ""},
      {51, query("51-Q-1", "pregnancy", 51, 31, "20261116"), "20261123"},             // due 7 Dec
      {51, query("51-Q-2", "no_certificate", 51, 31, "20261023"), ""},                // due 22 Nov
      {51, query("51-Q-3", "no_long_acting_contraception", 51, 31, "20261102"), ""},  // 2 Dec
      {32, query("32-Q-1", "no_certificate", 32, 44, "20261019"), "20261123"},        // due 18 Nov
      {32, birth_registration("32-BR-1", 32, 51, "20261101"), "20261123"},
  };
  for (const Sent& s : traffic) {
    auto out = f.submit(s.from, s.item.kind, {s.item});
    ASSERT_TRUE(out.items[0].accepted()) << s.item.id << problems_text(out.items[0].problems);
  }
  f.settle();
  for (const Sent& s : traffic) {
    if (s.reply_date.empty()) continue;
    const ProvinceCode hukou = *domain::parse_province_code(s.item.hukou_province);
    auto out = f.submit(hukou, domain::reply_kind(s.item.kind), {reply_to(s.item, s.reply_date)});
    ASSERT_TRUE(out.items[0].accepted()) << s.item.id << problems_text(out.items[0].problems);
  }
  f.settle();
  f.jump_to(cst_ms(Date{2026, 12, 5}, 10));

  // The figures as the provinces' own entries give them.
  auto expected_for = [&](int year, int month) {
    const Date last{year, month, Date::days_in_month(year, month)};
    const Date as_of = std::min(last, Date::from_unix_ms_cst(f.now()));
    auto in_month = [&](const Date& d) { return d.year == year && d.month == month; };
    std::map<std::pair<ProvinceCode, ProvinceCode>, domain::PairFigures> pairs;
    for (const Sent& s : traffic) {
      const ProvinceCode hukou = *domain::parse_province_code(s.item.hukou_province);
      const CollabEntry asked = entry_at(f[s.from], s.item.kind, s.item.id);
      const CollabEntry answered = entry_at(f[hukou], s.item.kind, s.item.id);
      EXPECT_EQ(asked.role, "sent");
      EXPECT_EQ(answered.role, "received");
      EXPECT_EQ(asked.reply.has_value(), answered.reply.has_value()) << s.item.id;
      domain::PairFigures& p = pairs[{s.from, hukou}];
      p.from = s.from;
      p.to = hukou;
      const Date date = *Date::parse_yyyymmdd(asked.item.date);
      std::optional<Date> reply;
      if (answered.reply) reply = Date::parse_yyyymmdd(answered.reply->date);
      if (s.item.kind == CollabKind::query) {
        const Date due = *Date::parse_yyyymmdd(asked.item.due_date);
        p.queries += in_month(date);
        if (reply && in_month(*reply)) (*reply > due ? p.answered_late : p.answered_on_time) += 1;
        p.overdue += due < as_of && !(reply && *reply <= as_of);
      } else {
        p.notices += in_month(date);
        p.feedbacks += reply && in_month(*reply);
      }
    }
    std::vector<domain::PairFigures> out;
    for (const auto& [key, p] : pairs) {
      if (p.notices + p.feedbacks + p.queries + p.answered_on_time + p.answered_late + p.overdue) {
        out.push_back(p);
      }
    }
    return out;
  };

  for (auto [year, month] : {std::pair{2026, 10}, std::pair{2026, 11}, std::pair{2026, 12}}) {
    SCOPED_TRACE(fmt::format("{}-{:02d}", year, month));
    auto summary = f[0].monthly_summary(year, month, f.now());
    ASSERT_TRUE(summary.ok());
    std::vector<std::string> national, provincial;
    for (const auto& p : summary->pairs) national.push_back(figures_text(p));
    for (const auto& p : expected_for(year, month)) provincial.push_back(figures_text(p));
    EXPECT_EQ(national, provincial);
  }

  // Spot checks, so that the comparison above cannot pass on two empty lists.
  auto november = f[0].monthly_summary(2026, 11, f.now());
  ASSERT_TRUE(november.ok());
  const domain::PairFigures* p31_44 = pair_of(*november, 31, 44);
  ASSERT_NE(p31_44, nullptr);
  EXPECT_EQ(p31_44->notices, 2u);
  EXPECT_EQ(p31_44->feedbacks, 2u);
  const domain::PairFigures* p51_31 = pair_of(*november, 51, 31);
  ASSERT_NE(p51_31, nullptr);
  EXPECT_EQ(p51_31->queries, 2u);
  EXPECT_EQ(p51_31->answered_on_time, 1u);
  EXPECT_EQ(p51_31->overdue, 1u) << "51-Q-2, due 22 November";
  const domain::PairFigures* p32_44 = pair_of(*november, 32, 44);
  ASSERT_NE(p32_44, nullptr);
  EXPECT_EQ(p32_44->answered_late, 1u);
  // The overdue figure of the running month matches the provinces' states.
  auto december = f[0].monthly_summary(2026, 12, f.now());
  ASSERT_TRUE(december.ok());
  ASSERT_NE(pair_of(*december, 51, 31), nullptr);
  EXPECT_EQ(pair_of(*december, 51, 31)->overdue,
            ids_of(f[51].queries(QueryRole::asking, "overdue", 100)).size());
  EXPECT_EQ(pair_of(*december, 51, 31)->overdue,
            ids_of(f[31].queries(QueryRole::answering, "overdue", 100)).size());
  EXPECT_EQ(pair_of(*december, 51, 31)->overdue, 2u) << "51-Q-2 and 51-Q-3";
  EXPECT_EQ(province_of(*november, 44)->notices_sent, 3u);
  EXPECT_EQ(province_of(*november, 51)->notices_received, 3u);
}

}  // namespace
}  // namespace provnet
