#include "domain/record_validation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

using test_support::dump;
using test_support::make_id;
using test_support::valid_inflow;
using test_support::valid_outflow;
using test_support::validate;

std::string label(Field field) {
  std::string out(field_key(field));
  if (!wis_field(field).empty()) out += " (" + std::string(wis_field(field)) + ")";
  return out;
}

std::string repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The single error of a record broken in one way: on `field`, its message
// naming the field by key and WIS code, with `needle` in the message.
ValidationError only_error(const MigrantRecord& r, Field field, std::string_view needle = {}) {
  const auto errors = validate(r);
  EXPECT_EQ(errors.size(), 1u) << dump(errors);
  if (errors.empty()) return ValidationError{field, "", "", ""};
  const ValidationError& e = errors[0];
  EXPECT_EQ(e.field, field) << e.message;
  EXPECT_TRUE(e.message.starts_with(label(field) + ": ")) << e.message;
  EXPECT_TRUE(contains(e.message, needle)) << "no '" << needle << "' in: " << e.message;
  EXPECT_FALSE(e.found.empty());
  EXPECT_FALSE(e.expected.empty());
  return e;
}

std::vector<Field> fields_of(const std::vector<ValidationError>& errors) {
  std::vector<Field> fields;
  for (const auto& e : errors) fields.push_back(e.field);
  return fields;
}

// --- valid records -------------------------------------------------------

TEST(RecordValidationTest, ValidInflowHasNoErrors) {
  EXPECT_EQ(validate(valid_inflow()).size(), 0u) << dump(validate(valid_inflow()));
}

TEST(RecordValidationTest, ValidOutflowHasNoErrors) {
  EXPECT_EQ(validate(valid_outflow()).size(), 0u) << dump(validate(valid_outflow()));
}

TEST(RecordValidationTest, KnownIdFromTheStandardValidates) {
  MigrantRecord r = valid_outflow();
  r.record_id = "11-1";
  r.reporting_province = "11";
  r.hukou_address_code = "110105001001";
  r.id_number = "11010519491231002X";
  r.birth_date = "19491231";
  r.sex = "2";
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
}

TEST(RecordValidationTest, OptionalFieldsMayBeAbsent) {
  MigrantRecord r = valid_inflow();
  r.ethnic_group.clear();
  r.household_code.clear();
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
}

TEST(RecordValidationTest, XpccIsAProvinceOfItsOwn) {
  // The Corps (66) reports an inflow from Sichuan to Shihezi.
  MigrantRecord r = valid_inflow();
  r.record_id = "66-2026-1";
  r.reporting_province = "66";
  r.current_address_code = "659001001001";
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  // From Xinjiang proper into the Corps is a cross-province migration here.
  r.hukou_address_code = "650102001001";
  r.id_number = make_id("650102", "19900515", "123");
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
}

// --- record_id -----------------------------------------------------------

TEST(RecordValidationTest, RecordIdMissing) {
  MigrantRecord r = valid_inflow();
  r.record_id.clear();
  const auto e = only_error(r, Field::record_id, "record_id: missing; expected");
  EXPECT_EQ(e.found, "missing");
}

TEST(RecordValidationTest, RecordIdLength) {
  MigrantRecord r = valid_inflow();
  r.record_id = "44-" + std::string(61, '7');
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  r.record_id += "7";
  const auto e = only_error(r, Field::record_id, "too long");
  EXPECT_EQ(e.found, "65 characters");
}

TEST(RecordValidationTest, RecordIdCharacters) {
  MigrantRecord r = valid_inflow();
  r.record_id = "44-2026.a_b:C-9";
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  r.record_id = "44-2026 000123";
  const auto e = only_error(r, Field::record_id);
  EXPECT_EQ(e.found, "a character outside A-Z a-z 0-9 . _ : - at position 8");
}

