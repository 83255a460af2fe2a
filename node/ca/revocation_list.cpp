#include "ca/revocation_list.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <climits>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "ca/ca_index.hpp"
#include "ca/certificates.hpp"
#include "ca/keys.hpp"
#include "ca/pem_file.hpp"
#include "ca/validity_period.hpp"

namespace provnet::ca {

namespace {

using CrlHandle = std::unique_ptr<X509_CRL, FreeWith<&X509_CRL_free>>;
using RevokedHandle = std::unique_ptr<X509_REVOKED, FreeWith<&X509_REVOKED_free>>;
using IntegerHandle = std::unique_ptr<ASN1_INTEGER, FreeWith<&ASN1_INTEGER_free>>;
using EnumeratedHandle = std::unique_ptr<ASN1_ENUMERATED, FreeWith<&ASN1_ENUMERATED_free>>;
using TimeHandle = std::unique_ptr<ASN1_TIME, FreeWith<&ASN1_TIME_free>>;
using BignumHandle = std::unique_ptr<BIGNUM, FreeWith<&BN_free>>;

struct ReasonCode {
  std::string_view name;
  int code;
};
// RFC 5280 §5.3.1 CRLReason values of the reasons kRevocationReasons names.
constexpr ReasonCode kReasonCodes[] = {{"unspecified", CRL_REASON_UNSPECIFIED},
                                       {"keyCompromise", CRL_REASON_KEY_COMPROMISE},
                                       {"affiliationChanged", CRL_REASON_AFFILIATION_CHANGED},
                                       {"superseded", CRL_REASON_SUPERSEDED},
                                       {"cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION}};

Error crl_error(std::string_view what) {
  return Error{Errc::io, fmt::format("{}: {}", what, openssl_error_text())};
}

TimeHandle time_of(std::int64_t unix_seconds) {
  return TimeHandle(ASN1_TIME_set(nullptr, static_cast<std::time_t>(unix_seconds)));
}

Result<std::int64_t> unix_of(const ASN1_TIME* time, std::string_view field,
                             std::string_view what_for_errors) {
  std::tm broken_down{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &broken_down) != 1) {
    return Error{Errc::corrupt, fmt::format("{}: the {} time cannot be decoded: {}",
                                            what_for_errors, field, openssl_error_text())};
  }
  return static_cast<std::int64_t>(::timegm(&broken_down));
}

std::string hex_of(const ASN1_INTEGER* integer) {
  BignumHandle number(ASN1_INTEGER_to_BN(integer, nullptr));
  char* hex = number != nullptr ? BN_bn2hex(number.get()) : nullptr;
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return text;
}

Result<RevokedHandle> revoked_entry(const RevokedSerial& entry) {
  auto canonical = canonical_serial_hex(entry.serial_hex);
  if (!canonical) {
    return Error{Errc::invalid_input,
                 fmt::format("CRL entry: serial \"{}\" is not a positive hexadecimal number",
                             entry.serial_hex)};
  }
  const int reason = crl_reason_code(entry.reason);
  if (reason < 0) {
    return Error{Errc::invalid_input,
                 fmt::format("CRL entry for serial {}: reason \"{}\" is not one of {}", *canonical,
                             entry.reason, revocation_reasons_text())};
  }
  RevokedHandle revoked(X509_REVOKED_new());
  BIGNUM* raw_number = nullptr;
  if (revoked == nullptr || BN_hex2bn(&raw_number, canonical->c_str()) == 0) {
    return crl_error("making a CRL entry failed");
  }
  BignumHandle number(raw_number);
  IntegerHandle serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  TimeHandle date = time_of(entry.revoked_at_unix);
  if (serial == nullptr || date == nullptr ||
      X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
      X509_REVOKED_set_revocationDate(revoked.get(), date.get()) != 1) {
    return crl_error(fmt::format("making the CRL entry for serial {} failed", *canonical));
  }
  // RFC 5280 §5.3.1: "unspecified" SHOULD be absent rather than coded.
  if (reason != CRL_REASON_UNSPECIFIED) {
    EnumeratedHandle code(ASN1_ENUMERATED_new());
    if (code == nullptr || ASN1_ENUMERATED_set(code.get(), reason) != 1 ||
        X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, code.get(), 0, 0) != 1) {
      return crl_error(
          fmt::format("adding the reason to the CRL entry for serial {} failed", *canonical));
    }
  }
  return revoked;
}

}  // namespace

int crl_reason_code(std::string_view reason) {
  for (const auto& r : kReasonCodes) {
    if (r.name == reason) return r.code;
  }
  return -1;
}

std::string_view crl_reason_name(int code) {
  for (const auto& r : kReasonCodes) {
    if (r.code == code) return r.name;
  }
  return {};
}

Result<std::string> make_crl_pem(X509* ca_cert, EVP_PKEY* ca_key, const CrlSpec& spec) {
  if (ca_cert == nullptr || ca_key == nullptr) {
    return Error{Errc::invalid_input, "making a CRL needs the CA certificate and the CA key"};
  }
  if (spec.crl_number == 0) {
    return Error{Errc::invalid_input, "CRL spec: the CRL number must be positive"};
  }
  if (spec.next_update_unix <= spec.last_update_unix) {
    return Error{Errc::invalid_input,
                 fmt::format("CRL spec: nextUpdate ({}) is not later than lastUpdate ({})",
                             utc_text(spec.next_update_unix), utc_text(spec.last_update_unix))};
  }
  if (auto checked = check_ca_signer(ca_cert, ca_key, "sign a CRL"); !checked) {
    return checked.error();
  }
  auto algorithm = key_algorithm_of(ca_key);
  if (!algorithm) {
    return Error{Errc::invalid_input,
                 fmt::format("the CA key cannot sign a CRL: {}", algorithm.error().message)};
  }
  const EVP_MD* digest = *algorithm == KeyAlgorithm::sm2 ? EVP_sm3() : EVP_sha256();

  CrlHandle crl(X509_CRL_new());
  TimeHandle last_update = time_of(spec.last_update_unix);
  TimeHandle next_update = time_of(spec.next_update_unix);
  if (crl == nullptr || last_update == nullptr || next_update == nullptr ||
      X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_cert)) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1) {
    return crl_error("setting the CRL's issuer and update times failed");
  }
  for (const RevokedSerial& entry : spec.revoked) {
    auto revoked = revoked_entry(entry);
    if (!revoked) return revoked.error();
    if (X509_CRL_add0_revoked(crl.get(), revoked->get()) != 1) {
      return crl_error(fmt::format("adding serial {} to the CRL failed", entry.serial_hex));
    }
    revoked->release();  // the CRL owns it now
  }
  X509_CRL_sort(crl.get());

  X509V3_CTX context;
  X509V3_set_ctx(&context, ca_cert, nullptr, nullptr, crl.get(), 0);
  X509_EXTENSION* key_id =
      X509V3_EXT_nconf_nid(nullptr, &context, NID_authority_key_identifier, "keyid:always");
  if (key_id == nullptr) return crl_error("making the CRL's authorityKeyIdentifier failed");
  const int added = X509_CRL_add_ext(crl.get(), key_id, -1);
  X509_EXTENSION_free(key_id);
  IntegerHandle number(ASN1_INTEGER_new());
  if (added != 1 || number == nullptr ||
      ASN1_INTEGER_set_uint64(number.get(), spec.crl_number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    return crl_error("adding the CRL's extensions failed");
  }

  if (X509_CRL_sign(crl.get(), ca_key, digest) <= 0) {
    return crl_error(
        fmt::format("signing the CRL with the key of {}", certificate_description(ca_cert)));
  }
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) {
    return crl_error("writing the CRL as PEM failed");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<CrlContents> crl_from_pem(std::string_view pem, std::string_view what_for_errors,
                                 X509* issuer) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error{Errc::invalid_input, fmt::format("{} is too large", what_for_errors)};
  }
  ERR_clear_error();
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CrlHandle crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (crl == nullptr) {
    return Error{Errc::invalid_input,
                 fmt::format("{} holds no PEM CRL (expected \"-----BEGIN X509 CRL-----\"): {}",
                             what_for_errors, openssl_error_text())};
  }
  if (issuer != nullptr) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer)) != 0) {
      return Error{Errc::security,
                   fmt::format("{} is issued by {}, not by the CA {}", what_for_errors,
                               distinguished_name_text(X509_CRL_get_issuer(crl.get())),
                               certificate_description(issuer))};
    }
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (key == nullptr || X509_CRL_verify(crl.get(), key) != 1) {
      ERR_clear_error();
      return Error{Errc::security,
                   fmt::format("{} has a bad signature: it does not verify with the key of {}",
                               what_for_errors, certificate_description(issuer))};
    }
  }

  CrlContents contents;
  contents.issuer = distinguished_name_text(X509_CRL_get_issuer(crl.get()));
  auto last = unix_of(X509_CRL_get0_lastUpdate(crl.get()), "lastUpdate", what_for_errors);
  if (!last) return last.error();
  contents.last_update_unix = *last;
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get()); next != nullptr) {
    auto next_unix = unix_of(next, "nextUpdate", what_for_errors);
    if (!next_unix) return next_unix.error();
    contents.next_update_unix = *next_unix;
  }
  int critical = -1;
  IntegerHandle number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, &critical, nullptr)));
  std::uint64_t number_value = 0;
  if (number != nullptr && ASN1_INTEGER_get_uint64(&number_value, number.get()) == 1) {
    contents.crl_number = number_value;
  }
  ERR_clear_error();

  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
    RevokedSerial serial;
    serial.serial_hex = hex_of(X509_REVOKED_get0_serialNumber(entry));
    auto date =
        unix_of(X509_REVOKED_get0_revocationDate(entry),
                fmt::format("revocationDate of serial {}", serial.serial_hex), what_for_errors);
    if (!date) return date.error();
    serial.revoked_at_unix = *date;
    int reason_critical = -1;
    EnumeratedHandle code(static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &reason_critical, nullptr)));
    if (code == nullptr) {
      serial.reason = "unspecified";
    } else {
      const long value = ASN1_ENUMERATED_get(code.get());
      const std::string_view name = crl_reason_name(static_cast<int>(value));
      serial.reason = name.empty() ? fmt::format("reason code {}", value) : std::string(name);
    }
    ERR_clear_error();
    contents.revoked.push_back(std::move(serial));
  }
  return contents;
}

Result<CrlContents> read_crl_file(const std::string& path, X509* issuer) {
  auto text = read_pem_file(path, "CRL file");
  if (!text) return text.error();
  return crl_from_pem(*text, fmt::format("CRL file {}", path), issuer);
}

}  // namespace provnet::ca
