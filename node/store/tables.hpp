// Typed access to the store's tables for the node core: each function knows
// one table's key layout (keys.hpp) and its rules (history is never
// overwritten, a message id is applied once), so the core never builds keys
// by hand. All of them run inside the caller's transaction: they commit
// nothing themselves, which is what lets one event change several tables
// atomically.
//
// Values returned as std::string are copies and outlive the transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"

namespace provnet::store {

// A copy of the value under `key`, if any.
Result<std::optional<std::string>> get_copy(const ReadTxn& txn, Table t, std::string_view key);

// --- meta: schema version and named counters -------------------------------

// The meta key Store::open() writes and checks (u32 big-endian).
inline constexpr std::string_view kSchemaVersionMetaKey = "schema_version";
// The counter the core uses to number the messages it authors.
inline constexpr std::string_view kNextMessageIdMetaKey = "next_message_id";
// The last seq given to an inbox arrival: the provincial system's download
// cursor counts on it never going back (provctl store restore moves it on).
inline constexpr std::string_view kInboxSeqMetaKey = "next_inbox_seq";

Result<std::optional<std::uint64_t>> meta_get_u64(const ReadTxn& txn, std::string_view name);
Result<void> meta_put_u64(WriteTxn& txn, std::string_view name, std::uint64_t value);
// The schema version the store was written with.
Result<std::uint32_t> schema_version(const ReadTxn& txn);

// --- records: append-only history per record, and its head -----------------

struct RecordVersion {
  std::uint32_t version;
  std::string bytes;
};

// Adds one version of a record. Errc::conflict when that version is already
// stored (history is never overwritten, not even with the same bytes);
// record_heads follows the highest version, so an older version arriving late
// does not move the head back. Errc::invalid_input for an empty record id, or
// one containing a 0 byte (it would collide with the key separator) or longer
// than kMaxRecordIdBytes.
Result<void> append_record_version(WriteTxn& txn, std::string_view record_id, std::uint32_t version,
                                   std::string_view bytes);
Result<std::optional<std::uint32_t>> latest_version(const ReadTxn& txn, std::string_view record_id);
Result<std::optional<std::string>> record_version_bytes(const ReadTxn& txn,
                                                        std::string_view record_id,
                                                        std::uint32_t version);
// Every stored version of the record, oldest (lowest version) first.
Result<std::vector<RecordVersion>> record_history(const ReadTxn& txn, std::string_view record_id);

// LMDB's key limit (511 bytes) less the separator and the version.
inline constexpr std::size_t kMaxRecordIdBytes = 511 - 1 - 4;

// --- outbox: envelopes awaiting acknowledgement, per destination -----------

struct OutboxEntry {
  std::uint64_t seq;
  std::string bytes;
};

// Errc::conflict when `seq` is already queued for `destination`.
Result<void> outbox_append(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq,
                           std::string_view bytes);
// Entries for `destination` with seq >= from_seq, in seq order: at most
// max_items, and no more than max_bytes of envelope bytes in total, except
// that the first entry is always returned, however large, so that one big
// envelope cannot stall its link forever.
Result<std::vector<OutboxEntry>> outbox_scan(const ReadTxn& txn, std::uint8_t destination,
                                             std::uint64_t from_seq, std::size_t max_items,
                                             std::size_t max_bytes);
// Returns whether the entry was there (an acknowledgement may arrive twice).
Result<bool> outbox_remove(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq);
// Counts by walking the destination's entries: cost grows with the depth.
Result<std::uint64_t> outbox_depth(const ReadTxn& txn, std::uint8_t destination);
// The highest seq queued for `destination`, if any.
Result<std::optional<std::uint64_t>> outbox_last_seq(const ReadTxn& txn, std::uint8_t destination);

// A store belongs to one node: the first to open it for writing claims it
// (meta "node_code"); any other node is refused, so two provinces' data are
// never mixed in one store.
inline constexpr std::string_view kNodeCodeMetaKey = "node_code";
Result<void> claim_store(Store& store, std::uint8_t node);

// The first key byte of every entry in `t` (a destination or link for the
// outbox and staged tables): one seek per distinct byte, not a walk over all
// entries.
Result<std::vector<std::uint8_t>> leading_key_bytes(const ReadTxn& txn, Table t);

// --- staged: record versions waiting to be batched into one message --------
// A version is staged in the transaction that stores it, and moved into an
// outbox envelope (and unstaged) in the transaction that writes the envelope,
// so a crash between the two loses nothing.

struct StagedVersion {
  std::uint64_t seq;
  std::string record_id;
  std::uint32_t version;
};

Result<void> staged_append(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq,
                           std::string_view record_id, std::uint32_t version);
// The first max_items staged for `destination`, in seq order.
Result<std::vector<StagedVersion>> staged_scan(const ReadTxn& txn, std::uint8_t destination,
                                               std::size_t max_items);
Result<bool> staged_remove(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq);

// --- inbound_dedup: messages already applied, and the ack sent for each ----

// Returns true when (author, message_id) is new and was recorded with its
// acknowledgement; false when it was seen before (nothing changes).
Result<bool> dedup_record(WriteTxn& txn, std::uint8_t author, std::uint64_t message_id,
                          std::string_view ack_bytes);
// The acknowledgement sent the first time, to send again to a retry.
Result<std::optional<std::string>> dedup_lookup(const ReadTxn& txn, std::uint8_t author,
                                                std::uint64_t message_id);

// --- audit_log: append-only, numbered from 1 -------------------------------

// Appends after the last stored entry and returns the entry's seq.
Result<std::uint64_t> audit_append(WriteTxn& txn, std::string_view bytes);
// 0 when the log is empty.
Result<std::uint64_t> audit_last_seq(const ReadTxn& txn);
Result<std::optional<std::string>> audit_get(const ReadTxn& txn, std::uint64_t seq);
// Visits entries with seq >= from_seq in order; return false to stop.
using AuditVisitor = std::function<bool(std::uint64_t seq, std::string_view bytes)>;
Result<void> audit_scan(const ReadTxn& txn, std::uint64_t from_seq, const AuditVisitor& visit);

// --- pending_queries: open queries by due date ------------------------------
// An index, per role (the node answers the query, or asked it), of the
// queries not yet answered, in due-date order; the query itself lives in
// the collab table.

enum class QueryRole : std::uint8_t { answering = 0, asking = 1 };

Result<void> due_index_put(WriteTxn& txn, QueryRole role, std::string_view due_yyyymmdd,
                           std::string_view query_id);
Result<bool> due_index_erase(WriteTxn& txn, QueryRole role, std::string_view due_yyyymmdd,
                             std::string_view query_id);
// Visits (due date, query id) in due-date order; return false to stop.
using DueVisitor = std::function<bool(std::string_view due, std::string_view query_id)>;
Result<void> due_index_scan(const ReadTxn& txn, QueryRole role, const DueVisitor& visit);

// --- collab: collaboration items by (kind, id) ----------------------------

Result<void> collab_put(WriteTxn& txn, std::uint8_t kind, std::string_view item_id,
                        std::string_view bytes);
Result<std::optional<std::string>> collab_get(const ReadTxn& txn, std::uint8_t kind,
                                              std::string_view item_id);
// Visits every item of `kind` in id order; return false to stop.
using CollabVisitor = std::function<bool(std::string_view item_id, std::string_view bytes)>;
Result<void> collab_scan(const ReadTxn& txn, std::uint8_t kind, const CollabVisitor& visit);

// --- held: record versions waiting for their predecessor ------------------

Result<void> held_put(WriteTxn& txn, std::string_view record_id, std::uint32_t version,
                      std::string_view bytes);
Result<std::optional<std::string>> held_get(const ReadTxn& txn, std::string_view record_id,
                                            std::uint32_t version);
Result<bool> held_erase(WriteTxn& txn, std::string_view record_id, std::uint32_t version);

// --- reports: quarterly tables by (province, year, quarter) ---------------

Result<void> report_put(WriteTxn& txn, std::uint8_t province, std::uint16_t year,
                        std::uint8_t quarter, std::string_view bytes);
Result<std::optional<std::string>> report_get(const ReadTxn& txn, std::uint8_t province,
                                              std::uint16_t year, std::uint8_t quarter);

}  // namespace provnet::store
