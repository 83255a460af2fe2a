// A node's private key: which algorithms provnet accepts, making one,
// and moving it to and from PEM.
//
// Two algorithms only: ECDSA on P-256 (what every TLS stack speaks) and SM2
// (GB/T 32918, required of Chinese government systems). Anything else,
// RSA or another curve, is refused where a key is put to use, so that a
// wrong key file fails at start-up with a clear message rather than on the
// first message a peer cannot verify.
#pragma once

#include <string>
#include <string_view>

#include "ca/openssl_handles.hpp"
#include "common/result.hpp"

namespace provnet::ca {

enum class KeyAlgorithm { ecdsa_p256, sm2 };

// "ECDSA P-256", "SM2": for messages.
std::string_view key_algorithm_name(KeyAlgorithm algorithm);

Result<KeyHandle> generate_key(KeyAlgorithm algorithm);

// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), unencrypted: the node reads
// its key unattended at start-up, so the key file's protection is its
// permissions (0600, owned by the node's user), not a passphrase.
Result<std::string> private_key_pem(EVP_PKEY* key);

// A private key from PEM (PKCS#8 or the older per-algorithm forms).
// `what_for_errors` names the source ("private key file /etc/provnet/44.key").
// An encrypted key is refused with that reason (nobody is there to type a
// passphrase); so is a PEM holding only a certificate, a common mix-up of
// the certificate and key paths.
Result<KeyHandle> private_key_from_pem(std::string_view pem, std::string_view what_for_errors);

// The key in the file at `path`. Errors name the path and say whether it is
// missing (not_found), unreadable (io) or not a private key (invalid_input).
Result<KeyHandle> read_private_key_file(const std::string& path);

// Which of provnet's algorithms the key (private or public) is for.
// invalid_input for RSA, EC keys on other curves, and every other type.
Result<KeyAlgorithm> key_algorithm_of(EVP_PKEY* key);

}  // namespace provnet::ca
