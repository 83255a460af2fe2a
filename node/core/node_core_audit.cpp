// NodeCore's audit: entries appended as events happen, checkpoints sent to
// the national node, and there reconciliation and traces (ARCHITECTURE.md
// "Audit").
#include <fmt/format.h>

#include <algorithm>

#include "core/audit_chain.hpp"
#include "core/core_support.hpp"
#include "core/digest.hpp"
#include "core/node_core.hpp"
#include "core/reconciliation.hpp"
#include "store/audit_tables.hpp"
#include "store/tables.hpp"

namespace provnet::core {

using namespace detail;

namespace {

// meta: the checkpoint awaiting its answer (message id, 0: none), the last
// entry it carries and whether that was the chain's head, and how far the
// national node has acknowledged the chain.
constexpr std::string_view kCheckpointMessageKey = "audit_checkpoint_message";
constexpr std::string_view kCheckpointLastKey = "audit_checkpoint_last";
constexpr std::string_view kCheckpointCompleteKey = "audit_checkpoint_complete";
constexpr std::string_view kShippedKey = "audit_shipped_seq";
constexpr std::string_view kCheckpointAckedAtKey = "audit_checkpoint_acked_ms";

std::string unhex(std::string_view text) {
  std::string out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return 0;
  };
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(text[i]) * 16 + nibble(text[i + 1])));
  }
  return out;
}

std::string discrepancy_key(const Discrepancy& d) {
  return fmt::format("{}/{}/{}/{}/{}", d.type, d.from, d.to, d.author, d.message_id);
}

}  // namespace

Result<void> NodeCore::audit(store::WriteTxn& txn, const AuditFacts& facts, std::int64_t now_ms) {
  auto seq = append_audit(txn, config_.self, config_.audit_hash, facts, now_ms);
  if (!seq) return seq.error();
  if (config_.is_national() && facts.event != wire::AuditEvent::CHANGED) {
    auto bytes = store::audit_get(txn, *seq);
    if (!bytes) return bytes.error();
    auto decoded = Decoded<wire::AuditEntry>::decode(bytes->value_or(""), config_.limits);
    if (!decoded) return decoded.error();
    return observe_message_event(txn, config_.self, decoded->root());
  }
  return {};
}

Result<void> NodeCore::audit_message(store::WriteTxn& txn, wire::AuditEvent event,
                                     ProvinceCode peer, wire::Envelope::Reader env,
                                     std::string_view bytes, std::int64_t now_ms,
                                     std::string detail, std::string_view signed_digest) {
  AuditFacts facts = message_facts(event, peer, env, bytes, signed_digest);
  facts.detail = std::move(detail);
  return audit(txn, facts, now_ms);
}

Result<Effects> NodeCore::request_checkpoint(std::int64_t now_ms) {
  if (config_.is_national()) {
    return Error{Errc::invalid_input,
                 "the national node keeps the reference copy of every chain and sends no "
                 "checkpoint; ask a province"};
  }
  Effects fx;
  send_checkpoint(now_ms, fx);
  return fx;
}

