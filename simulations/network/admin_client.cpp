#include "network/admin_client.hpp"

// <utility> before Boost.Asio: Boost 1.74 under GCC 12 needs it (net/asio.hpp).
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace provnet::network {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

AdminReply exchange(const AdminEndpoint& to, http::request<http::string_body> request,
                    std::chrono::milliseconds deadline) {
  AdminReply reply;
  error_code ec;
  auto address = asio::ip::make_address(to.host, ec);
  if (ec) {
    reply.error = "address " + to.host + ": " + ec.message();
    return reply;
  }
  // Asynchronous operations on a private io_context, run to completion here:
  // the caller blocks, and the deadline covers connect, write and read.
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(512u * 1024 * 1024);
  request.set(http::field::host, to.host);
  request.keep_alive(false);
  stream.expires_after(deadline);
  stream.async_connect(asio::ip::tcp::endpoint(address, to.port), [&](error_code e) {
    if (e) {
      reply.error = "connect: " + e.message();
      return;
    }
    http::async_write(stream, request, [&](error_code e, std::size_t) {
      if (e) {
        reply.error = "write: " + e.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](error_code e, std::size_t) {
        if (e) {
          reply.error = "read: " + e.message();
          return;
        }
        reply.status = parser.get().result_int();
        reply.body = std::move(parser.get().body());
      });
    });
  });
  io.run();
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return reply;
}

}  // namespace

std::string AdminReply::describe() const {
  if (!answered()) return "no response: " + error;
  return "HTTP " + std::to_string(status) + ": " + body.substr(0, 300);
}

AdminReply admin_get(const AdminEndpoint& to, const std::string& target,
                     std::chrono::milliseconds deadline) {
  http::request<http::string_body> request{http::verb::get, target, 11};
  return exchange(to, std::move(request), deadline);
}

AdminReply admin_post(const AdminEndpoint& to, const std::string& target, std::string body,
                      const std::string& content_type, const HeaderList& headers,
                      std::chrono::milliseconds deadline) {
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();
  return exchange(to, std::move(request), deadline);
}

}  // namespace provnet::network
