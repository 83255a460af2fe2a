#include "store/tables.hpp"

#include <fmt/format.h>

#include "store/keys.hpp"

namespace provnet::store {

Result<std::optional<std::string>> get_copy(const ReadTxn& txn, Table t, std::string_view key) {
  auto got = txn.get(t, key);
  if (!got) return got.error();
  if (!got.value()) return std::optional<std::string>{};
  return std::optional<std::string>{std::string(*got.value())};
}

namespace {

// LMDB's default maximum key size; checked here so that a bad key is refused
// before it reaches LMDB, where it would spoil the caller's transaction.
constexpr std::size_t kMaxKeyBytes = 511;

Result<void> check_text_key(std::string_view what, std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return Error{Errc::invalid_input, fmt::format("{} must be 1 to {} bytes long, not {}", what,
                                                  kMaxKeyBytes, key.size())};
  }
  return {};
}

Result<void> check_record_id(std::string_view record_id) {
  if (record_id.empty() || record_id.size() > kMaxRecordIdBytes) {
    return Error{Errc::invalid_input, fmt::format("a record id must be 1 to {} bytes long, not {}",
                                                  kMaxRecordIdBytes, record_id.size())};
  }
  if (record_id.find('\0') != std::string_view::npos) {
    return Error{Errc::invalid_input, "a record id must not contain a 0 byte"};
  }
  return {};
}

Error damaged(Table t, std::string_view what) {
  return Error{Errc::corrupt,
               fmt::format("table {} holds a damaged entry ({}); restore the store from a backup",
                           table_name(t), what)};
}

}  // namespace

// --- meta ----------------------------------------------------------------------

Result<std::optional<std::uint64_t>> meta_get_u64(const ReadTxn& txn, std::string_view name) {
  if (auto ok = check_text_key("a meta key", name); !ok) return ok.error();
  auto got = txn.get(Table::meta, name);
  if (!got) return got.error();
  if (!got.value()) return std::optional<std::uint64_t>{};
  std::string_view bytes = *got.value();
  if (bytes.size() != 8) {
    return damaged(Table::meta, fmt::format("{} is {} bytes, not 8", name, bytes.size()));
  }
  return std::optional<std::uint64_t>{keys::read_u64(bytes)};
}

Result<void> meta_put_u64(WriteTxn& txn, std::string_view name, std::uint64_t value) {
  if (auto ok = check_text_key("a meta key", name); !ok) return ok.error();
  std::string bytes;
  keys::append_u64(bytes, value);
  return txn.put(Table::meta, name, bytes);
}

Result<std::uint32_t> schema_version(const ReadTxn& txn) {
  auto got = txn.get(Table::meta, kSchemaVersionMetaKey);
  if (!got) return got.error();
  if (!got.value()) return damaged(Table::meta, "no schema_version");
  std::string_view bytes = *got.value();
  if (bytes.size() != 4) {
    return damaged(Table::meta, fmt::format("schema_version is {} bytes, not 4", bytes.size()));
  }
  return keys::read_u32(bytes);
}

// --- records -------------------------------------------------------------------

Result<void> append_record_version(WriteTxn& txn, std::string_view record_id, std::uint32_t version,
                                   std::string_view bytes) {
  if (auto ok = check_record_id(record_id); !ok) return ok.error();
  auto inserted = txn.insert(Table::records, keys::record_version(record_id, version), bytes);
  if (!inserted) return inserted.error();
  if (!inserted.value()) {
    return Error{Errc::conflict,
                 fmt::format("record {} version {} is already stored; a version is never "
                             "overwritten, so a change needs a new version number",
                             record_id, version)};
  }
  auto head = latest_version(txn, record_id);
  if (!head) return head.error();
  if (head.value() && *head.value() >= version) return {};
  std::string encoded;
  keys::append_u32(encoded, version);
  return txn.put(Table::record_heads, record_id, encoded);
}

Result<std::optional<std::uint32_t>> latest_version(const ReadTxn& txn,
                                                    std::string_view record_id) {
  if (auto ok = check_record_id(record_id); !ok) return ok.error();
  auto got = txn.get(Table::record_heads, record_id);
  if (!got) return got.error();
  if (!got.value()) return std::optional<std::uint32_t>{};
  std::string_view bytes = *got.value();
  if (bytes.size() != 4) {
    return damaged(Table::record_heads,
                   fmt::format("the head of {} is {} bytes, not 4", record_id, bytes.size()));
  }
  return std::optional<std::uint32_t>{keys::read_u32(bytes)};
}

