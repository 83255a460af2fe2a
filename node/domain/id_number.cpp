#include "domain/id_number.hpp"
#include "domain/digits.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "domain/province.hpp"

namespace provnet::domain {

namespace {

constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckCharacters = "10X98765432";
constexpr Date kEarliestBirth{1900, 1, 1};

void add(IdNumberCheck& check, std::string found, std::string expected, std::string sentence) {
  check.problems.push_back({std::move(found), std::move(expected), std::move(sentence)});
}

}  // namespace

std::optional<char> id_check_character(std::string_view first17) {
  if (first17.size() != 17 || !all_digits(first17)) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckCharacters[static_cast<std::size_t>(sum % 11)];
}

IdNumberCheck check_id_number(std::string_view id, const Date& today) {
  IdNumberCheck check;
  // Full-width digits pasted from a document are the usual non-ASCII
  // characters here; positions and lengths in bytes would mislead.
  const auto non_ascii = std::find_if(id.begin(), id.end(),
                                      [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (non_ascii != id.end()) {
    // Everything before it is ASCII, so its byte index is its character index.
    const auto position = static_cast<std::size_t>(non_ascii - id.begin()) + 1;
    add(check, fmt::format("a non-ASCII character at position {}", position), "18 ASCII characters",
        fmt::format("character {} of the citizen ID is not ASCII (a full-width digit?); a citizen "
                    "ID is 17 ASCII digits and a digit or X",
                    position));
    return check;
  }
  if (id.size() != kIdNumberLength) {
    add(check, fmt::format("{} characters", id.size()), "18 characters",
        fmt::format("the citizen ID has {} characters; a citizen ID has 18", id.size()));
    return check;
  }

  const std::string_view first17 = id.substr(0, 17);
  for (std::size_t i = 0; i < first17.size(); ++i) {
    if (!is_digit(first17[i])) {
      add(check, fmt::format("a non-digit at position {}", i + 1), "digits in positions 1-17",
          fmt::format("character {} of the citizen ID is not a digit; the first 17 characters "
                      "must be digits",
                      i + 1));
      break;
    }
  }

  const char last = id[17];
  if (last == 'x') {
    add(check, "a lowercase x as check character", "an uppercase X",
        "the check character of the citizen ID is a lowercase x; write it as an uppercase X");
  } else if (!is_digit(last) && last != 'X') {
    add(check, "an invalid check character", "a digit or X",
        "the check character (character 18) of the citizen ID is neither a digit nor X");
  }

  if (const auto computed = id_check_character(first17)) {
    const char given = last == 'x' ? 'X' : last;
    if ((is_digit(given) || given == 'X') && given != *computed) {
      add(check, fmt::format("check character {}", given),
          "the check character of the first 17 digits (ISO 7064 MOD 11-2)",
          // The computed character is deliberately not shown: SPEC §4 wants a
          // failed ID verified again against the person's documents, not
          // patched by changing its last character.
          fmt::format("the check character {} does not match the first 17 digits (ISO 7064 "
                      "MOD 11-2): a digit is mistyped; verify the ID again against the "
                      "person's documents",
                      given));
    }
  }

  if (const std::string_view address = id.substr(0, 6); all_digits(address)) {
    if (!province_of_address(address)) {
      add(check, fmt::format("address code starting {}", address.substr(0, 2)),
          "an address code of one of the 32 provinces",
          fmt::format("the address part of the citizen ID (characters 1-6) starts with {}, which "
                      "is not a province code",
                      address.substr(0, 2)));
    }
  }

  if (const std::string_view birth = id.substr(6, 8); all_digits(birth)) {
    check.birth_date = Date::parse_yyyymmdd(birth);
    if (!check.birth_date) {
      add(check, "a birth-date part that is not a calendar date", "a real date as YYYYMMDD",
          "the birth-date part of the citizen ID (characters 7-14) is not a calendar date");
    } else if (*check.birth_date < kEarliestBirth) {
      add(check, "a birth date before 1900-01-01", "a birth date from 1900-01-01 on",
          "the birth date in the citizen ID is before 1900-01-01");
    } else if (*check.birth_date > today) {
      add(check, fmt::format("a birth date after {}", today.iso()),
          fmt::format("a birth date on or before {}", today.iso()),
          fmt::format("the birth date in the citizen ID is after the reporting date {}",
                      today.iso()));
    }
  }

  if (is_digit(id[16])) check.sex = (id[16] - '0') % 2 == 1 ? '1' : '2';
  return check;
}

}  // namespace provnet::domain
