#include "app/log_filter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace provnet::app {

namespace {

constexpr std::string_view kTimeExpected =
    "expected a time like 2026-11-23T10:15:02Z or 2026-11-23T10:15 (UTC, unless it ends in an "
    "offset such as +08:00), or a date like 2026-11-23 (a whole UTC day)";

constexpr std::array<std::string_view, 4> kLevels = {"debug", "info", "warn", "error"};

std::optional<int> level_rank(std::string_view level) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  return std::nullopt;
}

// Days since 1970-01-01 of a date of the proleptic Gregorian calendar
// (H. Hinnant's days_from_civil): no time zone database, no locale.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads the text left to right; `fail` records the first thing wrong.
class TimeText {
 public:
  explicit TimeText(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool take(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Exactly `n` digits.
  std::optional<unsigned> digits(std::size_t n, std::string_view what) {
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') return fail(fmt::format("expected {} digits of the {}", n, what));
      v = v * 10 + static_cast<unsigned>(c - '0');
      ++pos_;
    }
    return v;
  }
  // One or more digits (a fraction of a second), at most 9.
  std::string fraction() {
    std::string out;
    while (peek() >= '0' && peek() <= '9') out.push_back(text_[pos_++]);
    return out;
  }
  std::nullopt_t fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return std::nullopt;
  }
  const std::string& error() const { return error_; }
  std::size_t position() const { return pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

Result<TimeSpan> parse_time_span(std::string_view text) {
  TimeText t(text);
  auto problem = [&](std::string why) -> Error {
    return Error{Errc::invalid_input, fmt::format("\"{}\": {}; {}", text, why, kTimeExpected)};
  };
  auto year = t.digits(4, "year");
  if (!year || !t.take('-')) return problem(t.error().empty() ? "expected YYYY-MM-DD" : t.error());
  auto month = t.digits(2, "month");
  if (!month || !t.take('-')) return problem(t.error().empty() ? "expected YYYY-MM-DD" : t.error());
  auto day = t.digits(2, "day");
  if (!day) return problem(t.error());
  if (*month < 1 || *month > 12) return problem(fmt::format("there is no month {}", *month));
  if (*day < 1 || *day > days_in_month(*year, *month)) {
    return problem(fmt::format("{:04}-{:02} has no day {}", *year, *month, *day));
  }
  std::int64_t span_ms = 86'400'000;
  std::int64_t ms = days_from_civil(*year, *month, *day) * 86'400'000;
  if (t.at_end()) return TimeSpan{ms, ms + span_ms - 1};

  if (!t.take('T') && !t.take('t') && !t.take(' ')) {
    return problem(fmt::format("unexpected '{}' after the date", t.peek()));
  }
  auto hour = t.digits(2, "hour");
  if (!hour || !t.take(':')) return problem(t.error().empty() ? "expected HH:MM" : t.error());
  auto minute = t.digits(2, "minute");
  if (!minute) return problem(t.error());
  if (*hour > 23) return problem(fmt::format("there is no hour {}", *hour));
  if (*minute > 59) return problem(fmt::format("there is no minute {}", *minute));
  ms += (*hour * 3600 + *minute * 60) * std::int64_t{1000};
  span_ms = 60'000;
  if (t.take(':')) {
    auto second = t.digits(2, "second");
    if (!second) return problem(t.error());
    if (*second > 59) return problem(fmt::format("there is no second {}", *second));
    ms += *second * std::int64_t{1000};
    span_ms = 1'000;
    if (t.take('.') || t.take(',')) {
      const std::string fraction = t.fraction();
      if (fraction.empty() || fraction.size() > 9) {
        return problem("expected 1 to 9 digits of a fraction of a second");
      }
      std::int64_t fraction_ms = 0;
      for (std::size_t i = 0; i < 3; ++i) {
        fraction_ms = fraction_ms * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
      }
      ms += fraction_ms;
      span_ms = fraction.size() == 1 ? 100 : fraction.size() == 2 ? 10 : 1;
    }
  }
  if (t.take('Z') || t.take('z')) {
    // UTC, as without a zone
  } else if (t.peek() == '+' || t.peek() == '-') {
    const bool east = t.take('+');
    if (!east) t.take('-');
    auto offset_hours = t.digits(2, "offset's hours");
    t.take(':');
    auto offset_minutes = offset_hours ? t.digits(2, "offset's minutes") : std::nullopt;
    if (!offset_hours || !offset_minutes) return problem(t.error());
    if (*offset_hours > 14 || *offset_minutes > 59) {
      return problem(
          fmt::format("there is no offset of {:02}:{:02}", *offset_hours, *offset_minutes));
    }
    const std::int64_t offset_ms = (*offset_hours * 60 + *offset_minutes) * std::int64_t{60'000};
    ms += east ? -offset_ms : offset_ms;
  }
  if (!t.at_end()) {
    return problem(fmt::format("unexpected '{}' at character {}", t.peek(), t.position() + 1));
  }
  return TimeSpan{ms, ms + span_ms - 1};
}

bool event_matches(std::string_view pattern, std::string_view event) {
  // Greedy matching with one backtrack point, the last '*' seen: linear
  // for the patterns people type.
  std::size_t p = 0, e = 0;
  std::optional<std::size_t> star;
  std::size_t star_e = 0;
  while (e < event.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_e = e;
    } else if (p < pattern.size() && pattern[p] == event[e]) {
      ++p;
      ++e;
    } else if (star) {
      p = *star + 1;
      e = ++star_e;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<LogFilter> LogFilter::make(LogFilterOptions options) {
  LogFilter filter(std::move(options));
  const LogFilterOptions& o = filter.options_;
  for (const std::string& e : o.events) {
    if (e.empty()) {
      return Error{Errc::invalid_input,
                   "--event: empty; expected an event name such as message.sent, or a pattern "
                   "such as message.*"};
    }
  }
  if (!o.min_level.empty()) {
    filter.min_rank_ = level_rank(o.min_level);
    if (!filter.min_rank_) {
      return Error{Errc::invalid_input,
                   fmt::format("--level: \"{}\"; expected debug, info, warn or error (that level "
                               "and the ones above it)",
                               o.min_level)};
    }
  }
  if (!o.since.empty()) {
    auto span = parse_time_span(o.since);
    if (!span) return Error{Errc::invalid_input, "--since: " + span.error().message};
    filter.since_ms_ = span->first_ms;
  }
  if (!o.until.empty()) {
    auto span = parse_time_span(o.until);
    if (!span) return Error{Errc::invalid_input, "--until: " + span.error().message};
    filter.until_ms_ = span->last_ms;
  }
  if (filter.since_ms_ && filter.until_ms_ && *filter.since_ms_ > *filter.until_ms_) {
    return Error{Errc::invalid_input,
                 fmt::format("--since {} is after --until {}; expected the start of the range "
                             "first",
                             o.since, o.until)};
  }
  return filter;
}

bool LogFilter::matches(const nlohmann::ordered_json& line) const {
  auto text = [&](const char* key) -> std::optional<std::string_view> {
    auto it = line.find(key);
    if (it == line.end() || !it->is_string()) return std::nullopt;
    return std::string_view(it->get_ref<const std::string&>());
  };
  auto equals = [&](const char* key, const std::string& wanted) {
    if (wanted.empty()) return true;
    auto value = text(key);
    return value && *value == wanted;
  };
  if (!line.is_object()) return false;
  if (!options_.events.empty()) {
    auto event = text("event");
    if (!event || std::none_of(options_.events.begin(), options_.events.end(),
                               [&](const std::string& p) { return event_matches(p, *event); })) {
      return false;
    }
  }
  if (!equals("peer", options_.peer) || !equals("record_id", options_.record_id) ||
      !equals("message_id", options_.message_id)) {
    return false;
  }
  if (min_rank_) {
    auto level = text("level");
    auto rank = level ? level_rank(*level) : std::nullopt;
    if (!rank || *rank < *min_rank_) return false;
  }
  if (since_ms_ || until_ms_) {
    auto ts = text("ts");
    auto at = ts ? parse_time_span(*ts) : Result<TimeSpan>(Error{Errc::invalid_input, ""});
    if (!at) return false;
    if (since_ms_ && at->first_ms < *since_ms_) return false;
    if (until_ms_ && at->first_ms > *until_ms_) return false;
  }
  return true;
}

}  // namespace provnet::app
