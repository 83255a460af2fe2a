// Calendar dates as the data standard writes them (GB/T 7408, YYYYMMDD).
// Pure arithmetic on the proleptic Gregorian calendar; no clock is read here:
// "today" always comes from the caller.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provnet::domain {

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  // Parses exactly eight digits forming a real calendar date; nullopt otherwise.
  static std::optional<Date> parse_yyyymmdd(std::string_view text);
  // Parses ISO "YYYY-MM-DD" (calendar files use it).
  static std::optional<Date> parse_iso(std::string_view text);
  // Days since 1970-01-01 -> Date, and back.
  static Date from_days(std::int64_t days);
  std::int64_t to_days() const;
  // The UTC+8 calendar date of a Unix time in milliseconds (China Standard Time).
  static Date from_unix_ms_cst(std::int64_t unix_ms);

  Date plus_days(std::int64_t n) const { return from_days(to_days() + n); }
  // 0 = Monday ... 6 = Sunday
  int weekday() const;
  std::string yyyymmdd() const;
  std::string iso() const;

  static bool is_leap_year(int year);
  static int days_in_month(int year, int month);
  static bool is_valid(int year, int month, int day);

  auto operator<=>(const Date&) const = default;
};

// Whole years completed between `birth` and `on` (age on a date).
int age_on(const Date& birth, const Date& on);

}  // namespace provnet::domain
