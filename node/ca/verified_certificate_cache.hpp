// Signer certificates that already passed chain verification, so a busy
// link does not repeat X509_verify_cert for every envelope: each node signs
// with one certificate for months, and verifying its chain costs more than
// verifying the envelope's signature.
//
// An entry says only "this certificate chained to the anchors"; it keeps
// the chain's validity period so the caller still checks the time on
// every use (an entry does not make an expired certificate valid).
// Bounded: when full, the oldest entry goes (a few dozen nodes sign, so
// eviction is for a flood of junk certificates, not normal traffic).
//
// Not thread-safe: CertificateVerifier guards it with a mutex.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ca/keys.hpp"
#include "ca/openssl_handles.hpp"
#include "ca/validity_period.hpp"
#include "domain/province.hpp"

namespace provnet::ca {

struct VerifiedCertificate {
  domain::ProvinceCode node_code = 0;
  ValidityPeriod chain_validity;  // when the chain as a whole is valid
  KeyHandle public_key;           // the certificate's key, ready to verify with
  KeyAlgorithm key_algorithm = KeyAlgorithm::ecdsa_p256;
  std::string description;  // certificate_description, for messages
  std::string serial_hex;   // certificate_serial_hex, to check against revocations
};

class VerifiedCertificateCache {
 public:
  explicit VerifiedCertificateCache(std::size_t capacity);

  // Keyed by the SHA-256 of the certificate's DER: the exact bytes that
  // were verified, so a certificate differing in any bit is a miss.
  // Shared pointers: an entry handed out stays usable after eviction.
  std::shared_ptr<const VerifiedCertificate> find(std::string_view der_sha256) const;
  void insert(std::string der_sha256, std::shared_ptr<const VerifiedCertificate> entry);

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::unordered_map<std::string, std::shared_ptr<const VerifiedCertificate>> entries_;
  std::deque<std::string> insertion_order_;  // oldest first
};

}  // namespace provnet::ca
