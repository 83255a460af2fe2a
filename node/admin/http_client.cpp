#include "admin/http_client.hpp"

#include "net/asio.hpp"
#include "net/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace provnet::admin {

namespace {

namespace asio = net::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using net::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxResponseBytes = 512u * 1024 * 1024;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// One request on a private io_context, run to completion here: the caller
// blocks, and one deadline covers every step.
class Exchange {
 public:
  Exchange(const HttpEndpoint& to, http::request<http::string_body> request,
           std::chrono::milliseconds deadline)
      : to_(to), request_(std::move(request)), deadline_(Clock::now() + deadline) {
    parser_.body_limit(kMaxResponseBytes);
  }

  HttpReply run() {
    if (to_.https) {
      auto context = net::make_client_tls_context(
          net::ClientTlsFiles{to_.tls.certificate, to_.tls.private_key, to_.tls.ca});
      if (!context) return failed("TLS setup: " + context.error().message);
      tls_context_ = std::move(*context);
      tls_.emplace(io_, *tls_context_);
      if (auto set_up = set_up_tls(); !set_up.empty()) return failed(set_up);
    } else {
      plain_.emplace(io_);
    }
    resolve();
    io_.run();
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    return std::move(reply_);
  }

 private:
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  HttpReply failed(std::string why) {
    reply_.error = std::move(why);
    return std::move(reply_);
  }

  // SNI for a host name; and with the system's CAs, the certificate must
  // name the host (with a CA file of its own, the chain alone decides).
  std::string set_up_tls() {
    SSL* ssl = tls_->native_handle();
    const bool ip = is_ip_literal(to_.host);
    if (!ip && SSL_set_tlsext_host_name(ssl, to_.host.c_str()) != 1) {
      return "TLS setup: cannot send the server name " + to_.host;
    }
    if (to_.tls.ca.empty()) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, to_.host.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, to_.host.c_str(), 0);
      if (ok != 1) return "TLS setup: cannot check the server's name " + to_.host;
    }
    tls_->set_verify_callback([this](bool preverified, ssl::verify_context& ctx) {
      if (!preverified && verify_failure_.empty()) {
        verify_failure_ = "server certificate refused: " +
                          net::verify_error_text(X509_STORE_CTX_get_error(ctx.native_handle()));
      }
      return preverified;
    });
    return {};
  }

  void resolve() {
    // The resolver has no deadline of its own: a timer cancels it.
    timer_.expires_at(deadline_);
    timer_.async_wait([this](error_code ec) {
      if (!ec) resolver_.cancel();
    });
    resolver_.async_resolve(to_.host, std::to_string(to_.port),
                            [this](error_code ec, const tcp::resolver::results_type& results) {
                              timer_.cancel();
                              if (ec) {
                                reply_.error = fmt::format("resolve {}: {}", to_.host,
                                                           ec == asio::error::operation_aborted
                                                               ? "deadline passed"
                                                               : ec.message());
                                return;
                              }
                              connect(results);
                            });
  }

  void connect(const tcp::resolver::results_type& results) {
    lowest().expires_at(deadline_);
    lowest().async_connect(results, [this](error_code ec, const tcp::endpoint&) {
      if (ec) return fail("connect", ec);
      if (!tls_) return write();
      tls_->async_handshake(ssl::stream_base::client, [this](error_code e) {
        if (e) return fail("TLS handshake", e);
        write();
      });
    });
  }

  void write() {
    auto done = [this](error_code ec, std::size_t) {
      if (ec) return fail("write", ec);
      read();
    };
    if (tls_) {
      http::async_write(*tls_, request_, done);
    } else {
      http::async_write(*plain_, request_, done);
    }
  }

  void read() {
    auto done = [this](error_code ec, std::size_t) {
      if (ec) return fail("read", ec);
      reply_.status = parser_.get().result_int();
      reply_.content_type = std::string(parser_.get()[http::field::content_type]);
      reply_.body = std::move(parser_.get().body());
    };
    if (tls_) {
      http::async_read(*tls_, buffer_, parser_, done);
    } else {
      http::async_read(*plain_, buffer_, parser_, done);
    }
  }

  void fail(const char* step, const error_code& ec) {
    std::string why = ec == beast::error::timeout ? "deadline passed" : ec.message();
    if (!verify_failure_.empty()) why = verify_failure_;
    // (In TLS 1.3 the server checks the client's certificate after the
    // client has finished its handshake: a refusal shows as an alert on the
    // read, "tlsv13 alert certificate required" or "tlsv1 alert unknown ca".)
    reply_.error = fmt::format("{} {}: {}", step, to_.text(), why);
  }

  const HttpEndpoint& to_;
  http::request<http::string_body> request_;
  Clock::time_point deadline_;
  asio::io_context io_;
  tcp::resolver resolver_{io_};
  asio::steady_timer timer_{io_};
  std::unique_ptr<ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  std::string verify_failure_;
  HttpReply reply_;
};

}  // namespace

std::string HttpReply::describe() const {
  if (!answered()) return "no response: " + error;
  return "HTTP " + std::to_string(status) + ": " + body.substr(0, 300);
}

std::string HttpEndpoint::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}{}", https ? "https" : "http", v6 ? "[" : "", host,
                     v6 ? "]" : "", port, base_path);
}

Result<HttpEndpoint> parse_http_url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Error{Errc::invalid_input,
                 fmt::format("\"{}\" is not an API URL: {}; expected e.g. http://127.0.0.1:18000 "
                             "or https://node44.example:8443",
                             url, why)};
  };
  HttpEndpoint out;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    out.https = true;
    rest = url.substr(8);
  } else {
    return bad("it must start with http:// or https://");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (path.ends_with('/')) path.remove_suffix(1);
    if (path.find_first_of("?#") != std::string_view::npos) {
      return bad("a query or fragment has no place in it");
    }
    out.base_path = std::string(path);
  }
  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 address without its closing ]");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("something after the IPv6 address that is not :port");
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host");
  if (out.host.find('@') != std::string::npos) return bad("user information is not supported");
  if (port.empty()) {
    out.port = out.https ? 443 : 80;
  } else {
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) return bad("the port is not a number");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return bad("the port is not from 1 to 65535");
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

HttpReply http_request(const HttpEndpoint& to, std::string_view method, const std::string& target,
                       std::string body, const std::string& content_type, const HeaderList& headers,
                       std::chrono::milliseconds deadline) {
  http::request<http::string_body> request;
  request.method_string(beast::string_view(method.data(), method.size()));
  request.target(to.base_path + target);
  request.version(11);
  const bool v6 = to.host.find(':') != std::string::npos;
  request.set(http::field::host,
              fmt::format("{}{}{}:{}", v6 ? "[" : "", to.host, v6 ? "]" : "", to.port));
  request.set(http::field::user_agent, "provnet");
  request.keep_alive(false);
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.body() = std::move(body);
    request.prepare_payload();
  }
  return Exchange(to, std::move(request), deadline).run();
}

HttpReply http_get(const HttpEndpoint& to, const std::string& target, const HeaderList& headers,
                   std::chrono::milliseconds deadline) {
  return http_request(to, "GET", target, {}, {}, headers, deadline);
}

HttpReply http_post(const HttpEndpoint& to, const std::string& target, std::string body,
                    const std::string& content_type, const HeaderList& headers,
                    std::chrono::milliseconds deadline) {
  return http_request(to, "POST", target, std::move(body), content_type, headers, deadline);
}

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace provnet::admin
