#include "domain/province.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

TEST(ProvinceTest, TableMatchesConfigCsv) {
  const auto rows = test_support::read_csv(test_support::config_path("provinces.csv"));
  ASSERT_FALSE(rows.empty());
  ASSERT_EQ(rows[0], (std::vector<std::string>{"code", "name_zh", "name_en", "address_prefixes"}));
  const auto provinces = all_provinces();
  ASSERT_EQ(rows.size() - 1, provinces.size());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ASSERT_EQ(row.size(), 4u) << "row " << i;
    const Province& p = provinces[i - 1];
    EXPECT_EQ(province_code_text(p.code), row[0]);
    EXPECT_EQ(p.name_zh, row[1]);
    EXPECT_EQ(p.name_en, row[2]);
    EXPECT_EQ(p.address_prefix, row[3]);
  }
}

TEST(ProvinceTest, ThirtyTwoDistinctProvincesWithoutTheNationalNode) {
  std::set<int> codes;
  for (const Province& p : all_provinces()) codes.insert(p.code);
  EXPECT_EQ(codes.size(), 32u);
  EXPECT_EQ(codes.count(kNationalCode), 0u);
  EXPECT_EQ(find_province(kNationalCode), nullptr);
}

TEST(ProvinceTest, FindsProvincesByCode) {
  ASSERT_NE(find_province(44), nullptr);
  EXPECT_EQ(find_province(44)->name_en, "Guangdong");
  EXPECT_EQ(find_province(44)->name_zh, "广东省");
  ASSERT_NE(find_province(66), nullptr);
  EXPECT_EQ(find_province(66)->address_prefix, "6590");
  EXPECT_EQ(find_province(16), nullptr);
  EXPECT_EQ(find_province(99), nullptr);
  EXPECT_EQ(find_province(200), nullptr);
}

TEST(ProvinceTest, ParsesTwoDigitProvinceCodes) {
  EXPECT_EQ(parse_province_code("44"), 44);
  EXPECT_EQ(parse_province_code("11"), 11);
  EXPECT_EQ(parse_province_code("66"), 66);
  EXPECT_FALSE(parse_province_code("00"));  // the national node is not a province
  EXPECT_FALSE(parse_province_code("99"));
  EXPECT_FALSE(parse_province_code("4"));
  EXPECT_FALSE(parse_province_code("044"));
  EXPECT_FALSE(parse_province_code("4a"));
  EXPECT_FALSE(parse_province_code(""));
  EXPECT_FALSE(parse_province_code(" 4"));
}

TEST(ProvinceTest, AddressCodesMapToTheLongestMatchingPrefix) {
  EXPECT_EQ(province_of_address("440305007001"), 44);
  EXPECT_EQ(province_of_address("440305"), 44);
  EXPECT_EQ(province_of_address("650102001001"), 65);
  EXPECT_EQ(province_of_address("650102"), 65);
  EXPECT_EQ(province_of_address("659001000000"), 66);  // Shihezi, XPCC
  EXPECT_EQ(province_of_address("659001"), 66);
  EXPECT_EQ(province_of_address("6590"), 66);
  EXPECT_EQ(province_of_address("659"), 65);
  EXPECT_EQ(province_of_address("65"), 65);
  EXPECT_EQ(province_of_address("652901"), 65);
}

TEST(ProvinceTest, AddressCodesOutsideTheProvincesOrWithNonDigitsAreRejected) {
  EXPECT_FALSE(province_of_address("990000000000"));
  EXPECT_FALSE(province_of_address("000000000000"));
  EXPECT_FALSE(province_of_address("16"));
  EXPECT_FALSE(province_of_address("4"));
  EXPECT_FALSE(province_of_address(""));
  EXPECT_FALSE(province_of_address("44030500700A"));
  EXPECT_FALSE(province_of_address("44 305"));
  EXPECT_FALSE(province_of_address("-44030"));
}

TEST(ProvinceTest, EveryProvinceMapsFromItsOwnPrefix) {
  for (const Province& p : all_provinces()) {
    std::string code(p.address_prefix);
    code.resize(12, '0');
    EXPECT_EQ(province_of_address(code), p.code) << code;
  }
}

TEST(ProvinceTest, CodeTextIsTwoDigits) {
  EXPECT_EQ(province_code_text(0), "00");
  EXPECT_EQ(province_code_text(5), "05");
  EXPECT_EQ(province_code_text(44), "44");
  EXPECT_EQ(province_code_text(66), "66");
  EXPECT_EQ(province_code_text(100), "");
}

}  // namespace
}  // namespace provnet::domain
