#include "domain/statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

using test_support::valid_inflow;
using test_support::valid_outflow;

using Cells = std::map<std::string, std::uint64_t>;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A Guangdong (44) inflow record with the fields the tables look at.
MigrantRecord inflow(std::string id, std::string sex, std::string birth, std::string education,
                     std::string marital, std::string reason, std::string hukou_code) {
  MigrantRecord r = valid_inflow();
  r.record_id = std::move(id);
  r.sex = std::move(sex);
  r.birth_date = std::move(birth);
  r.education = std::move(education);
  r.marital_status = std::move(marital);
  r.migration_reason = std::move(reason);
  r.hukou_address_code = std::move(hukou_code);
  return r;
}

VersionFact fact(MigrantRecord r, std::uint32_t version, std::string change, Date on) {
  return VersionFact{std::move(r), version, std::move(change), on};
}

const StatTable& table(const QuarterlyTables& t, std::string_view direction,
                       std::string_view dimension) {
  for (const StatTable& s : t.tables) {
    if (s.direction == direction && s.dimension == dimension) return s;
  }
  ADD_FAILURE() << "no table " << direction << "/" << dimension;
  static const StatTable none;
  return none;
}

// --- quarters -----------------------------------------------------------

TEST(StatisticsTest, QuarterDates) {
  EXPECT_EQ(quarter_snapshot_date(2026, 1), (Date{2026, 3, 31}));
  EXPECT_EQ(quarter_snapshot_date(2026, 2), (Date{2026, 6, 30}));
  EXPECT_EQ(quarter_snapshot_date(2026, 3), (Date{2026, 9, 30}));
  EXPECT_EQ(quarter_snapshot_date(2026, 4), (Date{2026, 12, 31}));
  EXPECT_EQ(quarter_due_date(2026, 1), (Date{2026, 5, 1}));
  EXPECT_EQ(quarter_due_date(2026, 2), (Date{2026, 8, 1}));
  EXPECT_EQ(quarter_due_date(2026, 3), (Date{2026, 11, 1}));
  EXPECT_EQ(quarter_due_date(2026, 4), (Date{2027, 2, 1}));
}

TEST(StatisticsTest, AgeBandsAndEducationCategories) {
  const Date on{2026, 3, 31};
  EXPECT_EQ(age_band(Date{2008, 4, 1}, on), "0-17");  // 18 tomorrow
  EXPECT_EQ(age_band(Date{2008, 3, 31}, on), "18-29");
  EXPECT_EQ(age_band(Date{1996, 4, 1}, on), "18-29");
  EXPECT_EQ(age_band(Date{1996, 3, 31}, on), "30-39");
  EXPECT_EQ(age_band(Date{1986, 3, 31}, on), "40-49");
  EXPECT_EQ(age_band(Date{1976, 3, 31}, on), "50-59");
  EXPECT_EQ(age_band(Date{1966, 4, 1}, on), "50-59");
  EXPECT_EQ(age_band(Date{1966, 3, 31}, on), "60+");
  EXPECT_EQ(age_band(Date{2026, 3, 31}, on), "0-17");
  EXPECT_EQ(education_category("21"), "20");
  EXPECT_EQ(education_category("28"), "20");
  EXPECT_EQ(education_category("10"), "10");
  EXPECT_EQ(education_category("73"), "70");
  EXPECT_EQ(education_category("9"), "90");  // a category written alone
  EXPECT_EQ(statistics_dimensions(),
            (std::vector<std::string>{"sex", "age_band", "education", "marital_status",
                                      "migration_reason", "partner_province"}));
}

// --- quarterly tables ------------------------------------------------------

