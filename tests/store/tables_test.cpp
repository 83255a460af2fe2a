// The typed tables the core uses: history, outbox, dedup, audit, queries, meta.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/keys.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"
#include "store_test_support.hpp"

namespace provnet::store {
namespace {

using testing::open_or_fail;
using testing::options_for;
using testing::take;
using testing::TempDir;

class TablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_fail(options_for(dir_.sub("s")));
    ASSERT_NE(store_, nullptr);
  }
  void reopen() {
    store_.reset();
    store_ = open_or_fail(options_for(dir_.sub("s")));
    ASSERT_NE(store_, nullptr);
  }
  WriteTxn write() { return take(store_->begin_write()); }
  ReadTxn read() { return take(store_->begin_read()); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// --- meta ----------------------------------------------------------------------

TEST_F(TablesTest, MetaCountersRoundTripAndPersist) {
  {
    auto txn = write();
    EXPECT_FALSE(take(meta_get_u64(txn, kNextMessageIdMetaKey)).has_value());
    PROVNET_ASSERT_OK(meta_put_u64(txn, kNextMessageIdMetaKey, 41));
    PROVNET_ASSERT_OK(meta_put_u64(txn, "big", ~0ull));
    PROVNET_ASSERT_OK(txn.commit());
  }
  reopen();
  auto txn = read();
  EXPECT_EQ(take(meta_get_u64(txn, kNextMessageIdMetaKey)), 41u);
  EXPECT_EQ(take(meta_get_u64(txn, "big")), ~0ull);
  EXPECT_EQ(take(schema_version(txn)), kSchemaVersion);
}

TEST_F(TablesTest, AMetaValueOfTheWrongSizeIsCorrupt) {
  auto txn = write();
  PROVNET_ASSERT_OK(txn.put(Table::meta, "odd", "abc"));
  auto got = meta_get_u64(txn, "odd");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::corrupt);
  // The schema version is a u32, not a u64 counter.
  EXPECT_EQ(meta_get_u64(txn, kSchemaVersionMetaKey).error().code, Errc::corrupt);
}

TEST_F(TablesTest, AnEmptyMetaKeyIsRefusedWithoutSpoilingTheTxn) {
  auto txn = write();
  auto put = meta_put_u64(txn, "", 1);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::invalid_input);
  PROVNET_ASSERT_OK(meta_put_u64(txn, "fine", 1));
  PROVNET_ASSERT_OK(txn.commit());
}

// --- records ---------------------------------------------------------------------

TEST_F(TablesTest, RecordHistoryIsInVersionOrderAcrossByteBoundaries) {
  {
    auto txn = write();
    EXPECT_FALSE(take(latest_version(txn, "44-1")).has_value());
    // Out of order, and 10 > 2 only if versions compare as numbers.
    PROVNET_ASSERT_OK(append_record_version(txn, "44-1", 10, "v10"));
    PROVNET_ASSERT_OK(append_record_version(txn, "44-1", 1, "v1"));
    PROVNET_ASSERT_OK(append_record_version(txn, "44-1", 2, "v2"));
    PROVNET_ASSERT_OK(append_record_version(txn, "44-1", 256, "v256"));
    // A record whose id extends this one's must stay out of its history.
    PROVNET_ASSERT_OK(append_record_version(txn, "44-10", 3, "other"));
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto txn = read();
  auto history = take(record_history(txn, "44-1"));
  ASSERT_EQ(history.size(), 4u);
  std::vector<std::uint32_t> versions;
  for (const auto& v : history) versions.push_back(v.version);
  EXPECT_EQ(versions, (std::vector<std::uint32_t>{1, 2, 10, 256}));
  EXPECT_EQ(history[0].bytes, "v1");
  EXPECT_EQ(history[2].bytes, "v10");
  EXPECT_EQ(take(latest_version(txn, "44-1")), 256u);
  EXPECT_EQ(take(latest_version(txn, "44-10")), 3u);
  EXPECT_EQ(take(record_history(txn, "44-10")).size(), 1u);
  EXPECT_TRUE(take(record_history(txn, "44-2")).empty());
  EXPECT_EQ(take(record_version_bytes(txn, "44-1", 2)), "v2");
  EXPECT_FALSE(take(record_version_bytes(txn, "44-1", 3)).has_value());
}

TEST_F(TablesTest, HistoryIsNeverOverwritten) {
  auto txn = write();
  PROVNET_ASSERT_OK(append_record_version(txn, "r", 1, "first"));
  auto again = append_record_version(txn, "r", 1, "second");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_NE(again.error().message.find("version 1"), std::string::npos) << again.error().message;
  // A conflict is an answer, not a failure: the txn goes on and commits.
  PROVNET_ASSERT_OK(append_record_version(txn, "r", 2, "next"));
  PROVNET_ASSERT_OK(txn.commit());
  auto r = read();
  auto history = take(record_history(r, "r"));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].bytes, "first");
}