TEST(RecordValidationTest, RecordIdMustStartWithTheReportingProvince) {
  MigrantRecord r = valid_inflow();
  r.record_id = "45-2026-000123";
  const auto e =
      only_error(r, Field::record_id, "does not start with the reporting province's code 44");
  EXPECT_EQ(e.found, "45-2026-000123");
  r.record_id = "442026000123";
  only_error(r, Field::record_id, "code 44 followed by '-'");
  r.record_id = "44-";
  only_error(r, Field::record_id, "code 44 followed by '-'");
}

TEST(RecordValidationTest, RecordIdPrefixIsNotJudgedWithoutAReportingProvince) {
  MigrantRecord r = valid_inflow();
  r.reporting_province = "99";
  only_error(r, Field::reporting_province);
}

// --- direction and reporting province --------------------------------------

TEST(RecordValidationTest, DirectionMustBeInflowOrOutflow) {
  MigrantRecord r = valid_inflow();
  r.direction = "Inflow";
  const auto e = only_error(r, Field::direction, "not a direction");
  EXPECT_EQ(e.found, "\"Inflow\"");
  r.direction.clear();
  EXPECT_EQ(only_error(r, Field::direction).message,
            "direction: missing; expected \"inflow\" or \"outflow\" (lowercase)");
  r.direction = "in";
  only_error(r, Field::direction);
}

TEST(RecordValidationTest, FlippedDirectionShowsOnBothAddressCodes) {
  MigrantRecord r = valid_inflow();
  r.direction = "outflow";
  const auto errors = validate(r);
  EXPECT_EQ(fields_of(errors),
            (std::vector<Field>{Field::current_address_code, Field::hukou_address_code}))
      << dump(errors);
}

TEST(RecordValidationTest, ReportingProvince) {
  MigrantRecord r = valid_inflow();
  r.reporting_province = "00";
  only_error(r, Field::reporting_province, "national node");
  r.reporting_province = "99";
  const auto e = only_error(r, Field::reporting_province, "not a province code");
  EXPECT_TRUE(contains(e.expected, "11-15, 21-23, 31-37, 41-46, 50-54, 61-66")) << e.expected;
  r.reporting_province = "4";
  only_error(r, Field::reporting_province);
  r.reporting_province.clear();
  EXPECT_EQ(only_error(r, Field::reporting_province).found, "missing");
}

// --- name and addresses ----------------------------------------------------

TEST(RecordValidationTest, NameLengthIsCountedInGb18030Bytes) {
  MigrantRecord r = valid_inflow();
  r.name = repeat("张", 15);  // 30 bytes
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  r.name = repeat("张", 16);
  const auto e = only_error(r, Field::name, "name (WISField001): found 32 bytes in GB 18030");
  EXPECT_EQ(e.found, "32 bytes in GB 18030");
  EXPECT_EQ(e.expected, "at most 30 bytes in GB 18030 (15 Chinese characters)");
  r.name = std::string(30, 'a');
  EXPECT_TRUE(validate(r).empty());
  r.name = std::string(31, 'a');
  only_error(r, Field::name, "31 bytes");
  r.name = repeat("张", 13) + "\xF0\xA0\x80\x80";  // Extension B: 4 bytes
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  r.name = repeat("张", 14) + "\xF0\xA0\x80\x80";
  only_error(r, Field::name, "32 bytes");
}

TEST(RecordValidationTest, NameMissingOrBlank) {
  MigrantRecord r = valid_inflow();
  r.name.clear();
  EXPECT_EQ(only_error(r, Field::name).found, "missing");
  r.name = "   ";
  EXPECT_EQ(only_error(r, Field::name).found, "only spaces");
}

TEST(RecordValidationTest, NameMustBeValidUtf8) {
  MigrantRecord r = valid_inflow();
  r.name = "张\xE4\xB8";
  const auto e = only_error(r, Field::name);
  EXPECT_EQ(e.found, "invalid UTF-8 at byte offset 3");
  EXPECT_EQ(e.expected, "valid UTF-8 text");
}

TEST(RecordValidationTest, NameWithoutControlCharacters) {
  MigrantRecord r = valid_inflow();
  r.name = "张\t三";
  EXPECT_EQ(only_error(r, Field::name).found, "a control character at byte offset 3");
  r.name = "张\x7f三";
  only_error(r, Field::name, "control character");
  r.name = "张\xC2\x85三";  // U+0085, a C1 control
  only_error(r, Field::name, "control character");
  r.name = "买买提·艾力";  // the middle dot is fine
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
}

