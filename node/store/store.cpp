// The LMDB side of the store. Everything LMDB-specific stays in this file:
// handles are void* in store.hpp so that lmdb.h never leaks to callers.
#include "store/store.hpp"

#include <lmdb.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/keys.hpp"
#include "store/lmdb_errors.hpp"
#include "store/tables.hpp"

namespace provnet::store {

static_assert(detail::lmdb_code::key_exists == MDB_KEYEXIST);
static_assert(detail::lmdb_code::not_found == MDB_NOTFOUND);
static_assert(detail::lmdb_code::page_not_found == MDB_PAGE_NOTFOUND);
static_assert(detail::lmdb_code::corrupted == MDB_CORRUPTED);
static_assert(detail::lmdb_code::version_mismatch == MDB_VERSION_MISMATCH);
static_assert(detail::lmdb_code::invalid == MDB_INVALID);
static_assert(detail::lmdb_code::map_full == MDB_MAP_FULL);
static_assert(detail::lmdb_code::bad_valsize == MDB_BAD_VALSIZE);
static_assert(detail::lmdb_code::map_resized == MDB_MAP_RESIZED);

namespace {

// Room for the tables of later schema versions without reopening with a
// larger limit (LMDB fixes it at open).
constexpr MDB_dbi kMaxDbs = 32;
static_assert(kTableCount <= static_cast<int>(kMaxDbs));

// Population records are personal data: only the node's own user reads them.
constexpr mdb_mode_t kFileMode = 0600;

constexpr std::array<std::string_view, kTableCount> kTableNames = {
    "meta",           "records",         "record_heads", "outbox",       "inbound_dedup",
    "audit_log",      "pending_queries", "inbox",        "staged",       "collab",
    "held",           "reports",         "evidence",     "audit_counts", "audit_items",
    "audit_replicas", "audit_messages",  "audit_nodes",
};
// A Table added to store.hpp without its name here would leave an empty name,
// which LMDB refuses only at run time.
static_assert(std::ranges::none_of(kTableNames, [](std::string_view n) { return n.empty(); }),
              "every Table needs its LMDB name in kTableNames");

std::string format_mib(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1ull << 20;
  if (bytes % kMiB == 0) return fmt::format("{}", bytes / kMiB);
  return fmt::format("{:.2f}", static_cast<double>(bytes) / static_cast<double>(kMiB));
}

// Schema 3 -> 4: evidence entries out of audit_log, in the same order.
Result<void> move_evidence(WriteTxn& txn) {
  std::vector<std::pair<std::string, std::string>> entries;
  auto scanned = txn.scan(Table::audit_log, {}, [&](std::string_view key, std::string_view value) {
    entries.emplace_back(std::string(key), std::string(value));
    return true;
  });
  if (!scanned) return scanned.error();
  for (const auto& [key, value] : entries) {
    if (auto put = txn.put(Table::evidence, key, value); !put) return put.error();
    if (auto erased = txn.erase(Table::audit_log, key); !erased) return erased.error();
  }
  return {};
}

MDB_txn* as_txn(void* p) {
  return static_cast<MDB_txn*>(p);
}
MDB_env* as_env(void* p) {
  return static_cast<MDB_env*>(p);
}

MDB_val to_val(std::string_view s) {
  // LMDB never writes through mv_data of a key or of a value given to
  // mdb_put (without MDB_RESERVE), so dropping const is sound.
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view to_view(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

std::uint64_t map_size_of(MDB_env* env) {
  MDB_envinfo info{};
  if (env == nullptr || mdb_env_info(env, &info) != 0) return 0;
  return info.me_mapsize;
}

struct CursorCloser {
  void operator()(MDB_cursor* c) const { mdb_cursor_close(c); }
};
using Cursor = std::unique_ptr<MDB_cursor, CursorCloser>;

// The smallest key greater than every key that starts with `prefix`, or
// nullopt when there is none (the prefix is all 0xff bytes).
std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto last = static_cast<unsigned char>(s.back());
    if (last != 0xff) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return std::nullopt;
}

Error ended_txn_error() {
  return Error{Errc::invalid_input,
               "the store transaction has already ended (committed or aborted); begin a new one"};
}

}  // namespace

std::string_view table_name(Table t) {
  auto i = static_cast<std::size_t>(t);
  assert(i < kTableNames.size());
  return kTableNames[i];
}

namespace detail {

Error error_from_code(int code, std::string_view path, std::string_view action,
                      std::uint64_t map_size_bytes, std::optional<std::uint64_t> free_bytes) {
  const char* what = mdb_strerror(code);
  if (code == EIO && free_bytes && *free_bytes < kNearlyFullBytes) code = ENOSPC;
  switch (code) {
    case MDB_MAP_FULL:
      return Error{Errc::store_full,
                   fmt::format("store {} is full: its map size of {} MiB is reached; raise "
                               "store.map_size in the node's config (while {})",
                               path, format_mib(map_size_bytes), action)};
    case ENOSPC:
      return Error{Errc::disk_full,
                   fmt::format("the file system holding store {} is out of space (while {}); "
                               "free space on it or move the store to a larger disk",
                               path, action)};
    case EACCES:
    case EROFS:
      return Error{Errc::read_only,
                   fmt::format("store {} cannot be written (while {}): {}; check the owner and "
                               "permissions of the directory and its files, and that its file "
                               "system is mounted read-write",
                               path, action, what)};
    case MDB_INVALID:
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_VERSION_MISMATCH:
      return Error{Errc::corrupt,
                   fmt::format("store {} is damaged or is not an LMDB store (while {}): {}; "
                               "restore it from a backup, or move it aside to start empty",
                               path, action, what)};
    case MDB_MAP_RESIZED:
      // Only a read-only view beside a running node sees this: the node was
      // restarted with a larger store.map_size_mib and its data grew past
      // the size this view mapped.
      return Error{Errc::io,
                   fmt::format("store {} grew past the map size it had when it was opened here "
                               "(its node now runs with a larger store.map_size_mib; while {}); "
                               "run the command again",
                               path, action)};
    case MDB_BAD_VALSIZE:
      // A caller bug, not an I/O failure: say so, so nobody checks the disk.
      return Error{Errc::invalid_input,
                   fmt::format("a key or value cannot be stored in store {} (while {}): {}; keys "
                               "must be 1 to {} bytes",
                               path, action, what, 511)};
    case EIO:
      return Error{Errc::io,
                   fmt::format("store {}: {} failed: {}; LMDB also reports a disk that filled "
                               "up during a write this way: check the free space on its file "
                               "system, then the disk's health (kernel log)",
                               path, action, what)};
    default:
      return Error{Errc::io,
                   fmt::format("store {}: {} failed: {} (code {})", path, action, what, code)};
  }
}

}  // namespace detail

namespace {

// error_from_code with what only the running store can tell: its real map
// size, and for EIO how much room its file system has left.
Error store_error(int code, const std::string& path, std::string_view action,
                  std::uint64_t map_size_bytes) {
  std::optional<std::uint64_t> free_bytes;
  if (code == EIO) {
    std::error_code ec;
    auto space = std::filesystem::space(path, ec);
    if (!ec) free_bytes = space.available;
  }
  return detail::error_from_code(code, path, action, map_size_bytes, free_bytes);
}

Error txn_error(const Store* store, MDB_txn* txn, int code, std::string_view action) {
  return store_error(code, store->options().path, action,
                     map_size_of(txn ? mdb_txn_env(txn) : nullptr));
}

std::string table_action(std::string_view verb, Table t) {
  return fmt::format("{} table {}", verb, table_name(t));
}

}  // namespace

// --- ReadTxn ---------------------------------------------------------------

ReadTxn::ReadTxn(Store* store, void* txn) : store_(store), txn_(txn) {}

ReadTxn::ReadTxn(ReadTxn&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      txn_(std::exchange(other.txn_, nullptr)),
      failure_(std::exchange(other.failure_, std::nullopt)) {}

ReadTxn& ReadTxn::operator=(ReadTxn&& other) noexcept {
  if (this != &other) {
    if (txn_ != nullptr) mdb_txn_abort(as_txn(txn_));
    store_ = std::exchange(other.store_, nullptr);
    txn_ = std::exchange(other.txn_, nullptr);
    failure_ = std::exchange(other.failure_, std::nullopt);
  }
  return *this;
}

ReadTxn::~ReadTxn() {
  // Aborting is how a read transaction ends in LMDB; it releases the reader
  // slot so that writers may reuse the pages this view kept alive.
  if (txn_ != nullptr) mdb_txn_abort(as_txn(txn_));
}

Result<void> ReadTxn::check_usable() const {
  if (txn_ == nullptr) return ended_txn_error();
  if (failure_) return *failure_;
  return {};
}

Result<std::optional<std::string_view>> ReadTxn::get(Table t, std::string_view key) const {
  if (auto ok = check_usable(); !ok) return ok.error();
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_get(as_txn(txn_), store_->dbi_[static_cast<int>(t)], &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>{};
  if (rc != 0) return txn_error(store_, as_txn(txn_), rc, table_action("reading", t));
  return std::optional<std::string_view>{to_view(v)};
}

Result<void> ReadTxn::scan(Table t, std::string_view prefix, const Visitor& visit) const {
  return scan_from(t, prefix, prefix, visit);
}

Result<void> ReadTxn::scan_from(Table t, std::string_view prefix, std::string_view from,
                                const Visitor& visit) const {
  if (auto ok = check_usable(); !ok) return ok.error();
  MDB_cursor* raw = nullptr;
  int rc = mdb_cursor_open(as_txn(txn_), store_->dbi_[static_cast<int>(t)], &raw);
  if (rc != 0) return txn_error(store_, as_txn(txn_), rc, table_action("scanning", t));
  Cursor cursor(raw);

  // Keys before the prefix cannot match, so a `from` below it starts at it.
  std::string_view start = std::max(from, prefix);
  MDB_val k = to_val(start);
  MDB_val v{};
  // LMDB refuses a zero-length key for MDB_SET_RANGE; an empty start is the
  // first key anyway.
  rc = mdb_cursor_get(cursor.get(), &k, &v, start.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == 0) {
    std::string_view key = to_view(k);
    if (!key.starts_with(prefix)) return {};
    if (!visit(key, to_view(v))) return {};
    rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) return txn_error(store_, as_txn(txn_), rc, table_action("scanning", t));
  return {};
}

Result<std::uint64_t> ReadTxn::count(Table t) const {
  if (auto ok = check_usable(); !ok) return ok.error();
  MDB_stat st{};
  int rc = mdb_stat(as_txn(txn_), store_->dbi_[static_cast<int>(t)], &st);
  if (rc != 0) return txn_error(store_, as_txn(txn_), rc, table_action("counting", t));
  return static_cast<std::uint64_t>(st.ms_entries);
}

Result<std::optional<KeyValue>> ReadTxn::last(Table t, std::string_view prefix) const {
  if (auto ok = check_usable(); !ok) return ok.error();
  MDB_cursor* raw = nullptr;
  int rc = mdb_cursor_open(as_txn(txn_), store_->dbi_[static_cast<int>(t)], &raw);
  if (rc != 0) return txn_error(store_, as_txn(txn_), rc, table_action("reading", t));
  Cursor cursor(raw);

  MDB_val k{};
  MDB_val v{};
  // Position on the first key past the prefix's range and step back one;
  // with nothing past the range, the table's last key is the candidate.
  std::optional<std::string> past = prefix_successor(prefix);
  if (past) {
    k = to_val(*past);
    rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE);
    if (rc == 0) {
      rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_PREV);
    } else if (rc == MDB_NOTFOUND) {
      rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
    }
  } else {
    rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
  }
  if (rc == MDB_NOTFOUND) return std::optional<KeyValue>{};
  if (rc != 0) return txn_error(store_, as_txn(txn_), rc, table_action("reading", t));
  std::string_view key = to_view(k);
  if (!key.starts_with(prefix)) return std::optional<KeyValue>{};
  return std::optional<KeyValue>{KeyValue{key, to_view(v)}};
}

// --- WriteTxn --------------------------------------------------------------

WriteTxn::WriteTxn(Store* store, void* txn) : ReadTxn(store, txn) {}

WriteTxn::WriteTxn(WriteTxn&& other) noexcept : ReadTxn(std::move(other)) {}

WriteTxn& WriteTxn::operator=(WriteTxn&& other) noexcept {
  ReadTxn::operator=(std::move(other));
  return *this;
}

WriteTxn::~WriteTxn() {
  abort();
}

Result<void> WriteTxn::put(Table t, std::string_view key, std::string_view value) {
  if (auto ok = check_usable(); !ok) return ok.error();
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  int rc = mdb_put(as_txn(txn_), store_->dbi_[static_cast<int>(t)], &k, &v, 0);
  if (rc != 0) {
    failure_ = txn_error(store_, as_txn(txn_), rc, table_action("writing to", t));
    return *failure_;
  }
  return {};
}

Result<bool> WriteTxn::insert(Table t, std::string_view key, std::string_view value) {
  if (auto ok = check_usable(); !ok) return ok.error();
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  int rc = mdb_put(as_txn(txn_), store_->dbi_[static_cast<int>(t)], &k, &v, MDB_NOOVERWRITE);
  // MDB_KEYEXIST is an answer, not a failure: LMDB leaves the txn usable.
  if (rc == MDB_KEYEXIST) return false;
  if (rc != 0) {
    failure_ = txn_error(store_, as_txn(txn_), rc, table_action("writing to", t));
    return *failure_;
  }
  return true;
}

Result<bool> WriteTxn::erase(Table t, std::string_view key) {
  if (auto ok = check_usable(); !ok) return ok.error();
  MDB_val k = to_val(key);
  int rc = mdb_del(as_txn(txn_), store_->dbi_[static_cast<int>(t)], &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) {
    failure_ = txn_error(store_, as_txn(txn_), rc, table_action("erasing from", t));
    return *failure_;
  }
  return true;
}

Result<void> WriteTxn::commit() {
  if (txn_ == nullptr) return ended_txn_error();
  if (failure_) {
    Error first = std::move(*failure_);
    abort();
    return first;
  }
  MDB_txn* txn = as_txn(std::exchange(txn_, nullptr));
  MDB_env* env = mdb_txn_env(txn);
  // mdb_txn_commit frees the transaction whether or not it succeeds, so the
  // handle is dropped first: nothing may abort it again.
  const auto started = std::chrono::steady_clock::now();
  int rc = mdb_txn_commit(txn);
  const auto spent = std::chrono::steady_clock::now() - started;
  store_->commits_.fetch_add(1, std::memory_order_relaxed);
  store_->commit_nanoseconds_.fetch_add(
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count()),
      std::memory_order_relaxed);
  if (rc != 0) {
    return store_error(rc, store_->options().path, "committing a write transaction",
                       map_size_of(env));
  }
  return {};
}

void WriteTxn::abort() {
  if (txn_ != nullptr) mdb_txn_abort(as_txn(std::exchange(txn_, nullptr)));
  failure_.reset();
}

// --- Store -----------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  namespace fs = std::filesystem;
  if (options.path.empty()) {
    return Error{Errc::invalid_input,
                 "the store path is empty; set store.path in the node's config"};
  }
  const std::string& path = options.path;
  std::error_code ec;
  if (options.read_only) {
    // LMDB would say only "No such file or directory"; a read-only open never
    // creates a store, so say which store is missing and what would make it.
    if (!fs::exists(fs::path(path) / "data.mdb", ec)) {
      return Error{Errc::not_found,
                   fmt::format("store {} does not exist (no data.mdb in it); a read-only open "
                               "never creates a store: check the path, or let the node open it "
                               "read-write once",
                               path)};
    }
  } else {
    fs::create_directories(path, ec);
    if (ec) {
      return store_error(ec.value(), path, "creating the store directory", options.map_size_bytes);
    }
  }

