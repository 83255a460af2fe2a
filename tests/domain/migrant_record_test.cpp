#include "domain/migrant_record.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

TEST(MigrantRecordTest, FieldKeysAreTheEnumNames) {
  EXPECT_EQ(field_key(Field::record_id), "record_id");
  EXPECT_EQ(field_key(Field::current_address_code), "current_address_code");
  EXPECT_EQ(field_key(Field::birth_date), "birth_date");
  EXPECT_EQ(field_key(Field::family_migrates), "family_migrates");
  EXPECT_EQ(field_key(Field::household_code), "household_code");
}

TEST(MigrantRecordTest, WisCodesOfTheStandard) {
  const std::pair<Field, std::string_view> expected[] = {
      {Field::household_code, "WISField000"},
      {Field::name, "WISField001"},
      {Field::sex, "WISField002"},
      {Field::current_address, "WISField003"},
      {Field::current_address_code, "WISField004"},
      {Field::hukou_address, "WISField005"},
      {Field::hukou_address_code, "WISField006"},
      {Field::id_number, "WISField011"},
      {Field::birth_date, "WISField012"},
      {Field::ethnic_group, "WISField013"},
      {Field::education, "WISField014"},
      {Field::hukou_type, "WISField015"},
      {Field::marital_status, "WISField016"},
      {Field::record_id, ""},
      {Field::direction, ""},
      {Field::reporting_province, ""},
      {Field::migration_reason, ""},
      {Field::move_date, ""},
      {Field::family_migrates, ""},
      {Field::spouse_migrates, ""},
  };
  EXPECT_EQ(std::size(expected), static_cast<std::size_t>(kFieldCount));
  for (const auto& [field, wis] : expected) EXPECT_EQ(wis_field(field), wis) << field_key(field);
}

TEST(MigrantRecordTest, FieldFromKeyOrWisCode) {
  std::set<std::string_view> keys;
  for (int i = 0; i < kFieldCount; ++i) {
    const auto field = static_cast<Field>(i);
    keys.insert(field_key(field));
    EXPECT_EQ(field_from_name(field_key(field)), field);
    if (!wis_field(field).empty()) {
      EXPECT_EQ(field_from_name(wis_field(field)), field);
    }
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kFieldCount));
  EXPECT_EQ(field_from_name("WISField012"), Field::birth_date);
  EXPECT_FALSE(field_from_name(""));
  EXPECT_FALSE(field_from_name("wisfield012"));
  EXPECT_FALSE(field_from_name("Birth_Date"));
  EXPECT_FALSE(field_from_name("WISField021"));  // in the standard, not in our records
  EXPECT_FALSE(field_from_name("nonsense"));
}

TEST(MigrantRecordTest, DirectionAndProvinces) {
  const MigrantRecord inflow = test_support::valid_inflow();
  EXPECT_EQ(direction_of(inflow), Direction::inflow);
  EXPECT_EQ(reporting_province_of(inflow), 44);
  EXPECT_EQ(concerned_province_of(inflow), 51);  // goes to the hukou province

  const MigrantRecord outflow = test_support::valid_outflow();
  EXPECT_EQ(direction_of(outflow), Direction::outflow);
  EXPECT_EQ(reporting_province_of(outflow), 51);
  EXPECT_EQ(concerned_province_of(outflow), 44);  // goes to the residence province
}

TEST(MigrantRecordTest, XpccAddressesConcernTheCorps) {
  MigrantRecord r = test_support::valid_outflow();
  r.current_address_code = "659001001001";
  EXPECT_EQ(concerned_province_of(r), 66);
  r.current_address_code = "650102001001";
  EXPECT_EQ(concerned_province_of(r), 65);
}

TEST(MigrantRecordTest, UnknownDirectionConcernsNobody) {
  MigrantRecord r = test_support::valid_inflow();
  r.direction = "sideways";
  EXPECT_FALSE(concerned_province_of(r));
  r.reporting_province = "00";
  EXPECT_FALSE(reporting_province_of(r));
}

}  // namespace
}  // namespace provnet::domain
