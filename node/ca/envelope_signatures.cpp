#include "ca/envelope_signatures.hpp"

#include <openssl/err.h>

#include <utility>

#include <fmt/format.h>

#include "ca/certificates.hpp"
#include "ca/node_identity.hpp"
#include "core/digest.hpp"

namespace provnet::ca {

namespace {

const EVP_MD* digest_for(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::sm2 ? EVP_sm3() : EVP_sha256();
}

enum class Operation { sign, verify };

// A digest-sign or digest-verify context for the key, with the
// algorithm's digest and, for SM2, provnet's fixed identifier.
Result<DigestContextHandle> begin(Operation operation, EVP_PKEY* key, KeyAlgorithm algorithm) {
  DigestContextHandle context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;  // owned by `context`
  const int started =
      context == nullptr ? 0
      : operation == Operation::sign
          ? EVP_DigestSignInit(context.get(), &key_context, digest_for(algorithm), nullptr, key)
          : EVP_DigestVerifyInit(context.get(), &key_context, digest_for(algorithm), nullptr, key);
  if (started != 1) {
    return Error{Errc::io,
                 fmt::format("starting an {} {} failed: {}", key_algorithm_name(algorithm),
                             operation == Operation::sign ? "signature" : "verification",
                             openssl_error_text())};
  }
  if (algorithm == KeyAlgorithm::sm2 &&
      EVP_PKEY_CTX_set1_id(key_context, kSm2DistinguishingId.data(), kSm2DistinguishingId.size()) !=
          1) {
    return Error{Errc::io,
                 fmt::format("setting the SM2 identifier failed: {}", openssl_error_text())};
  }
  return context;
}

// Seconds, rounding down, so that a time just before a certificate's
// notBefore second is not taken for that second.
std::int64_t unix_seconds_of(std::int64_t unix_ms) {
  std::int64_t seconds = unix_ms / 1000;
  if (unix_ms % 1000 < 0) --seconds;
  return seconds;
}

Error security(std::string message) {
  return Error{Errc::security, std::move(message)};
}

}  // namespace

wire::SignatureAlgorithm signature_algorithm_for(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::sm2 ? wire::SignatureAlgorithm::SM2_SM3
                                        : wire::SignatureAlgorithm::ECDSA_P256_SHA256;
}

std::string signature_algorithm_name(wire::SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case wire::SignatureAlgorithm::ECDSA_P256_SHA256:
      return "ecdsaP256Sha256";
    case wire::SignatureAlgorithm::SM2_SM3:
      return "sm2Sm3";
  }
  return fmt::format("unknown ({})", static_cast<unsigned>(algorithm));
}

// ---- CertificateKeySigner ----

CertificateKeySigner::CertificateKeySigner(CertificateHandle certificate, KeyHandle key,
                                           std::string certificate_der, KeyAlgorithm key_algorithm,
                                           domain::ProvinceCode node_code)
    : certificate_(std::move(certificate)),
      key_(std::move(key)),
      certificate_der_(std::move(certificate_der)),
      key_algorithm_(key_algorithm),
      algorithm_(signature_algorithm_for(key_algorithm)),
      node_code_(node_code) {}

Result<std::unique_ptr<CertificateKeySigner>> CertificateKeySigner::load(
    const std::string& certificate_path, const std::string& key_path) {
  auto certificate = read_certificate_file(certificate_path);
  if (!certificate) return certificate.error();
  auto key = read_private_key_file(key_path);
  if (!key) return key.error();
  return from_certificate_and_key(
      std::move(*certificate), std::move(*key),
      fmt::format("certificate file {} with key file {}", certificate_path, key_path));
}

Result<std::unique_ptr<CertificateKeySigner>> CertificateKeySigner::from_certificate_and_key(
    CertificateHandle certificate, KeyHandle key, std::string_view what_for_errors) {
  if (certificate == nullptr || key == nullptr) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: a signer needs both a certificate and a key", what_for_errors)};
  }
  auto key_algorithm = key_algorithm_of(key.get());
  if (!key_algorithm) {
    return Error{Errc::invalid_input, fmt::format("{}: the private key cannot sign envelopes: {}",
                                                  what_for_errors, key_algorithm.error().message)};
  }
  ERR_clear_error();
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    return Error{Errc::invalid_input,
                 fmt::format("{}: the private key does not belong to certificate {}; use the key "
                             "the certificate was issued for",
                             what_for_errors, certificate_description(certificate.get()))};
  }
  auto node_code = node_code_of(certificate.get());
  if (!node_code) {
    return Error{node_code.error().code,
                 fmt::format("{}: {}", what_for_errors, node_code.error().message)};
  }
  auto der = ca::certificate_der(certificate.get());
  if (!der) return der.error();
  return std::unique_ptr<CertificateKeySigner>(new CertificateKeySigner(
      std::move(certificate), std::move(key), std::move(*der), *key_algorithm, *node_code));
}

