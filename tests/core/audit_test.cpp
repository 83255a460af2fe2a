// The audit chain, checkpoints, reconciliation and traces (ARCHITECTURE.md
// "Audit"), on real stores: a national node and three provinces, 31 and 32
// peering directly (evidence-only group), 44 reached through the national
// node, on a lossy network under a virtual clock.
#include <gtest/gtest.h>

#include <set>

#include "core/audit_chain.hpp"
#include "core/core_fixtures.hpp"
#include "core/lossy_network.hpp"
#include "store/audit_tables.hpp"
#include "store/keys.hpp"
#include "store/tables.hpp"
#include "support/temp_dir.hpp"

namespace provnet::testing {
namespace {

using domain::ProvinceCode;

core::DirectoryContent audit_directory() {
  core::DirectoryContent c;
  c.nodes.push_back({0, "国家级", "", true, {}, {}});
  for (ProvinceCode p : {31, 32, 44}) c.nodes.push_back({p, "p", "", false, {}, {}});
  c.groups.push_back({"yangtze", "泛长三角", {31, 32}, core::NationalCopy::evidence_only});
  return c;
}

struct AuditNetwork {
  explicit AuditNetwork(std::uint64_t seed = 5, NetworkFaults faults = kLossy)
      : dir("core-audit"), net(seed, faults) {
    for (ProvinceCode p : codes) {
      stores[p] = open_store(dir.sub(code(p)));
      nodes[p] = std::make_unique<core::NodeCore>(config(p), *stores[p]);
    }
    EXPECT_TRUE(nodes[0]->publish_directory(audit_directory(), 400 * kDayMs, start_ms()).ok());
    net.advance_to(start_ms());
    for (ProvinceCode p : codes) net.attach(*nodes[p]);
    settle();
  }

  core::CoreConfig config(ProvinceCode p) const {
    core::CoreConfig c = config_for(p, {});
    c.reconcile.unacknowledged_after_ms = 10 * kMinuteMs;
    c.reconcile.clock_skew_ms = kMinuteMs;
    c.checkpoint_max_entries = 50;  // several parts for a long chain
    return c;
  }
  core::NodeCore& operator[](ProvinceCode p) { return *nodes.at(p); }

  void settle(std::int64_t for_ms = 30 * kMinuteMs) { net.run(net.now() + for_ms); }

  void submit(ProvinceCode p, const std::vector<domain::MigrantRecord>& records) {
    auto out =
        nodes.at(p)->submit_records(records, core::ChangeMeta{"op" + code(p), ""}, net.now());
    ASSERT_TRUE(out.ok()) << out.error().message;
    for (const auto& item : out->items) ASSERT_TRUE(item.accepted()) << item.record_id;
    net.apply(p, std::move(out->effects));
  }

  // Every province sends its checkpoint, and the network settles: the
  // national node then holds every chain up to now.
  void checkpoint_all() {
    for (ProvinceCode p : {31, 32, 44}) {
      auto fx = nodes.at(p)->request_checkpoint(net.now());
      ASSERT_TRUE(fx.ok()) << fx.error().message;
      net.apply(p, std::move(*fx));
    }
    settle();
  }

  core::ReconciliationReport reconcile() {
    auto r = nodes.at(0)->reconciliation(net.now());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : core::ReconciliationReport{};
  }

  // Appends an entry to `p`'s chain as if `p` had logged it.
  void log_at(ProvinceCode p, const core::AuditFacts& facts) {
    auto txn = stores.at(p)->begin_write();
    ASSERT_TRUE(txn.ok());
    auto seq = core::append_audit(*txn, p, core::HashAlgorithm::sha256, facts, net.now());
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    ASSERT_TRUE(txn->commit().ok());
  }

