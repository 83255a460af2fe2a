// The wire protocol: every message kind round-trips, the official
// `capnp decode` tool reads our framed messages with our schemas, and the
// decoder's limits hold.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "domain/domain_test_support.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

// A valid record of Guangdong (44) about a migrant from Sichuan (51).
domain::MigrantRecord sample_record() {
  return domain::test_support::valid_inflow();
}

std::string build_envelope(const std::function<void(wire::Body::Builder)>& fill,
                           std::uint64_t id = 4242) {
  capnp::MallocMessageBuilder b;
  auto env = b.initRoot<wire::Envelope>();
  env.setMessageId(id);
  env.setAuthor(44);
  env.setDestination(51);
  env.setCreatedAtMs(1'795'000'000'000);
  fill(env.initBody());
  env.setSignature(kj::heapArray<kj::byte>({1, 2, 3}));
  return core::serialize_message(b);
}

TEST(Protocol, RecordSurvivesTheWireUnchanged) {
  domain::MigrantRecord r = sample_record();
  for (std::optional<bool> spouse :
       {std::optional<bool>{}, std::optional<bool>{true}, std::optional<bool>{false}}) {
    r.spouse_migrates = spouse;
    capnp::MallocMessageBuilder b;
    core::record_to_wire(r, b.initRoot<wire::MigrantRecord>());
    EXPECT_EQ(core::record_from_wire(b.getRoot<wire::MigrantRecord>().asReader()), r);
  }
  r.direction = "outflow";
  capnp::MallocMessageBuilder b;
  core::record_to_wire(r, b.initRoot<wire::MigrantRecord>());
  EXPECT_EQ(core::record_from_wire(b.getRoot<wire::MigrantRecord>().asReader()), r);
}

// One envelope of every body kind: encode, decode, and find the content.
TEST(Protocol, EveryBodyKindRoundTrips) {
  using W = wire::Body::Which;
  struct Case {
    W which;
    std::function<void(wire::Body::Builder)> fill;
    std::function<void(wire::Body::Reader)> check;
  };
  std::vector<Case> cases = {
      {W::MIGRANT_BATCH,
       [](auto b) {
         auto v = b.initMigrantBatch().initVersions(1)[0];
         core::record_to_wire(sample_record(), v.initRecord());
         v.setVersion(3);
         v.setChange(wire::ChangeKind::CORRECTED);
       },
       [](auto b) {
         auto v = b.getMigrantBatch().getVersions()[0];
         EXPECT_EQ(v.getVersion(), 3u);
         EXPECT_EQ(v.getChange(), wire::ChangeKind::CORRECTED);
         EXPECT_EQ(core::record_from_wire(v.getRecord()), sample_record());
       }},
      {W::CHECK_NOTICES, [](auto b) { b.initCheckNotices(1)[0].setNoticeId("44-n1"); },
       [](auto b) { EXPECT_EQ(std::string(b.getCheckNotices()[0].getNoticeId()), "44-n1"); }},
      {W::CHECK_FEEDBACKS,
       [](auto b) { b.initCheckFeedbacks(1)[0].setOutcome(wire::FeedbackOutcome::NOT_FOUND); },
       [](auto b) {
         EXPECT_EQ(b.getCheckFeedbacks()[0].getOutcome(), wire::FeedbackOutcome::NOT_FOUND);
       }},
      {W::BIRTH_REGISTRATIONS, [](auto b) { b.initBirthRegistrations(1)[0].setHukouProvince(51); },
       [](auto b) { EXPECT_EQ(b.getBirthRegistrations()[0].getHukouProvince(), 51); }},
      {W::BIRTH_FEEDBACKS, [](auto b) { b.initBirthFeedbacks(2)[1].setRegistrationId("r2"); },
       [](auto b) { EXPECT_EQ(std::string(b.getBirthFeedbacks()[1].getRegistrationId()), "r2"); }},
      {W::VERIFICATION_QUERIES,
       [](auto b) {
         auto q = b.initVerificationQueries(1)[0];
         q.setKind(wire::QueryKind::PREGNANCY);
         q.setDueDate("20261215");
       },
       [](auto b) {
         EXPECT_EQ(b.getVerificationQueries()[0].getKind(), wire::QueryKind::PREGNANCY);
         EXPECT_EQ(std::string(b.getVerificationQueries()[0].getDueDate()), "20261215");
       }},
      {W::VERIFICATION_ANSWERS,
       [](auto b) { b.initVerificationAnswers(1)[0].setFinding(wire::QueryFinding::CONFIRMED); },
       [](auto b) {
         EXPECT_EQ(b.getVerificationAnswers()[0].getFinding(), wire::QueryFinding::CONFIRMED);
       }},
      {W::ACKNOWLEDGEMENTS,
       [](auto b) {
         auto a = b.initAcknowledgements(1)[0];
         a.setAuthor(51);
         a.setMessageId(9);
         a.setDuplicate(true);
       },
       [](auto b) {
         EXPECT_EQ(b.getAcknowledgements()[0].getMessageId(), 9u);
         EXPECT_TRUE(b.getAcknowledgements()[0].getDuplicate());
       }},
      {W::REJECTION,
       [](auto b) {
         auto e = b.initRejection().initItems(1)[0].initErrors(1)[0];
         e.setField("birth_date");
         e.setWisField("WISField012");
       },
       [](auto b) {
         EXPECT_EQ(std::string(b.getRejection().getItems()[0].getErrors()[0].getWisField()),
                   "WISField012");
       }},
      {W::AUDIT_CHECKPOINT,
       [](auto b) {
         auto c = b.initAuditCheckpoint();
         c.setEntryCount(17);
         c.initCounts(1)[0].setSent(5);
       },
       [](auto b) {
         EXPECT_EQ(b.getAuditCheckpoint().getEntryCount(), 17u);
         EXPECT_EQ(b.getAuditCheckpoint().getCounts()[0].getSent(), 5u);
       }},
      {W::QUARTERLY_STATISTICS,
       [](auto b) {
         auto q = b.initQuarterlyStatistics();
         q.setQuarter(3);
         q.initTables(1)[0].initCells(1)[0].setCount(99);
       },
       [](auto b) {
         EXPECT_EQ(b.getQuarterlyStatistics().getQuarter(), 3);
         EXPECT_EQ(b.getQuarterlyStatistics().getTables()[0].getCells()[0].getCount(), 99u);
       }},
      {W::MONTHLY_SUMMARY, [](auto b) { b.initMonthlySummary().initPairs(1)[0].setOverdue(4); },
       [](auto b) { EXPECT_EQ(b.getMonthlySummary().getPairs()[0].getOverdue(), 4u); }},
      {W::SIGNED_DIRECTORY,
       [](auto b) {
         b.initSignedDirectory().setSignatureAlgorithm(wire::SignatureAlgorithm::SM2_SM3);
       },
       [](auto b) {
         EXPECT_EQ(b.getSignedDirectory().getSignatureAlgorithm(),
                   wire::SignatureAlgorithm::SM2_SM3);
       }},
      {W::REVOCATION_NOTICE,
       [](auto b) { b.initRevocationNotice().initRevocation().setSerial("0a1b"); },
       [](auto b) {
         EXPECT_EQ(std::string(b.getRevocationNotice().getRevocation().getSerial()), "0a1b");
       }},
  };
  ASSERT_EQ(cases.size(), 14u) << "a body kind has no round-trip case";
  for (const Case& c : cases) {
    std::string bytes = build_envelope(c.fill);
    auto decoded = core::DecodedEnvelope::decode(bytes, {});
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    auto env = decoded->root();
    EXPECT_EQ(env.getMessageId(), 4242u);
    EXPECT_EQ(env.getAuthor(), 44);
    EXPECT_EQ(env.getDestination(), 51);
    ASSERT_EQ(env.getBody().which(), c.which) << core::body_kind_name(c.which);
    c.check(env.getBody());
  }
}

