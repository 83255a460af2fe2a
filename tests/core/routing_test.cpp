// Routing rules (SPEC §2.1, §1): the national node sorts, keeps the national
// copy and refuses what concerns no province it is sent to; provinces of a
// regional group exchange directly, the national node getting a full copy
// or the evidence; a direct peer down too long is reached through the
// national node; refusals reach the author, sound records are sent again.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include "core/core_fixtures.hpp"
#include "core/lossy_network.hpp"
#include "store/tables.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

using namespace testing;
using core::DirectoryContent;
using core::NationalCopy;

DirectoryContent group_of_31_and_32(NationalCopy copy) {
  DirectoryContent c;
  c.nodes.push_back({0, "国家级", "", true, {}, {}});
  for (domain::ProvinceCode p : {31, 32, 44, 51}) c.nodes.push_back({p, "p", "", false, {}, {}});
  c.groups.push_back({"yangtze", "泛长三角", {31, 32}, copy});
  return c;
}

struct FourNodes {
  TempDir dir{"core-routing"};
  std::unique_ptr<store::Store> s00 = open_store(dir.sub("00"));
  std::unique_ptr<store::Store> s31 = open_store(dir.sub("31"));
  std::unique_ptr<store::Store> s32 = open_store(dir.sub("32"));
  std::unique_ptr<store::Store> s44 = open_store(dir.sub("44"));
  core::NodeCore n00{config_for(0, {}), *s00};
  core::NodeCore n31{fallback_after(config_for(31, {}), 30'000), *s31};
  core::NodeCore n32{config_for(32, {}), *s32};
  core::NodeCore n44{config_for(44, {}), *s44};
  LossyNetwork net{21, NetworkFaults{.drop = 0.1, .duplicate = 0.1}};

  static core::CoreConfig fallback_after(core::CoreConfig c, std::int64_t ms) {
    c.direct_fallback_ms = ms;
    return c;
  }

  explicit FourNodes(NationalCopy copy) {
    EXPECT_TRUE(n00.publish_directory(group_of_31_and_32(copy), 86'400'000, kStartMs).ok());
    net.advance_to(kStartMs);
    for (auto* n : {&n00, &n31, &n32, &n44}) net.attach(*n);
    // Lost requests are asked again every refresh interval (60 s).
    net.run(kStartMs + 600'000);
    EXPECT_TRUE(n31.directory().has_value() && n32.directory().has_value());
  }

  void submit(core::NodeCore& node, const std::vector<domain::MigrantRecord>& records) {
    auto submitted = node.submit_records(records, {"op", "test"}, net.now());
    ASSERT_TRUE(submitted.ok());
    for (const auto& item : submitted->items) ASSERT_TRUE(item.accepted()) << item.record_id;
    net.apply(node.config().self, std::move(submitted->effects));
  }

  std::uint64_t national_versions() { return *n00.record_version_count(); }
};

std::size_t logged(const LossyNetwork& net, domain::ProvinceCode node, const std::string& event,
                   const std::string& peer = "") {
  std::size_t n = 0;
  for (const auto& l : net.logs) {
    if (l.node != node || l.event.event != event) continue;
    bool peer_matches = peer.empty();
    for (const auto& [k, v] : l.event.fields) peer_matches |= k == "peer" && v == peer;
    n += peer_matches;
  }
  return n;
}

void expect_exactly_once(core::NodeCore& node, const std::vector<domain::MigrantRecord>& records) {
  auto got = arrivals(node);
  EXPECT_EQ(got.size(), records.size());
  for (const auto& r : records) EXPECT_EQ(got[r.record_id + "@v1"], 1) << r.record_id;
}

TEST(Routing, GroupMembersExchangeDirectlyAndTheNationalNodeKeepsAFullCopy) {
  FourNodes f(NationalCopy::full);
  ASSERT_EQ(f.n31.direct_peers(), std::set<domain::ProvinceCode>{32});
  EXPECT_EQ(f.n31.next_hop(32), 32);
  EXPECT_EQ(f.n31.next_hop(44), 0);
  auto to32 = records_between(31, 32, 40);
  auto to44 = records_between(31, 44, 20);
  f.submit(f.n31, to32);
  f.submit(f.n31, to44);
  f.net.run(kStartMs + 3'600'000);
  expect_exactly_once(f.n32, to32);
  expect_exactly_once(f.n44, to44);
  EXPECT_EQ(logged(f.net, 0, "message.relayed", "31"), 2u) << "only 31's records for 44 relayed";
  EXPECT_GE(logged(f.net, 31, "message.acknowledged", "32"), 3u) << "40 records, 16 a message";
  EXPECT_EQ(f.national_versions(), to32.size() + to44.size()) << "the national copy is complete";
  EXPECT_TRUE(arrivals(f.n44).count(to32[0].record_id + "@v1") == 0);
  EXPECT_EQ(*f.n00.evidence_count(), 0u);
}

TEST(Routing, AnEvidenceOnlyGroupGivesTheNationalNodeSignedReceiptsNotRecords) {
  FourNodes f(NationalCopy::evidence_only);
  auto to32 = records_between(31, 32, 40);
  f.submit(f.n31, to32);
  f.net.run(kStartMs + 3'600'000);
  expect_exactly_once(f.n32, to32);
  EXPECT_EQ(f.national_versions(), 0u);
  EXPECT_EQ(*f.n00.evidence_count(), 3u) << "one entry per direct message (16+16+8)";
  // Each entry names the record ids (never personal data) and carries 32's receipt.
  auto txn = f.s00->begin_read();
  std::size_t ids = 0;
  auto scanned =
      txn->scan(store::Table::evidence, {}, [&](std::string_view, std::string_view bytes) {
        auto ev = core::Decoded<wire::ExchangeEvidence>::decode(bytes, {});
        EXPECT_TRUE(ev.ok());
        EXPECT_EQ(ev->root().getDestination(), 32);
        EXPECT_GT(ev->root().getReceipt().size(), 0u);
        ids += ev->root().getItemIds().size();
        return true;
      });
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(ids, to32.size());
}

TEST(Routing, ADirectPeerDownLongerThanTheFallbackIsReachedThroughTheNationalNode) {
  FourNodes f(NationalCopy::full);
  auto first = records_between(31, 32, 20, 1);
  auto second = records_between(31, 32, 20, 2);
  // 31 loses its direct link to 32 (32 still reaches the national node).
  f.net.apply(31, f.n31.on_link_down(32, f.net.now()));
  f.net.apply(32, f.n32.on_link_down(31, f.net.now()));
  f.submit(f.n31, first);
  f.net.run(f.net.now() + 10'000);
  EXPECT_EQ(*f.n31.outbox_depth(32), 2u) << "waits for the direct link before the fallback";
  EXPECT_TRUE(arrivals(f.n32).empty());
  f.net.run(f.net.now() + 3'600'000);
  EXPECT_EQ(logged(f.net, 31, "route.fallback", "32"), 1u);
  EXPECT_EQ(logged(f.net, 31, "route.rerouted", "32"), 1u);
  EXPECT_EQ(f.n31.next_hop(32), 0);
  expect_exactly_once(f.n32, first);
  EXPECT_EQ(*f.n31.outbox_depth(32), 0u);
  // Back up: new records go direct again; nothing arrives twice.
  f.net.apply(31, f.n31.on_link_up(32, f.net.now()));
  f.net.apply(32, f.n32.on_link_up(31, f.net.now()));
  EXPECT_EQ(f.n31.next_hop(32), 32);
  f.submit(f.n31, second);
  f.net.run(f.net.now() + 3'600'000);
  std::vector<domain::MigrantRecord> all = first;
  all.insert(all.end(), second.begin(), second.end());
  expect_exactly_once(f.n32, all);
  EXPECT_EQ(f.national_versions(), all.size());
}

// A message in flight on the direct link when it fails may have been
// applied by the destination already: sent again through the national node
// it is recognised by its (author, id) and acknowledged, not applied twice.
TEST(Routing, AMessageAppliedDirectlyAndResentThroughTheNationalNodeIsAppliedOnce) {
  FourNodes f(NationalCopy::full);
  auto records = records_between(31, 32, 10);
  auto submitted = f.n31.submit_records(records, {"op", "test"}, f.net.now());
  ASSERT_TRUE(submitted.ok());
  auto& sends = submitted->effects.sends;  // to 32, and the national copy
  auto direct = std::find_if(sends.begin(), sends.end(), [](auto& s) { return s.peer == 32; });
  ASSERT_NE(direct, sends.end());
  // 32 applies the message, but its acknowledgement is lost with the link.
  f.n32.on_envelope(31, direct->bytes, f.net.now());
  ASSERT_EQ(arrivals(f.n32).size(), records.size());
  sends.erase(direct);
  f.net.apply(31, std::move(submitted->effects));
  f.net.apply(31, f.n31.on_link_down(32, f.net.now()));
  f.net.apply(32, f.n32.on_link_down(31, f.net.now()));
  f.net.run(f.net.now() + 3'600'000);
  EXPECT_EQ(logged(f.net, 31, "route.rerouted", "32"), 1u);
  EXPECT_GE(logged(f.net, 32, "message.duplicate", "00"), 1u)
      << "what 32 had applied came again through the national node";
  expect_exactly_once(f.n32, records);
  EXPECT_EQ(*f.n31.outbox_depth(32), 0u);
  EXPECT_EQ(*f.n31.outbox_depth(0), 0u);
}

// The national node forwards a signed message whole or not at all: a
// message with one record that does not concern its destination is refused,
// the faulty record named, the sound ones returned as retry items, which the
// author sends again in a new message.
TEST(Routing, TheSorterRefusesAMisaddressedRecordAndTheSoundOnesAreSentAgain) {
  TempDir dir("core-sorter");
  auto s00 = open_store(dir.sub("00"));
  auto s44 = open_store(dir.sub("44"));
  core::NodeCore n00(config_for(0, {}), *s00);
  core::NodeCore n44(config_for(44, {}), *s44);
  auto for51 = records_between(44, 51, 2);
  auto for31 = records_between(44, 31, 1);
  // 44 stores and sends two sound records to 51 ...
  LossyNetwork net(5, NetworkFaults{});
  net.advance_to(kStartMs);
  net.apply(44, n44.on_link_up(0, kStartMs));
  auto submitted = n44.submit_records(for51, {"op", "x"}, kStartMs);
  ASSERT_TRUE(submitted.ok());
  ASSERT_EQ(submitted->effects.sends.size(), 1u);
  // ... and the sorter is given a message with a misaddressed record among them.
  std::string bad = envelope_with_records(44, 51, 4242, {for51[0], for31[0], for51[1]});
  core::Effects fx = n00.on_envelope(44, bad, kStartMs);
  ASSERT_EQ(fx.sends.size(), 1u);
  auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
  ASSERT_TRUE(reply->root().getBody().isRejection());
  auto rej = reply->root().getBody().getRejection();
  ASSERT_EQ(rej.getItems().size(), 1u);
  EXPECT_EQ(rej.getItems()[0].getIndex(), 1u);
  EXPECT_EQ(rej.getItems()[0].getVersion(), 1u);
  ASSERT_EQ(rej.getRetryItems().size(), 2u);
  EXPECT_EQ(rej.getRetryItems()[0], 0u);
  EXPECT_EQ(rej.getRetryItems()[1], 2u);
  EXPECT_EQ(*n00.outbox_depth(51), 0u) << "nothing of a refused message is forwarded";

  // The author's side: its own message refused with retry items comes back
  // as a new message holding exactly those versions.
  auto sent = core::DecodedEnvelope::decode(submitted->effects.sends[0].bytes, {});
  const std::uint64_t sent_id = sent->root().getMessageId();
  capnp::MallocMessageBuilder b;
  auto env = b.initRoot<wire::Envelope>();
  env.setMessageId(77);
  env.setAuthor(0);
  env.setDestination(44);
  env.setCreatedAtMs(kStartMs);
  auto r = env.initBody().initRejection();
  r.setAuthor(44);
  r.setMessageId(sent_id);
  r.setReason("not forwarded");
  r.initRetryItems(1).set(0, 1);
  core::Effects settled = n44.on_envelope(0, TestSigning::shared().sign(b, 0), kStartMs + 10);
  std::vector<std::string> resent;
  for (const auto& s : settled.sends) {
    auto e = core::DecodedEnvelope::decode(s.bytes, {});
    if (!e->root().getBody().isMigrantBatch()) continue;
    EXPECT_NE(e->root().getMessageId(), sent_id);
    for (auto v : e->root().getBody().getMigrantBatch().getVersions()) {
      resent.push_back(v.getRecord().getRecordId().cStr());
    }
  }
  EXPECT_EQ(resent, std::vector<std::string>{for51[1].record_id});
  EXPECT_TRUE(n44.inbox()->empty()) << "a retry item is not a rejection";
}

// A destination's rejection of a record the national node relayed reaches
// the province that wrote it, signed by the destination.
TEST(Routing, ADestinationsRejectionOfARelayedRecordReachesItsAuthor) {
  TempDir dir("core-forwarded");
  auto s00 = open_store(dir.sub("00"));
  auto s44 = open_store(dir.sub("44"));
  auto s51 = open_store(dir.sub("51"));
  core::NodeCore n00(config_for(0, {}), *s00);
  core::NodeCore n44(config_for(44, {}), *s44);
  core::NodeCore n51(config_for(51, {}), *s51);
  auto records = records_between(44, 51, 3);
  // 51 already holds version 1 of records[0] with other content (44's store
  // was restored from an old backup and the record re-entered differently).
  auto other = records;
  other[0].education = other[0].education == "61" ? "71" : "61";
  n51.on_envelope(0, envelope_with_records(44, 51, 5, {other[0]}), kStartMs);
  ASSERT_EQ(arrivals(n51).size(), 1u);

  LossyNetwork net(9, NetworkFaults{.drop = 0.2, .duplicate = 0.2});
  net.advance_to(kStartMs);
  for (auto* n : {&n00, &n44, &n51}) net.attach(*n);
  auto submitted = n44.submit_records(records, {"op", "x"}, net.now());
  ASSERT_TRUE(submitted.ok());
  net.apply(44, std::move(submitted->effects));
  net.run(kStartMs + 3'600'000);
  auto inbox = n44.inbox();
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].kind, "rejected");
  EXPECT_EQ((*inbox)[0].item_id, records[0].record_id);
  EXPECT_EQ((*inbox)[0].version, 1u);
  EXPECT_EQ((*inbox)[0].author, 51) << "named as refused by the destination, not the relay";
  EXPECT_EQ(arrivals(n51).size(), 3u) << "the two sound records were applied";
  EXPECT_EQ(*n00.outbox_depth(44), 0u) << "the forwarded rejection was acknowledged";
}

}  // namespace
}  // namespace provnet