  const std::vector<ProvinceCode> codes{0, 31, 32, 44};
  TempDir dir;
  LossyNetwork net;
  std::map<ProvinceCode, std::unique_ptr<store::Store>> stores;
  std::map<ProvinceCode, std::unique_ptr<core::NodeCore>> nodes;
};

core::ChainReport verify(store::Store& s) {
  auto txn = s.begin_read();
  EXPECT_TRUE(txn.ok());
  auto report = core::verify_chain(*txn);
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
  return report.ok() ? *report : core::ChainReport{};
}

std::string entry_bytes(store::Store& s, std::uint64_t seq) {
  auto txn = s.begin_read();
  auto bytes = store::audit_get(*txn, seq);
  EXPECT_TRUE(bytes.ok() && bytes->has_value()) << "no entry " << seq;
  return bytes.ok() ? bytes->value_or("") : "";
}

void put_entry(store::Store& s, std::uint64_t seq, const std::string& bytes) {
  auto txn = s.begin_write();
  ASSERT_TRUE(txn->put(store::Table::audit_log, store::keys::audit(seq), bytes).ok());
  ASSERT_TRUE(txn->commit().ok());
}

// Entry `seq` with one field changed and re-encoded: well-formed, but not
// what was logged.
std::string altered(const std::string& bytes) {
  auto decoded = core::Decoded<wire::AuditEntry>::decode(bytes, {});
  EXPECT_TRUE(decoded.ok());
  capnp::MallocMessageBuilder b;
  b.setRoot(decoded->root());
  auto e = b.getRoot<wire::AuditEntry>();
  e.setAtMs(e.getAtMs() + 1);
  return core::canonical_message(e.asReader());
}

std::map<std::string, int> discrepancy_types(const core::ReconciliationReport& r) {
  std::map<std::string, int> out;
  for (const auto& d : r.discrepancies) ++out[d.type];
  return out;
}

TEST(AuditChain, EveryNodeLogsWhatItDidAndItsChainVerifies) {
  AuditNetwork n;
  n.submit(31, records_between(31, 44, 40, 1));  // through 00
  n.submit(31, records_between(31, 32, 20, 1));  // directly, evidence to 00
  n.settle();
  EXPECT_EQ(arrivals(n[44]).size(), 40u);
  EXPECT_EQ(arrivals(n[32]).size(), 20u);
  for (ProvinceCode p : n.codes) {
    auto report = verify(*n.stores[p]);
    EXPECT_FALSE(report.problem) << code(p) << ": " << report.problem->message;
    auto state = n[p].audit_state();
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(report.entries, state->head.count) << code(p);
    EXPECT_GT(report.entries, 0u) << code(p);
  }
  // 31 logged 60 record changes, and what it sent to 00 and 32 was acknowledged.
  auto state31 = n[31].audit_state();
  std::map<std::pair<ProvinceCode, std::string>, store::LinkCounts> counts;
  for (const auto& c : state31->counts) counts[{c.peer, c.kind}] = c.counts;
  const store::LinkCounts to00 = counts[{0, "migrantBatch"}];
  const store::LinkCounts to32 = counts[{32, "migrantBatch"}];
  EXPECT_EQ(to00.sent, 3u);  // 40 records, 16 a message
  EXPECT_EQ(to00.acknowledged, 3u);
  EXPECT_EQ(to32.sent, 2u);
  EXPECT_EQ(to32.acknowledged, 2u);
  // 44 received three messages from 00 (authored by 31).
  auto state44 = n[44].audit_state();
  std::uint64_t received = 0;
  for (const auto& c : state44->counts) {
    if (c.peer == 0 && c.kind == "migrantBatch") received = c.counts.received;
  }
  EXPECT_EQ(received, 3u);
}

TEST(AuditChain, SM3ChainsVerifyToo) {
  ASSERT_TRUE(core::hash_algorithm_available(core::HashAlgorithm::sm3));
  TempDir dir("audit-sm3");
  auto s = open_store(dir.sub("31"));
  core::CoreConfig c = config_for(31, {});
  c.audit_hash = core::HashAlgorithm::sm3;
  core::NodeCore node(c, *s);
  ASSERT_TRUE(node.submit_records(records_between(31, 44, 5), {"op", ""}, kStartMs).ok());
  auto report = verify(*s);
  EXPECT_FALSE(report.problem);
  EXPECT_EQ(report.head.algorithm, core::HashAlgorithm::sm3);
  EXPECT_GE(report.entries, 6u);  // 5 changes, 1 message queued
  // The same entries hashed with SHA-256 give another head: the algorithm is
  // really in use.
  EXPECT_NE(core::chain_hash(core::HashAlgorithm::sm3, "abc"),
            core::chain_hash(core::HashAlgorithm::sha256, "abc"));
  EXPECT_EQ(core::hex(core::chain_hash(core::HashAlgorithm::sm3, "abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

struct TamperCase {
  const char* name;
  std::function<void(store::Store&)> tamper;
  std::uint64_t first_bad;
  const char* says;
};

TEST(AuditChain, TamperingIsFoundAndTheFirstBadEntryNamed) {
  const std::vector<TamperCase> cases = {
      {"entry 5 altered", [](store::Store& s) { put_entry(s, 5, altered(entry_bytes(s, 5))); }, 5,
       "chain breaks between entries 5 and 6"},
      {"entry 5 removed",
       [](store::Store& s) {
         auto txn = s.begin_write();
         ASSERT_TRUE(txn->erase(store::Table::audit_log, store::keys::audit(5)).ok());
         ASSERT_TRUE(txn->commit().ok());
       },
       5, "entry 5 is missing"},
      {"entries 5 and 6 swapped",
       [](store::Store& s) {
         std::string five = entry_bytes(s, 5), six = entry_bytes(s, 6);
         put_entry(s, 5, six);
         put_entry(s, 6, five);
       },
       5, "entry 5 says it is entry 6"},
      {"the last entry removed",
       [](store::Store& s) {
         std::uint64_t last = 0;
         {
           auto txn = s.begin_read();
           last = *store::audit_last_seq(*txn);
         }
         auto w = s.begin_write();
         ASSERT_TRUE(w->erase(store::Table::audit_log, store::keys::audit(last)).ok());
         ASSERT_TRUE(w->commit().ok());
       },
       0, "entries removed at the end"},
      {"the last entry altered",
       [](store::Store& s) {
         std::uint64_t last = 0;
         {
           auto txn = s.begin_read();
           last = *store::audit_last_seq(*txn);
         }
         put_entry(s, last, altered(entry_bytes(s, last)));
       },
       0, "the last entry was altered"},
      {"an entry of another node's chain put in",
       [](store::Store& s) {
         auto decoded = core::Decoded<wire::AuditEntry>::decode(entry_bytes(s, 3), {});
         capnp::MallocMessageBuilder b;
         b.setRoot(decoded->root());
         b.getRoot<wire::AuditEntry>().setNode(32);
         put_entry(s, 3, core::canonical_message(b.getRoot<wire::AuditEntry>().asReader()));
       },
       3, "belongs to the chain of node 32"},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir("audit-tamper");
    auto s = open_store(dir.sub("31"));
    core::NodeCore node(config_for(31, {}), *s);
    ASSERT_TRUE(node.submit_records(records_between(31, 44, 12), {"op", ""}, kStartMs).ok());
    const core::ChainReport before = verify(*s);
    ASSERT_FALSE(before.problem);
    ASSERT_GE(before.entries, 12u);
    c.tamper(*s);
    const core::ChainReport after = verify(*s);
    ASSERT_TRUE(after.problem.has_value());
    const std::uint64_t first_bad = c.first_bad ? c.first_bad : before.entries;
    EXPECT_EQ(after.problem->seq, first_bad) << after.problem->message;
    EXPECT_NE(after.problem->message.find(c.says), std::string::npos) << after.problem->message;
    // The node runs on its own view and says the same.
    auto online = node.verify_audit_chain();
    ASSERT_TRUE(online.ok());
    EXPECT_EQ(online->problem->seq, first_bad);
  }
}

TEST(AuditReconciliation, BothEndsOfEveryLinkAgreeWhenNothingWasLost) {
  AuditNetwork n;
  n.submit(31, records_between(31, 44, 100, 1));
  n.submit(31, records_between(31, 32, 30, 1));
  n.submit(44, records_between(44, 31, 30, 3));
  n.settle();
  n.checkpoint_all();
  n.checkpoint_all();  // the first checkpoints' own answers are in the second
  auto r = n.reconcile();
  EXPECT_TRUE(r.discrepancies.empty())
      << r.discrepancies.front().type << " " << r.discrepancies.front().detail;
  // The direct link 31->32 never passed through the national node, and is
  // reconciled from both provinces' chains.
  std::map<std::pair<ProvinceCode, ProvinceCode>, core::LinkTally> links;
  for (const auto& l : r.links) links[{l.from, l.to}] = l;
  ASSERT_EQ(links.count({31, 32}), 1u);
  const core::LinkTally direct = links[{31, 32}], up = links[{31, 0}], down = links[{0, 44}];
  EXPECT_EQ(direct.sent, 2u);
  EXPECT_EQ(direct.received, 2u);
  EXPECT_EQ(direct.acknowledged, 2u);
  // What 31 sent the national node, acknowledged; the national node also
  // received 31's last checkpoint, whose sending is only in 31's next one.
  EXPECT_EQ(up.sent, up.acknowledged);
  EXPECT_EQ(up.received, up.sent + 1);
  EXPECT_EQ(down.sent, down.acknowledged);
  for (const auto& [key, l] : links) EXPECT_EQ(l.in_flight, 0u) << code(l.from) << code(l.to);
  // Every province's chain is held complete: long chains came in parts.
  ASSERT_EQ(r.nodes.size(), 3u);
  for (const auto& node : r.nodes) {
    auto state = n[node.node].audit_state();
    EXPECT_EQ(node.entries, state->shipped) << code(node.node);
    EXPECT_GE(node.checkpoints, 2u) << code(node.node);
    EXPECT_EQ(node.rewinds, 0u);
  }
}

TEST(AuditReconciliation, AMessageOneSideLoggedAndTheOtherDidNotIsReported) {
  AuditNetwork n(9, NetworkFaults{});
  n.submit(31, records_between(31, 44, 20, 1));
  n.settle();
  n.checkpoint_all();
  n.checkpoint_all();
  ASSERT_TRUE(n.reconcile().discrepancies.empty());

  // 44 logs receiving from 00 a message 00 never sent (extra); 31 logs
  // sending one 00 never got (unacknowledged), and one 00 "acknowledged"
  // without logging it (missing); 31 logs a different envelope under a real
  // message's id (altered).
  core::AuditFacts extra{wire::AuditEvent::RECEIVED, 0,  31, 424242, 44, "migrantBatch",
                         std::string(32, 'x'),       {}, "", ""};
  n.log_at(44, extra);
  core::AuditFacts never_answered{wire::AuditEvent::QUEUED, 0,  31, 515151, 44, "migrantBatch",
                                  std::string(32, 'y'),     {}, "", ""};
  n.log_at(31, never_answered);
  core::AuditFacts ghost = never_answered;
  ghost.message_id = 616161;
  n.log_at(31, ghost);
  ghost.event = wire::AuditEvent::ACKNOWLEDGED;
  n.log_at(31, ghost);
  // The id of a message 31 really sent to 00.
  std::uint64_t real_id = 0;
  {
    auto r = n.reconcile();
    for (const auto& l : r.links) ASSERT_TRUE(l.from != 31 || l.sent > 0);
    auto txn = n.stores[0]->begin_read();
    ASSERT_TRUE(
        store::audit_message_scan(*txn, [&](const store::MessageLinkKey& k, std::string_view) {
          if (k.author == 31 && k.from == 31 && k.to == 0) real_id = k.message_id;
          return real_id == 0;
        }).ok());
  }
  ASSERT_NE(real_id, 0u);
  core::AuditFacts forged{wire::AuditEvent::QUEUED, 0,  31, real_id, 44, "migrantBatch",
                          std::string(32, 'z'),     {}, "", ""};
  n.log_at(31, forged);

  n.net.advance_to(n.net.now() + 20 * kMinuteMs);
  n.checkpoint_all();
  auto r = n.reconcile();
  auto types = discrepancy_types(r);
  EXPECT_EQ(types["extra"], 1);
  EXPECT_EQ(types["unacknowledged"], 1);
  EXPECT_EQ(types["missing"], 1);
  EXPECT_EQ(types["altered"], 1);
  std::set<std::pair<std::string, std::uint64_t>> found;
  for (const auto& d : r.discrepancies) found.insert({d.type, d.message_id});
  EXPECT_TRUE(found.count({"extra", 424242}));
  EXPECT_TRUE(found.count({"unacknowledged", 515151}));
  EXPECT_TRUE(found.count({"missing", 616161}));
  EXPECT_TRUE(found.count({"altered", real_id}));

  // The periodic check logs each discrepancy once, with its message id.
  core::CoreConfig c = n.config(0);
  c.reconcile_interval_ms = kMinuteMs;
  auto national = std::make_unique<core::NodeCore>(c, *n.stores[0]);
  (void)national->start(n.net.now());
  core::Effects fx = national->on_tick(n.net.now());
  int logged = 0;
  for (const auto& l : fx.logs) {
    if (l.event != "audit.discrepancy") continue;
    ++logged;
    bool has_id = false;
    for (const auto& [k, v] : l.fields)
      has_id = has_id || (k == "message_id" && v.find(':') != std::string::npos);
    EXPECT_TRUE(has_id);
  }
  EXPECT_EQ(logged, 4);
  EXPECT_EQ(national->counters().audit_discrepancies, 4u);
  fx = national->on_tick(n.net.now() + 2 * kMinuteMs);
  for (const auto& l : fx.logs) EXPECT_NE(l.event, "audit.discrepancy");
}

TEST(AuditReconciliation, AChainThatDoesNotVerifyIsRefusedAndReported) {
  AuditNetwork n(11, NetworkFaults{});
  n.submit(31, records_between(31, 44, 8, 1));
  n.settle();
  put_entry(*n.stores[31], 2, altered(entry_bytes(*n.stores[31], 2)));
  auto fx = n[31].request_checkpoint(n.net.now());
  ASSERT_TRUE(fx.ok());
  n.net.apply(31, std::move(*fx));
  n.settle();
  EXPECT_EQ(n[0].counters().checkpoints_refused, 1u);
  EXPECT_EQ(n.net.count_logs("audit.chain_invalid"), 1u);
  EXPECT_EQ(n.net.count_logs("audit.checkpoint_refused"), 2u);  // at 00 and at 31
  auto r = n.reconcile();
  for (const auto& node : r.nodes) EXPECT_NE(node.node, 31) << "nothing of 31's chain was kept";
}

TEST(AuditReconciliation, AStoreRestoredFromABackupShowsAsARewoundChain) {
  AuditNetwork n(13, NetworkFaults{});
  n.submit(31, records_between(31, 44, 10, 1));
  n.settle();
  n.checkpoint_all();
  const std::string backup = n.dir.sub("31-backup");
  ASSERT_TRUE(n.stores[31]->copy_to(backup).ok());
  n.submit(31, records_between(31, 44, 10, 2));
  n.settle();
  n.checkpoint_all();
  // 31 goes back to its backup and carries on.
  n.nodes.erase(31);
  n.stores[31] = open_store(backup);
  n.nodes[31] = std::make_unique<core::NodeCore>(n.config(31), *n.stores[31]);
  n.net.apply(31, n.nodes[31]->start(n.net.now()));
  n.net.attach(*n.nodes[31]);
  n.submit(31, records_between(31, 44, 5, 3));
  n.settle();
  n.checkpoint_all();
  n.checkpoint_all();
  EXPECT_EQ(n.net.count_logs("audit.chain_rewound"), 1u);
  auto r = n.reconcile();
  bool seen = false;
  for (const auto& node : r.nodes) {
    if (node.node != 31) continue;
    seen = true;
    EXPECT_EQ(node.rewinds, 1u);
    EXPECT_NE(node.last_problem.find("restored from a backup"), std::string::npos);
    EXPECT_EQ(node.entries, n[31].audit_state()->shipped);
  }
  EXPECT_TRUE(seen);
  EXPECT_FALSE(verify(*n.stores[31]).problem);
}

TEST(AuditTrace, TheNationalNodeShowsARecordsWholePath) {
  AuditNetwork n(17, NetworkFaults{});
  auto records = records_between(31, 44, 3, 1);
  n.submit(31, records);
  n.settle();
  n.checkpoint_all();
  const std::string id = records[1].record_id;
  auto t = n[0].trace(id);
  ASSERT_TRUE(t.ok()) << t.error().message;
  std::set<std::string> seen;
  for (const auto& e : t->events) seen.insert(code(e.node) + " " + e.event + " " + code(e.peer));
  for (const char* expected : {"31 changed 00", "31 queued 00", "00 received 31", "00 queued 44",
                               "44 received 00", "00 acknowledged 44", "31 acknowledged 00"}) {
    EXPECT_TRUE(seen.count(expected)) << expected;
  }
  ASSERT_EQ(t->versions.size(), 1u);  // the national copy
  EXPECT_EQ(t->versions[0].author, 31);
  // A province sees its own part only.
  auto at44 = n[44].trace(id);
  ASSERT_TRUE(at44.ok());
  for (const auto& e : at44->events) EXPECT_EQ(e.node, 44);
  EXPECT_FALSE(at44->events.empty());
  // Nothing about an unknown record.
  auto none = n[0].trace("31-0000-nobody");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->events.empty());
  EXPECT_TRUE(none->versions.empty());
}

}  // namespace
}  // namespace provnet::testing
