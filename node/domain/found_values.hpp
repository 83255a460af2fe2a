// What the readers and checks of records and collaboration items say about
// what they found, without showing personal data: a problem's message, a
// value's JSON type, a value as written only when it cannot carry a name or
// an ID number (otherwise its length), where text holds a control character,
// a JSON syntax error by its position. Internal to the domain: shared by
// record_interchange.cpp, record_validation.cpp and collab_item.cpp.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace provnet::domain {

// The found text of an empty value; a message says "missing" rather than
// "found missing".
inline constexpr std::string_view kMissing = "missing";

// A problem's message: "<label>: found <found>, <detail>; expected
// <expected>", or "<label>: missing; expected <expected>" when `found` is
// kMissing; without ", <detail>" when there is none.
std::string problem_message(std::string_view label, std::string_view found,
                            std::string_view expected, std::string_view detail = {});

// A whole JSON document (an upload of items), parsed. A syntax error is
// Errc::invalid_input with the byte offset only: nlohmann's own message quotes
// the text it read, which may be a name or an ID number.
Result<nlohmann::json> parse_json_document(std::string_view text);

// "null", "a boolean", "a number", "a string", "an array", "an object".
const char* json_type_name(const nlohmann::json& value);

// Characters (code points) in UTF-8 text: bytes that do not continue one.
std::size_t utf8_characters(std::string_view text);

// "a value of 18 characters": a text by its length only.
std::string describe_length(std::string_view text);

// What a field held, in a form safe for logs and for rejections sent to other
// provinces. Only short values of digits and date punctuation (codes, dates,
// address codes) are shown as written: they cannot carry a name, and the cap
// keeps an 18-digit ID typed into the wrong key or column out. Anything else
// is described by its length; an empty value is kMissing.
std::string describe_value(std::string_view value);

// A control character (C0, DEL or C1) at a byte offset, if any; tabs and
// line breaks pass when `allow_line_breaks` (free text of several lines). C1
// controls are U+0080-U+009F, written C2 80 .. C2 9F in UTF-8.
std::optional<std::size_t> control_character_offset(std::string_view text,
                                                    bool allow_line_breaks = false);

}  // namespace provnet::domain