Result<std::string> CertificateKeySigner::sign(std::string_view input) const {
  ERR_clear_error();
  auto context = begin(Operation::sign, key_.get(), key_algorithm_);
  if (!context) return context.error();
  // The key's maximum signature size: DER signatures vary by a few bytes.
  std::string signature(static_cast<std::size_t>(EVP_PKEY_get_size(key_.get())), '\0');
  std::size_t size = signature.size();
  if (EVP_DigestSign(context->get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Error{Errc::io, fmt::format("signing as node {} with the {} key failed: {}",
                                       domain::province_code_text(node_code_),
                                       key_algorithm_name(key_algorithm_), openssl_error_text())};
  }
  signature.resize(size);
  return signature;
}

// ---- CertificateVerifier ----

CertificateVerifier::CertificateVerifier(TrustAnchors anchors, std::size_t cache_capacity)
    : anchors_(std::move(anchors)), cache_(cache_capacity) {}

std::uint64_t CertificateVerifier::chain_verifications() const {
  std::lock_guard lock(mutex_);
  return chain_verifications_;
}

std::size_t CertificateVerifier::cached_certificates() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

void CertificateVerifier::set_revoked_serials(std::set<std::string> serials) {
  std::lock_guard lock(mutex_);
  revoked_ = std::move(serials);
}

Result<std::shared_ptr<const VerifiedCertificate>> CertificateVerifier::verified_certificate(
    domain::ProvinceCode author, std::string_view certificate_der, std::int64_t now_unix) {
  const std::string fingerprint = core::sha256(certificate_der);
  {
    std::lock_guard lock(mutex_);
    auto cached = cache_.find(fingerprint);
    if (cached != nullptr && cached->chain_validity.contains(now_unix)) return cached;
    ++chain_verifications_;
  }
  // Not seen, or seen but not valid now: the full check, which also gives
  // the precise reason ("expired on ...") when it fails.
  auto certificate = certificate_from_der(
      certificate_der, fmt::format("the signer certificate of an envelope from node {}",
                                   domain::province_code_text(author)));
  if (!certificate) return security(certificate.error().message);
  auto verified = anchors_.verify_node(certificate->get(), now_unix);
  if (!verified) return security(verified.error().message);

  const std::string description = certificate_description(certificate->get());
  KeyHandle public_key = share_key(X509_get0_pubkey(certificate->get()));
  if (public_key == nullptr) {
    return security(fmt::format("the public key of certificate {} cannot be decoded: {}",
                                description, openssl_error_text()));
  }
  auto key_algorithm = key_algorithm_of(public_key.get());
  if (!key_algorithm) {
    return security(fmt::format("certificate {} cannot sign envelopes: {}", description,
                                key_algorithm.error().message));
  }
  auto entry = std::make_shared<const VerifiedCertificate>(
      VerifiedCertificate{verified->code, verified->chain_validity, std::move(public_key),
                          *key_algorithm, description, certificate_serial_hex(certificate->get())});
  std::lock_guard lock(mutex_);
  cache_.insert(fingerprint, entry);
  return std::shared_ptr<const VerifiedCertificate>(entry);
}

Result<void> CertificateVerifier::verify(domain::ProvinceCode author,
                                         std::string_view certificate_der,
                                         wire::SignatureAlgorithm algorithm, std::string_view input,
                                         std::string_view signature, std::int64_t now_ms,
                                         core::RevokedSigner revoked) {
  const std::string_view author_text = domain::province_code_text(author);
  if (certificate_der.empty()) {
    return security(
        fmt::format("envelope from node {} carries no signer certificate", author_text));
  }
  auto verified = verified_certificate(author, certificate_der, unix_seconds_of(now_ms));
  if (!verified) return verified.error();
  const VerifiedCertificate& signer = **verified;
  if (revoked == core::RevokedSigner::refuse) {
    std::lock_guard lock(mutex_);
    if (revoked_.count(signer.serial_hex)) {
      return security(
          fmt::format("envelope from node {} is signed by certificate {}, which the "
                      "national directory revoked",
                      author_text, signer.description));
    }
  }

  if (signer.node_code != author) {
    return security(
        fmt::format("envelope signed by a certificate of node {} but claims author {} "
                    "(certificate {})",
                    domain::province_code_text(signer.node_code), author_text, signer.description));
  }
  const wire::SignatureAlgorithm expected = signature_algorithm_for(signer.key_algorithm);
  if (algorithm != expected) {
    return security(
        fmt::format("envelope from node {} names signature algorithm {}, but its "
                    "certificate {} has an {} key ({})",
                    author_text, signature_algorithm_name(algorithm), signer.description,
                    key_algorithm_name(signer.key_algorithm), signature_algorithm_name(expected)));
  }
  if (signature.empty()) {
    return security(fmt::format("envelope from node {} carries no signature", author_text));
  }

  ERR_clear_error();
  auto context = begin(Operation::verify, signer.public_key.get(), signer.key_algorithm);
  if (!context) return context.error();
  const int valid = EVP_DigestVerify(
      context->get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(input.data()), input.size());
  if (valid != 1) {
    // 0 is a wrong signature, < 0 one that is not even well-formed DER:
    // to the sender's operator both mean the same.
    ERR_clear_error();
    return security(
        fmt::format("the {} signature of the envelope from node {} does not verify "
                    "with the key of its certificate {}: the envelope was changed "
                    "after signing, or signed with another key",
                    signature_algorithm_name(algorithm), author_text, signer.description));
  }
  return {};
}

}  // namespace provnet::ca
