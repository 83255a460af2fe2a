#include "bench/raw_lmdb_commit_rate.hpp"

#include <random>

#include <fmt/format.h>

#include "store/keys.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"

namespace provnet::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Bytes that do not compress or repeat: LMDB does not care, but a value
// made of one byte would look unlike any real record in a page dump.
std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

Result<void> bump_counter(store::WriteTxn& txn, std::string_view name) {
  auto current = store::meta_get_u64(txn, name);
  if (!current) return current.error();
  return store::meta_put_u64(txn, name, current->value_or(0) + 1);
}

}  // namespace

Result<RawLmdbFigures> measure_raw_lmdb(const RawLmdbLoad& load) {
  store::StoreOptions options;
  options.path = load.store_path;
  options.map_size_bytes = 4ull << 30;
  options.durable = true;
  auto opened = store::Store::open(options);
  if (!opened) return opened.error();
  store::Store& db = **opened;

  std::mt19937_64 rng(42);
  const std::string record_value = random_bytes(rng, load.record_bytes);
  const std::string dedup_value = random_bytes(rng, load.dedup_value_bytes);
  const store::CommitStats commits_before = db.commit_stats();

  RawLmdbFigures f;
  std::uint64_t next_record = 1;
  std::uint64_t next_inbox = 1;
  const auto start = Clock::now();
  while (f.commits < load.min_commits || Clock::now() - start < load.budget) {
    auto txn = db.begin_write();
    if (!txn) return txn.error();
    const std::uint64_t message_id = f.commits + 1;
    auto seen = store::dedup_lookup(*txn, 44, message_id);
    if (!seen) return seen.error();
    for (std::size_t i = 0; i < load.records_per_commit; ++i) {
      const std::string record_id = fmt::format("44-2026-{:09}", next_record++);
      auto existing = txn->get(store::Table::records, store::keys::record_version(record_id, 1));
      if (!existing) return existing.error();
      auto stored = store::append_record_version(*txn, record_id, 1, record_value);
      if (!stored) return stored.error();
      // The inbox entry as the core lays it out: author, message id,
      // version, kind, record id.
      std::string key;
      store::keys::append_u64(key, next_inbox++);
      std::string value(1, static_cast<char>(44));
      store::keys::append_u64(value, message_id);
      store::keys::append_u32(value, 1);
      value.append("record");
      value.push_back('\0');
      value.append(record_id);
      if (auto put = txn->put(store::Table::inbox, key, value); !put) return put.error();
      if (auto bumped = bump_counter(*txn, "next_inbox_seq"); !bumped) return bumped.error();
    }
    if (auto bumped = bump_counter(*txn, store::kNextMessageIdMetaKey); !bumped) {
      return bumped.error();
    }
    auto recorded = store::dedup_record(*txn, 44, message_id, dedup_value);
    if (!recorded) return recorded.error();
    if (auto committed = txn->commit(); !committed) return committed.error();
    ++f.commits;
    f.records += load.records_per_commit;
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.commit_seconds =
      static_cast<double>(db.commit_stats().nanoseconds - commits_before.nanoseconds) / 1e9;
  return f;
}

}  // namespace provnet::bench
