// The core's delivery guarantees, driven through an in-memory network that
// drops, duplicates, delays and reorders: every record arrives exactly once,
// only where it belongs, and nothing is lost when a node restarts.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include "core/core_fixtures.hpp"
#include "core/lossy_network.hpp"
#include "core/node_core.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "store/tables.hpp"
#include "support/temp_dir.hpp"
#include "support/test_signing.hpp"
#include "synth/population.hpp"

namespace provnet {
namespace {

using testing::LossyNetwork;
using testing::NetworkFaults;
using testing::TempDir;
using namespace testing;

TEST(NodeCore, InflowRecordFrom44ArrivesAt51ExactlyOnceDespiteDropsAndDuplicates) {
  TempDir dir("core");
  auto store44 = open_store(dir.sub("44"));
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n44(config_for(44, {51}), *store44);
  core::NodeCore n51(config_for(51, {44}), *store51);
  LossyNetwork net(42, NetworkFaults{.drop = 0.4, .duplicate = 0.4});
  net.attach(n44);
  net.attach(n51);
  net.advance_to(kStartMs);

  auto records = records_between(44, 51, 1);
  ASSERT_EQ(records[0].direction, "inflow") << "the generator drew an outflow record";
  auto submitted = n44.submit_records(records, {"op-1", "test"}, net.now());
  ASSERT_TRUE(submitted.ok());
  ASSERT_TRUE(submitted->items[0].accepted());
  EXPECT_EQ(submitted->items[0].version, 1u);
  net.apply(44, std::move(submitted->effects));
  net.run(kStartMs + 3'600'000);

  auto got = arrivals(n51);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[records[0].record_id + "@v1"], 1);
  EXPECT_EQ(*n44.outbox_depth(51), 0u) << "the sender keeps a message it was never told arrived";
  // Faults really happened, so the guarantee was tested.
  EXPECT_GT(net.dropped + net.duplicated, 0u);

  auto txn = store51->begin_read();
  auto history = store::record_history(*txn, records[0].record_id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  auto stored = core::Decoded<wire::RecordVersion>::decode((*history)[0].bytes, {});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(core::record_from_wire(stored->root().getRecord()), records[0]);
  EXPECT_EQ(stored->root().getAuthorNode(), 44);
  EXPECT_EQ(std::string(stored->root().getOperatorId().cStr()), "op-1");
}

// Many records, many seeds, heavy faults: each arrives exactly once.
TEST(NodeCore, ManyRecordsExactlyOnceAcrossSeeds) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    TempDir dir("core-seeds");
    auto store44 = open_store(dir.sub("44"));
    auto store51 = open_store(dir.sub("51"));
    core::NodeCore n44(config_for(44, {51}, seed), *store44);
    core::NodeCore n51(config_for(51, {44}, seed), *store51);
    LossyNetwork net(seed, NetworkFaults{.drop = 0.3, .duplicate = 0.3});
    net.attach(n44);
    net.attach(n51);
    net.advance_to(kStartMs);
    auto records = records_between(44, 51, 150, seed);
    auto submitted = n44.submit_records(records, {"op", "bulk"}, net.now());
    ASSERT_TRUE(submitted.ok());
    net.apply(44, std::move(submitted->effects));
    net.run(kStartMs + 6 * 3'600'000);
    auto got = arrivals(n51);
    ASSERT_EQ(got.size(), records.size()) << "seed " << seed;
    for (const auto& r : records) EXPECT_EQ(got[r.record_id + "@v1"], 1) << "seed " << seed;
    EXPECT_EQ(*n44.outbox_depth(51), 0u) << "seed " << seed;
    EXPECT_GT(net.count_logs("message.duplicate"), 0u) << "seed " << seed;
  }
}

