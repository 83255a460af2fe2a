// ASCII digit tests shared by the checks of codes, dates and IDs (std::isdigit
// depends on the locale; these never do).
#pragma once

#include <string_view>

namespace provnet::domain {

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr bool all_digits(std::string_view text) {
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

}  // namespace provnet::domain
