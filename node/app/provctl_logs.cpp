// provctl logs: a provnode JSON log read back, its rotated files first,
// filtered (app/log_filter.hpp), and followed as it grows. Lines that are
// not JSON are reported on standard error by file and line number (never
// their text: a damaged line could hold anything) and skipped.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/log_file_lines.hpp"
#include "app/log_filter.hpp"
#include "app/log_follower.hpp"
#include "app/provctl_commands.hpp"
#include "app/rotated_log_files.hpp"

namespace provnet::app {

namespace {

using json = nlohmann::ordered_json;

constexpr int kOk = 0;
constexpr int kLinesSkipped = 1;
constexpr int kUsageOrUnreadable = 2;

// How often --follow looks for new lines.
constexpr std::chrono::milliseconds kFollowInterval{200};

// "2026-11-23T10:15:02.114Z info  31 message.acknowledged message_id=31:17 peer=00": the
// fields every line has, then the others as key=value in the line's order;
// a value with a space or a quote is quoted as JSON.
std::string text_line(const json& line) {
  auto text = [](const json& v) {
    if (!v.is_string()) return v.dump(-1, ' ', false, json::error_handler_t::replace);
    const std::string& s = v.get_ref<const std::string&>();
    const bool plain = !s.empty() && s.find_first_of(" \"=\t") == std::string::npos;
    return plain ? s : v.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  auto field = [&](const char* key) { return line.contains(key) ? text(line[key]) : "-"; };
  std::string out =
      fmt::format("{} {:<5} {} {}", field("ts"), field("level"), field("node"), field("event"));
  for (const auto& [key, value] : line.items()) {
    if (key == "ts" || key == "level" || key == "node" || key == "event") continue;
    out += fmt::format(" {}={}", key, text(value));
  }
  return out;
}

class LogPrinter {
 public:
  LogPrinter(const LogFilter& filter, bool text) : filter_(filter), text_(text) {}

  void line(std::string_view text, const std::string& file, std::uint64_t number) {
    if (text.empty()) return;
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      ++skipped_;
      std::cerr << fmt::format("provctl logs: {}:{}: not a JSON object ({} bytes); skipped\n", file,
                               number, text.size());
      return;
    }
    if (!filter_.matches(parsed)) return;
    if (text_) {
      std::cout << text_line(parsed) << '\n';
    } else {
      std::cout << text << '\n';
    }
  }

  OnLogLine callback() {
    return [this](std::string_view text, const std::string& file, std::uint64_t number) {
      line(text, file, number);
    };
  }

  std::uint64_t skipped() const { return skipped_; }

 private:
  const LogFilter& filter_;
  bool text_;
  std::uint64_t skipped_ = 0;
};

}  // namespace

int run_logs(const LogsOptions& o) {
  auto filter = LogFilter::make(o.filter);
  if (!filter) {
    std::cerr << "provctl logs: " << filter.error().message << '\n';
    return kUsageOrUnreadable;
  }
  LogPrinter printer(*filter, o.format == "text");
  const OnLogLine on_line = printer.callback();

  // Open the current file first: a log that is not there is an error
  // before anything is printed.
  auto current = LogFileLines::open(o.path);
  if (!current) {
    std::cerr << "provctl logs: " << current.error().message << '\n';
    return kUsageOrUnreadable;
  }
  if (!o.current_only) {
    const RotatedLogFiles rotated = find_rotated_log_files(o.path);
    if (const auto& packed = rotated.compressed; !packed.empty()) {
      std::cerr << fmt::format(
          "provctl logs: {} compressed file{} not read ({}{}); read with: zcat FILE | provctl "
          "logs /dev/stdin\n",
          packed.size(), packed.size() == 1 ? "" : "s", packed.front(),
          packed.size() > 1 ? " ... " + packed.back() : "");
    }
    for (const std::string& file : rotated.oldest_first) {
      auto lines = LogFileLines::open(file);
      if (!lines) {
        // Rotated away while we listed them: its lines are in the next one.
        if (lines.error().code == Errc::not_found) continue;
        std::cerr << "provctl logs: " << lines.error().message << '\n';
        return kUsageOrUnreadable;
      }
      lines->read_new(on_line);
      lines->read_unfinished(on_line);
    }
  }
  current->read_new(on_line);
  std::cout.flush();
  if (!o.follow) {
    current->read_unfinished(on_line);
    std::cout.flush();
    return printer.skipped() > 0 ? kLinesSkipped : kOk;
  }
  // Until interrupted (SIGINT, SIGTERM, or a closed pipe).
  LogFollower follower(o.path, std::move(*current));
  while (std::cout) {
    std::this_thread::sleep_for(kFollowInterval);
    follower.poll(on_line);
    std::cout.flush();
  }
  return kOk;
}

}  // namespace provnet::app
