// The generic store: opening, transactions, scans, and how failures surface.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/keys.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"
#include "store_test_support.hpp"

namespace provnet::store {
namespace {

namespace fs = std::filesystem;
using testing::open_or_fail;
using testing::options_for;
using testing::take;
using testing::TempDir;

std::vector<std::pair<std::string, std::string>> scan_all(const ReadTxn& txn, Table t,
                                                          std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  auto r = txn.scan(t, prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return true;
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return out;
}

std::optional<std::string> get_string(Store& store, Table t, std::string_view key) {
  auto txn = take(store.begin_read());
  auto got = take(txn.get(t, key));
  if (!got) return std::nullopt;
  return std::string(*got);
}

std::uint64_t count_of(Store& store, Table t) {
  auto txn = take(store.begin_read());
  return take(txn.count(t));
}

void put_and_commit(Store& store, Table t, std::string_view key, std::string_view value) {
  auto txn = take(store.begin_write());
  PROVNET_ASSERT_OK(txn.put(t, key, value));
  PROVNET_ASSERT_OK(txn.commit());
}

// --- opening -----------------------------------------------------------------

TEST(StoreOpen, CreatesTheDirectoryAndTheDatabase) {
  TempDir dir;
  std::string path = dir.sub("a/b/store");
  auto store = open_or_fail(options_for(path));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_TRUE(fs::exists(fs::path(path) / "data.mdb"));
  EXPECT_EQ(store->options().path, path);
  for (int i = 0; i < kTableCount; ++i) {
    EXPECT_EQ(count_of(*store, static_cast<Table>(i)), i == 0 ? 1u : 0u)
        << "table " << table_name(static_cast<Table>(i));
  }
}

TEST(StoreOpen, TableNamesAreTheLmdbNames) {
  EXPECT_EQ(table_name(Table::meta), "meta");
  EXPECT_EQ(table_name(Table::records), "records");
  EXPECT_EQ(table_name(Table::record_heads), "record_heads");
  EXPECT_EQ(table_name(Table::outbox), "outbox");
  EXPECT_EQ(table_name(Table::inbound_dedup), "inbound_dedup");
  EXPECT_EQ(table_name(Table::audit_log), "audit_log");
  EXPECT_EQ(table_name(Table::pending_queries), "pending_queries");
  EXPECT_EQ(table_name(Table::inbox), "inbox");
}

TEST(StoreOpen, ReopenKeepsCommittedData) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  options.durable = true;  // the real daemon's setting; proves it opens too
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    put_and_commit(*store, Table::pending_queries, "q1", "state-1");
    put_and_commit(*store, Table::outbox, keys::outbox(7, 1), "envelope");
  }
  auto store = open_or_fail(options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(get_string(*store, Table::pending_queries, "q1"), "state-1");
  EXPECT_EQ(get_string(*store, Table::outbox, keys::outbox(7, 1)), "envelope");
}

TEST(StoreOpen, WritesTheSchemaVersionOnFirstOpen) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  auto raw = get_string(*store, Table::meta, "schema_version");
  ASSERT_TRUE(raw.has_value());
  std::string expected;
  keys::append_u32(expected, kSchemaVersion);
  EXPECT_EQ(*raw, expected);
  auto txn = take(store->begin_read());
  EXPECT_EQ(take(schema_version(txn)), kSchemaVersion);
}

TEST(StoreOpen, RefusesAStoreOfAnotherSchemaVersion) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    std::string other;
    keys::append_u32(other, kSchemaVersion + 1);
    put_and_commit(*store, Table::meta, kSchemaVersionMetaKey, other);
  }
  auto reopened = Store::open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, Errc::schema_mismatch);
  const std::string& m = reopened.error().message;
  EXPECT_NE(m.find("schema version " + std::to_string(kSchemaVersion + 1)), std::string::npos) << m;
  EXPECT_NE(m.find("schema version " + std::to_string(kSchemaVersion)), std::string::npos) << m;
  EXPECT_NE(m.find(options.path), std::string::npos) << m;

  // Read-only opens check it too.
  options.read_only = true;
  auto read_only = Store::open(options);
  ASSERT_FALSE(read_only.ok());
  EXPECT_EQ(read_only.error().code, Errc::schema_mismatch);
}