// A sender that restarts (its in-memory state gone) resends from its outbox;
// the receiver still applies every record once.
TEST(NodeCore, SenderRestartResendsOutboxAndReceiverDedups) {
  TempDir dir("core-restart");
  auto store44 = open_store(dir.sub("44"));
  auto store51 = open_store(dir.sub("51"));
  auto n44 = std::make_unique<core::NodeCore>(config_for(44, {51}), *store44);
  core::NodeCore n51(config_for(51, {44}), *store51);
  LossyNetwork net(5, NetworkFaults{.drop = 0.0, .duplicate = 0.0});
  net.attach(*n44);
  net.attach(n51);
  net.advance_to(kStartMs);
  auto records = records_between(44, 51, 40);
  auto submitted = n44->submit_records(records, {"op", "x"}, net.now());
  ASSERT_TRUE(submitted.ok());
  net.apply(44, std::move(submitted->effects));
  // Deliver a few envelopes, then "crash" 44 mid-stream.
  net.run(kStartMs + 60);
  n44 = std::make_unique<core::NodeCore>(config_for(44, {51}), *store44);
  net.attach(*n44);
  net.apply(44, n44->on_tick(net.now()));
  net.run(kStartMs + 3'600'000);
  auto got = arrivals(n51);
  ASSERT_EQ(got.size(), records.size());
  for (const auto& [id, n] : got) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(*n44->outbox_depth(51), 0u);
}

// The outbox, not memory, holds the backlog while a link is down.
TEST(NodeCore, LinkDownKeepsMessagesInOutboxUntilLinkUp) {
  TempDir dir("core-down");
  auto store44 = open_store(dir.sub("44"));
  auto store51 = open_store(dir.sub("51"));
  // A fallback through the national node would take over after this long
  // (see DirectPeerDownLongerThanFallbackGoesThroughNational); not here.
  core::CoreConfig c44 = config_for(44, {51});
  c44.direct_fallback_ms = 24 * 3'600'000;
  core::NodeCore n44(c44, *store44);
  core::NodeCore n51(config_for(51, {44}), *store51);
  LossyNetwork net(9, NetworkFaults{});
  net.attach(n44);
  net.attach(n51);
  net.advance_to(kStartMs);
  net.apply(44, n44.on_link_down(51, net.now()));
  auto records = records_between(44, 51, 64);
  auto submitted = n44.submit_records(records, {"op", "x"}, net.now());
  ASSERT_TRUE(submitted.ok());
  EXPECT_TRUE(submitted->effects.sends.empty()) << "sent on a link that is down";
  net.apply(44, std::move(submitted->effects));
  net.run(kStartMs + 600'000);
  EXPECT_EQ(*n44.outbox_depth(51), 4u);  // 64 records / 16 per message
  EXPECT_TRUE(arrivals(n51).empty());
  net.apply(44, n44.on_link_up(51, net.now()));
  net.run(kStartMs + 3'600'000);
  EXPECT_EQ(arrivals(n51).size(), records.size());
  EXPECT_EQ(*n44.outbox_depth(51), 0u);
}

TEST(NodeCore, InvalidRecordsAreRejectedAtSubmitAndNothingIsQueuedForThem) {
  TempDir dir("core-invalid");
  auto store44 = open_store(dir.sub("44"));
  core::NodeCore n44(config_for(44, {51}), *store44);
  auto records = records_between(44, 51, 2);
  records[1].sex = "7";
  records.push_back(records_between(31, 51, 1)[0]);  // valid, but 31's record, not 44's
  auto submitted = n44.submit_records(records, {"op", "x"}, kStartMs);
  ASSERT_TRUE(submitted.ok());
  EXPECT_TRUE(submitted->items[0].accepted());
  ASSERT_FALSE(submitted->items[1].accepted());
  EXPECT_EQ(submitted->items[1].errors[0].field, domain::Field::sex);
  ASSERT_FALSE(submitted->items[2].accepted());
  bool names_reporter = false;
  for (const auto& e : submitted->items[2].errors) {
    names_reporter |= e.field == domain::Field::reporting_province;
  }
  EXPECT_TRUE(names_reporter);
  auto txn = store44->begin_read();
  EXPECT_FALSE(store::latest_version(*txn, records[1].record_id)->has_value());
  EXPECT_EQ(*store::outbox_depth(*txn, 51), 1u);
}

// A faulty sorter must not make a province store someone else's record: the
// receiver checks that each record concerns it, stores the ones that do and
// rejects the rest by item.
TEST(NodeCore, ReceiverRefusesRecordsThatDoNotConcernIt) {
  TempDir dir("core-leak");
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {}), *store51);
  auto for51 = records_between(44, 51, 1);
  auto for31 = records_between(44, 31, 1);
  std::string env = envelope_with_records(44, 51, 77, {for51[0], for31[0]});
  core::Effects fx = n51.on_envelope(0, env, kStartMs);  // relayed by the national node
  ASSERT_EQ(fx.sends.size(), 1u);
  auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
  ASSERT_TRUE(reply.ok());
  ASSERT_TRUE(reply->root().getBody().isRejection());
  auto rej = reply->root().getBody().getRejection();
  EXPECT_EQ(rej.getMessageId(), 77u);
  ASSERT_EQ(rej.getItems().size(), 1u);
  EXPECT_EQ(rej.getItems()[0].getIndex(), 1u);
  EXPECT_EQ(std::string(rej.getItems()[0].getItemId().cStr()), for31[0].record_id);
  auto got = arrivals(n51);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(got.count(for51[0].record_id + "@v1"), 1u);
  EXPECT_EQ(got.count(for31[0].record_id + "@v1"), 0u);
  // A retry of the same message gets the same reply and changes nothing.
  core::Effects again = n51.on_envelope(0, env, kStartMs + 1000);
  ASSERT_EQ(again.sends.size(), 1u);
  EXPECT_EQ(again.sends[0].bytes, fx.sends[0].bytes);
  EXPECT_EQ(arrivals(n51).size(), 1u);
}

