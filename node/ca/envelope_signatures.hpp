// Envelope signatures with X.509 certificates: the node/ca side of
// core::EnvelopeSigner and core::SignatureVerifier (core/signing.hpp).
//
// Algorithms follow the key in the author's certificate:
//  - EC P-256 key -> wire::SignatureAlgorithm::ECDSA_P256_SHA256: ECDSA over
//    the SHA-256 of the signing input; the signature is DER
//    (ECDSA-Sig-Value, RFC 3279), as OpenSSL and most libraries produce.
//  - SM2 key -> wire::SignatureAlgorithm::SM2_SM3 (GB/T 32918.2): SM3 over
//    Z || input, where Z binds the signer's public key and the
//    distinguishing identifier kSm2DistinguishingId; DER signature.
// The identifier is set explicitly on both sides because OpenSSL 3.0's
// default is an empty identifier, which other SM2 implementations (and
// later OpenSSL versions) do not use: a fixed, documented value keeps
// provnet's envelopes verifiable by any of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "ca/keys.hpp"
#include "ca/openssl_handles.hpp"
#include "ca/trust_anchors.hpp"
#include "ca/verified_certificate_cache.hpp"
#include "common/result.hpp"
#include "core/signing.hpp"

namespace provnet::ca {

// The default user identifier of GM/T 0009-2012 (clause 10), used by every
// SM2 envelope signature.
inline constexpr std::string_view kSm2DistinguishingId = "1234567812345678";

// The wire algorithm a key of this kind signs with.
wire::SignatureAlgorithm signature_algorithm_for(KeyAlgorithm algorithm);
// "ecdsaP256Sha256", "sm2Sm3" (the schema's names), or "unknown (N)".
std::string signature_algorithm_name(wire::SignatureAlgorithm algorithm);

// Signs as the node its certificate names, with that certificate's key.
// sign() is const and keeps no state between calls (a fresh OpenSSL digest
// context each time), so one signer may be used from several threads.
class CertificateKeySigner final : public core::EnvelopeSigner {
 public:
  // The node certificate (first in the file) and its private key. Refuses a
  // key that does not belong to the certificate, a key of another algorithm,
  // and a certificate that names no node (its signatures could never be
  // verified). The certificate's validity is not checked here: an expiring
  // certificate is the operator's alert, not a refusal to start.
  static Result<std::unique_ptr<CertificateKeySigner>> load(const std::string& certificate_path,
                                                            const std::string& key_path);
  // The same from handles in memory; `what_for_errors` names them in messages.
  static Result<std::unique_ptr<CertificateKeySigner>> from_certificate_and_key(
      CertificateHandle certificate, KeyHandle key,
      std::string_view what_for_errors = "the node certificate and key");

  wire::SignatureAlgorithm algorithm() const override { return algorithm_; }
  std::string_view certificate_der() const override { return certificate_der_; }
  Result<std::string> sign(std::string_view input) const override;

  // The node the certificate names: a node's configuration must agree.
  domain::ProvinceCode node_code() const { return node_code_; }
  KeyAlgorithm key_algorithm() const { return key_algorithm_; }
  // For the TLS side (SSL_CTX_use_certificate / use_PrivateKey); owned here.
  X509* certificate() const { return certificate_.get(); }
  EVP_PKEY* private_key() const { return key_.get(); }

 private:
  CertificateKeySigner(CertificateHandle certificate, KeyHandle key, std::string certificate_der,
                       KeyAlgorithm key_algorithm, domain::ProvinceCode node_code);

  CertificateHandle certificate_;
  KeyHandle key_;
  std::string certificate_der_;
  KeyAlgorithm key_algorithm_;
  wire::SignatureAlgorithm algorithm_;
  domain::ProvinceCode node_code_;
};

// Checks an envelope's signature against the certificate it carries:
// the certificate chains to the anchors and is valid at now_ms, names the
// claimed author, has a key of the claimed algorithm, and the signature is
// that key's over the input. Each check has its own security error.
//
// Chain verification runs once per distinct certificate (see
// VerifiedCertificateCache); the validity period is checked on every call.
// Safe to call from several threads: the cache is behind a mutex and
// signature checks use their own OpenSSL contexts.
class CertificateVerifier final : public core::SignatureVerifier {
 public:
  static constexpr std::size_t kDefaultCacheCapacity = 256;

  explicit CertificateVerifier(TrustAnchors anchors,
                               std::size_t cache_capacity = kDefaultCacheCapacity);

  Result<void> verify(domain::ProvinceCode author, std::string_view certificate_der,
                      wire::SignatureAlgorithm algorithm, std::string_view input,
                      std::string_view signature, std::int64_t now_ms,
                      core::RevokedSigner revoked) override;
  void set_revoked_serials(std::set<std::string> serials) override;

  // How many times verify() had to run chain verification: for metrics, and
  // for tests that the cache is used.
  std::uint64_t chain_verifications() const;
  std::size_t cached_certificates() const;

 private:
  Result<std::shared_ptr<const VerifiedCertificate>> verified_certificate(
      domain::ProvinceCode author, std::string_view certificate_der, std::int64_t now_unix);

  TrustAnchors anchors_;
  mutable std::mutex mutex_;  // guards cache_ and chain_verifications_
  VerifiedCertificateCache cache_;
  std::set<std::string> revoked_;  // guarded by mutex_
  std::uint64_t chain_verifications_ = 0;
};

}  // namespace provnet::ca
