// A blocking HTTP/1.1 client for a node's admin API (Boost.Beast), one
// connection per request. Every request has a deadline; a node that is down,
// slow past the deadline or dies mid-request gives status 0 and the reason,
// never an exception.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace provnet::network {

struct AdminReply {
  unsigned status = 0;  // 0: no response (connection refused, reset, deadline)
  std::string body;
  std::string error;  // why there is no response
  bool answered() const { return status != 0; }
  std::string describe() const;  // "HTTP 503: ..." or "no response: ..."
};

struct AdminEndpoint {
  std::string host;  // an IPv4 or IPv6 literal (the admin API is on loopback)
  std::uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

AdminReply admin_get(const AdminEndpoint& to, const std::string& target,
                     std::chrono::milliseconds deadline = std::chrono::seconds(30));
AdminReply admin_post(const AdminEndpoint& to, const std::string& target, std::string body,
                      const std::string& content_type, const HeaderList& headers = {},
                      std::chrono::milliseconds deadline = std::chrono::seconds(120));

}  // namespace provnet::network