TEST(Protocol, SigningInputCoversHeaderAndBodyButNotTheSignature) {
  auto input_of = [](const std::string& bytes) {
    return core::signing_input(core::DecodedEnvelope::decode(bytes, {})->root());
  };
  auto fill = [](wire::Body::Builder b) { b.initCheckNotices(1)[0].setNoticeId("n"); };
  std::string a = build_envelope(fill);
  // Same content, different signature bytes: same input.
  capnp::MallocMessageBuilder b;
  b.setRoot(core::DecodedEnvelope::decode(a, {})->root());
  b.getRoot<wire::Envelope>().setSignature(kj::heapArray<kj::byte>({9, 9}));
  EXPECT_EQ(input_of(a), input_of(core::serialize_message(b)));
  // A different message id or body: a different input.
  EXPECT_NE(input_of(a), input_of(build_envelope(fill, 4243)));
  EXPECT_NE(input_of(a), input_of(build_envelope([](wire::Body::Builder x) {
              x.initCheckNotices(1)[0].setNoticeId("m");
            })));
}

TEST(Protocol, CanonicalMessagesAreEqualForEqualContent) {
  capnp::MallocMessageBuilder a, b;
  core::record_to_wire(sample_record(), a.initRoot<wire::MigrantRecord>());
  // Built in another order (name set twice) - layout may differ, content not.
  auto rb = b.initRoot<wire::MigrantRecord>();
  rb.setName("x");
  core::record_to_wire(sample_record(), rb);
  EXPECT_EQ(core::canonical_message(a.getRoot<wire::MigrantRecord>().asReader()),
            core::canonical_message(b.getRoot<wire::MigrantRecord>().asReader()));
}

