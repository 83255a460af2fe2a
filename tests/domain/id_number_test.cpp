#include "domain/id_number.hpp"

#include <gtest/gtest.h>

#include <string>

#include "domain/province.hpp"
#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

using test_support::kToday;
using test_support::make_id;

std::string problems_of(const IdNumberCheck& check) {
  std::string out;
  for (const auto& p : check.problems) out += "  " + p.sentence + "\n";
  return out;
}

// Exactly one problem, whose sentence contains `needle`.
void expect_one_problem(std::string_view id, std::string_view needle) {
  const IdNumberCheck check = check_id_number(id, kToday);
  ASSERT_EQ(check.problems.size(), 1u) << problems_of(check);
  EXPECT_NE(check.problems[0].sentence.find(needle), std::string::npos)
      << check.problems[0].sentence;
  EXPECT_FALSE(check.problems[0].found.empty());
  EXPECT_FALSE(check.problems[0].expected.empty());
}

TEST(IdNumberTest, CheckCharacterOfKnownIds) {
  EXPECT_EQ(id_check_character("11010519491231002"), 'X');  // GB 11643's own example
  EXPECT_EQ(id_check_character("44052418800101001"), '4');
  EXPECT_EQ(id_check_character("51010719900515123"), 'X');
  EXPECT_EQ(id_check_character("65900119850101002"), '3');
  EXPECT_EQ(id_check_character("44030520240229004"), '3');
}

TEST(IdNumberTest, CheckCharacterNeedsSeventeenDigits) {
  EXPECT_FALSE(id_check_character("1101051949123100"));
  EXPECT_FALSE(id_check_character("110105194912310021"));
  EXPECT_FALSE(id_check_character("1101051949123100A"));
  EXPECT_FALSE(id_check_character(""));
}

TEST(IdNumberTest, CheckCharacterCoversAllElevenRemainders) {
  // Varying the last digit walks through the remainders; every one of
  // "10X98765432" must be reachable and verify.
  std::string seen;
  for (int seq = 0; seq < 1000 && seen.size() < 11; ++seq) {
    std::string first17 = "44030519800101" + std::to_string(1000 + seq).substr(1);
    const char c = id_check_character(first17).value();
    if (seen.find(c) == std::string::npos) seen += c;
    EXPECT_TRUE(check_id_number(first17 + c, kToday).ok()) << first17 + c;
  }
  EXPECT_EQ(seen.size(), 11u) << seen;
}

TEST(IdNumberTest, KnownValidIdDecodesBirthDateAndSex) {
  const IdNumberCheck check = check_id_number("11010519491231002X", kToday);
  EXPECT_TRUE(check.ok()) << problems_of(check);
  EXPECT_EQ(check.birth_date, (Date{1949, 12, 31}));
  EXPECT_EQ(check.sex, '2');  // 17th digit 2: even, female
}

TEST(IdNumberTest, OddSequenceIsMaleEvenIsFemale) {
  const auto male = check_id_number(make_id("440305", "19800101", "011"), kToday);
  EXPECT_TRUE(male.ok());
  EXPECT_EQ(male.sex, '1');
  const auto female = check_id_number(make_id("440305", "19800101", "010"), kToday);
  EXPECT_TRUE(female.ok());
  EXPECT_EQ(female.sex, '2');
}

TEST(IdNumberTest, EveryProvinceIncludingXpccIsAccepted) {
  for (const Province& p : all_provinces()) {
    std::string address(p.address_prefix);
    address.resize(6, '1');
    const std::string id = make_id(address, "19800101", "123");
    const auto check = check_id_number(id, kToday);
    EXPECT_TRUE(check.ok()) << p.name_en << ": " << problems_of(check);
  }
  EXPECT_TRUE(check_id_number(make_id("659001", "19850101", "002"), kToday).ok());
  EXPECT_TRUE(check_id_number(make_id("650102", "19850101", "002"), kToday).ok());
}

TEST(IdNumberTest, LeapDayBirthDates) {
  const auto leap = check_id_number(make_id("440305", "20240229", "004"), kToday);
  EXPECT_TRUE(leap.ok()) << problems_of(leap);
  EXPECT_EQ(leap.birth_date, (Date{2024, 2, 29}));
  expect_one_problem(make_id("440305", "20230229", "004"), "not a calendar date");
}

TEST(IdNumberTest, WrongLengthIsOneProblem) {
  expect_one_problem("11010519491231002", "has 17 characters");
  expect_one_problem("11010519491231002X1", "has 19 characters");
  expect_one_problem("", "has 0 characters");
}

