// Envelope signatures for the simulator: keyed SHA-256 instead of X.509 and
// ECDSA, so that a seed gives the same bytes on every run (ECDSA signatures
// are randomised) and the trace hash can cover whole envelopes.
//
// A node's "certificate" is the text "provsim-cert/<code>/<serial>"; its
// signature is SHA-256(secret(code, serial) || input). The verifier checks
// the certificate names the author, its serial is not revoked, and the
// signature; each failure is a security error saying which check failed, as
// the real verifier's are. Real certificates and signatures are tested in
// tests/ca and tests/integration.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "core/signing.hpp"
#include "domain/province.hpp"

namespace provnet::sim {

// The serial of a node's certificate of generation `generation` (0 first,
// 1 after its first re-keying): upper-case hex as the directory holds it.
std::string sim_serial(domain::ProvinceCode code, std::uint32_t generation);

std::shared_ptr<const core::EnvelopeSigner> sim_signer(domain::ProvinceCode code,
                                                       std::uint32_t generation);
std::shared_ptr<core::SignatureVerifier> sim_verifier();

}  // namespace provnet::sim
