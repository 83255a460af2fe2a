#include "store/audit_tables.hpp"

#include <fmt/format.h>

#include <vector>

#include "store/keys.hpp"
#include "store/tables.hpp"

namespace provnet::store {

namespace {

Error damaged_table(Table t, std::string_view what) {
  return Error{
      Errc::corrupt,
      fmt::format("table {} is damaged: {}; restore the store from a backup", table_name(t), what)};
}

std::string node_seq_key(std::uint8_t node, std::uint64_t seq) {
  std::string key;
  keys::append_u8(key, node);
  keys::append_u64(key, seq);
  return key;
}

std::string counts_key(std::uint8_t peer, std::string_view kind) {
  std::string key;
  keys::append_u8(key, peer);
  key.append(kind);
  return key;
}

std::string message_key(const MessageLinkKey& k) {
  std::string key;
  keys::append_u8(key, k.author);
  keys::append_u64(key, k.message_id);
  keys::append_u8(key, k.from);
  keys::append_u8(key, k.to);
  return key;
}

std::string encode_counts(const LinkCounts& c) {
  std::string out;
  keys::append_u64(out, c.sent);
  keys::append_u64(out, c.received);
  keys::append_u64(out, c.acknowledged);
  keys::append_u64(out, c.rejected);
  return out;
}

std::optional<LinkCounts> decode_counts(std::string_view v) {
  if (v.size() != 32) return std::nullopt;
  return LinkCounts{keys::read_u64(v, 0), keys::read_u64(v, 8), keys::read_u64(v, 16),
                    keys::read_u64(v, 24)};
}

}  // namespace

Result<std::uint64_t> evidence_append(WriteTxn& txn, std::string_view bytes) {
  auto last = txn.last(Table::evidence, {});
  if (!last) return last.error();
  std::uint64_t seq = *last ? keys::read_u64((*last)->key) + 1 : 1;
  auto put = txn.put(Table::evidence, keys::audit(seq), bytes);
  if (!put) return put.error();
  return seq;
}

Result<void> audit_put(WriteTxn& txn, std::uint64_t seq, std::string_view bytes) {
  auto inserted = txn.insert(Table::audit_log, keys::audit(seq), bytes);
  if (!inserted) return inserted.error();
  if (!*inserted) {
    return Error{Errc::conflict,
                 fmt::format("audit entry {} already exists; the chain's head in meta is behind "
                             "its entries (restore the store from a backup)",
                             seq)};
  }
  return {};
}

Result<LinkCounts> audit_counts_get(const ReadTxn& txn, std::uint8_t peer, std::string_view kind) {
  auto got = txn.get(Table::audit_counts, counts_key(peer, kind));
  if (!got) return got.error();
  if (!*got) return LinkCounts{};
  auto counts = decode_counts(**got);
  if (!counts) return damaged_table(Table::audit_counts, "a value of the wrong length");
  return *counts;
}

Result<void> audit_counts_put(WriteTxn& txn, std::uint8_t peer, std::string_view kind,
                              const LinkCounts& counts) {
  return txn.put(Table::audit_counts, counts_key(peer, kind), encode_counts(counts));
}

Result<void> audit_counts_scan(const ReadTxn& txn, const CountsVisitor& visit) {
  std::optional<Error> bad;
  auto scanned = txn.scan(Table::audit_counts, {}, [&](std::string_view key, std::string_view v) {
    auto counts = decode_counts(v);
    if (key.empty() || !counts) {
      bad = damaged_table(Table::audit_counts, "an entry of the wrong length");
      return false;
    }
    return visit(static_cast<std::uint8_t>(key[0]), key.substr(1), *counts);
  });
  if (!scanned) return scanned.error();
  if (bad) return *bad;
  return {};
}

Result<void> audit_item_put(WriteTxn& txn, std::string_view item_id, std::uint8_t node,
                            std::uint64_t seq) {
  if (item_id.empty() || item_id.size() > 400 || item_id.find('\0') != std::string_view::npos) {
    return {};  // not indexable (the entry itself still names it)
  }
  std::string key(item_id);
  key.push_back('\0');
  key.append(node_seq_key(node, seq));
  return txn.put(Table::audit_items, key, {});
}

Result<void> audit_item_scan(const ReadTxn& txn, std::string_view item_id,
                             const ItemEntryVisitor& visit) {
  std::string prefix(item_id);
  prefix.push_back('\0');
  return txn.scan(Table::audit_items, prefix, [&](std::string_view key, std::string_view) {
    std::string_view rest = key.substr(prefix.size());
    if (rest.size() != 9) return true;
    return visit(static_cast<std::uint8_t>(rest[0]), keys::read_u64(rest, 1));
  });
}

Result<void> replica_put(WriteTxn& txn, std::uint8_t node, std::uint64_t seq,
                         std::string_view bytes) {
  return txn.put(Table::audit_replicas, node_seq_key(node, seq), bytes);
}

Result<std::optional<std::string>> replica_get(const ReadTxn& txn, std::uint8_t node,
                                               std::uint64_t seq) {
  return get_copy(txn, Table::audit_replicas, node_seq_key(node, seq));
}

Result<std::uint64_t> replica_erase_from(WriteTxn& txn, std::uint8_t node, std::uint64_t seq) {
  std::vector<std::string> doomed;
  std::string prefix;
  keys::append_u8(prefix, node);
  auto scanned = txn.scan_from(Table::audit_replicas, prefix, node_seq_key(node, seq),
                               [&](std::string_view key, std::string_view) {
                                 doomed.emplace_back(key);
                                 return true;
                               });
  if (!scanned) return scanned.error();
  for (const std::string& key : doomed) {
    if (auto erased = txn.erase(Table::audit_replicas, key); !erased) return erased.error();
  }
  return doomed.size();
}

Result<std::optional<std::string>> audit_message_get(const ReadTxn& txn, const MessageLinkKey& k) {
  return get_copy(txn, Table::audit_messages, message_key(k));
}

Result<void> audit_message_put(WriteTxn& txn, const MessageLinkKey& k, std::string_view bytes) {
  return txn.put(Table::audit_messages, message_key(k), bytes);
}

Result<void> audit_message_scan(const ReadTxn& txn, const MessageLinkVisitor& visit) {
  return txn.scan(Table::audit_messages, {}, [&](std::string_view key, std::string_view v) {
    if (key.size() != 11) return true;
    MessageLinkKey k{static_cast<std::uint8_t>(key[0]), keys::read_u64(key, 1),
                     static_cast<std::uint8_t>(key[9]), static_cast<std::uint8_t>(key[10])};
    return visit(k, v);
  });
}

Result<std::optional<std::string>> audit_node_get(const ReadTxn& txn, std::uint8_t node) {
  std::string key;
  keys::append_u8(key, node);
  return get_copy(txn, Table::audit_nodes, key);
}

Result<void> audit_node_put(WriteTxn& txn, std::uint8_t node, std::string_view bytes) {
  std::string key;
  keys::append_u8(key, node);
  return txn.put(Table::audit_nodes, key, bytes);
}

Result<void> audit_node_scan(const ReadTxn& txn, const AuditNodeVisitor& visit) {
  return txn.scan(Table::audit_nodes, {}, [&](std::string_view key, std::string_view v) {
    if (key.size() != 1) return true;
    return visit(static_cast<std::uint8_t>(key[0]), v);
  });
}

}  // namespace provnet::store
