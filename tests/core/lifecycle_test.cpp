// A record's life through the cores (SPEC §2.1: history is never
// overwritten): versions with their change, operator and reason at the
// author and at the receiving province; the change checks; in-order release
// of versions at a receiver; and the quarterly statistics (SPEC §2.4) from
// the provinces' own records to the national report.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/core_fixtures.hpp"
#include "core/lossy_network.hpp"
#include "domain/record_validation.hpp"
#include "domain/statistics.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

using namespace testing;
using domain::Date;
using domain::MigrantRecord;
using domain::ProvinceCode;

core::DirectoryContent directory_of(const std::vector<ProvinceCode>& provinces) {
  core::DirectoryContent c;
  c.nodes.push_back({0, "国家级", "", true, {}, {}});
  for (ProvinceCode p : provinces) c.nodes.push_back({p, "p", "", false, {}, {}});
  return c;
}

// The national node and `provinces` on a lossy network, the directory held
// everywhere, the clock at start_ms().
struct Network {
  explicit Network(std::vector<ProvinceCode> provinces, std::uint64_t seed = 11,
                   NetworkFaults faults = kLossy)
      : dir("core-lifecycle-" + test_name()), net(seed, faults) {
    codes = provinces;
    codes.insert(codes.begin(), 0);
    for (ProvinceCode p : codes) {
      stores[p] = open_store(dir.sub(code(p)));
      nodes[p] = std::make_unique<core::NodeCore>(config_for(p, {}), *stores[p]);
    }
    EXPECT_TRUE(
        nodes[0]->publish_directory(directory_of(provinces), 400 * kDayMs, start_ms()).ok());
    net.advance_to(start_ms());
    for (ProvinceCode p : codes) net.attach(*nodes[p]);
    settle();
  }

  core::NodeCore& operator[](ProvinceCode p) { return *nodes.at(p); }
  std::int64_t now() const { return net.now(); }

  core::SubmitOutcome submit_at(ProvinceCode p, const std::vector<MigrantRecord>& records,
                                const std::vector<core::RecordChange>& changes,
                                const core::ChangeMeta& meta, std::int64_t at_ms) {
    auto out = nodes.at(p)->submit_records(records, changes, meta, at_ms);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    if (!out.ok()) return {};
    core::SubmitOutcome copy = *out;
    net.apply(p, std::move(out->effects));
    return copy;
  }
  core::SubmitOutcome submit(ProvinceCode p, const std::vector<MigrantRecord>& records,
                             const std::vector<core::RecordChange>& changes = {},
                             const core::ChangeMeta& meta = {"op", ""}) {
    return submit_at(p, records, changes, meta, net.now());
  }
  void submit_quarterly(ProvinceCode p, int year, int quarter) {
    auto fx = nodes.at(p)->submit_quarterly(year, quarter, net.now());
    ASSERT_TRUE(fx.ok()) << fx.error().message;
    net.apply(p, std::move(*fx));
  }

  void settle(std::int64_t for_ms = 30 * kMinuteMs) { net.run(net.now() + for_ms); }
  void jump_to(std::int64_t at_ms) {
    net.advance_to(at_ms);
    for (auto& [p, n] : nodes) net.apply(p, n->on_tick(net.now()));
    settle();
  }

  TempDir dir;
  std::vector<ProvinceCode> codes;
  std::map<ProvinceCode, std::unique_ptr<store::Store>> stores;
  std::map<ProvinceCode, std::unique_ptr<core::NodeCore>> nodes;
  LossyNetwork net;
};

std::vector<core::RecordVersionView> history_at(core::NodeCore& n, const std::string& record_id) {
  auto h = n.record_history(record_id);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.error().message);
  return h.ok() ? *h : std::vector<core::RecordVersionView>{};
}

// The versions of `record_id` in the inbox (kind "record"), in inbox order.
std::vector<std::uint32_t> released(core::NodeCore& n, const std::string& record_id) {
  auto inbox = n.inbox();
  EXPECT_TRUE(inbox.ok());
  std::vector<std::uint32_t> out;
  if (!inbox.ok()) return out;
  for (const core::InboxEntry& e : *inbox) {
    if (e.kind == "record" && e.item_id == record_id) out.push_back(e.version);
  }
  return out;
}