TEST(IdNumberTest, FullWidthDigitsAreNotAscii) {
  // Six full-width digits are 18 bytes of UTF-8: not to be taken for an ID.
  expect_one_problem("１１０１０５１９４９１２３１００２Ｘ",
                     "character 1 of the citizen ID is not ASCII");
  expect_one_problem("11010519491231002Ｘ", "character 18 of the citizen ID is not ASCII");
  expect_one_problem("１１０１０５", "character 1");
}

TEST(IdNumberTest, NonDigitInTheFirstSeventeen) {
  std::string id = "11010519491231002X";
  id[4] = 'A';
  const auto check = check_id_number(id, kToday);
  ASSERT_EQ(check.problems.size(), 1u) << problems_of(check);
  EXPECT_NE(check.problems[0].sentence.find("character 5"), std::string::npos);
}

TEST(IdNumberTest, WrongCheckCharacter) {
  expect_one_problem("110105194912310021", "check character 1 does not match the first 17 digits");
  // The right character is not given away: the ID must be verified again.
  const auto check = check_id_number("110105194912310021", kToday);
  EXPECT_EQ(check.problems[0].sentence.find(" X"), std::string::npos) << check.problems[0].sentence;
  const std::string valid = make_id("440305", "19800101", "011");
  std::string typo = valid;
  typo[10] = typo[10] == '9' ? '0' : static_cast<char>(typo[10] + 1);
  expect_one_problem(typo, "check character");
}

TEST(IdNumberTest, LowercaseXIsRejected) {
  expect_one_problem("11010519491231002x", "uppercase X");
  // Lowercase x where the check character is not X at all: both problems.
  ASSERT_EQ(id_check_character("44030519800101010"), '1');
  const auto both = check_id_number("44030519800101010x", kToday);
  ASSERT_EQ(both.problems.size(), 2u) << problems_of(both);
  EXPECT_NE(both.problems[0].sentence.find("uppercase X"), std::string::npos);
  EXPECT_NE(both.problems[1].sentence.find("check character X does not match the first 17 digits"),
            std::string::npos);
}

TEST(IdNumberTest, CheckCharacterThatIsNeitherDigitNorX) {
  expect_one_problem("11010519491231002Y", "neither a digit nor X");
}

TEST(IdNumberTest, BirthDateBounds) {
  const auto from_1900 = check_id_number(make_id("440305", "19000101", "011"), kToday);
  EXPECT_TRUE(from_1900.ok()) << problems_of(from_1900);
  expect_one_problem(make_id("440305", "18991231", "011"), "before 1900-01-01");
  expect_one_problem("440524188001010014", "before 1900-01-01");  // GB 11643's 1880 example
  const auto today = check_id_number(make_id("440305", "20260301", "011"), kToday);
  EXPECT_TRUE(today.ok()) << problems_of(today);
  expect_one_problem(make_id("440305", "20260302", "011"), "after the reporting date 2026-03-01");
  expect_one_problem(make_id("440305", "19801301", "011"), "not a calendar date");
}

TEST(IdNumberTest, AddressMustBeInAProvince) {
  expect_one_problem(make_id("990305", "19800101", "011"), "starts with 99");
  expect_one_problem(make_id("000000", "19800101", "011"), "starts with 00");
}

TEST(IdNumberTest, DecodesWhatItCanOfABrokenId) {
  const auto check = check_id_number("990305198001010110", kToday);
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.birth_date, (Date{1980, 1, 1}));
  EXPECT_EQ(check.sex, '1');
}

TEST(IdNumberTest, SeveralProblemsAtOnce) {
  // Bad province, impossible birth date, wrong check character.
  const auto check = check_id_number("990305198002300111", kToday);
  EXPECT_EQ(check.problems.size(), 3u) << problems_of(check);
}

TEST(IdNumberTest, ProblemsNeverRepeatTheId) {
  const std::vector<std::string> ids = {"11010519491231002x", "110105194912310021",
                                        "990305198002300111", make_id("440305", "20260302", "011"),
                                        make_id("440305", "18991231", "011")};
  for (const std::string& id : ids) {
    const auto check = check_id_number(id, kToday);
    ASSERT_FALSE(check.ok()) << id;
    for (const auto& p : check.problems) {
      for (const std::string* text : {&p.sentence, &p.found, &p.expected}) {
        EXPECT_EQ(text->find(id.substr(0, 17)), std::string::npos) << *text;
        EXPECT_EQ(text->find(id.substr(6, 8)), std::string::npos) << *text;  // birth date part
        EXPECT_EQ(text->find(id.substr(0, 6)), std::string::npos) << *text;  // address part
      }
    }
  }
}

}  // namespace
}  // namespace provnet::domain
