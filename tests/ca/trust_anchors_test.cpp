// TrustAnchors: a certificate speaks for a node only if it chains to the
// provnet CA and it and the CA are valid at the given time; each way of
// failing has its own message.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <fstream>

#include "ca/certificates.hpp"
#include "ca/trust_anchors.hpp"
#include "ca_test_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::ca {
namespace {

using testing::kSecondsPerDay;
using testing::NodeCertificateOptions;
using testing::TempDir;
using testing::TestPki;

class TrustAnchorsTest : public ::testing::Test {
 protected:
  Error refusal(X509* leaf, std::int64_t at) {
    auto code = anchors_.verify_node_certificate(leaf, at);
    EXPECT_FALSE(code);
    if (code) return Error{Errc::io, "accepted"};
    EXPECT_EQ(code.error().code, Errc::security);
    return code.error();
  }

  TempDir dir_;
  TestPki pki_{dir_.path()};
  TrustAnchors anchors_ = *TrustAnchors::from_pem_file(pki_.ca_certificate_path());
  std::int64_t now_ = pki_.now_unix();
};

TEST_F(TrustAnchorsTest, ACertificateOfTheCaNamesItsNode) {
  auto node = pki_.issue_node_in_memory(44);
  auto code = anchors_.verify_node_certificate(node.certificate.get(), now_);
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, 44);
}

TEST_F(TrustAnchorsTest, AnSm2ChainVerifies) {
  TestPki sm2(dir_.path(), {.key_algorithm = KeyAlgorithm::sm2, .file_stem = "sm2-ca"});
  auto anchors = sm2.anchors();
  auto node = sm2.issue_node_in_memory(31, {.key_algorithm = KeyAlgorithm::sm2});
  auto code = anchors.verify_node_certificate(node.certificate.get(), now_);
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, 31);
}

TEST_F(TrustAnchorsTest, AForeignCasCertificateIsNotIssuedByTheProvnetCa) {
  TestPki foreign(dir_.path(), {.file_stem = "foreign-ca", .common_name = "someone else's CA"});
  auto node = foreign.issue_node_in_memory(44);
  Error e = refusal(node.certificate.get(), now_);
  EXPECT_EQ(e.message, fmt::format("certificate {} is not issued by the provnet CA (unable to get "
                                   "issuer CN=someone else's CA, O=provnet: it is not among the 1 "
                                   "certificate(s) of the CA file {})",
                                   certificate_description(node.certificate.get()),
                                   pki_.ca_certificate_path()));
}

TEST_F(TrustAnchorsTest, ASelfSignedCertificateIsNotIssuedByTheProvnetCa) {
  TestPki lone(dir_.path(), {.file_stem = "lone"});
  Error e = refusal(lone.ca_certificate(), now_);
  EXPECT_TRUE(mentions(e, "is self-signed, not issued by the provnet CA")) << e.message;
}

TEST_F(TrustAnchorsTest, AnExpiredCertificateSaysWhenItExpired) {
  auto node = pki_.issue_node_in_memory(
      44, {.not_before_offset_s = -2 * kSecondsPerDay, .not_after_offset_s = -kSecondsPerDay});
  Error e = refusal(node.certificate.get(), now_);
  EXPECT_EQ(e.message, fmt::format("certificate {} expired on {} (checked at {})",
                                   certificate_description(node.certificate.get()),
                                   utc_text(now_ - kSecondsPerDay), utc_text(now_)));
}

TEST_F(TrustAnchorsTest, ANotYetValidCertificateSaysFromWhen) {
  auto node = pki_.issue_node_in_memory(
      44, {.not_before_offset_s = kSecondsPerDay, .not_after_offset_s = 2 * kSecondsPerDay});
  Error e = refusal(node.certificate.get(), now_);
  EXPECT_TRUE(mentions(e, fmt::format("certificate {} is not valid before {} (checked at {};",
                                      certificate_description(node.certificate.get()),
                                      utc_text(now_ + kSecondsPerDay), utc_text(now_))))
      << e.message;
  // The same certificate is fine once its time has come.
  EXPECT_TRUE(anchors_.verify_node_certificate(node.certificate.get(), now_ + kSecondsPerDay));
}

TEST_F(TrustAnchorsTest, ValidityBoundsAreOpensslsHalfOpenPeriod) {
  auto node = pki_.issue_node_in_memory(44, {.not_before_offset_s = 0, .not_after_offset_s = 100});
  X509* x = node.certificate.get();
  EXPECT_FALSE(anchors_.verify_node_certificate(x, now_ - 1));
  EXPECT_TRUE(anchors_.verify_node_certificate(x, now_));
  EXPECT_TRUE(anchors_.verify_node_certificate(x, now_ + 99));
  EXPECT_FALSE(anchors_.verify_node_certificate(x, now_ + 100));
  auto period = validity_period_of(x);
  EXPECT_FALSE(period->contains(now_ - 1));
  EXPECT_TRUE(period->contains(now_));
  EXPECT_TRUE(period->contains(now_ + 99));
  EXPECT_FALSE(period->contains(now_ + 100));
}

