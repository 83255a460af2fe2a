// When a certificate may be used: its notBefore and notAfter as Unix
// seconds, with OpenSSL's reading of the bounds, so that a check made here
// (the signature verifier's cache) agrees with X509_verify_cert.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace provnet::ca {

struct ValidityPeriod {
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;

  // OpenSSL treats a certificate as expired at the second of its notAfter
  // (X509_cmp_time counts equal as earlier), so the period is half-open.
  bool contains(std::int64_t now_unix) const {
    return not_before_unix <= now_unix && now_unix < not_after_unix;
  }
  // The part of both periods: a chain is usable only while every
  // certificate in it is.
  ValidityPeriod intersect(const ValidityPeriod& other) const;
};

// corrupt when a time field cannot be decoded (OpenSSL parses certificates
// with malformed times, it only refuses to verify them).
Result<ValidityPeriod> validity_period_of(X509* certificate);

// "2026-03-01 08:00:00 UTC": the form every message about certificate
// times uses.
std::string utc_text(std::int64_t unix_seconds);

}  // namespace provnet::ca