std::size_t logged(const LossyNetwork& net, ProvinceCode node, const std::string& event) {
  std::size_t n = 0;
  for (const auto& l : net.logs) n += l.node == node && l.event.event == event;
  return n;
}

bool has_log(const core::Effects& fx, const std::string& event) {
  for (const auto& l : fx.logs) {
    if (l.event == event) return true;
  }
  return false;
}

std::string problems_text(const core::SubmittedItem& item) {
  std::string out;
  for (const auto& e : item.errors) out += std::string(e.key()) + ": " + e.message + "\n";
  for (const auto& p : item.change_problems) out += "[" + p.field + "] " + p.message + "\n";
  return out;
}

// A valid record that differs from `r` in its current address text.
MigrantRecord moved(const MigrantRecord& r, std::string_view address) {
  MigrantRecord m = r;
  m.current_address = std::string(address);
  EXPECT_TRUE(domain::validate_record(m, domain::ValidationContext{kToday}).empty());
  return m;
}

// --- versions and their changes ----------------------------------------------

TEST(RecordLifecycle, EveryChangeIsANewVersionSeenWithItsKindOperatorAndReasonAtBothEnds) {
  Network f({31, 44});
  const MigrantRecord original = records_between(31, 44, 1)[0];
  const MigrantRecord after_move = moved(original, original.current_address + "二号楼");
  MigrantRecord renamed = after_move;
  renamed.name = original.name == "张小明" ? "张晓明" : "张小明";
  struct Step {
    MigrantRecord record;
    core::RecordChange change;
    core::ChangeMeta meta;
    std::string expected_reason;
  };
  const std::vector<Step> steps = {
      {original, {"created", ""}, {"op-a", ""}, ""},
      {after_move, {"updated", "moved within the city"}, {"op-b", ""}, "moved within the city"},
      {after_move,
       {"returned", "went back to the hukou county"},
       {"op-c", ""},
       "went back to the hukou county"},
      // No reason with the change: the submission's reason is the version's.
      {after_move,
       {"left", ""},
       {"op-d", "left for another province"},
       "left for another province"},
      {renamed, {"corrected", "name mistyped"}, {"op-e", "batch 7"}, "name mistyped"},
  };
  std::vector<std::int64_t> changed_at;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    changed_at.push_back(f.now());
    auto out = f.submit(31, {s.record}, {s.change}, s.meta);
    ASSERT_EQ(out.items.size(), 1u);
    ASSERT_TRUE(out.items[0].accepted()) << s.change.change << "\n" << problems_text(out.items[0]);
    EXPECT_FALSE(out.items[0].unchanged) << s.change.change;
    EXPECT_EQ(out.items[0].version, i + 1) << s.change.change;
    // A little network time between changes: on a lossy network later
    // versions may overtake earlier ones.
    f.net.run(f.now() + 300);
  }
  f.settle();

  for (ProvinceCode p : {31, 44, 0}) {
    SCOPED_TRACE("at " + code(p));
    auto history = history_at(f[p], original.record_id);
    ASSERT_EQ(history.size(), steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      SCOPED_TRACE(steps[i].change.change);
      EXPECT_EQ(history[i].version, i + 1);
      EXPECT_EQ(history[i].change, steps[i].change.change);
      EXPECT_EQ(history[i].author, 31);
      EXPECT_EQ(history[i].operator_id, steps[i].meta.operator_id);
      EXPECT_EQ(history[i].reason, steps[i].expected_reason);
      EXPECT_EQ(history[i].changed_at_ms, changed_at[i]);
      EXPECT_EQ(history[i].record, steps[i].record);
      EXPECT_FALSE(history[i].held);
    }
  }
  // The provincial system of 44 got every version once, in order.
  EXPECT_EQ(released(f[44], original.record_id), (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(*f[44].held_count(), 0u);
  auto inbox = f[44].inbox();
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 5u);
  auto content = f[44].inbox_content(inbox->back());
  ASSERT_TRUE(content.ok());
  EXPECT_EQ((*content)["version"], 5);
  EXPECT_EQ((*content)["change"], "corrected");
  EXPECT_EQ((*content)["reason"], "name mistyped");
  EXPECT_EQ((*content)["operator_id"], "op-e");
  EXPECT_EQ((*content)["author"], "31");
  EXPECT_EQ((*content)["record"]["name"], renamed.name);
  EXPECT_TRUE(f[31].inbox()->empty()) << "nothing was refused";
  EXPECT_GT(f[44].counters().versions_held, 0u)
      << "with this seed the network lets later versions overtake earlier ones";
}

