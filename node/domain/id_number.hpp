// Citizen ID numbers (公民身份号码, GB 11643, SPEC §4): 6-digit address code,
// 8-digit birth date, 3-digit sequence (odd for men, even for women) and an
// ISO 7064 MOD 11-2 check character.
//
// Privacy: no problem text repeats the ID number or any part of it that
// identifies the person; they describe what is wrong.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/date.hpp"

namespace provnet::domain {

inline constexpr std::size_t kIdNumberLength = 18;

struct IdNumberProblem {
  std::string found;     // safe to show: "17 characters", "check character 5"
  std::string expected;  // in words: "18 characters"
  std::string sentence;  // the whole problem as one sentence
};

struct IdNumberCheck {
  // Set when characters 7-14 form a real calendar date, even if the ID has
  // other problems (check it with ok() before trusting it).
  std::optional<Date> birth_date;
  // GB/T 2261.1 code implied by the 17th digit: '1' odd (male), '2' even
  // (female); '\0' when that character is not a digit.
  char sex = '\0';
  std::vector<IdNumberProblem> problems;

  bool ok() const { return problems.empty(); }
};

// Checks length and characters, the check character, the birth date (a real
// date, not before 1900-01-01, not after `today`) and the province of the
// address code. Allocates nothing when the ID is valid.
IdNumberCheck check_id_number(std::string_view id, const Date& today);

// The check character ('0'-'9' or 'X') for the first 17 digits of an ID;
// nullopt unless `first17` is exactly 17 digits.
std::optional<char> id_check_character(std::string_view first17);

}  // namespace provnet::domain
