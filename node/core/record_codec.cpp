#include "core/record_codec.hpp"

#include <string>

namespace provnet::core {

namespace {
std::string text(capnp::Text::Reader t) {
  return std::string(t.cStr(), t.size());
}
}  // namespace

void record_to_wire(const domain::MigrantRecord& r, wire::MigrantRecord::Builder out) {
  out.setRecordId(r.record_id);
  out.setDirection(r.direction == "outflow" ? wire::Direction::OUTFLOW : wire::Direction::INFLOW);
  out.setReportingProvince(domain::parse_province_code(r.reporting_province).value_or(0));
  out.setName(r.name);
  out.setSex(r.sex);
  out.setCurrentAddress(r.current_address);
  out.setCurrentAddressCode(r.current_address_code);
  out.setHukouAddress(r.hukou_address);
  out.setHukouAddressCode(r.hukou_address_code);
  out.setIdNumber(r.id_number);
  out.setBirthDate(r.birth_date);
  out.setEducation(r.education);
  out.setHukouType(r.hukou_type);
  out.setMigrationReason(r.migration_reason);
  out.setMoveDate(r.move_date);
  out.setMaritalStatus(r.marital_status);
  out.setFamilyMigrates(r.family_migrates.value_or(false));
  out.setSpouseMigrates(!r.spouse_migrates   ? wire::SpouseMigrates::NOT_APPLICABLE
                        : *r.spouse_migrates ? wire::SpouseMigrates::YES
                                             : wire::SpouseMigrates::NO);
  out.setEthnicGroup(r.ethnic_group);
  out.setHouseholdCode(r.household_code);
}

domain::MigrantRecord record_from_wire(wire::MigrantRecord::Reader in) {
  domain::MigrantRecord r;
  r.record_id = text(in.getRecordId());
  r.direction = in.getDirection() == wire::Direction::OUTFLOW ? "outflow" : "inflow";
  r.reporting_province = std::string(domain::province_code_text(in.getReportingProvince()));
  r.name = text(in.getName());
  r.sex = text(in.getSex());
  r.current_address = text(in.getCurrentAddress());
  r.current_address_code = text(in.getCurrentAddressCode());
  r.hukou_address = text(in.getHukouAddress());
  r.hukou_address_code = text(in.getHukouAddressCode());
  r.id_number = text(in.getIdNumber());
  r.birth_date = text(in.getBirthDate());
  r.education = text(in.getEducation());
  r.hukou_type = text(in.getHukouType());
  r.migration_reason = text(in.getMigrationReason());
  r.move_date = text(in.getMoveDate());
  r.marital_status = text(in.getMaritalStatus());
  r.family_migrates = in.getFamilyMigrates();
  switch (in.getSpouseMigrates()) {
    case wire::SpouseMigrates::NOT_APPLICABLE:
      r.spouse_migrates.reset();
      break;
    case wire::SpouseMigrates::YES:
      r.spouse_migrates = true;
      break;
    case wire::SpouseMigrates::NO:
      r.spouse_migrates = false;
      break;
  }
  r.ethnic_group = text(in.getEthnicGroup());
  r.household_code = text(in.getHouseholdCode());
  return r;
}

std::string change_kind_name(wire::ChangeKind change, std::string_view unknown) {
  switch (change) {
    case wire::ChangeKind::CREATED:
      return "created";
    case wire::ChangeKind::UPDATED:
      return "updated";
    case wire::ChangeKind::RETURNED:
      return "returned";
    case wire::ChangeKind::LEFT:
      return "left";
    case wire::ChangeKind::CORRECTED:
      return "corrected";
  }
  return std::string(unknown);
}

}  // namespace provnet::core