void NodeCore::send_checkpoint(std::int64_t now_ms, Effects& fx) {
  if (config_.is_national() || !config_.signer) return;
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "checkpoint", txn.error(), now_ms);
  auto pending = store::meta_get_u64(*txn, kCheckpointMessageKey);
  if (!pending) return log_store_failure(fx, "checkpoint", pending.error(), now_ms);
  if (pending->value_or(0) != 0) {
    fx.log(LogLevel::debug, "audit.checkpoint_waiting",
           {{"message_id", message_ref(config_.self, **pending)},
            {"reason", "the previous checkpoint has not been answered yet"}});
    return;
  }
  auto head = chain_head(*txn, config_.audit_hash);
  if (!head) return log_store_failure(fx, "checkpoint", head.error(), now_ms);
  auto shipped_stored = store::meta_get_u64(*txn, kShippedKey);
  if (!shipped_stored) return log_store_failure(fx, "checkpoint", shipped_stored.error(), now_ms);
  std::uint64_t shipped = shipped_stored->value_or(0);
  // A chain shorter than what was shipped: the store was restored from a
  // backup. Send it all again; the national node reports the divergence.
  if (shipped > head->count) shipped = 0;

  std::vector<std::string> entries;
  std::size_t bytes_total = 0;
  auto scanned = store::audit_scan(*txn, shipped + 1, [&](std::uint64_t, std::string_view bytes) {
    if (!entries.empty() && (entries.size() >= config_.checkpoint_max_entries ||
                             bytes_total + bytes.size() > config_.checkpoint_max_bytes)) {
      return false;
    }
    entries.emplace_back(bytes);
    bytes_total += bytes.size();
    return true;
  });
  if (!scanned) return log_store_failure(fx, "checkpoint", scanned.error(), now_ms);
  const std::uint64_t last = shipped + entries.size();
  std::string last_hash;
  if (!entries.empty()) {
    last_hash = chain_hash(head->algorithm, entries.back());
  } else if (last == head->count) {
    last_hash = head->hash;
  } else {
    last_hash = std::string(kChainHashBytes, '\0');
  }
  const bool complete = last == head->count;

  auto id = next_message_id(*txn, now_ms);
  if (!id) return log_store_failure(fx, "checkpoint", id.error(), now_ms);
  OutgoingEnvelope env(config_.self, domain::kNationalCode, *id, now_ms);
  auto cp = env.body().initAuditCheckpoint();
  cp.setNode(config_.self);
  cp.setChainHead(as_data(last_hash));
  cp.setEntryCount(last);
  cp.setHashAlgorithm(head->algorithm == HashAlgorithm::sm3 ? wire::HashAlgorithm::SM3
                                                            : wire::HashAlgorithm::SHA256);
  cp.setTakenAtMs(now_ms);
  std::vector<AuditState::Count> counts;
  auto counted = store::audit_counts_scan(
      *txn, [&](std::uint8_t peer, std::string_view kind, const store::LinkCounts& c) {
        counts.push_back({peer, std::string(kind), c});
        return true;
      });
  if (!counted) return log_store_failure(fx, "checkpoint", counted.error(), now_ms);
  auto list = cp.initCounts(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    list[i].setPeer(counts[i].peer);
    list[i].setKind(counts[i].kind);
    list[i].setSent(counts[i].counts.sent);
    list[i].setReceived(counts[i].counts.received);
    list[i].setAcknowledged(counts[i].counts.acknowledged);
    list[i].setRejected(counts[i].counts.rejected);
  }
  cp.setFirstSeq(shipped + 1);
  auto carried = cp.initEntries(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) carried.set(i, as_data(entries[i]));
  cp.setComplete(complete);
  auto queued = queue_authored(*txn, domain::kNationalCode, env.builder(), fx);
  if (!queued) return log_store_failure(fx, "checkpoint", queued.error(), now_ms);
  for (auto [key, value] :
       {std::pair{kCheckpointMessageKey, *id}, std::pair{kCheckpointLastKey, last},
        std::pair{kCheckpointCompleteKey, std::uint64_t{complete}},
        std::pair{kShippedKey, shipped}}) {
    auto put = store::meta_put_u64(*txn, key, value);
    if (!put) return log_store_failure(fx, "checkpoint", put.error(), now_ms);
  }
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "checkpoint", committed.error(), now_ms);
  ++counters_.checkpoints_sent;
  fx.log(LogLevel::info, "audit.checkpoint_sent",
         {{"message_id", message_ref(config_.self, *id)},
          {"peer", code_text(domain::kNationalCode)},
          {"first_seq", std::to_string(shipped + 1)},
          {"entries", std::to_string(entries.size())},
          {"entry_count", std::to_string(last)},
          {"complete", complete ? "true" : "false"}});
  pump(domain::kNationalCode, now_ms, fx);
}

Result<void> NodeCore::note_checkpoint_settled(store::WriteTxn& txn, std::uint64_t message_id,
                                               const wire::Rejection::Reader* rejection,
                                               std::int64_t now_ms, bool& more, Effects& fx) {
  more = false;
  auto pending = store::meta_get_u64(txn, kCheckpointMessageKey);
  if (!pending) return pending.error();
  if (pending->value_or(0) != message_id) return {};
  auto cleared = store::meta_put_u64(txn, kCheckpointMessageKey, 0);
  if (!cleared) return cleared.error();
  if (rejection) {
    // The national node could not take it (most often: its copy of this
    // chain ends elsewhere). Start again from entry 1; it skips what it has.
    auto reset = store::meta_put_u64(txn, kShippedKey, 0);
    if (!reset) return reset.error();
    fx.log(LogLevel::error, "audit.checkpoint_refused",
           {{"message_id", message_ref(config_.self, message_id)},
            {"peer", code_text(domain::kNationalCode)},
            {"reason", rejection->getReason().cStr()}});
    return {};
  }
  auto last = store::meta_get_u64(txn, kCheckpointLastKey);
  if (!last) return last.error();
  auto complete = store::meta_get_u64(txn, kCheckpointCompleteKey);
  if (!complete) return complete.error();
  auto shipped = store::meta_put_u64(txn, kShippedKey, last->value_or(0));
  if (!shipped) return shipped.error();
  auto acked = store::meta_put_u64(txn, kCheckpointAckedAtKey, static_cast<std::uint64_t>(now_ms));
  if (!acked) return acked.error();
  // A part short of the head: the next part goes at once.
  more = complete->value_or(1) == 0;
  return {};
}

