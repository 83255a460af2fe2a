// provctl store backup / restore: a node's store copied while the node runs,
// and a copy made into a new node's store.
//
// The backup opens the store read-only beside the running provnode (LMDB
// lets a second process read the environment the daemon writes) and copies
// one read transaction's snapshot of it with compaction: a consistent store
// as of that instant, whatever the daemon commits meanwhile. The restore
// copies a backup into a new, empty directory, for a provnode to start on.
//
// What a restore rewinds is the operator's to know (README, "Backup and
// restore"): what the node accepted or received after the backup is not in
// the copy. What provnet makes safe by itself: the restored node resends its
// outbox (the receivers' dedup answers what they already have), its new
// message ids start above every id issued before the restore (they follow
// the clock), and its inbox numbering jumps past any cursor the provincial
// system may hold (below), so no new arrival hides behind an old cursor.
#include <fmt/format.h>

#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "app/provctl_commands.hpp"
#include "domain/province.hpp"
#include "store/keys.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"

namespace provnet::app {

namespace {

// A restored store numbers new inbox arrivals from this far past its last
// one. The node it replaces may have numbered arrivals after the backup,
// which its provincial system may have downloaded: its cursor can be ahead
// of the backup by as many arrivals as came in meanwhile, never by 2^32.
constexpr std::uint64_t kInboxSeqGapAfterRestore = 1ull << 32;

// What a store holds, in the terms an operator checks a backup by.
struct StoreSummary {
  std::optional<domain::ProvinceCode> node;  // meta node_code; none: never run by a node
  std::uint32_t schema = 0;
  std::uint64_t record_versions = 0;
  std::map<domain::ProvinceCode, std::uint64_t> outbox;  // link -> messages
  std::uint64_t outbox_messages = 0;
  std::uint64_t staged_versions = 0;
  std::uint64_t inbox_entries = 0;
  std::uint64_t last_inbox_seq = 0;
  std::uint64_t audit_entries = 0;
  std::uint64_t used_bytes = 0;
  std::uint64_t map_size_bytes = 0;
};

Result<StoreSummary> summarize(store::Store& s) {
  StoreSummary out;
  auto stats = s.stats();
  if (!stats) return stats.error();
  out.used_bytes = stats->used_bytes;
  out.map_size_bytes = stats->map_size_bytes;
  auto txn = s.begin_read();
  if (!txn) return txn.error();
  auto schema = store::schema_version(*txn);
  if (!schema) return schema.error();
  out.schema = *schema;
  auto owner = store::meta_get_u64(*txn, store::kNodeCodeMetaKey);
  if (!owner) return owner.error();
  if (*owner) out.node = static_cast<domain::ProvinceCode>(**owner);
  for (const store::TableStats& t : stats->tables) {
    if (t.table == store::Table::records) out.record_versions = t.entries;
    if (t.table == store::Table::staged) out.staged_versions = t.entries;
    if (t.table == store::Table::inbox) out.inbox_entries = t.entries;
    if (t.table == store::Table::audit_log) out.audit_entries = t.entries;
  }
  auto links = store::leading_key_bytes(*txn, store::Table::outbox);
  if (!links) return links.error();
  for (std::uint8_t link : *links) {
    auto depth = store::outbox_depth(*txn, link);
    if (!depth) return depth.error();
    out.outbox[link] = *depth;
    out.outbox_messages += *depth;
  }
  auto last = txn->last(store::Table::inbox, "");
  if (!last) return last.error();
  if (*last) out.last_inbox_seq = store::keys::read_u64((*last)->key);
  return out;
}

// Moves the restored store's inbox numbering kInboxSeqGapAfterRestore on;
// returns the seq the next arrival gets.
Result<std::uint64_t> skip_inbox_numbering(store::Store& restored) {
  auto txn = restored.begin_write();
  if (!txn) return txn.error();
  auto last = store::meta_get_u64(*txn, store::kInboxSeqMetaKey);
  if (!last) return last.error();
  const std::uint64_t skipped_to = last->value_or(0) + kInboxSeqGapAfterRestore;
  if (auto put = store::meta_put_u64(*txn, store::kInboxSeqMetaKey, skipped_to); !put) {
    return put.error();
  }
  if (auto committed = txn->commit(); !committed) return committed.error();
  return skipped_to + 1;
}

std::string node_text(const StoreSummary& s) {
  return s.node ? std::string(domain::province_code_text(*s.node)) : "(none)";
}

void print_summary(const StoreSummary& s) {
  std::cout << fmt::format("  node: {}\n", node_text(s));
  std::cout << fmt::format("  schema: {}\n", s.schema);
  std::cout << fmt::format("  record versions: {}\n", s.record_versions);
  std::string links;
  for (auto [link, n] : s.outbox) {
    links += fmt::format("{}{} for link {}", links.empty() ? " (" : ", ", n,
                         domain::province_code_text(link));
  }
  if (!links.empty()) links += ")";
  std::cout << fmt::format("  outbox depth: {} message{} awaiting acknowledgement{}\n",
                           s.outbox_messages, s.outbox_messages == 1 ? "" : "s", links);
  std::cout << fmt::format("  staged: {} record version{} not yet in a message\n",
                           s.staged_versions, s.staged_versions == 1 ? "" : "s");
  std::cout << fmt::format("  inbox: {} entries, the last numbered {}\n", s.inbox_entries,
                           s.last_inbox_seq);
  std::cout << fmt::format("  audit entries: {}\n", s.audit_entries);
  std::cout << fmt::format("  size: {:.1f} MiB used of a {} MiB map\n",
                           static_cast<double>(s.used_bytes) / (1 << 20), s.map_size_bytes >> 20);
}

std::string utc_now_text() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// Empty or absent: a directory a store may be copied into.
std::optional<std::string> not_an_empty_directory(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  if (!fs::is_directory(path, ec)) return fmt::format("{} is not a directory", path);
  if (!fs::is_empty(path, ec) || ec) {
    return fmt::format(
        "{} is not empty; give a new or empty directory (a store is never "
        "overwritten)",
        path);
  }
  return std::nullopt;
}

int fail(std::string_view command, const std::string& message) {
  std::cerr << "provctl store " << command << ": " << message << '\n';
  return 1;
}

}  // namespace

int run_store_backup(const BackupOptions& o) {
  if (auto refused = not_an_empty_directory(o.out)) return fail("backup", *refused);
  store::StoreOptions source_options;
  source_options.path = o.store_path;
  source_options.read_only = true;
  // Read-only: beside a running provnode this takes only a reader slot, and
  // the copy is one read transaction's snapshot (the daemon goes on writing).
  auto source = store::Store::open(source_options);
  if (!source) return fail("backup", source.error().message);
  const std::string taken_at = utc_now_text();
  if (auto copied = (*source)->copy_to(o.out); !copied) {
    return fail("backup", copied.error().message);
  }
  source->reset();

  // The copy must open as a store of its own: that is what a restore needs.
  store::StoreOptions copy_options;
  copy_options.path = o.out;
  copy_options.read_only = true;
  auto copy = store::Store::open(copy_options);
  if (!copy) {
    return fail("backup",
                fmt::format("the copy in {} does not open: {}", o.out, copy.error().message));
  }
  auto summary = summarize(**copy);
  if (!summary) return fail("backup", summary.error().message);
  std::cout << fmt::format("backup of store {} into {}, as of {}:\n", o.store_path, o.out,
                           taken_at);
  print_summary(*summary);
  return 0;
}

int run_store_restore(const RestoreOptions& o) {
  std::optional<domain::ProvinceCode> expected;
  if (!o.node.empty()) {
    expected = domain::parse_province_code(o.node);
    if (!expected && o.node == "00") expected = domain::kNationalCode;
    if (!expected) {
      return fail("restore", fmt::format("--node {}: expected \"00\" or a province code such as "
                                         "\"31\"",
                                         o.node));
    }
  }
  if (auto refused = not_an_empty_directory(o.store_path)) return fail("restore", *refused);

  store::StoreOptions backup_options;
  backup_options.path = o.from;
  backup_options.read_only = true;
  // Opening checks that it is an LMDB store of this provnet's schema.
  auto backup = store::Store::open(backup_options);
  if (!backup) {
    return fail("restore",
                fmt::format("{} is not a usable backup: {}", o.from, backup.error().message));
  }
  auto before = summarize(**backup);
  if (!before) return fail("restore", before.error().message);
  if (!before->node) {
    return fail("restore",
                fmt::format("{} is the store of no node (it has no node_code: no provnode ever "
                            "ran on it); nothing to restore",
                            o.from));
  }
  if (expected && *before->node != *expected) {
    return fail("restore", fmt::format("{} is node {}'s store, not node {}'s (--node)", o.from,
                                       domain::province_code_text(*before->node),
                                       domain::province_code_text(*expected)));
  }
  // Through LMDB, not a file copy: the compacting copy walks every page of
  // the backup, so a damaged one fails here rather than in the new node.
  if (auto copied = (*backup)->copy_to(o.store_path); !copied) {
    return fail("restore", copied.error().message);
  }
  backup->reset();

  store::StoreOptions restored_options;
  restored_options.path = o.store_path;
  restored_options.map_size_bytes = before->map_size_bytes;
  auto restored = store::Store::open(restored_options);
  Result<std::uint64_t> next_inbox_seq =
      restored ? skip_inbox_numbering(**restored) : Result<std::uint64_t>(restored.error());
  Result<StoreSummary> after =
      next_inbox_seq ? summarize(**restored) : Result<StoreSummary>(next_inbox_seq.error());
  if (!after) {
    // Half a restore must not pass for a whole one: NEW_DIR is left empty,
    // so the command can simply run again.
    if (restored) restored->reset();
    std::error_code ignored;
    for (const char* file : {"data.mdb", "lock.mdb"}) {
      std::filesystem::remove(std::filesystem::path(o.store_path) / file, ignored);
    }
    return fail("restore", after.error().message + " (the copy was removed again)");
  }
  std::cout << fmt::format("restored node {}'s store from {} into {}:\n", node_text(*after), o.from,
                           o.store_path);
  print_summary(*after);
  std::cout << fmt::format(
      "  new inbox arrivals are numbered from {} on: past any cursor the provincial system "
      "holds\n"
      "what the node accepted or received after the backup was taken is not in this store: "
      "the provincial system submits again what it submitted since, and senders are asked for "
      "what arrived since (README, \"Backup and restore\")\n",
      *next_inbox_seq);
  return 0;
}

}  // namespace provnet::app