TEST(NodeCore, MessageClaimingAnotherAuthorClosesTheLink) {
  TempDir dir("core-auth");
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44, 31}), *store51);
  auto recs = records_between(31, 51, 1);
  // Arrives on 44's link but claims to be from 31.
  core::Effects fx = n51.on_envelope(44, envelope_with_records(31, 51, 1, recs), kStartMs);
  ASSERT_EQ(fx.closes.size(), 1u);
  EXPECT_EQ(fx.closes[0].peer, 44);
  // The sender is told why (a signed rejection), then the link closes.
  ASSERT_EQ(fx.sends.size(), 1u);
  auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
  ASSERT_TRUE(reply.ok());
  ASSERT_TRUE(reply->root().getBody().isRejection());
  EXPECT_NE(std::string(reply->root().getBody().getRejection().getReason().cStr()).find("31"),
            std::string::npos);
  ASSERT_FALSE(fx.logs.empty());
  EXPECT_EQ(fx.logs[0].event, "security.author_mismatch");
  EXPECT_TRUE(arrivals(n51).empty());
  // Nothing was remembered of it: the same id from its real author is applied.
  auto from44 = records_between(44, 51, 1);
  core::Effects ok = n51.on_envelope(44, envelope_with_records(44, 51, 1, from44), kStartMs);
  EXPECT_TRUE(ok.closes.empty());
  EXPECT_EQ(arrivals(n51).size(), 1u);
}

// One message may carry at most kMaxItemsPerMessage items (a batch can be
// configured no larger): more is refused whole, before its signature is
// checked or any record read, with a rejection that says so; the boundary
// itself is taken. Alone or among others arriving together, the same.
TEST(NodeCore, AMessageWithMoreItemsThanAnyBatchIsRefusedWhole) {
  TempDir dir("core-too-many");
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44}), *store51);
  auto recs = records_between(44, 51, core::kMaxItemsPerMessage + 1);
  const std::string too_many = envelope_with_records(44, 51, 7, recs);
  for (bool together : {false, true}) {
    const std::string_view frames[] = {too_many};
    core::Effects fx =
        together ? n51.on_envelopes(44, frames, kStartMs) : n51.on_envelope(44, too_many, kStartMs);
    ASSERT_EQ(fx.closes.size(), 1u);
    ASSERT_EQ(fx.sends.size(), 1u);
    auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
    ASSERT_TRUE(reply.ok());
    ASSERT_TRUE(reply->root().getBody().isRejection());
    const std::string reason = reply->root().getBody().getRejection().getReason().cStr();
    EXPECT_NE(reason.find("10001 items"), std::string::npos) << reason;
    EXPECT_NE(reason.find("at most 10000"), std::string::npos) << reason;
    ASSERT_FALSE(fx.logs.empty());
    EXPECT_EQ(fx.logs[0].event, "message.too_many_items");
    EXPECT_TRUE(arrivals(n51).empty());
  }
  // Split at the boundary (same id: nothing of the refused one was kept).
  recs.pop_back();
  core::Effects fx = n51.on_envelope(44, envelope_with_records(44, 51, 7, recs), kStartMs);
  EXPECT_TRUE(fx.closes.empty());
  EXPECT_EQ(arrivals(n51).size(), core::kMaxItemsPerMessage);
}

