#include "domain/gb18030.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>
#include <iconv.h>

namespace provnet::domain {

namespace {

constexpr std::size_t kNotDecoded = 0;

struct Decoded {
  char32_t code_point;
  std::size_t size;  // bytes consumed; kNotDecoded when invalid
};

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF. iconv is not asked, because it must not decide what is valid.
Decoded decode_utf8(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(at);
  const std::size_t left = text.size() - at;
  const auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < left && byte(at + i) >= lo && byte(at + i) <= hi;
  };
  if (b0 < 0x80) return {b0, 1};
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return {0, kNotDecoded};
    return {static_cast<char32_t>((b0 & 0x1Fu) << 6 | (byte(at + 1) & 0x3Fu)), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2)) return {0, kNotDecoded};
    return {static_cast<char32_t>((b0 & 0x0Fu) << 12 | (byte(at + 1) & 0x3Fu) << 6 |
                                  (byte(at + 2) & 0x3Fu)),
            3};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return {0, kNotDecoded};
    return {static_cast<char32_t>((b0 & 0x07u) << 18 | (byte(at + 1) & 0x3Fu) << 12 |
                                  (byte(at + 2) & 0x3Fu) << 6 | (byte(at + 3) & 0x3Fu)),
            4};
  }
  return {0, kNotDecoded};
}

// iconv_open is slow and an iconv_t must not be shared between threads.
class Converter {
 public:
  Converter() : cd_(iconv_open("GB18030", "UTF-8")) {}
  ~Converter() {
    if (ok()) iconv_close(cd_);
  }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }

  // GB 18030 bytes of one UTF-8 encoded character; 0 when iconv refuses it.
  std::size_t encoded_size(std::string_view utf8_char) {
    std::array<char, 4> in{};
    std::memcpy(in.data(), utf8_char.data(), utf8_char.size());
    std::array<char, 16> out{};
    char* in_ptr = in.data();
    std::size_t in_left = utf8_char.size();
    char* out_ptr = out.data();
    std::size_t out_left = out.size();
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    if (iconv(cd_, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<std::size_t>(-1)) {
      return 0;
    }
    return out.size() - out_left;
  }

 private:
  iconv_t cd_;
};

Converter& thread_converter() {
  thread_local Converter converter;
  return converter;
}

// GB 18030 is a fixed function of the code point, so what iconv said once
// holds for every thread: a process-wide cache of BMP lengths (0 = not yet
// asked) keeps iconv off the path after the first sighting of a character.
std::array<std::atomic<std::uint8_t>, 0x10000> bmp_length_cache{};

bool is_ascii_block(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return (word & 0x8080808080808080ull) == 0;
}

Error invalid_utf8(std::size_t offset) {
  return Error{Errc::invalid_input, fmt::format("invalid UTF-8 at byte offset {}", offset)};
}

}  // namespace

std::optional<std::size_t> utf8_error_offset(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    if (at + 8 <= text.size() && is_ascii_block(text.data() + at)) {
      at += 8;
      continue;
    }
    const Decoded d = decode_utf8(text, at);
    if (d.size == kNotDecoded) return at;
    at += d.size;
  }
  return std::nullopt;
}

Result<std::size_t> gb18030_length(std::string_view utf8) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(utf8.data());
  const std::size_t n = utf8.size();
  std::size_t length = 0;
  std::size_t at = 0;
  while (at < n) {
    if (at + 8 <= n && is_ascii_block(utf8.data() + at)) {
      at += 8;
      length += 8;
      continue;
    }
    const unsigned char b0 = bytes[at];
    if (b0 < 0x80) {
      ++at;
      ++length;
      continue;
    }
    // Chinese text is almost all three-byte sequences from U+4E00 to U+9FA5
    // (lead bytes E4-E9), which GBK has in its two-byte area: no decoding
    // beyond the bounds is needed for them.
    if (b0 >= 0xE4 && b0 <= 0xE9 && at + 2 < n && (bytes[at + 1] & 0xC0) == 0x80 &&
        (bytes[at + 2] & 0xC0) == 0x80) {
      const char32_t cp =
          (b0 & 0x0Fu) << 12 | (bytes[at + 1] & 0x3Fu) << 6 | (bytes[at + 2] & 0x3Fu);
      if (cp >= 0x4E00 && cp <= 0x9FA5) {
        at += 3;
        length += 2;
        continue;
      }
    }
    const Decoded d = decode_utf8(utf8, at);
    if (d.size == kNotDecoded) return invalid_utf8(at);
    const char32_t cp = d.code_point;
    if (cp >= 0x10000) {
      length += 4;  // GB 18030 writes every supplementary character in four bytes
    } else {
      auto& cached = bmp_length_cache[cp];
      std::size_t size = cached.load(std::memory_order_relaxed);
      if (size == 0) {
        Converter& converter = thread_converter();
        if (!converter.ok()) {
          return Error{Errc::io, "the GB18030 converter of the C library (iconv) is unavailable"};
        }
        size = converter.encoded_size(utf8.substr(at, d.size));
        if (size == 0) {
          return Error{Errc::invalid_input,
                       fmt::format("character U+{:04X} at byte offset {} has no GB 18030 encoding",
                                   static_cast<std::uint32_t>(cp), at)};
        }
        cached.store(static_cast<std::uint8_t>(size), std::memory_order_relaxed);
      }
      length += size;
    }
    at += d.size;
  }
  return length;
}

}  // namespace provnet::domain
