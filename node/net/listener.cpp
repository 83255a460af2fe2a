#include "net/listener.hpp"

#include <fmt/format.h>

namespace provnet::net {

Result<tcp::acceptor> listen_on(asio::io_context& io, const std::string& host,
                                const std::string& port, const std::string& key) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec || endpoints.empty()) {
    return Error{Errc::invalid_input, fmt::format("{} {}:{}: cannot resolve ({})", key, host, port,
                                                  ec ? ec.message() : "no address")};
  }
  tcp::endpoint ep = endpoints.begin()->endpoint();
  tcp::acceptor acceptor(io);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{Errc::io,
                 fmt::format("{} {}:{}: cannot listen ({})", key, host, port, ec.message())};
  }
  return acceptor;
}

std::optional<std::uint16_t> local_port(const std::optional<tcp::acceptor>& acceptor) {
  if (!acceptor) return std::nullopt;
  boost::system::error_code ec;
  auto ep = acceptor->local_endpoint(ec);
  if (ec) return std::nullopt;
  return ep.port();
}

}  // namespace provnet::net
