#include "domain/holiday_calendar.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

namespace fs = std::filesystem;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The checked-in calendars (2025 and 2026), loaded once.
const HolidayCalendar& real_calendar() {
  static const HolidayCalendar calendar = [] {
    auto loaded = HolidayCalendar::load_directory(std::string(PROVNET_SOURCE_DIR) + "/config");
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    return loaded.ok() ? std::move(loaded).value() : HolidayCalendar{};
  }();
  return calendar;
}

Date due(QueryKind kind, Date asked) {
  auto d = query_due_date(kind, asked, real_calendar());
  EXPECT_TRUE(d.ok()) << d.error().message;
  return d.ok() ? *d : Date{};
}

// An empty directory of its own for one test (ctest runs tests in parallel).
class TempDir {
 public:
  explicit TempDir(std::string_view name)
      : path_(fs::temp_directory_path() /
              ("provnet-holidays-" + std::string(name) + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  void write(const std::string& file, std::string_view text) const {
    std::ofstream out(path_ / file, std::ios::binary);
    out << text;
  }
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// One entry that is valid in 2030 (New Year's Day, a Tuesday).
constexpr std::string_view kValid2030 = "2030-01-01,holiday,元旦 New Year\n";

Error add_error(std::string_view csv, int year = 2030) {
  HolidayCalendar c;
  auto r = c.add_year(year, csv, "holidays-test.csv");
  EXPECT_FALSE(r.ok()) << "accepted:\n" << csv;
  if (r.ok()) return Error{Errc::io, ""};
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  // A failed file adds nothing.
  EXPECT_FALSE(c.covers(year));
  return r.error();
}

// --- the checked-in calendar --------------------------------------------

TEST(HolidayCalendarTest, RealConfigDirectoryLoads) {
  const HolidayCalendar& c = real_calendar();
  EXPECT_EQ(c.years(), (std::set<int>{2025, 2026}));
  EXPECT_TRUE(c.covers(2025));
  EXPECT_FALSE(c.covers(2027));
}

TEST(HolidayCalendarTest, WorkingDaysOfTheRealCalendar) {
  const HolidayCalendar& c = real_calendar();
  EXPECT_FALSE(*c.is_working_day(Date{2026, 2, 16}));  // Monday in the Spring Festival
  EXPECT_TRUE(*c.is_working_day(Date{2026, 2, 14}));   // Saturday made a working day
  EXPECT_TRUE(*c.is_working_day(Date{2026, 2, 24}));   // ordinary Tuesday
  EXPECT_FALSE(*c.is_working_day(Date{2026, 3, 1}));   // ordinary Sunday
  EXPECT_FALSE(*c.is_working_day(Date{2025, 10, 8}));  // Wednesday, National Day
  EXPECT_TRUE(*c.is_working_day(Date{2025, 9, 28}));   // Sunday made a working day
  EXPECT_TRUE(*c.is_working_day(Date{2025, 10, 11}));  // Saturday made a working day
  EXPECT_FALSE(*c.is_working_day(Date{2025, 2, 1}));   // a holiday on a Saturday
  auto outside = c.is_working_day(Date{2027, 3, 1});
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, Errc::invalid_input);
  EXPECT_TRUE(contains(outside.error().message, "2027")) << outside.error().message;
}

TEST(HolidayCalendarTest, PregnancyQueryBeforeSpringFestival2026) {
  // Asked Thursday 2026-02-12. Counted: Fri 13 (1), Sat 14 调休 workday (2);
  // 15..23 Spring Festival; Tue 24 .. Fri 27 (3-6), Sat 28 调休 workday (7);
  // Sun 1 March is a rest day; Mon 2 .. Fri 6 March (8-12); Mon 9, Tue 10,
  // Wed 11 March (13-15).
  EXPECT_EQ(due(QueryKind::pregnancy, Date{2026, 2, 12}), (Date{2026, 3, 11}));
  // Asked on the last working day before the festival: the festival and the
  // weekend after 14 Feb count for nothing, 28 Feb counts.
  // Sun 15 .. Mon 23 off; Tue 24 .. Fri 27 (1-4), Sat 28 (5), Mon 2 .. Fri 6
  // March (6-10), Mon 9 .. Fri 13 March (11-15).
  EXPECT_EQ(due(QueryKind::pregnancy, Date{2026, 2, 14}), (Date{2026, 3, 13}));
}

TEST(HolidayCalendarTest, PregnancyQueryAcrossNationalDay2025) {
  // Asked Friday 2025-09-26. Sat 27 off; Sun 28 调休 workday (1); Mon 29,
  // Tue 30 (2, 3); 1..8 October off; Thu 9, Fri 10 (4, 5); Sat 11 调休
  // workday (6); Mon 13 .. Fri 17 (7-11); Mon 20 .. Thu 23 (12-15).
  EXPECT_EQ(due(QueryKind::pregnancy, Date{2025, 9, 26}), (Date{2025, 10, 23}));
}

TEST(HolidayCalendarTest, PregnancyQueryAcrossMidAutumnAndNationalDay2026) {
  // Asked Thursday 2026-09-24. Fri 25 .. Sun 27 Mid-Autumn off; Mon 28 ..
  // Wed 30 (1-3); 1..7 October off; Thu 8, Fri 9 (4, 5); Sat 10 调休 workday
  // (6); Mon 12 .. Fri 16 (7-11); Mon 19 .. Thu 22 (12-15).
  EXPECT_EQ(due(QueryKind::pregnancy, Date{2026, 9, 24}), (Date{2026, 10, 22}));
}

TEST(HolidayCalendarTest, PregnancyQueryAcrossTheYearBoundary) {
  // Asked Monday 2025-12-22. Tue 23 .. Fri 26 (1-4); Mon 29 .. Wed 31
  // (5-7); 1..3 January 2026 off; Sun 4 January 调休 workday (8); Mon 5 ..
  // Fri 9 (9-13); Mon 12, Tue 13 (14, 15).
  EXPECT_EQ(due(QueryKind::pregnancy, Date{2025, 12, 22}), (Date{2026, 1, 13}));
}

TEST(HolidayCalendarTest, PregnancyQueryEndingOnTheLastCoveredDay) {
  // Asked Thursday 2026-12-10: Fri 11 (1), 14..18 (2-6), 21..25 (7-11),
  // 28..31 (12-15). The walk stops on 31 December and never looks at 2027.
  EXPECT_EQ(due(QueryKind::pregnancy, Date{2026, 12, 10}), (Date{2026, 12, 31}));
}

TEST(HolidayCalendarTest, CalendarDayQueriesNeedNoCalendar) {
  EXPECT_EQ(due(QueryKind::no_certificate, Date{2026, 2, 12}), (Date{2026, 3, 14}));
  EXPECT_EQ(due(QueryKind::no_long_acting_contraception, Date{2025, 12, 15}), (Date{2026, 1, 14}));
  EXPECT_EQ(due(QueryKind::no_certificate, Date{2024, 2, 15}), (Date{2024, 3, 16}));  // leap
  // Years without a calendar file are fine for calendar days.
  EXPECT_EQ(due(QueryKind::no_certificate, Date{2027, 12, 10}), (Date{2028, 1, 9}));
  EXPECT_EQ(due(QueryKind::no_certificate, Date{2026, 2, 12}), (Date{2026, 3, 14}));
  HolidayCalendar empty;
  auto d = query_due_date(QueryKind::no_long_acting_contraception, Date{2030, 6, 1}, empty);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, (Date{2030, 7, 1}));
}

TEST(HolidayCalendarTest, PregnancyQueryInto2027FailsClearly) {
  // Asked Friday 2026-12-11: 14 working days remain in 2026, the 15th would
  // be in 2027, which has no calendar file.
  auto d = query_due_date(QueryKind::pregnancy, Date{2026, 12, 11}, real_calendar());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::invalid_input);
  const std::string& m = d.error().message;
  EXPECT_TRUE(contains(m, "2027")) << m;
  EXPECT_TRUE(contains(m, "2025, 2026")) << m;
  EXPECT_TRUE(contains(m, "holidays-2027.csv")) << m;

