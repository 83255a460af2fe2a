// A minimal HTTP/1.1 client for a node's admin API on 127.0.0.1 (Boost.Beast,
// one connection per request). Every request has a deadline; a node that is
// down or dies mid-request gives status 0 and the error, never an exception,
// so tests that kill nodes can simply send again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "net/asio.hpp"

namespace provnet::testing {

struct HttpReply {
  unsigned status = 0;  // 0: no response (connection refused, reset, timeout)
  std::string body;
  std::string error;  // why there is no response

  bool answered() const { return status != 0; }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string describe() const {
    return answered() ? "HTTP " + std::to_string(status) + ": " + body.substr(0, 500)
                      : "no response: " + error;
  }
};

// Extra request headers, set after the defaults; one given as std::nullopt
// is not sent at all (to test a request without X-Operator-Id).
using HttpHeaders = std::vector<std::pair<std::string, std::optional<std::string>>>;

inline HttpReply http_request(std::uint16_t port, boost::beast::http::verb method,
                              const std::string& target, const std::string& body = {},
                              const std::string& content_type = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(60),
                              const HttpHeaders& headers = {}) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using boost::system::error_code;
  net::asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  // Every change through the API names who made it.
  request.set("X-Operator-Id", "integration-test");
  for (const auto& [name, value] : headers) {
    if (value) {
      request.set(name, *value);
    } else {
      request.erase(name);
    }
  }
  if (method == http::verb::post || !body.empty()) {
    request.body() = body;
    request.prepare_payload();
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u * 1024 * 1024);
  HttpReply reply;
  stream.expires_after(timeout);
  stream.async_connect(
      net::tcp::endpoint(net::asio::ip::address_v4::loopback(), port), [&](error_code ec) {
        if (ec) {
          reply.error = "connect: " + ec.message();
          return;
        }
        http::async_write(stream, request, [&](error_code ec, std::size_t) {
          if (ec) {
            reply.error = "write: " + ec.message();
            return;
          }
          http::async_read(stream, buffer, parser, [&](error_code ec, std::size_t) {
            if (ec) {
              reply.error = "read: " + ec.message();
              return;
            }
            reply.status = parser.get().result_int();
            reply.body = parser.get().body();
          });
        });
      });
  io.run();
  error_code ignored;
  stream.socket().shutdown(net::tcp::socket::shutdown_both, ignored);
  return reply;
}

inline HttpReply http_get(std::uint16_t port, const std::string& target) {
  return http_request(port, boost::beast::http::verb::get, target);
}

inline HttpReply http_post(std::uint16_t port, const std::string& target, const std::string& body,
                           const std::string& content_type = "application/x-ndjson") {
  return http_request(port, boost::beast::http::verb::post, target, body, content_type);
}

}  // namespace provnet::testing