// Guangdong's records for 2026 Q1 (snapshot 2026-03-31), each with a known
// fate; given out of order, as a store scan might return them.
std::vector<VersionFact> guangdong_versions() {
  std::vector<VersionFact> v;
  // A: plain inflow from Sichuan, 35 at the snapshot.
  v.push_back(fact(inflow("44-A", "1", "19900515", "21", "20", "1", "510107001001"), 1, "created",
                   Date{2025, 6, 1}));
  // D: version 2 is after the snapshot; version 1 (education 71) counts.
  v.push_back(fact(inflow("44-D", "1", "19850101", "41", "20", "1", "510107001001"), 2, "updated",
                   Date{2026, 4, 2}));
  // B: from Hunan, 26 on 1 April, so still 25 at the snapshot.
  v.push_back(fact(inflow("44-B", "2", "20000401", "61", "10", "3", "430102001001"), 1, "created",
                   Date{2026, 1, 10}));
  v.push_back(fact(inflow("44-D", "1", "19850101", "71", "20", "1", "510107001001"), 1, "created",
                   Date{2025, 12, 1}));
  // E: returned home before the snapshot: not counted.
  v.push_back(fact(inflow("44-E", "1", "19700101", "81", "20", "2", "420102001001"), 1, "created",
                   Date{2025, 3, 1}));
  v.push_back(fact(inflow("44-E", "1", "19700101", "81", "20", "2", "420102001001"), 2, "returned",
                   Date{2026, 2, 1}));
  // F: left after the snapshot: still counted, from Jiangxi.
  v.push_back(fact(inflow("44-F", "2", "19780615", "31", "40", "4", "360102001001"), 2, "left",
                   Date{2026, 4, 15}));
  v.push_back(fact(inflow("44-F", "2", "19780615", "31", "40", "4", "360102001001"), 1, "created",
                   Date{2025, 3, 1}));
  // H: created after the snapshot: not counted.
  v.push_back(fact(inflow("44-H", "2", "19900101", "21", "20", "1", "510107001001"), 1, "created",
                   Date{2026, 4, 1}));
  // I: corrected on the snapshot date itself: the correction counts.
  v.push_back(fact(inflow("44-I", "1", "20100101", "71", "10", "1", "510107001001"), 1, "created",
                   Date{2025, 8, 1}));
  v.push_back(fact(inflow("44-I", "1", "19700101", "90", "22", "0", "500101001001"), 2, "corrected",
                   Date{2026, 3, 31}));
  // J: from the XPCC (address prefix 6590), 18 on the snapshot date.
  v.push_back(fact(inflow("44-J", "1", "20080331", "73", "10", "3", "659001001001"), 1, "created",
                   Date{2026, 2, 1}));
  // C: Guangdong's own outflow, a woman living in Beijing, 60 on the day.
  MigrantRecord c = valid_outflow();
  c.record_id = "44-C";
  c.reporting_province = "44";
  c.hukou_address_code = "440305007001";
  c.current_address_code = "110105001001";
  c.sex = "2";
  c.birth_date = "19660331";
  c.education = "81";
  c.marital_status = "30";
  c.migration_reason = "7";
  v.push_back(fact(c, 1, "created", Date{2024, 1, 1}));
  // G: Sichuan's outflow record of a person living in Guangdong: Sichuan's
  // to count, not Guangdong's, even though Guangdong holds a copy.
  v.push_back(fact(valid_outflow(), 1, "created", Date{2025, 1, 1}));
  MigrantRecord g2 = valid_outflow();
  g2.record_id = "51-G2";
  g2.direction = "inflow";  // even a record saying "inflow": its author is 51
  v.push_back(fact(g2, 1, "created", Date{2025, 1, 1}));
  return v;
}

