// The national CA's certificate revocation list (X.509 v2 CRL, RFC 5280
// §5): made from the revoked entries of the CA index (ca_index.hpp) and
// signed by the CA key, with ECDSA/SHA-256 for a P-256 CA and SM2/SM3 for
// an SM2 CA (with the same SM2 identifier as certificates.hpp).
//
// What it holds: the CA's subject as issuer, lastUpdate and nextUpdate, the
// extensions authorityKeyIdentifier (which CA key signed it) and cRLNumber
// (grows with every CRL the CA makes), and per revoked certificate its
// serial, revocation date and a reasonCode entry extension. As RFC 5280
// §5.3.1 asks, the reason "unspecified" is written as no reasonCode at all;
// reading a CRL gives "unspecified" back for an entry without one.
//
// provnet nodes learn revocations from the national node's signed
// directory; the CRL is the same information in the form every X.509 tool
// understands (openssl verify -crl_check, other CAs' relying parties).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ca/openssl_handles.hpp"
#include "common/result.hpp"

namespace provnet::ca {

struct RevokedSerial {
  std::string serial_hex;  // as certificate_serial_hex writes it
  std::int64_t revoked_at_unix = 0;
  std::string reason;  // one of kRevocationReasons (ca_index.hpp)
};

struct CrlSpec {
  std::int64_t last_update_unix = 0;
  std::int64_t next_update_unix = 0;  // later than last_update
  std::uint64_t crl_number = 0;       // positive; larger than the previous CRL's
  std::vector<RevokedSerial> revoked{};
};

// A CRL signed by `ca_key` for `ca_cert` (which must be a CA certificate
// whose key `ca_key` is), as PEM ("-----BEGIN X509 CRL-----").
Result<std::string> make_crl_pem(X509* ca_cert, EVP_PKEY* ca_key, const CrlSpec& spec);

struct CrlContents {
  std::string issuer;  // distinguished_name_text of the issuer
  std::int64_t last_update_unix = 0;
  std::int64_t next_update_unix = 0;  // 0 when the CRL has none
  std::uint64_t crl_number = 0;       // 0 when the CRL has none
  std::vector<RevokedSerial> revoked{};
};

// What a PEM CRL says. With `issuer` given, the CRL must also be signed by
// its key and name it as issuer (security error otherwise).
// `what_for_errors` names the source ("CRL file /srv/ca/crl.pem").
Result<CrlContents> crl_from_pem(std::string_view pem, std::string_view what_for_errors,
                                 X509* issuer = nullptr);
Result<CrlContents> read_crl_file(const std::string& path, X509* issuer = nullptr);

// The CRL reasonCode for a reason name (RFC 5280 CRLReason) and back.
// -1 / "" for names and codes provnet does not use.
int crl_reason_code(std::string_view reason);
std::string_view crl_reason_name(int code);

}  // namespace provnet::ca
