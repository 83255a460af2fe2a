// The TLS settings of every link, in one place: TLS 1.3 only, a client
// certificate required both ways, trust only in the provnet CA from the
// node's configuration. Identity is not a host name: after the handshake the
// peer's node code is read from its certificate (ca/node_identity.hpp).
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

// The OpenSSL verification error of a failed chain check, in words
// ("certificate has expired"), for the log of a refused handshake.
std::string verify_error_text(long code);

}  // namespace provnet::net
