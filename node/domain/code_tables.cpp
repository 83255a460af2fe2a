#include "domain/code_tables.hpp"

#include <iterator>

#include <fmt/format.h>

namespace provnet::domain {

namespace {

// Meanings: the SPEC §4 wording in English, the standard's own wording in
// Chinese. Ethnic groups and migration reasons are copied from
// shared/data/*.csv (tests/domain/code_tables_test.cpp compares them).
constexpr CodeEntry kSex[] = {
    {"0", "unknown", "未知的性别"},
    {"1", "male", "男性"},
    {"2", "female", "女性"},
    {"9", "unspecified", "未说明的性别"},
};

constexpr CodeEntry kEducation[] = {
    {"10", "graduate education", "研究生教育"},
    {"11", "doctorate, graduated", "博士研究生毕业"},
    {"12", "doctorate, completed without a diploma", "博士研究生结业"},
    {"13", "doctorate, dropped out", "博士研究生肄业"},
    {"14", "master's, graduated", "硕士研究生毕业"},
    {"15", "master's, completed without a diploma", "硕士研究生结业"},
    {"16", "master's, dropped out", "硕士研究生肄业"},
    {"17", "graduate class, graduated", "研究生班毕业"},
    {"18", "graduate class, completed without a diploma", "研究生班结业"},
    {"19", "graduate class, dropped out", "研究生班肄业"},
    {"20", "bachelor's education", "大学本科教育"},
    {"21", "bachelor's, graduated", "大学本科毕业"},
    {"22", "bachelor's, completed without a diploma", "大学本科结业"},
    {"23", "bachelor's, dropped out", "大学本科肄业"},
    {"28", "university class of 1970-76, graduated", "大学普通班毕业"},
    {"30", "junior college education", "大学专科教育"},
    {"31", "junior college, graduated", "大学专科毕业"},
    {"32", "junior college, completed without a diploma", "大学专科结业"},
    {"33", "junior college, dropped out", "大学专科肄业"},
    {"40", "secondary vocational education", "中等职业教育"},
    {"41", "secondary specialised school, graduated", "中等专科毕业"},
    {"42", "secondary specialised school, completed without a diploma", "中等专科结业"},
    {"43", "secondary specialised school, dropped out", "中等专科肄业"},
    {"44", "vocational high school, graduated", "职业高中毕业"},
    {"45", "vocational high school, completed without a diploma", "职业高中结业"},
    {"46", "vocational high school, dropped out", "职业高中肄业"},
    {"47", "technical school, graduated", "技工学校毕业"},
    {"48", "technical school, completed without a diploma", "技工学校结业"},
    {"49", "technical school, dropped out", "技工学校肄业"},
    {"60", "senior high school education", "普通高级中学教育"},
    {"61", "senior high school, graduated", "普通高中毕业"},
    {"62", "senior high school, completed without a diploma", "普通高中结业"},
    {"63", "senior high school, dropped out", "普通高中肄业"},
    {"70", "junior high school education", "初级中学教育"},
    {"71", "junior high school, graduated", "初中毕业"},
    {"73", "junior high school, dropped out", "初中肄业"},
    {"80", "primary education", "小学教育"},
    {"81", "primary school, graduated", "小学毕业"},
    {"83", "primary school, dropped out", "小学肄业"},
    {"90", "other (pre-school children)", "其他"},
};

constexpr CodeEntry kHukouType[] = {
    {"1", "non-agricultural", "非农业户口"},
    {"2", "agricultural", "农业户口"},
    {"9", "other", "其他"},
};

constexpr CodeEntry kMaritalStatus[] = {
    {"10", "never married", "未婚"},
    {"20", "married", "已婚"},
    {"21", "first marriage", "初婚"},
    {"22", "remarried", "再婚"},
    {"23", "remarried to former spouse", "复婚"},
    {"30", "widowed", "丧偶"},
    {"40", "divorced", "离婚"},
    {"90", "unspecified (living together with births)", "未说明的婚姻状况"},
};

constexpr CodeEntry kRelationToHead[] = {
    {"01", "self", "本人"},
    {"02", "household head", "户主"},
    {"10", "spouse", "配偶"},
    {"11", "spouse", "配偶"},
    {"12", "spouse", "配偶"},
    {"20", "son", "子"},
    {"21", "son", "子"},
    {"22", "son", "子"},
    {"23", "son", "子"},
    {"24", "son", "子"},
    {"25", "son", "子"},
    {"26", "son", "子"},
    {"27", "son", "子"},
    {"28", "son", "子"},
    {"29", "son", "子"},
    {"30", "daughter", "女"},
    {"31", "daughter", "女"},
    {"32", "daughter", "女"},
    {"33", "daughter", "女"},
    {"34", "daughter", "女"},
    {"35", "daughter", "女"},
    {"36", "daughter", "女"},
    {"37", "daughter", "女"},
    {"38", "daughter", "女"},
    {"39", "daughter", "女"},
    {"40", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"41", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"42", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"43", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"44", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"45", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"46", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"47", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"48", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"49", "grandchild", "孙子、孙女或外孙子、外孙女"},
    {"50", "parent", "父母"},
    {"51", "parent", "父母"},
    {"52", "parent", "父母"},
    {"53", "parent", "父母"},
    {"54", "parent", "父母"},
    {"55", "parent", "父母"},
    {"56", "parent", "父母"},
    {"57", "parent", "父母"},
    {"58", "parent", "父母"},
    {"59", "parent", "父母"},
    {"60", "grandparent", "祖父母或外祖父母"},
    {"61", "grandparent", "祖父母或外祖父母"},
    {"62", "grandparent", "祖父母或外祖父母"},
    {"63", "grandparent", "祖父母或外祖父母"},
    {"64", "grandparent", "祖父母或外祖父母"},
    {"65", "grandparent", "祖父母或外祖父母"},
    {"66", "grandparent", "祖父母或外祖父母"},
    {"67", "grandparent", "祖父母或外祖父母"},
    {"68", "grandparent", "祖父母或外祖父母"},
    {"69", "grandparent", "祖父母或外祖父母"},
    {"70", "sibling", "兄弟姐妹"},
    {"71", "sibling", "兄弟姐妹"},
    {"72", "sibling", "兄弟姐妹"},
    {"73", "sibling", "兄弟姐妹"},
    {"74", "sibling", "兄弟姐妹"},
    {"75", "sibling", "兄弟姐妹"},
    {"76", "sibling", "兄弟姐妹"},
    {"77", "sibling", "兄弟姐妹"},
    {"78", "sibling", "兄弟姐妹"},
    {"79", "sibling", "兄弟姐妹"},
    {"80", "other", "其他"},
    {"81", "other", "其他"},
    {"82", "other", "其他"},
    {"83", "other", "其他"},
    {"84", "other", "其他"},
    {"85", "other", "其他"},
    {"86", "other", "其他"},
    {"87", "other", "其他"},
    {"88", "other", "其他"},
    {"89", "other", "其他"},
    {"90", "other", "其他"},
    {"91", "other", "其他"},
    {"92", "other", "其他"},
    {"93", "other", "其他"},
    {"94", "other", "其他"},
    {"95", "other", "其他"},
    {"96", "other", "其他"},
    {"97", "other", "其他"},
    {"98", "other", "其他"},
    {"99", "other", "其他"},
};

constexpr CodeEntry kEthnicGroup[] = {
    {"01", "Han", "汉族"},
    {"02", "Mongol", "蒙古族"},
    {"03", "Hui", "回族"},
    {"04", "Tibetan", "藏族"},
    {"05", "Uyghur", "维吾尔族"},
    {"06", "Miao", "苗族"},
    {"07", "Yi", "彝族"},
    {"08", "Zhuang", "壮族"},
    {"09", "Buyei", "布依族"},
    {"10", "Korean", "朝鲜族"},
    {"11", "Manchu", "满族"},
    {"12", "Dong", "侗族"},
    {"13", "Yao", "瑶族"},
    {"14", "Bai", "白族"},
    {"15", "Tujia", "土家族"},
    {"16", "Hani", "哈尼族"},
    {"17", "Kazakh", "哈萨克族"},
    {"18", "Dai", "傣族"},
    {"19", "Li", "黎族"},
    {"20", "Lisu", "傈僳族"},
    {"21", "Va", "佤族"},
    {"22", "She", "畲族"},
    {"23", "Gaoshan", "高山族"},
    {"24", "Lahu", "拉祜族"},
    {"25", "Sui", "水族"},
    {"26", "Dongxiang", "东乡族"},
    {"27", "Naxi", "纳西族"},
    {"28", "Jingpo", "景颇族"},
    {"29", "Kyrgyz", "柯尔克孜族"},
    {"30", "Tu", "土族"},
    {"31", "Daur", "达斡尔族"},
    {"32", "Mulao", "仫佬族"},
    {"33", "Qiang", "羌族"},
    {"34", "Blang", "布朗族"},
    {"35", "Salar", "撒拉族"},
    {"36", "Maonan", "毛南族"},
    {"37", "Gelao", "仡佬族"},
    {"38", "Xibe", "锡伯族"},
    {"39", "Achang", "阿昌族"},
    {"40", "Pumi", "普米族"},
    {"41", "Tajik", "塔吉克族"},
    {"42", "Nu", "怒族"},
    {"43", "Uzbek", "乌孜别克族"},
    {"44", "Russian", "俄罗斯族"},
    {"45", "Evenki", "鄂温克族"},
    {"46", "De'ang", "德昂族"},
    {"47", "Bonan", "保安族"},
    {"48", "Yugur", "裕固族"},
    {"49", "Gin", "京族"},
    {"50", "Tatar", "塔塔尔族"},
    {"51", "Derung", "独龙族"},
    {"52", "Oroqen", "鄂伦春族"},
    {"53", "Hezhen", "赫哲族"},
    {"54", "Monba", "门巴族"},
    {"55", "Lhoba", "珞巴族"},
    {"56", "Jino", "基诺族"},
    {"97", "Other unrecognised", "其他未识别民族"},
    {"98", "Naturalised citizen of foreign origin", "外国血统中国籍人士"},
};

constexpr CodeEntry kLeavingReason[] = {
    {"2", "death", "死亡"},
    {"4", "moved out of the township", "迁出本乡镇"},
    {"5", "other", "其他"},
};

constexpr CodeEntry kMigrationReason[] = {
    {"1", "work or business", "工作就业"},
    {"2", "study or training (vocational; secondary-and-higher school students are out of scope)",
     "学习培训"},
    {"3", "accompanying family or joining relatives", "随同离开/投亲靠友"},
    {"4", "relocation or moving house", "拆迁/搬家"},
    {"5", "hukou registered elsewhere", "寄挂户口"},
    {"6", "marriage", "婚姻嫁娶"},
    {"7", "caring for grandchildren", "照料孙子女"},
    {"8", "children's schooling", "为子女就学"},
    {"9", "retirement or care", "养老/康养"},
    {"0", "other", "其他"},
};
// Marriage migrants are outside the statistics (SPEC §2.1).
constexpr std::string_view kOutOfScopeReasons[] = {"6"};

constexpr CodeTable kSexTable("sex", "GB/T 2261.1", kSex);
constexpr CodeTable kEducationTable("education", "GB/T 4658", kEducation);
constexpr CodeTable kHukouTypeTable("hukou type", "WIS 2008", kHukouType);
constexpr CodeTable kMaritalStatusTable("marital status", "GB/T 2261.2", kMaritalStatus);
constexpr CodeTable kRelationToHeadTable("relation to household head", "GB/T 4761",
                                         kRelationToHead);
constexpr CodeTable kEthnicGroupTable("ethnic group", "GB/T 3304", kEthnicGroup);
constexpr CodeTable kLeavingReasonTable("reason for leaving", "WIS 2008", kLeavingReason);
constexpr CodeTable kMigrationReasonTable("migration reason", "provnet", kMigrationReason);

constexpr const CodeTable* kAllTables[] = {
    &kSexTable,           &kEducationTable,       &kHukouTypeTable,
    &kMaritalStatusTable, &kRelationToHeadTable,  &kEthnicGroupTable,
    &kLeavingReasonTable, &kMigrationReasonTable,
};

// Tables up to this size read best as "code meaning" pairs; longer ones as
// code ranges.
constexpr std::size_t kMaxListedWithMeanings = 10;

// "study or training (vocational; ...)" -> "study or training": the remark
// is for the full listing, not for a one-line "expected" text.
std::string_view short_meaning(std::string_view meaning) {
  const auto paren = meaning.find(" (");
  return paren == std::string_view::npos ? meaning : meaning.substr(0, paren);
}

int numeric(std::string_view code) {
  int value = 0;
  for (char c : code) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

const CodeTable& sex_codes() {
  return kSexTable;
}
const CodeTable& education_codes() {
  return kEducationTable;
}
const CodeTable& hukou_type_codes() {
  return kHukouTypeTable;
}
const CodeTable& marital_status_codes() {
  return kMaritalStatusTable;
}
const CodeTable& relation_to_head_codes() {
  return kRelationToHeadTable;
}
const CodeTable& ethnic_group_codes() {
  return kEthnicGroupTable;
}
const CodeTable& leaving_reason_codes() {
  return kLeavingReasonTable;
}
const CodeTable& migration_reason_codes() {
  return kMigrationReasonTable;
}

std::optional<bool> migration_reason_in_scope(std::string_view code) {
  if (!kMigrationReasonTable.contains(code)) return std::nullopt;
  for (std::string_view excluded : kOutOfScopeReasons) {
    if (code == excluded) return false;
  }
  return true;
}

std::span<const CodeTable* const> all_code_tables() {
  return kAllTables;
}

std::string describe_codes(const CodeTable& table) {
  const auto entries = table.entries();
  std::string out;
  if (entries.size() <= kMaxListedWithMeanings) {
    out = "one of ";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += ", ";
      fmt::format_to(std::back_inserter(out), "{} {}", entries[i].code,
                     short_meaning(entries[i].meaning));
    }
    return out;
  }
  // Runs of three or more consecutive codes of the same width become "a-b".
  out = fmt::format("one of the {} codes ", table.standard());
  std::size_t i = 0;
  bool first = true;
  while (i < entries.size()) {
    std::size_t j = i;
    while (j + 1 < entries.size() && entries[j + 1].code.size() == entries[i].code.size() &&
           numeric(entries[j + 1].code) == numeric(entries[j].code) + 1) {
      ++j;
    }
    if (!first) out += ", ";
    first = false;
    if (j - i >= 2) {
      fmt::format_to(std::back_inserter(out), "{}-{}", entries[i].code, entries[j].code);
      i = j + 1;
    } else {
      out += entries[i].code;
      ++i;
    }
  }
  return out;
}

}  // namespace provnet::domain
