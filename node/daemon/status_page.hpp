// The operator's status page, served at the admin address (GET /status and
// GET /): one static HTML document with its script, built into the binary.
// It fetches GET /v1/status from the same origin every few seconds and
// renders it: the node and its role, peers with their link state and outbox
// depth, overdue queries, the last directory, the early warnings
// (daemon/early_warnings.hpp) and the audit state. It loads nothing from
// anywhere else (no CDN: an operator's browser may have no Internet), and
// shows nothing /v1/status does not already give, so it needs no access
// rules of its own.
#pragma once

#include <string_view>

namespace provnet::daemon {

inline constexpr std::string_view kStatusPageContentType = "text/html; charset=utf-8";

std::string_view status_page_html();

}  // namespace provnet::daemon
