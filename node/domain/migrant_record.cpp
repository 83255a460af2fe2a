#include "domain/migrant_record.hpp"

#include <array>

namespace provnet::domain {

namespace {

struct FieldNames {
  std::string_view key;
  std::string_view wis;
};

// Indexed by Field; the order of the enum.
constexpr std::array<FieldNames, kFieldCount> kFieldNames = {{
    {"record_id", ""},
    {"direction", ""},
    {"reporting_province", ""},
    {"name", "WISField001"},
    {"sex", "WISField002"},
    {"current_address", "WISField003"},
    {"current_address_code", "WISField004"},
    {"hukou_address", "WISField005"},
    {"hukou_address_code", "WISField006"},
    {"id_number", "WISField011"},
    {"birth_date", "WISField012"},
    {"education", "WISField014"},
    {"hukou_type", "WISField015"},
    {"migration_reason", ""},
    {"move_date", ""},
    {"marital_status", "WISField016"},
    {"family_migrates", ""},
    {"spouse_migrates", ""},
    {"ethnic_group", "WISField013"},
    {"household_code", "WISField000"},
}};

static_assert(static_cast<int>(Field::household_code) + 1 == kFieldCount);

const FieldNames& names_of(Field f) {
  return kFieldNames[static_cast<std::size_t>(f)];
}

}  // namespace

std::string_view field_key(Field f) {
  return names_of(f).key;
}

std::string_view wis_field(Field f) {
  return names_of(f).wis;
}

std::optional<Field> field_from_name(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
    if (kFieldNames[i].key == name || kFieldNames[i].wis == name) return static_cast<Field>(i);
  }
  return std::nullopt;
}

Direction direction_of(const MigrantRecord& r) {
  return r.direction == "outflow" ? Direction::outflow : Direction::inflow;
}

std::optional<ProvinceCode> reporting_province_of(const MigrantRecord& r) {
  return parse_province_code(r.reporting_province);
}

std::optional<ProvinceCode> concerned_province_of(const MigrantRecord& r) {
  if (r.direction == "inflow") return province_of_address(r.hukou_address_code);
  if (r.direction == "outflow") return province_of_address(r.current_address_code);
  return std::nullopt;
}

}  // namespace provnet::domain