TEST(StoreOpen, ASchema3StoreIsUpgradedAndItsEvidenceLeavesTheAuditLog) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    // As schema 3 left it: the national node's evidence entries in audit_log.
    put_and_commit(*store, Table::audit_log, keys::audit(1), "evidence one");
    put_and_commit(*store, Table::audit_log, keys::audit(2), "evidence two");
    std::string three;
    keys::append_u32(three, 3);
    put_and_commit(*store, Table::meta, kSchemaVersionMetaKey, three);
  }
  auto store = open_or_fail(options);
  ASSERT_NE(store, nullptr);
  {
    auto txn = take(store->begin_read());
    EXPECT_EQ(take(schema_version(txn)), kSchemaVersion);
    EXPECT_EQ(take(txn.count(Table::audit_log)), 0u) << "audit_log holds the chain alone";
    EXPECT_EQ(take(txn.count(Table::evidence)), 2u);
  }
  EXPECT_EQ(get_string(*store, Table::evidence, keys::audit(2)), "evidence two");
}

TEST(StoreOpen, ADamagedSchemaVersionIsCorrupt) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    put_and_commit(*store, Table::meta, kSchemaVersionMetaKey, "xy");
  }
  auto reopened = Store::open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, Errc::corrupt) << reopened.error().message;
}

TEST(StoreOpen, ReadOnlyOpenReadsButRefusesWrites) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    put_and_commit(*store, Table::pending_queries, "q", "v");
  }
  options.read_only = true;
  auto store = open_or_fail(options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(get_string(*store, Table::pending_queries, "q"), "v");
  auto w = store->begin_write();
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::read_only);
  EXPECT_NE(w.error().message.find(options.path), std::string::npos) << w.error().message;
}

// A read-only view (provctl store show/backup beside a running node) maps
// the store at the size its node set, whatever size it asks for: its report
// is the node's, and the node's data can never grow past its map.
TEST(StoreOpen, ReadOnlyOpenTakesTheMapSizeItsWriterSet) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  options.map_size_bytes = 8ull << 20;
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    put_and_commit(*store, Table::pending_queries, "q", "v");
  }
  for (std::uint64_t asked : {1ull << 20, 1ull << 30}) {
    auto read_only = options;
    read_only.read_only = true;
    read_only.map_size_bytes = asked;
    auto store = open_or_fail(read_only);
    ASSERT_NE(store, nullptr);
    auto stats = take(store->stats());
    EXPECT_EQ(stats.map_size_bytes, 8ull << 20) << "asked for " << asked;
    EXPECT_EQ(get_string(*store, Table::pending_queries, "q"), "v");
  }
}

TEST(StoreOpen, ReadOnlyOpenOfAMissingStoreSaysSoAndCreatesNothing) {
  TempDir dir;
  auto options = options_for(dir.sub("never-created"));
  options.read_only = true;
  auto opened = Store::open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::not_found);
  EXPECT_NE(opened.error().message.find("read-only"), std::string::npos) << opened.error().message;
  EXPECT_FALSE(fs::exists(options.path));
}

TEST(StoreOpen, AnEmptyPathIsInvalid) {
  auto opened = Store::open(StoreOptions{});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::invalid_input);
}

TEST(StoreOpen, AGarbageDataFileIsCorrupt) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    put_and_commit(*store, Table::pending_queries, "q", "v");
  }
  {
    std::ofstream out(fs::path(options.path) / "data.mdb", std::ios::binary | std::ios::trunc);
    std::uint32_t x = 12345;
    for (int i = 0; i < 64 * 1024; ++i) {
      x = x * 1103515245u + 12345u;  // any bytes that are not LMDB's
      out.put(static_cast<char>(x >> 24));
    }
  }
  auto opened = Store::open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::corrupt) << opened.error().message;
  EXPECT_NE(opened.error().message.find(options.path), std::string::npos) << opened.error().message;
}

// --- reads and writes ----------------------------------------------------------

