// The HTTP API over TLS with client certificates: the AdminServer with a
// real certificate from a test CA, the shared HTTP client on the other side,
// and provnode serving its API that way from its configuration.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>

#include "admin/http_client.hpp"
#include "integration/free_port.hpp"
#include "integration/node_log_file.hpp"
#include "integration/node_process.hpp"
#include "integration/wait_until.hpp"
#include "net/tls_context.hpp"
#include "support/admin_server_thread.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet {
namespace {

using testing::AdminServerThread;
using testing::field_of;
using testing::TempDir;
using testing::TestPki;

admin::HttpResponse hello(const admin::HttpRequest& request) {
  return admin::HttpResponse{200, "application/json", R"({"hello":")" + request.target + R"("})"};
}

// The provincial system's side: certificates from the provnet test CA (the
// server's and the good client's) and from another CA.
struct TlsSetting {
  TempDir dir{"admin-tls"};
  TestPki pki{dir.path() / "pki"};
  TestPki foreign{dir.path() / "foreign",
                  testing::CaOptions{.file_stem = "foreign-ca", .common_name = "another CA"}};
  testing::NodeFiles server = pki.issue_node(44, {.file_suffix = "-admin"});
  testing::NodeFiles client = pki.issue_node(31, {.file_suffix = "-client"});
  testing::NodeFiles stranger = foreign.issue_node(31, {.file_suffix = "-stranger"});

  std::unique_ptr<net::ssl::context> server_context(bool client_certificates = true) {
    auto made = net::make_admin_tls_context(
        net::AdminTlsFiles{server.certificate_path, server.key_path,
                           client_certificates ? pki.ca_certificate_path() : std::string()});
    if (!made) throw std::runtime_error(made.error().message);
    return std::move(*made);
  }