TEST(RecordValidationTest, AddressesAreAtMostEightyBytes) {
  for (const auto member : {&MigrantRecord::current_address, &MigrantRecord::hukou_address}) {
    const Field field =
        member == &MigrantRecord::current_address ? Field::current_address : Field::hukou_address;
    MigrantRecord r = valid_inflow();
    r.*member = repeat("街", 40);
    EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
    r.*member = repeat("街", 41);
    EXPECT_EQ(only_error(r, field, "82 bytes").expected,
              "at most 80 bytes in GB 18030 (40 Chinese characters)");
    r.*member = "";
    EXPECT_EQ(only_error(r, field).found, "missing");
    r.*member = "村\n组";
    only_error(r, field, "control character");
    r.*member = "\xFF村";
    only_error(r, field, "invalid UTF-8 at byte offset 0");
  }
}

// --- address codes and direction consistency -------------------------------

TEST(RecordValidationTest, AddressCodesAreTwelveDigitsOfAProvince) {
  for (const Field field : {Field::current_address_code, Field::hukou_address_code}) {
    const auto member = field == Field::current_address_code ? &MigrantRecord::current_address_code
                                                             : &MigrantRecord::hukou_address_code;
    MigrantRecord r = valid_inflow();
    const std::string original = r.*member;
    r.*member = "";
    EXPECT_EQ(only_error(r, field).found, "missing");
    r.*member = original.substr(0, 11);
    only_error(r, field, "which is not 12 digits");
    r.*member = original + "0";
    only_error(r, field, "which is not 12 digits");
    r.*member = original.substr(0, 11) + "A";
    EXPECT_EQ(only_error(r, field).found, "a value of 12 characters");
    r.*member = "990305007001";
    only_error(r, field, "whose province part 99 is not a province code");
  }
}

TEST(RecordValidationTest, InflowCurrentResidenceMustBeInTheReportingProvince) {
  MigrantRecord r = valid_inflow();
  r.current_address_code = "450305007001";
  const auto e = only_error(r, Field::current_address_code);
  EXPECT_EQ(e.message,
            "current_address_code (WISField004): an inflow record's current-residence address "
            "code must be in the reporting province 44; found province 45");
  EXPECT_EQ(e.found, "province 45");
  EXPECT_EQ(e.expected, "province 44");
}

TEST(RecordValidationTest, InflowHukouMustBeInAnotherProvince) {
  MigrantRecord r = valid_inflow();
  r.hukou_address_code = "440106001001";
  r.id_number = make_id("440106", "19900515", "123");
  const auto e = only_error(r, Field::hukou_address_code,
                            "an inflow record's hukou address code must be in another province "
                            "than the reporting province 44; found province 44");
  EXPECT_EQ(e.found, "province 44");
}

TEST(RecordValidationTest, OutflowHukouMustBeInTheReportingProvince) {
  MigrantRecord r = valid_outflow();
  r.hukou_address_code = "430102001001";
  only_error(r, Field::hukou_address_code,
             "an outflow record's hukou address code must be in the reporting province 51; found "
             "province 43");
}

TEST(RecordValidationTest, OutflowCurrentResidenceMustBeInAnotherProvince) {
  MigrantRecord r = valid_outflow();
  r.current_address_code = "510107001001";
  only_error(r, Field::current_address_code,
             "an outflow record's current-residence address code must be in another province "
             "than the reporting province 51; found province 51");
}

TEST(RecordValidationTest, XinjiangCannotReportAnInflowIntoTheCorps) {
  MigrantRecord r = valid_inflow();
  r.record_id = "65-1";
  r.reporting_province = "65";
  r.current_address_code = "659001001001";
  const auto e = only_error(r, Field::current_address_code, "reporting province 65");
  EXPECT_EQ(e.found, "province 66");
}

// --- citizen ID, birth date, sex -------------------------------------------

