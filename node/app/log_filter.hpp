// Which lines of a provnode JSON log `provctl logs` prints: by event name,
// peer, record, message, minimum level and time range. Every criterion
// given must hold; a line without the field a criterion looks at does not
// match it.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace provnet::app {

// The milliseconds a time from the command line covers, as Unix ms: its
// precision decides the span, so "2026-11-23" is that whole day (UTC),
// "2026-11-23T10:15" that minute, "2026-11-23T10:15:02.114Z" one
// millisecond, the form of the log's own "ts". A time (not a date) may end
// in Z (the default) or an offset such as +08:00.
struct TimeSpan {
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
};
Result<TimeSpan> parse_time_span(std::string_view text);

// Empty: no criterion. (The {} let a caller name only the criteria it
// sets, {.peer = "00"}, without -Wmissing-field-initializers.)
struct LogFilterOptions {
  // Event names; one with '*' is a pattern ("message.*", "*.failed"). A
  // line matches when its event matches any of them.
  std::vector<std::string> events{};
  std::string peer{};        // "peer", e.g. "00"
  std::string record_id{};   // "record_id"
  std::string message_id{};  // "message_id", e.g. "31:1763892902114000"
  std::string min_level{};   // debug, info, warn or error: that level and above
  std::string since{};       // lines at or after the start of this time
  std::string until{};       // lines at or before the end of this time
};

class LogFilter {
 public:
  // Errors name the option (--since, --level, ...) and what it expects.
  static Result<LogFilter> make(LogFilterOptions options);

  bool matches(const nlohmann::ordered_json& line) const;

 private:
  explicit LogFilter(LogFilterOptions options) : options_(std::move(options)) {}

  LogFilterOptions options_;
  std::optional<int> min_rank_;
  std::optional<std::int64_t> since_ms_;
  std::optional<std::int64_t> until_ms_;
};

// "message.*" matches "message.sent"; '*' stands for any text, even none,
// and every other character for itself.
bool event_matches(std::string_view pattern, std::string_view event);

}  // namespace provnet::app
