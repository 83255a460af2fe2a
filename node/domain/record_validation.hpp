// Validation of a migrant record against SPEC §2.1 and §4. It returns every
// error of a record, not just the first, each naming the field (our key and
// the standard's WISField code), what was found and what was expected.
//
// Privacy: messages never repeat a name, an address or an ID number (they may
// end up in logs and in rejections sent to other provinces); they describe
// the problem ("the check character 5 does not match the first 17 digits").
#pragma once

#include <string>
#include <vector>

#include "domain/date.hpp"
#include "domain/migrant_record.hpp"

namespace provnet::domain {

struct ValidationError {
  Field field;
  std::string found;     // what was found, safe to show (never PII)
  std::string expected;  // what was expected, in words
  std::string message;   // one sentence: field, found, expected

  std::string_view key() const { return field_key(field); }
  std::string_view wis() const { return wis_field(field); }
};

struct ValidationContext {
  Date today;  // the reporting date; dates after it are "in the future"
};

std::vector<ValidationError> validate_record(const MigrantRecord& record,
                                             const ValidationContext& ctx);

}  // namespace provnet::domain