TEST(RecordValidationTest, IdNumberMissing) {
  MigrantRecord r = valid_inflow();
  r.id_number.clear();
  EXPECT_EQ(only_error(r, Field::id_number, "id_number (WISField011): missing").found, "missing");
}

TEST(RecordValidationTest, IdNumberWithWrongCheckCharacter) {
  MigrantRecord r = valid_inflow();
  r.id_number.back() = '5';  // the right one is X
  const auto e = only_error(r, Field::id_number, "check character 5 does not match");
  EXPECT_EQ(e.found, "check character 5");
}

TEST(RecordValidationTest, IdNumberProblemsEachReported) {
  MigrantRecord r = valid_inflow();
  r.id_number = "51010719900515123x";
  only_error(r, Field::id_number, "uppercase X");
  r.id_number = "5101071990051512";
  only_error(r, Field::id_number, "has 16 characters");
  r.id_number = "990305198002300111";  // province, calendar date and check character
  const auto errors = validate(r);
  EXPECT_EQ(fields_of(errors),
            (std::vector<Field>{Field::id_number, Field::id_number, Field::id_number}))
      << dump(errors);
}

TEST(RecordValidationTest, IdNumberBirthDateInTheFuture) {
  MigrantRecord r = valid_inflow();
  r.id_number = make_id("510107", "20260302", "123");
  only_error(r, Field::id_number, "after the reporting date");
}

TEST(RecordValidationTest, BirthDateMustMatchTheId) {
  MigrantRecord r = valid_inflow();
  r.birth_date = "19900516";
  const auto e = only_error(r, Field::birth_date, "differs from the birth date in the citizen ID");
  EXPECT_EQ(e.found, "19900516");
}

TEST(RecordValidationTest, SexMustMatchTheId) {
  MigrantRecord r = valid_inflow();  // the ID's 17th digit is odd: male
  r.sex = "2";
  const auto e = only_error(r, Field::sex, "but the citizen ID (WISField011) encodes 1 (male)");
  EXPECT_EQ(e.found, "2 (female)");
  EXPECT_TRUE(e.expected.starts_with("1 (male)")) << e.expected;
  for (const char* unknown : {"0", "9"}) {
    r.sex = unknown;
    EXPECT_TRUE(only_error(r, Field::sex).expected.starts_with("1 (male)"));
  }
  r.sex = "3";
  only_error(r, Field::sex, "not a GB/T 2261.1 code; expected 1 (male)");
  r.sex.clear();
  EXPECT_EQ(only_error(r, Field::sex).found, "missing");
}

TEST(RecordValidationTest, SexWithoutAUsableIdFollowsTheCodeTable) {
  MigrantRecord r = valid_inflow();
  r.id_number.back() = '5';
  r.sex = "9";  // cannot be compared with a broken ID
  EXPECT_EQ(fields_of(validate(r)), (std::vector<Field>{Field::id_number}));
  r.sex = "3";
  const auto errors = validate(r);
  ASSERT_EQ(fields_of(errors), (std::vector<Field>{Field::sex, Field::id_number})) << dump(errors);
  EXPECT_EQ(errors[0].message,
            "sex (WISField002): found 3, which is not a GB/T 2261.1 sex code; expected one of 0 "
            "unknown, 1 male, 2 female, 9 unspecified");
}

TEST(RecordValidationTest, BirthDateIsARealDate) {
  MigrantRecord r = valid_inflow();
  r.birth_date = "20230231";
  EXPECT_EQ(only_error(r, Field::birth_date).message,
            "birth_date (WISField012): found 20230231, which is not a calendar date; expected a "
            "real date as YYYYMMDD");
  r.birth_date = "1990-05-15";
  EXPECT_EQ(only_error(r, Field::birth_date, "not 8 digits").found, "\"1990-05-15\"");
  r.birth_date.clear();
  EXPECT_EQ(only_error(r, Field::birth_date).found, "missing");
  r.birth_date = "20270101";
  only_error(r, Field::birth_date, "after the reporting date 20260301");
}

