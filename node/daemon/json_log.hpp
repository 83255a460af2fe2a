// The operator's log: one JSON object a line, e.g.
//   {"ts":"2026-11-23T10:15:02.114Z","level":"info","node":"31",
//    "event":"message.acknowledged","message_id":"31:1763892902114000","peer":"00"}
// Fields are ids and codes (message, record, peer); the core never puts
// names or ID numbers in a LogEvent, and this writer adds none.
//
// Each line is written with one write(2) and no buffering, so a crash loses
// no line that was logged and concurrent writers (the test harness reading
// the file) never see half a line.
#pragma once

#include <cstdio>
#include <string>

#include "common/result.hpp"
#include "core/effects.hpp"
#include "domain/province.hpp"

namespace provnet::daemon {

class JsonLog {
 public:
  // `path` empty: standard error. The file is opened for appending.
  static Result<JsonLog> open(const std::string& path, core::LogLevel min_level,
                              domain::ProvinceCode node);
  JsonLog(JsonLog&&) noexcept;
  JsonLog& operator=(JsonLog&&) = delete;
  ~JsonLog();

  void write(const core::LogEvent& event, std::int64_t now_ms);
  bool enabled(core::LogLevel level) const { return level >= min_level_; }

 private:
  JsonLog(int fd, bool owned, core::LogLevel min_level, domain::ProvinceCode node)
      : fd_(fd), owned_(owned), min_level_(min_level), node_(node) {}
  int fd_;
  bool owned_;
  core::LogLevel min_level_;
  domain::ProvinceCode node_;
};

// "info" -> LogLevel::info; nullopt for anything else.
std::optional<core::LogLevel> parse_log_level(std::string_view text);

// An ISO 8601 UTC timestamp with milliseconds.
std::string iso_utc(std::int64_t unix_ms);

}  // namespace provnet::daemon
