// The body of PUT /v1/admin/log-level, {"level": "debug"}: the log's new
// minimum level, or what is wrong with the body as a problem of the API's
// error format (field, found, expected, message) for a 400.
#pragma once

#include <string_view>
#include <variant>

#include "core/effects.hpp"
#include "domain/record_interchange.hpp"

namespace provnet::daemon {

std::variant<core::LogLevel, domain::RecordProblem> read_log_level_request(std::string_view body);

}  // namespace provnet::daemon