TEST(RecordValidationTest, LeapDayBirths) {
  MigrantRecord r = valid_inflow();
  r.id_number = make_id("510107", "20240229", "123");
  r.birth_date = "20240229";
  r.marital_status = "10";
  r.spouse_migrates.reset();
  r.family_migrates = true;  // a child
  r.education = "90";
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  r.birth_date = "20230229";
  only_error(r, Field::birth_date, "not a calendar date");
}

// --- move date and the 30-day scope ----------------------------------------

TEST(RecordValidationTest, MoveDateFormat) {
  MigrantRecord r = valid_inflow();
  r.move_date.clear();
  EXPECT_EQ(only_error(r, Field::move_date).found, "missing");
  r.move_date = "20250230";
  only_error(r, Field::move_date, "not a calendar date");
  r.move_date = "2025/01/01";
  only_error(r, Field::move_date, "not 8 digits");
  r.move_date = "20260302";  // the future: one error, not also the 30-day rule
  only_error(r, Field::move_date, "after the reporting date 20260301");
}

TEST(RecordValidationTest, MoveDateNotBeforeBirth) {
  MigrantRecord r = valid_inflow();
  r.move_date = "19900514";
  only_error(r, Field::move_date, "before the birth date");
  r.move_date = "19900515";
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
}

TEST(RecordValidationTest, MigrantsCountAfterThirtyDays) {
  MigrantRecord r = valid_inflow();
  r.move_date = "20260130";  // exactly 30 days before 2026-03-01
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  r.move_date = "20260131";
  const auto e = only_error(r, Field::move_date, "only 29 days before the reporting date 20260301");
  EXPECT_TRUE(contains(e.message, "30 days or more at the current residence")) << e.message;
  EXPECT_TRUE(e.expected.starts_with("a date on or before 20260130")) << e.expected;
  r.move_date = "20260301";
  only_error(r, Field::move_date, "only 0 days");

  MigrantRecord out = valid_outflow();
  out.move_date = "20260220";
  only_error(out, Field::move_date, "30 days or more away from the hukou county");
}

TEST(RecordValidationTest, MarriageMigrantsAreOutOfScope) {
  MigrantRecord r = valid_inflow();
  r.migration_reason = "6";
  const auto e = only_error(r, Field::migration_reason, "out of scope");
  EXPECT_EQ(e.found, "6 (marriage)");
  EXPECT_TRUE(contains(e.expected, "any code but 6 marriage")) << e.expected;
  for (const char* in_scope : {"0", "1", "2", "3", "4", "5", "7", "8", "9"}) {
    r.migration_reason = in_scope;
    EXPECT_TRUE(validate(r).empty()) << in_scope << dump(validate(r));
  }
  r.migration_reason = "10";
  only_error(r, Field::migration_reason, "not a provnet migration reason code");
  r.migration_reason.clear();
  EXPECT_EQ(only_error(r, Field::migration_reason).found, "missing");
}

TEST(RecordValidationTest, MinorsCountOnlyWithTheirFamily) {
  MigrantRecord r = valid_inflow();
  r.id_number = make_id("510107", "20100610", "123");
  r.birth_date = "20100610";
  r.marital_status = "10";
  r.spouse_migrates.reset();
  r.family_migrates = false;
  const auto e = only_error(r, Field::family_migrates, "a minor, 15 years old");
  EXPECT_EQ(e.found, "false");
  r.family_migrates = true;
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
}

TEST(RecordValidationTest, AdulthoodStartsOnTheEighteenthBirthday) {
  MigrantRecord r = valid_inflow();
  r.marital_status = "10";
  r.spouse_migrates.reset();
  r.family_migrates = false;
  r.id_number = make_id("510107", "20080301", "123");
  r.birth_date = "20080301";
  EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  r.id_number = make_id("510107", "20080302", "123");
  r.birth_date = "20080302";
  only_error(r, Field::family_migrates, "17 years old");
}

// --- code tables -------------------------------------------------------------

