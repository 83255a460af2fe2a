// A cross-province migrant record (SPEC §2.1) as the interchange format and
// the data standard carry it: code fields stay text exactly as written, so
// validation can say what it found. A record is only routed once
// validate_record() has returned no errors for it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/province.hpp"

namespace provnet::domain {

enum class Direction { inflow, outflow };

struct MigrantRecord {
  std::string record_id;                // ours: "<reporting province>-<local id>"
  std::string direction;                // "inflow" | "outflow"
  std::string reporting_province;       // two digits
  std::string name;                     // WISField001
  std::string sex;                      // WISField002
  std::string current_address;          // WISField003
  std::string current_address_code;     // WISField004
  std::string hukou_address;            // WISField005
  std::string hukou_address_code;       // WISField006
  std::string id_number;                // WISField011
  std::string birth_date;               // WISField012
  std::string education;                // WISField014
  std::string hukou_type;               // WISField015
  std::string migration_reason;         // ours (data/migration_reasons.csv)
  std::string move_date;                // outflow/return or inflow/leaving date
  std::string marital_status;           // WISField016
  std::optional<bool> family_migrates;  // required
  std::optional<bool> spouse_migrates;  // required when married, else null
  std::string ethnic_group;             // WISField013, optional ("" = absent)
  std::string household_code;           // WISField000, optional ("" = absent)

  bool operator==(const MigrantRecord&) const = default;
};

// Every field of the interchange format, in the order of the README's table.
enum class Field {
  record_id,
  direction,
  reporting_province,
  name,
  sex,
  current_address,
  current_address_code,
  hukou_address,
  hukou_address_code,
  id_number,
  birth_date,
  education,
  hukou_type,
  migration_reason,
  move_date,
  marital_status,
  family_migrates,
  spouse_migrates,
  ethnic_group,
  household_code,
};
inline constexpr int kFieldCount = 20;

std::string_view field_key(Field f);  // "birth_date"
// "WISField012", or "" for fields the 2008 standard gives no code.
std::string_view wis_field(Field f);
// Accepts our key or the WISField code (case-sensitive as written).
std::optional<Field> field_from_name(std::string_view name);

// Only meaningful for a record that validated.
Direction direction_of(const MigrantRecord& r);
std::optional<ProvinceCode> reporting_province_of(const MigrantRecord& r);
// The province a record concerns besides its author (SPEC §2.1 routing):
// an inflow record goes to its hukou province, an outflow record to its
// current-residence province.
std::optional<ProvinceCode> concerned_province_of(const MigrantRecord& r);

}  // namespace provnet::domain