  auto asked_in_2027 = query_due_date(QueryKind::pregnancy, Date{2027, 3, 1}, real_calendar());
  ASSERT_FALSE(asked_in_2027.ok());
  EXPECT_TRUE(contains(asked_in_2027.error().message, "2027")) << asked_in_2027.error().message;
}

TEST(HolidayCalendarTest, OnlyTheDaysExaminedMatter) {
  // 2024 is not covered, but the walk from its last day starts in 2025.
  auto d = real_calendar().add_working_days(Date{2024, 12, 31}, 1);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, (Date{2025, 1, 2}));  // 1 January is a holiday
}

TEST(HolidayCalendarTest, AddWorkingDaysAgreesWithIsWorkingDay) {
  // Walking one working day at a time through both years lands exactly on
  // every working day, in order.
  const HolidayCalendar& c = real_calendar();
  Date d{2025, 1, 1};
  int working_days = 0;
  while (true) {
    auto next = c.add_working_days(d, 1);
    if (!next.ok()) break;
    for (Date between = d.plus_days(1); between < *next; between = between.plus_days(1)) {
      EXPECT_FALSE(*c.is_working_day(between)) << between.iso();
    }
    EXPECT_TRUE(*c.is_working_day(*next)) << next->iso();
    d = *next;
    ++working_days;
  }
  // Counted from the files by hand: 2025 has 261 weekdays, 18 of them
  // holidays, and 5 调休 weekend days; 2026 has 261 weekdays, 19 of them
  // holidays, and 6 调休 weekend days. 248 working days each.
  EXPECT_EQ(working_days, 248 + 248);
  EXPECT_FALSE(c.add_working_days(d, 0).ok());
}