// A message whose signature does not verify is refused before anything of it
// is applied or remembered: a bit flipped in a record, a signature by another
// node's key, no signature at all.
TEST(NodeCore, MessagesWithoutAValidSignatureAreRefused) {
  TempDir dir("core-sig");
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44}), *store51);
  auto recs = records_between(44, 51, 1);

  auto expect_refused = [&](const std::string& bytes, std::string_view why) {
    core::Effects fx = n51.on_envelope(44, bytes, kStartMs);
    ASSERT_EQ(fx.closes.size(), 1u) << why;
    ASSERT_FALSE(fx.logs.empty()) << why;
    EXPECT_EQ(fx.logs[0].event, "security.signature_invalid") << why;
    ASSERT_EQ(fx.sends.size(), 1u) << why;
    EXPECT_TRUE(
        core::DecodedEnvelope::decode(fx.sends[0].bytes, {})->root().getBody().isRejection())
        << why;
    EXPECT_TRUE(arrivals(n51).empty()) << why;
  };

  // Tampered after signing: a record field changed.
  {
    std::string good = envelope_with_records(44, 51, 9, recs);
    auto decoded = core::DecodedEnvelope::decode(good, {});
    capnp::MallocMessageBuilder b;
    b.setRoot(decoded->root());
    auto env = b.getRoot<wire::Envelope>();
    env.getBody().getMigrantBatch().getVersions()[0].getRecord().setMoveDate("20261001");
    expect_refused(core::serialize_message(b), "tampered record");
  }
  // Signed by 31's key while claiming 44 (44's link, author 44).
  {
    capnp::MallocMessageBuilder b;
    auto env = b.initRoot<wire::Envelope>();
    env.setMessageId(10);
    env.setAuthor(44);
    env.setDestination(51);
    env.setCreatedAtMs(kStartMs);
    auto v = env.initBody().initMigrantBatch().initVersions(1)[0];
    core::record_to_wire(recs[0], v.initRecord());
    v.setVersion(1);
    v.setAuthorNode(44);
    std::string bytes = testing::TestSigning::shared().sign(b, 31);
    expect_refused(bytes, "signed by another node");
  }
  // Not signed.
  {
    capnp::MallocMessageBuilder b;
    auto env = b.initRoot<wire::Envelope>();
    env.setMessageId(11);
    env.setAuthor(44);
    env.setDestination(51);
    env.initBody().initMigrantBatch().initVersions(0);
    expect_refused(core::serialize_message(b), "unsigned");
  }
  // The genuine message under the same id as the refused ones is applied.
  core::Effects fx = n51.on_envelope(44, envelope_with_records(44, 51, 9, recs), kStartMs);
  EXPECT_TRUE(fx.closes.empty());
  EXPECT_EQ(arrivals(n51).size(), 1u);
}

