#include "domain/date.hpp"

#include <array>

#include "domain/digits.hpp"

namespace provnet::domain {

namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kCstOffsetMs = 8 * 3'600'000;

// Floor division: unix times before 1970 must land on the previous day, not
// round towards zero.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int digits_value(std::string_view text) {
  int v = 0;
  for (char c : text) v = v * 10 + (c - '0');
  return v;
}

void put_digits(char* out, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

std::optional<Date> make_date(int year, int month, int day) {
  if (!Date::is_valid(year, month, day)) return std::nullopt;
  return Date{year, month, day};
}

}  // namespace

bool Date::is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int Date::days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[static_cast<std::size_t>(month - 1)];
}

// Year 0 and negative years exist in the proleptic calendar, but YYYYMMDD
// cannot write them, so they are not valid here.
bool Date::is_valid(int year, int month, int day) {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= days_in_month(year, month);
}

std::optional<Date> Date::parse_yyyymmdd(std::string_view text) {
  if (text.size() != 8 || !all_digits(text)) return std::nullopt;
  return make_date(digits_value(text.substr(0, 4)), digits_value(text.substr(4, 2)),
                   digits_value(text.substr(6, 2)));
}

std::optional<Date> Date::parse_iso(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  std::string_view y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!all_digits(y) || !all_digits(m) || !all_digits(d)) return std::nullopt;
  return make_date(digits_value(y), digits_value(m), digits_value(d));
}

// Howard Hinnant's civil_from_days / days_from_civil
// (https://howardhinnant.github.io/date_algorithms.html): exact for the whole
// proleptic Gregorian calendar, no tables, no loops.
Date Date::from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;                             // [1, 31]
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return Date{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

std::int64_t Date::to_days() const {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;                          // [0, 399]
  const std::int64_t mp = month > 2 ? month - 3 : month + 9;       // [0, 11]
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;           // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + doe - 719468;
}

Date Date::from_unix_ms_cst(std::int64_t unix_ms) {
  return from_days(floor_div(unix_ms + kCstOffsetMs, kMsPerDay));
}

int Date::weekday() const {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  const std::int64_t w = (to_days() + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

std::string Date::yyyymmdd() const {
  std::string out(8, '0');
  put_digits(out.data(), year, 4);
  put_digits(out.data() + 4, month, 2);
  put_digits(out.data() + 6, day, 2);
  return out;
}

std::string Date::iso() const {
  std::string out = "0000-00-00";
  put_digits(out.data(), year, 4);
  put_digits(out.data() + 5, month, 2);
  put_digits(out.data() + 8, day, 2);
  return out;
}

int age_on(const Date& birth, const Date& on) {
  int age = on.year - birth.year;
  // Someone born on 29 February comes of age on 1 March in common years.
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

}  // namespace provnet::domain
