// provnode --check-config reports every problem of a configuration, each
// naming its key, and exits 1; a good configuration exits 0.
#include <gtest/gtest.h>

#include <fstream>

#include "app/run_command.hpp"
#include "free_port.hpp"
#include "node_config_file.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::testing {
namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

CommandResult check_config(const std::string& path) {
  return run_command(bin("provnode") + " --check-config '" + path + "' 2>&1");
}

TEST(CheckConfig, ABadConfigurationGetsEveryProblemReportedAndExitStatusOne) {
  TempDir dir("check-config");
  TestPki pki(dir.path() / "pki");
  const NodeFiles n31 = pki.issue_node(31);
  const std::string garbage_key = dir.sub("garbage.key");
  write_text(garbage_key, "this is not a PEM private key\n");
  const std::string missing_certificate = dir.sub("missing-node-31.pem");
  const std::string path = dir.sub("bad.toml");
  write_text(path, fmt::format(R"([node]
code = "31"
role = "national"
colour = "blue"

[store]
path = "store"

[listen]
address = "localhost"

[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"

[signing]
certificate = "{}"
private_key = "{}"

[[peers]]
code = "00"
address = "127.0.0.1:7000"
)",
                               missing_certificate, n31.key_path, pki.ca_certificate_path(),
                               n31.certificate_path, garbage_key));

  const CommandResult r = check_config(path);
  EXPECT_EQ(r.status, 1) << r.out;
  // Each problem, naming its key and what was wrong.
  EXPECT_NE(r.out.find("node.colour: unknown key"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tls.certificate: " + missing_certificate + ": no such file"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("signing.private_key: private key file " + garbage_key +
                       " is not a PEM private key"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("listen.address: \"localhost\" is not an address"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("node.role: \"national\" does not fit node.code \"31\""), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("5 problems"), std::string::npos) << r.out;
}

// node_config.hpp promises every problem in one run. A garbage TLS key
// next to a missing TLS certificate is a second, independent problem.
TEST(CheckConfig, AGarbageTlsKeyIsReportedEvenWhenTheTlsCertificateIsMissing) {
  TempDir dir("check-config-pair");
  TestPki pki(dir.path() / "pki");
  const std::string garbage_key = dir.sub("garbage.key");
  write_text(garbage_key, "this is not a PEM private key\n");
  const std::string missing_certificate = dir.sub("missing-node-31.pem");
  const std::string path = dir.sub("pair.toml");
  write_text(path, fmt::format(R"([node]
code = "31"
role = "province"

[store]
path = "store"

[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"

[[peers]]
code = "00"
address = "127.0.0.1:7000"
)",
                               missing_certificate, garbage_key, pki.ca_certificate_path()));

  const CommandResult r = check_config(path);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("tls.certificate: " + missing_certificate + ": no such file"),
            std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("tls.private_key: private key file " + garbage_key + " is not a PEM private key"),
      std::string::npos)
      << r.out;
}

TEST(CheckConfig, AGoodConfigurationExitsZero) {
  TempDir dir("check-config-good");
  TestPki pki(dir.path() / "pki");
  const NodeFiles n31 = pki.issue_node(31);
  NodeConfigFile c;
  c.code = 31;
  c.store_path = dir.sub("store");
  c.admin_port = free_tcp_port();
  c.certificate = n31.certificate_path;
  c.private_key = n31.key_path;
  c.ca = pki.ca_certificate_path();
  c.peers = {PeerEntry{0, free_tcp_port()}};
  c.log_file = dir.sub("node.log");
  const std::string path = dir.sub("good.toml");
  c.write(path);

  const CommandResult r = check_config(path);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("node 31 (province), 1 peer"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": ok"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace provnet::testing
