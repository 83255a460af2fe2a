#include "domain/province.hpp"

#include <array>

#include "domain/digits.hpp"

namespace provnet::domain {

namespace {

// From shared/data/provinces.csv; tests/domain/province_test.cpp checks that
// config/provinces.csv still says the same.
constexpr std::array<Province, 32> kProvinces = {{
    {11, "北京市", "Beijing", "11"},
    {12, "天津市", "Tianjin", "12"},
    {13, "河北省", "Hebei", "13"},
    {14, "山西省", "Shanxi", "14"},
    {15, "内蒙古自治区", "Inner Mongolia", "15"},
    {21, "辽宁省", "Liaoning", "21"},
    {22, "吉林省", "Jilin", "22"},
    {23, "黑龙江省", "Heilongjiang", "23"},
    {31, "上海市", "Shanghai", "31"},
    {32, "江苏省", "Jiangsu", "32"},
    {33, "浙江省", "Zhejiang", "33"},
    {34, "安徽省", "Anhui", "34"},
    {35, "福建省", "Fujian", "35"},
    {36, "江西省", "Jiangxi", "36"},
    {37, "山东省", "Shandong", "37"},
    {41, "河南省", "Henan", "41"},
    {42, "湖北省", "Hubei", "42"},
    {43, "湖南省", "Hunan", "43"},
    {44, "广东省", "Guangdong", "44"},
    {45, "广西壮族自治区", "Guangxi", "45"},
    {46, "海南省", "Hainan", "46"},
    {50, "重庆市", "Chongqing", "50"},
    {51, "四川省", "Sichuan", "51"},
    {52, "贵州省", "Guizhou", "52"},
    {53, "云南省", "Yunnan", "53"},
    {54, "西藏自治区", "Tibet", "54"},
    {61, "陕西省", "Shaanxi", "61"},
    {62, "甘肃省", "Gansu", "62"},
    {63, "青海省", "Qinghai", "63"},
    {64, "宁夏回族自治区", "Ningxia", "64"},
    {65, "新疆维吾尔自治区", "Xinjiang", "65"},
    {66, "新疆生产建设兵团", "Xinjiang Production and Construction Corps", "6590"},
}};

// Index by the two-digit code, so lookups on the validation path are one load.
struct CodeIndex {
  std::array<const Province*, 100> by_code{};
  constexpr CodeIndex() {
    for (const Province& p : kProvinces) by_code[p.code] = &p;
  }
};
constexpr CodeIndex kByCode{};

// Provinces whose address prefix starts with two given digits, longest prefix
// first. Only "65" has two (Xinjiang and the XPCC's "6590").
struct PrefixIndex {
  std::array<std::array<const Province*, 2>, 100> by_first_two{};
  constexpr PrefixIndex() {
    for (const Province& p : kProvinces) {
      const int first_two = (p.address_prefix[0] - '0') * 10 + (p.address_prefix[1] - '0');
      auto& slots = by_first_two[static_cast<std::size_t>(first_two)];
      if (slots[0] == nullptr) {
        slots[0] = &p;
      } else if (p.address_prefix.size() > slots[0]->address_prefix.size()) {
        slots[1] = slots[0];
        slots[0] = &p;
      } else {
        slots[1] = &p;
      }
    }
  }
};
constexpr PrefixIndex kByPrefix{};

constexpr std::array<char, 200> make_code_texts() {
  std::array<char, 200> texts{};
  for (int i = 0; i < 100; ++i) {
    texts[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    texts[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return texts;
}
constexpr std::array<char, 200> kCodeTexts = make_code_texts();

}  // namespace

std::span<const Province> all_provinces() {
  return kProvinces;
}

const Province* find_province(ProvinceCode code) {
  if (code >= 100) return nullptr;
  return kByCode.by_code[code];
}

std::optional<ProvinceCode> parse_province_code(std::string_view text) {
  if (text.size() != 2 || !is_digit(text[0]) || !is_digit(text[1])) return std::nullopt;
  const auto code = static_cast<ProvinceCode>((text[0] - '0') * 10 + (text[1] - '0'));
  if (kByCode.by_code[code] == nullptr) return std::nullopt;
  return code;
}

std::optional<ProvinceCode> province_of_address(std::string_view address_code) {
  if (address_code.size() < 2) return std::nullopt;
  for (char c : address_code) {
    if (!is_digit(c)) return std::nullopt;
  }
  const int first_two = (address_code[0] - '0') * 10 + (address_code[1] - '0');
  for (const Province* p : kByPrefix.by_first_two[static_cast<std::size_t>(first_two)]) {
    if (p != nullptr && address_code.starts_with(p->address_prefix)) return p->code;
  }
  return std::nullopt;
}

std::string_view province_code_text(ProvinceCode code) {
  if (code >= 100) return {};
  return std::string_view(kCodeTexts.data() + 2 * static_cast<std::size_t>(code), 2);
}

}  // namespace provnet::domain
