#include "domain/found_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/digits.hpp"

namespace provnet::domain {

namespace {

constexpr std::size_t kMaxShownValueLength = 12;

}  // namespace

std::string problem_message(std::string_view label, std::string_view found,
                            std::string_view expected, std::string_view detail) {
  std::string message(label);
  message += ": ";
  if (found == kMissing) {
    message += kMissing;
  } else {
    message += "found ";
    message += found;
  }
  if (!detail.empty()) {
    message += ", ";
    message += detail;
  }
  message += "; expected ";
  message += expected;
  return message;
}

Result<nlohmann::json> parse_json_document(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return Error{Errc::invalid_input,
                 fmt::format("not valid JSON (syntax error at byte {})", e.byte)};
  }
}

const char* json_type_name(const nlohmann::json& value) {
  using value_t = nlohmann::json::value_t;
  switch (value.type()) {
    case value_t::null:
      return "null";
    case value_t::boolean:
      return "a boolean";
    case value_t::number_integer:
    case value_t::number_unsigned:
    case value_t::number_float:
      return "a number";
    case value_t::string:
      return "a string";
    case value_t::array:
      return "an array";
    case value_t::object:
      return "an object";
    default:
      return "an unusual JSON value";
  }
}

std::size_t utf8_characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string describe_length(std::string_view text) {
  const std::size_t n = utf8_characters(text);
  return fmt::format("a value of {} character{}", n, n == 1 ? "" : "s");
}

std::string describe_value(std::string_view value) {
  if (value.empty()) return std::string(kMissing);
  if (value.size() <= kMaxShownValueLength) {
    if (all_digits(value)) return std::string(value);
    const bool showable = std::all_of(value.begin(), value.end(), [](char c) {
      return is_digit(c) || c == '-' || c == '.' || c == '/' || c == ':' || c == ' ';
    });
    if (showable) return fmt::format("\"{}\"", value);
  }
  return describe_length(value);
}

std::optional<std::size_t> control_character_offset(std::string_view text, bool allow_line_breaks) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (allow_line_breaks && (b == '\t' || b == '\n' || b == '\r')) continue;
    if (b < 0x20 || b == 0x7F) return i;
    if (b == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return i;
    }
  }
  return std::nullopt;
}

}  // namespace provnet::domain
