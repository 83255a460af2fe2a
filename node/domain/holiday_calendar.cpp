#include "domain/holiday_calendar.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "domain/digits.hpp"

namespace provnet::domain {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLineForm = "a line \"YYYY-MM-DD,holiday|workday,name\"";
constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr int kSaturday = 5;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool is_weekend(const Date& d) {
  return d.weekday() >= kSaturday;
}

std::string year_list(const std::set<int>& years) {
  if (years.empty()) return "none";
  std::string out;
  for (int y : years) {
    if (!out.empty()) out += ", ";
    out += std::to_string(y);
  }
  return out;
}

// "holidays-2026.csv" -> 2026; nullopt for any other name, so backups and
// unrelated files in the directory are left alone.
std::optional<int> year_of_file_name(const std::string& name) {
  constexpr std::string_view kPrefix = "holidays-";
  constexpr std::string_view kSuffix = ".csv";
  const std::size_t length = kPrefix.size() + 4 + kSuffix.size();
  if (name.size() != length || !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = std::string_view(name).substr(kPrefix.size(), 4);
  if (!all_digits(digits)) return std::nullopt;
  return std::stoi(std::string(digits));
}

Error uncovered(const Date& d, const std::set<int>& years) {
  return Error{Errc::invalid_input,
               fmt::format("{} is in {}, which the holiday calendar does not cover (covered "
                           "years: {}); a holidays-{}.csv calendar file is needed",
                           d.iso(), d.year, year_list(years), d.year)};
}

}  // namespace

Result<HolidayCalendar> HolidayCalendar::load_directory(const std::string& directory) {
  std::error_code ec;
  const fs::path dir(directory);
  if (!fs::exists(dir, ec)) {
    return Error{Errc::not_found,
                 fmt::format("holiday calendar directory {} does not exist", directory)};
  }
  if (!fs::is_directory(dir, ec)) {
    return Error{Errc::invalid_input,
                 fmt::format("holiday calendar directory {} is not a directory", directory)};
  }

  // Sorted by year, so the first error reported does not depend on the order
  // the file system lists entries in.
  std::map<int, fs::path> files;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const auto year = year_of_file_name(it->path().filename().string());
    std::error_code type_ec;
    if (year && it->is_regular_file(type_ec)) files[*year] = it->path();
  }
  if (ec) return Error{Errc::io, fmt::format("cannot list {}: {}", directory, ec.message())};
  if (files.empty()) {
    return Error{Errc::not_found,
                 fmt::format("no holiday calendar in {}: expected at least one file named "
                             "holidays-YYYY.csv",
                             directory)};
  }

  HolidayCalendar calendar;
  for (const auto& [year, path] : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return Error{Errc::io, fmt::format("cannot open {}", path.string())};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return Error{Errc::io, fmt::format("cannot read {}", path.string())};
    auto added = calendar.add_year(year, text.str(), path.string());
    if (!added) return added.error();
  }
  return calendar;
}

Result<void> HolidayCalendar::add_year(int year, std::string_view csv_text,
                                       std::string_view source_name) {
  if (covers(year)) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: the calendar already has the year {}", source_name, year)};
  }
  // Parsed into a local table first: a file with an error adds nothing.
  std::map<std::int64_t, bool> entries;
  std::map<std::int64_t, std::size_t> line_of;
  if (csv_text.starts_with("\xEF\xBB\xBF")) csv_text.remove_prefix(3);  // UTF-8 BOM

  std::size_t line_number = 0;
  while (!csv_text.empty()) {
    const std::size_t end = csv_text.find('\n');
    const std::string_view raw = csv_text.substr(0, end);
    csv_text.remove_prefix(end == std::string_view::npos ? csv_text.size() : end + 1);
    ++line_number;

    const std::string_view line = trim(raw);
    if (line.empty() || line.starts_with('#')) continue;
    if (line == "date,kind,name") continue;  // a header row without '#'

    const auto where = [&] { return fmt::format("{} line {}", source_name, line_number); };
    const std::size_t comma1 = line.find(',');
    const std::size_t comma2 =
        comma1 == std::string_view::npos ? comma1 : line.find(',', comma1 + 1);
    if (comma2 == std::string_view::npos) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: found {} field{}; expected {}", where(),
                               comma1 == std::string_view::npos ? 1 : 2,
                               comma1 == std::string_view::npos ? "" : "s", kLineForm)};
    }
    const std::string_view date_text = trim(line.substr(0, comma1));
    const std::string_view kind = trim(line.substr(comma1 + 1, comma2 - comma1 - 1));
    const std::string_view name = trim(line.substr(comma2 + 1));

    const auto date = Date::parse_iso(date_text);
    if (!date) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: found date \"{}\"; expected a real date written YYYY-MM-DD",
                               where(), date_text)};
    }
    if (date->year != year) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: found {}, which is not in {}; expected only dates of {} "
                               "in this file",
                               where(), date->iso(), year, year)};
    }
    bool working = false;
    if (kind == "workday") {
      working = true;
    } else if (kind != "holiday") {
      return Error{
          Errc::invalid_input,
          fmt::format("{}: found kind \"{}\"; expected holiday or workday", where(), kind)};
    }
    // A workday entry exists to make a weekend day a working day (调休); on a
    // weekday it changes nothing and is most likely a mistyped date.
    if (working && !is_weekend(*date)) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: {} is a {}; a workday entry makes a weekend day a working "
                               "day, expected a Saturday or Sunday",
                               where(), date->iso(), kWeekdayNames[date->weekday()])};
    }
    if (name.empty()) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: found no name; expected {}", where(), kLineForm)};
    }
    const std::int64_t day = date->to_days();
    if (const auto seen = line_of.find(day); seen != line_of.end()) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: {} appears again (first on line {}); expected each date once",
                               where(), date->iso(), seen->second)};
    }
    entries[day] = working;
    line_of[day] = line_number;
  }
  // A real year always has holidays: an empty file is a truncated one.
  if (entries.empty()) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: no entries; expected {} for each holiday and 调休 workday of {}",
                             source_name, kLineForm, year)};
  }
  special_.insert(entries.begin(), entries.end());
  years_.insert(year);
  return {};
}

Result<bool> HolidayCalendar::is_working_day(const Date& d) const {
  if (!covers(d.year)) return uncovered(d, years_);
  if (const auto it = special_.find(d.to_days()); it != special_.end()) return it->second;
  return !is_weekend(d);
}

Result<Date> HolidayCalendar::add_working_days(const Date& from, int n) const {
  if (n < 1) {
    return Error{Errc::invalid_input,
                 fmt::format("{} working days: expected a count of at least 1", n)};
  }
  Date day = from;
  int counted = 0;
  while (counted < n) {
    day = day.plus_days(1);
    if (!covers(day.year)) {
      return Error{Errc::invalid_input,
                   fmt::format("{} working days after {} reach into {}, which the holiday "
                               "calendar does not cover (covered years: {}); a holidays-{}.csv "
                               "calendar file is needed",
                               n, from.iso(), day.year, year_list(years_), day.year)};
    }
    if (*is_working_day(day)) ++counted;
  }
  return day;
}

Result<Date> query_due_date(QueryKind kind, const Date& asked, const HolidayCalendar& calendar) {
  constexpr int kPregnancyWorkingDays = 15;  // SPEC §2.3
  constexpr std::int64_t kOtherCalendarDays = 30;
  if (kind == QueryKind::pregnancy) return calendar.add_working_days(asked, kPregnancyWorkingDays);
  return asked.plus_days(kOtherCalendarDays);
}

}  // namespace provnet::domain
