// The national node's signed directory: what verifies and what is refused
// (forged, tampered, stale, not yet valid, malformed), the rules read from
// it (group peers, national copy), and how a node takes, keeps and refuses
// versions.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include "core/core_fixtures.hpp"
#include "core/directory.hpp"
#include "core/lossy_network.hpp"
#include "protocol/control.capnp.h"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

using namespace testing;
using core::Directory;
using core::DirectoryContent;
using core::NationalCopy;

DirectoryContent sample_content() {
  DirectoryContent c;
  c.nodes.push_back({0, "国家级", "127.0.0.1:17000", true, {}, {}});
  for (domain::ProvinceCode p : {31, 32, 36, 44, 51}) {
    c.nodes.push_back({p, "province", fmt::format("127.0.0.1:{}", 17000 + p), false, {}, {}});
  }
  c.groups.push_back({"yangtze", "泛长三角", {31, 32, 36}, NationalCopy::full});
  c.groups.push_back({"pearl", "泛珠三角", {36, 44, 51}, NationalCopy::evidence_only});
  c.revocations.push_back({"0A3F", 51, "keyCompromise", kStartMs - 1000});
  auto normalized = core::normalize_directory(c);
  EXPECT_TRUE(normalized.ok()) << normalized.error().message;
  return *normalized;
}

Directory sample_directory(std::uint64_t version = 5) {
  Directory d;
  d.version = version;
  d.issued_at_ms = kStartMs;
  d.valid_from_ms = kStartMs - 60'000;
  d.valid_until_ms = kStartMs + 7 * 86'400'000ll;
  d.content = sample_content();
  return d;
}

std::string signed_by(const Directory& d, domain::ProvinceCode signer) {
  auto bytes = core::sign_directory(d, *TestSigning::shared().signer(signer));
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

// The header of an envelope a test builds by hand.
wire::Envelope::Builder new_envelope(capnp::MallocMessageBuilder& b, std::uint64_t id,
                                     domain::ProvinceCode author, domain::ProvinceCode destination,
                                     std::int64_t created_ms) {
  auto env = b.initRoot<wire::Envelope>();
  env.setMessageId(id);
  env.setAuthor(author);
  env.setDestination(destination);
  env.setCreatedAtMs(created_ms);
  return env;
}

TEST(Directory, SignedByTheNationalNodeVerifiesWithItsContent) {
  auto verifier = TestSigning::shared().verifier();
  const Directory d = sample_directory();
  auto verified = core::verify_directory(signed_by(d, 0), *verifier, kStartMs, {});
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->directory.version, 5u);
  EXPECT_EQ(verified->directory.content, d.content);
  const core::DirectoryNode* n36 = verified->directory.node(36);
  ASSERT_NE(n36, nullptr);
  EXPECT_EQ(n36->groups, (std::vector<std::string>{"pearl", "yangtze"}));
  EXPECT_EQ(verified->directory.revoked_serials(), std::set<std::string>{"0A3F"});
}

TEST(Directory, SignedByAProvinceIsRefused) {
  auto verifier = TestSigning::shared().verifier();
  auto verified =
      core::verify_directory(signed_by(sample_directory(), 31), *verifier, kStartMs, {});
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, Errc::security);
  EXPECT_NE(verified.error().message.find("node 31"), std::string::npos)
      << verified.error().message;
}

TEST(Directory, AChangedByteBreaksTheSignature) {
  auto verifier = TestSigning::shared().verifier();
  std::string bytes = signed_by(sample_directory(), 0);
  // Change one address inside the signed directory bytes.
  auto at = bytes.find("127.0.0.1:17044");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 14] = '5';
  auto verified = core::verify_directory(bytes, *verifier, kStartMs, {});
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.error().message.find("does not verify"), std::string::npos)
      << verified.error().message;
}

TEST(Directory, StaleOrNotYetValidIsRefusedButAKeptCopyMayBeExpired) {
  auto verifier = TestSigning::shared().verifier();
  const Directory d = sample_directory();
  const std::string bytes = signed_by(d, 0);
  auto late = core::verify_directory(bytes, *verifier, d.valid_until_ms, {});
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message.find("stale"), std::string::npos) << late.error().message;
  auto early = core::verify_directory(bytes, *verifier, d.valid_from_ms - 1, {});
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().message.find("not valid before"), std::string::npos);
  auto kept = core::verify_directory(bytes, *verifier, d.valid_until_ms + 1, {},
                                     core::ExpiryCheck::allow_expired);
  EXPECT_TRUE(kept.ok());
}

