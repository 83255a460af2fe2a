// Records submitted at one province reach the province they concern through
// the national node, each exactly once, in both directions at the same time:
// real provnode processes, real certificates, real stores.
#include <gtest/gtest.h>

#include <set>

#include "background_task.hpp"
#include "generated_records.hpp"
#include "node_network.hpp"

namespace provnet::testing {
namespace {

std::set<std::string> as_set(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

TEST(RecordsFlow, EachRecordArrivesExactlyOnceAtTheProvinceItConcernsBothWays) {
  NodeNetwork net("flow");
  net.start_all();

  // 31 reports 1500 records concerning 44 and 300 concerning other
  // provinces (queued at the national node for them); 44 reports 500
  // concerning 31 and 100 others, submitted at the same time.
  const auto from31 = generate_records(31, 44, 1500, 300, 3101);
  const auto from44 = generate_records(44, 31, 500, 100, 4401);
  BackgroundTask submit44([&] {
    for (auto chunk : chunks_of(from44, 100)) net.submit_ok(44, chunk);
  });
  for (auto chunk : chunks_of(from31, 100)) net.submit_ok(31, chunk);
  submit44.join();

  const auto for44 = as_set(ids_concerning(from31, 44));
  const auto for31 = as_set(ids_concerning(from44, 31));
  ASSERT_EQ(for44.size(), 1500u);
  ASSERT_EQ(for31.size(), 500u);

  const auto inbox44 = net.wait_delivered(44, for44, {31, 44});
  const auto inbox31 = net.wait_delivered(31, for31, {31, 44});
  // Exactly the records concerning each receiver, once each, version 1 of
  // the reporting province; none of those concerning other provinces.
  const ArrivalCheck at44 = check_arrivals(inbox44, for44, "31");
  EXPECT_TRUE(at44.exactly_once()) << at44.summary();
  const ArrivalCheck at31 = check_arrivals(inbox31, for31, "44");
  EXPECT_TRUE(at31.exactly_once()) << at31.summary();

  // Every hop logged what it applied or relayed, and nothing was refused.
  for (int code : {0, 31, 44}) {
    EXPECT_EQ(net.node(code).log.count("message.rejected"), 0u) << net.node(code).log.tail();
    EXPECT_EQ(net.node(code).log.count("security.author_mismatch"), 0u);
    EXPECT_EQ(net.node(code).log.count("security.signature_invalid"), 0u);
  }
  std::size_t applied_at44 = 0;
  for (const auto& e : net.node(44).log.named("message.applied")) {
    applied_at44 += std::stoul(field(e, "records"));
  }
  EXPECT_EQ(applied_at44, 1500u);
}

// signing.algorithm = "sm2-sm3": 31 signs with an SM2 key (its TLS stays
// ECDSA P-256); the national node and 44 verify SM2/SM3 signatures on the
// records relayed to them, while 44 signs with ECDSA: both kinds in one network.
TEST(RecordsFlow, Sm2SignedRecordsAreVerifiedAndArriveExactlyOnce) {
  NodeNetwork net("sm2");
  NodeCertificateOptions sm2;
  sm2.key_algorithm = ca::KeyAlgorithm::sm2;
  sm2.file_suffix = "-sm2";
  NodeFiles signing = net.credentials(31, sm2);
  TestNode& n31 = net.node(31);
  n31.config.signing_algorithm = "sm2-sm3";
  n31.config.signing_certificate = signing.certificate_path;
  n31.config.signing_private_key = signing.key_path;
  net.write_configs();
  net.start_all();

  const auto from31 = generate_records(31, 44, 300, 50, 3107);
  const auto from44 = generate_records(44, 31, 100, 0, 4402);
  for (auto chunk : chunks_of(from31, 100)) net.submit_ok(31, chunk);
  for (auto chunk : chunks_of(from44, 100)) net.submit_ok(44, chunk);
  const auto for44 = as_set(ids_concerning(from31, 44));
  const auto for31 = as_set(ids_concerning(from44, 31));
  const ArrivalCheck at44 = check_arrivals(net.wait_delivered(44, for44, {31, 44}), for44, "31");
  EXPECT_TRUE(at44.exactly_once()) << at44.summary();
  const ArrivalCheck at31 = check_arrivals(net.wait_delivered(31, for31, {31, 44}), for31, "44");
  EXPECT_TRUE(at31.exactly_once()) << at31.summary();

  const auto started = n31.log.named("node.started");
  ASSERT_FALSE(started.empty());
  EXPECT_EQ(field(started.back(), "signing"), "sm2-sm3");
  for (int code : {0, 31, 44}) {
    EXPECT_EQ(net.node(code).log.count("security.signature_invalid"), 0u)
        << net.node(code).log.tail();
  }
}

}  // namespace
}  // namespace provnet::testing
