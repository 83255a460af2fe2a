// Text lengths as the data standard counts them (SPEC §4): bytes in GB 18030,
// the encoding of the provincial databases, so a name that fits here fits
// their C30 column. Text travels as UTF-8; only its GB 18030 length matters.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/result.hpp"

namespace provnet::domain {

// Bytes `utf8` takes in GB 18030: 1 per ASCII character, 2 for most Chinese
// characters (GBK), 4 for the rest (e.g. CJK Extension B). Invalid UTF-8
// (including overlong forms and surrogates) is Errc::invalid_input naming
// the byte offset. Allocates nothing unless it fails.
Result<std::size_t> gb18030_length(std::string_view utf8);

// Byte offset of the first invalid UTF-8 sequence, or nullopt when valid.
std::optional<std::size_t> utf8_error_offset(std::string_view text);

}  // namespace provnet::domain
