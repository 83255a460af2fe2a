// The node's HTTP interface for the provincial population system and for
// operators (Boost.Beast, HTTP/1.1 with keep-alive). The server only moves
// bytes: what a request means is the handler's business (node/daemon), so
// the same handler can be tested without a socket.
//
// It listens on the configured admin address. It carries personal data, so
// off loopback it should speak TLS: given an ssl::context (built from the
// [admin] keys by net::make_admin_tls_context) every connection starts with a
// TLS handshake, which checks the client certificate when the context asks
// for one. A failed handshake is logged ("admin.tls_failed": the client's
// address and OpenSSL's reason, nothing it sent) and its connection closed;
// the server goes on serving the others.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/result.hpp"
#include "core/effects.hpp"
#include "net/asio.hpp"

namespace provnet::admin {

namespace asio = net::asio;
using net::tcp;

struct HttpRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // "/v1/status"
  std::string content_type;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct AdminLimits {
  std::uint64_t max_body_bytes = 64u * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS only
};

class AdminServer {
 public:
  // `tls`: null for plain HTTP; else the server's TLS context (kept for the
  // server's life).
  AdminServer(asio::io_context& io, HttpHandler handler, AdminLimits limits,
              std::function<void(core::LogEvent)> log,
              std::unique_ptr<net::ssl::context> tls = nullptr);
  ~AdminServer();
  Result<void> start(const std::string& host, const std::string& port);
  void stop();
  std::optional<std::uint16_t> port() const;

 private:
  class Connection;
  template <class Stream>
  class Session;
  void accept();

  asio::io_context& io_;
  HttpHandler handler_;
  AdminLimits limits_;
  std::function<void(core::LogEvent)> log_;
  std::unique_ptr<net::ssl::context> tls_;
  std::optional<tcp::acceptor> acceptor_;
  std::set<std::shared_ptr<Connection>> connections_;
  bool stopping_ = false;
};

}  // namespace provnet::admin
