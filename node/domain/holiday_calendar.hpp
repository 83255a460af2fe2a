// The national holiday calendar (SPEC §2.3): which days are working days.
// A day is a working day when it is a Monday..Friday that is not a holiday,
// or a weekend day the State Council made a working day (调休). The calendar
// is data, one file per year (config/holidays-YYYY.csv, "date,kind,name"
// with kind holiday|workday, '#' comments); a year without a file is not
// covered, and asking about it is an error, never a guess.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "domain/collab_item.hpp"
#include "domain/date.hpp"

namespace provnet::domain {

class HolidayCalendar {
 public:
  // Reads every holidays-YYYY.csv in `directory`. Errors name the file and
  // line: a bad date, an unknown kind, a date outside the file's year, a
  // holiday on a weekend marked workday twice, an empty directory (no year).
  static Result<HolidayCalendar> load_directory(const std::string& directory);
  // One year's file contents (for tests and for load_directory).
  Result<void> add_year(int year, std::string_view csv_text, std::string_view source_name);

  bool covers(int year) const { return years_.count(year) > 0; }
  const std::set<int>& years() const { return years_; }
  // Errc::invalid_input when the date's year is not covered.
  Result<bool> is_working_day(const Date& d) const;
  // The n-th working day after `from` (from itself not counted; n >= 1).
  // Error when any day it has to look at lies in a year not covered; the
  // message names the year and the directory's covered years.
  Result<Date> add_working_days(const Date& from, int n) const;

 private:
  std::set<int> years_;
  std::map<std::int64_t, bool> special_;  // day number -> true: working (调休), false: holiday
};

// SPEC §2.3: a pregnancy query is due 15 working days after it was asked;
// the others 30 calendar days after. Calendar days need no calendar file.
Result<Date> query_due_date(QueryKind kind, const Date& asked, const HolidayCalendar& calendar);

}  // namespace provnet::domain