// SM2 with SM3 (signing.algorithm = "sm2-sm3") works end to end: 44 signs
// with an SM2 key, 51 verifies and applies; 51's replies stay ECDSA.
TEST(NodeCore, Sm2SignedMessagesAreVerifiedAndApplied) {
  TempDir dir("core-sm2");
  auto store44 = open_store(dir.sub("44"));
  auto store51 = open_store(dir.sub("51"));
  auto c44 = config_for(44, {51});
  c44.signer = testing::TestSigning::shared().signer(44, ca::KeyAlgorithm::sm2);
  ASSERT_EQ(c44.signer->algorithm(), wire::SignatureAlgorithm::SM2_SM3);
  core::NodeCore n44(c44, *store44);
  core::NodeCore n51(config_for(51, {44}), *store51);
  LossyNetwork net(3, NetworkFaults{});
  net.attach(n44);
  net.attach(n51);
  net.advance_to(kStartMs);
  auto recs = records_between(44, 51, 40);
  auto out = n44.submit_records(recs, {}, net.now());
  ASSERT_TRUE(out.ok());
  ASSERT_FALSE(out->effects.sends.empty());
  for (const auto& s : out->effects.sends) {
    EXPECT_EQ(core::DecodedEnvelope::decode(s.bytes, {})->root().getSignatureAlgorithm(),
              wire::SignatureAlgorithm::SM2_SM3);
  }
  net.apply(44, std::move(out->effects));
  net.run(net.now() + 60'000);
  EXPECT_EQ(arrivals(n51).size(), recs.size());
  EXPECT_EQ(*n44.outbox_depth(51), 0u);
  for (const auto& l : net.logs) EXPECT_EQ(l.event.event.rfind("security.", 0), std::string::npos);
}

// Records submitted one by one wait up to the linger for company, then go as
// one message; a full batch goes at once. The staged versions survive a
// restart and are sent by the next run.
TEST(NodeCore, BatchesWaitForTheLingerOrAFullBatch) {
  TempDir dir("core-linger");
  auto store44 = open_store(dir.sub("44"));
  auto recs = records_between(44, 51, 20);
  auto config = config_for(44, {51});
  config.max_records_per_message = 8;
  config.batch_linger_ms = 1'000;
  {
    core::NodeCore n44(config, *store44);
    n44.on_link_up(51, kStartMs);
    for (int i = 0; i < 5; ++i) {
      auto out = n44.submit_records(std::span(&recs[i], 1), {}, kStartMs + i);
      ASSERT_TRUE(out.ok());
      EXPECT_TRUE(out->effects.sends.empty());  // lingering
      ASSERT_TRUE(out->effects.wake_at_ms.has_value());
      EXPECT_EQ(*out->effects.wake_at_ms, kStartMs + 1'000);  // from the first staged
    }
    EXPECT_EQ(*n44.staged_count(51), 5u);
    // Ten more: one full batch of 8 goes now, 7 stay staged.
    auto out = n44.submit_records(std::span(recs.data() + 5, 10), {}, kStartMs + 10);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->effects.sends.size(), 1u);
    EXPECT_EQ(core::DecodedEnvelope::decode(out->effects.sends[0].bytes, {})
                  ->root()
                  .getBody()
                  .getMigrantBatch()
                  .getVersions()
                  .size(),
              8u);
    EXPECT_EQ(*n44.staged_count(51), 7u);
    n44.on_tick(kStartMs + 999);  // may retry the batch of 8; the 7 still linger
    EXPECT_EQ(*n44.staged_count(51), 7u);
  }
  // A restart: the staged versions wait one linger from when they are found.
  core::NodeCore again(config, *store44);
  again.on_link_up(51, kStartMs + 5'000);
  EXPECT_EQ(*again.staged_count(51), 7u);
  core::Effects late = again.on_tick(kStartMs + 6'000);
  std::size_t versions = 0;
  for (const auto& s : late.sends) {
    auto env = core::DecodedEnvelope::decode(s.bytes, {});
    if (env->root().getBody().isMigrantBatch())
      versions += env->root().getBody().getMigrantBatch().getVersions().size();
  }
  EXPECT_EQ(versions, 7u + 8u);  // the 7 staged, and the unacknowledged batch of 8 again
  EXPECT_EQ(*again.staged_count(51), 0u);
}

// Without a key (provctl store ingest works offline) records are stored and
// staged, never sent unsigned; the daemon signs them when it runs.
TEST(NodeCore, WithoutAKeyRecordsAreStagedNotSent) {
  TempDir dir("core-offline");
  auto store44 = open_store(dir.sub("44"));
  auto recs = records_between(44, 51, 3);
  core::CoreConfig offline;
  offline.self = 44;
  {
    core::NodeCore n44(offline, *store44);
    auto out = n44.submit_records(recs, {}, kStartMs);
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(out->effects.sends.empty());
    EXPECT_EQ(*n44.staged_count(51), 3u);
    EXPECT_EQ(*n44.outbox_depth(51), 0u);
  }
  core::NodeCore online(config_for(44, {51}), *store44);
  core::Effects fx = online.on_link_up(51, kStartMs + 10);
  ASSERT_EQ(fx.sends.size(), 1u);
  auto env = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
  EXPECT_EQ(env->root().getBody().getMigrantBatch().getVersions().size(), 3u);
  EXPECT_GT(env->root().getSignature().size(), 0u);
}

TEST(NodeCore, MalformedBytesCloseTheLinkAndChangeNothing) {
  TempDir dir("core-garbage");
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44}), *store51);
  synth::Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    std::string junk(8 * (1 + rng.below(32)), '\0');
    for (char& c : junk) c = static_cast<char>(rng.below(256));
    core::Effects fx = n51.on_envelope(44, junk, kStartMs);
    ASSERT_EQ(fx.closes.size(), 1u) << "iteration " << i;
    EXPECT_TRUE(fx.sends.empty());
  }
  // A valid message still works afterwards.
  auto recs = records_between(44, 51, 1);
  core::Effects fx = n51.on_envelope(44, envelope_with_records(44, 51, 5, recs), kStartMs);
  EXPECT_TRUE(fx.closes.empty());
  EXPECT_EQ(arrivals(n51).size(), 1u);
}