  std::unique_ptr<Store> store(new Store());
  store->options_ = options;
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return store_error(rc, path, "creating the LMDB environment", 0);
  // From here ~Store closes the environment, also after a failed open (LMDB
  // requires mdb_env_close then too).
  store->env_ = env;
  rc = mdb_env_set_maxdbs(env, kMaxDbs);
  // A read-only open maps the store at the size its writer set (LMDB reads
  // it from the file when none is given here). A size of our own would be
  // wrong in two ways beside a running node: stats() would report it as the
  // store's, and once the node's data grew past it, every read transaction
  // would fail with MDB_MAP_RESIZED (a backup of a busy large store).
  if (rc == 0 && !options.read_only) rc = mdb_env_set_mapsize(env, options.map_size_bytes);
  if (rc != 0) {
    return store_error(rc, path, "configuring the LMDB environment", options.map_size_bytes);
  }
  // MDB_NOTLS: a read transaction belongs to its object, not to its thread,
  // so one thread may hold several (a long scan and a backup) and hand them
  // to other threads.
  unsigned int flags = MDB_NOTLS;
  if (options.read_only) flags |= MDB_RDONLY;
  if (!options.durable) flags |= MDB_NOSYNC;
  rc = mdb_env_open(env, path.c_str(), flags, kFileMode);
  if (rc != 0) {
    return store_error(rc, path, "opening the store", options.map_size_bytes);
  }

  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(env, nullptr, options.read_only ? MDB_RDONLY : 0, &txn);
  if (rc != 0) return store_error(rc, path, "opening the store", map_size_of(env));
  // Through the wrapper so that every early return below aborts.
  WriteTxn setup(store.get(), txn);