  admin::HttpEndpoint endpoint(std::uint16_t port, const testing::NodeFiles* as) const {
    admin::HttpEndpoint e;
    e.host = "127.0.0.1";
    e.port = port;
    e.https = true;
    e.tls.ca = pki.ca_certificate_path();
    if (as) {
      e.tls.certificate = as->certificate_path;
      e.tls.private_key = as->key_path;
    }
    return e;
  }
};

constexpr auto kDeadline = std::chrono::seconds(20);

TEST(AdminTls, AClientCertificateFromTheClientCaIsRequiredAndTheServerKeepsServing) {
  TlsSetting s;
  AdminServerThread server(hello, s.server_context());

  auto good = admin::http_get(s.endpoint(server.port(), &s.client), "/v1/health", {}, kDeadline);
  ASSERT_EQ(good.status, 200u) << good.describe();
  EXPECT_EQ(good.body, R"({"hello":"/v1/health"})");

  // No certificate: refused in the handshake (TLS 1.3: the client sees it
  // as an alert on its first read).
  auto anonymous = admin::http_get(s.endpoint(server.port(), nullptr), "/v1/health", {}, kDeadline);
  EXPECT_EQ(anonymous.status, 0u) << anonymous.describe();
  EXPECT_FALSE(anonymous.error.empty());

  // A certificate of another CA.
  auto stranger =
      admin::http_get(s.endpoint(server.port(), &s.stranger), "/v1/health", {}, kDeadline);
  EXPECT_EQ(stranger.status, 0u) << stranger.describe();

  // Plain HTTP to the TLS port.
  admin::HttpEndpoint plain{.host = "127.0.0.1", .port = server.port()};
  auto cleartext = admin::http_get(plain, "/v1/health", {}, kDeadline);
  EXPECT_EQ(cleartext.status, 0u) << cleartext.describe();

  // Each refusal is logged with the client's address and OpenSSL's reason.
  ASSERT_TRUE(
      testing::wait_until([&] { return server.events_of_kind("admin.tls_failed").size() >= 3; },
                          std::chrono::seconds(20)));
  auto failures = server.events_of_kind("admin.tls_failed");
  ASSERT_EQ(failures.size(), 3u);
  for (const auto& e : failures) {
    EXPECT_EQ(e.level, core::LogLevel::warn);
    EXPECT_TRUE(field_of(e, "remote").starts_with("127.0.0.1:")) << field_of(e, "remote");
    EXPECT_FALSE(field_of(e, "reason").empty());
    ASSERT_EQ(e.fields.size(), 2u);  // remote and reason, nothing the client sent
  }
  // The stranger's certificate is named as refused, with OpenSSL's reason.
  EXPECT_TRUE(std::any_of(failures.begin(), failures.end(), [](const core::LogEvent& e) {
    return field_of(e, "reason").find("client certificate refused") != std::string::npos;
  }));

  // The server is still up for the good client, many times over.
  for (int i = 0; i < 5; ++i) {
    auto again = admin::http_post(s.endpoint(server.port(), &s.client), "/v1/records", "{}",
                                  "application/json", {{"X-Operator-Id", "op-7"}}, kDeadline);
    ASSERT_EQ(again.status, 200u) << again.describe();
  }
  auto listening = server.events_of_kind("admin.listening");
  ASSERT_EQ(listening.size(), 1u);
  EXPECT_EQ(field_of(listening[0], "tls"), "client_certificate_required");
}

TEST(AdminTls, WithoutClientCaAnyClientMayConnectButTheServerIsStillVerified) {
  TlsSetting s;
  AdminServerThread server(hello, s.server_context(false));
  auto anonymous = admin::http_get(s.endpoint(server.port(), nullptr), "/v1/status", {}, kDeadline);
  EXPECT_EQ(anonymous.status, 200u) << anonymous.describe();

  // A client trusting another CA refuses this server.
  admin::HttpEndpoint wary = s.endpoint(server.port(), nullptr);
  wary.tls.ca = s.foreign.ca_certificate_path();
  auto refused = admin::http_get(wary, "/v1/status", {}, kDeadline);
  EXPECT_EQ(refused.status, 0u);
  EXPECT_NE(refused.error.find("server certificate refused"), std::string::npos) << refused.error;

  // A client certificate without its key is a setup error, not a crash.
  admin::HttpEndpoint half = s.endpoint(server.port(), &s.client);
  half.tls.private_key.clear();
  auto setup = admin::http_get(half, "/v1/status", {}, kDeadline);
  EXPECT_EQ(setup.status, 0u);
  EXPECT_NE(setup.error.find("private key is missing"), std::string::npos) << setup.error;
}

TEST(AdminTls, ProvnodeServesItsApiOverTlsFromItsConfiguration) {
  TlsSetting s;
  auto node = s.pki.issue_node(0);
  const std::uint16_t port = testing::free_tcp_port();
  const std::string log_path = s.dir.sub("00.log");
  const std::string config = s.dir.sub("national.toml");
  std::ofstream(config) << fmt::format(R"([node]
code = "00"
role = "national"
[store]
path = "{}"
map_size_mib = 64
[admin]
address = "127.0.0.1:{}"
tls_certificate = "{}"
tls_private_key = "{}"
client_ca = "{}"
[tls]
certificate = "{}"
private_key = "{}"
ca = "{}"
[log]
file = "{}"
)",
                                       s.dir.sub("store00"), port, s.server.certificate_path,
                                       s.server.key_path, s.pki.ca_certificate_path(),
                                       node.certificate_path, node.key_path,
                                       s.pki.ca_certificate_path(), log_path);
  testing::NodeProcess process;
  process.start(std::string(PROVNET_BIN_DIR) + "/provnode", {"--config", config},
                s.dir.sub("00.out"));
  testing::NodeLogFile log(log_path);

  admin::HttpReply health;
  ASSERT_TRUE(testing::wait_until([&] {
    health = admin::http_get(s.endpoint(port, &s.client), "/v1/health", {}, kDeadline);
    return health.status == 200;
  })) << health.describe();
  auto anonymous = admin::http_get(s.endpoint(port, nullptr), "/v1/health", {}, kDeadline);
  EXPECT_EQ(anonymous.status, 0u) << anonymous.describe();
  ASSERT_TRUE(testing::wait_until([&] { return log.count("admin.tls_failed") == 1; }))
      << log.tail();
  EXPECT_EQ(admin::http_get(s.endpoint(port, &s.client), "/v1/health", {}, kDeadline).status, 200u);
  EXPECT_EQ(log.count("admin.listening"), 1u) << log.tail();

  process.signal(SIGTERM);
  auto exit = process.wait_for_exit(std::chrono::seconds(30));
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->text();
}

}  // namespace
}  // namespace provnet
