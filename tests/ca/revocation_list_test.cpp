// The CA's CRL: what it holds, that it is signed by the CA (P-256 and SM2),
// and that the openssl command line reads it and refuses a revoked
// certificate with it.
#include "ca/revocation_list.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "app/run_command.hpp"
#include "ca/ca_test_support.hpp"
#include "ca/certificates.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::ca {
namespace {

using testing::TempDir;
using testing::TestPki;

bool have_openssl() {
  return std::system("command -v openssl >/dev/null 2>&1") == 0;
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string serial_of(const std::string& certificate_path) {
  auto certificate = read_certificate_file(certificate_path);
  if (!certificate) throw std::runtime_error(certificate.error().message);
  return certificate_serial_hex(certificate->get());
}

class RevocationList : public ::testing::TestWithParam<KeyAlgorithm> {
 protected:
  TempDir dir_;
  TestPki pki_{dir_.path(), {.key_algorithm = GetParam()}};
};

TEST_P(RevocationList, HoldsEachRevokedSerialWithDateAndReasonAndIsSignedByTheCa) {
  const std::int64_t now = pki_.now_unix();
  CrlSpec spec;
  spec.last_update_unix = now;
  spec.next_update_unix = now + 7 * 86400;
  spec.crl_number = 42;
  spec.revoked = {{"3A5F09C2D1E4B877", now - 100, "keyCompromise"},
                  {"0A", now - 200, "superseded"},
                  {"01F3", now - 300, "unspecified"},
                  {"7B", now - 400, "affiliationChanged"},
                  {"7C", now - 500, "cessationOfOperation"}};
  auto pem = make_crl_pem(pki_.ca_certificate(), pki_.ca_key(), spec);
  ASSERT_TRUE(pem) << pem.error().message;
  EXPECT_TRUE(pem->starts_with("-----BEGIN X509 CRL-----")) << *pem;

  auto crl = crl_from_pem(*pem, "the test CRL", pki_.ca_certificate());
  ASSERT_TRUE(crl) << crl.error().message;
  EXPECT_EQ(crl->issuer, "CN=provnet test CA, O=provnet");
  EXPECT_EQ(crl->last_update_unix, now);
  EXPECT_EQ(crl->next_update_unix, now + 7 * 86400);
  EXPECT_EQ(crl->crl_number, 42u);
  ASSERT_EQ(crl->revoked.size(), spec.revoked.size());
  for (const RevokedSerial& wanted : spec.revoked) {
    bool found = false;
    for (const RevokedSerial& got : crl->revoked) {
      if (got.serial_hex != wanted.serial_hex) continue;
      found = true;
      EXPECT_EQ(got.revoked_at_unix, wanted.revoked_at_unix) << wanted.serial_hex;
      EXPECT_EQ(got.reason, wanted.reason) << wanted.serial_hex;
    }
    EXPECT_TRUE(found) << wanted.serial_hex;
  }
}

TEST_P(RevocationList, AnEmptyCrlIsValidToo) {
  CrlSpec spec{pki_.now_unix(), pki_.now_unix() + 86400, 1, {}};
  auto pem = make_crl_pem(pki_.ca_certificate(), pki_.ca_key(), spec);
  ASSERT_TRUE(pem) << pem.error().message;
  auto crl = crl_from_pem(*pem, "the test CRL", pki_.ca_certificate());
  ASSERT_TRUE(crl) << crl.error().message;
  EXPECT_TRUE(crl->revoked.empty());
  EXPECT_EQ(crl->crl_number, 1u);
}

TEST_P(RevocationList, AnotherCasCrlOrAnAlteredOneIsRefused) {
  TestPki foreign(
      dir_.path(),
      {.key_algorithm = GetParam(), .file_stem = "foreign-ca", .common_name = "someone else's CA"});
  CrlSpec spec{
      pki_.now_unix(), pki_.now_unix() + 86400, 1, {{"0A", pki_.now_unix(), "superseded"}}};
  auto foreign_pem = make_crl_pem(foreign.ca_certificate(), foreign.ca_key(), spec);
  ASSERT_TRUE(foreign_pem);
  auto refused = crl_from_pem(*foreign_pem, "the foreign CRL", pki_.ca_certificate());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::security);
  EXPECT_TRUE(mentions(refused.error(), "someone else's CA")) << refused.error().message;

  // Same issuer name, other key: the signature is what tells them apart.
  TestPki impostor(dir_.path(), {.key_algorithm = GetParam(), .file_stem = "impostor-ca"});
  auto impostor_pem = make_crl_pem(impostor.ca_certificate(), impostor.ca_key(), spec);
  ASSERT_TRUE(impostor_pem);
  auto forged = crl_from_pem(*impostor_pem, "the impostor's CRL", pki_.ca_certificate());
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, Errc::security);
  EXPECT_TRUE(mentions(forged.error(), "bad signature")) << forged.error().message;
  // Without an issuer to check against it is only read.
  EXPECT_TRUE(crl_from_pem(*impostor_pem, "the impostor's CRL"));
}

