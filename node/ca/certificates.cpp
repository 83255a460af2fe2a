#include "ca/certificates.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <climits>
#include <ctime>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ca/keys.hpp"
#include "ca/node_identity.hpp"
#include "ca/pem_file.hpp"
#include "ca/validity_period.hpp"

namespace provnet::ca {

namespace {

constexpr std::string_view kOrganization = "provnet";

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

Error spec_error(std::string_view problem) {
  return Error{Errc::invalid_input, fmt::format("certificate spec: {}", problem)};
}

Result<void> check_spec(const CertificateSpec& spec) {
  if (spec.serial == 0) return spec_error("the serial number must be positive (RFC 5280)");
  if (spec.not_after_unix <= spec.not_before_unix) {
    return spec_error(fmt::format("not_after ({}) is not later than not_before ({})",
                                  utc_text(spec.not_after_unix), utc_text(spec.not_before_unix)));
  }
  if (spec.is_ca && spec.node_code) {
    return spec_error("a CA certificate names no node; set either is_ca or node_code");
  }
  if (spec.node_code) {
    if (!is_node_code(*spec.node_code)) {
      return spec_error(
          fmt::format("node code {:02} is neither the national node (00) nor a "
                      "province of config/provinces.csv",
                      *spec.node_code));
    }
    const std::string expected = node_common_name(*spec.node_code);
    if (!spec.common_name.empty() && spec.common_name != expected) {
      return spec_error(
          fmt::format("common_name \"{}\" contradicts node code {:02}, whose CN is "
                      "{}; leave common_name empty for a node certificate",
                      spec.common_name, *spec.node_code, expected));
    }
  } else if (spec.common_name.empty()) {
    return spec_error("a certificate that names no node needs a common_name");
  }
  return {};
}

Result<const EVP_MD*> signing_digest_for(EVP_PKEY* ca_key) {
  auto algorithm = key_algorithm_of(ca_key);
  if (!algorithm) {
    return Error{Errc::invalid_input, fmt::format("the CA key cannot sign provnet certificates: {}",
                                                  algorithm.error().message)};
  }
  return *algorithm == KeyAlgorithm::sm2 ? EVP_sm3() : EVP_sha256();
}

Result<void> add_name_entry(X509_NAME* name, const char* field, std::string_view value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return Error{Errc::invalid_input,
                 fmt::format("the subject {} \"{}\" is not acceptable (a CN is at most 64 "
                             "characters): {}",
                             field, value, openssl_error_text())};
  }
  return {};
}

Result<void> add_extension(X509* certificate, X509V3_CTX* context, int nid,
                           const std::string& value) {
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, context, nid, value.c_str());
  if (extension == nullptr) {
    return Error{Errc::invalid_input, fmt::format("making the {} extension \"{}\" failed: {}",
                                                  OBJ_nid2sn(nid), value, openssl_error_text())};
  }
  const int added = X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) {
    return Error{Errc::io, fmt::format("adding the {} extension failed: {}", OBJ_nid2sn(nid),
                                       openssl_error_text())};
  }
  return {};
}

