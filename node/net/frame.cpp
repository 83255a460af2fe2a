#include "net/frame.hpp"

#include <fmt/format.h>

namespace provnet::net {

Result<std::uint32_t> parse_frame_header(const std::array<std::uint8_t, kFrameHeaderBytes>& header,
                                         const FrameLimits& limits) {
  std::uint32_t length = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                         (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
  if (length == 0) return Error{Errc::corrupt, "frame announces 0 bytes; a frame holds a message"};
  if (length > limits.max_frame_bytes) {
    return Error{Errc::corrupt, fmt::format("frame announces {} bytes; the maximum is {} "
                                            "(delivery.max_frame_bytes)",
                                            length, limits.max_frame_bytes)};
  }
  if (length % 8 != 0) {
    return Error{
        Errc::corrupt,
        fmt::format("frame announces {} bytes, not a whole number of 8-byte words", length)};
  }
  return length;
}

std::string frame(std::string_view body) {
  std::string out;
  out.reserve(kFrameHeaderBytes + body.size());
  auto n = static_cast<std::uint32_t>(body.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(body);
  return out;
}

}  // namespace provnet::net