TEST(StatisticsTest, KnownCells) {
  const QuarterlyTables t = compute_quarterly_tables(44, 2026, 1, guangdong_versions());
  EXPECT_EQ(t.province, 44);
  EXPECT_EQ(t.year, 2026);
  EXPECT_EQ(t.quarter, 1);
  EXPECT_EQ(t.snapshot, (Date{2026, 3, 31}));
  ASSERT_EQ(t.tables.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(t.tables[i].direction, i < 6 ? "inflow" : "outflow");
    EXPECT_EQ(t.tables[i].dimension, statistics_dimensions()[i % 6]);
  }

  // Counted inflow: A, B, D (version 1), F (version 1), I (version 2), J.
  EXPECT_EQ(table(t, "inflow", "sex").total, 6u);
  EXPECT_EQ(table(t, "inflow", "sex").cells, (Cells{{"1", 4}, {"2", 2}}));
  EXPECT_EQ(table(t, "inflow", "age_band").cells,
            (Cells{{"18-29", 2}, {"30-39", 1}, {"40-49", 2}, {"50-59", 1}}));
  EXPECT_EQ(table(t, "inflow", "education").cells,
            (Cells{{"20", 1}, {"30", 1}, {"60", 1}, {"70", 2}, {"90", 1}}));
  EXPECT_EQ(table(t, "inflow", "marital_status").cells,
            (Cells{{"10", 2}, {"20", 2}, {"22", 1}, {"40", 1}}));
  EXPECT_EQ(table(t, "inflow", "migration_reason").cells,
            (Cells{{"0", 1}, {"1", 2}, {"3", 2}, {"4", 1}}));
  EXPECT_EQ(table(t, "inflow", "partner_province").cells,
            (Cells{{"36", 1}, {"43", 1}, {"50", 1}, {"51", 2}, {"66", 1}}));

  // Outflow: C only; the partner is where she lives.
  EXPECT_EQ(table(t, "outflow", "sex").cells, (Cells{{"2", 1}}));
  EXPECT_EQ(table(t, "outflow", "age_band").cells, (Cells{{"60+", 1}}));
  EXPECT_EQ(table(t, "outflow", "education").cells, (Cells{{"80", 1}}));
  EXPECT_EQ(table(t, "outflow", "marital_status").cells, (Cells{{"30", 1}}));
  EXPECT_EQ(table(t, "outflow", "migration_reason").cells, (Cells{{"7", 1}}));
  EXPECT_EQ(table(t, "outflow", "partner_province").cells, (Cells{{"11", 1}}));
  EXPECT_EQ(table(t, "outflow", "partner_province").total, 1u);

  EXPECT_TRUE(check_tables(t).ok());
}

TEST(StatisticsTest, LaterQuarterSeesLaterVersions) {
  // At 2026-06-30: D has education 41, F has left, H has arrived.
  const QuarterlyTables t = compute_quarterly_tables(44, 2026, 2, guangdong_versions());
  EXPECT_EQ(table(t, "inflow", "sex").cells, (Cells{{"1", 4}, {"2", 2}}));
  EXPECT_EQ(table(t, "inflow", "education").cells,
            (Cells{{"20", 2}, {"40", 1}, {"60", 1}, {"70", 1}, {"90", 1}}));
  // Before anything existed, every table is there and empty.
  const QuarterlyTables early = compute_quarterly_tables(44, 2023, 4, guangdong_versions());
  ASSERT_EQ(early.tables.size(), 12u);
  for (const StatTable& s : early.tables) {
    EXPECT_EQ(s.total, 0u);
    EXPECT_TRUE(s.cells.empty());
  }
}

TEST(StatisticsTest, OtherProvincesCountTheirOwnRecords) {
  const QuarterlyTables t = compute_quarterly_tables(51, 2026, 1, guangdong_versions());
  EXPECT_EQ(table(t, "outflow", "partner_province").cells, (Cells{{"44", 1}}));
  EXPECT_EQ(table(t, "inflow", "sex").total, 1u);  // G2
  // A province with nothing of its own has empty tables.
  const QuarterlyTables none = compute_quarterly_tables(11, 2026, 1, guangdong_versions());
  EXPECT_EQ(table(none, "inflow", "sex").total, 0u);
  EXPECT_EQ(table(none, "outflow", "sex").total, 0u);
}

TEST(StatisticsTest, AMigrantWhoReturnsAndComesBackCountsAgain) {
  MigrantRecord r = inflow("44-K", "2", "19900101", "21", "20", "1", "510107001001");
  std::vector<VersionFact> v = {fact(r, 1, "created", Date{2025, 1, 1}),
                                fact(r, 2, "returned", Date{2025, 6, 1}),
                                fact(r, 3, "updated", Date{2026, 2, 1})};
  EXPECT_EQ(table(compute_quarterly_tables(44, 2025, 1, v), "inflow", "sex").total, 1u);
  EXPECT_EQ(table(compute_quarterly_tables(44, 2025, 4, v), "inflow", "sex").total, 0u);
  EXPECT_EQ(table(compute_quarterly_tables(44, 2026, 1, v), "inflow", "sex").total, 1u);
}