Result<std::optional<std::string>> record_version_bytes(const ReadTxn& txn,
                                                        std::string_view record_id,
                                                        std::uint32_t version) {
  if (auto ok = check_record_id(record_id); !ok) return ok.error();
  return get_copy(txn, Table::records, keys::record_version(record_id, version));
}

Result<std::vector<RecordVersion>> record_history(const ReadTxn& txn, std::string_view record_id) {
  if (auto ok = check_record_id(record_id); !ok) return ok.error();
  std::vector<RecordVersion> out;
  std::optional<Error> bad;
  auto scanned = txn.scan(Table::records, keys::record_prefix(record_id),
                          [&](std::string_view key, std::string_view value) {
                            auto version = keys::version_of_record_key(key);
                            // The prefix ends in the separator, so only this
                            // record's keys match; anything else is damage.
                            if (!version || key.size() != record_id.size() + 5) {
                              bad = damaged(Table::records, "a key of the wrong length");
                              return false;
                            }
                            out.push_back(RecordVersion{*version, std::string(value)});
                            return true;
                          });
  if (!scanned) return scanned.error();
  if (bad) return *bad;
  return out;
}

// --- outbox --------------------------------------------------------------------

Result<void> outbox_append(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq,
                           std::string_view bytes) {
  auto inserted = txn.insert(Table::outbox, keys::outbox(destination, seq), bytes);
  if (!inserted) return inserted.error();
  if (!inserted.value()) {
    return Error{Errc::conflict,
                 fmt::format("outbox seq {} for destination {} is already queued; each envelope "
                             "needs its own seq",
                             seq, destination)};
  }
  return {};
}

Result<std::vector<OutboxEntry>> outbox_scan(const ReadTxn& txn, std::uint8_t destination,
                                             std::uint64_t from_seq, std::size_t max_items,
                                             std::size_t max_bytes) {
  std::vector<OutboxEntry> out;
  if (max_items == 0) return out;
  std::size_t total = 0;
  std::optional<Error> bad;
  auto scanned = txn.scan_from(
      Table::outbox, keys::outbox_prefix(destination), keys::outbox(destination, from_seq),
      [&](std::string_view key, std::string_view value) {
        if (key.size() != 9) {
          bad = damaged(Table::outbox, "a key of the wrong length");
          return false;
        }
        if (!out.empty() && total + value.size() > max_bytes) return false;
        total += value.size();
        out.push_back(OutboxEntry{keys::read_u64(key, 1), std::string(value)});
        return out.size() < max_items;
      });
  if (!scanned) return scanned.error();
  if (bad) return *bad;
  return out;
}

Result<bool> outbox_remove(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq) {
  return txn.erase(Table::outbox, keys::outbox(destination, seq));
}

Result<std::uint64_t> outbox_depth(const ReadTxn& txn, std::uint8_t destination) {
  std::uint64_t n = 0;
  auto scanned = txn.scan(Table::outbox, keys::outbox_prefix(destination),
                          [&](std::string_view, std::string_view) {
                            ++n;
                            return true;
                          });
  if (!scanned) return scanned.error();
  return n;
}

Result<std::optional<std::uint64_t>> outbox_last_seq(const ReadTxn& txn, std::uint8_t destination) {
  auto last = txn.last(Table::outbox, keys::outbox_prefix(destination));
  if (!last) return last.error();
  if (!last.value()) return std::optional<std::uint64_t>{};
  std::string_view key = last.value()->key;
  if (key.size() != 9) return damaged(Table::outbox, "a key of the wrong length");
  return std::optional<std::uint64_t>{keys::read_u64(key, 1)};
}

Result<void> claim_store(Store& s, std::uint8_t node) {
  auto txn = s.begin_write();
  if (!txn) return txn.error();
  auto owner = meta_get_u64(*txn, kNodeCodeMetaKey);
  if (!owner) return owner.error();
  if (*owner && **owner != node) {
    return Error{Errc::conflict, fmt::format("store {} belongs to node {:02}, not {:02}",
                                             s.options().path, **owner, node)};
  }
  if (!*owner) {
    auto put = meta_put_u64(*txn, kNodeCodeMetaKey, node);
    if (!put) return put.error();
  }
  return txn->commit();
}

