#include "ca/keys.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

#include <fmt/format.h>

#include "ca/pem_file.hpp"

namespace provnet::ca {

namespace {

// Returning 0 from the passphrase callback makes OpenSSL fail on an
// encrypted key instead of prompting on the terminal, which a daemon has
// not got.
int refuse_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return 0;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

std::string_view key_algorithm_name(KeyAlgorithm algorithm) {
  switch (algorithm) {
    case KeyAlgorithm::ecdsa_p256:
      return "ECDSA P-256";
    case KeyAlgorithm::sm2:
      return "SM2";
  }
  return "unknown";
}

Result<KeyHandle> generate_key(KeyAlgorithm algorithm) {
  ERR_clear_error();
  // "SM2" is its own key type in OpenSSL 3, not "EC" on the SM2 curve: only
  // the SM2 type signs with SM2 (an "EC" key on that curve would sign with
  // ECDSA).
  EVP_PKEY* key = algorithm == KeyAlgorithm::sm2
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) {
    return Error{Errc::io, fmt::format("generating an {} key failed: {}",
                                       key_algorithm_name(algorithm), openssl_error_text())};
  }
  return KeyHandle(key);
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  if (key == nullptr) return Error{Errc::invalid_input, "no private key to write as PEM"};
  ERR_clear_error();
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error{Errc::invalid_input,
                 fmt::format("writing the private key as PKCS#8 PEM failed (is it a private "
                             "key?): {}",
                             openssl_error_text())};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<KeyHandle> private_key_from_pem(std::string_view pem, std::string_view what_for_errors) {
  // PKCS#8 encrypted, or the traditional format's encryption header.
  if (contains(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
      contains(pem, "Proc-Type: 4,ENCRYPTED")) {
    return Error{Errc::invalid_input,
                 fmt::format("{} holds an encrypted private key; provnet reads unencrypted "
                             "PKCS#8 keys (protect the file with mode 0600 instead)",
                             what_for_errors)};
  }
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error{Errc::invalid_input, fmt::format("{} is too large", what_for_errors)};
  }
  ERR_clear_error();
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &refuse_passphrase, nullptr) : nullptr;
  if (key == nullptr) {
    const std::string detail = openssl_error_text();
    if (contains(pem, "-----BEGIN CERTIFICATE-----") && !contains(pem, "PRIVATE KEY-----")) {
      return Error{Errc::invalid_input,
                   fmt::format("{} holds a certificate, not a private key: are the certificate "
                               "and key paths swapped?",
                               what_for_errors)};
    }
    return Error{Errc::invalid_input,
                 fmt::format("{} is not a PEM private key (expected \"-----BEGIN PRIVATE "
                             "KEY-----\"): {}",
                             what_for_errors, detail)};
  }
  return KeyHandle(key);
}

Result<KeyHandle> read_private_key_file(const std::string& path) {
  auto text = read_pem_file(path, "private key file");
  if (!text) return text.error();
  return private_key_from_pem(*text, fmt::format("private key file {}", path));
}

Result<KeyAlgorithm> key_algorithm_of(EVP_PKEY* key) {
  if (key == nullptr) return Error{Errc::invalid_input, "no key given"};
  if (EVP_PKEY_is_a(key, "SM2")) return KeyAlgorithm::sm2;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[80] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) != 1) {
      ERR_clear_error();
      return Error{Errc::invalid_input,
                   "the key is an EC key with explicit curve parameters; provnet uses named "
                   "curves only (ECDSA P-256 or SM2)"};
    }
    const std::string_view name(group, length);
    if (name == "prime256v1" || name == "P-256") return KeyAlgorithm::ecdsa_p256;
    if (name == "SM2") {
      // Only made in code ("EC" key type on the SM2 curve); files on that
      // curve decode as SM2 keys.
      return Error{Errc::invalid_input,
                   "the key is an ECDSA key on the SM2 curve; an SM2 key must have the SM2 key "
                   "type to sign with SM2"};
    }
    return Error{Errc::invalid_input,
                 fmt::format("the key is an EC key on curve {}; provnet uses ECDSA on P-256 "
                             "(prime256v1) or SM2 keys",
                             name)};
  }
  const char* type = EVP_PKEY_get0_type_name(key);
  return Error{Errc::invalid_input,
               fmt::format("the key is an {} key; provnet uses ECDSA P-256 or SM2 keys",
                           type != nullptr ? type : "unknown")};
}

}  // namespace provnet::ca
