// Key encodings: byte order must be numeric order, and prefixes unambiguous.
#include <gtest/gtest.h>

#include <string>

#include "store/keys.hpp"

namespace provnet::store::keys {
namespace {

using namespace std::string_literals;

TEST(Keys, IntegersAreBigEndian) {
  std::string out;
  append_u8(out, 0xab);
  append_u32(out, 0x01020304u);
  append_u64(out, 0x0a0b0c0d0e0f1011ull);
  EXPECT_EQ(out, "\xab\x01\x02\x03\x04\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11"s);
  EXPECT_EQ(read_u32(out, 1), 0x01020304u);
  EXPECT_EQ(read_u64(out, 5), 0x0a0b0c0d0e0f1011ull);
}

TEST(Keys, RoundTripsExtremes) {
  for (std::uint64_t v : {0ull, 1ull, 255ull, 256ull, 0xffffffffull, ~0ull}) {
    std::string out;
    append_u64(out, v);
    EXPECT_EQ(read_u64(out), v);
  }
  for (std::uint32_t v : {0u, 1u, 0x80000000u, 0xffffffffu}) {
    std::string out;
    append_u32(out, v);
    EXPECT_EQ(read_u32(out), v);
  }
}

TEST(Keys, ByteOrderIsNumericOrder) {
  EXPECT_LT(record_version("r", 2), record_version("r", 10));
  EXPECT_LT(record_version("r", 255), record_version("r", 256));
  EXPECT_LT(outbox(1, 0xff), outbox(1, 0x100));
  EXPECT_LT(outbox(1, ~0ull), outbox(2, 0));
  EXPECT_LT(audit(9), audit(10));
  EXPECT_LT(dedup(3, 1ull << 40), dedup(4, 0));
}

TEST(Keys, RecordIdsThatPrefixEachOtherDoNotShareKeys) {
  // "44-1" is a prefix of "44-10" as text; the 0 separator keeps them apart.
  std::string short_id_prefix = record_prefix("44-1");
  EXPECT_FALSE(record_version("44-10", 1).starts_with(short_id_prefix));
  EXPECT_TRUE(record_version("44-1", 7).starts_with(short_id_prefix));
  EXPECT_EQ(record_prefix("44-1"), "44-1\0"s);
  EXPECT_EQ(record_version("44-1", 1), "44-1\0\0\0\0\x01"s);
}

TEST(Keys, VersionOfRecordKey) {
  EXPECT_EQ(version_of_record_key(record_version("abc", 10)), 10u);
  EXPECT_EQ(version_of_record_key(record_version("x", 0xfffffffe)), 0xfffffffeu);
  EXPECT_FALSE(version_of_record_key("abc").has_value());
  EXPECT_FALSE(version_of_record_key("abcdefgh").has_value());  // no separator
  EXPECT_FALSE(version_of_record_key("").has_value());
}

TEST(Keys, OutboxDedupAuditLayouts) {
  EXPECT_EQ(outbox(7, 1), "\x07\0\0\0\0\0\0\0\x01"s);
  EXPECT_EQ(outbox_prefix(7), "\x07"s);
  EXPECT_TRUE(outbox(7, 12345).starts_with(outbox_prefix(7)));
  EXPECT_EQ(dedup(44, 2), "\x2c\0\0\0\0\0\0\0\x02"s);
  EXPECT_EQ(audit(1), "\0\0\0\0\0\0\0\x01"s);
}

}  // namespace
}  // namespace provnet::store::keys
