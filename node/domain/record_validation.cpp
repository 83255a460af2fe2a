#include "domain/record_validation.hpp"
#include "domain/digits.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "domain/code_tables.hpp"
#include "domain/found_values.hpp"
#include "domain/gb18030.hpp"
#include "domain/id_number.hpp"
#include "domain/province.hpp"

namespace provnet::domain {

namespace {

constexpr std::size_t kMaxRecordIdLength = 64;
constexpr std::size_t kMaxNameBytes = 30;
constexpr std::size_t kMaxAddressBytes = 80;
constexpr std::size_t kAddressCodeLength = 12;
constexpr std::size_t kMaxHouseholdCodeLength = 20;
constexpr std::int64_t kMinDaysAway = 30;  // SPEC §2.1
constexpr int kAdultAge = 18;

bool is_record_id_char(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

// "11-15, 21-23, ...": the province codes as ranges, for expected texts.
const std::string& expected_province_codes() {
  static const std::string text = [] {
    std::string out = "the two-digit code of one of the 32 provinces (";
    const auto provinces = all_provinces();
    std::size_t i = 0;
    while (i < provinces.size()) {
      std::size_t j = i;
      while (j + 1 < provinces.size() && provinces[j + 1].code == provinces[j].code + 1) ++j;
      if (i > 0) out += ", ";
      out += province_code_text(provinces[i].code);
      if (j > i) {
        out += '-';
        out += province_code_text(provinces[j].code);
      }
      i = j + 1;
    }
    out += ')';
    return out;
  }();
  return text;
}

class Errors {
 public:
  explicit Errors(std::vector<ValidationError>& out) : out_(out) {}

  // "<field>: found <found>, <detail>; expected <expected>", or
  // "<field>: missing; expected <expected>".
  void add(Field field, std::string found, std::string expected, std::string_view detail = {}) {
    std::string message = problem_message(label(field), found, expected, detail);
    out_.push_back({field, std::move(found), std::move(expected), std::move(message)});
  }

  // For rules that read better as their own sentence.
  void add_sentence(Field field, std::string found, std::string expected,
                    std::string_view sentence) {
    out_.push_back({field, std::move(found), std::move(expected),
                    fmt::format("{}: {}", label(field), sentence)});
  }

 private:
  static std::string label(Field field) {
    if (wis_field(field).empty()) return std::string(field_key(field));
    return fmt::format("{} ({})", field_key(field), wis_field(field));
  }

  std::vector<ValidationError>& out_;
};

std::string code_and_meaning(const CodeEntry& entry) {
  return fmt::format("{} ({})", entry.code, entry.meaning);
}

// Returns the entry when `value` is in `table`. An absent optional field is
// not an error.
const CodeEntry* check_code(Errors& errors, Field field, std::string_view value,
                            const CodeTable& table, bool required = true) {
  if (value.empty()) {
    if (required) errors.add(field, std::string(kMissing), describe_codes(table));
    return nullptr;
  }
  const CodeEntry* entry = table.find(value);
  if (entry == nullptr) {
    errors.add(field, describe_value(value), describe_codes(table),
               fmt::format("which is not a {} {} code", table.standard(), table.name()));
  }
  return entry;
}

std::optional<ProvinceCode> check_reporting_province(Errors& errors, std::string_view value) {
  if (value.empty()) {
    errors.add(Field::reporting_province, std::string(kMissing), expected_province_codes());
    return std::nullopt;
  }
  const auto code = parse_province_code(value);
  if (code) return code;
  if (value == province_code_text(kNationalCode)) {
    errors.add(Field::reporting_province, "00", expected_province_codes(),
               "which is the national node's code, and the national node reports no records");
  } else {
    errors.add(Field::reporting_province, describe_value(value), expected_province_codes(),
               "which is not a province code");
  }
  return std::nullopt;
}

void check_record_id(Errors& errors, std::string_view id,
                     std::optional<ProvinceCode> reporting_province) {
  const std::string_view form =
      "1 to 64 characters of A-Z a-z 0-9 . _ : - starting with the reporting province's code and "
      "'-', e.g. 44-2026-000123";
  if (id.empty()) {
    errors.add(Field::record_id, std::string(kMissing), std::string(form));
    return;
  }
  if (id.size() > kMaxRecordIdLength) {
    errors.add(Field::record_id, fmt::format("{} characters", utf8_characters(id)),
               std::string(form), "which is too long");
  }
  const auto bad =
      std::find_if_not(id.begin(), id.end(), [](char c) { return is_record_id_char(c); });
  if (bad != id.end()) {
    errors.add(
        Field::record_id,
        fmt::format("a character outside A-Z a-z 0-9 . _ : - at position {}", bad - id.begin() + 1),
        std::string(form));
  }
  // Without a valid reporting province there is no prefix to compare with;
  // reporting_province has its own error then.
  if (!reporting_province) return;
  const std::string_view code = province_code_text(*reporting_province);
  if (id.size() > 3 && id.starts_with(code) && id[2] == '-') return;
  const bool showable = id.size() <= kMaxRecordIdLength && bad == id.end();
  errors.add(
      Field::record_id, showable ? std::string(id) : fmt::format("{} characters", id.size()),
      fmt::format("an id starting with {}- and at least one more character", code),
      fmt::format("which does not start with the reporting province's code {} followed by '-' "
                  "and a local id",
                  code));
}

std::optional<Direction> check_direction(Errors& errors, std::string_view value) {
  if (value == "inflow") return Direction::inflow;
  if (value == "outflow") return Direction::outflow;
  const auto lower_equals = [&](std::string_view word) {
    return value.size() == word.size() &&
           std::equal(value.begin(), value.end(), word.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
           });
  };
  // Letters are shown only for a miscased direction: any other word could be
  // a name in the wrong column.
  const std::string found = lower_equals("inflow") || lower_equals("outflow")
                                ? fmt::format("\"{}\"", value)
                                : describe_value(value);
  errors.add(Field::direction, found, "\"inflow\" or \"outflow\" (lowercase)",
             value.empty() ? "" : "which is not a direction");
  return std::nullopt;
}

// Name and addresses: found texts say how long or where the problem is, never
// what the text says.
void check_text(Errors& errors, Field field, std::string_view value, std::size_t max_bytes) {
  const auto limit = [&] {
    return fmt::format("at most {} bytes in GB 18030 ({} Chinese characters)", max_bytes,
                       max_bytes / 2);
  };
  if (value.empty()) {
    errors.add(field, std::string(kMissing), "text of " + limit());
    return;
  }
  const auto length = gb18030_length(value);
  if (!length) {
    errors.add(field, length.error().message, "valid UTF-8 text");
    return;
  }
  if (value.find_first_not_of(' ') == std::string_view::npos) {
    errors.add(field, "only spaces", "text of " + limit());
    return;
  }
  if (const auto at = control_character_offset(value)) {
    errors.add(field, fmt::format("a control character at byte offset {}", *at),
               "text without control characters (tabs, line breaks and the like)");
  }
  if (length.value() > max_bytes) {
    errors.add(field, fmt::format("{} bytes in GB 18030", length.value()), limit(),
               "which is too long for the standard's column");
  }
}

std::optional<ProvinceCode> check_address_code(Errors& errors, Field field,
                                               std::string_view value) {
  const std::string_view expected =
      "a 12-digit address code (GB/T 2260 + GB/T 10114: 2+2+2+3+3 digits) of one of the 32 "
      "provinces";
  if (value.empty()) {
    errors.add(field, std::string(kMissing), std::string(expected));
    return std::nullopt;
  }
  if (value.size() != kAddressCodeLength || !all_digits(value)) {
    errors.add(field, describe_value(value), std::string(expected), "which is not 12 digits");
    return std::nullopt;
  }
  const auto province = province_of_address(value);
  if (!province) {
    errors.add(field, std::string(value), std::string(expected),
               fmt::format("whose province part {} is not a province code", value.substr(0, 2)));
  }
  return province;
}

// A date that is well-formed, real and not after today; nullopt otherwise
// (with the error recorded).
std::optional<Date> check_date(Errors& errors, Field field, std::string_view value,
                               const Date& today) {
  const std::string_view expected = "a real date as YYYYMMDD";
  if (value.empty()) {
    errors.add(field, std::string(kMissing), std::string(expected));
    return std::nullopt;
  }
  if (value.size() != 8 || !all_digits(value)) {
    errors.add(field, describe_value(value), std::string(expected), "which is not 8 digits");
    return std::nullopt;
  }
  const auto date = Date::parse_yyyymmdd(value);
  if (!date) {
    errors.add(field, std::string(value), std::string(expected), "which is not a calendar date");
    return std::nullopt;
  }
  if (*date > today) {
    errors.add(field, std::string(value), fmt::format("a date on or before {}", today.yyyymmdd()),
               fmt::format("which is after the reporting date {}", today.yyyymmdd()));
    return std::nullopt;
  }
  return date;
}

std::string out_of_scope_reasons() {
  std::string out;
  for (const CodeEntry& entry : migration_reason_codes().entries()) {
    if (migration_reason_in_scope(entry.code) == false) {
      if (!out.empty()) out += ", ";
      out += fmt::format("{} {}", entry.code, entry.meaning);
    }
  }
  return out;
}

void check_move_date_scope(Errors& errors, std::string_view value, const Date& move,
                           const Date& today, std::optional<Direction> direction) {
  const std::int64_t days_away = today.to_days() - move.to_days();
  if (days_away >= kMinDaysAway) return;
  const Date latest = today.plus_days(-kMinDaysAway);
  std::string_view rule = "a migrant is counted only after 30 days or more";
  if (direction == Direction::inflow) {
    rule =
        "an inflow migrant is counted only after living 30 days or more at the current residence";
  } else if (direction == Direction::outflow) {
    rule = "an outflow migrant is counted only after 30 days or more away from the hukou county";
  }
  errors.add(
      Field::move_date, std::string(value),
      fmt::format("a date on or before {} (30 days before the reporting date)", latest.yyyymmdd()),
      fmt::format("only {} days before the reporting date {}: {} (SPEC §2.1)", days_away,
                  today.yyyymmdd(), rule));
}

void check_spouse_migrates(Errors& errors, const MigrantRecord& r, const CodeEntry* marital) {
  if (marital == nullptr) return;  // marital_status has its own error
  const std::string_view code = marital->code;
  const bool married = code == "20" || code == "21" || code == "22" || code == "23";
  const bool unmarried = code == "10" || code == "30" || code == "40";
  if (married && !r.spouse_migrates) {
    errors.add(Field::spouse_migrates, std::string(kMissing), "true or false",
               fmt::format("but marital_status {} requires it", code_and_meaning(*marital)));
  } else if (unmarried && r.spouse_migrates) {
    errors.add(Field::spouse_migrates, *r.spouse_migrates ? "true" : "false",
               "no value (null or absent)",
               fmt::format("but marital_status is {}, so there is no spouse to migrate",
                           code_and_meaning(*marital)));
  }
}

void check_direction_consistency(Errors& errors, Direction direction, ProvinceCode reporting,
                                 std::optional<ProvinceCode> current,
                                 std::optional<ProvinceCode> hukou) {
  const std::string_view dir = direction == Direction::inflow ? "an inflow" : "an outflow";
  const std::string_view reporting_text = province_code_text(reporting);
  // The reporting province is the current residence of an inflow and the
  // hukou province of an outflow; the other address is in another province.
  const Field own =
      direction == Direction::inflow ? Field::current_address_code : Field::hukou_address_code;
  const Field other =
      direction == Direction::inflow ? Field::hukou_address_code : Field::current_address_code;
  const std::optional<ProvinceCode> own_province = direction == Direction::inflow ? current : hukou;
  const std::optional<ProvinceCode> other_province =
      direction == Direction::inflow ? hukou : current;
  const auto what = [](Field f) {
    return f == Field::current_address_code ? "current-residence address code"
                                            : "hukou address code";
  };
  if (own_province && *own_province != reporting) {
    const std::string_view found = province_code_text(*own_province);
    errors.add_sentence(
        own, fmt::format("province {}", found), fmt::format("province {}", reporting_text),
        fmt::format("{} record's {} must be in the reporting province {}; found province {}", dir,
                    what(own), reporting_text, found));
  }
  if (other_province && *other_province == reporting) {
    errors.add_sentence(
        other, fmt::format("province {}", reporting_text),
        fmt::format("a province other than {}", reporting_text),
        fmt::format("{} record's {} must be in another province than the reporting province {}; "
                    "found province {}, so the record is not a cross-province migration",
                    dir, what(other), reporting_text, reporting_text));
  }
}

}  // namespace

std::vector<ValidationError> validate_record(const MigrantRecord& r, const ValidationContext& ctx) {
  std::vector<ValidationError> out;
  Errors errors(out);
  const Date& today = ctx.today;

  const auto reporting = check_reporting_province(errors, r.reporting_province);
  check_record_id(errors, r.record_id, reporting);
  const auto direction = check_direction(errors, r.direction);

  check_text(errors, Field::name, r.name, kMaxNameBytes);
  check_text(errors, Field::current_address, r.current_address, kMaxAddressBytes);
  check_text(errors, Field::hukou_address, r.hukou_address, kMaxAddressBytes);
  const auto current_province =
      check_address_code(errors, Field::current_address_code, r.current_address_code);
  const auto hukou_province =
      check_address_code(errors, Field::hukou_address_code, r.hukou_address_code);
  if (direction && reporting) {
    check_direction_consistency(errors, *direction, *reporting, current_province, hukou_province);
  }

  // The citizen ID is checked before birth date and sex, which must agree with it.
  std::optional<IdNumberCheck> id;
  if (r.id_number.empty()) {
    errors.add(Field::id_number, std::string(kMissing), "an 18-character citizen ID (GB 11643)");
  } else {
    id = check_id_number(r.id_number, today);
    for (IdNumberProblem& problem : id->problems) {
      errors.add_sentence(Field::id_number, std::move(problem.found), std::move(problem.expected),
                          problem.sentence);
    }
  }
  const bool id_ok = id && id->ok();

  const auto birth = check_date(errors, Field::birth_date, r.birth_date, today);
  if (birth && id_ok && id->birth_date && *birth != *id->birth_date) {
    errors.add(Field::birth_date, r.birth_date,
               "the birth date written in the citizen ID (characters 7-14)",
               "which differs from the birth date in the citizen ID (WISField011)");
  }

  if (id_ok) {
    const CodeEntry* id_sex = sex_codes().find(std::string_view(&id->sex, 1));
    const auto expected = [&] {
      return fmt::format("{}, as the citizen ID (WISField011) encodes", code_and_meaning(*id_sex));
    };
    const CodeEntry* sex = sex_codes().find(r.sex);
    if (r.sex.empty()) {
      errors.add(Field::sex, std::string(kMissing), expected());
    } else if (sex == nullptr) {
      errors.add(Field::sex, describe_value(r.sex), expected(), "which is not a GB/T 2261.1 code");
    } else if (sex != id_sex) {
      errors.add(
          Field::sex, code_and_meaning(*sex), code_and_meaning(*id_sex),
          fmt::format("but the citizen ID (WISField011) encodes {}", code_and_meaning(*id_sex)));
    }
  } else {
    check_code(errors, Field::sex, r.sex, sex_codes());
  }

  check_code(errors, Field::education, r.education, education_codes());
  check_code(errors, Field::hukou_type, r.hukou_type, hukou_type_codes());

  if (const CodeEntry* reason =
          check_code(errors, Field::migration_reason, r.migration_reason, migration_reason_codes());
      reason != nullptr && migration_reason_in_scope(reason->code) == false) {
    errors.add(Field::migration_reason, code_and_meaning(*reason),
               fmt::format("a reason the migrant statistics count: any code but {}",
                           out_of_scope_reasons()),
               fmt::format("which is out of scope: {} migrants are not counted (SPEC §2.1)",
                           reason->meaning));
  }

  if (const auto move = check_date(errors, Field::move_date, r.move_date, today)) {
    if (birth && *move < *birth) {
      errors.add(Field::move_date, r.move_date, "a date on or after the birth date",
                 "which is before the birth date (birth_date, WISField012)");
    } else {
      check_move_date_scope(errors, r.move_date, *move, today, direction);
    }
  }

  const CodeEntry* marital =
      check_code(errors, Field::marital_status, r.marital_status, marital_status_codes());

  if (!r.family_migrates) {
    errors.add(Field::family_migrates, std::string(kMissing), "true or false");
  } else if (birth && !*r.family_migrates) {
    const int age = age_on(*birth, today);
    if (age < kAdultAge) {
      errors.add(Field::family_migrates, "false",
                 "true: minors are in scope only when migrating with their family (SPEC §2.1)",
                 fmt::format("but the migrant is a minor, {} years old on the reporting date {}",
                             age, today.yyyymmdd()));
    }
  }
  check_spouse_migrates(errors, r, marital);

  check_code(errors, Field::ethnic_group, r.ethnic_group, ethnic_group_codes(),
             /*required=*/false);

  if (!r.household_code.empty() &&
      (r.household_code.size() > kMaxHouseholdCodeLength || !all_digits(r.household_code))) {
    const bool digits = all_digits(r.household_code);
    errors.add(Field::household_code,
               digits ? fmt::format("{} digits", r.household_code.size())
                      : describe_length(r.household_code) + " with non-digits",
               "1 to 20 digits, or no value");
  }

  // Errors in the order of the fields, whatever order the rules ran in.
  std::stable_sort(out.begin(), out.end(), [](const ValidationError& a, const ValidationError& b) {
    return a.field < b.field;
  });
  return out;
}

}  // namespace provnet::domain
