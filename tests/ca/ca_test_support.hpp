// What the ca tests share: a message check, and certificates made by hand
// with raw OpenSSL (signed by a TestPki CA, so they chain) for the identity
// shapes node/ca itself refuses to issue: no SAN, two URIs, two SAN
// extensions, malformed or unknown codes, a CN that disagrees.
#pragma once

#include <openssl/x509v3.h>

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ca/certificates.hpp"
#include "ca/keys.hpp"
#include "common/result.hpp"
#include "support/test_pki.hpp"

namespace provnet::ca {

inline bool mentions(const Error& error, std::string_view text) {
  return error.message.find(text) != std::string::npos;
}

struct HandMadeIdentity {
  std::vector<std::string> common_names{};
  // One subjectAltName extension with these URIs; none when empty.
  std::vector<std::string> san_uris{};
  // A second subjectAltName extension, when not empty.
  std::vector<std::string> second_san_uris{};
  // Other subjectAltName entries in OpenSSL's config syntax ("DNS:x.cn").
  std::vector<std::string> other_san_entries{};
};

inline void add_extension_or_fail(X509* certificate, X509V3_CTX* context, int nid,
                                  const std::string& value) {
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, context, nid, value.c_str());
  if (extension == nullptr) throw std::runtime_error("cannot make extension " + value);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

inline std::string san_value(const std::vector<std::string>& uris,
                             const std::vector<std::string>& others = {}) {
  std::string value;
  for (const auto& uri : uris) value += (value.empty() ? "" : ",") + ("URI:" + uri);
  for (const auto& other : others) value += (value.empty() ? "" : ",") + other;
  return value;
}

// A node-like certificate (CA:FALSE, key identifiers, valid now) with the
// given subject CNs and SAN URIs, issued by `pki`'s CA (a P-256 CA).
inline CertificateHandle hand_made_certificate(testing::TestPki& pki,
                                               const HandMadeIdentity& identity) {
  auto key = generate_key(KeyAlgorithm::ecdsa_p256);
  if (!key) throw std::runtime_error(key.error().message);
  CertificateHandle certificate(X509_new());
  X509* x = certificate.get();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), 4242);
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(pki.now_unix() - 3600));
  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(pki.now_unix() + 86400));
  X509_NAME* subject = X509_get_subject_name(x);
  for (const auto& cn : identity.common_names) {
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.data()),
                               static_cast<int>(cn.size()), -1, 0);
  }
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("provnet"), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(pki.ca_certificate()));
  X509_set_pubkey(x, key->get());

  X509V3_CTX context;
  X509V3_set_ctx(&context, pki.ca_certificate(), x, nullptr, nullptr, 0);
  add_extension_or_fail(x, &context, NID_basic_constraints, "critical,CA:FALSE");
  add_extension_or_fail(x, &context, NID_key_usage, "critical,digitalSignature");
  add_extension_or_fail(x, &context, NID_subject_key_identifier, "hash");
  add_extension_or_fail(x, &context, NID_authority_key_identifier, "keyid:always");
  if (!identity.san_uris.empty() || !identity.other_san_entries.empty()) {
    add_extension_or_fail(x, &context, NID_subject_alt_name,
                          san_value(identity.san_uris, identity.other_san_entries));
  }
  if (!identity.second_san_uris.empty()) {
    add_extension_or_fail(x, &context, NID_subject_alt_name, san_value(identity.second_san_uris));
  }
  if (X509_sign(x, pki.ca_key(), EVP_sha256()) <= 0) throw std::runtime_error("cannot sign");
  return certificate;
}

}  // namespace provnet::ca