TEST_F(TablesTest, AnOlderVersionArrivingLateDoesNotMoveTheHeadBack) {
  auto txn = write();
  PROVNET_ASSERT_OK(append_record_version(txn, "r", 5, "v5"));
  PROVNET_ASSERT_OK(append_record_version(txn, "r", 4, "v4"));
  EXPECT_EQ(take(latest_version(txn, "r")), 5u);
}

TEST_F(TablesTest, RecordIdsMustBeUsableAsKeys) {
  auto txn = write();
  for (std::string bad : {std::string(), std::string("a\0b", 3), std::string(507, 'x')}) {
    auto r = append_record_version(txn, bad, 1, "v");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_input) << r.error().message;
  }
  PROVNET_ASSERT_OK(append_record_version(txn, std::string(kMaxRecordIdBytes, 'x'), 1, "v"));
  PROVNET_ASSERT_OK(txn.commit());
}

// --- outbox --------------------------------------------------------------------

TEST_F(TablesTest, OutboxKeepsSeqOrderPerDestination) {
  {
    auto txn = write();
    for (std::uint64_t seq : {300, 2, 1, 256, 255}) {
      PROVNET_ASSERT_OK(outbox_append(txn, 5, seq, "to5-" + std::to_string(seq)));
    }
    PROVNET_ASSERT_OK(outbox_append(txn, 4, 1, "to4"));
    PROVNET_ASSERT_OK(outbox_append(txn, 6, 1, "to6"));
    auto dup = outbox_append(txn, 5, 2, "again");
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, Errc::conflict);
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto txn = read();
  auto all = take(outbox_scan(txn, 5, 0, 100, SIZE_MAX));
  std::vector<std::uint64_t> seqs;
  for (const auto& e : all) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 255, 256, 300}));
  EXPECT_EQ(all[3].bytes, "to5-256");
  EXPECT_EQ(take(outbox_depth(txn, 5)), 5u);
  EXPECT_EQ(take(outbox_depth(txn, 4)), 1u);
  EXPECT_EQ(take(outbox_depth(txn, 7)), 0u);
  EXPECT_EQ(take(outbox_last_seq(txn, 5)), 300u);
  EXPECT_FALSE(take(outbox_last_seq(txn, 7)).has_value());

  auto four = take(outbox_scan(txn, 4, 0, 100, SIZE_MAX));
  ASSERT_EQ(four.size(), 1u);
  EXPECT_EQ(four[0].bytes, "to4");
}

TEST_F(TablesTest, OutboxScanMakesBoundedResumableBatches) {
  {
    auto txn = write();
    for (std::uint64_t seq = 1; seq <= 10; ++seq) {
      PROVNET_ASSERT_OK(outbox_append(txn, 1, seq, std::string(100, 'e')));
    }
    PROVNET_ASSERT_OK(outbox_append(txn, 1, 11, std::string(1000, 'B')));
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto txn = read();
  // By count.
  auto batch = take(outbox_scan(txn, 1, 0, 3, SIZE_MAX));
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.back().seq, 3u);
  batch = take(outbox_scan(txn, 1, batch.back().seq + 1, 3, SIZE_MAX));
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.front().seq, 4u);
  // By bytes: 250 bytes hold two 100-byte envelopes.
  batch = take(outbox_scan(txn, 1, 1, 100, 250));
  EXPECT_EQ(batch.size(), 2u);
  // An envelope larger than the byte budget still goes, alone.
  batch = take(outbox_scan(txn, 1, 11, 100, 10));
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].seq, 11u);
  // Nothing asked, nothing given; past the end, nothing.
  EXPECT_TRUE(take(outbox_scan(txn, 1, 1, 0, SIZE_MAX)).empty());
  EXPECT_TRUE(take(outbox_scan(txn, 1, 12, 10, SIZE_MAX)).empty());
}