// --- reading calendar files ----------------------------------------------

TEST(HolidayCalendarTest, AddYearReadsCommentsBlankLinesAndCrLf) {
  HolidayCalendar c;
  auto r = c.add_year(2030,
                      "# date,kind,name\r\n"
                      "\r\n"
                      "2030-01-01,holiday,元旦 New Year\r\n"
                      "  # an indented comment\n"
                      "2030-01-05,workday,调休\n",
                      "holidays-2030.csv");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(c.covers(2030));
  EXPECT_FALSE(*c.is_working_day(Date{2030, 1, 1}));
  EXPECT_TRUE(*c.is_working_day(Date{2030, 1, 5}));  // Saturday
  EXPECT_FALSE(*c.is_working_day(Date{2030, 1, 6}));
  EXPECT_TRUE(*c.is_working_day(Date{2030, 1, 7}));
}

TEST(HolidayCalendarTest, BadDateNamesFileAndLine) {
  const Error e =
      add_error(std::string("# header\n") + std::string(kValid2030) + "2030-02-30,holiday,bad\n");
  EXPECT_TRUE(contains(e.message, "holidays-test.csv line 3")) << e.message;
  EXPECT_TRUE(contains(e.message, "2030-02-30")) << e.message;
  EXPECT_TRUE(contains(e.message, "YYYY-MM-DD")) << e.message;
  EXPECT_TRUE(contains(add_error("20300101,holiday,x\n").message, "line 1"));
}

TEST(HolidayCalendarTest, UnknownKind) {
  const Error e = add_error("2030-01-01,day off,元旦\n");
  EXPECT_TRUE(contains(e.message, "holidays-test.csv line 1")) << e.message;
  EXPECT_TRUE(contains(e.message, "\"day off\"")) << e.message;
  EXPECT_TRUE(contains(e.message, "holiday or workday")) << e.message;
}

