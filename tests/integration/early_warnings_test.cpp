// The early warnings from a running provnode: province 31 runs with a
// certificate that expires in three days and a store whose small map is
// already past its warning share. It logs certificate.expiring and
// store.nearly_full at start and again at every check (every second here),
// and /metrics and /v1/status show the same.
#include <gtest/gtest.h>

#include <regex>

#include <fmt/format.h>

#include "ca/certificates.hpp"
#include "node_network.hpp"

namespace provnet::testing {
namespace {

TEST(EarlyWarnings, ANodeWarnsOfItsExpiringCertificateAndFullStoreInLogMetricsAndStatus) {
  NetworkOptions options;
  options.provinces = {31};
  NodeNetwork net("early-warnings", options);
  NodeCertificateOptions three_days;
  three_days.not_after_offset_s = 3 * kSecondsPerDay;
  three_days.file_suffix = "-short";
  const NodeFiles short_lived = net.pki().issue_node(31, three_days);
  auto certificate = ca::read_certificate_file(short_lived.certificate_path);
  ASSERT_TRUE(certificate) << certificate.error().message;
  const std::string serial = ca::certificate_serial_hex(certificate->get());
  TestNode& n = net.node(31);
  n.config.certificate = short_lived.certificate_path;
  n.config.private_key = short_lived.key_path;
  n.config.map_size_mib = 1;
  n.config.extra_toml = "[ops]\nstore_warning_percent = 1\ncheck_interval_s = 1\n";
  net.write_configs();
  net.start_all();

  // At start, then again at the next check.
  bool repeated = wait_until([&] {
    return n.log.count("certificate.expiring") >= 2 && n.log.count("store.nearly_full") >= 2;
  });
  ASSERT_TRUE(repeated) << n.log.tail();
  const auto expiring = n.log.named("certificate.expiring");
  const nlohmann::json& first = expiring.front();
  EXPECT_EQ(first.value("level", ""), "warn") << first.dump();
  EXPECT_EQ(first.value("certificate", ""), "node") << first.dump();
  EXPECT_EQ(first.value("serial", ""), serial) << first.dump();
  // Three days from when the test made it, less the moments since.
  EXPECT_TRUE(first.value("days_left", "") == "3" || first.value("days_left", "") == "2")
      << first.dump();
  const auto full = n.log.named("store.nearly_full");
  EXPECT_EQ(full.front().value("level", ""), "warn");
  EXPECT_EQ(full.front().value("map_size_bytes", ""), std::to_string(1 << 20));
  // The national node's store has room: nothing to say of it.
  EXPECT_EQ(net.node(0).log.count("store.nearly_full"), 0u);

  const HttpReply metrics = http_get(n.admin_port(), "/metrics");
  ASSERT_EQ(metrics.status, 200u) << metrics.describe();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      metrics.body, m,
      std::regex(fmt::format(R"(provnet_certificate_expiry_seconds\{{node="31",certificate="node",)"
                             R"(serial="{}"\}} (\d+)\n)",
                             serial))))
      << metrics.body;
  const std::int64_t seconds_left = std::stoll(m[1]);
  EXPECT_GT(seconds_left, 2 * kSecondsPerDay);
  EXPECT_LE(seconds_left, 3 * kSecondsPerDay);
  EXPECT_NE(metrics.body.find("provnet_store_map_size_bytes{node=\"31\"} 1048576\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("provnet_store_used_ratio{node=\"31\"} 0."), std::string::npos);
  EXPECT_NE(metrics.body.find("provnet_disk_free_bytes{node=\"31\"} "), std::string::npos);
  ASSERT_TRUE(
      std::regex_search(metrics.body, m, std::regex(R"(provnet_warnings\{node="31"\} (\d+))")))
      << metrics.body;
  EXPECT_GE(std::stoi(m[1]), 2);

  const nlohmann::json status = net.status(31);
  std::set<std::string> events;
  for (const auto& w : status.at("warnings")) events.insert(w.at("event").get<std::string>());
  EXPECT_TRUE(events.count("certificate.expiring")) << status.dump(2);
  EXPECT_TRUE(events.count("store.nearly_full")) << status.dump(2);
  EXPECT_EQ(status.at("operations").at("store").at("state"), "nearly_full");
  const auto& certificates = status.at("operations").at("certificates");
  ASSERT_FALSE(certificates.empty());
  EXPECT_EQ(certificates[0].at("certificate"), "node");
  EXPECT_EQ(certificates[0].at("serial"), serial);
  EXPECT_EQ(certificates[0].at("state"), "expiring");
}

}  // namespace
}  // namespace provnet::testing
