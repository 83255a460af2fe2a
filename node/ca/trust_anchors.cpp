#include "ca/trust_anchors.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <limits>

#include <fmt/format.h>

#include "ca/certificates.hpp"
#include "ca/node_identity.hpp"

namespace provnet::ca {

namespace {

Result<StoreHandle> store_of(const std::vector<CertificateHandle>& certificates) {
  StoreHandle store(X509_STORE_new());
  if (store == nullptr) {
    return Error{Errc::io,
                 fmt::format("allocating a certificate store failed: {}", openssl_error_text())};
  }
  for (const auto& certificate : certificates) {
    if (X509_STORE_add_cert(store.get(), certificate.get()) != 1) {
      return Error{Errc::io,
                   fmt::format("adding CA certificate {} to a store failed: {}",
                               certificate_description(certificate.get()), openssl_error_text())};
    }
  }
  return store;
}

// What went wrong in X509_verify_cert, in the words an operator needs. The
// common failures (another CA, expiry, a clock off) get their own sentence;
// the rest OpenSSL's.
Error chain_error(X509_STORE_CTX* context, X509* leaf, std::int64_t now_unix,
                  std::string_view source, std::size_t anchor_count) {
  const int code = X509_STORE_CTX_get_error(context);
  const int depth = X509_STORE_CTX_get_error_depth(context);
  X509* failing = X509_STORE_CTX_get_current_cert(context);
  if (failing == nullptr) failing = leaf;

  const std::string who =
      failing == leaf
          ? fmt::format("certificate {}", certificate_description(leaf))
          : fmt::format("CA certificate {} (issuer of certificate {})",
                        certificate_description(failing), certificate_description(leaf));
  const std::string checked_at = utc_text(now_unix);
  auto security = [](std::string message) { return Error{Errc::security, std::move(message)}; };

  switch (code) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      return security(fmt::format(
          "{} is not issued by the provnet CA (unable to get issuer {}: it is not among the {} "
          "certificate(s) of {})",
          who, distinguished_name_text(X509_get_issuer_name(failing)), anchor_count, source));
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return security(fmt::format(
          "{} is self-signed, not issued by the provnet CA (unable to get issuer among the {} "
          "certificate(s) of {})",
          who, anchor_count, source));
    case X509_V_ERR_CERT_HAS_EXPIRED: {
      auto period = validity_period_of(failing);
      return security(fmt::format("{} expired on {} (checked at {})", who,
                                  period ? utc_text(period->not_after_unix) : "(unreadable date)",
                                  checked_at));
    }
    case X509_V_ERR_CERT_NOT_YET_VALID: {
      auto period = validity_period_of(failing);
      return security(fmt::format(
          "{} is not valid before {} (checked at {}; if it was just issued, compare this "
          "node's clock with the CA's)",
          who, period ? utc_text(period->not_before_unix) : "(unreadable date)", checked_at));
    }
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return security(fmt::format(
          "{} has a bad signature: it does not verify with the key of its issuer {}, so it was "
          "altered or signed by another key",
          who, distinguished_name_text(X509_get_issuer_name(failing))));
    default:
      return security(
          fmt::format("{} failed verification against {}: {} (OpenSSL verify error "
                      "{} at depth {}){}",
                      who, source, X509_verify_cert_error_string(code), code, depth,
                      ERR_peek_error() != 0 ? "; " + openssl_error_text() : ""));
  }
}

}  // namespace

Result<TrustAnchors> TrustAnchors::from_pem_file(const std::string& path) {
  auto certificates = read_certificate_chain_file(path);
  if (!certificates) return certificates.error();
  std::vector<X509*> raw;
  raw.reserve(certificates->size());
  for (const auto& certificate : *certificates) raw.push_back(certificate.get());
  return from_certificates(raw, fmt::format("the CA file {}", path));
}

