// Envelope signatures end to end: a node signs with its certificate's key,
// a receiver holding only the CA verifies, and every way the claim can be
// wrong is refused with its own message.
#include <gtest/gtest.h>
#include <openssl/err.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "ca/certificates.hpp"
#include "ca/envelope_signatures.hpp"
#include "ca_test_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::ca {
namespace {

using testing::kSecondsPerDay;
using testing::NodeCredentials;
using testing::TempDir;
using testing::TestPki;
using wire::SignatureAlgorithm;

constexpr std::string_view kInput = "canonical envelope bytes with the signature field empty";

std::unique_ptr<CertificateKeySigner> signer_of(NodeCredentials credentials) {
  auto signer = CertificateKeySigner::from_certificate_and_key(std::move(credentials.certificate),
                                                               std::move(credentials.key));
  if (!signer) throw std::runtime_error(signer.error().message);
  return std::move(*signer);
}

struct Signed {
  std::string certificate_der;
  SignatureAlgorithm algorithm;
  std::string signature;
};

Signed sign(const CertificateKeySigner& signer, std::string_view input = kInput) {
  auto signature = signer.sign(input);
  if (!signature) throw std::runtime_error(signature.error().message);
  return {std::string(signer.certificate_der()), signer.algorithm(), *signature};
}

class EnvelopeSignatures : public ::testing::Test {
 protected:
  Result<void> verify(domain::ProvinceCode author, const Signed& s, std::int64_t now_unix,
                      std::string_view input = kInput,
                      core::RevokedSigner revoked = core::RevokedSigner::refuse) {
    return verifier_.verify(author, s.certificate_der, s.algorithm, input, s.signature,
                            now_unix * 1000, revoked);
  }
  Error refusal(domain::ProvinceCode author, const Signed& s, std::int64_t now_unix,
                std::string_view input = kInput) {
    auto r = verify(author, s, now_unix, input);
    EXPECT_FALSE(r) << "accepted";
    if (r) return Error{Errc::io, "accepted"};
    EXPECT_EQ(r.error().code, Errc::security);
    return r.error();
  }