TEST_F(TablesTest, OutboxRemoveTouchesOnlyItsDestination) {
  auto txn = write();
  PROVNET_ASSERT_OK(outbox_append(txn, 1, 7, "a"));
  PROVNET_ASSERT_OK(outbox_append(txn, 2, 7, "b"));
  EXPECT_TRUE(take(outbox_remove(txn, 1, 7)));
  EXPECT_FALSE(take(outbox_remove(txn, 1, 7)));  // a second ack for it
  EXPECT_EQ(take(outbox_depth(txn, 1)), 0u);
  EXPECT_EQ(take(outbox_depth(txn, 2)), 1u);
}

// --- dedup -----------------------------------------------------------------------

TEST_F(TablesTest, DedupRecordsTheFirstAckAndKeepsIt) {
  {
    auto txn = write();
    EXPECT_FALSE(take(dedup_lookup(txn, 44, 9)).has_value());
    EXPECT_TRUE(take(dedup_record(txn, 44, 9, "ack-1")));
    EXPECT_FALSE(take(dedup_record(txn, 44, 9, "ack-2")));
    EXPECT_TRUE(take(dedup_record(txn, 45, 9, "other-author")));
    PROVNET_ASSERT_OK(txn.commit());
  }
  reopen();
  auto txn = read();
  EXPECT_EQ(take(dedup_lookup(txn, 44, 9)), "ack-1");
  EXPECT_EQ(take(dedup_lookup(txn, 45, 9)), "other-author");
  EXPECT_FALSE(take(dedup_lookup(txn, 44, 10)).has_value());
}

// --- audit ---------------------------------------------------------------------

TEST_F(TablesTest, AuditSeqCountsFromOneAcrossTxnsAndRestarts) {
  {
    auto txn = read();
    EXPECT_EQ(take(audit_last_seq(txn)), 0u);
  }
  {
    auto txn = write();
    EXPECT_EQ(take(audit_append(txn, "e1")), 1u);
    EXPECT_EQ(take(audit_append(txn, "e2")), 2u);
    PROVNET_ASSERT_OK(txn.commit());
  }
  {
    auto txn = write();
    EXPECT_EQ(take(audit_append(txn, "lost")), 3u);
    txn.abort();  // an aborted seq is handed out again
  }
  for (int i = 3; i <= 300; ++i) {
    auto txn = write();
    EXPECT_EQ(take(audit_append(txn, "e" + std::to_string(i))), static_cast<std::uint64_t>(i));
    PROVNET_ASSERT_OK(txn.commit());
  }
  reopen();
  {
    auto txn = write();
    EXPECT_EQ(take(audit_last_seq(txn)), 300u);
    EXPECT_EQ(take(audit_append(txn, "after-restart")), 301u);
    PROVNET_ASSERT_OK(txn.commit());
  }
  auto txn = read();
  EXPECT_EQ(take(audit_get(txn, 3)), "e3");
  EXPECT_EQ(take(audit_get(txn, 301)), "after-restart");
  EXPECT_FALSE(take(audit_get(txn, 302)).has_value());

  std::vector<std::uint64_t> seen;
  PROVNET_ASSERT_OK(audit_scan(txn, 255, [&](std::uint64_t seq, std::string_view) {
    seen.push_back(seq);
    return seq < 258;
  }));
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{255, 256, 257, 258}));
}

// --- due index, collab, held, reports --------------------------------------------