TEST(StoreTxn, PutGetEraseInsert) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  auto txn = take(store->begin_write());
  PROVNET_ASSERT_OK(txn.put(Table::pending_queries, "k", "v1"));
  EXPECT_EQ(take(txn.get(Table::pending_queries, "k")), "v1");
  PROVNET_ASSERT_OK(txn.put(Table::pending_queries, "k", "v2"));
  EXPECT_EQ(take(txn.get(Table::pending_queries, "k")), "v2");

  EXPECT_FALSE(take(txn.insert(Table::pending_queries, "k", "v3")));
  EXPECT_EQ(take(txn.get(Table::pending_queries, "k")), "v2");
  EXPECT_TRUE(take(txn.insert(Table::pending_queries, "new", "n")));

  // Tables are separate key spaces.
  EXPECT_FALSE(take(txn.get(Table::records, "k")).has_value());

  EXPECT_TRUE(take(txn.erase(Table::pending_queries, "k")));
  EXPECT_FALSE(take(txn.erase(Table::pending_queries, "k")));
  EXPECT_FALSE(take(txn.get(Table::pending_queries, "k")).has_value());
  PROVNET_ASSERT_OK(txn.commit());

  EXPECT_EQ(get_string(*store, Table::pending_queries, "new"), "n");
  EXPECT_FALSE(get_string(*store, Table::pending_queries, "k").has_value());
  EXPECT_EQ(count_of(*store, Table::pending_queries), 1u);
}

TEST(StoreTxn, ValuesMayBeEmptyAndBinary) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  std::string binary("\0\1\xff\0", 4);
  put_and_commit(*store, Table::pending_queries, "empty", "");
  put_and_commit(*store, Table::pending_queries, binary, binary);
  EXPECT_EQ(get_string(*store, Table::pending_queries, "empty"), "");
  EXPECT_EQ(get_string(*store, Table::pending_queries, binary), binary);
}

TEST(StoreTxn, AnInvalidKeyIsInvalidInputAndSpoilsTheTransaction) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  auto txn = take(store->begin_write());
  PROVNET_ASSERT_OK(txn.put(Table::pending_queries, "ok", "v"));
  auto too_long = txn.put(Table::pending_queries, std::string(600, 'k'), "v");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, Errc::invalid_input) << too_long.error().message;
  auto committed = txn.commit();
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().code, Errc::invalid_input);
  EXPECT_EQ(count_of(*store, Table::pending_queries), 0u);
}

TEST(StoreTxn, ScanVisitsThePrefixInKeyOrderAndStopsEarly) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  {
    auto txn = take(store->begin_write());
    // Inserted out of order; byte order puts "b10" between "b1" and "b2".
    for (const char* k : {"c", "b2", "a", "b10", "b1", "b"}) {
      PROVNET_ASSERT_OK(txn.put(Table::pending_queries, k, std::string("v") + k));
    }
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto txn = take(store->begin_read());
  std::vector<std::pair<std::string, std::string>> want = {
      {"b", "vb"}, {"b1", "vb1"}, {"b10", "vb10"}, {"b2", "vb2"}};
  EXPECT_EQ(scan_all(txn, Table::pending_queries, "b"), want);
  EXPECT_EQ(scan_all(txn, Table::pending_queries, "").size(), 6u);
  EXPECT_TRUE(scan_all(txn, Table::pending_queries, "d").empty());
  EXPECT_TRUE(scan_all(txn, Table::pending_queries, "\xff\xff").empty());
  EXPECT_TRUE(scan_all(txn, Table::records, "").empty());

  std::vector<std::string> seen;
  PROVNET_ASSERT_OK(txn.scan(Table::pending_queries, "b", [&](std::string_view k, auto) {
    seen.emplace_back(k);
    return seen.size() < 2;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "b1"}));
}

TEST(StoreTxn, ScanFromResumesWhereABatchEnded) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  {
    auto txn = take(store->begin_write());
    for (std::uint64_t seq : {1, 2, 3, 255, 256, 1000}) {
      PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(5, seq), std::to_string(seq)));
    }
    PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(4, 9), "other-before"));
    PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(6, 0), "other-after"));
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto txn = take(store->begin_read());
  auto from = [&](std::string_view start) {
    std::vector<std::string> values;
    auto r = txn.scan_from(Table::outbox, keys::outbox_prefix(5), start,
                           [&](std::string_view, std::string_view v) {
                             values.emplace_back(v);
                             return true;
                           });
    EXPECT_TRUE(r.ok());
    return values;
  };
  EXPECT_EQ(from(keys::outbox(5, 3)), (std::vector<std::string>{"3", "255", "256", "1000"}));
  // A resume key that is gone (acknowledged) starts at the next one.
  EXPECT_EQ(from(keys::outbox(5, 4)), (std::vector<std::string>{"255", "256", "1000"}));
  // Below the prefix: from its start; past the last: nothing, and never
  // another destination's entries.
  EXPECT_EQ(from(keys::outbox(4, 0)).size(), 6u);
  EXPECT_TRUE(from(keys::outbox(5, 1001)).empty());
  EXPECT_EQ(from(keys::outbox(5, 1000)), (std::vector<std::string>{"1000"}));
}

