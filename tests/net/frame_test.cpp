// Frame headers are judged before a byte of the body is read.
#include <gtest/gtest.h>

#include "net/frame.hpp"

namespace provnet::net {
namespace {

std::array<std::uint8_t, kFrameHeaderBytes> header_of(std::uint32_t n) {
  return {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
          static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

TEST(Frame, RoundTripsTheLength) {
  std::string body(64, 'x');
  std::string f = frame(body);
  ASSERT_EQ(f.size(), 68u);
  std::array<std::uint8_t, kFrameHeaderBytes> h;
  std::copy_n(reinterpret_cast<const std::uint8_t*>(f.data()), 4, h.begin());
  auto n = parse_frame_header(h, {});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 64u);
  EXPECT_EQ(f.substr(4), body);
}

TEST(Frame, RefusesZeroOversizedAndRaggedLengths) {
  FrameLimits limits{1024};
  auto zero = parse_frame_header(header_of(0), limits);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("0 bytes"), std::string::npos);
  auto huge = parse_frame_header(header_of(0xFFFFFFFFu), limits);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("4294967295"), std::string::npos) << huge.error().message;
  EXPECT_NE(huge.error().message.find("max_frame_bytes"), std::string::npos);
  EXPECT_FALSE(parse_frame_header(header_of(1032), limits).ok());
  EXPECT_TRUE(parse_frame_header(header_of(1024), limits).ok());
  auto ragged = parse_frame_header(header_of(13), limits);
  ASSERT_FALSE(ragged.ok());
  EXPECT_NE(ragged.error().message.find("8-byte words"), std::string::npos);
}

}  // namespace
}  // namespace provnet::net