// One body for both: a self-signed CA is "issued" by itself, with
// `issuer_cert` null.
Result<CertificateHandle> build_certificate(X509* issuer_cert, EVP_PKEY* issuer_key,
                                            EVP_PKEY* subject_key, const CertificateSpec& spec) {
  if (auto checked = check_spec(spec); !checked) return checked.error();
  auto digest = signing_digest_for(issuer_key);
  if (!digest) return digest.error();
  if (auto subject_algorithm = key_algorithm_of(subject_key); !subject_algorithm) {
    return Error{Errc::invalid_input, fmt::format("the subject key cannot be certified: {}",
                                                  subject_algorithm.error().message)};
  }

  ERR_clear_error();
  CertificateHandle certificate(X509_new());
  if (certificate == nullptr) {
    return Error{Errc::io,
                 fmt::format("allocating a certificate failed: {}", openssl_error_text())};
  }
  X509* x = certificate.get();
  if (X509_set_version(x, X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), spec.serial) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(x), static_cast<std::time_t>(spec.not_before_unix)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x), static_cast<std::time_t>(spec.not_after_unix)) ==
          nullptr ||
      X509_set_pubkey(x, subject_key) != 1) {
    return Error{Errc::invalid_input,
                 fmt::format("setting the certificate's serial, validity or key failed: {}",
                             openssl_error_text())};
  }

  X509_NAME* subject = X509_get_subject_name(x);
  const std::string common_name =
      spec.node_code ? node_common_name(*spec.node_code) : spec.common_name;
  if (auto r = add_name_entry(subject, "CN", common_name); !r) return r.error();
  if (auto r = add_name_entry(subject, "O", kOrganization); !r) return r.error();
  const X509_NAME* issuer_name =
      issuer_cert != nullptr ? X509_get_subject_name(issuer_cert) : subject;
  if (X509_set_issuer_name(x, issuer_name) != 1) {
    return Error{Errc::io, fmt::format("setting the issuer name failed: {}", openssl_error_text())};
  }

  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer_cert != nullptr ? issuer_cert : x, x, nullptr, nullptr, 0);
  std::vector<std::pair<int, std::string>> extensions;
  if (spec.is_ca) {
    extensions = {{NID_basic_constraints, "critical,CA:TRUE"},
                  {NID_key_usage, "critical,keyCertSign,cRLSign"},
                  {NID_subject_key_identifier, "hash"}};
  } else {
    extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                  {NID_key_usage, "critical,digitalSignature"},
                  {NID_ext_key_usage, "serverAuth,clientAuth"},
                  {NID_subject_key_identifier, "hash"}};
    if (spec.node_code) {
      extensions.emplace_back(NID_subject_alt_name, "URI:" + node_uri(*spec.node_code));
    }
  }
  // A self-signed CA is its own authority; everything a CA issues points at
  // the CA's key so verifiers can pick the right one across a CA key rollover.
  if (issuer_cert != nullptr) extensions.emplace_back(NID_authority_key_identifier, "keyid:always");
  for (const auto& [nid, value] : extensions) {
    if (auto r = add_extension(x, &context, nid, value); !r) return r.error();
  }

  if (X509_sign(x, issuer_key, *digest) <= 0) {
    return Error{Errc::io, fmt::format("signing the certificate for {} failed: {}", common_name,
                                       openssl_error_text())};
  }
  return certificate;
}

}  // namespace

Result<CertificateHandle> make_self_signed_ca(EVP_PKEY* ca_key, const CertificateSpec& spec) {
  if (ca_key == nullptr) return Error{Errc::invalid_input, "no CA key given"};
  if (!spec.is_ca) {
    return spec_error("make_self_signed_ca makes CA certificates only; set is_ca");
  }
  return build_certificate(nullptr, ca_key, ca_key, spec);
}

Result<CertificateHandle> issue_certificate(X509* ca_cert, EVP_PKEY* ca_key, EVP_PKEY* subject_key,
                                            const CertificateSpec& spec) {
  if (ca_cert == nullptr || ca_key == nullptr || subject_key == nullptr) {
    return Error{Errc::invalid_input,
                 "issuing a certificate needs the CA certificate, the CA key and the subject key"};
  }
  if (auto checked = check_ca_signer(ca_cert, ca_key, "issue certificates"); !checked) {
    return checked.error();
  }
  return build_certificate(ca_cert, ca_key, subject_key, spec);
}

Result<void> check_ca_signer(X509* ca_cert, EVP_PKEY* ca_key, std::string_view what) {
  ERR_clear_error();
  if ((X509_get_extension_flags(ca_cert) & EXFLAG_CA) == 0) {
    return Error{Errc::invalid_input,
                 fmt::format("certificate {} is not a CA certificate (no basicConstraints "
                             "CA:TRUE), so it cannot {}",
                             certificate_description(ca_cert), what)};
  }
  if (X509_check_private_key(ca_cert, ca_key) != 1) {
    ERR_clear_error();
    return Error{Errc::invalid_input,
                 fmt::format("the CA key does not belong to the CA certificate {}: check the CA "
                             "certificate and key paths",
                             certificate_description(ca_cert))};
  }
  return {};
}

Result<std::string> certificate_pem(X509* certificate) {
  if (certificate == nullptr) return Error{Errc::invalid_input, "no certificate given"};
  ERR_clear_error();
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), certificate) != 1) {
    return Error{Errc::io,
                 fmt::format("writing the certificate as PEM failed: {}", openssl_error_text())};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<std::string> certificate_der(X509* certificate) {
  if (certificate == nullptr) return Error{Errc::invalid_input, "no certificate given"};
  ERR_clear_error();
  const int size = i2d_X509(certificate, nullptr);
  if (size <= 0) {
    return Error{Errc::io,
                 fmt::format("encoding the certificate as DER failed: {}", openssl_error_text())};
  }
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(certificate, &out) != size) {
    return Error{Errc::io,
                 fmt::format("encoding the certificate as DER failed: {}", openssl_error_text())};
  }
  return der;
}

