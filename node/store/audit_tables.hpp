// Typed access to the tables of the audit chain and of the national node's
// reconciliation (schema 4). Like tables.hpp: key layouts live here, values
// are the caller's bytes, nothing commits on its own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/store.hpp"

namespace provnet::store {

// --- evidence: the national node's evidence of direct exchanges -----------

Result<std::uint64_t> evidence_append(WriteTxn& txn, std::string_view bytes);

// --- audit_log: the chain itself; entry `seq` under key seq(u64) ----------
// (audit_get, audit_scan and audit_last_seq are in tables.hpp.)

// Puts entry `seq`; Errc::conflict when it exists (a chain is never rewritten).
Result<void> audit_put(WriteTxn& txn, std::uint64_t seq, std::string_view bytes);

// --- audit_counts: messages per (peer, kind) --------------------------------

struct LinkCounts {
  std::uint64_t sent = 0, received = 0, acknowledged = 0, rejected = 0;
};
Result<LinkCounts> audit_counts_get(const ReadTxn& txn, std::uint8_t peer, std::string_view kind);
Result<void> audit_counts_put(WriteTxn& txn, std::uint8_t peer, std::string_view kind,
                              const LinkCounts& counts);
using CountsVisitor =
    std::function<bool(std::uint8_t peer, std::string_view kind, const LinkCounts& counts)>;
Result<void> audit_counts_scan(const ReadTxn& txn, const CountsVisitor& visit);

// --- audit_items: which audit entries name an item (record or collab id) ---

Result<void> audit_item_put(WriteTxn& txn, std::string_view item_id, std::uint8_t node,
                            std::uint64_t seq);
using ItemEntryVisitor = std::function<bool(std::uint8_t node, std::uint64_t seq)>;
Result<void> audit_item_scan(const ReadTxn& txn, std::string_view item_id,
                             const ItemEntryVisitor& visit);

// --- audit_replicas: other nodes' chains, as their checkpoints brought them -

Result<void> replica_put(WriteTxn& txn, std::uint8_t node, std::uint64_t seq,
                         std::string_view bytes);
Result<std::optional<std::string>> replica_get(const ReadTxn& txn, std::uint8_t node,
                                               std::uint64_t seq);
// Removes node's entries from `seq` on (a chain that diverged there).
Result<std::uint64_t> replica_erase_from(WriteTxn& txn, std::uint8_t node, std::uint64_t seq);

// --- audit_messages: one row per (message, link) ---------------------------

struct MessageLinkKey {
  std::uint8_t author = 0;
  std::uint64_t message_id = 0;
  std::uint8_t from = 0, to = 0;  // the link, in the message's direction
};
Result<std::optional<std::string>> audit_message_get(const ReadTxn& txn, const MessageLinkKey& k);
Result<void> audit_message_put(WriteTxn& txn, const MessageLinkKey& k, std::string_view bytes);
using MessageLinkVisitor = std::function<bool(const MessageLinkKey& k, std::string_view bytes)>;
Result<void> audit_message_scan(const ReadTxn& txn, const MessageLinkVisitor& visit);

// --- audit_nodes: per node, the state of its replicated chain --------------

Result<std::optional<std::string>> audit_node_get(const ReadTxn& txn, std::uint8_t node);
Result<void> audit_node_put(WriteTxn& txn, std::uint8_t node, std::string_view bytes);
using AuditNodeVisitor = std::function<bool(std::uint8_t node, std::string_view bytes)>;
Result<void> audit_node_scan(const ReadTxn& txn, const AuditNodeVisitor& visit);

}  // namespace provnet::store
