// Key encodings for the store's tables. Integers are big-endian so byte order
// is numeric order; text parts are followed by a 0 byte so that "44-1" and
// "44-10" never share a prefix ambiguously.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provnet::store::keys {

void append_u8(std::string& out, std::uint8_t v);
void append_u32(std::string& out, std::uint32_t v);
void append_u64(std::string& out, std::uint64_t v);
std::uint32_t read_u32(std::string_view bytes, std::size_t offset = 0);
std::uint64_t read_u64(std::string_view bytes, std::size_t offset = 0);

// records: record_id \0 version(u32)
std::string record_version(std::string_view record_id, std::uint32_t version);
std::string record_prefix(std::string_view record_id);  // record_id \0
std::optional<std::uint32_t> version_of_record_key(std::string_view key);
// outbox: destination(u8) seq(u64)
std::string outbox(std::uint8_t destination, std::uint64_t seq);
std::string outbox_prefix(std::uint8_t destination);
// inbound_dedup: author(u8) message_id(u64)
std::string dedup(std::uint8_t author, std::uint64_t message_id);
// audit_log: seq(u64)
std::string audit(std::uint64_t seq);

}  // namespace provnet::store::keys
