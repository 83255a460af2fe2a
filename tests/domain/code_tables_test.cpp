#include "domain/code_tables.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

std::vector<std::string> codes_of(const CodeTable& table) {
  std::vector<std::string> codes;
  for (const CodeEntry& e : table.entries()) codes.emplace_back(e.code);
  return codes;
}

std::vector<std::string> two_digit_range(int from, int to) {
  std::vector<std::string> codes;
  for (int i = from; i <= to; ++i) {
    codes.push_back(std::string(1, static_cast<char>('0' + i / 10)) +
                    static_cast<char>('0' + i % 10));
  }
  return codes;
}

TEST(CodeTablesTest, EthnicGroupsMatchConfigCsv) {
  const auto rows = test_support::read_csv(test_support::config_path("ethnic_groups.csv"));
  ASSERT_FALSE(rows.empty());
  ASSERT_EQ(rows[0], (std::vector<std::string>{"code", "name_zh", "name_en"}));
  const auto entries = ethnic_group_codes().entries();
  ASSERT_EQ(entries.size(), 58u);
  ASSERT_EQ(rows.size() - 1, entries.size());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(entries[i - 1].code, rows[i][0]);
    EXPECT_EQ(entries[i - 1].meaning_zh, rows[i][1]);
    EXPECT_EQ(entries[i - 1].meaning, rows[i][2]);
    EXPECT_EQ(ethnic_group_codes().lookup(rows[i][0]), rows[i][2]);
  }
}

TEST(CodeTablesTest, MigrationReasonsMatchConfigCsvIncludingScope) {
  const auto rows = test_support::read_csv(test_support::config_path("migration_reasons.csv"));
  ASSERT_FALSE(rows.empty());
  ASSERT_EQ(rows[0], (std::vector<std::string>{"code", "name_zh", "name_en", "in_scope"}));
  const auto entries = migration_reason_codes().entries();
  ASSERT_EQ(rows.size() - 1, entries.size());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 4u);
    EXPECT_EQ(entries[i - 1].code, rows[i][0]);
    EXPECT_EQ(entries[i - 1].meaning_zh, rows[i][1]);
    EXPECT_EQ(entries[i - 1].meaning, rows[i][2]);
    ASSERT_TRUE(rows[i][3] == "yes" || rows[i][3] == "no") << rows[i][3];
    EXPECT_EQ(migration_reason_in_scope(rows[i][0]), rows[i][3] == "yes") << rows[i][0];
  }
}

TEST(CodeTablesTest, MarriageIsTheOnlyOutOfScopeReason) {
  EXPECT_EQ(migration_reason_in_scope("6"), false);
  EXPECT_EQ(migration_reason_codes().lookup("6"), "marriage");
  EXPECT_EQ(migration_reason_in_scope("1"), true);
  EXPECT_EQ(migration_reason_in_scope("0"), true);
  EXPECT_FALSE(migration_reason_in_scope("10"));
  EXPECT_FALSE(migration_reason_in_scope(""));
}

TEST(CodeTablesTest, SexCodesAreGbt2261_1) {
  EXPECT_EQ(codes_of(sex_codes()), (std::vector<std::string>{"0", "1", "2", "9"}));
  EXPECT_EQ(sex_codes().lookup("1"), "male");
  EXPECT_EQ(sex_codes().lookup("2"), "female");
  EXPECT_FALSE(sex_codes().lookup("3"));
  EXPECT_FALSE(sex_codes().lookup("01"));
  EXPECT_FALSE(sex_codes().lookup("M"));
}

TEST(CodeTablesTest, EducationCodesAreExactlyGbt4658) {
  std::vector<std::string> expected = two_digit_range(10, 23);
  for (const char* c : {"28", "30", "31", "32", "33"}) expected.emplace_back(c);
  for (const auto& c : two_digit_range(40, 49)) expected.push_back(c);
  for (const char* c : {"60", "61", "62", "63", "70", "71", "73", "80", "81", "83", "90"}) {
    expected.emplace_back(c);
  }
  EXPECT_EQ(codes_of(education_codes()), expected);
  for (const char* invalid : {"00", "24", "27", "29", "34", "50", "64", "72", "82", "91", "1"}) {
    EXPECT_FALSE(education_codes().contains(invalid)) << invalid;
  }
}

