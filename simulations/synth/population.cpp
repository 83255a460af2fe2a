#include "synth/population.hpp"

#include <fmt/format.h>

#include <array>

#include "domain/id_number.hpp"
#include "domain/province.hpp"
#include "synth/migration_flows.hpp"

namespace provnet::synth {

namespace {

constexpr std::array<std::string_view, 40> kSurnames{
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",  "马", "朱",
    "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许",  "韩", "冯",
    "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "欧阳"};
constexpr std::array<std::string_view, 40> kGivenChars{
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
    "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "桂", "兰", "华", "建", "国", "红",
    "文", "玲", "鹏", "辉", "婷", "琳", "宇", "浩", "凯", "雪", "梅", "鑫"};
constexpr std::array<std::string_view, 12> kPlaceChars{"东", "西", "南", "北", "新", "河",
                                                       "山", "阳", "安", "城", "湖", "江"};
// Weighted like a working-age migrant population: junior/senior high most.
constexpr std::array<std::string_view, 10> kEducation{"71", "71", "70", "61", "60",
                                                      "81", "31", "21", "41", "14"};
constexpr std::array<std::string_view, 12> kReasons{"1", "1", "1", "1", "1", "3",
                                                    "3", "4", "2", "7", "8", "0"};

std::string pick(Rng& rng, std::span<const std::string_view> from) {
  return std::string(from[rng.below(from.size())]);
}

// A 12-digit address code inside a province: 2+2+2+3+3 digits.
std::string address_code(Rng& rng, domain::ProvinceCode p) {
  const domain::Province* prov = domain::find_province(p);
  std::string code(prov->address_prefix);
  while (code.size() < 4) code += fmt::format("{:02}", rng.between(1, 15));
  code += fmt::format("{:02}", rng.between(1, 20));
  code += fmt::format("{:03}", rng.between(1, 30));
  code += fmt::format("{:03}", rng.between(1, 250));
  return code;
}

std::string address_text(Rng& rng, domain::ProvinceCode p) {
  const domain::Province* prov = domain::find_province(p);
  return fmt::format("{}{}{}市{}{}区{}街道{}号", prov->name_zh, pick(rng, kPlaceChars),
                     pick(rng, kPlaceChars), pick(rng, kPlaceChars), pick(rng, kPlaceChars),
                     pick(rng, kPlaceChars), rng.between(1, 399));
}

std::string id_number_for(Rng& rng, const std::string& hukou_address_code,
                          const domain::Date& birth, bool male) {
  std::string first17 = hukou_address_code.substr(0, 6) + birth.yyyymmdd();
  int seq = static_cast<int>(rng.between(0, 499)) * 2 + (male ? 1 : 0);
  if (seq == 0) seq = 2;
  first17 += fmt::format("{:03}", seq);
  return first17 + *domain::id_check_character(first17);
}

}  // namespace

std::string_view fault_name(Fault f) {
  switch (f) {
    case Fault::none:
      return "none";
    case Fault::id_check_character:
      return "id_check_character";
    case Fault::id_birth_mismatch:
      return "id_birth_mismatch";
    case Fault::id_sex_mismatch:
      return "id_sex_mismatch";
    case Fault::unknown_sex_code:
      return "unknown_sex_code";
    case Fault::unknown_education:
      return "unknown_education";
    case Fault::name_too_long:
      return "name_too_long";
    case Fault::unknown_address_province:
      return "unknown_address_province";
    case Fault::impossible_date:
      return "impossible_date";
    case Fault::move_in_future:
      return "move_in_future";
    case Fault::within_30_days:
      return "within_30_days";
    case Fault::marriage_migration:
      return "marriage_migration";
    case Fault::spouse_missing:
      return "spouse_missing";
    case Fault::direction_mismatch:
      return "direction_mismatch";
    case Fault::bad_record_id:
      return "bad_record_id";
  }
  return "unknown";
}

domain::Field fault_field(Fault f, const domain::MigrantRecord& r) {
  using domain::Field;
  switch (f) {
    case Fault::none:
      return Field::record_id;
    case Fault::id_check_character:
      return Field::id_number;
    case Fault::id_birth_mismatch:
      return Field::birth_date;
    case Fault::id_sex_mismatch:
      return Field::sex;
    case Fault::unknown_sex_code:
      return Field::sex;
    case Fault::unknown_education:
      return Field::education;
    case Fault::name_too_long:
      return Field::name;
    case Fault::unknown_address_province:
      return Field::current_address_code;
    case Fault::impossible_date:
      return Field::move_date;
    case Fault::move_in_future:
      return Field::move_date;
    case Fault::within_30_days:
      return Field::move_date;
    case Fault::marriage_migration:
      return Field::migration_reason;
    case Fault::spouse_missing:
      return Field::spouse_migrates;
    case Fault::direction_mismatch:
      return r.direction == "inflow" ? Field::hukou_address_code : Field::current_address_code;
    case Fault::bad_record_id:
      return Field::record_id;
  }
  return Field::record_id;
}

PopulationGenerator::PopulationGenerator(PopulationOptions options)
    : options_(options), rng_(options.seed) {
  if (options_.year_tag == 0) options_.year_tag = options_.today.year;
}

GeneratedRecord PopulationGenerator::next() {
  GeneratedRecord out;
  out.record = valid_record();
  if (options_.error_rate > 0 && rng_.chance(options_.error_rate)) {
    out.fault = static_cast<Fault>(1 + rng_.below(kFaultCount - 1));
    apply_fault(out.record, out.fault);
  }
  return out;
}

domain::MigrantRecord PopulationGenerator::valid_record() {
  ++serial_;
  FlowPair pair = draw_pair(rng_, options_.reporting);
  bool inflow;
  if (options_.reporting) {
    inflow = pair.residence == *options_.reporting;
  } else {
    inflow = rng_.chance(0.5);
  }
  domain::ProvinceCode reporter = inflow ? pair.residence : pair.hukou;

  domain::MigrantRecord r;
  r.record_id =
      fmt::format("{}-{}-{:09}", domain::province_code_text(reporter), options_.year_tag, serial_);
  r.direction = inflow ? "inflow" : "outflow";
  r.reporting_province = std::string(domain::province_code_text(reporter));

  bool male = rng_.chance(0.55);
  bool minor = rng_.chance(0.12);
  int age = minor ? static_cast<int>(rng_.between(1, 17)) : static_cast<int>(rng_.between(18, 62));
  domain::Date birth =
      options_.today.plus_days(-(static_cast<std::int64_t>(age) * 365 + rng_.between(30, 330)));

  r.name = pick(rng_, kSurnames) + pick(rng_, kGivenChars);
  if (rng_.chance(0.6)) r.name += pick(rng_, kGivenChars);
  r.sex = male ? "1" : "2";
  r.hukou_address_code = address_code(rng_, pair.hukou);
  r.hukou_address = address_text(rng_, pair.hukou);
  r.current_address_code = address_code(rng_, pair.residence);
  r.current_address = address_text(rng_, pair.residence);
  r.id_number = id_number_for(rng_, r.hukou_address_code, birth, male);
  r.birth_date = birth.yyyymmdd();
  r.education = minor ? (age < 7 ? "90" : "81") : pick(rng_, kEducation);
  r.hukou_type = rng_.chance(0.7) ? "2" : "1";
  r.migration_reason = minor ? "3" : pick(rng_, kReasons);
  // Moved between 31 days and 6 years ago, never before birth.
  std::int64_t days_ago = rng_.between(31, 6 * 365);
  days_ago = std::min<std::int64_t>(days_ago, options_.today.to_days() - birth.to_days());
  r.move_date = options_.today.plus_days(-days_ago).yyyymmdd();
  r.family_migrates = minor ? true : rng_.chance(0.35);
  if (!minor && age >= 22 && rng_.chance(0.65)) {
    r.marital_status = rng_.chance(0.9) ? "21" : "22";
    r.spouse_migrates = rng_.chance(0.6);
  } else {
    r.marital_status = minor || rng_.chance(0.8) ? "10" : "40";
  }
  r.ethnic_group = rng_.chance(0.9) ? "01" : fmt::format("{:02}", rng_.between(2, 56));
  if (rng_.chance(0.3)) r.household_code = fmt::format("{}", rng_.between(1, 999'999'999'999));
  return r;
}

void PopulationGenerator::apply_fault(domain::MigrantRecord& r, Fault f) {
  switch (f) {
    case Fault::none:
      break;
    case Fault::id_check_character: {
      char c = r.id_number.back();
      r.id_number.back() =
          c == '0' ? '1' : (c == 'X' ? '0' : static_cast<char>(c == '9' ? 'X' : c + 1));
      break;
    }
    case Fault::id_birth_mismatch:
      r.birth_date = domain::Date::parse_yyyymmdd(r.birth_date)->plus_days(1).yyyymmdd();
      break;
    case Fault::id_sex_mismatch:
      r.sex = r.sex == "1" ? "2" : "1";
      break;
    case Fault::unknown_sex_code:
      r.sex = "3";
      break;
    case Fault::unknown_education:
      r.education = "50";
      break;
    case Fault::name_too_long:
      r.name = "欧阳诸葛司马上官慕容东方皇甫尉迟公孙";
      break;  // 36 bytes
    case Fault::unknown_address_province:
      r.current_address_code.replace(0, 2, "99");
      break;
    case Fault::impossible_date:
      r.move_date = "20230231";
      break;
    case Fault::move_in_future:
      r.move_date = options_.today.plus_days(10).yyyymmdd();
      break;
    case Fault::within_30_days:
      r.move_date = options_.today.plus_days(-5).yyyymmdd();
      break;
    case Fault::marriage_migration:
      r.migration_reason = "6";
      break;
    case Fault::spouse_missing:
      r.marital_status = "21";
      r.spouse_migrates.reset();
      break;
    case Fault::direction_mismatch:
      // Both addresses in the reporting province: not a cross-province record.
      if (r.direction == "inflow") {
        r.hukou_address_code = r.current_address_code;
      } else {
        r.current_address_code = r.hukou_address_code;
      }
      break;
    case Fault::bad_record_id:
      r.record_id = "X" + r.record_id;
      break;
  }
}

}  // namespace provnet::synth
