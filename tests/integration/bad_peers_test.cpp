// Peers that must not get in: certificates of another CA, expired or not
// yet valid, a valid certificate of a node that is not a configured peer,
// and a configured peer that sends a message in another node's name. Each
// is refused and logged by the national node (naming the reason), while the
// genuine exchange 31 -> 00 -> 44 goes on untouched.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "ca/envelope_signatures.hpp"
#include "core/wire_codec.hpp"
#include "forged_envelope.hpp"
#include "generated_records.hpp"
#include "net/frame.hpp"
#include "node_network.hpp"
#include "store_table_counts.hpp"
#include "tls_test_client.hpp"

namespace provnet::testing {
namespace {

std::set<std::string> as_set(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Waits for the national node's event `event` about the connection from
// `remote` and returns it.
nlohmann::json wait_for_event(NodeNetwork& net, const std::string& event,
                              const std::string& remote) {
  std::vector<nlohmann::json> found;
  bool logged = wait_until([&] {
    found =
        net.node(0).log.named(event, [&](const auto& e) { return field(e, "remote") == remote; });
    return !found.empty();
  });
  if (!logged) net.fail(fmt::format("the national node logged no {} for {}", event, remote));
  return found.front();
}

// A client presenting `identity` is turned away: the server ends the
// connection without ever taking a frame, and logs tls.handshake_failed
// whose reason contains `reason`.
void expect_handshake_refused(NodeNetwork& net, const NodeFiles& identity,
                              const std::string& reason, const std::string& what) {
  SCOPED_TRACE(what);
  TlsTestClient client(
      {identity.certificate_path, identity.key_path, net.pki().ca_certificate_path()});
  const std::string handshake = client.connect(net.national_port());
  std::string how = handshake;
  if (handshake.empty()) {
    // TLS 1.3: the client's side finished; the server's verdict on the
    // client certificate comes as an alert on the first read.
    client.write(net::frame(std::string(8, '\0')));
    EXPECT_TRUE(client.wait_closed_by_peer(&how)) << "the server kept the connection open\n"
                                                  << net.diagnostics();
  }
  const nlohmann::json e = wait_for_event(net, "tls.handshake_failed", client.local_address());
  std::cout << fmt::format(
      "[  REFUSED ] {}: the client saw \"{}\"; the national node logged \"{}\"\n", what, how,
      field(e, "reason"));
  EXPECT_NE(field(e, "reason").find(reason), std::string::npos) << e.dump();
  EXPECT_EQ(field(e, "side"), "accepted") << e.dump();
  EXPECT_EQ(field(e, "level"), "warn") << e.dump();
  // Never authenticated: no identity, no link, no frame taken.
  for (const char* never : {"tls.established", "link.closed", "frame.malformed", "frame.refused"}) {
    EXPECT_EQ(
        net.node(0).log.count(
            never, [&](const auto& x) { return field(x, "remote") == client.local_address(); }),
        0u)
        << never;
  }
}

TEST(BadPeers, CertificatesOfAnotherCaExpiredNotYetValidOrOfANonPeerAreRefusedAndLogged) {
  NodeNetwork net("bad-certs");
  net.start_all();
  const auto records = generate_records(31, 44, 300, 0, 3104);
  const auto expected = as_set(ids_concerning(records, 44));
  const auto parts = chunks_of(records, 100);
  net.submit_ok(31, parts[0]);

  CaOptions foreign_options;
  foreign_options.file_stem = "foreign-ca";
  foreign_options.common_name = "not the provnet CA";
  TestPki foreign(net.dir().path() / "foreign", foreign_options);
  expect_handshake_refused(net, foreign.issue_node(31),
                           "peer certificate refused: unable to get local issuer certificate",
                           "node 31 certificate of another CA");

  NodeCertificateOptions expired;
  expired.not_before_offset_s = -2 * kSecondsPerDay;
  expired.not_after_offset_s = -kSecondsPerDay;
  expired.file_suffix = "-expired";
  expect_handshake_refused(net, net.credentials(31, expired),
                           "peer certificate refused: certificate has expired",
                           "expired node 31 certificate");
  net.submit_ok(31, parts[1]);

  NodeCertificateOptions future;
  future.not_before_offset_s = kSecondsPerDay;
  future.not_after_offset_s = 2 * kSecondsPerDay;
  future.file_suffix = "-future";
  expect_handshake_refused(net, net.credentials(31, future),
                           "peer certificate refused: certificate is not yet valid",
                           "node 31 certificate not yet valid");

  // A valid certificate of this CA, for node 46, which the national node
  // does not list as a peer.
  {
    const NodeFiles n46 = net.credentials(46);
    TlsTestClient client({n46.certificate_path, n46.key_path, net.pki().ca_certificate_path()});
    ASSERT_EQ(client.connect(net.national_port()), "");
    const nlohmann::json e =
        wait_for_event(net, "security.peer_not_allowed", client.local_address());
    EXPECT_EQ(field(e, "peer"), "46") << e.dump();
    EXPECT_EQ(field(e, "level"), "error") << e.dump();
    EXPECT_NE(field(e, "reason").find("not a peer"), std::string::npos) << e.dump();
    // It may say anything: the session is closed and nothing is taken.
    client.write(net::frame(std::string(64, '\x01')));
    std::string how;
    EXPECT_TRUE(client.wait_closed_by_peer(&how));
    EXPECT_EQ(net.node(0).log.count("frame.malformed"), 0u);
  }
  net.submit_ok(31, parts[2]);

  const auto inbox = net.wait_delivered(44, expected, {31});
  const ArrivalCheck check = check_arrivals(inbox, expected, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();
  // The genuine link 31 - 00 never dropped.
  EXPECT_EQ(
      net.node(0).log.count("link.closed", [](const auto& e) { return field(e, "peer") == "31"; }),
      0u)
      << net.node(0).log.tail();
}

// The client presenting `identity` (a valid certificate of node `as`, a
// configured peer of the national node) sends a batch that claims author 32
// and is signed with 32's genuine key: records 32 reports, concerning 44.
// Relayed, 44 would accept it (it trusts the national link to carry others'
// messages). The national node must answer with a Rejection it signed, log
// security.author_mismatch and close the session. Returns the message's
// reference ("32:<id>").
std::string send_in_the_name_of_32(NodeNetwork& net, int as, std::uint64_t message_id,
                                   std::uint64_t records_seed) {
  SCOPED_TRACE(fmt::format("author 32 on the link of {}", code_text(as)));
  const auto forged_records = generate_records(32, 44, 20, 0, records_seed);
  const std::string forged =
      signed_migrant_batch(32, 44, message_id, forged_records, net.credentials(32), now_ms());
  const NodeFiles identity = net.credentials(as);
  TlsTestClient client(
      {identity.certificate_path, identity.key_path, net.pki().ca_certificate_path()});
  const std::string handshake = client.connect(net.national_port());
  if (!handshake.empty()) net.fail("handshake as " + code_text(as) + ": " + handshake);
  if (!client.write(net::frame(forged))) net.fail("cannot send the forged frame");

  // The answer: a Rejection of that message, signed by the national node.
  const auto reply = client.read_frame();
  if (!reply) net.fail("no reply frame to the forged message");
  auto decoded = core::DecodedEnvelope::decode(*reply, {});
  if (!decoded) net.fail("reply frame: " + decoded.error().message);
  auto env = decoded->root();
  EXPECT_EQ(env.getAuthor(), 0);
  EXPECT_EQ(env.getDestination(), as);
  EXPECT_TRUE(env.getBody().isRejection());
  if (env.getBody().isRejection()) {
    auto rejection = env.getBody().getRejection();
    EXPECT_EQ(rejection.getAuthor(), 32);
    EXPECT_EQ(rejection.getMessageId(), message_id);
    const std::string reason = rejection.getReason().cStr();
    EXPECT_NE(reason.find("claims author 32 on the link of " + code_text(as)), std::string::npos)
        << reason;
  }
  ca::CertificateVerifier verifier(net.pki().anchors());
  auto cert = env.getSignerCertificate();
  auto signature = env.getSignature();
  auto verified = verifier.verify(
      0, std::string_view(reinterpret_cast<const char*>(cert.begin()), cert.size()),
      env.getSignatureAlgorithm(), core::signing_input(env),
      std::string_view(reinterpret_cast<const char*>(signature.begin()), signature.size()),
      now_ms(), core::RevokedSigner::refuse);
  EXPECT_TRUE(verified) << verified.error().message;
  // Then the session ends.
  std::string how;
  EXPECT_TRUE(client.wait_closed_by_peer(&how)) << "the national node kept the session open";
  client.close();

  // Logged as a security event naming the message and the link.
  const std::string ref = fmt::format("32:{}", message_id);
  std::vector<nlohmann::json> logged;
  if (!wait_until([&] {
        logged = net.node(0).log.named("security.author_mismatch", [&](const auto& x) {
          return field(x, "message_id") == ref;
        });
        return !logged.empty();
      })) {
    net.fail("no security.author_mismatch for " + ref);
  }
  EXPECT_EQ(field(logged[0], "peer"), code_text(as)) << logged[0].dump();
  EXPECT_EQ(field(logged[0], "kind"), "migrantBatch") << logged[0].dump();
  EXPECT_EQ(field(logged[0], "level"), "error") << logged[0].dump();
  return ref;
}

TEST(BadPeers, AMessageInAnotherNodesNameIsRejectedTheLinkClosedAndNothingStoredOrForwarded) {
  // The national node also lists 45 as a peer; no process runs it, so a
  // test client can be 45 without displacing a genuine session.
  NetworkOptions options;
  options.extra_national_peers = {45};
  NodeNetwork net("author-mismatch", options);
  net.start_all();
  const auto records = generate_records(31, 44, 300, 0, 3105);
  const auto expected = as_set(ids_concerning(records, 44));
  const auto parts = chunks_of(records, 100);
  net.submit_ok(31, parts[0]);

  const auto id = static_cast<std::uint64_t>(now_ms()) * 1000;
  // As 45, while 31 and 44 exchange.
  const std::string ref45 = send_in_the_name_of_32(net, 45, id, 3205);
  net.submit_ok(31, parts[1]);
  // With node 31's own certificate, while the genuine 31 is down (a second
  // session of 31 would replace the genuine one, or be replaced by it).
  net.kill(31);
  const std::string ref31 = send_in_the_name_of_32(net, 31, id + 1, 3206);
  net.start(31);
  net.submit_ok(31, parts[2]);

  const auto inbox = net.wait_delivered(44, expected, {31});
  // Exactly 31's records: any of the forged ones would show as unexpected.
  const ArrivalCheck check = check_arrivals(inbox, expected, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();

  // Nothing of the forged messages was stored at the national node:
  // stopped cleanly, its store holds the 300 relayed versions of 31 and no
  // more, and its log names the messages only in the refusals.
  const ExitStatus stopped = net.terminate(0);
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.text();
  const auto counts = store_table_counts(net.node(0).config.store_path);
  EXPECT_EQ(counts.at("records"), records.size());
  for (const auto& x : net.node(0).log.events()) {
    const std::string ref = field(x, "message_id");
    if (ref == ref45 || ref == ref31) {
      EXPECT_EQ(field(x, "event"), "security.author_mismatch") << x.dump();
    }
  }
}

}  // namespace
}  // namespace provnet::testing