TEST(CodeTablesTest, HukouTypeMaritalStatusAndLeavingReasonCodes) {
  EXPECT_EQ(codes_of(hukou_type_codes()), (std::vector<std::string>{"1", "2", "9"}));
  EXPECT_EQ(hukou_type_codes().lookup("2"), "agricultural");
  EXPECT_EQ(codes_of(marital_status_codes()),
            (std::vector<std::string>{"10", "20", "21", "22", "23", "30", "40", "90"}));
  EXPECT_EQ(marital_status_codes().lookup("30"), "widowed");
  EXPECT_EQ(codes_of(leaving_reason_codes()), (std::vector<std::string>{"2", "4", "5"}));
  EXPECT_EQ(leaving_reason_codes().lookup("2"), "death");
}

TEST(CodeTablesTest, RelationToHeadFollowsGbt4761Ranges) {
  std::vector<std::string> expected = {"01", "02", "10", "11", "12"};
  for (const auto& c : two_digit_range(20, 99)) expected.push_back(c);
  EXPECT_EQ(codes_of(relation_to_head_codes()), expected);
  EXPECT_EQ(relation_to_head_codes().lookup("01"), "self");
  EXPECT_EQ(relation_to_head_codes().lookup("02"), "household head");
  EXPECT_EQ(relation_to_head_codes().lookup("11"), "spouse");
  EXPECT_EQ(relation_to_head_codes().lookup("25"), "son");
  EXPECT_EQ(relation_to_head_codes().lookup("33"), "daughter");
  EXPECT_EQ(relation_to_head_codes().lookup("47"), "grandchild");
  EXPECT_EQ(relation_to_head_codes().lookup("51"), "parent");
  EXPECT_EQ(relation_to_head_codes().lookup("61"), "grandparent");
  EXPECT_EQ(relation_to_head_codes().lookup("79"), "sibling");
  EXPECT_EQ(relation_to_head_codes().lookup("99"), "other");
  for (const char* invalid : {"00", "03", "09", "13", "19", "1", "100"}) {
    EXPECT_FALSE(relation_to_head_codes().contains(invalid)) << invalid;
  }
}

TEST(CodeTablesTest, LookupRejectsMalformedCodes) {
  for (const CodeTable* table : all_code_tables()) {
    for (const char* bad : {"", " ", "a", "1a", "a1", "100", "-1", " 1", "1 "}) {
      EXPECT_FALSE(table->contains(bad)) << table->name() << " '" << bad << "'";
      EXPECT_EQ(table->find(bad), nullptr);
    }
  }
}

TEST(CodeTablesTest, EveryEntryIsFoundByItsOwnCode) {
  std::set<std::string_view> names;
  for (const CodeTable* table : all_code_tables()) {
    names.insert(table->name());
    EXPECT_FALSE(table->standard().empty());
    for (const CodeEntry& e : table->entries()) {
      EXPECT_EQ(table->find(e.code), &e) << table->name() << " " << e.code;
      EXPECT_FALSE(e.meaning.empty());
      EXPECT_FALSE(e.meaning_zh.empty());
    }
  }
  EXPECT_EQ(names.size(), 8u);
}

TEST(CodeTablesTest, DescribesSmallTablesWithMeanings) {
  EXPECT_EQ(describe_codes(sex_codes()), "one of 0 unknown, 1 male, 2 female, 9 unspecified");
  EXPECT_EQ(describe_codes(hukou_type_codes()),
            "one of 1 non-agricultural, 2 agricultural, 9 other");
  EXPECT_EQ(describe_codes(marital_status_codes()),
            "one of 10 never married, 20 married, 21 first marriage, 22 remarried, "
            "23 remarried to former spouse, 30 widowed, 40 divorced, 90 unspecified");
  const std::string reasons = describe_codes(migration_reason_codes());
  EXPECT_NE(reasons.find("1 work or business, 2 study or training, 3 "), std::string::npos)
      << reasons;
  EXPECT_NE(reasons.find("6 marriage"), std::string::npos);
}

TEST(CodeTablesTest, DescribesLargeTablesAsRanges) {
  EXPECT_EQ(describe_codes(education_codes()),
            "one of the GB/T 4658 codes 10-23, 28, 30-33, 40-49, 60-63, 70, 71, 73, 80, 81, 83, "
            "90");
  EXPECT_EQ(describe_codes(ethnic_group_codes()), "one of the GB/T 3304 codes 01-56, 97, 98");
  EXPECT_EQ(describe_codes(relation_to_head_codes()),
            "one of the GB/T 4761 codes 01, 02, 10-12, 20-99");
}

}  // namespace
}  // namespace provnet::domain
