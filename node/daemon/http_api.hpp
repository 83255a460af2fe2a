// What the node's HTTP endpoints mean (the server in node/admin only moves
// bytes). The API is described in docs/openapi.json; a test checks that the
// routes below and that document agree.
//
// Submitting: every POST names its operator (header X-Operator-Id; 400
// without it), kept with every version and item it creates. Bodies are
// NDJSON (default), a JSON array or object, or (records only) CSV. The
// response has one result per item; 200 when nothing was rejected, 422 when
// some items were (the others were accepted, and the body says which), 400
// when the body cannot be read, 503 when the store failed (nothing was
// accepted; send again). Sending the same batch again is safe: unchanged
// items create nothing and are reported "unchanged".
//
// Errors are JSON: {"error": "...", "problems": [{field, wis_field, found,
// expected, message}]}.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "admin/admin_server.hpp"
#include "core/node_core.hpp"
#include "daemon/early_warnings.hpp"
#include "daemon/json_log.hpp"
#include "daemon/node_config.hpp"
#include "net/transport.hpp"

namespace provnet::daemon {

struct HandledRequest {
  admin::HttpResponse response;
  core::Effects effects;
};

// One route: method and path template ("{id}" for a path segment).
struct Route {
  std::string method;
  std::string path;
};
// Every route the API serves, for the OpenAPI check and the 404 message.
const std::vector<Route>& api_routes();

class HttpApi {
 public:
  // `log`: the daemon's, whose level GET/PUT /v1/admin/log-level read and set.
  // `early_warnings` measures certificates, store and disk now, for
  // /v1/status and /metrics (the daemon's clock, not the API's).
  HttpApi(core::NodeCore& core, const net::Transport& transport, const NodeConfig& config,
          JsonLog& log, std::function<EarlyWarningReport()> early_warnings = nullptr)
      : core_(core),
        transport_(transport),
        config_(config),
        log_(log),
        early_warnings_(std::move(early_warnings)) {}

  HandledRequest handle(const admin::HttpRequest& request, std::int64_t now_ms);

 private:
  HandledRequest post_records(const admin::HttpRequest& request, std::int64_t now_ms);
  HandledRequest post_collab(domain::CollabKind kind, const admin::HttpRequest& request,
                             std::int64_t now_ms);
  admin::HttpResponse get_collab(domain::CollabKind kind, const std::string& id);
  admin::HttpResponse record_history(const std::string& id);
  admin::HttpResponse status(std::int64_t now_ms);
  nlohmann::ordered_json overdue_queries();
  admin::HttpResponse metrics();
  admin::HttpResponse inbox(const std::string& query);
  admin::HttpResponse queries(const std::string& query);
  HandledRequest quarterly(const admin::HttpRequest& request, const std::string& query,
                           std::int64_t now_ms);
  admin::HttpResponse monthly(const std::string& query, std::int64_t now_ms);
  // /v1/audit... and /v1/trace/{id} (daemon/audit_api.hpp); nullopt: no such route.
  std::optional<HandledRequest> audit_request(const admin::HttpRequest& request,
                                              const std::vector<std::string>& parts,
                                              std::int64_t now_ms);
  admin::HttpResponse log_level(const admin::HttpRequest& request, std::int64_t now_ms);

  core::NodeCore& core_;
  const net::Transport& transport_;
  const NodeConfig& config_;
  JsonLog& log_;
  std::function<EarlyWarningReport()> early_warnings_;
  std::map<unsigned, std::uint64_t> responses_;  // by status, for /metrics
};

}  // namespace provnet::daemon
