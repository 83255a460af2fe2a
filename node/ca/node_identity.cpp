#include "ca/node_identity.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ca/certificates.hpp"
#include "ca/openssl_handles.hpp"

namespace provnet::ca {

namespace {

constexpr std::string_view kUriPrefix = "provnet:node:";
constexpr std::string_view kCommonNamePrefix = "provnet-node-";

using GeneralNamesHandle = std::unique_ptr<GENERAL_NAMES, FreeWith<&GENERAL_NAMES_free>>;

std::string_view view_of(const ASN1_STRING* text) {
  return std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                          static_cast<std::size_t>(ASN1_STRING_length(text)));
}

// Certificate text goes into logs and into messages to other nodes: show
// it quoted, with anything unprintable escaped and the length bounded.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

bool has_provnet_scheme(std::string_view uri) {
  constexpr std::string_view kScheme = "provnet:";
  if (uri.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = uri[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return false;
  }
  return true;
}

std::optional<domain::ProvinceCode> two_digits(std::string_view text) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
    return std::nullopt;
  }
  return static_cast<domain::ProvinceCode>((text[0] - '0') * 10 + (text[1] - '0'));
}

Error identity_error(X509* certificate, std::string_view problem) {
  return Error{Errc::security,
               fmt::format("certificate {} {}", certificate_description(certificate), problem)};
}

}  // namespace

std::string node_uri(domain::ProvinceCode code) {
  return fmt::format("{}{:02}", kUriPrefix, code);
}

std::string node_common_name(domain::ProvinceCode code) {
  return fmt::format("{}{:02}", kCommonNamePrefix, code);
}

bool is_node_code(domain::ProvinceCode code) {
  return code == domain::kNationalCode || domain::find_province(code) != nullptr;
}

Result<domain::ProvinceCode> node_code_of(X509* certificate) {
  if (certificate == nullptr) return Error{Errc::invalid_input, "no certificate given"};

  int critical = -1;
  GeneralNamesHandle names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, &critical, nullptr)));
  if (names == nullptr) {
    ERR_clear_error();  // a decoding failure is reported below, not left queued
    if (critical == -2) {
      return identity_error(certificate,
                            "has more than one subjectAltName extension; a node certificate "
                            "has one, naming its node as provnet:node:NN");
    }
    if (critical == -1) {
      return identity_error(certificate,
                            "has no subjectAltName; a node certificate names its node in a "
                            "subjectAltName URI provnet:node:NN");
    }
    return identity_error(certificate, "has a subjectAltName that cannot be decoded");
  }

  std::vector<std::string_view> claims;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) continue;
    const std::string_view uri = view_of(name->d.uniformResourceIdentifier);
    if (has_provnet_scheme(uri)) claims.push_back(uri);
  }
  if (claims.empty()) {
    return identity_error(certificate,
                          "has no provnet:node:NN URI in its subjectAltName, so it names no node");
  }
  if (claims.size() > 1) {
    std::string listed;
    for (std::string_view claim : claims) {
      if (!listed.empty()) listed += ", ";
      listed += quoted(claim);
    }
    return identity_error(certificate,
                          fmt::format("has {} provnet URIs in its subjectAltName ({}); a node "
                                      "certificate names exactly one node",
                                      claims.size(), listed));
  }

  const std::string_view uri = claims.front();
  std::optional<domain::ProvinceCode> code;
  if (uri.substr(0, kUriPrefix.size()) == kUriPrefix)
    code = two_digits(uri.substr(kUriPrefix.size()));
  if (!code) {
    return identity_error(certificate,
                          fmt::format("has the subjectAltName URI {}, which is not of the form "
                                      "provnet:node:NN (NN two digits)",
                                      quoted(uri)));
  }
  if (!is_node_code(*code)) {
    return identity_error(certificate,
                          fmt::format("names node {:02} in its subjectAltName, which is neither "
                                      "the national node (00) nor a province of "
                                      "config/provinces.csv",
                                      *code));
  }

  const std::string expected_cn = node_common_name(*code);
  X509_NAME* subject = X509_get_subject_name(certificate);
  for (int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); index >= 0;
       index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) {
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length < 0) {
      ERR_clear_error();
      return identity_error(certificate, "has a subject CN that cannot be decoded");
    }
    const std::string common_name(reinterpret_cast<const char*>(utf8),
                                  static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    if (common_name.starts_with(kCommonNamePrefix) && common_name != expected_cn) {
      return identity_error(certificate,
                            fmt::format("has the subject CN {}, which disagrees with its "
                                        "subjectAltName URI {} (expected CN={})",
                                        quoted(common_name), node_uri(*code), expected_cn));
    }
  }
  return *code;
}

}  // namespace provnet::ca
