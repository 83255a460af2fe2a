// The node's embedded store: one LMDB environment, a fixed set of named
// databases, transactions that either commit whole or leave nothing behind.
// This is the only part of provnet that knows LMDB exists (store.cpp is the
// only file that includes lmdb.h); callers see tables of byte keys and values.
//
// Keys are ordered byte-wise (LMDB's default), so big-endian integer parts in
// keys (see keys.hpp) give numeric order. Values are opaque bytes; the core
// stores Cap'n Proto messages in them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace provnet::store {

// The named databases. Never renumber; add at the end (the names are what
// LMDB stores, the enum is only an index).
enum class Table {
  meta,             // schema version, counters ("next_message_id", ...)
  records,          // (record_id, version) -> record version; history is never overwritten
  record_heads,     // record_id -> latest version number (u32 BE)
  outbox,           // (destination, seq) -> envelope bytes awaiting acknowledgement
  inbound_dedup,    // (author, message_id) -> acknowledgement bytes sent for it
  audit_log,        // seq -> audit entry
  pending_queries,  // (role u8, due date YYYYMMDD, query id) -> "": open queries by due date
  inbox,            // arrival seq(u64) -> what arrived, for the provincial system to download
  staged,           // (destination, seq) -> record version waiting to be batched into a message
  collab,           // (kind u8, item id) -> collaboration item, its reply and state (JSON)
  held,             // (record_id, version) -> a version that arrived before its predecessor
  reports,          // (province u8, year u16, quarter u8) -> quarterly tables and their receipt
  // Schema 4: the audit chain (audit_log) and what goes with it.
  evidence,        // seq -> evidence of a direct exchange (national; in audit_log before schema 4)
  audit_counts,    // (peer u8, kind) -> messages sent, received, acknowledged, rejected
  audit_items,     // (item id \0 node u8 seq u64) -> "": audit entries naming an item (trace)
  audit_replicas,  // (node u8, seq u64) -> a node's audit entry from its checkpoints (national)
  audit_messages,  // (author u8, message id u64, from u8, to u8) -> what both ends logged
                   // (national)
  audit_nodes,     // node u8 -> the state of its replicated chain (national)
};
inline constexpr int kTableCount = 18;
std::string_view table_name(Table t);  // the LMDB database name, e.g. "outbox"

// Bumped whenever the layout of keys or values changes incompatibly.
// A store of the previous version is upgraded in place when opened
// read-write (the later versions only added tables).
// 2: staged; 3: collab, held, reports; 4: the audit chain (audit_log holds
// chain entries; the national node's evidence moved to its own table).
inline constexpr std::uint32_t kSchemaVersion = 4;
inline constexpr std::uint32_t kOldestUpgradableSchemaVersion = 2;

struct StoreOptions {
  std::string path;  // a directory; created if absent
  // LMDB map size (store.map_size_mib). A read-only open ignores it and maps
  // the store at the size its writer set.
  std::uint64_t map_size_bytes = 1ull << 30;
  // Read-only opens may run beside the node that writes the store (another
  // process): they take a reader slot and see committed transactions only.
  bool read_only = false;
  // false: commits are not fsynced (MDB_NOSYNC). Only for simulators and
  // benchmarks that model crashes themselves; a daemon always runs durable.
  bool durable = true;
};

// How many write transactions reached mdb_txn_commit, and the time spent in
// it (steady clock). With durable=true that time is mostly the fsync, which
// is what sets the rate of a writer that commits per message: benchmarks read
// it to tell disk-bound from CPU-bound. Counts every commit attempt, failed
// ones and the one Store::open makes included; read transactions never count.
struct CommitStats {
  std::uint64_t commits = 0;
  std::uint64_t nanoseconds = 0;
};

struct TableStats {
  Table table;
  std::uint64_t entries;
};

struct StoreStats {
  std::uint64_t map_size_bytes;
  std::uint64_t used_bytes;  // last page used * page size
  std::vector<TableStats> tables;
};