  TempDir dir_;
  TestPki pki_{dir_.path()};
  CertificateVerifier verifier_{pki_.anchors()};
  std::int64_t now_ = pki_.now_unix();
};

TEST_F(EnvelopeSignatures, EcdsaP256RoundTrip) {
  auto signer = signer_of(pki_.issue_node_in_memory(44));
  EXPECT_EQ(signer->algorithm(), SignatureAlgorithm::ECDSA_P256_SHA256);
  EXPECT_EQ(signer->node_code(), 44);
  Signed s = sign(*signer);
  auto ok = verify(44, s, now_);
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST_F(EnvelopeSignatures, Sm2RoundTripUnderAnSm2Ca) {
  TestPki sm2(dir_.path(), {.key_algorithm = KeyAlgorithm::sm2, .file_stem = "sm2-ca"});
  CertificateVerifier verifier(sm2.anchors());
  auto signer = signer_of(sm2.issue_node_in_memory(11, {.key_algorithm = KeyAlgorithm::sm2}));
  EXPECT_EQ(signer->algorithm(), SignatureAlgorithm::SM2_SM3);
  Signed s = sign(*signer);
  auto ok = verifier.verify(11, s.certificate_der, s.algorithm, kInput, s.signature, now_ * 1000,
                            core::RevokedSigner::refuse);
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST_F(EnvelopeSignatures, Sm2SignaturesUseTheGmtDefaultIdentifier) {
  auto signer = signer_of(pki_.issue_node_in_memory(11, {.key_algorithm = KeyAlgorithm::sm2}));
  Signed s = sign(*signer);
  auto check = [&](std::optional<std::string_view> id) {
    DigestContextHandle context(EVP_MD_CTX_new());
    EVP_PKEY_CTX* key_context = nullptr;
    EVP_DigestVerifyInit(context.get(), &key_context, EVP_sm3(), nullptr,
                         X509_get0_pubkey(signer->certificate()));
    if (id) EVP_PKEY_CTX_set1_id(key_context, id->data(), id->size());
    const int result = EVP_DigestVerify(
        context.get(), reinterpret_cast<const unsigned char*>(s.signature.data()),
        s.signature.size(), reinterpret_cast<const unsigned char*>(kInput.data()), kInput.size());
    ERR_clear_error();
    return result;
  };
  EXPECT_EQ(kSm2DistinguishingId, "1234567812345678");
  EXPECT_EQ(check("1234567812345678"), 1);
  EXPECT_NE(check(std::nullopt), 1);  // OpenSSL 3.0's empty default would not match
  EXPECT_NE(check("ALICE123@YAHOO.COM"), 1);
}

TEST_F(EnvelopeSignatures, EachSignatureVerifiesButAnyChangeBreaksIt) {
  auto signer = signer_of(pki_.issue_node_in_memory(44));
  Signed s = sign(*signer);
  std::string tampered(kInput);
  tampered[5] ^= 0x20;
  Error e = refusal(44, s, now_, tampered);
  EXPECT_TRUE(mentions(e,
                       "the ecdsaP256Sha256 signature of the envelope from node 44 does not "
                       "verify with the key of its certificate CN=provnet-node-44"))
      << e.message;

  Signed bad_signature = s;
  bad_signature.signature.back() ^= 0x01;
  EXPECT_TRUE(mentions(refusal(44, bad_signature, now_), "does not verify"));

  Signed garbage = s;
  garbage.signature = "not DER";
  EXPECT_TRUE(mentions(refusal(44, garbage, now_), "does not verify"));

  Signed empty = s;
  empty.signature.clear();
  EXPECT_EQ(refusal(44, empty, now_).message, "envelope from node 44 carries no signature");
}

TEST_F(EnvelopeSignatures, AnSm2TamperedInputFails) {
  TestPki sm2(dir_.path(), {.key_algorithm = KeyAlgorithm::sm2, .file_stem = "sm2-ca"});
  CertificateVerifier verifier(sm2.anchors());
  auto signer = signer_of(sm2.issue_node_in_memory(11, {.key_algorithm = KeyAlgorithm::sm2}));
  Signed s = sign(*signer);
  auto r = verifier.verify(11, s.certificate_der, s.algorithm, "another input", s.signature,
                           now_ * 1000, core::RevokedSigner::refuse);
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "sm2Sm3 signature of the envelope from node 11 does not verify"))
      << r.error().message;
}

TEST_F(EnvelopeSignatures, ACertificateOfAnotherNodeCannotClaimTheAuthor) {
  Signed s = sign(*signer_of(pki_.issue_node_in_memory(31)));
  Error e = refusal(32, s, now_);
  EXPECT_TRUE(mentions(e, "envelope signed by a certificate of node 31 but claims author 32"))
      << e.message;
}

TEST_F(EnvelopeSignatures, AForeignCasCertificateIsRefused) {
  TestPki foreign(dir_.path(), {.file_stem = "foreign-ca"});
  Signed s = sign(*signer_of(foreign.issue_node_in_memory(44)));
  Error e = refusal(44, s, now_);
  EXPECT_TRUE(mentions(e, "is not issued by the provnet CA (unable to get issuer")) << e.message;
}

TEST_F(EnvelopeSignatures, ExpiryIsCheckedOnEveryCallEvenWhenCached) {
  Signed s = sign(*signer_of(pki_.issue_node_in_memory(44)));  // valid for 30 days
  ASSERT_TRUE(verify(44, s, now_));
  ASSERT_TRUE(verify(44, s, now_ + 60));
  EXPECT_EQ(verifier_.chain_verifications(), 1u);  // the second call used the cache
  EXPECT_EQ(verifier_.cached_certificates(), 1u);

  const std::int64_t later = now_ + 31 * kSecondsPerDay;
  Error e = refusal(44, s, later);
  EXPECT_TRUE(mentions(e, fmt::format("expired on {} (checked at {})",
                                      utc_text(now_ + 30 * kSecondsPerDay), utc_text(later))))
      << e.message;
  // And it is still valid at a time inside its period.
  EXPECT_TRUE(verify(44, s, now_ + 120));
}

TEST_F(EnvelopeSignatures, ANotYetValidCertificateIsRefusedUntilItsTime) {
  Signed s = sign(*signer_of(pki_.issue_node_in_memory(
      44, {.not_before_offset_s = kSecondsPerDay, .not_after_offset_s = 2 * kSecondsPerDay})));
  Error e = refusal(44, s, now_);
  EXPECT_TRUE(mentions(e, fmt::format("is not valid before {}", utc_text(now_ + kSecondsPerDay))))
      << e.message;
  EXPECT_TRUE(verify(44, s, now_ + kSecondsPerDay));
  // A millisecond before its first second is still before it.
  auto early = verifier_.verify(44, s.certificate_der, s.algorithm, kInput, s.signature,
                                (now_ + kSecondsPerDay) * 1000 - 1, core::RevokedSigner::refuse);
  EXPECT_FALSE(early);
}

// A revoked certificate's signatures are refused as they arrive; a reply
// another node vouches for (RevokedSigner::accept) still needs a valid
// signature, chain and author.
TEST_F(EnvelopeSignatures, ARevokedCertificateIsRefusedUnlessTheReplyIsVouchedFor) {
  auto signer = signer_of(pki_.issue_node_in_memory(44));
  Signed s = sign(*signer);
  ASSERT_TRUE(verify(44, s, now_));
  verifier_.set_revoked_serials({certificate_serial_hex(signer->certificate())});
  Error e = refusal(44, s, now_);
  EXPECT_TRUE(mentions(e, "which the national directory revoked")) << e.message;
  auto vouched = verify(44, s, now_, kInput, core::RevokedSigner::accept);
  EXPECT_TRUE(vouched) << vouched.error().message;
  std::string tampered(kInput);
  tampered[0] ^= 0x20;
  EXPECT_FALSE(verify(44, s, now_, tampered, core::RevokedSigner::accept));
  EXPECT_FALSE(verify(31, s, now_, kInput, core::RevokedSigner::accept));
  EXPECT_FALSE(verify(44, s, now_ + 31 * kSecondsPerDay, kInput, core::RevokedSigner::accept))
      << "an expired certificate stays refused";
  verifier_.set_revoked_serials({});
  EXPECT_TRUE(verify(44, s, now_));
}

TEST_F(EnvelopeSignatures, TheAlgorithmMustMatchTheCertificatesKey) {
  Signed s = sign(*signer_of(pki_.issue_node_in_memory(44)));
  s.algorithm = SignatureAlgorithm::SM2_SM3;
  Error e = refusal(44, s, now_);
  EXPECT_TRUE(mentions(e,
                       "envelope from node 44 names signature algorithm sm2Sm3, but its "
                       "certificate CN=provnet-node-44"))
      << e.message;
  EXPECT_TRUE(mentions(e, "has an ECDSA P-256 key (ecdsaP256Sha256)")) << e.message;

  Signed sm2 =
      sign(*signer_of(pki_.issue_node_in_memory(45, {.key_algorithm = KeyAlgorithm::sm2})));
  sm2.algorithm = SignatureAlgorithm::ECDSA_P256_SHA256;
  EXPECT_TRUE(mentions(refusal(45, sm2, now_), "has an SM2 key (sm2Sm3)"));

  s.algorithm = static_cast<SignatureAlgorithm>(7);
  EXPECT_TRUE(mentions(refusal(44, s, now_), "names signature algorithm unknown (7)"));
}

TEST_F(EnvelopeSignatures, MissingOrDamagedCertificatesAreSecurityErrors) {
  Signed s = sign(*signer_of(pki_.issue_node_in_memory(44)));
  Signed none = s;
  none.certificate_der.clear();
  EXPECT_EQ(refusal(44, none, now_).message, "envelope from node 44 carries no signer certificate");

  Signed damaged = s;
  damaged.certificate_der.resize(damaged.certificate_der.size() / 2);
  EXPECT_TRUE(mentions(refusal(44, damaged, now_),
                       "the signer certificate of an envelope from node 44 is not a DER X.509 "
                       "certificate"));
}

TEST_F(EnvelopeSignatures, TheSignerRefusesAKeyThatIsNotTheCertificates) {
  auto node44 = pki_.issue_node_in_memory(44);
  auto node45 = pki_.issue_node_in_memory(45);
  auto signer = CertificateKeySigner::from_certificate_and_key(std::move(node44.certificate),
                                                               std::move(node45.key));
  ASSERT_FALSE(signer);
  EXPECT_EQ(signer.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(signer.error(),
                       "the node certificate and key: the private key does not "
                       "belong to certificate CN=provnet-node-44"))
      << signer.error().message;
}

TEST_F(EnvelopeSignatures, TheSignerRefusesACertificateThatNamesNoNode) {
  auto signer = CertificateKeySigner::from_certificate_and_key(
      share_certificate(pki_.ca_certificate()), share_key(pki_.ca_key()));
  ASSERT_FALSE(signer);
  EXPECT_TRUE(mentions(signer.error(), "has no subjectAltName")) << signer.error().message;
}

TEST_F(EnvelopeSignatures, TheSignerLoadsFromFilesAndNamesThemInErrors) {
  auto files = pki_.issue_node(44, {.key_algorithm = KeyAlgorithm::sm2});
  auto signer = CertificateKeySigner::load(files.certificate_path, files.key_path);
  ASSERT_TRUE(signer) << signer.error().message;
  EXPECT_EQ((*signer)->node_code(), 44);
  EXPECT_EQ((*signer)->algorithm(), SignatureAlgorithm::SM2_SM3);
  EXPECT_TRUE(verify(44, sign(**signer), now_));

  auto missing = CertificateKeySigner::load(files.certificate_path, dir_.sub("absent.key"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message,
            "private key file " + dir_.sub("absent.key") + " does not exist");

  auto swapped = CertificateKeySigner::load(files.key_path, files.certificate_path);
  ASSERT_FALSE(swapped);
  EXPECT_TRUE(mentions(swapped.error(), files.key_path)) << swapped.error().message;
  EXPECT_TRUE(mentions(swapped.error(), "swapped")) << swapped.error().message;

  auto other = pki_.issue_node(45, {.file_suffix = "-other"});
  auto mismatched = CertificateKeySigner::load(files.certificate_path, other.key_path);
  ASSERT_FALSE(mismatched);
  EXPECT_TRUE(mentions(mismatched.error(), fmt::format("certificate file {} with key file {}: the "
                                                       "private key does not belong",
                                                       files.certificate_path, other.key_path)))
      << mismatched.error().message;
}

TEST_F(EnvelopeSignatures, TheCacheIsBoundedAndEvictsTheOldest) {
  CertificateVerifier small(pki_.anchors(), 2);
  std::vector<Signed> signed_by;
  for (domain::ProvinceCode code : {11, 12, 13}) {
    signed_by.push_back(sign(*signer_of(pki_.issue_node_in_memory(code))));
  }
  auto run = [&](domain::ProvinceCode code, const Signed& s) {
    return small.verify(code, s.certificate_der, s.algorithm, kInput, s.signature, now_ * 1000,
                        core::RevokedSigner::refuse);
  };
  ASSERT_TRUE(run(11, signed_by[0]));
  ASSERT_TRUE(run(12, signed_by[1]));
  ASSERT_TRUE(run(13, signed_by[2]));  // evicts 11's
  EXPECT_EQ(small.cached_certificates(), 2u);
  EXPECT_EQ(small.chain_verifications(), 3u);
  ASSERT_TRUE(run(13, signed_by[2]));
  EXPECT_EQ(small.chain_verifications(), 3u);
  ASSERT_TRUE(run(11, signed_by[0]));  // checked again, evicts 12's
  EXPECT_EQ(small.chain_verifications(), 4u);
  ASSERT_TRUE(run(12, signed_by[1]));
  EXPECT_EQ(small.chain_verifications(), 5u);
}

TEST_F(EnvelopeSignatures, SeveralThreadsShareOneSignerAndOneVerifier) {
  auto signer = signer_of(pki_.issue_node_in_memory(44));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string input = fmt::format("envelope {} of thread {}", i, t);
        auto signature = signer->sign(input);
        if (!signature ||
            !verifier_.verify(44, signer->certificate_der(), signer->algorithm(), input, *signature,
                              now_ * 1000, core::RevokedSigner::refuse)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(verifier_.cached_certificates(), 1u);
}

}  // namespace
}  // namespace provnet::ca