Result<void> NodeCore::apply_checkpoint(store::WriteTxn& txn, wire::Envelope::Reader env,
                                        std::int64_t now_ms, std::string& whole_reason,
                                        Effects& fx) {
  auto cp = env.getBody().getAuditCheckpoint();
  const ProvinceCode node = env.getAuthor();
  if (cp.getNode() != node) {
    whole_reason = fmt::format(
        "the checkpoint is of node {} but was written by node {}; a node "
        "sends only its own",
        domain::province_code_text(cp.getNode()), domain::province_code_text(node));
    return {};
  }
  const HashAlgorithm algorithm = cp.getHashAlgorithm() == wire::HashAlgorithm::SM3
                                      ? HashAlgorithm::sm3
                                      : HashAlgorithm::sha256;
  if (!hash_algorithm_available(algorithm)) {
    whole_reason = fmt::format("hash algorithm {} is not available at the national node",
                               hash_algorithm_name(algorithm));
    return {};
  }
  auto stored_state = store::audit_node_get(txn, node);
  if (!stored_state) return stored_state.error();
  AuditNodeState state = *stored_state ? decode_node_state(node, **stored_state) : AuditNodeState{};
  state.node = node;
  if (state.entries > 0 && state.algorithm != hash_algorithm_name(algorithm)) {
    whole_reason = fmt::format("node {}'s chain uses {}, but this checkpoint says {}",
                               domain::province_code_text(node), state.algorithm,
                               hash_algorithm_name(algorithm));
    return {};
  }
  state.algorithm = std::string(hash_algorithm_name(algorithm));
  auto entries = cp.getEntries();
  const std::uint64_t first = cp.getFirstSeq();
  if (entries.size() > 0 && (first == 0 || first > state.entries + 1)) {
    whole_reason = fmt::format(
        "audit entries must continue from entry {}; this checkpoint starts "
        "at entry {} (send the chain again from entry {})",
        state.entries + 1, first, state.entries + 1);
    return {};
  }
  // Entries the national node holds already must be the same; a different
  // one means the node's chain went back (a store restored from a backup)
  // and grew again: the new branch replaces the old from there, and the
  // auditor hears of it.
  std::uint64_t seq = first;
  std::uint32_t i = 0;
  std::optional<std::uint64_t> diverged_at;
  for (; i < entries.size() && seq <= state.entries; ++i, ++seq) {
    auto held = store::replica_get(txn, node, seq);
    if (!held) return held.error();
    if (*held && **held == as_view(entries[i])) continue;
    diverged_at = seq;
    break;
  }
  std::string prev_hash = unhex(state.head_hex);
  if (state.entries == 0) prev_hash = std::string(kChainHashBytes, '\0');
  if (diverged_at) {
    prev_hash = std::string(kChainHashBytes, '\0');
    if (*diverged_at > 1) {
      auto before = store::replica_get(txn, node, *diverged_at - 1);
      if (!before) return before.error();
      prev_hash = chain_hash(algorithm, before->value_or(""));
    }
  }
  ChainVerifier verifier(algorithm, node, seq, prev_hash);
  const std::uint32_t new_from = i;
  for (; i < entries.size(); ++i) {
    if (!verifier.next(seq + (i - new_from), as_view(entries[i]), config_.limits)) {
      whole_reason = fmt::format("node {}'s audit chain does not verify: {}",
                                 domain::province_code_text(node), verifier.problem()->message);
      fx.log(LogLevel::error, "audit.chain_invalid",
             {{"peer", code_text(node)},
              {"seq", std::to_string(verifier.problem()->seq)},
              {"reason", verifier.problem()->message}});
      return {};
    }
  }
  const bool adds = new_from < entries.size();
  if (adds && verifier.verified() == cp.getEntryCount() &&
      verifier.head_hash() != as_view(cp.getChainHead())) {
    whole_reason = fmt::format(
        "the checkpoint's chain head {} is not the hash of entry {} it "
        "carries ({})",
        hex(as_view(cp.getChainHead())), cp.getEntryCount(), hex(verifier.head_hash()));
    return {};
  }
  if (!adds && !diverged_at && cp.getEntryCount() == state.entries && state.entries > 0 &&
      hex(as_view(cp.getChainHead())) != state.head_hex) {
    whole_reason = fmt::format(
        "the checkpoint's chain head {} differs from entry {} as the "
        "national node holds it ({})",
        hex(as_view(cp.getChainHead())), state.entries, state.head_hex);
    return {};
  }

  if (diverged_at) {
    auto erased = store::replica_erase_from(txn, node, *diverged_at);
    if (!erased) return erased.error();
    ++state.rewinds;
    state.last_problem = fmt::format(
        "the chain diverged at entry {} (the national node held {}): the node's store went back, "
        "most likely restored from a backup",
        *diverged_at, state.entries);
    fx.log(LogLevel::error, "audit.chain_rewound",
           {{"peer", code_text(node)},
            {"seq", std::to_string(*diverged_at)},
            {"held", std::to_string(state.entries)},
            {"reason", state.last_problem}});
    state.entries = *diverged_at - 1;
  }
  for (std::uint32_t k = new_from; k < entries.size(); ++k) {
    const std::uint64_t at = seq + (k - new_from);
    auto put = store::replica_put(txn, node, at, as_view(entries[k]));
    if (!put) return put.error();
    auto decoded = Decoded<wire::AuditEntry>::decode(as_view(entries[k]), config_.limits);
    if (!decoded) return decoded.error();
    auto indexed = index_audit_entry(txn, node, decoded->root());
    if (!indexed) return indexed.error();
    auto observed = observe_message_event(txn, node, decoded->root());
    if (!observed) return observed.error();
  }
  if (adds) {
    state.entries = verifier.verified();
    state.head_hex = hex(verifier.head_hash());
  }
  if (cp.getComplete() && state.entries == cp.getEntryCount()) {
    state.horizon_ms = std::max(state.horizon_ms, cp.getTakenAtMs());
  }
  state.last_checkpoint_ms = now_ms;
  ++state.checkpoints;
  auto put = store::audit_node_put(txn, node, encode_node_state(state));
  if (!put) return put.error();
  ++counters_.checkpoints_received;
  fx.log(LogLevel::info, "audit.checkpoint_received",
         {{"message_id", message_ref(node, env.getMessageId())},
          {"peer", code_text(node)},
          {"entries", std::to_string(entries.size() - new_from)},
          {"entry_count", std::to_string(state.entries)},
          {"complete", cp.getComplete() ? "true" : "false"}});
  return {};
}

