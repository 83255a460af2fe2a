#include "domain/date.hpp"

#include <gtest/gtest.h>

namespace provnet::domain {
namespace {

TEST(DateTest, ParsesRealYyyymmddDates) {
  EXPECT_EQ(Date::parse_yyyymmdd("19491231"), (Date{1949, 12, 31}));
  EXPECT_EQ(Date::parse_yyyymmdd("20240229"), (Date{2024, 2, 29}));
  EXPECT_EQ(Date::parse_yyyymmdd("20000229"), (Date{2000, 2, 29}));
  EXPECT_EQ(Date::parse_yyyymmdd("00010101"), (Date{1, 1, 1}));
}

TEST(DateTest, RejectsDatesThatAreNotInTheCalendar) {
  EXPECT_FALSE(Date::parse_yyyymmdd("20230229"));  // not a leap year
  EXPECT_FALSE(Date::parse_yyyymmdd("19000229"));  // century, not divisible by 400
  EXPECT_FALSE(Date::parse_yyyymmdd("20230231"));
  EXPECT_FALSE(Date::parse_yyyymmdd("20230431"));
  EXPECT_FALSE(Date::parse_yyyymmdd("20231301"));
  EXPECT_FALSE(Date::parse_yyyymmdd("20230001"));
  EXPECT_FALSE(Date::parse_yyyymmdd("20230100"));
  EXPECT_FALSE(Date::parse_yyyymmdd("00000101"));
}

TEST(DateTest, RejectsMalformedYyyymmdd) {
  EXPECT_FALSE(Date::parse_yyyymmdd(""));
  EXPECT_FALSE(Date::parse_yyyymmdd("2024022"));
  EXPECT_FALSE(Date::parse_yyyymmdd("202402290"));
  EXPECT_FALSE(Date::parse_yyyymmdd("2024-02-29"));
  EXPECT_FALSE(Date::parse_yyyymmdd("2024O229"));
  EXPECT_FALSE(Date::parse_yyyymmdd(" 2024022"));
}

TEST(DateTest, ParsesIsoDates) {
  EXPECT_EQ(Date::parse_iso("2026-10-01"), (Date{2026, 10, 1}));
  EXPECT_EQ(Date::parse_iso("2024-02-29"), (Date{2024, 2, 29}));
  EXPECT_FALSE(Date::parse_iso("2023-02-29"));
  EXPECT_FALSE(Date::parse_iso("20261001"));
  EXPECT_FALSE(Date::parse_iso("2026/10/01"));
  EXPECT_FALSE(Date::parse_iso("2026-1-01"));
  EXPECT_FALSE(Date::parse_iso("2026-10-1 "));
  EXPECT_FALSE(Date::parse_iso("+026-10-01"));
}

TEST(DateTest, LeapYearsAndMonthLengths) {
  EXPECT_TRUE(Date::is_leap_year(2024));
  EXPECT_TRUE(Date::is_leap_year(2000));
  EXPECT_FALSE(Date::is_leap_year(1900));
  EXPECT_FALSE(Date::is_leap_year(2023));
  EXPECT_EQ(Date::days_in_month(2024, 2), 29);
  EXPECT_EQ(Date::days_in_month(2023, 2), 28);
  EXPECT_EQ(Date::days_in_month(2023, 4), 30);
  EXPECT_EQ(Date::days_in_month(2023, 12), 31);
  EXPECT_EQ(Date::days_in_month(2023, 13), 0);
  EXPECT_TRUE(Date::is_valid(2024, 2, 29));
  EXPECT_FALSE(Date::is_valid(2023, 2, 29));
}

TEST(DateTest, DaysSinceEpochKnownValues) {
  EXPECT_EQ((Date{1970, 1, 1}).to_days(), 0);
  EXPECT_EQ((Date{1969, 12, 31}).to_days(), -1);
  EXPECT_EQ((Date{2000, 3, 1}).to_days(), 11017);
  EXPECT_EQ((Date{2026, 3, 1}).to_days(), 20513);
  EXPECT_EQ((Date{1900, 1, 1}).to_days(), -25567);
  EXPECT_EQ(Date::from_days(11017), (Date{2000, 3, 1}));
  EXPECT_EQ(Date::from_days(-25567), (Date{1900, 1, 1}));
}

TEST(DateTest, DaysRoundTripAndStayConsecutive) {
  // Every day that YYYYMMDD can write.
  const std::int64_t first = (Date{1, 1, 1}).to_days();
  const std::int64_t last = (Date{9999, 12, 31}).to_days();
  EXPECT_EQ(Date::from_days(first), (Date{1, 1, 1}));
  EXPECT_EQ(Date::from_days(last), (Date{9999, 12, 31}));
  Date previous = Date::from_days(first);
  for (std::int64_t d = first + 1; d <= last; ++d) {
    const Date date = Date::from_days(d);
    ASSERT_TRUE(Date::is_valid(date.year, date.month, date.day)) << d;
    ASSERT_EQ(date.to_days(), d);
    ASSERT_LT(previous, date);
    previous = date;
  }
}

TEST(DateTest, PlusDaysCrossesMonthsAndYears) {
  EXPECT_EQ((Date{2024, 2, 28}).plus_days(1), (Date{2024, 2, 29}));
  EXPECT_EQ((Date{2023, 2, 28}).plus_days(1), (Date{2023, 3, 1}));
  EXPECT_EQ((Date{2025, 12, 31}).plus_days(1), (Date{2026, 1, 1}));
  EXPECT_EQ((Date{2026, 3, 1}).plus_days(-30), (Date{2026, 1, 30}));
}

TEST(DateTest, UnixMillisecondsAreReadInChinaStandardTime) {
  EXPECT_EQ(Date::from_unix_ms_cst(0), (Date{1970, 1, 1}));
  // 16:00 UTC is midnight in Beijing.
  EXPECT_EQ(Date::from_unix_ms_cst(16 * 3'600'000LL - 1), (Date{1970, 1, 1}));
  EXPECT_EQ(Date::from_unix_ms_cst(16 * 3'600'000LL), (Date{1970, 1, 2}));
  EXPECT_EQ(Date::from_unix_ms_cst(-8 * 3'600'000LL), (Date{1970, 1, 1}));
  EXPECT_EQ(Date::from_unix_ms_cst(-8 * 3'600'000LL - 1), (Date{1969, 12, 31}));
  // 2026-03-01T00:00:00+08:00
  EXPECT_EQ(Date::from_unix_ms_cst(1'772'294'400'000LL), (Date{2026, 3, 1}));
  EXPECT_EQ(Date::from_unix_ms_cst(1'772'294'400'000LL - 1), (Date{2026, 2, 28}));
}

TEST(DateTest, WeekdayStartsOnMonday) {
  EXPECT_EQ((Date{1970, 1, 1}).weekday(), 3);    // Thursday
  EXPECT_EQ((Date{2025, 10, 1}).weekday(), 2);   // Wednesday
  EXPECT_EQ((Date{2026, 3, 1}).weekday(), 6);    // Sunday
  EXPECT_EQ((Date{2026, 3, 2}).weekday(), 0);    // Monday
  EXPECT_EQ((Date{1969, 12, 29}).weekday(), 0);  // Monday before the epoch
}

TEST(DateTest, Formats) {
  EXPECT_EQ((Date{2024, 2, 9}).yyyymmdd(), "20240209");
  EXPECT_EQ((Date{2024, 2, 9}).iso(), "2024-02-09");
  EXPECT_EQ((Date{987, 11, 30}).yyyymmdd(), "09871130");
  EXPECT_EQ((Date{987, 11, 30}).iso(), "0987-11-30");
}

TEST(DateTest, Ordering) {
  EXPECT_LT((Date{2025, 12, 31}), (Date{2026, 1, 1}));
  EXPECT_LT((Date{2026, 1, 31}), (Date{2026, 2, 1}));
  EXPECT_EQ((Date{2026, 1, 31}), (Date{2026, 1, 31}));
}

TEST(DateTest, AgeCountsCompletedYears) {
  const Date birth{2008, 3, 2};
  EXPECT_EQ(age_on(birth, Date{2026, 3, 1}), 17);
  EXPECT_EQ(age_on(birth, Date{2026, 3, 2}), 18);
  EXPECT_EQ(age_on(birth, Date{2008, 3, 2}), 0);
  // Born on 29 February: a year older on 1 March of a common year.
  const Date leap_birth{2004, 2, 29};
  EXPECT_EQ(age_on(leap_birth, Date{2022, 2, 28}), 17);
  EXPECT_EQ(age_on(leap_birth, Date{2022, 3, 1}), 18);
  EXPECT_EQ(age_on(leap_birth, Date{2024, 2, 29}), 20);
}

}  // namespace
}  // namespace provnet::domain