Result<TrustAnchors> TrustAnchors::from_certificates(std::span<X509* const> ca_certificates,
                                                     std::string_view source) {
  if (ca_certificates.empty()) {
    return Error{Errc::invalid_input, fmt::format("{} holds no CA certificate", source)};
  }
  ERR_clear_error();
  auto shared = std::make_shared<Shared>();
  shared->source = std::string(source);
  for (std::size_t i = 0; i < ca_certificates.size(); ++i) {
    X509* certificate = ca_certificates[i];
    if (certificate == nullptr) {
      return Error{Errc::invalid_input,
                   fmt::format("certificate #{} of {} is missing", i + 1, source)};
    }
    // A node certificate among the anchors would let that node issue
    // certificates for every other node.
    if ((X509_get_extension_flags(certificate) & EXFLAG_CA) == 0) {
      return Error{Errc::invalid_input,
                   fmt::format("certificate #{} of {}, {}, is not a CA certificate (no "
                               "basicConstraints CA:TRUE); trust anchors are the provnet CA's "
                               "certificates only",
                               i + 1, source, certificate_description(certificate))};
    }
    shared->certificates.push_back(share_certificate(certificate));
  }
  auto store = store_of(shared->certificates);
  if (!store) return store.error();
  shared->store = std::move(*store);
  return TrustAnchors(std::move(shared));
}

Result<VerifiedNode> TrustAnchors::verify_node(X509* leaf, std::int64_t now_unix) const {
  if (leaf == nullptr) return Error{Errc::invalid_input, "no certificate to verify"};
  ERR_clear_error();
  StoreContextHandle context(X509_STORE_CTX_new());
  if (context == nullptr ||
      X509_STORE_CTX_init(context.get(), shared_->store.get(), leaf, nullptr) != 1) {
    return Error{Errc::io, fmt::format("preparing certificate verification failed: {}",
                                       openssl_error_text())};
  }
  X509_VERIFY_PARAM* parameters = X509_STORE_CTX_get0_param(context.get());
  // The caller's time, never the system clock: the core is sans-I/O and
  // tests check certificates at chosen times.
  X509_VERIFY_PARAM_set_time(parameters, static_cast<std::time_t>(now_unix));
  // RFC 5280 conformance checks OpenSSL leaves off by default (key
  // identifiers present, CA basicConstraints critical, ...): provnet's own
  // certificates meet them, so anything failing them was not made here.
  X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_X509_STRICT);
  if (X509_verify_cert(context.get()) != 1) {
    return chain_error(context.get(), leaf, now_unix, shared_->source,
                       shared_->certificates.size());
  }

  ValidityPeriod chain_validity{std::numeric_limits<std::int64_t>::min(),
                                std::numeric_limits<std::int64_t>::max()};
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context.get());
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    auto period = validity_period_of(sk_X509_value(chain, i));
    if (!period) return period.error();
    chain_validity = chain_validity.intersect(*period);
  }

  if ((X509_get_extension_flags(leaf) & EXFLAG_CA) != 0) {
    return Error{Errc::security,
                 fmt::format("certificate {} is a CA certificate, not a node certificate",
                             certificate_description(leaf))};
  }
  auto code = node_code_of(leaf);
  if (!code) return code.error();
  return VerifiedNode{*code, chain_validity};
}

Result<domain::ProvinceCode> TrustAnchors::verify_node_certificate(X509* leaf,
                                                                   std::int64_t now_unix) const {
  auto verified = verify_node(leaf, now_unix);
  if (!verified) return verified.error();
  return verified->code;
}

Result<void> TrustAnchors::install_into(SSL_CTX* ctx) const {
  if (ctx == nullptr) return Error{Errc::invalid_input, "no TLS context to install the CA into"};
  ERR_clear_error();
  auto store = store_of(shared_->certificates);
  if (!store) return store.error();
  SSL_CTX_set_cert_store(ctx, store->release());  // the context owns it from here
  return {};
}

}  // namespace provnet::ca