void NodeCore::check_reconciliation(std::int64_t now_ms, Effects& fx) {
  if (!config_.is_national() || config_.reconcile_interval_ms <= 0) return;
  if (now_ms < next_reconcile_ms_) {
    fx.wake_at(next_reconcile_ms_);
    return;
  }
  next_reconcile_ms_ = now_ms + config_.reconcile_interval_ms;
  fx.wake_at(next_reconcile_ms_);
  auto report = reconciliation(now_ms);
  if (!report) return log_store_failure(fx, "reconcile", report.error(), now_ms);
  std::set<std::string> current;
  for (const Discrepancy& d : report->discrepancies) {
    std::string key = discrepancy_key(d);
    current.insert(key);
    if (reported_discrepancies_.count(key)) continue;
    fx.log(LogLevel::warn, "audit.discrepancy",
           {{"type", d.type},
            {"message_id", message_ref(d.author, d.message_id)},
            {"peer", code_text(d.from)},
            {"to", code_text(d.to)},
            {"kind", d.kind},
            {"reason", d.detail}});
  }
  for (const std::string& key : reported_discrepancies_) {
    if (!current.count(key)) {
      fx.log(LogLevel::info, "audit.discrepancy_resolved", {{"discrepancy", key}});
    }
  }
  reported_discrepancies_ = std::move(current);
}