TEST(Directory, MalformedContentIsRefusedWithTheReason) {
  DirectoryContent twice = sample_content();
  twice.nodes.push_back(twice.nodes[1]);
  auto a = core::normalize_directory(twice);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("listed twice"), std::string::npos);

  DirectoryContent stranger = sample_content();
  stranger.groups[0].members.push_back(65);  // not a listed node
  auto b = core::normalize_directory(stranger);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("member 65"), std::string::npos) << b.error().message;

  DirectoryContent no_national = sample_content();
  no_national.nodes.erase(no_national.nodes.begin());
  EXPECT_FALSE(core::normalize_directory(no_national).ok());

  DirectoryContent bad_serial = sample_content();
  bad_serial.nodes[1].certificate_serials.push_back("0a3f");
  EXPECT_FALSE(core::normalize_directory(bad_serial).ok());

  // Signed but malformed: a verifier refuses it too.
  Directory d = sample_directory();
  d.content.nodes.push_back(d.content.nodes[1]);
  auto verifier = TestSigning::shared().verifier();
  EXPECT_FALSE(core::verify_directory(signed_by(d, 0), *verifier, kStartMs, {}).ok());
}

TEST(Directory, GroupPeersAndNationalCopyFollowTheGroups) {
  const Directory d = sample_directory();
  EXPECT_EQ(d.group_peers(31), (std::set<domain::ProvinceCode>{32, 36}));
  EXPECT_EQ(d.group_peers(36), (std::set<domain::ProvinceCode>{31, 32, 44, 51}));
  EXPECT_TRUE(d.group_peers(0).empty());
  EXPECT_EQ(d.national_copy(31, 36), NationalCopy::full);
  EXPECT_EQ(d.national_copy(44, 36), NationalCopy::evidence_only);
  EXPECT_EQ(d.national_copy(31, 44), NationalCopy::full) << "not in one group: all via national";
}

