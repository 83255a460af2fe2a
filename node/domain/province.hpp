// The 32 provincial-level nodes (GB/T 2260 two-digit codes, plus 66 for the
// Xinjiang Production and Construction Corps) and the national node, code 00.
// The table is compiled in from shared/data/provinces.csv; a test checks that
// config/provinces.csv and this table agree.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace provnet::domain {

using ProvinceCode = std::uint8_t;  // 11 .. 66; 0 = national node
inline constexpr ProvinceCode kNationalCode = 0;

struct Province {
  ProvinceCode code;
  std::string_view name_zh;
  std::string_view name_en;
  std::string_view address_prefix;  // "44", or "6590" for the XPCC
};

std::span<const Province> all_provinces();
const Province* find_province(ProvinceCode code);
// "44" -> 44 when it names one of the 32 provinces; nullopt otherwise.
std::optional<ProvinceCode> parse_province_code(std::string_view text);
// The node a 12-digit (or 6-digit ID) address code belongs to: the longest
// matching address prefix wins, so 659001... is 66 (XPCC) and 650102... is 65.
std::optional<ProvinceCode> province_of_address(std::string_view address_code);
// Two-digit text for a code: 0 -> "00", 44 -> "44".
std::string_view province_code_text(ProvinceCode code);

}  // namespace provnet::domain