Result<std::vector<CertificateHandle>> certificates_from_pem(std::string_view pem,
                                                             std::string_view what_for_errors) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error{Errc::invalid_input, fmt::format("{} is too large", what_for_errors)};
  }
  ERR_clear_error();
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return Error{Errc::io,
                 fmt::format("reading {} failed: {}", what_for_errors, openssl_error_text())};
  }
  std::vector<CertificateHandle> certificates;
  for (;;) {
    // Blocks of other types (a key bundled in the same file) are skipped.
    X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (certificate == nullptr) {
      const unsigned long last = ERR_peek_last_error();
      if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
        ERR_clear_error();  // the normal end: no further certificate
        break;
      }
      return Error{Errc::invalid_input,
                   fmt::format("certificate #{} in {} is damaged: {}", certificates.size() + 1,
                               what_for_errors, openssl_error_text())};
    }
    certificates.emplace_back(certificate);
  }
  if (certificates.empty()) {
    if (contains(pem, "PRIVATE KEY-----")) {
      return Error{Errc::invalid_input,
                   fmt::format("{} holds a private key but no certificate: are the certificate "
                               "and key paths swapped?",
                               what_for_errors)};
    }
    return Error{Errc::invalid_input,
                 fmt::format("{} holds no PEM certificate (expected \"-----BEGIN "
                             "CERTIFICATE-----\")",
                             what_for_errors)};
  }
  return certificates;
}

Result<CertificateHandle> certificate_from_pem(std::string_view pem,
                                               std::string_view what_for_errors) {
  auto all = certificates_from_pem(pem, what_for_errors);
  if (!all) return all.error();
  return std::move(all->front());
}

Result<CertificateHandle> certificate_from_der(std::string_view der,
                                               std::string_view what_for_errors) {
  if (der.empty()) return Error{Errc::invalid_input, fmt::format("{} is empty", what_for_errors)};
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return Error{Errc::invalid_input, fmt::format("{} is too large", what_for_errors)};
  }
  ERR_clear_error();
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = begin;
  CertificateHandle certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (certificate == nullptr) {
    return Error{Errc::invalid_input, fmt::format("{} is not a DER X.509 certificate: {}",
                                                  what_for_errors, openssl_error_text())};
  }
  const auto used = static_cast<std::size_t>(cursor - begin);
  if (used != der.size()) {
    return Error{Errc::invalid_input,
                 fmt::format("{} has {} bytes after the certificate; expected exactly one DER "
                             "certificate",
                             what_for_errors, der.size() - used)};
  }
  return certificate;
}

Result<CertificateHandle> read_certificate_file(const std::string& path) {
  auto text = read_pem_file(path, "certificate file");
  if (!text) return text.error();
  return certificate_from_pem(*text, fmt::format("certificate file {}", path));
}

Result<std::vector<CertificateHandle>> read_certificate_chain_file(const std::string& path) {
  auto text = read_pem_file(path, "certificate file");
  if (!text) return text.error();
  return certificates_from_pem(*text, fmt::format("certificate file {}", path));
}

std::string distinguished_name_text(const X509_NAME* name) {
  std::string text;
  BioHandle bio(BIO_new(BIO_s_mem()));
  constexpr unsigned long kFlags = XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
                                   ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL |
                                   ASN1_STRFLGS_ESC_2253;
  if (bio != nullptr && name != nullptr && X509_NAME_print_ex(bio.get(), name, 0, kFlags) >= 0) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    text.assign(data, static_cast<std::size_t>(size));
  }
  if (text.empty()) text = "(empty name)";
  return text;
}

std::string certificate_serial_hex(const X509* certificate) {
  if (certificate == nullptr) return {};
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  char* hex = serial != nullptr ? BN_bn2hex(serial) : nullptr;
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(serial);
  return text;
}

std::string certificate_description(X509* certificate) {
  if (certificate == nullptr) return "(no certificate)";
  std::string text = distinguished_name_text(X509_get_subject_name(certificate));
  if (std::string hex = certificate_serial_hex(certificate); !hex.empty()) {
    text += fmt::format(" (serial {})", hex);
  }
  return text;
}

}  // namespace provnet::ca