TEST(Protocol, DecoderRefusesWhatIsNotAMessage) {
  EXPECT_FALSE(core::DecodedEnvelope::decode("", {}).ok());
  EXPECT_FALSE(core::DecodedEnvelope::decode("abc", {}).ok());
  // A segment table announcing 2^31 words.
  std::string huge("\0\0\0\0\xff\xff\xff\x7f", 8);
  auto r = core::DecodedEnvelope::decode(huge, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt);
  // Truncated: a real message cut short.
  std::string full = build_envelope([](auto b) { b.initCheckNotices(3); });
  EXPECT_FALSE(core::DecodedEnvelope::decode(full.substr(0, full.size() - 16), {}).ok());
}

TEST(Protocol, TraversalLimitBoundsWhatAMessageMayCost) {
  std::string big = build_envelope([](auto b) {
    auto list = b.initMigrantBatch().initVersions(2000);
    for (auto v : list) core::record_to_wire(sample_record(), v.initRecord());
  });
  core::DecodeLimits tight;
  tight.traversal_limit_words = 1024;
  auto env = core::DecodedEnvelope::decode(big, tight);
  // Either refused at decode, or reading it throws: never read beyond the limit.
  if (env.ok()) {
    EXPECT_THROW(
        {
          for (auto v : env->root().getBody().getMigrantBatch().getVersions()) {
            (void)v.getRecord().getName().size();
          }
        },
        kj::Exception);
  }
  EXPECT_TRUE(core::DecodedEnvelope::decode(big, {}).ok());
}

// A list of empty structs costs nothing on the wire but any number of
// elements when read: a few bytes must not make a receiver iterate millions
// of records. The decoder refuses a message that reads more than it holds.
TEST(Protocol, DecoderRefusesAListThatClaimsMoreThanTheMessageHolds) {
  std::string bytes = build_envelope([](auto b) { b.initMigrantBatch().initVersions(0); });
  // The empty list's tag word: element count 0, then the element's size.
  const auto size = capnp::_::structSize<wire::RecordVersion>();
  std::string tag(8, '\0');
  tag[4] = static_cast<char>(size.data & 0xff);
  tag[5] = static_cast<char>(size.data >> 8);
  tag[6] = static_cast<char>(size.pointers & 0xff);
  tag[7] = static_cast<char>(size.pointers >> 8);
  std::size_t at = std::string::npos;
  for (std::size_t i = 8; i + 8 <= bytes.size(); i += 8) {
    if (bytes.compare(i, 8, tag) == 0) at = i;
  }
  ASSERT_NE(at, std::string::npos) << "the list's tag word was not found";
  // Now: 4,000,000 elements of no size at all.
  const std::uint32_t claimed = 4'000'000;
  std::string amplified = bytes;
  const std::uint32_t offset_field = claimed << 2;
  for (int i = 0; i < 4; ++i)
    amplified[at + i] = static_cast<char>((offset_field >> (8 * i)) & 0xff);
  for (int i = 4; i < 8; ++i) amplified[at + i] = '\0';
  ASSERT_TRUE(core::DecodedEnvelope::decode(bytes, {}).ok());
  auto r = core::DecodedEnvelope::decode(amplified, {});
  ASSERT_FALSE(r.ok()) << "a message of " << amplified.size() << " bytes was read as "
                       << r->root().getBody().getMigrantBatch().getVersions().size() << " versions";
  EXPECT_EQ(r.error().code, Errc::corrupt);
  EXPECT_NE(r.error().message.find("more than twice its own size"), std::string::npos)
      << r.error().message;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  return out;
}

// The official tool, given only our schema files, can read what we send:
// the schemas in protocol/ are the documentation of the wire format.
TEST(Protocol, CapnpDecodeToolPrintsTheFieldsOfAFramedEnvelope) {
  testing::TempDir dir("capnp-decode");
  std::string path = dir.sub("envelope.bin");
  {
    std::ofstream f(path, std::ios::binary);
    f << build_envelope([](wire::Body::Builder b) {
      auto v = b.initMigrantBatch().initVersions(1)[0];
      core::record_to_wire(sample_record(), v.initRecord());
      v.setVersion(2);
      v.setOperatorId("op-7");
    });
  }
  std::string out = run(std::string("capnp decode ") + PROVNET_SCHEMA_DIR +
                        "/envelope.capnp Envelope < " + path + " 2>&1");
  EXPECT_NE(out.find("messageId = 4242"), std::string::npos) << out;
  EXPECT_NE(out.find("author = 44"), std::string::npos) << out;
  EXPECT_NE(out.find("destination = 51"), std::string::npos) << out;
  EXPECT_NE(out.find("migrantBatch = ("), std::string::npos) << out;
  EXPECT_NE(out.find("recordId = \"44-2026-000123\""), std::string::npos) << out;
  EXPECT_NE(out.find("direction = inflow"), std::string::npos) << out;
  EXPECT_NE(out.find("hukouAddressCode = \"510107001001\""), std::string::npos) << out;
  EXPECT_NE(out.find("spouseMigrates = yes"), std::string::npos) << out;
  EXPECT_NE(out.find("version = 2"), std::string::npos) << out;
  EXPECT_NE(out.find("operatorId = \"op-7\""), std::string::npos) << out;
}

}  // namespace
}  // namespace provnet
