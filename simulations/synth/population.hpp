// Synthetic migrant records that look like the real thing: provinces paired
// by the 2020 census flows, valid GB 11643 IDs, standard codes, Chinese names
// and addresses (so GB 18030 lengths matter), and - at a chosen rate -
// records broken in one known way each, to exercise validation.
//
// Everything is drawn from one seed: the same options give the same records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/date.hpp"
#include "domain/migrant_record.hpp"
#include "synth/rng.hpp"

namespace provnet::synth {

// The ways a generated record can be broken. Each makes validation report
// an error on the named field.
enum class Fault {
  none,
  id_check_character,        // id_number: wrong check character
  id_birth_mismatch,         // birth_date: disagrees with the ID
  id_sex_mismatch,           // sex: disagrees with the ID
  unknown_sex_code,          // sex: "3"
  unknown_education,         // education: "50"
  name_too_long,             // name: over 30 GB 18030 bytes
  unknown_address_province,  // current/hukou address code: province 99
  impossible_date,           // move_date: 20230231
  move_in_future,            // move_date: after today
  within_30_days,            // move_date: less than 30 days ago
  marriage_migration,        // migration_reason: 6 (out of scope)
  spouse_missing,            // spouse_migrates: null for a married person
  direction_mismatch,        // an inflow record whose hukou is in the reporting province
  bad_record_id,             // record_id: not prefixed with the reporting province
};
inline constexpr int kFaultCount = 15;
std::string_view fault_name(Fault f);
// The field validation must name for this fault in this (broken) record.
domain::Field fault_field(Fault f, const domain::MigrantRecord& broken);

struct PopulationOptions {
  std::uint64_t seed = 1;
  domain::Date today;                             // the reporting date
  double error_rate = 0.0;                        // share of records broken (one fault each)
  std::optional<domain::ProvinceCode> reporting;  // only records this province reports
  int year_tag = 0;                               // in record ids; defaults to today's year
};

struct GeneratedRecord {
  domain::MigrantRecord record;
  Fault fault = Fault::none;
};

class PopulationGenerator {
 public:
  explicit PopulationGenerator(PopulationOptions options);
  GeneratedRecord next();
  std::uint64_t generated() const { return serial_; }

 private:
  domain::MigrantRecord valid_record();
  void apply_fault(domain::MigrantRecord& r, Fault f);

  PopulationOptions options_;
  Rng rng_;
  std::uint64_t serial_ = 0;
};

}  // namespace provnet::synth