TEST(StoreTxn, LastFindsTheGreatestKeyWithAPrefix) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  {
    auto txn = take(store->begin_write());
    EXPECT_FALSE(take(txn.last(Table::outbox, "")).has_value());
    PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(1, 7), "a"));
    PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(1, 300), "b"));
    PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(2, 1), "c"));
    PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(255, 5), "d"));
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto txn = take(store->begin_read());
  auto last_value = [&](std::string_view prefix) -> std::optional<std::string> {
    auto kv = take(txn.last(Table::outbox, prefix));
    if (!kv) return std::nullopt;
    return std::string(kv->value);
  };
  EXPECT_EQ(last_value(keys::outbox_prefix(1)), "b");
  EXPECT_EQ(last_value(keys::outbox_prefix(2)), "c");
  EXPECT_EQ(last_value(keys::outbox_prefix(255)), "d");  // no successor prefix
  EXPECT_EQ(last_value(""), "d");
  EXPECT_FALSE(last_value(keys::outbox_prefix(0)).has_value());
  EXPECT_FALSE(last_value(keys::outbox_prefix(3)).has_value());
}

TEST(StoreTxn, AReadTxnSeesOneSnapshot) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  put_and_commit(*store, Table::pending_queries, "k", "old");
  auto reader = take(store->begin_read());
  put_and_commit(*store, Table::pending_queries, "k", "new");
  EXPECT_EQ(take(reader.get(Table::pending_queries, "k")), "old");
  EXPECT_EQ(get_string(*store, Table::pending_queries, "k"), "new");
}

TEST(StoreTxn, AnExplicitAbortLeavesNothing) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  put_and_commit(*store, Table::pending_queries, "kept", "1");
  auto txn = take(store->begin_write());
  PROVNET_ASSERT_OK(txn.put(Table::pending_queries, "dropped", "2"));
  PROVNET_ASSERT_OK(txn.erase(Table::pending_queries, "kept"));
  txn.abort();
  EXPECT_EQ(get_string(*store, Table::pending_queries, "kept"), "1");
  EXPECT_FALSE(get_string(*store, Table::pending_queries, "dropped").has_value());
  // Ended means ended: no use, no second commit.
  auto late = txn.put(Table::pending_queries, "late", "3");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::invalid_input);
  EXPECT_FALSE(txn.commit().ok());
  txn.abort();  // harmless
}

TEST(StoreTxn, DestroyingAnUncommittedWriteTxnAbortsIt) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  {
    auto txn = take(store->begin_write());
    PROVNET_ASSERT_OK(txn.put(Table::pending_queries, "dropped", "2"));
  }
  EXPECT_FALSE(get_string(*store, Table::pending_queries, "dropped").has_value());
  // The writer lock was released: another write goes through.
  put_and_commit(*store, Table::pending_queries, "next", "3");
  EXPECT_EQ(count_of(*store, Table::pending_queries), 1u);
}

TEST(StoreTxn, ACommittedTxnCannotBeUsedAgain) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  auto txn = take(store->begin_write());
  PROVNET_ASSERT_OK(txn.put(Table::pending_queries, "k", "v"));
  PROVNET_ASSERT_OK(txn.commit());
  auto again = txn.commit();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::invalid_input);
  EXPECT_FALSE(txn.get(Table::pending_queries, "k").ok());
  EXPECT_EQ(get_string(*store, Table::pending_queries, "k"), "v");
}

TEST(StoreTxn, AMovedFromTxnNeitherAbortsNorCommits) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  std::optional<WriteTxn> holder;
  {
    auto first = take(store->begin_write());
    PROVNET_ASSERT_OK(first.put(Table::pending_queries, "moved", "1"));
    holder.emplace(std::move(first));
    EXPECT_FALSE(first.commit().ok());  // NOLINT(bugprone-use-after-move): on purpose
  }  // `first` is destroyed here; it must not abort what `holder` now owns.
  PROVNET_ASSERT_OK(holder->put(Table::pending_queries, "after", "2"));
  PROVNET_ASSERT_OK(holder->commit());
  EXPECT_EQ(get_string(*store, Table::pending_queries, "moved"), "1");
  EXPECT_EQ(get_string(*store, Table::pending_queries, "after"), "2");

  // Move assignment into an ended transaction.
  auto target = take(store->begin_write());
  target.abort();
  {
    auto source = take(store->begin_write());
    PROVNET_ASSERT_OK(source.put(Table::pending_queries, "assigned", "3"));
    target = std::move(source);
  }
  PROVNET_ASSERT_OK(target.commit());
  EXPECT_EQ(get_string(*store, Table::pending_queries, "assigned"), "3");

  // Read transactions: assignment ends the one overwritten.
  auto r1 = take(store->begin_read());
  auto r2 = take(store->begin_read());
  r1 = std::move(r2);
  EXPECT_EQ(take(r1.get(Table::pending_queries, "assigned")), "3");
  EXPECT_FALSE(r2.get(Table::pending_queries, "assigned").ok());  // NOLINT: on purpose
}