  for (int i = 0; i < kTableCount; ++i) {
    std::string name(table_name(static_cast<Table>(i)));
    rc = mdb_dbi_open(txn, name.c_str(), options.read_only ? 0 : MDB_CREATE, &store->dbi_[i]);
    if (rc == MDB_NOTFOUND) {
      return Error{Errc::not_found,
                   fmt::format("store {} has no table {}: it was never opened read-write by this "
                               "version of provnet; let the node open it read-write once",
                               path, name)};
    }
    if (rc != 0) {
      return store_error(rc, path, fmt::format("opening table {}", name), map_size_of(env));
    }
  }

  auto stored = setup.get(Table::meta, kSchemaVersionMetaKey);
  if (!stored) return stored.error();
  if (!stored.value()) {
    if (options.read_only) {
      return Error{Errc::not_found,
                   fmt::format("store {} has no schema version: it was never opened read-write; "
                               "let the node open it read-write once",
                               path)};
    }
    std::string encoded;
    keys::append_u32(encoded, kSchemaVersion);
    if (auto put = setup.put(Table::meta, kSchemaVersionMetaKey, encoded); !put) {
      return put.error();
    }
  } else {
    std::string_view bytes = *stored.value();
    if (bytes.size() != 4) {
      return Error{Errc::corrupt,
                   fmt::format("store {} has a damaged schema version ({} bytes instead of 4); "
                               "restore it from a backup",
                               path, bytes.size())};
    }
    std::uint32_t version = keys::read_u32(bytes);
    if (version >= kOldestUpgradableSchemaVersion && version < kSchemaVersion &&
        !options.read_only) {
      // The tables added since were created above. Before schema 4 the
      // audit_log table held the national node's evidence entries; they move
      // to the evidence table so that audit_log holds the hash chain alone.
      if (version < 4) {
        if (auto moved = move_evidence(setup); !moved) return moved.error();
      }
      std::string encoded;
      keys::append_u32(encoded, kSchemaVersion);
      if (auto put = setup.put(Table::meta, kSchemaVersionMetaKey, encoded); !put) {
        return put.error();
      }
      version = kSchemaVersion;
    }
    if (version != kSchemaVersion) {
      return Error{Errc::schema_mismatch,
                   fmt::format("store {} was written with schema version {}, but this provnet "
                               "uses schema version {}; run the provnet release that matches "
                               "the store, or migrate the store",
                               path, version, kSchemaVersion)};
    }
  }

