#include "daemon/json_log.hpp"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

namespace provnet::daemon {

Result<JsonLog> JsonLog::open(LogFileOptions file, core::LogLevel min_level,
                              domain::ProvinceCode node) {
  auto opened = LogFile::open(std::move(file));
  if (!opened) return opened.error();
  return JsonLog(std::move(*opened), min_level, node);
}

std::string iso_utc(std::int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ms % 1000);
}

std::optional<core::LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return core::LogLevel::debug;
  if (text == "info") return core::LogLevel::info;
  if (text == "warn") return core::LogLevel::warn;
  if (text == "error") return core::LogLevel::error;
  return std::nullopt;
}

void JsonLog::write(const core::LogEvent& event, std::int64_t now_ms) {
  if (!enabled(event.level)) return;
  write_line(event, now_ms);
}

void JsonLog::write_line(const core::LogEvent& event, std::int64_t now_ms) {
  nlohmann::ordered_json line;
  line["ts"] = iso_utc(now_ms);
  line["level"] = core::log_level_text(event.level);
  line["node"] = domain::province_code_text(node_);
  line["event"] = event.event;
  for (const auto& [key, value] : event.fields) line[key] = value;
  // Invalid UTF-8 from a peer (a reason text) is replaced, never fatal.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  if (auto appended = file_.append(text); !appended) {
    // Once per failed attempt: the file waits for another max_size bytes
    // before it tries again.
    write(
        core::LogEvent{
            core::LogLevel::error, "log.rotate_failed", {{"reason", appended.error().message}}},
        now_ms);
  }
}

void JsonLog::set_min_level(core::LogLevel level, std::int64_t now_ms, Fields fields) {
  const core::LogLevel old_level = min_level_;
  min_level_ = level;
  Fields all{{"old_level", std::string(core::log_level_text(old_level))},
             {"new_level", std::string(core::log_level_text(level))}};
  for (auto& f : fields) all.push_back(std::move(f));
  write_line(core::LogEvent{core::LogLevel::info, "log.level_changed", std::move(all)}, now_ms);
}

Result<void> JsonLog::reopen(std::int64_t now_ms, const std::string& why) {
  auto reopened = file_.reopen();
  if (!reopened) {
    write(core::LogEvent{core::LogLevel::error,
                         "log.reopen_failed",
                         {{"reason", fmt::format("{}: {}; the log goes on in the file it had open",
                                                 why, reopened.error().message)}}},
          now_ms);
    return reopened;
  }
  write(core::LogEvent{core::LogLevel::info, "log.reopened", {{"reason", why}}}, now_ms);
  return {};
}

}  // namespace provnet::daemon
