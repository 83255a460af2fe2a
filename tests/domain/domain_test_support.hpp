// Shared fixtures of the domain tests: valid records, ID numbers made with
// the real check character, and a reader for the reference CSVs.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "domain/date.hpp"
#include "domain/id_number.hpp"
#include "domain/migrant_record.hpp"
#include "domain/record_validation.hpp"

namespace provnet::domain::test_support {

inline constexpr Date kToday{2026, 3, 1};

// A citizen ID with a correct check character.
inline std::string make_id(std::string_view address6, std::string_view birth8,
                           std::string_view sequence3) {
  std::string first17 = std::string(address6) + std::string(birth8) + std::string(sequence3);
  const auto check = id_check_character(first17);
  EXPECT_TRUE(check.has_value()) << "bad test ID parts";
  return first17 + check.value_or('?');
}

// Guangdong (44) reports a man from Sichuan (51) who lives in Shenzhen.
inline MigrantRecord valid_inflow() {
  MigrantRecord r;
  r.record_id = "44-2026-000123";
  r.direction = "inflow";
  r.reporting_province = "44";
  r.name = "张三";
  r.sex = "1";
  r.current_address = "广东省深圳市南山区粤海街道科技园社区";
  r.current_address_code = "440305007001";
  r.hukou_address = "四川省成都市武侯区浆洗街街道";
  r.hukou_address_code = "510107001001";
  r.id_number = make_id("510107", "19900515", "123");
  r.birth_date = "19900515";
  r.education = "21";
  r.hukou_type = "2";
  r.migration_reason = "1";
  r.move_date = "20250101";
  r.marital_status = "20";
  r.family_migrates = false;
  r.spouse_migrates = true;
  r.ethnic_group = "01";
  r.household_code = "440305007001001";
  return r;
}

// Sichuan (51) reports a woman of its own who went to Guangdong.
inline MigrantRecord valid_outflow() {
  MigrantRecord r;
  r.record_id = "51-2026-7";
  r.direction = "outflow";
  r.reporting_province = "51";
  r.name = "李四妹";
  r.sex = "2";
  r.current_address = "广东省东莞市长安镇";
  r.current_address_code = "441900113001";
  r.hukou_address = "四川省南充市顺庆区";
  r.hukou_address_code = "511302001001";
  r.id_number = make_id("511302", "19950808", "024");
  r.birth_date = "19950808";
  r.education = "71";
  r.hukou_type = "2";
  r.migration_reason = "1";
  r.move_date = "20240315";
  r.marital_status = "10";
  r.family_migrates = false;
  r.spouse_migrates = std::nullopt;
  r.ethnic_group = "";
  r.household_code = "";
  return r;
}

inline std::vector<ValidationError> validate(const MigrantRecord& r, Date today = kToday) {
  return validate_record(r, ValidationContext{today});
}

inline std::string dump(const std::vector<ValidationError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "  " + e.message + "\n";
  return out;
}

// Rows of a simple CSV (no quoted fields: the reference files have none),
// header included.
inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
    rows.push_back(std::move(cells));
  }
  return rows;
}

inline std::string config_path(std::string_view file) {
  return std::string(PROVNET_SOURCE_DIR) + "/config/" + std::string(file);
}

}  // namespace provnet::domain::test_support