TEST(StatisticsTest, CheckTablesFindsTampering) {
  const QuarterlyTables good = compute_quarterly_tables(44, 2026, 1, guangdong_versions());
  ASSERT_TRUE(check_tables(good).ok()) << check_tables(good).error().message;
  ASSERT_TRUE(check_tables(empty_tables(0, 2026, 1)).ok());

  // A cell changed without its total.
  QuarterlyTables t = good;
  t.tables[2].cells["20"] += 1;
  auto r = check_tables(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  EXPECT_TRUE(contains(r.error().message, "inflow/education")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "total 6")) << r.error().message;

  // Cell and total changed together: the table adds up, but no longer agrees
  // with the other outflow tables.
  t = good;
  t.tables[9].cells["30"] += 1;
  t.tables[9].total += 1;
  r = check_tables(t);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "outflow/marital_status")) << r.error().message;

  // A table missing.
  t = good;
  t.tables.erase(t.tables.begin() + 11);
  r = check_tables(t);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "outflow/partner_province")) << r.error().message;
}

TEST(StatisticsTest, AddTablesSums) {
  const auto versions = guangdong_versions();
  const QuarterlyTables gd = compute_quarterly_tables(44, 2026, 1, versions);
  const QuarterlyTables sc = compute_quarterly_tables(51, 2026, 1, versions);
  QuarterlyTables national = empty_tables(kNationalCode, 2026, 1);
  ASSERT_TRUE(add_tables(national, gd).ok());
  ASSERT_TRUE(add_tables(national, sc).ok());
  ASSERT_TRUE(add_tables(national, gd).ok());
  EXPECT_TRUE(check_tables(national).ok());
  EXPECT_EQ(national.province, kNationalCode);
  EXPECT_EQ(table(national, "inflow", "sex").cells, (Cells{{"1", 8}, {"2", 5}}));
  EXPECT_EQ(table(national, "inflow", "sex").total, 13u);
  EXPECT_EQ(table(national, "outflow", "partner_province").cells, (Cells{{"11", 2}, {"44", 1}}));

  // Another quarter does not add, and leaves the sum as it was.
  const QuarterlyTables q2 = compute_quarterly_tables(44, 2026, 2, versions);
  const QuarterlyTables before = national;
  auto r = add_tables(national, q2);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "2026 Q2")) << r.error().message;
  EXPECT_EQ(tables_to_json(national), tables_to_json(before));
}

TEST(StatisticsTest, TablesJson) {
  const QuarterlyTables t = compute_quarterly_tables(44, 2026, 1, guangdong_versions());
  const nlohmann::json j = tables_to_json(t);
  EXPECT_EQ(j.at("province"), "44");
  EXPECT_EQ(j.at("year"), 2026);
  EXPECT_EQ(j.at("quarter"), 1);
  EXPECT_EQ(j.at("snapshot_date"), "20260331");
  ASSERT_EQ(j.at("tables").size(), 12u);
  const nlohmann::json& sex = j.at("tables").at(0);
  EXPECT_EQ(sex.at("direction"), "inflow");
  EXPECT_EQ(sex.at("dimension"), "sex");
  EXPECT_EQ(sex.at("total"), 6);
  EXPECT_EQ(sex.at("cells"), (nlohmann::json{{"1", 4}, {"2", 2}}));
  EXPECT_EQ(j.at("tables").at(11).at("cells"), (nlohmann::json{{"11", 1}}));
  // An empty table still has its cells object.
  EXPECT_TRUE(tables_to_json(empty_tables(0, 2026, 4)).at("tables").at(0).at("cells").is_object());
  EXPECT_EQ(tables_to_json(empty_tables(0, 2026, 4)).at("province"), "00");
}

