// Certificates: what the CA and node certificates contain (the properties
// TLS and identity rely on), PEM/DER/file round trips, and the specs and
// inputs that are refused.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <fstream>

#include "ca/certificates.hpp"
#include "ca/node_identity.hpp"
#include "ca/validity_period.hpp"
#include "ca_test_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::ca {
namespace {

using testing::TempDir;
using testing::TestPki;

void write(const std::string& path, std::string_view content) {
  std::ofstream(path, std::ios::binary) << content;
}

bool is_critical(X509* certificate, int nid) {
  const int index = X509_get_ext_by_NID(certificate, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(certificate, index)) == 1;
}

std::string san_uris(X509* certificate) {
  std::string uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_STRING* uri = name->d.uniformResourceIdentifier;
    uris += std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                        static_cast<std::size_t>(ASN1_STRING_length(uri)));
  }
  GENERAL_NAMES_free(names);
  return uris;
}

class CertificateAlgorithms : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(CertificateAlgorithms, TheCaIsASelfSignedCaWithTheRightDigest) {
  TempDir dir;
  TestPki pki(dir.path(), {.key_algorithm = GetParam()});
  X509* ca = pki.ca_certificate();
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_TRUE(is_critical(ca, NID_basic_constraints));
  EXPECT_TRUE(is_critical(ca, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(ca), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(ca), nullptr);
  EXPECT_EQ(X509_verify(ca, pki.ca_key()), 1);
  EXPECT_EQ(X509_get_signature_nid(ca),
            GetParam() == KeyAlgorithm::sm2 ? NID_SM2_with_SM3 : NID_ecdsa_with_SHA256);
  EXPECT_EQ(certificate_description(ca).substr(0, 33), "CN=provnet test CA, O=provnet (se");
}

TEST_P(CertificateAlgorithms, ANodeCertificateCarriesItsIdentityAndTlsUsages) {
  TempDir dir;
  TestPki pki(dir.path(), {.key_algorithm = GetParam()});
  auto node = pki.issue_node_in_memory(44, {.key_algorithm = GetParam()});
  X509* x = node.certificate.get();

  EXPECT_EQ(X509_check_ca(x), 0);
  EXPECT_TRUE(is_critical(x, NID_basic_constraints));
  EXPECT_EQ(X509_get_key_usage(x), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(x), static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_EQ(san_uris(x), "provnet:node:44");
  EXPECT_TRUE(certificate_description(x).starts_with("CN=provnet-node-44, O=provnet (serial "))
      << certificate_description(x);

  // The authority key identifier points at the CA's key, and the CA's key
  // signed it with the CA's algorithm.
  ASSERT_NE(X509_get0_authority_key_id(x), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
                                  X509_get0_subject_key_id(pki.ca_certificate())),
            0);
  EXPECT_NE(X509_get0_subject_key_id(x), nullptr);
  EXPECT_EQ(X509_verify(x, pki.ca_key()), 1);
  EXPECT_EQ(X509_get_signature_nid(x),
            GetParam() == KeyAlgorithm::sm2 ? NID_SM2_with_SM3 : NID_ecdsa_with_SHA256);
  EXPECT_EQ(*key_algorithm_of(X509_get0_pubkey(x)), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Certificates, CertificateAlgorithms,
                         ::testing::Values(KeyAlgorithm::ecdsa_p256, KeyAlgorithm::sm2),
                         [](const auto& info) {
                           return info.param == KeyAlgorithm::sm2 ? "Sm2" : "EcdsaP256";
                         });

TEST(Certificates, AnSm2CaCertifiesAP256NodeAndTheOtherWayRound) {
  TempDir dir;
  TestPki sm2_ca(dir.path(), {.key_algorithm = KeyAlgorithm::sm2, .file_stem = "sm2-ca"});
  auto p256_node = sm2_ca.issue_node_in_memory(11, {.key_algorithm = KeyAlgorithm::ecdsa_p256});
  EXPECT_EQ(X509_get_signature_nid(p256_node.certificate.get()), NID_SM2_with_SM3);
  EXPECT_EQ(X509_verify(p256_node.certificate.get(), sm2_ca.ca_key()), 1);

  TestPki p256_ca(dir.path(), {.file_stem = "p256-ca"});
  auto sm2_node = p256_ca.issue_node_in_memory(12, {.key_algorithm = KeyAlgorithm::sm2});
  EXPECT_EQ(X509_get_signature_nid(sm2_node.certificate.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_verify(sm2_node.certificate.get(), p256_ca.ca_key()), 1);
}

TEST(Certificates, ValidityAndSerialAreExactlyTheSpecs) {
  TempDir dir;
  TestPki pki(dir.path());
  auto key = generate_key(KeyAlgorithm::ecdsa_p256);
  CertificateSpec spec{.node_code = 0,
                       .not_before_unix = 1'700'000'000,
                       .not_after_unix = 1'700'000'000 + 10,
                       .serial = 0xFEDCBA9876543210ULL};
  auto certificate = issue_certificate(pki.ca_certificate(), pki.ca_key(), key->get(), spec);
  ASSERT_TRUE(certificate) << certificate.error().message;
  auto period = validity_period_of(certificate->get());
  ASSERT_TRUE(period);
  EXPECT_EQ(period->not_before_unix, 1'700'000'000);
  EXPECT_EQ(period->not_after_unix, 1'700'000'010);
  uint64_t serial = 0;
  ASSERT_EQ(ASN1_INTEGER_get_uint64(&serial, X509_get0_serialNumber(certificate->get())), 1);
  EXPECT_EQ(serial, 0xFEDCBA9876543210ULL);
  EXPECT_EQ(san_uris(certificate->get()), "provnet:node:00");
  EXPECT_TRUE(certificate_description(certificate->get()).starts_with("CN=provnet-node-00"));
}

TEST(Certificates, DatesBeyond2049AreKept) {
  // UTCTime ends in 2049; later dates must switch to GeneralizedTime.
  TempDir dir;
  TestPki pki(dir.path());
  auto key = generate_key(KeyAlgorithm::ecdsa_p256);
  const std::int64_t in_2060 = 2'840'140'800;  // 2060-01-01
  auto certificate = issue_certificate(
      pki.ca_certificate(), pki.ca_key(), key->get(),
      {.node_code = 44, .not_before_unix = 0, .not_after_unix = in_2060, .serial = 7});
  ASSERT_TRUE(certificate) << certificate.error().message;
  EXPECT_EQ(validity_period_of(certificate->get())->not_after_unix, in_2060);
  EXPECT_EQ(utc_text(in_2060), "2060-01-01 00:00:00 UTC");
}

TEST(Certificates, PemAndDerRoundTrip) {
  TempDir dir;
  TestPki pki(dir.path());
  auto node = pki.issue_node_in_memory(44);

  auto pem = certificate_pem(node.certificate.get());
  ASSERT_TRUE(pem);
  EXPECT_TRUE(pem->starts_with("-----BEGIN CERTIFICATE-----"));
  auto from_pem = certificate_from_pem(*pem, "test PEM");
  ASSERT_TRUE(from_pem) << from_pem.error().message;
  EXPECT_EQ(X509_cmp(from_pem->get(), node.certificate.get()), 0);

  auto der = certificate_der(node.certificate.get());
  ASSERT_TRUE(der);
  auto from_der = certificate_from_der(*der, "test DER");
  ASSERT_TRUE(from_der) << from_der.error().message;
  EXPECT_EQ(X509_cmp(from_der->get(), node.certificate.get()), 0);
  EXPECT_EQ(*certificate_der(from_der->get()), *der);
}

TEST(Certificates, DerWithTrailingBytesOrDamageIsRefused) {
  TempDir dir;
  TestPki pki(dir.path());
  auto der = *certificate_der(pki.ca_certificate());

  auto trailing = certificate_from_der(der + "xy", "the envelope's certificate");
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().message,
            "the envelope's certificate has 2 bytes after the certificate; expected exactly one "
            "DER certificate");

  auto truncated =
      certificate_from_der(der.substr(0, der.size() / 2), "the envelope's certificate");
  ASSERT_FALSE(truncated);
  EXPECT_TRUE(mentions(truncated.error(),
                       "the envelope's certificate is not a DER X.509 "
                       "certificate: error:"))
      << truncated.error().message;

  EXPECT_FALSE(certificate_from_der("", "nothing"));
}

TEST(CertificateFiles, AChainFileKeepsItsOrderAndTheFirstIsTheCertificate) {
  TempDir dir;
  TestPki pki(dir.path());
  auto node = pki.issue_node_in_memory(44);
  write(dir.sub("chain.pem"),
        *certificate_pem(node.certificate.get()) + *certificate_pem(pki.ca_certificate()));

  auto chain = read_certificate_chain_file(dir.sub("chain.pem"));
  ASSERT_TRUE(chain) << chain.error().message;
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ(X509_cmp((*chain)[0].get(), node.certificate.get()), 0);
  EXPECT_EQ(X509_cmp((*chain)[1].get(), pki.ca_certificate()), 0);

  auto first = read_certificate_file(dir.sub("chain.pem"));
  ASSERT_TRUE(first);
  EXPECT_EQ(X509_cmp(first->get(), node.certificate.get()), 0);
}

TEST(CertificateFiles, AKeyBundledBeforeTheCertificateIsSkipped) {
  TempDir dir;
  TestPki pki(dir.path());
  auto node = pki.issue_node_in_memory(44);
  write(dir.sub("bundle.pem"),
        *private_key_pem(node.key.get()) + *certificate_pem(node.certificate.get()));
  auto read = read_certificate_file(dir.sub("bundle.pem"));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(X509_cmp(read->get(), node.certificate.get()), 0);
}

TEST(CertificateFiles, FileErrorsNameThePathAndTheProblem) {
  TempDir dir;
  TestPki pki(dir.path());

  auto missing = read_certificate_file(dir.sub("absent.pem"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message,
            "certificate file " + dir.sub("absent.pem") + " does not exist");

  auto key_instead = read_certificate_file(pki.ca_key_path());
  ASSERT_FALSE(key_instead);
  EXPECT_EQ(key_instead.error().code, Errc::invalid_input);
  EXPECT_EQ(key_instead.error().message,
            "certificate file " + pki.ca_key_path() +
                " holds a private key but no certificate: are the certificate and key paths "
                "swapped?");

  write(dir.sub("notes.pem"), "just text\n");
  auto no_pem = read_certificate_chain_file(dir.sub("notes.pem"));
  ASSERT_FALSE(no_pem);
  EXPECT_EQ(no_pem.error().message, "certificate file " + dir.sub("notes.pem") +
                                        " holds no PEM certificate (expected \"-----BEGIN "
                                        "CERTIFICATE-----\")");
}

TEST(CertificateFiles, ADamagedSecondCertificateIsReportedByPosition) {
  TempDir dir;
  TestPki pki(dir.path());
  std::string good = *certificate_pem(pki.ca_certificate());
  std::string damaged = good;
  damaged.replace(damaged.find('\n') + 1, 8, "!!!!!!!!");  // not base64
  write(dir.sub("ca.pem"), good + damaged);
  auto read = read_certificate_chain_file(dir.sub("ca.pem"));
  ASSERT_FALSE(read);
  EXPECT_TRUE(mentions(read.error(),
                       "certificate #2 in certificate file " + dir.sub("ca.pem") + " is damaged"))
      << read.error().message;
}

TEST(CertificateSpecs, SelfContradictorySpecsAreRefused) {
  TempDir dir;
  TestPki pki(dir.path());
  auto key = generate_key(KeyAlgorithm::ecdsa_p256);
  auto issue = [&](CertificateSpec spec) {
    auto r = issue_certificate(pki.ca_certificate(), pki.ca_key(), key->get(), spec);
    return r ? Error{Errc::io, "issued"} : r.error();
  };
  const CertificateSpec good{
      .node_code = 44, .not_before_unix = 100, .not_after_unix = 200, .serial = 1};
  ASSERT_TRUE(issue_certificate(pki.ca_certificate(), pki.ca_key(), key->get(), good));

  auto zero_serial = good;
  zero_serial.serial = 0;
  EXPECT_TRUE(mentions(issue(zero_serial), "serial number must be positive"));

  auto backwards = good;
  backwards.not_after_unix = 100;
  EXPECT_EQ(issue(backwards).message,
            "certificate spec: not_after (1970-01-01 00:01:40 UTC) is not later than not_before "
            "(1970-01-01 00:01:40 UTC)");

  auto ca_node = good;
  ca_node.is_ca = true;
  EXPECT_TRUE(mentions(issue(ca_node), "a CA certificate names no node"));

  auto unknown = good;
  unknown.node_code = 99;
  EXPECT_TRUE(mentions(issue(unknown), "node code 99 is neither the national node"));

  auto wrong_cn = good;
  wrong_cn.common_name = "provnet-node-45";
  EXPECT_TRUE(
      mentions(issue(wrong_cn), "common_name \"provnet-node-45\" contradicts node code 44"));

  auto same_cn = good;
  same_cn.common_name = "provnet-node-44";
  EXPECT_EQ(issue(same_cn).message, "issued");

  auto anonymous = good;
  anonymous.node_code.reset();
  EXPECT_TRUE(mentions(issue(anonymous), "needs a common_name"));

  auto not_ca = make_self_signed_ca(key->get(), good);
  ASSERT_FALSE(not_ca);
  EXPECT_TRUE(mentions(not_ca.error(), "set is_ca"));
}

TEST(CertificateSpecs, OnlyACaWithItsOwnKeyIssues) {
  TempDir dir;
  TestPki pki(dir.path());
  TestPki other(dir.path(), {.file_stem = "other-ca"});
  auto node = pki.issue_node_in_memory(44);
  auto key = generate_key(KeyAlgorithm::ecdsa_p256);
  const CertificateSpec spec{
      .node_code = 45, .not_before_unix = 0, .not_after_unix = 10, .serial = 1};

  auto by_node = issue_certificate(node.certificate.get(), node.key.get(), key->get(), spec);
  ASSERT_FALSE(by_node);
  EXPECT_TRUE(mentions(by_node.error(), "is not a CA certificate")) << by_node.error().message;

  auto wrong_key = issue_certificate(pki.ca_certificate(), other.ca_key(), key->get(), spec);
  ASSERT_FALSE(wrong_key);
  EXPECT_TRUE(mentions(wrong_key.error(), "the CA key does not belong to the CA certificate"))
      << wrong_key.error().message;
}

TEST(CertificateSpecs, AnRsaSubjectKeyIsNotCertified) {
  TempDir dir;
  TestPki pki(dir.path());
  KeyHandle rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  auto certificate =
      issue_certificate(pki.ca_certificate(), pki.ca_key(), rsa.get(),
                        {.node_code = 44, .not_before_unix = 0, .not_after_unix = 10, .serial = 1});
  ASSERT_FALSE(certificate);
  EXPECT_TRUE(mentions(certificate.error(),
                       "the subject key cannot be certified: the key is an "
                       "RSA key"))
      << certificate.error().message;
}

}  // namespace
}  // namespace provnet::ca