TEST(RecordValidationTest, Education) {
  MigrantRecord r = valid_inflow();
  for (const char* valid : {"10", "11", "28", "33", "49", "63", "73", "83", "90"}) {
    r.education = valid;
    EXPECT_TRUE(validate(r).empty()) << valid << dump(validate(r));
  }
  for (const char* invalid : {"24", "72", "5", "abc"}) {
    r.education = invalid;
    const auto e = only_error(r, Field::education, "education (WISField014): found ");
    EXPECT_TRUE(e.expected.starts_with("one of the GB/T 4658 codes 10-23, 28")) << e.expected;
  }
  r.education.clear();
  EXPECT_EQ(only_error(r, Field::education).found, "missing");
}

TEST(RecordValidationTest, HukouType) {
  MigrantRecord r = valid_inflow();
  r.hukou_type = "3";
  EXPECT_EQ(only_error(r, Field::hukou_type, "hukou_type (WISField015): found 3").expected,
            "one of 1 non-agricultural, 2 agricultural, 9 other");
  r.hukou_type.clear();
  only_error(r, Field::hukou_type, "missing");
}

TEST(RecordValidationTest, MaritalStatus) {
  MigrantRecord r = valid_inflow();
  r.marital_status = "24";
  only_error(r, Field::marital_status, "marital_status (WISField016): found 24");
  r.marital_status.clear();
  only_error(r, Field::marital_status, "missing");
}

TEST(RecordValidationTest, EthnicGroupIsOptionalButMustBeKnown) {
  MigrantRecord r = valid_inflow();
  for (const char* valid : {"01", "56", "97", "98", ""}) {
    r.ethnic_group = valid;
    EXPECT_TRUE(validate(r).empty()) << valid << dump(validate(r));
  }
  r.ethnic_group = "57";
  EXPECT_EQ(only_error(r, Field::ethnic_group, "ethnic_group (WISField013): found 57").expected,
            "one of the GB/T 3304 codes 01-56, 97, 98");
  r.ethnic_group = "1";
  only_error(r, Field::ethnic_group);
}

TEST(RecordValidationTest, HouseholdCodeIsOptionalUpToTwentyDigits) {
  MigrantRecord r = valid_inflow();
  r.household_code = std::string(20, '9');
  EXPECT_TRUE(validate(r).empty());
  r.household_code = "1";
  EXPECT_TRUE(validate(r).empty());
  r.household_code = std::string(21, '9');
  EXPECT_EQ(only_error(r, Field::household_code, "household_code (WISField000)").found,
            "21 digits");
  r.household_code = "12a";
  only_error(r, Field::household_code, "non-digits");
}

// --- household items -----------------------------------------------------------

TEST(RecordValidationTest, FamilyMigratesIsRequired) {
  MigrantRecord r = valid_inflow();
  r.family_migrates.reset();
  EXPECT_EQ(only_error(r, Field::family_migrates).message,
            "family_migrates: missing; expected true or false");
}

TEST(RecordValidationTest, SpouseMigratesRequiredWhenMarried) {
  for (const char* married : {"20", "21", "22", "23"}) {
    MigrantRecord r = valid_inflow();
    r.marital_status = married;
    r.spouse_migrates = false;
    EXPECT_TRUE(validate(r).empty()) << married << dump(validate(r));
    r.spouse_migrates.reset();
    const auto e = only_error(r, Field::spouse_migrates, "requires it");
    EXPECT_EQ(e.found, "missing");
  }
}

TEST(RecordValidationTest, SpouseMigratesAbsentWhenNotMarried) {
  for (const char* single : {"10", "30", "40"}) {
    MigrantRecord r = valid_inflow();
    r.marital_status = single;
    r.spouse_migrates.reset();
    EXPECT_TRUE(validate(r).empty()) << single << dump(validate(r));
    r.spouse_migrates = false;
    const auto e = only_error(r, Field::spouse_migrates, "no spouse to migrate");
    EXPECT_EQ(e.found, "false");
  }
}

