// provnode's configuration: every problem is reported with its key, and a
// good file gives the values it says.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "daemon/node_config.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet {
namespace {

using testing::TempDir;
using testing::TestPki;

struct ConfigFixture {
  TempDir dir{"config"};
  TestPki pki{dir.path() / "pki"};

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir.sub(name);
    std::ofstream(path) << text;
    return path;
  }

  // A valid province configuration for `code`, with `extra` appended.
  std::string province(domain::ProvinceCode code, const std::string& extra = "") {
    auto files = pki.issue_node(code);
    return fmt::format(R"([node]
code = "{:02}"
role = "province"
[store]
path = "store"
map_size_mib = 64
[listen]
address = "127.0.0.1:7031"
[admin]
address = "127.0.0.1:8031"
[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"
[[peers]]
code = "00"
address = "127.0.0.1:7000"
{})",
                       code, files.certificate_path, files.key_path, pki.ca_certificate_path(),
                       extra);
  }

  daemon::ConfigCheck load(const std::string& text) {
    return daemon::load_node_config(write("node.toml", text));
  }
};

bool mentions(const daemon::ConfigCheck& c, std::string_view a, std::string_view b = "") {
  for (const std::string& p : c.problems) {
    if (p.find(a) != std::string::npos && p.find(b) != std::string::npos) return true;
  }
  return false;
}

std::string all(const daemon::ConfigCheck& c) {
  std::string out;
  for (const auto& p : c.problems) out += p + "\n";
  return out;
}

TEST(NodeConfig, AGoodFileGivesItsValues) {
  ConfigFixture f;
  auto c = f.load(f.province(31, R"([delivery]
batch_max_records = 200
batch_linger_ms = 5
[log]
level = "debug"
file = "node.log"
)"));
  ASSERT_TRUE(c.config) << all(c);
  EXPECT_EQ(c.config->code, 31);
  EXPECT_FALSE(c.config->national);
  EXPECT_EQ(c.config->map_size_bytes, 64ull << 20);
  EXPECT_EQ(c.config->store_path, f.dir.sub("store"));  // relative to the file
  EXPECT_EQ(c.config->log_file, f.dir.sub("node.log"));
  EXPECT_EQ(c.config->batch_max_records, 200u);
  EXPECT_EQ(c.config->batch_linger_ms, 5);
  ASSERT_EQ(c.config->peers.size(), 1u);
  EXPECT_EQ(c.config->peers[0].code, 0);
  ASSERT_TRUE(c.config->peers[0].address);
  EXPECT_EQ(c.config->peers[0].address->port, "7000");
  EXPECT_EQ(c.config->signing_certificate, c.config->tls_certificate);
}

TEST(NodeConfig, LogRotationHasDefaultsAndTakesMaxSizeAndKeep) {
  ConfigFixture f;
  auto defaults = f.load(f.province(31, "[log]\nfile = \"node.log\"\n"));
  ASSERT_TRUE(defaults.config) << all(defaults);
  EXPECT_EQ(defaults.config->log_max_size_bytes, 100ull << 20);
  EXPECT_EQ(defaults.config->log_keep, 5u);

  auto set = f.load(f.province(31, "[log]\nfile = \"node.log\"\nmax_size = 1048576\nkeep = 12\n"));
  ASSERT_TRUE(set.config) << all(set);
  EXPECT_EQ(set.config->log_max_size_bytes, 1048576u);
  EXPECT_EQ(set.config->log_keep, 12u);

  // 0: the node never rotates (logrotate does, and sends SIGHUP).
  auto off = f.load(f.province(31, "[log]\nfile = \"node.log\"\nmax_size = 0\n"));
  ASSERT_TRUE(off.config) << all(off);
  EXPECT_EQ(off.config->log_max_size_bytes, 0u);
}

TEST(NodeConfig, BadLogRotationValuesNameTheKeyAndWhatWasExpected) {
  ConfigFixture f;
  struct Case {
    std::string lines;
    std::string key;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"max_size = \"100MiB\"", "log.max_size", "found a string; expected a number of bytes"},
      {"max_size = -1", "log.max_size", "-1 is out of range; expected a number of bytes, 0"},
      {"max_size = 100", "log.max_size", "100 is out of range; expected a number of bytes, 0"},
      {"max_size = 2199023255552", "log.max_size", "out of range"},
      {"max_size = 1.5", "log.max_size", "found a float"},
      {"keep = 0", "log.keep", "0 is out of range; expected how many rotated files to keep, 1 to"},
      {"keep = 5000", "log.keep", "5000 is out of range"},
      {"keep = \"five\"", "log.keep", "found a string; expected how many rotated files"},
      {"rotate = 3", "log.rotate", "unknown key"},
  };
  for (const Case& k : cases) {
    auto c = f.load(f.province(31, "[log]\nfile = \"node.log\"\n" + k.lines + "\n"));
    EXPECT_FALSE(c.config) << k.lines;
    ASSERT_EQ(c.problems.size(), 1u) << k.lines << ":\n" << all(c);
    EXPECT_EQ(c.problems[0].rfind(k.key + ": ", 0), 0u) << c.problems[0];
    EXPECT_TRUE(mentions(c, k.says)) << k.lines << ":\n" << all(c);
  }
  // Rotation settings for a log on standard error would do nothing.
  auto no_file = f.load(f.province(31, "[log]\nmax_size = 1048576\nkeep = 3\n"));
  EXPECT_FALSE(no_file.config);
  EXPECT_TRUE(mentions(no_file, "log.max_size: the log goes to standard error", "log.file"))
      << all(no_file);
  EXPECT_TRUE(mentions(no_file, "log.keep: the log goes to standard error")) << all(no_file);
}

