// Opening a listening socket, shared by the TLS links and the HTTP server: the
// error names the configuration key and address and says why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "net/asio.hpp"

namespace provnet::net {

// Resolves `host:port` and listens there (address reuse on). `key` names the
// setting in messages, e.g. "listen.address".
Result<tcp::acceptor> listen_on(asio::io_context& io, const std::string& host,
                                const std::string& port, const std::string& key);

// The port an acceptor listens on (the real one when the configuration said 0).
std::optional<std::uint16_t> local_port(const std::optional<tcp::acceptor>& acceptor);

}  // namespace provnet::net