TEST(RecordValidationTest, SpouseMigratesEitherWayWhenUnspecified) {
  MigrantRecord r = valid_inflow();
  r.marital_status = "90";
  for (std::optional<bool> spouse :
       {std::optional<bool>{}, std::optional<bool>{true}, std::optional<bool>{false}}) {
    r.spouse_migrates = spouse;
    EXPECT_TRUE(validate(r).empty()) << dump(validate(r));
  }
  r.marital_status = "24";  // unknown status: only that error, nothing about the spouse
  only_error(r, Field::marital_status);
}

// --- several errors, message form, privacy ----------------------------------

TEST(RecordValidationTest, ReportsEveryErrorInFieldOrder) {
  MigrantRecord r = valid_inflow();
  r.reporting_province = "45";  // record_id prefix and current residence now wrong
  r.name = repeat("张", 16);
  r.sex = "3";
  r.education = "99";
  r.move_date = "20260302";
  r.family_migrates.reset();
  r.ethnic_group = "57";
  r.household_code = "x";
  const auto errors = validate(r);
  EXPECT_EQ(fields_of(errors), (std::vector<Field>{Field::record_id, Field::name, Field::sex,
                                                   Field::current_address_code, Field::education,
                                                   Field::move_date, Field::family_migrates,
                                                   Field::ethnic_group, Field::household_code}))
      << dump(errors);
}

TEST(RecordValidationTest, EveryMessageNamesItsFieldAndSaysWhatWasExpected) {
  MigrantRecord r;  // everything missing
  const auto errors = validate(r);
  EXPECT_GE(errors.size(), 15u) << dump(errors);
  for (const auto& e : errors) {
    EXPECT_TRUE(e.message.starts_with(label(e.field) + ": ")) << e.message;
    EXPECT_TRUE(contains(e.message, "; expected " + e.expected)) << e.message;
    EXPECT_EQ(e.key(), field_key(e.field));
    EXPECT_EQ(e.wis(), wis_field(e.field));
  }
}

TEST(RecordValidationTest, MessagesNeverContainNameAddressOrIdNumber) {
  const std::string name = "欧阳娜娜";
  const std::string address = "四川省成都市武侯区浆洗街街道";
  const std::string pinyin = "OuyangNana";
  MigrantRecord r = valid_inflow();
  const std::string id = r.id_number;
  std::vector<MigrantRecord> records;
  {
    MigrantRecord broken = r;  // every text too long or malformed
    broken.name = repeat(name, 4);
    broken.current_address = repeat(address, 3);
    broken.hukou_address = address + "\t";
    broken.id_number = id.substr(0, 17) + "5";
    records.push_back(broken);
  }
  {
    MigrantRecord shifted = r;  // columns shifted: personal data in code fields
    shifted.direction = pinyin;
    shifted.sex = name;
    shifted.education = id;
    shifted.hukou_type = pinyin;
    shifted.current_address_code = id;
    shifted.hukou_address_code = address;
    shifted.ethnic_group = name;
    shifted.marital_status = id.substr(0, 17);
    shifted.migration_reason = address;
    shifted.household_code = pinyin;
    shifted.birth_date = name;
    shifted.move_date = id;
    shifted.record_id = "44-" + pinyin + "\xE5";
    records.push_back(shifted);
  }
  {
    MigrantRecord mismatch = r;  // ID valid, record disagrees with it
    mismatch.birth_date = "19900516";
    mismatch.sex = "2";
    mismatch.name = name + "\xFF";
    records.push_back(mismatch);
  }
  for (const MigrantRecord& record : records) {
    const auto errors = validate(record);
    EXPECT_FALSE(errors.empty());
    for (const auto& e : errors) {
      for (const std::string* text : {&e.message, &e.found, &e.expected}) {
        EXPECT_FALSE(contains(*text, name)) << *text;
        EXPECT_FALSE(contains(*text, address)) << *text;
        EXPECT_FALSE(contains(*text, "成都")) << *text;
        EXPECT_FALSE(contains(*text, pinyin)) << *text;
        EXPECT_FALSE(contains(*text, id.substr(0, 17))) << *text;
        EXPECT_FALSE(contains(*text, id.substr(0, 6) + id.substr(6, 8))) << *text;
      }
    }
  }
}

}  // namespace
}  // namespace provnet::domain
