#include "net/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace provnet::net {

namespace {

std::string drain_openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

}  // namespace

std::string verify_error_text(long code) {
  return X509_verify_cert_error_string(code);
}

Result<std::unique_ptr<ssl::context>> make_tls_context(const TlsFiles& files) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    return Error{Errc::security,
                 "this OpenSSL cannot restrict TLS to version 1.3: " + drain_openssl_errors()};
  }
  // No session tickets or resumption: every connection proves its
  // certificate afresh, so a revoked or expired node cannot resume.
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);

  if (SSL_CTX_use_certificate_chain_file(native, files.certificate.c_str()) != 1) {
    return Error{Errc::security, fmt::format("tls.certificate {}: not a readable PEM certificate "
                                             "({})",
                                             files.certificate, drain_openssl_errors())};
  }
  if (SSL_CTX_use_PrivateKey_file(native, files.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error{Errc::security, fmt::format("tls.private_key {}: not a readable PEM private key "
                                             "({})",
                                             files.private_key, drain_openssl_errors())};
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error{Errc::security,
                 fmt::format("tls.private_key {} does not belong to tls.certificate {} ({})",
                             files.private_key, files.certificate, drain_openssl_errors())};
  }
  if (SSL_CTX_load_verify_locations(native, files.ca.c_str(), nullptr) != 1) {
    return Error{Errc::security, fmt::format("tls.ca {}: not a readable PEM CA certificate ({})",
                                             files.ca, drain_openssl_errors())};
  }
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

Result<std::unique_ptr<ssl::context>> make_admin_tls_context(const AdminTlsFiles& files) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return Error{Errc::security, "this OpenSSL cannot restrict TLS to versions 1.2 and 1.3: " +
                                     drain_openssl_errors()};
  }
  SSL_CTX_set_options(native,
                      SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);

  if (SSL_CTX_use_certificate_chain_file(native, files.certificate.c_str()) != 1) {
    return Error{Errc::security,
                 fmt::format("admin.tls_certificate {}: not a readable PEM certificate ({})",
                             files.certificate, drain_openssl_errors())};
  }
  if (SSL_CTX_use_PrivateKey_file(native, files.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error{Errc::security,
                 fmt::format("admin.tls_private_key {}: not a readable PEM private key ({})",
                             files.private_key, drain_openssl_errors())};
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error{Errc::security,
                 fmt::format("admin.tls_private_key {} does not belong to admin.tls_certificate "
                             "{} ({})",
                             files.private_key, files.certificate, drain_openssl_errors())};
  }
  if (files.client_ca.empty()) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  if (SSL_CTX_load_verify_locations(native, files.client_ca.c_str(), nullptr) != 1) {
    return Error{Errc::security,
                 fmt::format("admin.client_ca {}: not a readable PEM CA certificate ({})",
                             files.client_ca, drain_openssl_errors())};
  }
  // The acceptable issuers sent in the CertificateRequest, so a client
  // holding several certificates picks the right one.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
  if (names == nullptr) {
    return Error{Errc::security,
                 fmt::format("admin.client_ca {}: no CA certificate names in it ({})",
                             files.client_ca, drain_openssl_errors())};
  }
  SSL_CTX_set_client_CA_list(native, names);
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

Result<std::unique_ptr<ssl::context>> make_client_tls_context(const ClientTlsFiles& files) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return Error{Errc::security, "this OpenSSL cannot restrict TLS to versions 1.2 and 1.3: " +
                                     drain_openssl_errors()};
  }
  if (!files.certificate.empty()) {
    if (SSL_CTX_use_certificate_chain_file(native, files.certificate.c_str()) != 1) {
      return Error{Errc::security,
                   fmt::format("client certificate {}: not a readable PEM certificate ({})",
                               files.certificate, drain_openssl_errors())};
    }
    if (files.private_key.empty()) {
      return Error{
          Errc::invalid_input,
          fmt::format("client certificate {}: its private key is missing", files.certificate)};
    }
    if (SSL_CTX_use_PrivateKey_file(native, files.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return Error{Errc::security, fmt::format("client key {}: not a readable PEM private key ({})",
                                               files.private_key, drain_openssl_errors())};
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      return Error{Errc::security,
                   fmt::format("client key {} does not belong to the client certificate {} ({})",
                               files.private_key, files.certificate, drain_openssl_errors())};
    }
  } else if (!files.private_key.empty()) {
    return Error{Errc::invalid_input,
                 fmt::format("client key {}: given without its certificate", files.private_key)};
  }
  const int loaded = files.ca.empty()
                         ? SSL_CTX_set_default_verify_paths(native)
                         : SSL_CTX_load_verify_locations(native, files.ca.c_str(), nullptr);
  if (loaded != 1) {
    return Error{Errc::security, fmt::format("CA file {}: not a readable PEM CA certificate ({})",
                                             files.ca.empty() ? "(system default)" : files.ca,
                                             drain_openssl_errors())};
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace provnet::net