// A generated population, recounted here without the module's helpers: the
// generator remembers each record's partner province and true state, and the
// recount derives bands and categories its own way.
TEST(StatisticsTest, IndependentRecountOfAGeneratedPopulation) {
  struct Truth {
    std::string direction;
    std::string partner;
  };
  constexpr std::array<std::pair<const char*, const char*>, 6> kPartners = {{
      {"11", "110105001001"},
      {"31", "310104001001"},
      {"51", "510107001001"},
      {"65", "650102001001"},
      {"66", "659001001001"},
      {"43", "430102001001"},
  }};
  constexpr std::array<const char*, 8> kEducation = {"11", "21", "31", "41",
                                                     "61", "71", "81", "90"};
  constexpr std::array<const char*, 5> kMarital = {"10", "20", "21", "30", "40"};
  constexpr std::array<const char*, 5> kChanges = {"updated", "returned", "left", "corrected",
                                                   "updated"};
  const Date snapshot = quarter_snapshot_date(2026, 3);

  std::uint64_t seed = 12345;
  const auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>((seed >> 33) % n);
  };

  std::vector<VersionFact> versions;
  std::map<std::string, std::vector<const VersionFact*>> by_record;  // filled after generation
  std::map<std::string, Truth> truth;
  for (int i = 0; i < 3000; ++i) {
    MigrantRecord r = valid_inflow();
    const bool own = next(10) != 0;  // a tenth belongs to Sichuan
    r.reporting_province = own ? "44" : "51";
    r.record_id = r.reporting_province + "-" + std::to_string(i);
    r.direction = next(3) == 0 ? "outflow" : "inflow";
    const auto& partner = kPartners[next(kPartners.size())];
    const std::string home = own ? "440305007001" : "510107001001";
    if (r.direction == "inflow") {
      r.current_address_code = home;
      r.hukou_address_code = partner.second;
    } else {
      r.hukou_address_code = home;
      r.current_address_code = partner.second;
    }
    truth[r.record_id] = Truth{r.direction, partner.first};

    const int n_versions = 1 + static_cast<int>(next(3));
    Date changed = Date{2025, 1, 1}.plus_days(static_cast<std::int64_t>(next(500)));
    for (int v = 1; v <= n_versions; ++v) {
      r.sex = next(2) == 0 ? "1" : "2";
      r.birth_date = Date{1950, 1, 1}.plus_days(static_cast<std::int64_t>(next(27000))).yyyymmdd();
      r.education = kEducation[next(kEducation.size())];
      r.marital_status = kMarital[next(kMarital.size())];
      r.migration_reason = std::to_string(next(10));
      versions.push_back(
          fact(r, static_cast<std::uint32_t>(v), v == 1 ? "created" : kChanges[next(5)], changed));
      changed = changed.plus_days(1 + static_cast<std::int64_t>(next(200)));
    }
  }
  for (const VersionFact& v : versions) by_record[v.record.record_id].push_back(&v);

  // The recount: for each of Guangdong's records, walk its versions from the
  // newest down to the first one dated on or before the snapshot.
  std::map<std::string, Cells> expected;  // "direction/dimension" -> cells
  std::uint64_t counted = 0;
  for (auto& [id, list] : by_record) {
    if (!id.starts_with("44-")) continue;
    std::sort(list.begin(), list.end(),
              [](const VersionFact* a, const VersionFact* b) { return a->version > b->version; });
    const auto it = std::find_if(list.begin(), list.end(),
                                 [&](const VersionFact* v) { return v->changed_on <= snapshot; });
    if (it == list.end()) continue;
    const VersionFact& v = **it;
    if (v.change == "returned" || v.change == "left") continue;
    ++counted;
    const MigrantRecord& r = v.record;
    const std::string d = truth[id].direction + "/";
    const int by = std::stoi(r.birth_date.substr(0, 4));
    const int bmd = std::stoi(r.birth_date.substr(4));
    const int age = snapshot.year - by - (snapshot.month * 100 + snapshot.day < bmd ? 1 : 0);
    const char* band = age >= 60   ? "60+"
                       : age >= 50 ? "50-59"
                       : age >= 40 ? "40-49"
                       : age >= 30 ? "30-39"
                       : age >= 18 ? "18-29"
                                   : "0-17";
    ++expected[d + "sex"][r.sex];
    ++expected[d + "age_band"][band];
    ++expected[d + "education"][r.education.substr(0, 1) + "0"];
    ++expected[d + "marital_status"][r.marital_status];
    ++expected[d + "migration_reason"][r.migration_reason];
    ++expected[d + "partner_province"][truth[id].partner];
  }
  ASSERT_GT(counted, 1000u);  // the generator's mix leaves plenty counted

  const QuarterlyTables t = compute_quarterly_tables(44, 2026, 3, versions);
  ASSERT_TRUE(check_tables(t).ok()) << check_tables(t).error().message;
  std::uint64_t total = 0;
  for (const StatTable& s : t.tables) {
    EXPECT_EQ(s.cells, expected[s.direction + "/" + s.dimension])
        << s.direction << "/" << s.dimension;
    if (s.dimension == "sex") total += s.total;
  }
  EXPECT_EQ(total, counted);
}

