// Store::commit_stats(): every write commit counts, nothing else does.
#include <gtest/gtest.h>

#include "store/store.hpp"
#include "store_test_support.hpp"

namespace provnet::store {
namespace {

using testing::open_or_fail;
using testing::options_for;
using testing::take;
using testing::TempDir;

TEST(CommitStats, CountsEachWriteCommitAndTheTimeSpentInIt) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("store")));
  ASSERT_TRUE(store);
  const CommitStats before = store->commit_stats();

  for (int i = 0; i < 3; ++i) {
    auto txn = take(store->begin_write());
    PROVNET_ASSERT_OK(txn.put(Table::meta, "key", std::string(1, static_cast<char>('a' + i))));
    PROVNET_ASSERT_OK(txn.commit());
  }
  const CommitStats after = store->commit_stats();
  EXPECT_EQ(after.commits, before.commits + 3);
  EXPECT_GT(after.nanoseconds, before.nanoseconds);
}

TEST(CommitStats, AbortedWritesAndReadsDoNotCount) {
  TempDir dir;
  auto store = open_or_fail(options_for(dir.sub("store")));
  ASSERT_TRUE(store);
  const CommitStats before = store->commit_stats();
  {
    auto txn = take(store->begin_write());
    PROVNET_ASSERT_OK(txn.put(Table::meta, "key", "value"));
    txn.abort();
  }
  {
    auto txn = take(store->begin_write());
    PROVNET_ASSERT_OK(txn.put(Table::meta, "key", "value"));
  }  // destroyed uncommitted: aborted
  {
    auto txn = take(store->begin_read());
    (void)take(txn.get(Table::meta, "key"));
  }
  const CommitStats after = store->commit_stats();
  EXPECT_EQ(after.commits, before.commits);
  EXPECT_EQ(after.nanoseconds, before.nanoseconds);
}

}  // namespace
}  // namespace provnet::store
