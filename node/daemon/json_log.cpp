#include "daemon/json_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace provnet::daemon {

Result<JsonLog> JsonLog::open(const std::string& path, core::LogLevel min_level,
                              domain::ProvinceCode node) {
  if (path.empty()) return JsonLog(STDERR_FILENO, false, min_level, node);
  // The log may live in a directory of its own (or in the store's, which
  // the store creates only later): make it, as the store does for itself.
  std::error_code ec;
  const auto directory = std::filesystem::path(path).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory, ec);
  if (ec) {
    return Error{Errc::io,
                 fmt::format("log.file {}: cannot create its directory ({})", path, ec.message())};
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error{Errc::io,
                 fmt::format("log.file {}: cannot open for appending ({})", path, strerror(errno))};
  }
  return JsonLog(fd, true, min_level, node);
}

JsonLog::JsonLog(JsonLog&& other) noexcept
    : fd_(other.fd_), owned_(other.owned_), min_level_(other.min_level_), node_(other.node_) {
  other.owned_ = false;
}

JsonLog::~JsonLog() {
  if (owned_) ::close(fd_);
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
  nlohmann::ordered_json line;
  line["ts"] = iso_utc(now_ms);
  line["level"] = core::log_level_text(event.level);
  line["node"] = domain::province_code_text(node_);
  line["event"] = event.event;
  for (const auto& [key, value] : event.fields) line[key] = value;
  // Invalid UTF-8 from a peer (a reason text) is replaced, never fatal.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report it
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace provnet::daemon
