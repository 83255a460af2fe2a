// The TLS settings of every link, in one place: TLS 1.3 only, a client
// certificate required both ways, trust only in the provnet CA from the
// node's configuration. The HTTP API's optional TLS is here too. Identity is not a host name: after
// the handshake the peer's node code is read from its certificate (ca/node_identity.hpp).
#pragma once

#include <memory>
#include <string>

#include "common/result.hpp"
#include "net/asio.hpp"

namespace provnet::net {

struct TlsFiles {
  std::string certificate;  // PEM, the node's certificate (then any intermediates)
  std::string private_key;  // PEM, its key
  std::string ca;           // PEM, the provnet CA certificate(s) to trust
};

// One context serves both sides: every node accepts and dials. Errors name
// the file and what OpenSSL said of it.
Result<std::unique_ptr<ssl::context>> make_tls_context(const TlsFiles& files);

// The HTTP API's server side (`[admin]` tls_certificate, tls_private_key,
// client_ca). Unlike the links it also takes TLS 1.2, since provincial
// systems are not all on current TLS stacks; no tickets or resumption, so
// every connection shows its client certificate afresh. With client_ca set,
// a client certificate chaining to it is required (and its CAs are offered
// to clients as acceptable issuers); without it, no client certificate is
// asked for. Errors name the configuration key.
struct AdminTlsFiles {
  std::string certificate;  // PEM, the server certificate (then any intermediates)
  std::string private_key;  // PEM, its key
  std::string client_ca;    // PEM, the CAs of client certificates; "" = none asked for
};
Result<std::unique_ptr<ssl::context>> make_admin_tls_context(const AdminTlsFiles& files);

// The client side of the HTTP API (provctl, provdemo, tests): TLS 1.2 or
// 1.3; the server's certificate must chain to `ca`, or, when `ca` is empty,
// to the system's trusted CAs (then the caller also checks the host name).
// A client certificate is presented when one is given. Errors name the file.
struct ClientTlsFiles {
  std::string certificate;  // PEM, the client certificate; "" = none
  std::string private_key;  // PEM, its key
  std::string ca;           // PEM, the CAs that sign the server's certificate
};
Result<std::unique_ptr<ssl::context>> make_client_tls_context(const ClientTlsFiles& files);

// The OpenSSL verification error of a failed chain check, in words
// ("certificate has expired"), for the log of a refused handshake.
std::string verify_error_text(long code);

}  // namespace provnet::net
