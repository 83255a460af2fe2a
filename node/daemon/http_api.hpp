// What the node's HTTP endpoints mean (the server in node/admin only moves
// bytes). This increment serves the provincial system's basic needs and the
// operator's first questions; the full API and its OpenAPI document build on
// it.
//
//   GET  /v1/health                 {"status":"ok","node":"31"}
//   GET  /v1/status                 links (connected, outbox depth), staged, role
//   POST /v1/records                NDJSON (default), JSON array, or CSV (Content-Type
//                                   text/csv) of migrant records; per-item result.
//                                   Headers X-Operator-Id and X-Change-Reason are
//                                   kept with each version. 200 when every record
//                                   was accepted or unchanged, 422 when some were
//                                   invalid (the valid ones are accepted), 400 when
//                                   the body cannot be read, 503 when the store
//                                   failed (nothing accepted; send again).
//   GET  /v1/inbox?after=N&limit=M  what arrived, in arrival order
//
// Submitting the same record again is safe: an unchanged record creates no
// version and sends nothing, so a client may resend a batch whose response
// it never saw.
#pragma once

#include <cstdint>

#include "admin/admin_server.hpp"
#include "core/node_core.hpp"
#include "daemon/node_config.hpp"
#include "net/transport.hpp"

namespace provnet::daemon {

struct HandledRequest {
  admin::HttpResponse response;
  core::Effects effects;
};

class HttpApi {
 public:
  HttpApi(core::NodeCore& core, const net::Transport& transport, const NodeConfig& config)
      : core_(core), transport_(transport), config_(config) {}

  HandledRequest handle(const admin::HttpRequest& request, std::int64_t now_ms);

 private:
  HandledRequest post_records(const admin::HttpRequest& request, std::int64_t now_ms);
  admin::HttpResponse status();
  admin::HttpResponse inbox(const std::string& query);

  core::NodeCore& core_;
  const net::Transport& transport_;
  const NodeConfig& config_;
};

}  // namespace provnet::daemon