// A province takes a newer version, keeps it across a restart, and refuses
// an older one and one signed by anyone but the national node.
TEST(Directory, ANodeKeepsTheNewestGoodVersionAndRefusesOthers) {
  TempDir dir("core-directory");
  auto s00 = open_store(dir.sub("00"));
  auto s31 = open_store(dir.sub("31"));
  core::NodeCore n00(config_for(0, {}), *s00);
  auto n31 = std::make_unique<core::NodeCore>(config_for(31, {}), *s31);
  auto published = n00.publish_directory(sample_content(), 7 * 86'400'000ll, kStartMs);
  ASSERT_TRUE(published.ok()) << published.error().message;
  LossyNetwork net(3, NetworkFaults{});
  net.advance_to(kStartMs);
  net.attach(n00);
  net.attach(*n31);
  net.run(kStartMs + 10'000);
  ASSERT_TRUE(n31->directory().has_value()) << "31 asked for the directory on connecting";
  const std::uint64_t version = n31->directory()->version;
  EXPECT_EQ(version, n00.directory()->version);
  EXPECT_EQ(n31->direct_peers(), (std::set<domain::ProvinceCode>{32, 36}));

  // Unchanged content is not published again; changed content is, pushed
  // to connected nodes at once.
  auto same = n00.publish_directory(sample_content(), 7 * 86'400'000ll, kStartMs + 20'000);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->sends.empty());
  DirectoryContent revoked = sample_content();
  revoked.revocations.push_back({"0B40", 32, "superseded", kStartMs + 25'000});
  auto newer = n00.publish_directory(revoked, 7 * 86'400'000ll, kStartMs + 30'000);
  ASSERT_TRUE(newer.ok());
  net.apply(0, std::move(*newer));
  net.run(kStartMs + 40'000);
  ASSERT_GT(n31->directory()->version, version);
  EXPECT_EQ(n31->directory()->revoked_serials().count("0B40"), 1u);

  // An older version (a replay) and a forged one are refused.
  auto envelope_with = [&](const std::string& signed_directory, domain::ProvinceCode author) {
    auto decoded = core::Decoded<wire::SignedDirectory>::decode(signed_directory, {});
    capnp::MallocMessageBuilder b;
    auto env = new_envelope(b, 999, author, 31, kStartMs);
    env.initBody().setSignedDirectory(decoded->root());
    return TestSigning::shared().sign(b, author);
  };
  const std::uint64_t held = n31->directory()->version;
  core::Effects old_fx =
      n31->on_envelope(0, envelope_with(signed_by(sample_directory(1), 0), 0), kStartMs + 50'000);
  EXPECT_EQ(n31->directory()->version, held);
  Directory forged = sample_directory(held + 1);
  forged.content.revocations.clear();
  core::Effects forged_fx =
      n31->on_envelope(0, envelope_with(signed_by(forged, 31), 0), kStartMs + 50'000);
  EXPECT_EQ(n31->directory()->version, held);
  std::size_t refused = 0;
  for (const auto* fx : {&old_fx, &forged_fx}) {
    for (const auto& l : fx->logs) refused += l.event == "directory.refused";
  }
  EXPECT_EQ(refused, 2u);

  // After a restart the kept directory is used before the national node answers.
  n31 = std::make_unique<core::NodeCore>(config_for(31, {}), *s31);
  core::Effects started = n31->start(kStartMs + 60'000);
  ASSERT_TRUE(n31->directory().has_value());
  EXPECT_EQ(n31->directory()->version, held);
  EXPECT_TRUE(started.directory_changed);
}

// The national node `n00` publishes a directory that revokes `code`'s test
// certificate; `province`, if given, takes it from 00.
void revoke(domain::ProvinceCode code, core::NodeCore& n00, core::NodeCore* province,
            std::int64_t now_ms) {
  auto der = TestSigning::shared().signer(code)->certificate_der();
  auto cert = ca::certificate_from_der(der, "the revoked certificate");
  ASSERT_TRUE(cert.ok());
  DirectoryContent content = sample_content();
  content.revocations.push_back(
      {ca::certificate_serial_hex(cert->get()), code, "keyCompromise", now_ms});
  ASSERT_TRUE(n00.publish_directory(content, 86'400'000, now_ms).ok());
  if (province == nullptr) return;
  auto decoded = core::Decoded<wire::SignedDirectory>::decode(
      core::sign_directory(*n00.directory(), *TestSigning::shared().signer(0)).value(), {});
  capnp::MallocMessageBuilder b;
  auto env = new_envelope(b, 5, 0, province->config().self, now_ms);
  env.initBody().setSignedDirectory(decoded->root());
  province->on_envelope(0, TestSigning::shared().sign(b, 0), now_ms);
}

// `from`'s signed reply to message `id` of `author`: a rejection of the
// record `record_id` v1, or an acknowledgement.
std::string reply_by(domain::ProvinceCode from, domain::ProvinceCode author, std::uint64_t id,
                     const std::string& record_id, bool rejection) {
  capnp::MallocMessageBuilder b;
  auto env = new_envelope(b, 9000 + id, from, 0, kStartMs);
  if (rejection) {
    auto r = env.initBody().initRejection();
    r.setAuthor(author);
    r.setMessageId(id);
    r.setKind("migrantBatch");
    auto item = r.initItems(1)[0];
    item.setItemId(record_id);
    item.setVersion(1);
    item.initErrors(1)[0].setMessage("current_address: not in this province");
  } else {
    auto ack = env.initBody().initAcknowledgements(1)[0];
    ack.setAuthor(author);
    ack.setMessageId(id);
    ack.setReceivedAtMs(kStartMs);
  }
  return TestSigning::shared().sign(b, from);
}

// What `node` answered to the message it was given: true for an
// acknowledgement, false for a rejection (whose reason lands in `reason`).
bool acknowledged(const core::Effects& fx, std::string* reason) {
  EXPECT_EQ(fx.sends.size(), 1u);
  if (fx.sends.empty()) return false;
  auto reply = core::DecodedEnvelope::decode(fx.sends[0].bytes, {});
  EXPECT_TRUE(reply.ok());
  auto body = reply->root().getBody();
  if (body.isRejection()) *reason = body.getRejection().getReason().cStr();
  return body.isAcknowledgements();
}

capnp::Data::Reader bytes_of(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

bool logged(const core::Effects& fx, std::string_view event) {
  for (const auto& line : fx.logs) {
    if (line.event == event) return true;
  }
  return false;
}

// A revocation in the directory makes every node refuse signatures by that
// certificate, however valid its chain.
TEST(Directory, ARevokedCertificatesSignaturesAreRefused) {
  TempDir dir("core-revoked");
  auto s44 = open_store(dir.sub("44"));
  auto s51 = open_store(dir.sub("51"));
  auto s00 = open_store(dir.sub("00"));
  core::NodeCore n00(config_for(0, {}), *s00);
  core::NodeCore n51(config_for(51, {44}), *s51);
  auto records = records_between(44, 51, 2);
  const std::string before = envelope_with_records(44, 51, 1001, {records[0]});
  EXPECT_FALSE(n51.on_envelope(44, before, kStartMs).sends.empty());
  EXPECT_EQ(arrivals(n51).size(), 1u);

  // The national node revokes 44's certificate; 51 takes the directory.
  revoke(44, n00, &n51, kStartMs);
  ASSERT_TRUE(n51.directory().has_value());

  const std::string after = envelope_with_records(44, 51, 1002, {records[1]});
  core::Effects fx = n51.on_envelope(44, after, kStartMs + 1000);
  ASSERT_EQ(fx.closes.size(), 1u);
  EXPECT_NE(fx.closes[0].reason.find("revoked"), std::string::npos) << fx.closes[0].reason;
  EXPECT_EQ(arrivals(n51).size(), 1u) << "nothing of the revoked certificate's message is stored";
}

// A destination's rejection that the national node forwards was checked by
// 00 when it arrived. If the destination's certificate is revoked before the
// author takes it, the author still learns what was refused: the reply is
// taken with a warning. A reply whose signature is broken is still refused.
TEST(Directory, AForwardedRejectionStandsAfterItsSignerIsRevoked) {
  TempDir dir("core-revoked-forwarded");
  auto s00 = open_store(dir.sub("00"));
  auto s44 = open_store(dir.sub("44"));
  core::NodeCore n00(config_for(0, {}), *s00);
  core::NodeCore n44(config_for(44, {}), *s44);
  const std::string record_id = records_between(44, 51, 1)[0].record_id;
  const std::string inner = reply_by(51, 44, 700, record_id, true);
  revoke(51, n00, &n44, kStartMs);
  ASSERT_TRUE(n44.directory().has_value());

  auto forwarded = [&](std::uint64_t id, const std::string& reply) {
    capnp::MallocMessageBuilder b;
    auto env = new_envelope(b, id, 0, 44, kStartMs);
    env.initBody().initForwardedReplies(1).set(0, bytes_of(reply));
    return TestSigning::shared().sign(b, 0);
  };
  std::string broken = inner;
  broken[broken.size() - 3] ^= 0x01;  // inside the signature, the last field
  std::string reason;
  core::Effects refused = n44.on_envelope(0, forwarded(801, broken), kStartMs + 1000);
  EXPECT_FALSE(acknowledged(refused, &reason));
  EXPECT_NE(reason.find("forwarded reply 0: the ecdsaP256Sha256 signature of the envelope from "
                        "node 51 does not verify"),
            std::string::npos)
      << reason;
  EXPECT_TRUE(n44.inbox()->empty());

  core::Effects fx = n44.on_envelope(0, forwarded(802, inner), kStartMs + 2000);
  EXPECT_TRUE(acknowledged(fx, &reason)) << reason;
  EXPECT_TRUE(logged(fx, "reply.signer_revoked"));
  auto inbox = n44.inbox();
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].kind, "rejected");
  EXPECT_EQ((*inbox)[0].item_id, record_id);
}

// Likewise a receipt an author gives the national node as evidence of a
// direct exchange: signed before the destination's certificate was revoked,
// it is kept, with a warning.
TEST(Directory, EvidenceWhoseReceiptSignerWasRevokedSinceIsKept) {
  TempDir dir("core-revoked-evidence");
  auto s00 = open_store(dir.sub("00"));
  core::NodeCore n00(config_for(0, {}), *s00);
  const std::string receipt = reply_by(51, 44, 700, "", false);
  revoke(51, n00, nullptr, kStartMs);

  auto evidence = [&](std::uint64_t id, const std::string& signed_receipt) {
    capnp::MallocMessageBuilder b;
    auto env = new_envelope(b, id, 44, 0, kStartMs);
    auto ev = env.initBody().initExchangeEvidence(1)[0];
    ev.setAuthor(44);
    ev.setMessageId(700);
    ev.setDestination(51);
    ev.setKind("migrantBatch");
    ev.setAcknowledgedAtMs(kStartMs);
    ev.setReceipt(bytes_of(signed_receipt));
    return TestSigning::shared().sign(b, 44);
  };
  std::string broken = receipt;
  broken[broken.size() - 3] ^= 0x01;
  std::string reason;
  EXPECT_FALSE(acknowledged(n00.on_envelope(44, evidence(801, broken), kStartMs + 1000), &reason));
  EXPECT_NE(reason.find("evidence 0: receipt: the ecdsaP256Sha256 signature of the envelope "
                        "from node 51 does not verify"),
            std::string::npos)
      << reason;
  EXPECT_EQ(*n00.evidence_count(), 0u);

  core::Effects fx = n00.on_envelope(44, evidence(802, receipt), kStartMs + 2000);
  EXPECT_TRUE(acknowledged(fx, &reason)) << reason;
  EXPECT_TRUE(logged(fx, "reply.signer_revoked"));
  EXPECT_EQ(*n00.evidence_count(), 1u);
}

}  // namespace
}  // namespace provnet
