// Keys: both algorithms generate and survive PEM; other key types, encrypted
// keys and wrong files are refused with messages that name the file.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ca/keys.hpp"
#include "ca_test_support.hpp"
#include "support/temp_dir.hpp"

namespace provnet::ca {
namespace {

void write(const std::string& path, std::string_view content) {
  std::ofstream(path, std::ios::binary) << content;
}

class KeyAlgorithms : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(KeyAlgorithms, GeneratedKeyRoundTripsThroughPkcs8Pem) {
  auto key = generate_key(GetParam());
  ASSERT_TRUE(key) << key.error().message;
  auto algorithm = key_algorithm_of(key->get());
  ASSERT_TRUE(algorithm) << algorithm.error().message;
  EXPECT_EQ(*algorithm, GetParam());

  auto pem = private_key_pem(key->get());
  ASSERT_TRUE(pem) << pem.error().message;
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----")) << *pem;

  auto reloaded = private_key_from_pem(*pem, "the test key");
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(EVP_PKEY_eq(key->get(), reloaded->get()), 1);
  EXPECT_EQ(*key_algorithm_of(reloaded->get()), GetParam());
}

TEST_P(KeyAlgorithms, KeyFileRoundTrips) {
  testing::TempDir dir;
  auto key = generate_key(GetParam());
  ASSERT_TRUE(key);
  write(dir.sub("node.key"), *private_key_pem(key->get()));
  auto read = read_private_key_file(dir.sub("node.key"));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(EVP_PKEY_eq(key->get(), read->get()), 1);
}

TEST_P(KeyAlgorithms, TwoGeneratedKeysDiffer) {
  auto a = generate_key(GetParam());
  auto b = generate_key(GetParam());
  ASSERT_TRUE(a && b);
  EXPECT_NE(EVP_PKEY_eq(a->get(), b->get()), 1);
}

INSTANTIATE_TEST_SUITE_P(Keys, KeyAlgorithms,
                         ::testing::Values(KeyAlgorithm::ecdsa_p256, KeyAlgorithm::sm2),
                         [](const auto& info) {
                           return info.param == KeyAlgorithm::sm2 ? "Sm2" : "EcdsaP256";
                         });

TEST(Keys, RsaKeysAreRefused) {
  KeyHandle rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  ASSERT_NE(rsa, nullptr);
  auto algorithm = key_algorithm_of(rsa.get());
  ASSERT_FALSE(algorithm);
  EXPECT_EQ(algorithm.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(algorithm.error(), "RSA key")) << algorithm.error().message;
  EXPECT_TRUE(mentions(algorithm.error(), "ECDSA P-256 or SM2")) << algorithm.error().message;
}

TEST(Keys, EcKeysOnOtherCurvesAreRefusedNamingTheCurve) {
  KeyHandle p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  ASSERT_NE(p384, nullptr);
  auto algorithm = key_algorithm_of(p384.get());
  ASSERT_FALSE(algorithm);
  EXPECT_TRUE(mentions(algorithm.error(), "secp384r1")) << algorithm.error().message;
}

TEST(Keys, AnEcdsaKeyOnTheSm2CurveIsNotTakenForAnSm2Key) {
  KeyHandle ec_sm2(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "SM2"));
  ASSERT_NE(ec_sm2, nullptr);
  auto algorithm = key_algorithm_of(ec_sm2.get());
  ASSERT_FALSE(algorithm);
  EXPECT_TRUE(mentions(algorithm.error(), "SM2 key type")) << algorithm.error().message;
}

TEST(Keys, EncryptedKeysAreRefusedWithTheReason) {
  auto key = generate_key(KeyAlgorithm::ecdsa_p256);
  ASSERT_TRUE(key);
  BioHandle bio(BIO_new(BIO_s_mem()));
  char passphrase[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key->get(), EVP_aes_256_cbc(), passphrase, 6,
                                          nullptr, nullptr),
            1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  auto read = private_key_from_pem(std::string_view(data, static_cast<std::size_t>(size)),
                                   "private key file /etc/provnet/44.key");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(read.error(), "/etc/provnet/44.key")) << read.error().message;
  EXPECT_TRUE(mentions(read.error(), "encrypted")) << read.error().message;

