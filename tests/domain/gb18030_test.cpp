#include "domain/gb18030.hpp"

#include <gtest/gtest.h>
#include <iconv.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

namespace provnet::domain {
namespace {

std::size_t length_of(std::string_view text) {
  const auto result = gb18030_length(text);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : 0;
}

std::string utf8_of(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

TEST(Gb18030Test, AsciiIsOneBytePerCharacter) {
  EXPECT_EQ(length_of(""), 0u);
  EXPECT_EQ(length_of("a"), 1u);
  EXPECT_EQ(length_of("Zhang San"), 9u);
  EXPECT_EQ(length_of(std::string(1000, 'x')), 1000u);
  EXPECT_EQ(length_of("Room 1203, Building 7"), 21u);
}

TEST(Gb18030Test, CommonChineseCharactersAreTwoBytes) {
  EXPECT_EQ(length_of("张三"), 4u);
  EXPECT_EQ(length_of("广东省深圳市南山区"), 18u);
  EXPECT_EQ(length_of("一"), 2u);  // U+4E00, first of the block
  EXPECT_EQ(length_of("龥"), 2u);  // U+9FA5, last of GBK's block
  EXPECT_EQ(length_of("A张B"), 4u);
  EXPECT_EQ(length_of("12345678张"), 10u);  // ASCII fast path, then a Chinese character
}

TEST(Gb18030Test, PunctuationAndSymbolsFollowTheStandard) {
  EXPECT_EQ(length_of("·"), 2u);            // U+00B7, in minority names: 买买提·艾力
  EXPECT_EQ(length_of("（"), 2u);           // U+FF08 full-width parenthesis
  EXPECT_EQ(length_of("　"), 2u);           // U+3000 ideographic space
  EXPECT_EQ(length_of("é"), 2u);            // U+00E9, in GB 2312's pinyin row
  EXPECT_EQ(length_of(utf8_of(0x80)), 4u);  // not in GBK: a four-byte sequence
}

TEST(Gb18030Test, SupplementaryCharactersAreFourBytes) {
  EXPECT_EQ(length_of("\xF0\xA0\x80\x80"), 4u);  // U+20000, CJK Extension B
  EXPECT_EQ(length_of("𠀀张"), 6u);
  EXPECT_EQ(length_of(utf8_of(0x10FFFF)), 4u);
  EXPECT_EQ(length_of(utf8_of(0x1F600)), 4u);
}

TEST(Gb18030Test, InvalidUtf8NamesTheByteOffset) {
  struct Case {
    std::string text;
    std::size_t offset;
  };
  const std::vector<Case> cases = {
      {"\xFF", 0},
      {"ab\xE5\xBC", 2},        // truncated 张
      {"abcdefghij\x80", 10},   // stray continuation byte after the fast path
      {"\xC0\xAF", 0},          // overlong '/'
      {"\xE0\x80\xAF", 0},      // overlong
      {"x\xED\xA0\x80", 1},     // UTF-16 surrogate
      {"\xF4\x90\x80\x80", 0},  // above U+10FFFF
      {"张\xE5\x20\x89", 3},    // continuation replaced by a space
  };
  for (const Case& c : cases) {
    const auto result = gb18030_length(c.text);
    ASSERT_FALSE(result.ok()) << c.offset;
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    EXPECT_EQ(result.error().message, "invalid UTF-8 at byte offset " + std::to_string(c.offset));
    EXPECT_EQ(utf8_error_offset(c.text), c.offset);
  }
  EXPECT_FALSE(utf8_error_offset("张三 abc"));
  EXPECT_FALSE(utf8_error_offset(""));
}

// The fast paths (U+4E00-U+9FA5 as 2, supplementary as 4) must agree with
// the C library's converter for every code point.
TEST(Gb18030Test, AgreesWithIconvOnEveryBmpCharacter) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  ASSERT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::size_t checked = 0;
  for (char32_t cp = 0x1; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string in = utf8_of(cp);
    std::array<char, 16> out{};
    char* in_ptr = in.data();
    std::size_t in_left = in.size();
    char* out_ptr = out.data();
    std::size_t out_left = out.size();
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<std::size_t>(-1)) {
      continue;  // the converter has no mapping; gb18030_length reports those
    }
    const auto result = gb18030_length(in);
    ASSERT_TRUE(result.ok()) << std::hex << static_cast<std::uint32_t>(cp);
    ASSERT_EQ(result.value(), out.size() - out_left) << std::hex << static_cast<std::uint32_t>(cp);
    ++checked;
  }
  iconv_close(cd);
  EXPECT_GT(checked, 60000u);
}

TEST(Gb18030Test, ConcurrentCallersAgree) {
  const std::string text = "买买提·艾力（新疆）é" + utf8_of(0x80) + "\xF0\xA0\x80\x80";
  const std::size_t expected = length_of(text);
  std::vector<std::thread> threads;
  std::array<bool, 4> all_equal{};
  for (std::size_t t = 0; t < all_equal.size(); ++t) {
    threads.emplace_back([&, t] {
      bool equal = true;
      for (int i = 0; i < 2000; ++i) {
        const auto r = gb18030_length(text);
        equal = equal && r.ok() && r.value() == expected;
      }
      all_equal[t] = equal;
    });
  }
  for (auto& th : threads) th.join();
  for (bool equal : all_equal) EXPECT_TRUE(equal);
}

}  // namespace
}  // namespace provnet::domain