// --- monthly summary ------------------------------------------------------

LedgerEntry notice(ProvinceCode from, ProvinceCode to, Date date,
                   std::optional<Date> feedback = std::nullopt,
                   CollabKind kind = CollabKind::check_notice) {
  LedgerEntry e;
  e.kind = kind;
  e.residence = from;
  e.hukou = to;
  e.date = date;
  e.reply_date = feedback;
  return e;
}

LedgerEntry query(ProvinceCode from, ProvinceCode to, Date asked, Date due,
                  std::optional<Date> answered = std::nullopt) {
  LedgerEntry e;
  e.kind = CollabKind::query;
  e.residence = from;
  e.hukou = to;
  e.date = asked;
  e.due_date = due;
  e.reply_date = answered;
  return e;
}

// February 2026 (28 days) as the national ledger knows it, out of order.
std::vector<LedgerEntry> february_ledger() {
  return {
      // 44 asks 51.
      query(44, 51, Date{2026, 2, 2}, Date{2026, 2, 20}, Date{2026, 2, 20}),  // on time, on the day
      query(44, 51, Date{2026, 1, 5}, Date{2026, 2, 4}, Date{2026, 2, 5}),    // late
      query(44, 51, Date{2026, 1, 20}, Date{2026, 2, 27}),                    // overdue on the 28th
      query(44, 51, Date{2026, 1, 29}, Date{2026, 2, 28}),  // due on as_of: not yet
      query(44, 51, Date{2026, 1, 10}, Date{2026, 2, 9},
            Date{2026, 3, 1}),  // unanswered by the 28th
      query(44, 51, Date{2025, 12, 1}, Date{2025, 12, 31},
            Date{2026, 1, 15}),  // January's business
      // 31 notifies 44.
      notice(31, 44, Date{2026, 2, 3}, Date{2026, 2, 10}),
      notice(31, 44, Date{2026, 1, 25}, Date{2026, 2, 2}, CollabKind::birth_registration),
      notice(31, 44, Date{2026, 2, 27}, Date{2026, 3, 2}),
      // 11 asks 12.
      query(11, 12, Date{2026, 2, 10}, Date{2026, 3, 12}),
      // March and January only: no pair for them in February.
      notice(65, 66, Date{2026, 3, 1}),
      notice(66, 65, Date{2026, 1, 31}),
      // Not a province: left out.
      notice(0, 44, Date{2026, 2, 3}),
  };
}

const ProvinceFigures& province(const MonthlySummary& s, ProvinceCode code) {
  for (const ProvinceFigures& p : s.provinces) {
    if (p.province == code) return p;
  }
  ADD_FAILURE() << "no province " << int{code};
  static const ProvinceFigures none;
  return none;
}

