#include "network/admin_client.hpp"

namespace provnet::network {

namespace {

admin::HttpEndpoint plain_http(const AdminEndpoint& to) {
  admin::HttpEndpoint endpoint;
  endpoint.host = to.host;
  endpoint.port = to.port;
  return endpoint;
}

}  // namespace

AdminReply admin_get(const AdminEndpoint& to, const std::string& target,
                     std::chrono::milliseconds deadline) {
  return admin::http_get(plain_http(to), target, {}, deadline);
}

AdminReply admin_post(const AdminEndpoint& to, const std::string& target, std::string body,
                      const std::string& content_type, const HeaderList& headers,
                      std::chrono::milliseconds deadline) {
  return admin::http_post(plain_http(to), target, std::move(body), content_type, headers, deadline);
}

}  // namespace provnet::network
