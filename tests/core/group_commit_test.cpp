// Group commit: envelopes that arrive together on one link are applied in one
// write transaction (NodeCore::on_envelopes). Each message's outcome must be
// what it would have been alone; only the number of commits differs.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <map>
#include <string>
#include <vector>

#include "core/core_fixtures.hpp"
#include "core/node_core.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "support/temp_dir.hpp"
#include "support/test_signing.hpp"

namespace provnet {
namespace {

using testing::TempDir;
using namespace testing;

// What a reply says, for comparing outcomes: "ack <id>" or "rejection <id>
// items=<n> retry=<n>".
std::string reply_summary(const std::string& bytes) {
  auto reply = core::DecodedEnvelope::decode(bytes, {});
  if (!reply.ok()) return "undecodable";
  auto body = reply->root().getBody();
  if (body.isAcknowledgements()) {
    std::string out;
    for (auto ack : body.getAcknowledgements()) out += fmt::format("ack {} ", ack.getMessageId());
    return out;
  }
  if (body.isRejection()) {
    auto rej = body.getRejection();
    return fmt::format("rejection {} items={} retry={}", rej.getMessageId(), rej.getItems().size(),
                       rej.getRetryItems().size());
  }
  return "other";
}

std::vector<std::string> replies_to(const core::Effects& fx, domain::ProvinceCode peer) {
  std::vector<std::string> out;
  for (const core::SendEnvelope& s : fx.sends) {
    if (s.peer == peer) out.push_back(reply_summary(s.bytes));
  }
  return out;
}

// Messages from 44 to 51: `count` of them with `per_message` records each.
std::vector<std::string> messages_from_44(std::size_t count, std::size_t per_message,
                                          std::uint64_t first_id = 100) {
  auto records = records_between(44, 51, count * per_message, 11);
  std::vector<std::string> out;
  for (std::size_t m = 0; m < count; ++m) {
    std::vector<domain::MigrantRecord> part(records.begin() + m * per_message,
                                            records.begin() + (m + 1) * per_message);
    out.push_back(envelope_with_records(44, 51, first_id + m, part));
  }
  return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& frames) {
  return {frames.begin(), frames.end()};
}

std::uint64_t commits(store::Store& s) {
  return s.commit_stats().commits;
}

TEST(GroupCommit, MessagesThatArriveTogetherAreAppliedInOneCommitAndEachIsAcknowledged) {
  TempDir dir("group");
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44}), *store51);
  auto frames = messages_from_44(6, 5);
  const std::uint64_t before = commits(*store51);
  core::Effects fx = n51.on_envelopes(44, views(frames), kStartMs);
  EXPECT_EQ(commits(*store51) - before, 1u) << "six messages, one transaction";
  EXPECT_TRUE(fx.closes.empty());
  EXPECT_EQ(replies_to(fx, 44), (std::vector<std::string>{"ack 100 ", "ack 101 ", "ack 102 ",
                                                          "ack 103 ", "ack 104 ", "ack 105 "}));
  auto got = arrivals(n51);
  EXPECT_EQ(got.size(), 30u);
  for (const auto& [id, n] : got) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(n51.counters().messages_applied, 6u);
  EXPECT_EQ(n51.counters().group_commits, 1u);
  EXPECT_EQ(n51.counters().messages_grouped, 6u);
  auto chain = n51.verify_audit_chain();
  ASSERT_TRUE(chain.ok());
  EXPECT_FALSE(chain->problem.has_value()) << chain->problem->message;
  EXPECT_EQ(chain->entries, 6u) << "one RECEIVED entry a message";
}

// The same frames once as a group and once one by one, at two receivers:
// the same replies, the same arrivals, the same counters.
TEST(GroupCommit, AGroupHasTheSameOutcomeAsItsMessagesOneByOne) {
  TempDir dir("group-same");
  auto a = open_store(dir.sub("a"));
  auto b = open_store(dir.sub("b"));
  core::NodeCore grouped(config_for(51, {44}), *a);
  core::NodeCore alone(config_for(51, {44}), *b);
  auto frames = messages_from_44(4, 3);
  // A message with one record that does not concern 51 (rejected item), a
  // retry of an earlier message inside the group, and a message claiming
  // another author in the middle (refused; the link closes).
  auto for31 = records_between(44, 31, 1, 5);
  auto for51 = records_between(44, 51, 1, 5);
  frames.insert(frames.begin() + 2, envelope_with_records(44, 51, 200, {for51[0], for31[0]}));
  frames.push_back(frames[0]);
  frames.insert(frames.begin() + 4, envelope_with_records(31, 51, 300, records_between(31, 51, 1)));

  core::Effects together = grouped.on_envelopes(44, views(frames), kStartMs);
  core::Effects one_by_one;
  for (const std::string& f : frames) one_by_one.append(alone.on_envelope(44, f, kStartMs));

  EXPECT_EQ(replies_to(together, 44), replies_to(one_by_one, 44));
  EXPECT_EQ(together.closes.size(), one_by_one.closes.size());
  EXPECT_EQ(arrivals(grouped), arrivals(alone));
  EXPECT_EQ(arrivals(grouped).size(), 4u * 3 + 1);
  EXPECT_EQ(grouped.counters().messages_applied, alone.counters().messages_applied);
  EXPECT_EQ(grouped.counters().messages_rejected, alone.counters().messages_rejected);
  EXPECT_EQ(grouped.counters().messages_rejected, 1u);
  // The retry got the same reply as the first time.
  auto replies = replies_to(together, 44);
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back(), "ack 100 ");
  EXPECT_LT(commits(*a), commits(*b));
}