Result<std::vector<std::uint8_t>> leading_key_bytes(const ReadTxn& txn, Table t) {
  std::vector<std::uint8_t> out;
  int from = 0;
  while (from <= 0xff) {
    std::optional<std::uint8_t> found;
    std::string start(1, static_cast<char>(from));
    auto scanned = txn.scan_from(t, "", start, [&](std::string_view key, std::string_view) {
      if (!key.empty()) found = static_cast<std::uint8_t>(key[0]);
      return false;
    });
    if (!scanned) return scanned.error();
    if (!found) break;
    out.push_back(*found);
    from = *found + 1;
  }
  return out;
}

// --- staged --------------------------------------------------------------------

Result<void> staged_append(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq,
                           std::string_view record_id, std::uint32_t version) {
  std::string value;
  keys::append_u32(value, version);
  value.append(record_id);
  auto inserted = txn.insert(Table::staged, keys::outbox(destination, seq), value);
  if (!inserted) return inserted.error();
  if (!inserted.value()) {
    return Error{Errc::conflict, fmt::format("staged seq {} for destination {} is already taken",
                                             seq, destination)};
  }
  return {};
}

Result<std::vector<StagedVersion>> staged_scan(const ReadTxn& txn, std::uint8_t destination,
                                               std::size_t max_items) {
  std::vector<StagedVersion> out;
  if (max_items == 0) return out;
  std::optional<Error> bad;
  auto scanned =
      txn.scan(Table::staged, keys::outbox_prefix(destination),
               [&](std::string_view key, std::string_view value) {
                 if (key.size() != 9 || value.size() < 5) {
                   bad = damaged(Table::staged, "an entry of the wrong length");
                   return false;
                 }
                 out.push_back(StagedVersion{keys::read_u64(key, 1), std::string(value.substr(4)),
                                             keys::read_u32(value)});
                 return out.size() < max_items;
               });
  if (!scanned) return scanned.error();
  if (bad) return *bad;
  return out;
}

Result<bool> staged_remove(WriteTxn& txn, std::uint8_t destination, std::uint64_t seq) {
  return txn.erase(Table::staged, keys::outbox(destination, seq));
}

// --- inbound_dedup -------------------------------------------------------------

Result<bool> dedup_record(WriteTxn& txn, std::uint8_t author, std::uint64_t message_id,
                          std::string_view ack_bytes) {
  return txn.insert(Table::inbound_dedup, keys::dedup(author, message_id), ack_bytes);
}

Result<std::optional<std::string>> dedup_lookup(const ReadTxn& txn, std::uint8_t author,
                                                std::uint64_t message_id) {
  return get_copy(txn, Table::inbound_dedup, keys::dedup(author, message_id));
}

// --- audit_log -----------------------------------------------------------------

Result<std::uint64_t> audit_last_seq(const ReadTxn& txn) {
  auto last = txn.last(Table::audit_log, {});
  if (!last) return last.error();
  if (!last.value()) return std::uint64_t{0};
  std::string_view key = last.value()->key;
  if (key.size() != 8) return damaged(Table::audit_log, "a key of the wrong length");
  return keys::read_u64(key);
}

Result<std::uint64_t> audit_append(WriteTxn& txn, std::string_view bytes) {
  auto last = audit_last_seq(txn);
  if (!last) return last.error();
  std::uint64_t seq = last.value() + 1;
  auto inserted = txn.insert(Table::audit_log, keys::audit(seq), bytes);
  if (!inserted) return inserted.error();
  // seq is one past the last key seen in this very transaction, so it can
  // only exist if the table's order is broken.
  if (!inserted.value()) return damaged(Table::audit_log, "keys out of order");
  return seq;
}

Result<std::optional<std::string>> audit_get(const ReadTxn& txn, std::uint64_t seq) {
  return get_copy(txn, Table::audit_log, keys::audit(seq));
}

Result<void> audit_scan(const ReadTxn& txn, std::uint64_t from_seq, const AuditVisitor& visit) {
  std::optional<Error> bad;
  auto scanned = txn.scan_from(Table::audit_log, {}, keys::audit(from_seq),
                               [&](std::string_view key, std::string_view value) {
                                 if (key.size() != 8) {
                                   bad = damaged(Table::audit_log, "a key of the wrong length");
                                   return false;
                                 }
                                 return visit(keys::read_u64(key), value);
                               });
  if (!scanned) return scanned.error();
  if (bad) return *bad;
  return {};
}