Result<ReconciliationReport> NodeCore::reconciliation(std::int64_t now_ms) {
  if (!config_.is_national()) {
    return Error{Errc::invalid_input,
                 "reconciliation runs at the national node, which holds every node's chain"};
  }
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  auto report = reconcile(*txn, config_.self, now_ms, config_.reconcile);
  if (report) counters_.audit_discrepancies = report->discrepancies.size();
  return report;
}

Result<AuditState> NodeCore::audit_state() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  AuditState s;
  auto head = chain_head(*txn, config_.audit_hash);
  if (!head) return head.error();
  s.head = *head;
  auto shipped = store::meta_get_u64(*txn, kShippedKey);
  if (!shipped) return shipped.error();
  s.shipped = shipped->value_or(0);
  auto pending = store::meta_get_u64(*txn, kCheckpointMessageKey);
  if (!pending) return pending.error();
  s.checkpoint_pending = pending->value_or(0) != 0;
  auto acked = store::meta_get_u64(*txn, kCheckpointAckedAtKey);
  if (!acked) return acked.error();
  s.last_checkpoint_ms = static_cast<std::int64_t>(acked->value_or(0));
  auto counted = store::audit_counts_scan(
      *txn, [&](std::uint8_t peer, std::string_view kind, const store::LinkCounts& c) {
        s.counts.push_back({peer, std::string(kind), c});
        return true;
      });
  if (!counted) return counted.error();
  return s;
}

Result<ChainReport> NodeCore::verify_audit_chain() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return verify_chain(*txn, config_.limits);
}

Result<RecordTrace> NodeCore::trace(const std::string& record_id) {
  RecordTrace out;
  out.record_id = record_id;
  auto history = record_history(record_id);
  if (!history) return history.error();
  out.versions = std::move(*history);
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  std::set<std::pair<ProvinceCode, std::uint64_t>> seen;
  std::vector<std::pair<ProvinceCode, std::uint64_t>> found;
  auto collect = [&](const std::string& key) -> Result<void> {
    return store::audit_item_scan(*txn, key, [&](std::uint8_t node, std::uint64_t seq) {
      if (seen.insert({node, seq}).second) found.push_back({node, seq});
      return true;
    });
  };
  if (auto c = collect(record_id); !c) return c.error();
  // The messages that carried the record: their answers name no record.
  std::set<std::string> messages;
  std::vector<TraceEvent> events;
  auto read_entry = [&](ProvinceCode node, std::uint64_t seq) -> Result<std::optional<TraceEvent>> {
    Result<std::optional<std::string>> bytes =
        node == config_.self ? store::audit_get(*txn, seq) : store::replica_get(*txn, node, seq);
    if (!bytes) return bytes.error();
    if (!*bytes) return std::optional<TraceEvent>{};
    auto decoded = Decoded<wire::AuditEntry>::decode(**bytes, config_.limits);
    if (!decoded) return decoded.error();
    auto e = decoded->root();
    TraceEvent t;
    t.node = node;
    t.seq = seq;
    t.at_ms = e.getAtMs();
    t.event = std::string(audit_event_name(e.getEvent()));
    t.peer = e.getPeer();
    t.author = e.getAuthor();
    t.destination = e.getDestination();
    t.message_id = e.getMessageId();
    t.kind = e.getKind().cStr();
    t.detail = e.getDetail().cStr();
    t.operator_id = e.getOperatorId().cStr();
    for (auto item : e.getItems()) {
      if (item.getId() == record_id) t.version = item.getVersion();
    }
    if (e.getEvent() != wire::AuditEvent::CHANGED) {
      messages.insert(message_index_key(e.getAuthor(), e.getMessageId()));
    }
    return std::optional<TraceEvent>{std::move(t)};
  };
  for (const auto& [node, seq] : found) {
    auto t = read_entry(node, seq);
    if (!t) return t.error();
    if (*t) events.push_back(std::move(**t));
  }
  const std::size_t direct = found.size();
  for (const std::string& m : messages) {
    if (auto c = collect(m); !c) return c.error();
  }
  for (std::size_t k = direct; k < found.size(); ++k) {
    auto t = read_entry(found[k].first, found[k].second);
    if (!t) return t.error();
    if (*t) events.push_back(std::move(**t));
  }
  std::stable_sort(events.begin(), events.end(), [](const TraceEvent& a, const TraceEvent& b) {
    if (a.at_ms != b.at_ms) return a.at_ms < b.at_ms;
    if (a.node != b.node) return a.node < b.node;
    return a.seq < b.seq;
  });
  out.events = std::move(events);
  return out;
}

}  // namespace provnet::core
