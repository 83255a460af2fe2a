// The operator's log: one JSON object a line, e.g.
//   {"ts":"2026-11-23T10:15:02.114Z","level":"info","node":"31",
//    "event":"message.acknowledged","message_id":"31:1763892902114000","peer":"00"}
// Fields are ids and codes (message, record, peer); the core never puts
// names or ID numbers in a LogEvent, and this writer adds none.
//
// Lines go to a LogFile (standard error, or a file rotated by size and
// reopened on SIGHUP). The minimum level can change while the node runs
// (PUT /v1/admin/log-level): an operator turns on debug to look at one
// problem, then back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "core/effects.hpp"
#include "daemon/log_file.hpp"
#include "domain/province.hpp"

namespace provnet::daemon {

class JsonLog {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;

  static Result<JsonLog> open(LogFileOptions file, core::LogLevel min_level,
                              domain::ProvinceCode node);

  // Writes the event if its level is at least the minimum. A rotation that
  // failed is logged (log.rotate_failed) after the line.
  void write(const core::LogEvent& event, std::int64_t now_ms);
  bool enabled(core::LogLevel level) const { return level >= min_level_; }

  core::LogLevel min_level() const { return min_level_; }
  // Changes the minimum level and logs log.level_changed (old_level,
  // new_level, and `fields`, e.g. the operator) whatever the levels: that
  // the log now leaves something out must itself be on record.
  void set_min_level(core::LogLevel level, std::int64_t now_ms, Fields fields = {});

  // Opens the log file again (logrotate moved it): logs log.reopened (with
  // `why`, e.g. "SIGHUP") in the new file, or log.reopen_failed in the old
  // one, which stays in use.
  Result<void> reopen(std::int64_t now_ms, const std::string& why);

 private:
  JsonLog(LogFile file, core::LogLevel min_level, domain::ProvinceCode node)
      : file_(std::move(file)), min_level_(min_level), node_(node) {}
  void write_line(const core::LogEvent& event, std::int64_t now_ms);

  LogFile file_;
  core::LogLevel min_level_;
  domain::ProvinceCode node_;
};

// "info" -> LogLevel::info; nullopt for anything else.
std::optional<core::LogLevel> parse_log_level(std::string_view text);

// An ISO 8601 UTC timestamp with milliseconds.
std::string iso_utc(std::int64_t unix_ms);

}  // namespace provnet::daemon
