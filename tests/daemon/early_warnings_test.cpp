// The early warnings: the checks as pure functions of numbers and time, the
// log events they give, and EarlyWarnings on real certificates of a test CA
// with short validity and on a real store with a small map.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ca/certificates.hpp"
#include "daemon/early_warnings.hpp"
#include "store/keys.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet {
namespace {

using daemon::Severity;
using testing::kSecondsPerDay;

constexpr std::int64_t kNow = 1'800'000'000;  // a fixed "now" for the pure checks

daemon::CertificateFacts facts(std::string role, std::int64_t not_after) {
  return daemon::CertificateFacts{std::move(role), "/etc/provnet/node-31.pem", "3A5F", not_after};
}

std::string field(const core::LogEvent& e, std::string_view name) {
  for (const auto& [k, v] : e.fields) {
    if (k == name) return v;
  }
  return "(absent)";
}

TEST(EarlyWarnings, ACertificateWarnsWithinTheWarningDaysAndIsAnErrorFromItsNotAfter) {
  const daemon::OpsConfig limits;  // 30 days
  auto check = [&](std::int64_t left) {
    return daemon::check_certificate_expiry(facts("node", kNow + left), kNow, limits);
  };
  EXPECT_EQ(check(31 * kSecondsPerDay).severity, Severity::ok);
  EXPECT_EQ(check(30 * kSecondsPerDay).severity, Severity::ok);
  EXPECT_EQ(check(30 * kSecondsPerDay - 1).severity, Severity::warn);
  EXPECT_EQ(check(30 * kSecondsPerDay - 1).days_left(), 29);
  EXPECT_EQ(check(5 * kSecondsPerDay + 3600).days_left(), 5);
  EXPECT_EQ(check(1).severity, Severity::warn);
  EXPECT_EQ(check(1).days_left(), 0);
  // OpenSSL counts the second of notAfter as expired already.
  EXPECT_EQ(check(0).severity, Severity::error);
  EXPECT_EQ(check(-1).severity, Severity::error);
  EXPECT_EQ(check(-1).days_left(), -1);
  EXPECT_EQ(check(-1).seconds_left, -1);

  daemon::OpsConfig week;
  week.certificate_warning_days = 7;
  EXPECT_EQ(
      daemon::check_certificate_expiry(facts("ca", kNow + 8 * kSecondsPerDay), kNow, week).severity,
      Severity::ok);
  EXPECT_EQ(
      daemon::check_certificate_expiry(facts("ca", kNow + 6 * kSecondsPerDay), kNow, week).severity,
      Severity::warn);
}

TEST(EarlyWarnings, TheStoreWarnsAboveItsPercentOfTheMap) {
  const daemon::OpsConfig limits;  // 80 %
  EXPECT_EQ(daemon::check_store_usage(80, 100, limits).severity, Severity::ok);
  EXPECT_EQ(daemon::check_store_usage(81, 100, limits).severity, Severity::warn);
  EXPECT_DOUBLE_EQ(daemon::check_store_usage(81, 100, limits).used_ratio, 0.81);
  // Large maps in exact integer arithmetic.
  const std::uint64_t map = 100ull << 37;  // 12.5 TiB, a multiple of 100
  EXPECT_EQ(daemon::check_store_usage(map / 100 * 80, map, limits).severity, Severity::ok);
  EXPECT_EQ(daemon::check_store_usage(map / 100 * 80 + 1, map, limits).severity, Severity::warn);
  EXPECT_EQ(daemon::check_store_usage(0, 0, limits).severity, Severity::ok);
  daemon::OpsConfig half;
  half.store_warning_percent = 50;
  EXPECT_EQ(daemon::check_store_usage(51, 100, half).severity, Severity::warn);
}

TEST(EarlyWarnings, TheDiskWarnsBelowItsShareOrItsBytesWhicheverComesFirst) {
  const daemon::OpsConfig limits;  // 10 % or 1 GiB
  constexpr std::uint64_t kGiB = 1ull << 30;
  // A large disk: by its share.
  EXPECT_EQ(daemon::check_disk_space(10 * kGiB, 100 * kGiB, limits).severity, Severity::ok);
  EXPECT_EQ(daemon::check_disk_space(10 * kGiB - 1, 100 * kGiB, limits).severity, Severity::warn);
  // A small disk: by its bytes, though half of it is free.
  EXPECT_EQ(daemon::check_disk_space(kGiB - 1, 2 * kGiB, limits).severity, Severity::warn);
  EXPECT_EQ(daemon::check_disk_space(kGiB, 2 * kGiB, limits).severity, Severity::ok);
  EXPECT_DOUBLE_EQ(daemon::check_disk_space(kGiB, 2 * kGiB, limits).free_ratio, 0.5);
  // Either rule off.
  daemon::OpsConfig bytes_only;
  bytes_only.disk_warning_free_percent = 0;
  EXPECT_EQ(daemon::check_disk_space(2 * kGiB, 100 * kGiB, bytes_only).severity, Severity::ok);
  daemon::OpsConfig off;
  off.disk_warning_free_percent = 0;
  off.disk_warning_free_bytes = 0;
  EXPECT_EQ(daemon::check_disk_space(0, 100 * kGiB, off).severity, Severity::ok);
}

TEST(EarlyWarnings, EachFindingThatIsNotOkBecomesOneLogEvent) {
  const daemon::OpsConfig limits;
  daemon::EarlyWarningReport all_well;
  all_well.certificates.push_back(
      daemon::check_certificate_expiry(facts("node", kNow + 90 * kSecondsPerDay), kNow, limits));
  all_well.store = daemon::check_store_usage(10, 100, limits);
  all_well.disk = daemon::check_disk_space(50ull << 30, 100ull << 30, limits);
  EXPECT_TRUE(daemon::warning_events(all_well).empty());
  EXPECT_TRUE(daemon::warnings_json(all_well).empty());

  daemon::EarlyWarningReport report = all_well;
  report.certificates.push_back(daemon::check_certificate_expiry(
      facts("signing", kNow + 12 * kSecondsPerDay + 60), kNow, limits));
  report.certificates.push_back(
      daemon::check_certificate_expiry(facts("ca", kNow - 2 * kSecondsPerDay), kNow, limits));
  report.store = daemon::check_store_usage(90, 100, limits);
  report.disk = daemon::check_disk_space(1, 100ull << 30, limits);
  report.unmeasured.push_back("the store's map use: store x: reading statistics failed");
  const auto events = daemon::warning_events(report);
  ASSERT_EQ(events.size(), 5u);

  EXPECT_EQ(events[0].event, "certificate.expiring");
  EXPECT_EQ(events[0].level, core::LogLevel::warn);
  EXPECT_EQ(field(events[0], "certificate"), "signing");
  EXPECT_EQ(field(events[0], "days_left"), "12");
  EXPECT_EQ(field(events[0], "serial"), "3A5F");
  EXPECT_NE(field(events[0], "reason").find("in 12 days"), std::string::npos);

  EXPECT_EQ(events[1].event, "certificate.expiring");
  EXPECT_EQ(events[1].level, core::LogLevel::error);
  EXPECT_EQ(field(events[1], "certificate"), "ca");
  EXPECT_EQ(field(events[1], "days_left"), "-2");
  EXPECT_NE(field(events[1], "reason").find("expired on"), std::string::npos);

  EXPECT_EQ(events[2].event, "store.nearly_full");
  EXPECT_EQ(events[2].level, core::LogLevel::warn);
  EXPECT_EQ(field(events[2], "used_bytes"), "90");
  EXPECT_EQ(field(events[2], "map_size_bytes"), "100");
  EXPECT_NE(field(events[2], "reason").find("store.map_size_mib"), std::string::npos);

  EXPECT_EQ(events[3].event, "disk.nearly_full");
  EXPECT_EQ(field(events[3], "free_bytes"), "1");

  EXPECT_EQ(events[4].event, "ops.check_failed");
  EXPECT_EQ(events[4].level, core::LogLevel::warn);

  const auto json = daemon::warnings_json(report);
  ASSERT_EQ(json.size(), 5u);
  EXPECT_EQ(json[1]["event"], "certificate.expiring");
  EXPECT_EQ(json[1]["level"], "error");
  EXPECT_EQ(json[2]["message"], field(events[2], "reason"));
}

TEST(EarlyWarnings, MetricsGiveEachMeasure) {
  const daemon::OpsConfig limits;
  daemon::EarlyWarningReport report;
  report.certificates.push_back(
      daemon::check_certificate_expiry(facts("node", kNow + 100), kNow, limits));
  report.store = daemon::check_store_usage(25, 100, limits);
  report.disk = daemon::check_disk_space(5ull << 30, 10ull << 30, limits);
  const std::string text = daemon::warnings_metrics(report, "31");
  EXPECT_NE(text.find("# TYPE provnet_certificate_expiry_seconds gauge\n"), std::string::npos);
  EXPECT_NE(text.find("provnet_certificate_expiry_seconds{node=\"31\",certificate=\"node\","
                      "serial=\"3A5F\"} 100\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("provnet_store_used_ratio{node=\"31\"} 0.25\n"), std::string::npos) << text;
  EXPECT_NE(text.find("provnet_store_map_size_bytes{node=\"31\"} 100\n"), std::string::npos);
  EXPECT_NE(text.find("provnet_disk_free_bytes{node=\"31\"} 5368709120\n"), std::string::npos);
  EXPECT_NE(text.find("provnet_disk_size_bytes{node=\"31\"} 10737418240\n"), std::string::npos);
  EXPECT_NE(text.find("provnet_warnings{node=\"31\"} 1\n"), std::string::npos) << text;
}

// The whole round on real files: a node certificate from the test CA that
// expires in five days, an expired signing certificate, the CA itself
// (ten years: fine) and a store with a small map filled past 80 %.
TEST(EarlyWarnings, RealCertificatesWithShortValidityAndASmallStoreMapAreReported) {
  testing::TempDir dir("early-warnings");
  testing::TestPki pki(dir.path() / "pki");
  testing::NodeCertificateOptions five_days;
  five_days.not_after_offset_s = 5 * kSecondsPerDay;
  const testing::NodeFiles node = pki.issue_node(31, five_days);
  testing::NodeCertificateOptions expired;
  expired.not_before_offset_s = -10 * kSecondsPerDay;
  expired.not_after_offset_s = -kSecondsPerDay;
  expired.file_suffix = "-signing";
  const testing::NodeFiles signing = pki.issue_node(31, expired);

  daemon::NodeConfig config;
  config.code = 31;
  config.store_path = dir.sub("store");
  config.map_size_bytes = 1ull << 20;  // 1 MiB
  config.tls_certificate = node.certificate_path;
  config.tls_private_key = node.key_path;
  config.tls_ca = pki.ca_certificate_path();
  config.signing_certificate = signing.certificate_path;
  config.signing_private_key = signing.key_path;

  store::StoreOptions options;
  options.path = config.store_path;
  options.map_size_bytes = config.map_size_bytes;
  auto opened = store::Store::open(options);
  ASSERT_TRUE(opened) << opened.error().message;
  store::Store& s = **opened;

  daemon::EarlyWarnings warnings(config, s);
  const std::int64_t now_ms = pki.now_unix() * 1000;
  daemon::EarlyWarningReport fresh = warnings.check(now_ms);
  ASSERT_EQ(fresh.certificates.size(), 3u);
  ASSERT_TRUE(fresh.store);
  EXPECT_EQ(fresh.store->severity, Severity::ok);
  EXPECT_EQ(fresh.store->map_size_bytes, 1u << 20);
  ASSERT_TRUE(fresh.disk);
  EXPECT_GT(fresh.disk->size_bytes, 0u);
  EXPECT_TRUE(fresh.unmeasured.empty());

  // Fill the map past 80 %, well short of full.
  std::string value(2000, 'x');
  for (std::uint64_t i = 0;; ++i) {
    auto stats = s.stats();
    ASSERT_TRUE(stats) << stats.error().message;
    if (stats->used_bytes * 100 > stats->map_size_bytes * 85) break;
    auto txn = s.begin_write();
    ASSERT_TRUE(txn);
    std::string key;
    store::keys::append_u64(key, i);
    ASSERT_TRUE(txn->put(store::Table::inbox, key, value));
    ASSERT_TRUE(txn->commit());
  }

  const daemon::EarlyWarningReport report = warnings.check(now_ms);
  std::map<std::string, daemon::CertificateExpiry> by_role;
  for (const auto& c : report.certificates) by_role.emplace(c.certificate.role, c);
  ASSERT_EQ(by_role.count("node"), 1u);
  EXPECT_EQ(by_role.at("node").severity, Severity::warn);
  EXPECT_EQ(by_role.at("node").days_left(), 5);
  auto certificate = ca::read_certificate_file(node.certificate_path);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(by_role.at("node").certificate.serial, ca::certificate_serial_hex(certificate->get()));
  EXPECT_EQ(by_role.at("signing").severity, Severity::error);
  EXPECT_EQ(by_role.at("ca").severity, Severity::ok);
  ASSERT_TRUE(report.store);
  EXPECT_EQ(report.store->severity, Severity::warn);

  std::vector<std::string> events;
  for (const auto& e : daemon::warning_events(report)) {
    events.push_back(e.event + "/" + std::string(core::log_level_text(e.level)) + "/" +
                     field(e, "certificate"));
  }
  EXPECT_EQ(events.size() - (report.disk->severity == Severity::ok ? 0 : 1), 3u);
  EXPECT_EQ(events[0], "certificate.expiring/warn/node");
  EXPECT_EQ(events[1], "certificate.expiring/error/signing");
  EXPECT_EQ(events[2], "store.nearly_full/warn/(absent)");

  const auto ops = daemon::operations_json(report);
  EXPECT_EQ(ops["store"]["state"], "nearly_full");
  EXPECT_EQ(ops["certificates"][0]["state"], "expiring");
  EXPECT_EQ(ops["certificates"][1]["state"], "expired");
  EXPECT_EQ(ops["certificates"][2]["state"], "ok");
}

}  // namespace
}  // namespace provnet