TEST_P(RevocationList, TheOpensslCommandLineReadsItAndRefusesTheRevokedCertificate) {
  if (!have_openssl()) GTEST_SKIP() << "no openssl binary on PATH";
  const auto revoked = pki_.issue_node(31);
  const auto kept = pki_.issue_node(44);
  const std::int64_t now = pki_.now_unix();
  CrlSpec spec{
      now - 60, now + 86400, 7, {{serial_of(revoked.certificate_path), now - 30, "keyCompromise"}}};
  auto pem = make_crl_pem(pki_.ca_certificate(), pki_.ca_key(), spec);
  ASSERT_TRUE(pem) << pem.error().message;
  const std::string crl_path = dir_.sub("crl.pem");
  spit(crl_path, *pem);

  auto text = testing::run_command("openssl crl -in " + crl_path + " -noout -text 2>&1");
  EXPECT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("Version 2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("X509v3 CRL Number"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("X509v3 Authority Key Identifier"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(serial_of(revoked.certificate_path)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Key Compromise"), std::string::npos) << text.out;

  const std::string verify = "openssl verify -crl_check -CRLfile " + crl_path + " -CAfile " +
                             pki_.ca_certificate_path() + " ";
  auto refused = testing::run_command(verify + revoked.certificate_path + " 2>&1");
  EXPECT_NE(refused.status, 0) << refused.out;
  EXPECT_NE(refused.out.find("certificate revoked"), std::string::npos) << refused.out;
  auto accepted = testing::run_command(verify + kept.certificate_path + " 2>&1");
  EXPECT_EQ(accepted.status, 0) << accepted.out;
  EXPECT_NE(accepted.out.find(": OK"), std::string::npos) << accepted.out;
}

INSTANTIATE_TEST_SUITE_P(CaKeys, RevocationList,
                         ::testing::Values(KeyAlgorithm::ecdsa_p256, KeyAlgorithm::sm2),
                         [](const auto& info) {
                           return info.param == KeyAlgorithm::sm2 ? "Sm2" : "EcdsaP256";
                         });

TEST(RevocationListSpec, BadInputsAreRefusedWithTheReason) {
  TempDir dir;
  TestPki pki(dir.path());
  const std::int64_t now = pki.now_unix();
  auto bad_reason = make_crl_pem(pki.ca_certificate(), pki.ca_key(),
                                 {now, now + 60, 1, {{"0A", now, "lostTheKey"}}});
  ASSERT_FALSE(bad_reason);
  EXPECT_TRUE(mentions(bad_reason.error(), "\"lostTheKey\"")) << bad_reason.error().message;
  EXPECT_TRUE(mentions(bad_reason.error(), "keyCompromise")) << bad_reason.error().message;

  auto bad_serial = make_crl_pem(pki.ca_certificate(), pki.ca_key(),
                                 {now, now + 60, 1, {{"0x0A", now, "superseded"}}});
  ASSERT_FALSE(bad_serial);
  EXPECT_TRUE(mentions(bad_serial.error(), "\"0x0A\"")) << bad_serial.error().message;

  auto backwards = make_crl_pem(pki.ca_certificate(), pki.ca_key(), {now, now, 1, {}});
  ASSERT_FALSE(backwards);
  EXPECT_TRUE(mentions(backwards.error(), "nextUpdate")) << backwards.error().message;

  TestPki other(dir.path(), {.file_stem = "other-ca"});
  auto wrong_key = make_crl_pem(pki.ca_certificate(), other.ca_key(), {now, now + 60, 1, {}});
  ASSERT_FALSE(wrong_key);
  EXPECT_TRUE(mentions(wrong_key.error(), "does not belong")) << wrong_key.error().message;

  auto node = pki.issue_node_in_memory(31);
  auto not_a_ca = make_crl_pem(node.certificate.get(), node.key.get(), {now, now + 60, 1, {}});
  ASSERT_FALSE(not_a_ca);
  EXPECT_TRUE(mentions(not_a_ca.error(), "not a CA certificate")) << not_a_ca.error().message;

  auto not_a_crl = crl_from_pem("-----BEGIN CERTIFICATE-----\n", "the file x.pem");
  ASSERT_FALSE(not_a_crl);
  EXPECT_TRUE(mentions(not_a_crl.error(), "the file x.pem holds no PEM CRL"))
      << not_a_crl.error().message;
}

TEST(RevocationListSpec, ReasonCodesAreRfc5280s) {
  EXPECT_EQ(crl_reason_code("unspecified"), 0);
  EXPECT_EQ(crl_reason_code("keyCompromise"), 1);
  EXPECT_EQ(crl_reason_code("affiliationChanged"), 3);
  EXPECT_EQ(crl_reason_code("superseded"), 4);
  EXPECT_EQ(crl_reason_code("cessationOfOperation"), 5);
  EXPECT_EQ(crl_reason_code("certificateHold"), -1);
  EXPECT_EQ(crl_reason_name(4), "superseded");
  EXPECT_EQ(crl_reason_name(6), "");
}

}  // namespace
}  // namespace provnet::ca