// One entry, as views into the memory map (valid as long as views returned by
// ReadTxn::get()).
struct KeyValue {
  std::string_view key;
  std::string_view value;
};

class Store;

// A read-only view of the store at one point in time. Views returned by
// get()/scan() point into the memory map and are valid until the transaction
// ends (in a WriteTxn: until its next write). Every transaction must end
// before the Store that began it is destroyed.
class ReadTxn {
 public:
  ReadTxn(ReadTxn&&) noexcept;
  ReadTxn& operator=(ReadTxn&&) noexcept;
  virtual ~ReadTxn();

  Result<std::optional<std::string_view>> get(Table t, std::string_view key) const;
  // Visits keys starting with `prefix` in key order; the visitor returns false
  // to stop early.
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  Result<void> scan(Table t, std::string_view prefix, const Visitor& visit) const;
  // Visits keys >= `from` that still start with `prefix` (resumable scans).
  Result<void> scan_from(Table t, std::string_view prefix, std::string_view from,
                         const Visitor& visit) const;
  Result<std::uint64_t> count(Table t) const;
  // The entry with the greatest key that starts with `prefix`, if any: the
  // last audit seq, the last outbox seq of a destination, without a scan.
  Result<std::optional<KeyValue>> last(Table t, std::string_view prefix) const;

 protected:
  friend class Store;
  ReadTxn(Store* store, void* txn);
  Result<void> check_usable() const;
  Store* store_ = nullptr;
  void* txn_ = nullptr;  // MDB_txn*
  // The first error of a failed write in a WriteTxn. LMDB leaves such a
  // transaction unusable; keeping the error lets commit() report the cause
  // instead of LMDB's generic "transaction must abort".
  std::optional<Error> failure_;
};

// One write transaction per event: everything an event changes (records,
// outbox, dedup, audit) goes into one WriteTxn and commits together. Destroying
// a WriteTxn that was not committed aborts it: nothing of it is kept.
class WriteTxn : public ReadTxn {
 public:
  WriteTxn(WriteTxn&&) noexcept;
  WriteTxn& operator=(WriteTxn&&) noexcept;
  ~WriteTxn() override;

  Result<void> put(Table t, std::string_view key, std::string_view value);
  // Inserts only when `key` is absent; returns false (and changes nothing)
  // when it exists.
  Result<bool> insert(Table t, std::string_view key, std::string_view value);
  // Returns whether the key existed.
  Result<bool> erase(Table t, std::string_view key);
  // After commit() or abort() the transaction cannot be used again. A failed
  // commit has already aborted: nothing of it is in the store. A failed
  // put/insert/erase spoils the transaction: later calls, and commit(), return
  // that first error, and commit() aborts.
  Result<void> commit();
  void abort();

 private:
  friend class Store;
  WriteTxn(Store* store, void* txn);
};

class Store {
 public:
  // Opens or creates the store at options.path. Errors: read_only (cannot
  // create/write the directory), corrupt (not an LMDB file, or damaged),
  // schema_mismatch (written by another schema version), not_found (a
  // read-only open of a store that was never created), io.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Result<ReadTxn> begin_read();
  // Only one write transaction at a time (LMDB's single writer): another
  // thread's begin_write() waits for it, and a second begin_write() on the
  // thread that holds one never returns.
  Result<WriteTxn> begin_write();

  Result<StoreStats> stats();
  // Online backup: a consistent, compacted copy into an empty directory while
  // the store stays in use (mdb_env_copy2 with MDB_CP_COMPACT).
  Result<void> copy_to(const std::string& directory);

  const StoreOptions& options() const { return options_; }
  // Since the store was opened; safe to read from any thread.
  CommitStats commit_stats() const;

 private:
  friend class ReadTxn;
  friend class WriteTxn;
  Store() = default;
  StoreOptions options_;
  void* env_ = nullptr;                 // MDB_env*
  unsigned int dbi_[kTableCount] = {};  // MDB_dbi per Table
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> commit_nanoseconds_{0};
};

}  // namespace provnet::store