TEST(HolidayCalendarTest, MissingFields) {
  EXPECT_TRUE(contains(add_error("2030-01-01\n").message, "line 1"));
  const Error e = add_error(std::string(kValid2030) + "2030-01-02,holiday\n");
  EXPECT_TRUE(contains(e.message, "line 2")) << e.message;
  EXPECT_TRUE(contains(e.message, "YYYY-MM-DD,holiday|workday,name")) << e.message;
  EXPECT_TRUE(contains(add_error("2030-01-02,holiday,\n").message, "no name"));
}

TEST(HolidayCalendarTest, DateOutsideTheFilesYear) {
  const Error e = add_error(std::string(kValid2030) + "2031-01-01,holiday,元旦\n");
  EXPECT_TRUE(contains(e.message, "line 2")) << e.message;
  EXPECT_TRUE(contains(e.message, "2031-01-01, which is not in 2030")) << e.message;
}

TEST(HolidayCalendarTest, WorkdayOnAWeekdayIsAnError) {
  const Error e = add_error("2026-02-16,workday,调休\n", 2026);
  EXPECT_TRUE(contains(e.message,
                       "2026-02-16 is a Monday; a workday entry makes a weekend day a "
                       "working day"))
      << e.message;
  // A holiday may fall on any day (2025-02-01 was a Saturday in the festival).
  HolidayCalendar c;
  EXPECT_TRUE(c.add_year(2025, "2025-02-01,holiday,春节\n", "x").ok());
}

TEST(HolidayCalendarTest, DuplicateDate) {
  const Error e = add_error(std::string(kValid2030) + "# again\n2030-01-01,holiday,元旦\n");
  EXPECT_TRUE(contains(e.message, "line 3")) << e.message;
  EXPECT_TRUE(contains(e.message, "first on line 1")) << e.message;
}

TEST(HolidayCalendarTest, EmptyFileAndSecondLoadOfAYear) {
  EXPECT_TRUE(contains(add_error("# nothing here\n").message, "no entries"));
  HolidayCalendar c;
  ASSERT_TRUE(c.add_year(2030, kValid2030, "a.csv").ok());
  auto again = c.add_year(2030, kValid2030, "b.csv");
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(contains(again.error().message, "already")) << again.error().message;
}

TEST(HolidayCalendarTest, LoadDirectoryNamesTheFile) {
  TempDir dir("bad-line");
  dir.write("holidays-2030.csv", std::string(kValid2030));
  dir.write("holidays-2031.csv", "2031-01-01,holiday,元旦\n2031-01-0x,holiday,bad\n");
  auto loaded = HolidayCalendar::load_directory(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, Errc::invalid_input);
  EXPECT_TRUE(contains(loaded.error().message, dir.file("holidays-2031.csv") + " line 2"))
      << loaded.error().message;
}

TEST(HolidayCalendarTest, LoadDirectoryTakesOnlyYearFiles) {
  TempDir dir("only-years");
  dir.write("holidays-2030.csv", std::string(kValid2030));
  // Not calendar files: left alone even though they would not parse.
  dir.write("holidays-2030.csv.bak", "garbage\n");
  dir.write("holidays.csv", "garbage\n");
  dir.write("provinces.csv", "garbage\n");
  auto loaded = HolidayCalendar::load_directory(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->years(), (std::set<int>{2030}));
}

TEST(HolidayCalendarTest, LoadDirectoryWithoutCalendars) {
  TempDir dir("empty");
  auto empty = HolidayCalendar::load_directory(dir.path());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::not_found);
  EXPECT_TRUE(contains(empty.error().message, "holidays-YYYY.csv")) << empty.error().message;

  auto missing = HolidayCalendar::load_directory(dir.file("no-such-dir"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(HolidayCalendarTest, FileNameYearMustMatchItsDates) {
  TempDir dir("wrong-year");
  dir.write("holidays-2031.csv", std::string(kValid2030));
  auto loaded = HolidayCalendar::load_directory(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(contains(loaded.error().message, "not in 2031")) << loaded.error().message;
}

}  // namespace
}  // namespace provnet::domain