// --- a full map ------------------------------------------------------------------

constexpr std::uint64_t kTinyMap = 256 * 1024;

TEST(StoreFull, MapFullIsStoreFullAndKeepsWhatWasCommitted) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  options.map_size_bytes = kTinyMap;
  std::uint64_t committed = 0;
  {
    auto store = open_or_fail(options);
    ASSERT_NE(store, nullptr);
    std::optional<Error> failure;
    const std::string value(1000, 'x');
    for (int i = 0; i < 10000 && !failure; ++i) {
      auto txn = take(store->begin_write());
      auto put = txn.put(Table::pending_queries, "q" + std::to_string(i), value);
      if (!put) {
        failure = put.error();
        break;
      }
      auto commit = txn.commit();
      if (!commit) {
        failure = commit.error();
        break;
      }
      ++committed;
    }
    ASSERT_TRUE(failure.has_value()) << "a 256 KiB map never filled up";
    EXPECT_EQ(failure->code, Errc::store_full) << failure->message;
    EXPECT_NE(failure->message.find("store.map_size"), std::string::npos) << failure->message;
    EXPECT_NE(failure->message.find(options.path), std::string::npos) << failure->message;
    EXPECT_NE(failure->message.find("0.25 MiB"), std::string::npos) << failure->message;
    EXPECT_GT(committed, 10u);

    // Still readable, with everything committed before.
    EXPECT_EQ(count_of(*store, Table::pending_queries), committed);
    EXPECT_EQ(get_string(*store, Table::pending_queries, "q0"), value);
  }
  // An operator raises store.map_size and restarts: all is there, and more fits.
  options.map_size_bytes = 4ull << 20;
  auto store = open_or_fail(options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(count_of(*store, Table::pending_queries), committed);
  for (int i = 0; i < 100; ++i) {
    put_and_commit(*store, Table::records, "r" + std::to_string(i), std::string(1000, 'y'));
  }
  EXPECT_EQ(count_of(*store, Table::records), 100u);
  EXPECT_EQ(take(store->stats()).map_size_bytes, 4ull << 20);
}

TEST(StoreFull, AFailedPutSpoilsTheTxnAndItsCommitLeavesNothing) {
  TempDir dir;
  auto options = options_for(dir.sub("s"));
  options.map_size_bytes = kTinyMap;
  auto store = open_or_fail(options);
  ASSERT_NE(store, nullptr);
  put_and_commit(*store, Table::pending_queries, "before", "kept");

  auto txn = take(store->begin_write());
  std::optional<Error> failure;
  for (int i = 0; i < 10000; ++i) {
    auto put = txn.put(Table::pending_queries, "q" + std::to_string(i), std::string(1000, 'x'));
    if (!put) {
      failure = put.error();
      break;
    }
  }
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, Errc::store_full) << failure->message;

  // Later calls report the first failure, not LMDB's "transaction must abort".
  auto later = txn.put(Table::pending_queries, "later", "x");
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, Errc::store_full);
  EXPECT_FALSE(txn.get(Table::pending_queries, "before").ok());

  auto commit = txn.commit();
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.error().code, Errc::store_full);
  EXPECT_EQ(commit.error().message, failure->message);

  EXPECT_EQ(count_of(*store, Table::pending_queries), 1u);
  EXPECT_EQ(get_string(*store, Table::pending_queries, "before"), "kept");
  // The failed transaction released the writer: small writes still fit.
  put_and_commit(*store, Table::pending_queries, "after", "small");
  EXPECT_EQ(get_string(*store, Table::pending_queries, "after"), "small");
}

// --- stats and backup --------------------------------------------------------------

