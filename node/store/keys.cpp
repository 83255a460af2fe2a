#include "store/keys.hpp"

#include <cassert>

namespace provnet::store::keys {

namespace {

template <class T>
void append_big_endian(std::string& out, T v) {
  for (int shift = static_cast<int>(sizeof(T) * 8) - 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

template <class T>
T read_big_endian(std::string_view bytes, std::size_t offset) {
  assert(offset <= bytes.size() && bytes.size() - offset >= sizeof(T));
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    v = static_cast<T>((v << 8) | static_cast<unsigned char>(bytes[offset + i]));
  }
  return v;
}

}  // namespace

void append_u8(std::string& out, std::uint8_t v) {
  out.push_back(static_cast<char>(v));
}
void append_u32(std::string& out, std::uint32_t v) {
  append_big_endian(out, v);
}
void append_u64(std::string& out, std::uint64_t v) {
  append_big_endian(out, v);
}

std::uint32_t read_u32(std::string_view bytes, std::size_t offset) {
  return read_big_endian<std::uint32_t>(bytes, offset);
}

std::uint64_t read_u64(std::string_view bytes, std::size_t offset) {
  return read_big_endian<std::uint64_t>(bytes, offset);
}

std::string record_prefix(std::string_view record_id) {
  // A record id containing a 0 byte would make one id a prefix of another's
  // keys; callers (tables.cpp) reject such ids before they get here.
  assert(record_id.find('\0') == std::string_view::npos);
  std::string out;
  out.reserve(record_id.size() + 1 + 4);
  out.append(record_id);
  out.push_back('\0');
  return out;
}

std::string record_version(std::string_view record_id, std::uint32_t version) {
  std::string out = record_prefix(record_id);
  append_u32(out, version);
  return out;
}

std::optional<std::uint32_t> version_of_record_key(std::string_view key) {
  if (key.size() < 5 || key[key.size() - 5] != '\0') return std::nullopt;
  return read_u32(key, key.size() - 4);
}

std::string outbox_prefix(std::uint8_t destination) {
  std::string out;
  append_u8(out, destination);
  return out;
}

std::string outbox(std::uint8_t destination, std::uint64_t seq) {
  std::string out;
  out.reserve(1 + 8);
  append_u8(out, destination);
  append_u64(out, seq);
  return out;
}

std::string dedup(std::uint8_t author, std::uint64_t message_id) {
  std::string out;
  out.reserve(1 + 8);
  append_u8(out, author);
  append_u64(out, message_id);
  return out;
}

std::string audit(std::uint64_t seq) {
  std::string out;
  out.reserve(8);
  append_u64(out, seq);
  return out;
}

}  // namespace provnet::store::keys