TEST_F(TrustAnchorsTest, AnExpiredCaEndsItsNodesCertificates) {
  TestPki short_lived(dir_.path(),
                      {.file_stem = "short-ca", .not_after_offset_s = 10 * kSecondsPerDay});
  auto node = short_lived.issue_node_in_memory(44);  // valid 30 days, longer than its CA
  auto anchors = short_lived.anchors();

  auto verified = anchors.verify_node(node.certificate.get(), now_);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->chain_validity.not_after_unix, now_ + 10 * kSecondsPerDay);
  EXPECT_EQ(verified->chain_validity.not_before_unix, now_ - 3600);

  auto later = anchors.verify_node_certificate(node.certificate.get(), now_ + 20 * kSecondsPerDay);
  ASSERT_FALSE(later);
  EXPECT_TRUE(mentions(later.error(), "CA certificate CN=provnet test CA, O=provnet"))
      << later.error().message;
  EXPECT_TRUE(
      mentions(later.error(), fmt::format("expired on {}", utc_text(now_ + 10 * kSecondsPerDay))))
      << later.error().message;
}

TEST_F(TrustAnchorsTest, AnAlteredCertificateHasABadSignature) {
  auto node = pki_.issue_node_in_memory(44);
  std::string der = *certificate_der(node.certificate.get());
  // Flip a bit in the last byte of the signature value.
  der.back() = static_cast<char>(der.back() ^ 0x01);
  auto altered = certificate_from_der(der, "altered");
  ASSERT_TRUE(altered) << altered.error().message;
  Error e = refusal(altered->get(), now_);
  EXPECT_TRUE(mentions(e, "has a bad signature")) << e.message;
}

TEST_F(TrustAnchorsTest, IdentityErrorsComeAfterTheChainChecksOut) {
  auto certificate = hand_made_certificate(pki_, {.san_uris = {"provnet:node:99"}});
  Error e = refusal(certificate.get(), now_);
  EXPECT_TRUE(mentions(e, "names node 99")) << e.message;
}

TEST_F(TrustAnchorsTest, TheCaItselfIsNotANode) {
  Error e = refusal(pki_.ca_certificate(), now_);
  EXPECT_TRUE(mentions(e, "is a CA certificate, not a node certificate")) << e.message;
}

TEST_F(TrustAnchorsTest, ACaFileMayHoldSeveralCas) {
  TestPki next(dir_.path(), {.file_stem = "next-ca", .common_name = "provnet test CA 2"});
  std::ofstream(dir_.sub("both.pem"))
      << *certificate_pem(pki_.ca_certificate()) << *certificate_pem(next.ca_certificate());
  auto both = TrustAnchors::from_pem_file(dir_.sub("both.pem"));
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->certificates().size(), 2u);
  EXPECT_EQ(*both->verify_node_certificate(pki_.issue_node_in_memory(11).certificate.get(), now_),
            11);
  EXPECT_EQ(*both->verify_node_certificate(next.issue_node_in_memory(12).certificate.get(), now_),
            12);
}

TEST_F(TrustAnchorsTest, ANodeCertificateIsNoTrustAnchor) {
  auto files = pki_.issue_node(44);
  auto anchors = TrustAnchors::from_pem_file(files.certificate_path);
  ASSERT_FALSE(anchors);
  EXPECT_EQ(anchors.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(anchors.error(), fmt::format("certificate #1 of the CA file {}, "
                                                    "CN=provnet-node-44",
                                                    files.certificate_path)))
      << anchors.error().message;
  EXPECT_TRUE(mentions(anchors.error(), "is not a CA certificate")) << anchors.error().message;
}

TEST_F(TrustAnchorsTest, AMissingCaFileNamesThePath) {
  auto anchors = TrustAnchors::from_pem_file(dir_.sub("nowhere.pem"));
  ASSERT_FALSE(anchors);
  EXPECT_EQ(anchors.error().code, Errc::not_found);
  EXPECT_TRUE(mentions(anchors.error(), dir_.sub("nowhere.pem"))) << anchors.error().message;
  EXPECT_FALSE(TrustAnchors::from_certificates({}, "an empty list"));
}

TEST_F(TrustAnchorsTest, CopiesShareTheAnchors) {
  TrustAnchors copy = anchors_;
  EXPECT_EQ(copy.store(), anchors_.store());
  EXPECT_EQ(*copy.verify_node_certificate(pki_.issue_node_in_memory(50).certificate.get(), now_),
            50);
}

TEST_F(TrustAnchorsTest, ATlsContextGetsItsOwnStoreWithTheSameCertificates) {
  std::unique_ptr<SSL_CTX, FreeWith<&SSL_CTX_free>> ctx(SSL_CTX_new(TLS_method()));
  ASSERT_NE(ctx, nullptr);
  ASSERT_TRUE(anchors_.install_into(ctx.get()));
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
  EXPECT_NE(store, anchors_.store());
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  ASSERT_EQ(sk_X509_OBJECT_num(objects), 1);
  EXPECT_EQ(
      X509_cmp(X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, 0)), pki_.ca_certificate()), 0);
}

}  // namespace
}  // namespace provnet::ca
