// Signing and verifying envelopes, as the core sees it: two interfaces, so
// the state machine stays free of OpenSSL types. node/ca implements them with
// X.509 certificates and keys (ECDSA P-256/SHA-256, or SM2/SM3).
//
// Why messages are signed although links are TLS: a record relayed by the
// national sorter still proves which province wrote it, and a receipt proves
// who received it (ARCHITECTURE.md "Delivery").
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "domain/province.hpp"
#include "protocol/control.capnp.h"

namespace provnet::core {

class EnvelopeSigner {
 public:
  virtual ~EnvelopeSigner() = default;
  virtual wire::SignatureAlgorithm algorithm() const = 0;
  // The DER certificate whose key signs; it travels in every envelope.
  virtual std::string_view certificate_der() const = 0;
  // A signature over `input` (the envelope's signing input).
  virtual Result<std::string> sign(std::string_view input) const = 0;
};

// Whether a signature by a certificate the national directory revoked is
// refused. `refuse` for everything a node takes from a link. `accept` only for
// a reply that reaches it inside another node's signed message, after that
// node checked it on arrival: a destination's rejection the national node
// forwards, a receipt an author gives the national node as evidence. The
// reply was good when it was given; a later revocation does not undo it.
enum class RevokedSigner { refuse, accept };

class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  // Ok when `certificate_der` chains to the trusted CA and is valid at
  // `now_ms`, is not revoked (unless `revoked` is accept), names node
  // `author`, and `signature` is a valid `algorithm` signature of `input` by
  // the certificate's key. Otherwise a security error saying which check
  // failed.
  virtual Result<void> verify(domain::ProvinceCode author, std::string_view certificate_der,
                              wire::SignatureAlgorithm algorithm, std::string_view input,
                              std::string_view signature, std::int64_t now_ms,
                              RevokedSigner revoked) = 0;
  // The certificates the national directory revoked, by serial (upper-case
  // hex): from now on a signature by any of them is refused, however valid
  // its chain. Replaces the previous set.
  virtual void set_revoked_serials(std::set<std::string> serials) = 0;
};

}  // namespace provnet::core