  // The traditional (pre-PKCS#8) encrypted form too.
  BioHandle traditional(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(traditional.get(), key->get(), EVP_aes_256_cbc(),
                                                 reinterpret_cast<unsigned char*>(passphrase), 6,
                                                 nullptr, nullptr),
            1);
  const long traditional_size = BIO_get_mem_data(traditional.get(), &data);
  auto read_traditional = private_key_from_pem(
      std::string_view(data, static_cast<std::size_t>(traditional_size)), "the old key");
  ASSERT_FALSE(read_traditional);
  EXPECT_TRUE(mentions(read_traditional.error(), "the old key holds an encrypted private key"))
      << read_traditional.error().message;
}

TEST(Keys, ACertificateGivenAsKeySuggestsSwappedPaths) {
  testing::TempDir dir;
  testing::TestPki pki(dir.path());
  auto read = read_private_key_file(pki.ca_certificate_path());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(read.error(), pki.ca_certificate_path())) << read.error().message;
  EXPECT_TRUE(mentions(read.error(), "swapped")) << read.error().message;
}

TEST(Keys, TextThatIsNoKeyIsRefusedWithOpensslsReason) {
  auto read = private_key_from_pem("hello\n", "the test input");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(read.error(), "the test input is not a PEM private key"))
      << read.error().message;
  EXPECT_TRUE(mentions(read.error(), "error:")) << read.error().message;  // OpenSSL's text
}

TEST(KeyFiles, MissingFileIsNotFoundAndNamesThePath) {
  testing::TempDir dir;
  const std::string path = dir.sub("absent.key");
  auto read = read_private_key_file(path);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::not_found);
  EXPECT_EQ(read.error().message, "private key file " + path + " does not exist");
}

TEST(KeyFiles, UnreadableFileIsAnIoErrorThatNamesThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  testing::TempDir dir;
  const std::string path = dir.sub("locked.key");
  write(path, *private_key_pem(generate_key(KeyAlgorithm::ecdsa_p256)->get()));
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  auto read = read_private_key_file(path);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::io);
  EXPECT_TRUE(mentions(read.error(), path)) << read.error().message;
  EXPECT_TRUE(mentions(read.error(), "permission denied")) << read.error().message;
}

TEST(KeyFiles, ADirectoryIsAnIoErrorThatNamesThePath) {
  testing::TempDir dir;
  auto read = read_private_key_file(dir.str());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::io);
  EXPECT_EQ(read.error().message,
            "private key file " + dir.str() + " is a directory; expected a PEM file");
}

TEST(KeyFiles, EmptyAndOversizedFilesAreRefused) {
  testing::TempDir dir;
  write(dir.sub("empty.key"), "");
  auto empty = read_private_key_file(dir.sub("empty.key"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(empty.error(), dir.sub("empty.key") + " is empty")) << empty.error().message;

  write(dir.sub("huge.key"), std::string(2 << 20, 'x'));
  auto huge = read_private_key_file(dir.sub("huge.key"));
  ASSERT_FALSE(huge);
  EXPECT_TRUE(mentions(huge.error(), "is this the right path?")) << huge.error().message;
}

TEST(KeyFiles, AFileWithoutAKeyNamesThePath) {
  testing::TempDir dir;
  write(dir.sub("notes.key"), "not a key at all\n");
  auto read = read_private_key_file(dir.sub("notes.key"));
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::invalid_input);
  EXPECT_TRUE(mentions(read.error(),
                       "private key file " + dir.sub("notes.key") + " is not a PEM private key"))
      << read.error().message;
}

TEST(OpensslErrors, TheQueueIsDrainedIntoOneLine) {
  // A failed PEM read leaves its reason on the queue.
  ERR_clear_error();
  BioHandle bio(BIO_new_mem_buf("junk", 4));
  EXPECT_EQ(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), nullptr);
  const std::string text = openssl_error_text();
  EXPECT_TRUE(mentions(Error{Errc::io, text}, "no start line")) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(openssl_error_text(), "no detail from OpenSSL");  // drained
}

}  // namespace
}  // namespace provnet::ca