TEST(NodeCore, RoutesThroughNationalUnlessDirectPeer) {
  TempDir dir("core-route");
  auto s = open_store(dir.sub("44"));
  core::NodeCore n44(config_for(44, {35, 43}), *s);
  EXPECT_EQ(n44.next_hop(43), 43);
  EXPECT_EQ(n44.next_hop(51), 0);
  EXPECT_EQ(n44.next_hop(0), 0);
  auto s0 = open_store(dir.sub("00"));
  core::NodeCore n00(config_for(0, {}), *s0);
  EXPECT_EQ(n00.next_hop(51), 51);
}

TEST(NodeCore, ResubmittingUnchangedRecordsCreatesNoVersionAndSendsNothing) {
  TempDir dir("core-unchanged");
  auto s = open_store(dir.sub("44"));
  core::NodeCore n44(config_for(44, {51}), *s);
  n44.on_link_down(51, kStartMs);
  auto records = records_between(44, 51, 5);
  ASSERT_TRUE(n44.submit_records(records, {"op", "first"}, kStartMs).ok());
  auto again = n44.submit_records(records, {"op", "again"}, kStartMs + 1000);
  ASSERT_TRUE(again.ok());
  for (const auto& item : again->items) {
    EXPECT_TRUE(item.unchanged) << item.record_id;
    EXPECT_EQ(item.version, 1u);
  }
  EXPECT_EQ(*n44.outbox_depth(51), 1u);
  // A changed record becomes version 2, queued again; history keeps both.
  records[0].education = records[0].education == "61" ? "71" : "61";
  auto changed = n44.submit_records(records, {"op", "moved on"}, kStartMs + 2000);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->items[0].version, 2u);
  EXPECT_FALSE(changed->items[0].unchanged);
  EXPECT_TRUE(changed->items[1].unchanged);
  EXPECT_EQ(*n44.outbox_depth(51), 2u);
  auto txn = s->begin_read();
  EXPECT_EQ(store::record_history(*txn, records[0].record_id)->size(), 2u);
}

}  // namespace
}  // namespace provnet