TEST(RecordLifecycle, ChangesThatDoNotFitTheRecordAreRefusedAndARepeatIsNoVersion) {
  TempDir dir("core-lifecycle-" + test_name());
  auto s31 = open_store(dir.sub("31"));
  core::NodeCore n31(config_for(31, {}), *s31);
  const auto records = records_between(31, 44, 2);
  const MigrantRecord& known = records[0];
  const MigrantRecord& unknown = records[1];
  auto submit = [&](const MigrantRecord& r, core::RecordChange change, core::ChangeMeta meta) {
    auto out = n31.submit_records(std::vector<MigrantRecord>{r},
                                  std::vector<core::RecordChange>{change}, meta, start_ms());
    EXPECT_TRUE(out.ok());
    return out.ok() ? out->items.at(0) : core::SubmittedItem{};
  };
  auto versions = [&] { return *n31.record_version_count(); };

  ASSERT_TRUE(submit(known, {"created", ""}, {"op", ""}).accepted());
  ASSERT_EQ(versions(), 1u);
  const auto pending_before = *n31.pending();

  // A correction needs a reason, from the change or the submission.
  auto corrected = submit(moved(known, "上海市浦东新区花木街道"), {"corrected", ""}, {"op", ""});
  EXPECT_FALSE(corrected.accepted());
  EXPECT_TRUE(corrected.errors.empty()) << "the record itself is fine";
  ASSERT_EQ(corrected.change_problems.size(), 1u);
  EXPECT_EQ(corrected.change_problems[0].field, "change_reason");
  EXPECT_EQ(versions(), 1u);

  auto created_again = submit(moved(known, "上海市浦东新区花木街道"), {"created", ""}, {"op", ""});
  EXPECT_FALSE(created_again.accepted());
  ASSERT_EQ(created_again.change_problems.size(), 1u);
  EXPECT_EQ(created_again.change_problems[0].field, "change");

  auto returned_unknown = submit(unknown, {"returned", "home"}, {"op", ""});
  EXPECT_FALSE(returned_unknown.accepted());
  ASSERT_EQ(returned_unknown.change_problems.size(), 1u);
  EXPECT_EQ(returned_unknown.change_problems[0].field, "change");
  EXPECT_TRUE(history_at(n31, unknown.record_id).empty());

  auto no_such_change = submit(known, {"moved", ""}, {"op", ""});
  EXPECT_FALSE(no_such_change.accepted());
  ASSERT_EQ(no_such_change.change_problems.size(), 1u);
  EXPECT_EQ(no_such_change.change_problems[0].field, "change");
  EXPECT_EQ(versions(), 1u);

  // The same content again: no version, nothing sent.
  for (const core::RecordChange& change :
       {core::RecordChange{"", ""}, core::RecordChange{"updated", ""}}) {
    SCOPED_TRACE("change \"" + change.change + "\"");
    auto same = submit(known, change, {"op", ""});
    EXPECT_TRUE(same.accepted());
    EXPECT_TRUE(same.unchanged);
    EXPECT_EQ(same.version, 1u);
  }
  auto plain = n31.submit_records(std::vector<MigrantRecord>{known}, {"op", ""}, start_ms());
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->items[0].unchanged);
  EXPECT_EQ(versions(), 1u);
  EXPECT_EQ(n31.pending()->outbox_messages, pending_before.outbox_messages);
  EXPECT_EQ(n31.pending()->staged_versions, pending_before.staged_versions);

  // "returned" is news even when the content is the same; saying it twice is not.
  auto returned = submit(known, {"returned", "came home"}, {"op", ""});
  ASSERT_TRUE(returned.accepted()) << problems_text(returned);
  EXPECT_FALSE(returned.unchanged);
  EXPECT_EQ(returned.version, 2u);
  auto returned_again = submit(known, {"returned", "came home"}, {"op", ""});
  EXPECT_TRUE(returned_again.unchanged);
  EXPECT_EQ(returned_again.version, 2u);
  // With a reason from the submission a correction is taken.
  auto corrected_with_reason =
      submit(moved(known, "上海市浦东新区花木街道"), {"corrected", ""}, {"op", "address typo"});
  ASSERT_TRUE(corrected_with_reason.accepted()) << problems_text(corrected_with_reason);
  EXPECT_EQ(corrected_with_reason.version, 3u);
  EXPECT_EQ(versions(), 3u);
  auto history = history_at(n31, known.record_id);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].change, "created");
  EXPECT_EQ(history[1].change, "returned");
  EXPECT_EQ(history[2].change, "corrected");
  EXPECT_EQ(history[2].reason, "address typo");
}