TEST(StatisticsTest, MonthlySummaryCounts) {
  const MonthlySummary s = compute_monthly_summary(2026, 2, Date{2026, 3, 10}, february_ledger());
  EXPECT_EQ(s.year, 2026);
  EXPECT_EQ(s.month, 2);
  EXPECT_EQ(s.as_of, (Date{2026, 2, 28}));  // the month is over

  ASSERT_EQ(s.pairs.size(), 3u);  // ordered by (from, to)
  const PairFigures& a = s.pairs[0];
  EXPECT_EQ(std::pair(a.from, a.to), std::pair(ProvinceCode{11}, ProvinceCode{12}));
  EXPECT_EQ(a.queries, 1u);
  EXPECT_EQ(a.overdue, 0u);
  const PairFigures& b = s.pairs[1];
  EXPECT_EQ(std::pair(b.from, b.to), std::pair(ProvinceCode{31}, ProvinceCode{44}));
  EXPECT_EQ(b.notices, 2u);
  EXPECT_EQ(b.feedbacks, 2u);
  EXPECT_EQ(b.queries, 0u);
  const PairFigures& c = s.pairs[2];
  EXPECT_EQ(std::pair(c.from, c.to), std::pair(ProvinceCode{44}, ProvinceCode{51}));
  EXPECT_EQ(c.notices, 0u);
  EXPECT_EQ(c.queries, 1u);
  EXPECT_EQ(c.answered_on_time, 1u);
  EXPECT_EQ(c.answered_late, 1u);
  EXPECT_EQ(c.overdue, 2u);  // due 27 Feb unanswered; due 9 Feb answered only in March

  ASSERT_EQ(s.provinces.size(), 32u);
  EXPECT_EQ(s.provinces.front().province, 11);
  EXPECT_EQ(s.provinces.back().province, 66);
  EXPECT_TRUE(std::is_sorted(s.provinces.begin(), s.provinces.end(),
                             [](const auto& x, const auto& y) { return x.province < y.province; }));
  EXPECT_EQ(province(s, 31).notices_sent, 2u);
  EXPECT_EQ(province(s, 31).feedbacks_received, 2u);
  EXPECT_EQ(province(s, 44).notices_received, 2u);
  EXPECT_EQ(province(s, 44).feedbacks_sent, 2u);
  EXPECT_EQ(province(s, 44).queries_sent, 1u);
  EXPECT_EQ(province(s, 44).overdue, 0u);
  EXPECT_EQ(province(s, 51).queries_received, 1u);
  EXPECT_EQ(province(s, 51).answered_on_time, 1u);
  EXPECT_EQ(province(s, 51).answered_late, 1u);
  EXPECT_EQ(province(s, 51).overdue, 2u);
  EXPECT_EQ(province(s, 12).queries_received, 1u);
  EXPECT_EQ(province(s, 65).notices_sent, 0u);
  EXPECT_EQ(province(s, 66).notices_sent, 0u);
}

TEST(StatisticsTest, RunningMonthUsesToday) {
  // On 20 February: the answer of the 20th counts; the query due on the 9th
  // is overdue; the query due on the 27th is not yet; the late answer of
  // the 5th came before today, so that query is not overdue.
  const MonthlySummary s = compute_monthly_summary(2026, 2, Date{2026, 2, 20}, february_ledger());
  EXPECT_EQ(s.as_of, (Date{2026, 2, 20}));
  ASSERT_EQ(s.pairs.size(), 3u);
  EXPECT_EQ(s.pairs[2].answered_on_time, 1u);
  EXPECT_EQ(s.pairs[2].answered_late, 1u);
  EXPECT_EQ(s.pairs[2].overdue, 1u);

  // Due yesterday and unanswered: overdue; due today: not yet.
  const std::vector<LedgerEntry> edge = {
      query(44, 51, Date{2026, 1, 20}, Date{2026, 2, 19}),
      query(44, 52, Date{2026, 1, 21}, Date{2026, 2, 20}),
  };
  const MonthlySummary e = compute_monthly_summary(2026, 2, Date{2026, 2, 20}, edge);
  ASSERT_EQ(e.pairs.size(), 1u);  // 44->52 has no figure at all
  EXPECT_EQ(e.pairs[0].to, 51);
  EXPECT_EQ(e.pairs[0].overdue, 1u);
  EXPECT_EQ(compute_monthly_summary(2026, 2, Date{2026, 2, 21}, edge).pairs.size(), 2u);
}