// A message that passes its signature check but is malformed deep inside (a
// text without its NUL) makes the group's transaction fail: nothing of the
// group is kept from that attempt, then each message is taken alone - the
// sound ones are applied, the malformed one closes the link.
TEST(GroupCommit, AMalformedMessageInAGroupLosesNoneOfTheOthers) {
  TempDir dir("group-bad");
  auto store51 = open_store(dir.sub("51"));
  core::NodeCore n51(config_for(51, {44}), *store51);
  auto frames = messages_from_44(3, 4);
  {
    capnp::MallocMessageBuilder b;
    auto env = b.initRoot<wire::Envelope>();
    env.setMessageId(150);
    env.setAuthor(44);
    env.setDestination(51);
    env.setCreatedAtMs(kStartMs);
    auto versions = env.initBody().initMigrantBatch().initVersions(1);
    core::record_to_wire(records_between(44, 51, 1, 9)[0], versions[0].initRecord());
    versions[0].setVersion(1);
    versions[0].setAuthorNode(44);
    auto id = versions[0].getRecord().getRecordId();
    id.begin()[id.size()] = 'x';  // the NUL that ends the text
    frames.insert(frames.begin() + 1, TestSigning::shared().sign(b, 44));
  }
  core::Effects fx = n51.on_envelopes(44, views(frames), kStartMs);
  EXPECT_EQ(replies_to(fx, 44), (std::vector<std::string>{"ack 100 ", "ack 101 ", "ack 102 "}));
  ASSERT_EQ(fx.closes.size(), 1u);
  EXPECT_EQ(fx.closes[0].peer, 44);
  bool malformed_logged = false;
  for (const core::LogEvent& e : fx.logs) malformed_logged |= e.event == "frame.malformed";
  EXPECT_TRUE(malformed_logged);
  EXPECT_EQ(arrivals(n51).size(), 12u);
  EXPECT_EQ(n51.counters().messages_applied, 3u) << "counters of the failed attempt undone";
  auto chain = n51.verify_audit_chain();
  ASSERT_TRUE(chain.ok());
  EXPECT_FALSE(chain->problem.has_value());
  EXPECT_EQ(chain->entries, 3u);
}

// The national node relays a group for 51 in one commit and queues each
// message on 51's link, in the order they came.
TEST(GroupCommit, TheNationalNodeRelaysAGroupInOrder) {
  TempDir dir("group-relay");
  auto store00 = open_store(dir.sub("00"));
  core::NodeCore n00(config_for(0, {44, 51}), *store00);
  (void)n00.on_link_up(44, kStartMs);
  (void)n00.on_link_up(51, kStartMs);
  auto frames = messages_from_44(5, 2);
  const std::uint64_t before = commits(*store00);
  core::Effects fx = n00.on_envelopes(44, views(frames), kStartMs);
  EXPECT_EQ(replies_to(fx, 44).size(), 5u);
  // One commit for the group; pumping the link may take its own.
  EXPECT_GE(commits(*store00) - before, 1u);
  EXPECT_LE(commits(*store00) - before, 2u);
  std::vector<std::uint64_t> relayed;
  for (const core::SendEnvelope& s : fx.sends) {
    if (s.peer != 51) continue;
    auto env = core::DecodedEnvelope::decode(s.bytes, {});
    ASSERT_TRUE(env.ok());
    EXPECT_EQ(s.bytes, frames[relayed.size()]) << "forwarded unchanged";
    relayed.push_back(env->root().getMessageId());
  }
  // The in-flight bound of the link (4 in the fixture) applies.
  EXPECT_EQ(relayed, (std::vector<std::uint64_t>{100, 101, 102, 103}));
  EXPECT_EQ(*n00.outbox_depth(51), 5u) << "kept until 51 acknowledges";
}

}  // namespace
}  // namespace provnet