// --- in-order release at a receiver ----------------------------------------

struct Receiver {
  TempDir dir{"core-lifecycle-" + test_name()};
  std::unique_ptr<store::Store> s44 = open_store(dir.sub("44"));
  core::NodeCore n44{config_for(44, {}), *s44};
  std::int64_t now = start_ms();

  // An envelope of 31's, as the national node relays it.
  core::Effects deliver(const std::string& bytes) {
    now += 1'000;
    core::Effects fx = n44.on_envelope(0, bytes, now);
    EXPECT_EQ(fx.sends.size(), 1u);
    if (!fx.sends.empty()) {
      auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
      EXPECT_TRUE(reply.ok() && reply->root().getBody().isAcknowledgements())
          << "the receiver takes the message";
    }
    return fx;
  }
  std::uint64_t held() { return *n44.held_count(); }
};

TEST(InOrderRelease, AVersionArrivingBeforeItsPredecessorIsHeldUntilTheGapIsFilled) {
  Receiver rx;
  const MigrantRecord r = records_between(31, 44, 1)[0];
  const CraftedVersion v1{r, 1, wire::ChangeKind::CREATED, "op1", "", kStartMs};
  const CraftedVersion v2{moved(r, r.current_address + "三号楼"),
                          2,
                          wire::ChangeKind::UPDATED,
                          "op2",
                          "moved",
                          kStartMs + 60'000};
  const std::string e1 = envelope_with_versions(31, 44, 501, {v1});
  const std::string e2 = envelope_with_versions(31, 44, 502, {v2});

  core::Effects first = rx.deliver(e2);
  EXPECT_TRUE(has_log(first, "record.held"));
  auto history = history_at(rx.n44, r.record_id);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].version, 2u);
  EXPECT_TRUE(history[0].held);
  EXPECT_TRUE(rx.n44.inbox()->empty()) << "version 2 waits for version 1";
  EXPECT_EQ(rx.held(), 1u);
  EXPECT_EQ(rx.n44.counters().versions_held, 1u);

  core::Effects second = rx.deliver(e1);
  EXPECT_TRUE(has_log(second, "record.released"));
  auto inbox = rx.n44.inbox();
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 2u);
  EXPECT_EQ((*inbox)[0].version, 1u);
  EXPECT_EQ((*inbox)[0].message_id, 501u);
  EXPECT_EQ((*inbox)[1].version, 2u);
  EXPECT_EQ((*inbox)[1].message_id, 502u) << "version 2 keeps the message it came in";
  EXPECT_LT((*inbox)[0].seq, (*inbox)[1].seq);
  for (const auto& e : *inbox) {
    EXPECT_EQ(e.kind, "record");
    EXPECT_EQ(e.author, 31);
  }
  EXPECT_EQ(rx.held(), 0u);
  history = history_at(rx.n44, r.record_id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_FALSE(history[0].held);
  EXPECT_FALSE(history[1].held);
  EXPECT_EQ(history[1].operator_id, "op2");
  EXPECT_EQ(history[1].reason, "moved");

  // Version 2 again: the same message (a retry), then in another message.
  core::Effects retry = rx.n44.on_envelope(0, e2, rx.now + 1'000);
  ASSERT_EQ(retry.sends.size(), 1u);
  EXPECT_TRUE(has_log(retry, "message.duplicate"));
  EXPECT_EQ(retry.sends[0].bytes, first.sends[0].bytes) << "the recorded reply, again";
  rx.deliver(envelope_with_versions(31, 44, 503, {v2}));
  EXPECT_EQ(rx.n44.inbox()->size(), 2u);
  EXPECT_EQ(rx.held(), 0u);
  EXPECT_EQ(history_at(rx.n44, r.record_id).size(), 2u);
}

TEST(InOrderRelease, SeveralVersionsOutOfOrderAreReleasedOneAfterTheOther) {
  Receiver rx;
  const MigrantRecord r = records_between(31, 44, 1, 9)[0];
  std::vector<CraftedVersion> v;
  for (std::uint32_t n = 1; n <= 4; ++n) {
    v.push_back(CraftedVersion{moved(r, r.current_address + std::to_string(n) + "号"), n,
                               n == 1 ? wire::ChangeKind::CREATED : wire::ChangeKind::UPDATED, "op",
                               "", kStartMs + n * 1000});
  }
  rx.deliver(envelope_with_versions(31, 44, 604, {v[3]}));
  rx.deliver(envelope_with_versions(31, 44, 602, {v[1]}));
  EXPECT_EQ(rx.held(), 2u);
  EXPECT_TRUE(released(rx.n44, r.record_id).empty());
  // 3 and 1 in one message, 3 first: 1 releases 2 and 3 (and 4 after it).
  rx.deliver(envelope_with_versions(31, 44, 601, {v[2], v[0]}));
  EXPECT_EQ(released(rx.n44, r.record_id), (std::vector<std::uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(rx.held(), 0u);
  for (const auto& h : history_at(rx.n44, r.record_id)) EXPECT_FALSE(h.held) << h.version;
}

// A version the national node refused never reaches the receiver; the
// record sent again afterwards is a later version. The receiver must not
// wait for the refused one, which will never come.
//
// Each version names its predecessor, so the receiver skips a refused one.
TEST(InOrderRelease, ARecordSentAgainAfterARefusalIsNotHeldForTheRefusedVersion) {
  Network f({31, 44}, 12, NetworkFaults{});
  // 31's clock runs fifteen minutes ahead. Just before midnight its record
  // has been away 30 days by 31's date but 29 by the national node's.
  f.net.advance_to(cst_ms(Date{2026, 11, 23}, 23, 50));
  const std::int64_t clock31 = f.now() + 15 * kMinuteMs;
  MigrantRecord r = records_between(31, 44, 1, 5)[0];
  r.move_date = Date{2026, 11, 24}.plus_days(-30).yyyymmdd();
  ASSERT_TRUE(domain::validate_record(r, {Date{2026, 11, 24}}).empty());
  ASSERT_FALSE(domain::validate_record(r, {Date{2026, 11, 23}}).empty());

  auto first = f.submit_at(31, {r}, {}, {"op", ""}, clock31);
  ASSERT_TRUE(first.items[0].accepted()) << problems_text(first.items[0]);
  EXPECT_EQ(first.items[0].version, 1u);
  f.net.run(f.now() + 2 * kMinuteMs);
  ASSERT_LT(f.now(), cst_ms(Date{2026, 11, 24}));
  auto refused = f[31].inbox();
  ASSERT_TRUE(refused.ok());
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_EQ((*refused)[0].kind, "rejected");
  EXPECT_EQ((*refused)[0].version, 1u);
  EXPECT_TRUE(released(f[44], r.record_id).empty());

  // After midnight nothing is wrong with it: 31 sends it again.
  f.jump_to(cst_ms(Date{2026, 11, 24}, 0, 30));
  auto again = f.submit(31, {r});
  ASSERT_TRUE(again.items[0].accepted()) << problems_text(again.items[0]);
  EXPECT_FALSE(again.items[0].unchanged) << "a refused version is sent again";
  f.settle();
  EXPECT_EQ(f[31].pending()->outbox_messages, 0u);
  EXPECT_EQ(f[31].pending()->staged_versions, 0u);

  // 44's provincial system gets the record, once.
  std::string held_at44;
  for (const auto& v : history_at(f[44], r.record_id)) {
    held_at44 += fmt::format(" v{}{}", v.version, v.held ? " (held)" : "");
  }
  EXPECT_EQ(released(f[44], r.record_id).size(), 1u) << "44 holds:" << held_at44;
  EXPECT_EQ(*f[44].held_count(), 0u);
}

// --- quarterly statistics ---------------------------------------------------

// The tables as comparable text: direction/dimension total {cells}.
std::vector<std::string> tables_text(const domain::QuarterlyTables& t) {
  std::vector<std::string> out;
  for (const auto& table : t.tables) {
    std::string cells;
    for (const auto& [value, count] : table.cells) cells += fmt::format(" {}={}", value, count);
    out.push_back(fmt::format("{}/{} {}:{}", table.direction, table.dimension, table.total, cells));
  }
  return out;
}

// Records in the tables: the totals of one dimension over both directions.
std::uint64_t people_in(const domain::QuarterlyTables& t) {
  std::uint64_t n = 0;
  for (const auto& table : t.tables) n += table.dimension == "sex" ? table.total : 0;
  return n;
}

const core::QuarterlySubmission& submission_of(const core::QuarterlyReport& r, ProvinceCode p) {
  for (const auto& s : r.provinces) {
    if (s.province == p) return s;
  }
  static const core::QuarterlySubmission none;
  ADD_FAILURE() << "no line for province " << code(p);
  return none;
}

TEST(QuarterlyStatistics, TheNationalReportSaysWhoSubmittedInTimeAndSumsWhatTheProvincesHold) {
  Network f({31, 44, 51});
  auto from31 = records_between(31, 44, 12, 1);
  for (auto& r : records_between(31, 51, 6, 2)) from31.push_back(std::move(r));
  const auto from44 = records_between(44, 31, 8, 3);
  const auto from51 = records_between(51, 31, 5, 4);
  for (const auto& [p, records] : std::vector<std::pair<ProvinceCode, std::vector<MigrantRecord>>>{
           {31, from31}, {44, from44}, {51, from51}}) {
    auto out = f.submit(p, records);
    for (const auto& item : out.items) ASSERT_TRUE(item.accepted()) << problems_text(item);
  }
  f.settle();
  auto q4_31 = f[31].quarterly_tables(2026, 4);
  ASSERT_TRUE(q4_31.ok());
  EXPECT_EQ(people_in(*q4_31), from31.size()) << "only 31's own records";
  // One of 31's migrants leaves before the quarter closes: no longer counted.
  f.jump_to(cst_ms(Date{2026, 11, 24}, 9));
  auto left = f.submit(31, {from31[0]}, {{"left", "moved on"}});
  ASSERT_TRUE(left.items[0].accepted()) << problems_text(left.items[0]);
  f.settle();
  q4_31 = f[31].quarterly_tables(2026, 4);
  ASSERT_TRUE(q4_31.ok());
  EXPECT_EQ(people_in(*q4_31), from31.size() - 1);

  // Not before the quarter is closed, nor on its snapshot date.
  for (std::int64_t at : {f.now(), cst_ms(Date{2026, 12, 31}, 12)}) {
    auto early = f[31].submit_quarterly(2026, 4, at);
    ASSERT_FALSE(early.ok());
    EXPECT_NE(early.error().message.find("not closed"), std::string::npos) << early.error().message;
    EXPECT_NE(early.error().message.find("2026-12-31"), std::string::npos) << early.error().message;
  }

  // 5 January: 31 submits.
  f.jump_to(cst_ms(Date{2027, 1, 5}, 10));
  const std::int64_t submitted31 = f.now();
  f.submit_quarterly(31, 2026, 4);
  f.settle();
  auto report = f[0].quarterly_report(2026, 4, f.now());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->snapshot, (Date{2026, 12, 31}));
  EXPECT_EQ(report->due, (Date{2027, 2, 1}));
  EXPECT_EQ(report->provinces.size(), 32u);
  const auto& s31 = submission_of(*report, 31);
  EXPECT_EQ(s31.status, "on_time");
  EXPECT_GE(s31.received_at_ms, submitted31);
  EXPECT_LE(s31.received_at_ms, f.now());
  ASSERT_TRUE(s31.tables.has_value());
  EXPECT_EQ(tables_text(*s31.tables), tables_text(*q4_31));
  for (ProvinceCode p : {11, 44, 51, 66}) {
    EXPECT_EQ(submission_of(*report, p).status, "not_yet_due") << code(p);
    EXPECT_FALSE(submission_of(*report, p).tables.has_value()) << code(p);
  }
  EXPECT_EQ(tables_text(report->national), tables_text(*q4_31));

  // 51 on the due date itself, 44 half an hour after it ended.
  f.jump_to(cst_ms(Date{2027, 2, 1}, 23));
  f.submit_quarterly(51, 2026, 4);
  f.settle();
  f.jump_to(cst_ms(Date{2027, 2, 2}, 0, 30));
  f.submit_quarterly(44, 2026, 4);
  f.settle();
  report = f[0].quarterly_report(2026, 4, f.now());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(submission_of(*report, 31).status, "on_time");
  EXPECT_EQ(submission_of(*report, 51).status, "on_time");
  EXPECT_EQ(submission_of(*report, 44).status, "late");
  for (const auto& s : report->provinces) {
    if (s.province == 31 || s.province == 44 || s.province == 51) continue;
    EXPECT_EQ(s.status, "missing") << code(s.province);
  }
  // 31 sends its tables again after the due date (a resubmission replaces
  // them): it stays on time, by its first submission, and the resubmission
  // shows as a revision; the national sum counts 31 once.
  const std::int64_t first31 = submission_of(*report, 31).received_at_ms;
  f.submit_quarterly(31, 2026, 4);
  f.settle();
  report = f[0].quarterly_report(2026, 4, f.now());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(submission_of(*report, 31).status, "on_time");
  EXPECT_EQ(submission_of(*report, 31).received_at_ms, first31);
  EXPECT_GT(submission_of(*report, 31).revised_at_ms, first31);
  EXPECT_EQ(submission_of(*report, 51).revised_at_ms, 0);

  // The national sum is the sum of the provinces' own tables.
  auto expected = domain::empty_tables(domain::kNationalCode, 2026, 4);
  for (ProvinceCode p : {31, 44, 51}) {
    auto own = f[p].quarterly_tables(2026, 4);
    ASSERT_TRUE(own.ok());
    ASSERT_TRUE(domain::add_tables(expected, *own).ok());
    EXPECT_EQ(tables_text(*submission_of(*report, p).tables), tables_text(*own)) << code(p);
  }
  EXPECT_EQ(tables_text(report->national), tables_text(expected));
  EXPECT_EQ(people_in(report->national), from31.size() - 1 + from44.size() + from51.size());
  EXPECT_TRUE(domain::check_tables(report->national).ok());

  // The third quarter closed before any of these records existed, and was
  // due on 1 November: 31's tables for it, sent now, are late and empty.
  f.submit_quarterly(31, 2026, 3);
  f.settle();
  auto q3 = f[0].quarterly_report(2026, 3, f.now());
  ASSERT_TRUE(q3.ok());
  EXPECT_EQ(submission_of(*q3, 31).status, "late");
  EXPECT_EQ(submission_of(*q3, 44).status, "missing");
  EXPECT_EQ(people_in(q3->national), 0u);
  EXPECT_EQ(logged(f.net, 0, "message.rejected"), 0u);
}

}  // namespace
}  // namespace provnet