TEST_F(TablesTest, DueIndexListsOpenQueriesByDueDatePerRole) {
  auto txn = write();
  PROVNET_ASSERT_OK(due_index_put(txn, QueryRole::answering, "20260310", "31-b"));
  PROVNET_ASSERT_OK(due_index_put(txn, QueryRole::answering, "20260302", "31-z"));
  PROVNET_ASSERT_OK(due_index_put(txn, QueryRole::answering, "20260310", "31-a"));
  PROVNET_ASSERT_OK(due_index_put(txn, QueryRole::asking, "20260101", "44-1"));
  std::vector<std::string> seen;
  PROVNET_ASSERT_OK(due_index_scan(txn, QueryRole::answering, [&](auto due, auto id) {
    seen.push_back(std::string(due) + "/" + std::string(id));
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"20260302/31-z", "20260310/31-a", "20260310/31-b"}));
  EXPECT_TRUE(take(due_index_erase(txn, QueryRole::answering, "20260302", "31-z")));
  EXPECT_FALSE(take(due_index_erase(txn, QueryRole::answering, "20260302", "31-z")));
  EXPECT_EQ(due_index_put(txn, QueryRole::asking, "20260101", "").error().code,
            Errc::invalid_input);
}

TEST_F(TablesTest, CollabItemsAreKeptPerKind) {
  auto txn = write();
  PROVNET_ASSERT_OK(collab_put(txn, 0, "31-1", "notice"));
  PROVNET_ASSERT_OK(collab_put(txn, 4, "31-1", "query"));
  EXPECT_EQ(take(collab_get(txn, 0, "31-1")), "notice");
  EXPECT_EQ(take(collab_get(txn, 4, "31-1")), "query");
  EXPECT_FALSE(take(collab_get(txn, 2, "31-1")).has_value());
  std::vector<std::string> ids;
  PROVNET_ASSERT_OK(collab_scan(txn, 4, [&](auto id, auto) {
    ids.emplace_back(id);
    return true;
  }));
  EXPECT_EQ(ids, std::vector<std::string>{"31-1"});
}

TEST_F(TablesTest, HeldVersionsAndReports) {
  auto txn = write();
  PROVNET_ASSERT_OK(held_put(txn, "44-1", 3, "from 44"));
  EXPECT_EQ(take(held_get(txn, "44-1", 3)), "from 44");
  EXPECT_FALSE(take(held_get(txn, "44-1", 2)).has_value());
  EXPECT_TRUE(take(held_erase(txn, "44-1", 3)));
  PROVNET_ASSERT_OK(report_put(txn, 44, 2026, 1, "q1"));
  PROVNET_ASSERT_OK(report_put(txn, 44, 2026, 2, "q2"));
  EXPECT_EQ(take(report_get(txn, 44, 2026, 1)), "q1");
  EXPECT_FALSE(take(report_get(txn, 31, 2026, 1)).has_value());
}

// --- one event, several tables --------------------------------------------------

TEST_F(TablesTest, AnAbortedEventLeavesNoTableChanged) {
  {
    auto txn = write();
    PROVNET_ASSERT_OK(append_record_version(txn, "r", 1, "v1"));
    PROVNET_ASSERT_OK(outbox_append(txn, 3, 1, "env"));
    EXPECT_TRUE(take(dedup_record(txn, 9, 1, "ack")));
    EXPECT_EQ(take(audit_append(txn, "sent")), 1u);
    PROVNET_ASSERT_OK(meta_put_u64(txn, kNextMessageIdMetaKey, 2));
  }  // dropped without commit, as on a crash
  auto txn = read();
  EXPECT_FALSE(take(latest_version(txn, "r")).has_value());
  EXPECT_TRUE(take(record_history(txn, "r")).empty());
  EXPECT_EQ(take(outbox_depth(txn, 3)), 0u);
  EXPECT_FALSE(take(dedup_lookup(txn, 9, 1)).has_value());
  EXPECT_EQ(take(audit_last_seq(txn)), 0u);
  EXPECT_FALSE(take(meta_get_u64(txn, kNextMessageIdMetaKey)).has_value());
}

}  // namespace
}  // namespace provnet::store