  // A read-only transaction must be committed too: that is what keeps the
  // database handles opened in it.
  if (auto committed = setup.commit(); !committed) return committed.error();
  return store;
}

Store::~Store() {
  // Transactions hold pointers into the environment, so they must all have
  // ended by now (see ReadTxn); LMDB cannot check it for us.
  if (env_ != nullptr) mdb_env_close(as_env(env_));
}

Result<ReadTxn> Store::begin_read() {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(as_env(env_), nullptr, MDB_RDONLY, &txn);
  if (rc != 0) {
    return store_error(rc, options_.path, "beginning a read transaction",
                       map_size_of(as_env(env_)));
  }
  return ReadTxn(this, txn);
}

Result<WriteTxn> Store::begin_write() {
  if (options_.read_only) {
    return Error{Errc::read_only,
                 fmt::format("store {} was opened read-only and cannot be written; open it "
                             "read-write to change it",
                             options_.path)};
  }
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(as_env(env_), nullptr, 0, &txn);
  if (rc != 0) {
    return store_error(rc, options_.path, "beginning a write transaction",
                       map_size_of(as_env(env_)));
  }
  return WriteTxn(this, txn);
}

CommitStats Store::commit_stats() const {
  return CommitStats{commits_.load(std::memory_order_relaxed),
                     commit_nanoseconds_.load(std::memory_order_relaxed)};
}