// --- pending_queries -----------------------------------------------------------

namespace {

std::string due_key(QueryRole role, std::string_view due, std::string_view query_id) {
  std::string key;
  keys::append_u8(key, static_cast<std::uint8_t>(role));
  key.append(due);
  key.push_back('\0');
  key.append(query_id);
  return key;
}

std::string kind_prefix(std::uint8_t kind) {
  std::string key;
  keys::append_u8(key, kind);
  return key;
}

std::string report_key(std::uint8_t province, std::uint16_t year, std::uint8_t quarter) {
  std::string key;
  keys::append_u8(key, province);
  keys::append_u8(key, static_cast<std::uint8_t>(year >> 8));
  keys::append_u8(key, static_cast<std::uint8_t>(year & 0xff));
  keys::append_u8(key, quarter);
  return key;
}

}  // namespace

Result<void> due_index_put(WriteTxn& txn, QueryRole role, std::string_view due_yyyymmdd,
                           std::string_view query_id) {
  if (auto ok = check_text_key("a query id", query_id); !ok) return ok.error();
  return txn.put(Table::pending_queries, due_key(role, due_yyyymmdd, query_id), "");
}

Result<bool> due_index_erase(WriteTxn& txn, QueryRole role, std::string_view due_yyyymmdd,
                             std::string_view query_id) {
  if (auto ok = check_text_key("a query id", query_id); !ok) return ok.error();
  return txn.erase(Table::pending_queries, due_key(role, due_yyyymmdd, query_id));
}

Result<void> due_index_scan(const ReadTxn& txn, QueryRole role, const DueVisitor& visit) {
  std::string prefix;
  keys::append_u8(prefix, static_cast<std::uint8_t>(role));
  return txn.scan(Table::pending_queries, prefix, [&](std::string_view key, std::string_view) {
    std::string_view rest = key.substr(1);
    auto nul = rest.find('\0');
    if (nul == std::string_view::npos) return true;
    return visit(rest.substr(0, nul), rest.substr(nul + 1));
  });
}

Result<void> collab_put(WriteTxn& txn, std::uint8_t kind, std::string_view item_id,
                        std::string_view bytes) {
  if (auto ok = check_text_key("an item id", item_id); !ok) return ok.error();
  return txn.put(Table::collab, kind_prefix(kind) + std::string(item_id), bytes);
}

Result<std::optional<std::string>> collab_get(const ReadTxn& txn, std::uint8_t kind,
                                              std::string_view item_id) {
  if (auto ok = check_text_key("an item id", item_id); !ok) return ok.error();
  return get_copy(txn, Table::collab, kind_prefix(kind) + std::string(item_id));
}

Result<void> collab_scan(const ReadTxn& txn, std::uint8_t kind, const CollabVisitor& visit) {
  return txn.scan(
      Table::collab, kind_prefix(kind),
      [&](std::string_view key, std::string_view value) { return visit(key.substr(1), value); });
}

Result<void> held_put(WriteTxn& txn, std::string_view record_id, std::uint32_t version,
                      std::string_view bytes) {
  if (auto ok = check_text_key("a record id", record_id); !ok) return ok.error();
  return txn.put(Table::held, keys::record_version(record_id, version), bytes);
}

Result<std::optional<std::string>> held_get(const ReadTxn& txn, std::string_view record_id,
                                            std::uint32_t version) {
  if (auto ok = check_text_key("a record id", record_id); !ok) return ok.error();
  return get_copy(txn, Table::held, keys::record_version(record_id, version));
}

Result<bool> held_erase(WriteTxn& txn, std::string_view record_id, std::uint32_t version) {
  if (auto ok = check_text_key("a record id", record_id); !ok) return ok.error();
  return txn.erase(Table::held, keys::record_version(record_id, version));
}

Result<void> report_put(WriteTxn& txn, std::uint8_t province, std::uint16_t year,
                        std::uint8_t quarter, std::string_view bytes) {
  return txn.put(Table::reports, report_key(province, year, quarter), bytes);
}

Result<std::optional<std::string>> report_get(const ReadTxn& txn, std::uint8_t province,
                                              std::uint16_t year, std::uint8_t quarter) {
  return get_copy(txn, Table::reports, report_key(province, year, quarter));
}

}  // namespace provnet::store