TEST(NodeConfig, OpsGivesTheWarningThresholdsWithDefaults) {
  ConfigFixture f;
  auto defaults = f.load(f.province(31));
  ASSERT_TRUE(defaults.config) << all(defaults);
  const daemon::OpsConfig& d = defaults.config->ops;
  EXPECT_EQ(d.certificate_warning_days, 30);
  EXPECT_EQ(d.store_warning_percent, 80u);
  EXPECT_EQ(d.disk_warning_free_percent, 10u);
  EXPECT_EQ(d.disk_warning_free_bytes, 1ull << 30);
  EXPECT_EQ(d.check_interval_ms, 3'600'000);

  auto c = f.load(f.province(31, R"([ops]
certificate_warning_days = 60
store_warning_percent = 90
disk_warning_free_percent = 0
disk_warning_free_mib = 4096
check_interval_s = 600
)"));
  ASSERT_TRUE(c.config) << all(c);
  EXPECT_EQ(c.config->ops.certificate_warning_days, 60);
  EXPECT_EQ(c.config->ops.store_warning_percent, 90u);
  EXPECT_EQ(c.config->ops.disk_warning_free_percent, 0u);
  EXPECT_EQ(c.config->ops.disk_warning_free_bytes, 4096ull << 20);
  EXPECT_EQ(c.config->ops.check_interval_ms, 600'000);
}

TEST(NodeConfig, OpsValuesOutOfRangeOrOfTheWrongTypeAreReportedWithTheirKeys) {
  ConfigFixture f;
  auto c = f.load(f.province(31, R"([ops]
certificate_warning_days = 0
store_warning_percent = 120
disk_warning_free_percent = 12.5
disk_warning_free_mib = "1 GiB"
check_interval_s = 0
warn_me = true
)"));
  EXPECT_FALSE(c.config);
  EXPECT_TRUE(mentions(c, "ops.certificate_warning_days: 0 is out of range; expected 1 to 3650"))
      << all(c);
  EXPECT_TRUE(mentions(c, "ops.store_warning_percent: 120 is out of range; expected 1 to 99"))
      << all(c);
  EXPECT_TRUE(mentions(c, "ops.disk_warning_free_percent: expected an integer from 0 to 99",
                       "found a float"))
      << all(c);
  EXPECT_TRUE(mentions(c, "ops.disk_warning_free_mib: expected an integer", "found a string"))
      << all(c);
  EXPECT_TRUE(mentions(c, "ops.check_interval_s: 0 is out of range; expected 1 to 86400"))
      << all(c);
  EXPECT_TRUE(mentions(c, "ops.warn_me: unknown key", "check_interval_s")) << all(c);
  EXPECT_EQ(c.problems.size(), 6u) << all(c);

  auto not_a_table = f.load("ops = 80\n" + f.province(31));
  EXPECT_TRUE(mentions(not_a_table, "ops: expected a table [ops], found a integer"))
      << all(not_a_table);
}

TEST(NodeConfig, EveryProblemIsReportedWithItsKey) {
  ConfigFixture f;
  auto c = f.load(R"([node]
code = "99"
role = "regional"
colour = "blue"
[store]
path = "s"
map_size_mib = 0
[listen]
address = "localhost"
[tls]
certificate = "missing.pem"
private_key = "missing.key"
ca = "missing-ca.pem"
[delivery]
batch_max_records = "many"
retry_initial_ms = 5000
retry_max_ms = 1000
[log]
level = "loud"
[[peers]]
code = "44"
)");
  EXPECT_FALSE(c.config);
  EXPECT_TRUE(mentions(c, "node.code", "\"99\"")) << all(c);
  EXPECT_TRUE(mentions(c, "node.role", "regional")) << all(c);
  EXPECT_TRUE(mentions(c, "node.colour", "unknown key")) << all(c);
  EXPECT_TRUE(mentions(c, "store.map_size_mib", "out of range")) << all(c);
  EXPECT_TRUE(mentions(c, "listen.address", "host:port")) << all(c);
  EXPECT_TRUE(mentions(c, "tls.certificate", "no such file")) << all(c);
  EXPECT_TRUE(mentions(c, "tls.private_key", "no such file")) << all(c);
  EXPECT_TRUE(mentions(c, "tls.ca", "no such file")) << all(c);
  EXPECT_TRUE(mentions(c, "delivery.batch_max_records", "expected an integer")) << all(c);
  EXPECT_TRUE(mentions(c, "delivery.retry_max_ms", "below")) << all(c);
  EXPECT_TRUE(mentions(c, "log.level", "loud")) << all(c);
  EXPECT_GE(c.problems.size(), 11u) << all(c);
}

TEST(NodeConfig, SyntaxErrorsGiveLineAndColumn) {
  ConfigFixture f;
  auto c = f.load("[node]\ncode = \"31\nrole = 1\n");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("node.toml:2:"), std::string::npos) << c.problems[0];
  auto missing = daemon::load_node_config(f.dir.sub("absent.toml"));
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_NE(missing.problems[0].find("no such file"), std::string::npos);
}

TEST(NodeConfig, IdentityFilesMustBelongToThisNodeAndEachOther) {
  ConfigFixture f;
  // 44's certificate in 31's configuration.
  auto files44 = f.pki.issue_node(44);
  auto files31 = f.pki.issue_node(31);
  std::string text = f.province(31);
  std::string swapped = text;
  swapped.replace(swapped.find(files31.certificate_path), files31.certificate_path.size(),
                  files44.certificate_path);
  auto c = f.load(swapped);
  EXPECT_TRUE(mentions(c, "tls.certificate", "node 44")) << all(c);
  EXPECT_TRUE(mentions(c, "tls.private_key", "does not belong")) << all(c);

  // A key file that is not a key.
  std::string garbage = text;
  f.write("garbage.key", "not a key\n");
  garbage.replace(garbage.find(files31.key_path), files31.key_path.size(),
                  f.dir.sub("garbage.key"));
  auto g = f.load(garbage);
  EXPECT_TRUE(mentions(g, "tls.private_key", "garbage.key")) << all(g);
}

TEST(NodeConfig, AnExpiredCertificateIsReported) {
  ConfigFixture f;
  testing::NodeCertificateOptions expired;
  expired.not_before_offset_s = -2 * testing::kSecondsPerDay;
  expired.not_after_offset_s = -testing::kSecondsPerDay;
  expired.file_suffix = "-expired";
  auto files = f.pki.issue_node(31, expired);
  auto good = f.pki.issue_node(31);
  std::string text = f.province(31);
  text.replace(text.find(good.certificate_path), good.certificate_path.size(),
               files.certificate_path);
  text.replace(text.find(good.key_path), good.key_path.size(), files.key_path);
  auto c = f.load(text);
  EXPECT_TRUE(mentions(c, "tls.certificate", "expired")) << all(c);
}

TEST(NodeConfig, Sm2SigningNeedsItsOwnSm2Certificate) {
  ConfigFixture f;
  auto c = f.load(f.province(31, "[signing]\nalgorithm = \"sm2-sm3\"\n"));
  EXPECT_TRUE(mentions(c, "signing.algorithm", "own SM2 certificate")) << all(c);

  testing::NodeCertificateOptions sm2;
  sm2.key_algorithm = ca::KeyAlgorithm::sm2;
  sm2.file_suffix = "-sm2";
  auto signing = f.pki.issue_node(31, sm2);
  auto ok = f.load(f.province(31, fmt::format("[signing]\nalgorithm = \"sm2-sm3\"\ncertificate "
                                              "= \"{}\"\nprivate_key = \"{}\"\n",
                                              signing.certificate_path, signing.key_path)));
  ASSERT_TRUE(ok.config) << all(ok);
  EXPECT_EQ(ok.config->signing_algorithm, daemon::SigningAlgorithm::sm2_sm3);

  // An ECDSA key where SM2 was asked for.
  auto ecdsa = f.pki.issue_node(31, {.file_suffix = "-second"});
  auto wrong = f.load(f.province(31, fmt::format("[signing]\nalgorithm = \"sm2-sm3\"\ncertificate "
                                                 "= \"{}\"\nprivate_key = \"{}\"\n",
                                                 ecdsa.certificate_path, ecdsa.key_path)));
  EXPECT_TRUE(mentions(wrong, "signing.private_key", "ECDSA P-256")) << all(wrong);
}

TEST(NodeConfig, PeersAreCheckedForDialingAndDuplicates) {
  ConfigFixture f;
  auto c = f.load(f.province(31, R"([[peers]]
code = "00"
[[peers]]
code = "31"
[[peers]]
code = "12"
)"));
  EXPECT_TRUE(mentions(c, "peers[1].code", "listed twice")) << all(c);
  EXPECT_TRUE(mentions(c, "peers[2].code", "this node itself")) << all(c);
  EXPECT_TRUE(mentions(c, "peers[3].address", "dials node 12")) << all(c);
}

// The national node's [directory]: its sources are read and checked like
// the rest of the file, each problem naming file, entry and key.
std::string national(ConfigFixture& f, const std::string& directory) {
  auto files = f.pki.issue_node(0);
  return fmt::format(R"([node]
code = "00"
role = "national"
[store]
path = "store"
[listen]
address = "127.0.0.1:7000"
[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"
[directory]
{})",
                     files.certificate_path, files.key_path, f.pki.ca_certificate_path(),
                     directory);
}

TEST(NodeConfig, TheNationalNodeReadsAndChecksWhatItPublishes) {
  ConfigFixture f;
  f.write("nodes.toml", R"([[node]]
code = "00"
name = "国家级"
role = "national"
address = "127.0.0.1:7000"
[[node]]
code = "31"
name = "上海市"
name_en = "Shanghai"
role = "province"
address = "127.0.0.1:7031"
[[node]]
code = "32"
name = "江苏省"
role = "province"
)");
  f.write("groups.toml", R"([[group]]
id = "yangtze"
name = "泛长三角"
members = ["31", "32"]
national_copy = "evidence"
)");
  auto good = f.load(national(f, R"(publish_nodes = "nodes.toml"
publish_groups = "groups.toml"
refresh_interval_s = 5
validity_hours = 72
)"));
  ASSERT_TRUE(good.config) << all(good);
  ASSERT_TRUE(good.config->publish.has_value());
  EXPECT_EQ(good.config->directory_refresh_ms, 5'000);
  EXPECT_EQ(good.config->directory_validity_ms, 72 * 3'600'000ll);
  auto loaded = daemon::load_directory_sources(*good.config->publish, 1'800'000'000);
  ASSERT_TRUE(loaded.content) << loaded.problems.front();
  EXPECT_EQ(loaded.content->nodes.size(), 3u);
  EXPECT_EQ(loaded.content->groups[0].national_copy, core::NationalCopy::evidence_only);

  f.write("groups-bad.toml", R"([[group]]
id = "yangtze"
name = "泛长三角"
members = ["31", "99"]
national_copy = "some"
colour = "blue"
)");
  auto bad = f.load(national(f, R"(publish_nodes = "nodes.toml"
publish_groups = "groups-bad.toml"
publish_ca_index = "missing-index.tsv"
)"));
  EXPECT_FALSE(bad.config);
  EXPECT_TRUE(mentions(bad, "group[0].members", "\"99\"")) << all(bad);
  EXPECT_TRUE(mentions(bad, "group[0].national_copy", "expected \"full\" or \"evidence\""))
      << all(bad);
  EXPECT_TRUE(mentions(bad, "group[0].colour", "unknown key")) << all(bad);
}

TEST(NodeConfig, OnlyTheNationalNodePublishesAndFallbackIsInRange) {
  ConfigFixture f;
  auto c = f.load(f.province(31, R"([directory]
refresh_interval_s = 0
publish_nodes = "nodes.toml"
[delivery]
direct_fallback_s = 0
)"));
  EXPECT_TRUE(mentions(c, "directory.publish_", "only the national node")) << all(c);
  EXPECT_TRUE(mentions(c, "directory.refresh_interval_s", "out of range")) << all(c);
  EXPECT_TRUE(mentions(c, "delivery.direct_fallback_s", "out of range")) << all(c);
  auto good = f.load(f.province(31, R"([directory]
refresh_interval_s = 30
[delivery]
direct_fallback_s = 90
)"));
  ASSERT_TRUE(good.config) << all(good);
  EXPECT_EQ(good.config->directory_refresh_ms, 30'000);
  EXPECT_EQ(good.config->direct_fallback_ms, 90'000);
}

// The [admin] section of a valid province configuration replaced by `admin`.
std::string with_admin(std::string text, const std::string& admin) {
  const std::string plain = "[admin]\naddress = \"127.0.0.1:8031\"\n";
  text.replace(text.find(plain), plain.size(), admin);
  return text;
}

TEST(NodeConfig, AdminTlsGivesItsFilesAndMayListenOffLoopback) {
  ConfigFixture f;
  testing::NodeCertificateOptions admin_options;
  admin_options.file_suffix = "-admin";
  auto server = f.pki.issue_node(31, admin_options);
  auto c = f.load(with_admin(f.province(31), fmt::format(R"([admin]
address = "0.0.0.0:8031"
tls_certificate = "{}"
tls_private_key = "{}"
client_ca = "{}"
)",
                                                         server.certificate_path, server.key_path,
                                                         f.pki.ca_certificate_path())));
  ASSERT_TRUE(c.config) << all(c);
  ASSERT_TRUE(c.config->admin);
  EXPECT_EQ(c.config->admin->host, "0.0.0.0");
  EXPECT_EQ(c.config->admin_tls_certificate, server.certificate_path);
  EXPECT_EQ(c.config->admin_tls_private_key, server.key_path);
  EXPECT_EQ(c.config->admin_client_ca, f.pki.ca_certificate_path());
  EXPECT_FALSE(c.config->admin_allow_plain_remote);

  // Plain HTTP stays the default, and is fine on loopback.
  auto plain = f.load(f.province(31));
  ASSERT_TRUE(plain.config) << all(plain);
  EXPECT_TRUE(plain.config->admin_tls_certificate.empty());
  EXPECT_TRUE(plain.config->admin_client_ca.empty());
  for (const char* loopback : {"127.0.0.1:8031", "127.8.9.10:8031", "[::1]:8031", "localhost:8031",
                               "[::ffff:127.0.0.1]:8031"}) {
    auto l =
        f.load(with_admin(f.province(31), fmt::format("[admin]\naddress = \"{}\"\n", loopback)));
    EXPECT_TRUE(l.config) << loopback << ": " << all(l);
  }
}

TEST(NodeConfig, PlainHttpOffLoopbackNeedsAllowPlainRemote) {
  ConfigFixture f;
  for (const char* remote : {"0.0.0.0:8031", "10.1.2.3:8031", "[::]:8031", "mgmt.example:8031"}) {
    auto c = f.load(with_admin(f.province(31), fmt::format("[admin]\naddress = \"{}\"\n", remote)));
    EXPECT_FALSE(c.config) << remote;
    EXPECT_TRUE(mentions(c, "admin.address", "not a loopback address")) << remote << ": " << all(c);
    EXPECT_TRUE(mentions(c, "admin.address", "admin.allow_plain_remote = true")) << all(c);
    EXPECT_TRUE(mentions(c, "admin.address", "personal data")) << all(c);
  }
  auto allowed = f.load(with_admin(f.province(31), R"([admin]
address = "10.1.2.3:8031"
allow_plain_remote = true
)"));
  ASSERT_TRUE(allowed.config) << all(allowed);
  EXPECT_TRUE(allowed.config->admin_allow_plain_remote);

  auto not_boolean = f.load(with_admin(f.province(31), R"([admin]
address = "127.0.0.1:8031"
allow_plain_remote = "yes"
)"));
  EXPECT_TRUE(mentions(not_boolean, "admin.allow_plain_remote", "expected a boolean"))
      << all(not_boolean);
}

TEST(NodeConfig, AdminTlsProblemsAreReportedWithTheirKeys) {
  ConfigFixture f;
  testing::NodeCertificateOptions admin_options;
  admin_options.file_suffix = "-admin";
  auto server = f.pki.issue_node(31, admin_options);
  auto other = f.pki.issue_node(44);

  // A certificate without its key, a key without its certificate.
  auto no_key = f.load(
      with_admin(f.province(31),
                 fmt::format("[admin]\naddress = \"127.0.0.1:8031\"\ntls_certificate = \"{}\"\n",
                             server.certificate_path)));
  EXPECT_TRUE(mentions(no_key, "admin.tls_private_key: missing", "both")) << all(no_key);
  auto no_certificate = f.load(
      with_admin(f.province(31),
                 fmt::format("[admin]\naddress = \"127.0.0.1:8031\"\ntls_private_key = \"{}\"\n",
                             server.key_path)));
  EXPECT_TRUE(mentions(no_certificate, "admin.tls_certificate: missing", "both"))
      << all(no_certificate);

  // Client certificates without TLS.
  auto ca_alone = f.load(with_admin(
      f.province(31), fmt::format("[admin]\naddress = \"127.0.0.1:8031\"\nclient_ca = \"{}\"\n",
                                  f.pki.ca_certificate_path())));
  EXPECT_TRUE(mentions(ca_alone, "admin.client_ca", "only over TLS")) << all(ca_alone);

  // Missing files, a key of another certificate, a client CA that is no CA,
  // an unknown key in [admin].
  auto broken = f.load(with_admin(f.province(31), fmt::format(R"([admin]
address = "0.0.0.0:8031"
tls_certificate = "missing-admin.pem"
tls_private_key = "{}"
client_ca = "missing-clients.pem"
client_certificate_required = true
)",
                                                              server.key_path)));
  EXPECT_FALSE(broken.config);
  EXPECT_TRUE(mentions(broken, "admin.tls_certificate", "no such file")) << all(broken);
  EXPECT_TRUE(mentions(broken, "admin.client_ca", "no such file")) << all(broken);
  EXPECT_TRUE(mentions(broken, "admin.client_certificate_required", "unknown key")) << all(broken);
  // TLS is configured, so the address off loopback is not the problem.
  EXPECT_FALSE(mentions(broken, "admin.address")) << all(broken);

  auto mismatched =
      f.load(with_admin(f.province(31), fmt::format(R"([admin]
address = "0.0.0.0:8031"
tls_certificate = "{}"
tls_private_key = "{}"
client_ca = "{}"
)",
                                                    server.certificate_path, other.key_path,
                                                    other.certificate_path)));
  EXPECT_TRUE(mentions(mismatched, "admin.tls_private_key", "does not belong")) << all(mismatched);
  EXPECT_TRUE(mentions(mismatched, "admin.client_ca", "CA")) << all(mismatched);

  // TLS keys with no address to serve.
  auto no_address = f.load(with_admin(
      f.province(31), fmt::format("[admin]\ntls_certificate = \"{}\"\ntls_private_key = \"{}\"\n",
                                  server.certificate_path, server.key_path)));
  EXPECT_TRUE(mentions(no_address, "admin.address: missing")) << all(no_address);
}

TEST(NodeConfig, AnExpiredAdminCertificateIsReported) {
  ConfigFixture f;
  testing::NodeCertificateOptions expired;
  expired.not_before_offset_s = -2 * testing::kSecondsPerDay;
  expired.not_after_offset_s = -testing::kSecondsPerDay;
  expired.file_suffix = "-admin-expired";
  auto files = f.pki.issue_node(31, expired);
  auto c = f.load(with_admin(f.province(31), fmt::format(R"([admin]
address = "127.0.0.1:8031"
tls_certificate = "{}"
tls_private_key = "{}"
)",
                                                         files.certificate_path, files.key_path)));
  EXPECT_TRUE(mentions(c, "admin.tls_certificate", "expired")) << all(c);
}

}  // namespace
}  // namespace provnet