Result<StoreStats> Store::stats() {
  MDB_envinfo info{};
  MDB_stat env_stat{};
  int rc = mdb_env_info(as_env(env_), &info);
  if (rc == 0) rc = mdb_env_stat(as_env(env_), &env_stat);
  if (rc != 0) {
    return store_error(rc, options_.path, "reading store statistics", map_size_of(as_env(env_)));
  }
  StoreStats out{};
  out.map_size_bytes = info.me_mapsize;
  out.used_bytes = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * env_stat.ms_psize;

  auto txn = begin_read();
  if (!txn) return txn.error();
  for (int i = 0; i < kTableCount; ++i) {
    auto t = static_cast<Table>(i);
    auto n = txn->count(t);
    if (!n) return n.error();
    out.tables.push_back(TableStats{t, n.value()});
  }
  return out;
}

Result<void> Store::copy_to(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Most failures here are the backup directory's (no space, no permission),
  // so the message names it; damage is the source's.
  const std::string action = fmt::format("copying store {} into it", options_.path);
  auto copy_error = [&](int code) {
    Error e = store_error(code, directory, action, 0);
    if (e.code == Errc::corrupt) {
      e = store_error(code, options_.path, fmt::format("copying it to {}", directory), 0);
    }
    return e;
  };
  if (fs::exists(directory, ec)) {
    if (!fs::is_directory(directory, ec)) {
      return Error{Errc::invalid_input,
                   fmt::format("cannot copy store {} to {}: it is not a directory", options_.path,
                               directory)};
    }
    // A copy into a directory that already holds a store would overwrite it,
    // and one next to other files is easy to mistake for something else.
    if (!fs::is_empty(directory, ec) || ec) {
      return Error{Errc::invalid_input,
                   fmt::format("cannot copy store {} to {}: the directory is not empty; give an "
                               "empty or a new directory",
                               options_.path, directory)};
    }
  } else {
    fs::create_directories(directory, ec);
    if (ec) return copy_error(ec.value());
  }
  const fs::path copy = fs::path(directory) / "data.mdb";
  int rc = mdb_env_copy2(as_env(env_), directory.c_str(), MDB_CP_COMPACT);
  if (rc != 0) {
    // A half-written copy must not be mistaken for a backup later.
    fs::remove(copy, ec);
    return copy_error(rc);
  }
  // LMDB creates the copy with 0666 less the umask; a backup holds the same
  // personal data as the store and gets the store's mode.
  fs::permissions(copy, static_cast<fs::perms>(kFileMode), fs::perm_options::replace, ec);
  if (ec) return copy_error(ec.value());
  return {};
}

}  // namespace provnet::store
