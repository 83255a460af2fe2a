// X.509 certificates: making the provnet CA, issuing node certificates,
// and moving certificates to and from PEM, DER and files.
//
// What a provnet certificate contains, and why:
//  - the CA: basicConstraints critical CA:TRUE, keyUsage critical
//    keyCertSign+cRLSign (it signs certificates and, from issue 4,
//    revocation lists), a subjectKeyIdentifier so issued certificates can
//    point back at it;
//  - a node: basicConstraints critical CA:FALSE (a node cannot mint
//    identities), keyUsage critical digitalSignature (TLS 1.3 handshakes and
//    envelope signatures; key exchange is ephemeral, so no keyAgreement),
//    extendedKeyUsage serverAuth+clientAuth (every node is both TLS server
//    and client), subject and authority key identifiers, and its identity as
//    node_identity.hpp defines it: subject CN=provnet-node-NN, O=provnet and
//    the subjectAltName URI provnet:node:NN.
// The CA signs with ECDSA/SHA-256 when its key is P-256 and with SM2/SM3
// when it is SM2. For SM2 the certificate signature uses OpenSSL's own SM2
// identifier (empty in OpenSSL 3.0), because OpenSSL's chain verification
// and TLS cannot be given another one per certificate; envelope signatures
// use the GM/T 0009 default instead (envelope_signatures.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ca/openssl_handles.hpp"
#include "common/result.hpp"
#include "domain/province.hpp"

namespace provnet::ca {

struct CertificateSpec {
  // The subject CN of a CA or of a certificate that names no node. Leave
  // empty for a node certificate: its subject is derived from node_code
  // (a different CN is refused, so a spec cannot contradict itself).
  std::string common_name{};
  // Set for a node certificate: 00 (national) or a province code.
  std::optional<domain::ProvinceCode> node_code{};
  bool is_ca = false;
  // Taken exactly as given (tests make expired and not-yet-valid
  // certificates); not_after must be later than not_before.
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
  // Positive (RFC 5280); unique per CA is the caller's duty.
  std::uint64_t serial = 0;
};

// A self-signed CA certificate for `ca_key`; spec.is_ca must be set and
// node_code unset. invalid_input for a spec that breaks these rules or a
// key of another algorithm than P-256 or SM2.
Result<CertificateHandle> make_self_signed_ca(EVP_PKEY* ca_key, const CertificateSpec& spec);

// Checks that `ca_cert` is a CA certificate and `ca_key` its key, before
// either signs `what` ("certificates", "a CRL"); the error says which failed.
Result<void> check_ca_signer(X509* ca_cert, EVP_PKEY* ca_key, std::string_view what);

// A certificate for `subject_key` signed by the CA. Checks that `ca_key`
// belongs to `ca_cert` and that `ca_cert` is a CA. With spec.is_ca set it
// makes a subordinate CA.
Result<CertificateHandle> issue_certificate(X509* ca_cert, EVP_PKEY* ca_key, EVP_PKEY* subject_key,
                                            const CertificateSpec& spec);

Result<std::string> certificate_pem(X509* certificate);
Result<std::string> certificate_der(X509* certificate);

// `what_for_errors` names the source in messages ("CA file /etc/provnet/ca.pem").
// PEM: the first certificate. DER: exactly one certificate, no trailing bytes.
Result<CertificateHandle> certificate_from_pem(std::string_view pem,
                                               std::string_view what_for_errors);
Result<CertificateHandle> certificate_from_der(std::string_view der,
                                               std::string_view what_for_errors);
// Every certificate in a PEM text, in order; an error when there is none.
Result<std::vector<CertificateHandle>> certificates_from_pem(std::string_view pem,
                                                             std::string_view what_for_errors);

// The first certificate in the PEM file at `path`; errors name the path and
// say whether it is missing, unreadable or holds no certificate.
Result<CertificateHandle> read_certificate_file(const std::string& path);
// All certificates in the PEM file at `path`, in order (a CA bundle, or a
// leaf followed by its intermediates).
Result<std::vector<CertificateHandle>> read_certificate_chain_file(const std::string& path);

// "CN=provnet-node-44, O=provnet (serial 3A5F...)": how messages name a
// certificate. Control characters are escaped (UTF-8 is kept), since a
// peer chooses this text.
std::string certificate_description(X509* certificate);
// The serial as provnet writes it everywhere (CA index, directory,
// revocations, logs): upper-case hex in whole bytes (BN_bn2hex), "0A3F".
std::string certificate_serial_hex(const X509* certificate);
// A distinguished name the same way: "CN=provnet test CA, O=provnet".
std::string distinguished_name_text(const X509_NAME* name);

}  // namespace provnet::ca
