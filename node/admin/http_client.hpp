// A blocking HTTP/1.1 client for a node's HTTP API (Boost.Beast), plain or
// over TLS with a client certificate, one connection per request: provctl,
// provdemo and the tests all talk to nodes through it. Every request has a
// deadline covering name resolution, connect, handshake, write and read; a
// node that is down, slow past the deadline, refuses the certificate or dies
// mid-request gives status 0 and the reason, never an exception.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace provnet::admin {

struct HttpReply {
  unsigned status = 0;  // 0: no response (connection refused, reset, deadline, TLS refused)
  std::string body;
  std::string content_type;
  std::string error;  // why there is no response
  bool answered() const { return status != 0; }
  std::string describe() const;  // "HTTP 503: ..." or "no response: ..."
};

// What an https client presents and trusts.
struct ClientTls {
  std::string certificate{};  // PEM client certificate (then intermediates); "" = none
  std::string private_key{};  // PEM key of it
  // PEM CAs that sign the server's certificate: it must chain to them, and
  // host names play no part (as on node links: a node's certificate names
  // the node, not a host). "" = the system's trusted CAs, and then the
  // certificate must also name the host.
  std::string ca{};
};

struct HttpEndpoint {
  std::string host{};  // a name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 0;
  bool https = false;
  ClientTls tls{};           // used when https
  std::string base_path{};   // prefixed to every target: "" or e.g. "/provnet"
  std::string text() const;  // "https://host:port/base"
};

// "http://127.0.0.1:18000", "https://node44.example:8443", "https://[::1]:8443/api".
// The port defaults to 80/443; errors say what is wrong with the URL.
Result<HttpEndpoint> parse_http_url(std::string_view url);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// `method` is "GET", "POST", ...; `content_type` is sent when not empty.
HttpReply http_request(const HttpEndpoint& to, std::string_view method, const std::string& target,
                       std::string body, const std::string& content_type, const HeaderList& headers,
                       std::chrono::milliseconds deadline);

HttpReply http_get(const HttpEndpoint& to, const std::string& target,
                   const HeaderList& headers = {},
                   std::chrono::milliseconds deadline = std::chrono::seconds(30));
HttpReply http_post(const HttpEndpoint& to, const std::string& target, std::string body,
                    const std::string& content_type, const HeaderList& headers = {},
                    std::chrono::milliseconds deadline = std::chrono::seconds(120));

// Percent-encoding of one path segment or query value: everything but
// A-Z a-z 0-9 - . _ ~ ("44-2026/1" -> "44-2026%2F1").
std::string percent_encode(std::string_view text);

}  // namespace provnet::admin
