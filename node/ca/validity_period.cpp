#include "ca/validity_period.hpp"

#include <openssl/asn1.h>

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "ca/openssl_handles.hpp"

namespace provnet::ca {

namespace {

Result<std::int64_t> unix_time_of(const ASN1_TIME* time, std::string_view field) {
  std::tm broken_down{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &broken_down) != 1) {
    return Error{Errc::corrupt, fmt::format("the certificate's {} time cannot be decoded: {}",
                                            field, openssl_error_text())};
  }
  return static_cast<std::int64_t>(::timegm(&broken_down));
}

}  // namespace

ValidityPeriod ValidityPeriod::intersect(const ValidityPeriod& other) const {
  return ValidityPeriod{std::max(not_before_unix, other.not_before_unix),
                        std::min(not_after_unix, other.not_after_unix)};
}

Result<ValidityPeriod> validity_period_of(X509* certificate) {
  if (certificate == nullptr) return Error{Errc::invalid_input, "no certificate given"};
  auto not_before = unix_time_of(X509_get0_notBefore(certificate), "notBefore");
  if (!not_before) return not_before.error();
  auto not_after = unix_time_of(X509_get0_notAfter(certificate), "notAfter");
  if (!not_after) return not_after.error();
  return ValidityPeriod{*not_before, *not_after};
}

std::string utc_text(std::int64_t unix_seconds) {
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm broken_down{};
  if (::gmtime_r(&seconds, &broken_down) == nullptr) {
    return fmt::format("{} seconds after 1970-01-01 UTC", unix_seconds);
  }
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", broken_down.tm_year + 1900,
                     broken_down.tm_mon + 1, broken_down.tm_mday, broken_down.tm_hour,
                     broken_down.tm_min, broken_down.tm_sec);
}

}  // namespace provnet::ca
