// provdemo's view of a node's admin API: the node's loopback address and the
// shared blocking client (node/admin/http_client.hpp), one connection per
// request. Every request has a deadline; a node that is down, slow past the
// deadline or dies mid-request gives status 0 and the reason, never an
// exception.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "admin/http_client.hpp"

namespace provnet::network {

using AdminReply = admin::HttpReply;
using HeaderList = admin::HeaderList;

struct AdminEndpoint {
  std::string host;  // an IPv4 or IPv6 literal (the admin API is on loopback)
  std::uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

AdminReply admin_get(const AdminEndpoint& to, const std::string& target,
                     std::chrono::milliseconds deadline = std::chrono::seconds(30));
AdminReply admin_post(const AdminEndpoint& to, const std::string& target, std::string body,
                      const std::string& content_type, const HeaderList& headers = {},
                      std::chrono::milliseconds deadline = std::chrono::seconds(120));

}  // namespace provnet::network