namespace provnet {
namespace {

// Provinces outside each other's group go through the national node, which
// keeps a copy and forwards the author's envelope unchanged.
TEST(NodeCore, ThroughTheNationalNodeEveryRecordArrivesOnceAndNationalKeepsACopy) {
  TempDir dir("core-relay");
  auto s44 = open_store(dir.sub("44"));
  auto s00 = open_store(dir.sub("00"));
  auto s51 = open_store(dir.sub("51"));
  core::NodeCore n44(config_for(44, {}), *s44);
  core::NodeCore n00(config_for(0, {}), *s00);
  core::NodeCore n51(config_for(51, {}), *s51);
  LossyNetwork net(13, NetworkFaults{.drop = 0.3, .duplicate = 0.3});
  for (auto* n : {&n44, &n00, &n51}) net.attach(*n);
  net.advance_to(kStartMs);
  auto records = records_between(44, 51, 60);
  auto submitted = n44.submit_records(records, {"op", "x"}, net.now());
  ASSERT_TRUE(submitted.ok());
  net.apply(44, std::move(submitted->effects));
  net.run(kStartMs + 6 * 3'600'000);
  auto got = arrivals(n51);
  ASSERT_EQ(got.size(), records.size());
  for (const auto& [id, n] : got) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(*n44.outbox_depth(0), 0u);
  EXPECT_EQ(*n00.outbox_depth(51), 0u);
  auto txn = s00->begin_read();
  for (const auto& r : records) {
    EXPECT_EQ(store::latest_version(*txn, r.record_id)->value_or(0), 1u) << r.record_id;
  }
  EXPECT_TRUE(arrivals(n00).empty()) << "the national copy is not the national inbox";
}

// A rejected version is kept for the provincial system and resubmitting it
// sends it again (it is not "unchanged").
TEST(NodeCore, RejectionIsRecordedAndTheRecordCanBeSentAgain) {
  TempDir dir("core-rejected");
  auto s44 = open_store(dir.sub("44"));
  auto s00 = open_store(dir.sub("00"));
  core::NodeCore n44(config_for(44, {}), *s44);
  core::NodeCore n00(config_for(0, {}), *s00);
  LossyNetwork net(17, NetworkFaults{});
  net.attach(n44);
  net.attach(n00);
  net.advance_to(kStartMs);
  // A batch whose destination does not match its record: forged as 44's own
  // outbox entry would be, so the national node must refuse to relay it.
  auto for31 = records_between(44, 31, 1);
  std::string env = envelope_with_records(44, 51, 901, for31);
  core::Effects fx = n00.on_envelope(44, env, kStartMs);
  ASSERT_EQ(fx.sends.size(), 1u);
  auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
  ASSERT_TRUE(reply->root().getBody().isRejection());
  EXPECT_EQ(*n00.outbox_depth(51), 0u) << "relayed a record to a province it does not concern";

  // Through the cores: a version conflict makes the national node reject
  // what 44 sends. First version 1 arrives normally...
  auto records = records_between(44, 51, 1);
  auto first = n44.submit_records(records, {"op", "x"}, net.now());
  ASSERT_TRUE(first.ok());
  net.apply(44, std::move(first->effects));
  net.run(kStartMs + 600'000);
  ASSERT_EQ(*n44.outbox_depth(0), 0u);
  // 44's store is "restored" to a state without that version and submits
  // different content under the same version number: 00 refuses it.
  TempDir dir2("core-rejected-2");
  auto s44b = open_store(dir2.sub("44"));
  core::NodeCore n44b(config_for(44, {}), *s44b);
  net.attach(n44b);
  records[0].education = records[0].education == "61" ? "71" : "61";
  auto second = n44b.submit_records(records, {"op", "y"}, net.now());
  ASSERT_TRUE(second.ok());
  net.apply(44, std::move(second->effects));
  net.run(kStartMs + 1'200'000);
  EXPECT_EQ(*n44b.outbox_depth(0), 0u);
  auto inbox = n44b.inbox();
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].kind, "rejected");
  EXPECT_EQ((*inbox)[0].item_id, records[0].record_id);
  // Submitting the same content again is not "unchanged": it is queued again.
  auto third = n44b.submit_records(records, {"op", "z"}, net.now());
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->items[0].unchanged);
  EXPECT_EQ(third->items[0].version, 2u);
}

