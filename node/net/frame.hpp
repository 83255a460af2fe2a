// Framing on a link: each envelope is one frame, a 4-byte big-endian length
// then that many bytes of Cap'n Proto message. The length is checked before
// a single byte of the body is read or allocated, so a peer announcing a huge
// frame costs nothing but the closed session.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace provnet::net {

inline constexpr std::size_t kFrameHeaderBytes = 4;

struct FrameLimits {
  std::uint32_t max_frame_bytes = 16u * 1024 * 1024;
};

// The body length a header announces, or why it is refused: zero, above the
// maximum, or not a whole number of 8-byte words (no Cap'n Proto message is).
Result<std::uint32_t> parse_frame_header(const std::array<std::uint8_t, kFrameHeaderBytes>& header,
                                         const FrameLimits& limits);

// Header and body, ready to write.
std::string frame(std::string_view body);

}  // namespace provnet::net
