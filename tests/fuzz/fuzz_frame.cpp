// Fuzz target: what a peer's bytes go through before the core sees them —
// the 4-byte frame header, then the Cap'n Proto envelope decoded under the
// node's limits, its fields read, and the signing input computed as the
// signature check does. Nothing may crash, hang or read out of bounds;
// malformed input must come back as an error or a kj::Exception (which the
// core turns into frame.malformed).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/wire_codec.hpp"
#include "net/frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace provnet;
  if (size < net::kFrameHeaderBytes) return 0;
  std::array<std::uint8_t, net::kFrameHeaderBytes> header{};
  std::memcpy(header.data(), data, header.size());
  net::FrameLimits limits;
  limits.max_frame_bytes = 1u << 20;
  auto length = net::parse_frame_header(header, limits);
  if (!length) return 0;
  if (*length > limits.max_frame_bytes) __builtin_trap();  // the header check failed
  std::string_view body(reinterpret_cast<const char*>(data) + header.size(), size - header.size());
  if (body.size() > *length) body = body.substr(0, *length);

  core::DecodeLimits decode_limits;
  decode_limits.traversal_limit_words = (1u << 20) / 8;
  auto decoded = core::DecodedEnvelope::decode(body, decode_limits);
  if (!decoded) return 0;
  try {
    wire::Envelope::Reader env = decoded->root();
    (void)env.getAuthor();
    (void)env.getMessageId();
    (void)core::body_kind_name(env.getBody().which());
    std::string input = core::signing_input(env);
    if (input.empty()) __builtin_trap();  // a canonical message is never empty
  } catch (const kj::Exception&) {
    // Malformed deep inside: the core closes the link, as tested.
  }
  return 0;
}