TEST(StoreStats, ReportsMapUseAndEntriesPerTable) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  {
    auto txn = take(store->begin_write());
    for (int i = 0; i < 50; ++i) {
      PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(1, i), std::string(100, 'e')));
    }
    PROVNET_ASSERT_OK(txn.put(Table::audit_log, keys::audit(1), "a"));
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto stats = take(store->stats());
  EXPECT_EQ(stats.map_size_bytes, 16ull << 20);
  EXPECT_GT(stats.used_bytes, 0u);
  EXPECT_LE(stats.used_bytes, stats.map_size_bytes);
  EXPECT_EQ(stats.used_bytes % 4096, 0u);
  ASSERT_EQ(stats.tables.size(), static_cast<std::size_t>(kTableCount));
  for (const auto& t : stats.tables) {
    std::uint64_t want = t.table == Table::outbox      ? 50
                         : t.table == Table::audit_log ? 1
                         : t.table == Table::meta      ? 1
                                                       : 0;
    EXPECT_EQ(t.entries, want) << table_name(t.table);
  }
}

TEST(StoreBackup, CopyToMakesAStoreWithTheSameContentsWhileReadersAreOpen) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  {
    auto txn = take(store->begin_write());
    for (int i = 0; i < 200; ++i) {
      PROVNET_ASSERT_OK(txn.put(Table::records, "r" + std::to_string(i), std::to_string(i)));
    }
    PROVNET_ASSERT_OK(txn.put(Table::outbox, keys::outbox(3, 1), "env"));
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto reader = take(store->begin_read());  // the node keeps serving reads
  put_and_commit(*store, Table::pending_queries, "late", "after-reader");

  std::string backup = dir.sub("backup/daily");
  PROVNET_ASSERT_OK(store->copy_to(backup));
  EXPECT_EQ(take(reader.count(Table::records)), 200u);

  auto copy = open_or_fail(options_for(backup));
  ASSERT_NE(copy, nullptr);
  auto source_txn = take(store->begin_read());
  auto copy_txn = take(copy->begin_read());
  for (int i = 0; i < kTableCount; ++i) {
    auto t = static_cast<Table>(i);
    EXPECT_EQ(scan_all(copy_txn, t, ""), scan_all(source_txn, t, "")) << table_name(t);
  }
  EXPECT_EQ(take(copy_txn.get(Table::pending_queries, "late")), "after-reader");
  auto mode = fs::status(fs::path(backup) / "data.mdb").permissions();
  EXPECT_EQ(mode & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
}

TEST(StoreBackup, CopyToUsesAnEmptyDirectoryAndRefusesAFullOne) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("s")));
  ASSERT_NE(store, nullptr);
  put_and_commit(*store, Table::pending_queries, "k", "v");

  std::string empty = dir.sub("empty");
  fs::create_directories(empty);
  PROVNET_ASSERT_OK(store->copy_to(empty));
  auto copy = open_or_fail(options_for(empty));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(get_string(*copy, Table::pending_queries, "k"), "v");
  copy.reset();

  auto again = store->copy_to(empty);  // now holds a store
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::invalid_input);
  EXPECT_NE(again.error().message.find("not empty"), std::string::npos) << again.error().message;

  std::string file = dir.sub("a-file");
  std::ofstream(file) << "x";
  auto onto_file = store->copy_to(file);
  ASSERT_FALSE(onto_file.ok());
  EXPECT_EQ(onto_file.error().code, Errc::invalid_input);
}

// `mdb_stat` is what an operator reaches for; the tables must show under the
// names the code gives them.
TEST(StoreTools, MdbStatListsTheNamedDatabases) {
  TempDir dir;
  auto path = dir.sub("s");
  {
    auto store = open_or_fail(options_for(path));
    ASSERT_NE(store, nullptr);
    put_and_commit(*store, Table::outbox, keys::outbox(1, 1), "env");
  }
  std::string command = "mdb_stat -a '" + path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) output.append(buf.data(), n);
  int status = ::pclose(pipe);
  if (status != 0 && output.find("not found") != std::string::npos) {
    GTEST_SKIP() << "mdb_stat (lmdb-utils) is not installed";
  }
  ASSERT_EQ(status, 0) << output;
  for (int i = 0; i < kTableCount; ++i) {
    std::string name(table_name(static_cast<Table>(i)));
    EXPECT_NE(output.find("Status of " + name + "\n"), std::string::npos)
        << name << " missing in:\n"
        << output;
  }
}

}  // namespace
}  // namespace provnet::store
