// Group commit through the real stack: a peer writes many signed messages in
// one go over TLS; the national node's sessions hand over the frames that
// are already there together and its core applies them in one transaction.
// Every message gets its own acknowledgement, in order, each record is
// stored once, and /metrics shows that groups were committed.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <regex>
#include <span>

#include "forged_envelope.hpp"
#include "generated_records.hpp"
#include "http_client.hpp"
#include "net/frame.hpp"
#include "node_network.hpp"
#include "store_table_counts.hpp"
#include "tls_test_client.hpp"

namespace provnet::testing {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t metric(const std::string& text, const std::string& name) {
  std::smatch m;
  const std::regex line(name + R"(\{node="00"\} (\d+))");
  if (!std::regex_search(text, m, line)) return 0;
  return std::stoull(m[1]);
}

TEST(GroupCommit, MessagesWrittenBackToBackAreAcknowledgedInOrderAndStoredOnce) {
  // 45 is a peer of the national node that no process runs: the test is 45.
  NetworkOptions options;
  options.extra_national_peers = {45};
  NodeNetwork net("group-commit", options);
  net.start_all();

  constexpr std::size_t kMessages = 40, kPerMessage = 25;
  // Records 45 reports concerning 44, sent to the national node itself (a
  // national copy): applied at 00, not relayed.
  const auto records = generate_records(45, 44, kMessages * kPerMessage, 0, 4501);
  const std::uint64_t first_id = static_cast<std::uint64_t>(now_ms()) * 1000;
  std::string all;
  for (std::size_t m = 0; m < kMessages; ++m) {
    std::span<const domain::MigrantRecord> part(records.data() + m * kPerMessage, kPerMessage);
    all +=
        net::frame(signed_migrant_batch(45, 0, first_id + m, part, net.credentials(45), now_ms()));
  }
  const NodeFiles identity = net.credentials(45);
  TlsTestClient client(
      {identity.certificate_path, identity.key_path, net.pki().ca_certificate_path()});
  const std::string handshake = client.connect(net.national_port());
  ASSERT_TRUE(handshake.empty()) << handshake;
  ASSERT_TRUE(client.write(all)) << "one write of " << all.size() << " bytes";

  for (std::size_t m = 0; m < kMessages; ++m) {
    const auto reply = client.read_frame();
    ASSERT_TRUE(reply) << "no reply to message " << m;
    auto decoded = core::DecodedEnvelope::decode(*reply, {});
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    auto body = decoded->root().getBody();
    ASSERT_TRUE(body.isAcknowledgements()) << "message " << m << " was not acknowledged";
    ASSERT_EQ(body.getAcknowledgements().size(), 1u);
    EXPECT_EQ(body.getAcknowledgements()[0].getMessageId(), first_id + m) << "out of order";
  }

  const HttpReply metrics = http_get(net.node(0).admin_port(), "/metrics");
  ASSERT_EQ(metrics.status, 200u) << metrics.error;
  const std::uint64_t groups = metric(metrics.body, "provnet_group_commits_total");
  const std::uint64_t grouped = metric(metrics.body, "provnet_messages_grouped_total");
  EXPECT_GE(groups, 1u) << "40 messages written at once, none applied together";
  EXPECT_GE(grouped, 2 * groups);
  EXPECT_LE(grouped, kMessages);
  std::cout << fmt::format("[ figures  ] {} messages in {} group commits ({} alone)\n", grouped,
                           groups, kMessages - grouped);
  client.close();

  const ExitStatus stopped = net.terminate(0);
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.text();
  const auto counts = store_table_counts(net.node(0).config.store_path);
  EXPECT_EQ(counts.at("records"), records.size()) << "every record once, none twice";
}

}  // namespace
}  // namespace provnet::testing