TEST(StatisticsTest, MonthlySummaryPairsAndProvincesAgree) {
  const MonthlySummary s = compute_monthly_summary(2026, 2, Date{2026, 3, 10}, february_ledger());
  std::uint32_t notices = 0, feedbacks = 0, queries = 0, on_time = 0, late = 0, overdue = 0;
  for (const PairFigures& p : s.pairs) {
    notices += p.notices;
    feedbacks += p.feedbacks;
    queries += p.queries;
    on_time += p.answered_on_time;
    late += p.answered_late;
    overdue += p.overdue;
  }
  std::uint32_t sent = 0, received = 0, fb_sent = 0, fb_received = 0, q_sent = 0, q_received = 0,
                p_on_time = 0, p_late = 0, p_overdue = 0;
  for (const ProvinceFigures& p : s.provinces) {
    sent += p.notices_sent;
    received += p.notices_received;
    fb_sent += p.feedbacks_sent;
    fb_received += p.feedbacks_received;
    q_sent += p.queries_sent;
    q_received += p.queries_received;
    p_on_time += p.answered_on_time;
    p_late += p.answered_late;
    p_overdue += p.overdue;
  }
  EXPECT_EQ(notices, sent);
  EXPECT_EQ(notices, received);
  EXPECT_EQ(feedbacks, fb_sent);
  EXPECT_EQ(feedbacks, fb_received);
  EXPECT_EQ(queries, q_sent);
  EXPECT_EQ(queries, q_received);
  EXPECT_EQ(on_time, p_on_time);
  EXPECT_EQ(late, p_late);
  EXPECT_EQ(overdue, p_overdue);
}

TEST(StatisticsTest, MonthlySummaryJson) {
  const MonthlySummary s = compute_monthly_summary(2026, 2, Date{2026, 3, 10}, february_ledger());
  const nlohmann::json j = monthly_summary_to_json(s);
  EXPECT_EQ(j.at("year"), 2026);
  EXPECT_EQ(j.at("month"), 2);
  EXPECT_EQ(j.at("as_of"), "20260228");
  ASSERT_EQ(j.at("pairs").size(), 3u);
  EXPECT_EQ(j.at("pairs").at(2), (nlohmann::json{{"from", "44"},
                                                 {"to", "51"},
                                                 {"notices", 0},
                                                 {"feedbacks", 0},
                                                 {"queries", 1},
                                                 {"answered_on_time", 1},
                                                 {"answered_late", 1},
                                                 {"overdue", 2}}));
  ASSERT_EQ(j.at("provinces").size(), 32u);
  EXPECT_EQ(j.at("provinces").at(0).at("province"), "11");
  EXPECT_EQ(j.at("provinces").at(0).size(), 10u);
}

TEST(StatisticsTest, MonthlySummaryCsv) {
  const MonthlySummary s = compute_monthly_summary(2026, 2, Date{2026, 3, 10}, february_ledger());
  const std::string csv = monthly_summary_to_csv(s);
  std::vector<std::string> lines;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u + 3u + 1u + 32u);
  EXPECT_EQ(lines[0],
            "section,from,to,notices,feedbacks,queries,answered_on_time,answered_late,"
            "overdue");
  EXPECT_EQ(lines[1], "pair,11,12,0,0,1,0,0,0");
  EXPECT_EQ(lines[2], "pair,31,44,2,2,0,0,0,0");
  EXPECT_EQ(lines[3], "pair,44,51,0,0,1,1,1,2");
  EXPECT_EQ(lines[4],
            "section,province,notices_sent,notices_received,feedbacks_sent,feedbacks_received,"
            "queries_sent,queries_received,answered_on_time,answered_late,overdue");
  EXPECT_EQ(lines[5], "province,11,0,0,0,0,1,0,0,0,0");
  EXPECT_TRUE(std::find(lines.begin(), lines.end(), "province,51,0,0,0,0,0,1,1,1,2") !=
              lines.end());
  EXPECT_EQ(lines.back(), "province,66,0,0,0,0,0,0,0,0,0");
  EXPECT_TRUE(csv.ends_with("\n"));
}

}  // namespace
}  // namespace provnet::domain