// After a store is restored from an older backup, new messages get new ids:
// the receiver does not mistake them for retries of what it already applied.
TEST(NodeCore, AfterRestoreFromBackupNewMessagesAreNotTakenForRetries) {
  TempDir dir("core-restore");
  auto s44 = open_store(dir.sub("44"));
  auto s51 = open_store(dir.sub("51"));
  auto n44 = std::make_unique<core::NodeCore>(config_for(44, {51}), *s44);
  core::NodeCore n51(config_for(51, {44}), *s51);
  LossyNetwork net(19, NetworkFaults{});
  net.attach(*n44);
  net.attach(n51);
  net.advance_to(kStartMs);
  ASSERT_TRUE(s44->copy_to(dir.sub("backup")).ok());
  auto a = records_between(44, 51, 2, 1);
  auto sa = n44->submit_records(a, {"op", "a"}, net.now());
  net.apply(44, std::move(sa->effects));
  net.run(kStartMs + 600'000);
  ASSERT_EQ(arrivals(n51).size(), 2u);
  // Restore 44 from the backup taken before batch A, then send batch B.
  n44.reset();
  s44.reset();
  auto restored = open_store(dir.sub("backup"));
  n44 = std::make_unique<core::NodeCore>(config_for(44, {51}), *restored);
  net.attach(*n44);
  net.advance_to(kStartMs + 700'000);
  auto b = records_between(44, 51, 2, 99);
  auto sb = n44->submit_records(b, {"op", "b"}, net.now());
  ASSERT_TRUE(sb.ok());
  net.apply(44, std::move(sb->effects));
  net.run(kStartMs + 1'800'000);
  EXPECT_EQ(arrivals(n51).size(), 4u);
  EXPECT_EQ(net.count_logs("message.duplicate"), 0u);
}

TEST(NodeCore, ADifferentMessageReusingAnAppliedIdIsNotAcknowledged) {
  TempDir dir("core-reuse");
  auto s51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44}), *s51);
  auto first = records_between(44, 51, 1, 1);
  auto other = records_between(44, 51, 1, 2);
  ASSERT_EQ(n51.on_envelope(44, envelope_with_records(44, 51, 5, first), kStartMs).sends.size(),
            1u);
  core::Effects fx = n51.on_envelope(44, envelope_with_records(44, 51, 5, other), kStartMs);
  EXPECT_TRUE(fx.sends.empty()) << "acknowledging would make the sender drop it";
  ASSERT_FALSE(fx.logs.empty());
  EXPECT_EQ(fx.logs[0].event, "message.id_reused");
  EXPECT_EQ(arrivals(n51).size(), 1u);
}

// Dates are judged by the receiver's clock, not by what the sender claims.
TEST(NodeCore, ReceiverJudgesDatesByItsOwnClock) {
  TempDir dir("core-clock");
  auto s51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44}), *s51);
  auto recs = records_between(44, 51, 1);
  recs[0].move_date = "20271201";  // in the future for the receiver
  capnp::MallocMessageBuilder b;
  auto env = b.initRoot<wire::Envelope>();
  env.setMessageId(1);
  env.setAuthor(44);
  env.setDestination(51);
  env.setCreatedAtMs(INT64_MAX);  // a sender claiming to live far ahead
  auto v = env.initBody().initMigrantBatch().initVersions(1)[0];
  core::record_to_wire(recs[0], v.initRecord());
  v.setVersion(1);
  v.setAuthorNode(44);
  core::Effects fx = n51.on_envelope(44, testing::TestSigning::shared().sign(b, 44), kStartMs);
  ASSERT_EQ(fx.sends.size(), 1u);
  EXPECT_TRUE(core::DecodedEnvelope::decode(fx.sends[0].bytes, {})->root().getBody().isRejection());
  EXPECT_TRUE(arrivals(n51).empty());
}

// A peer that answers slowly (a backlog) is not flooded with resends: after
// the first resends, the wait adapts to the link's reply time.
TEST(NodeCore, ResendsAdaptToASlowPeerInsteadOfDuplicatingItsBacklog) {
  TempDir dir("core-slow");
  auto s44 = open_store(dir.sub("44"));
  auto s51 = open_store(dir.sub("51"));
  core::CoreConfig c44 = config_for(44, {51});  // retry_initial_ms = 500
  c44.retry_max_ms = 60'000;
  core::NodeCore n44(c44, *s44);
  core::NodeCore n51(config_for(51, {44}), *s51);
  // Every envelope takes 2 to 2.5 s each way: a reply comes 4 to 5 s after sending.
  LossyNetwork net(11, NetworkFaults{.min_delay_ms = 2'000, .max_delay_ms = 2'500});
  net.attach(n44);
  net.attach(n51);
  net.advance_to(kStartMs);
  auto records = records_between(44, 51, 40);
  std::size_t retries_early = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto submitted = n44.submit_records(std::vector{records[i]}, {"op", "x"}, net.now());
    ASSERT_TRUE(submitted.ok());
    net.apply(44, std::move(submitted->effects));
    net.run(net.now() + 10'000);
    if (i == 9) retries_early = net.count_logs("message.retry");
  }
  net.run(net.now() + 600'000);
  EXPECT_EQ(arrivals(n51).size(), records.size());
  EXPECT_GT(retries_early, 0u) << "the first messages are resent before the reply time is known";
  EXPECT_EQ(net.count_logs("message.retry"), retries_early)
      << "once the reply time is known, no message is resent";
}

}  // namespace
}  // namespace provnet
