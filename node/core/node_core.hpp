// The node's state machine, sans I/O (ARCHITECTURE.md "The core is sans-I/O").
//
// Events come in as calls: records submitted by the provincial system, an
// envelope that arrived on a link, a tick of the clock, a link going up or
// down. Each call runs at most one write transaction on the store and answers
// with Effects for the driver to carry out. Time is always passed in.
//
// Delivery (ARCHITECTURE.md "Delivery: nothing lost, nothing twice"):
//  - a message is written to the outbox in the same transaction as the change
//    that caused it, and only sent once that transaction committed;
//  - the receiver applies a message and records its reply (acknowledgement or
//    rejection) under the message's (author, id) in one transaction, then
//    replies; a retry gets the recorded reply again and is never re-applied;
//  - the sender removes a message from its outbox only on that reply, and
//    until then resends it with exponential backoff and jitter;
//  - what is in flight per link is bounded; the rest waits in the outbox on
//    disk, so memory does not grow with the backlog.
// What is kept in memory (in-flight bookkeeping, retry timers) is rebuilt
// from the store after a restart: everything still in the outbox is resent.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/audit_chain.hpp"
#include "core/collab_entry.hpp"
#include "core/directory.hpp"
#include "core/effects.hpp"
#include "core/reconciliation.hpp"
#include "core/signing.hpp"
#include "core/wire_codec.hpp"
#include "domain/collab_item.hpp"
#include "domain/holiday_calendar.hpp"
#include "domain/migrant_record.hpp"
#include "domain/record_validation.hpp"
#include "domain/statistics.hpp"
#include "store/audit_tables.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"

namespace provnet::core {

// The most items (record versions, collaboration items) one message may
// carry. A sender batches at most max_records_per_message (configurable up to
// this); a receiver refuses a message with more, before verifying or storing
// any of it, so one frame cannot cost a node unbounded work.
inline constexpr std::uint32_t kMaxItemsPerMessage = 10'000;

namespace detail {
struct ItemFault;
}

struct CoreConfig {
  ProvinceCode self = 0;
  // Provinces this node exchanges with directly (its regional group); every
  // other destination goes through the national node. The national node
  // reaches every province directly.
  // These are the configured ones; the directory adds the other members of
  // the node's regional groups.
  std::set<ProvinceCode> direct_peers;
  // A direct peer unreachable for longer than this is reached through the
  // national node instead, including what already waits for it.
  std::int64_t direct_fallback_ms = 60'000;
  // How often a province asks the national node for a newer directory, and
  // how long it warns before the directory it holds expires.
  std::int64_t directory_refresh_ms = 60'000;
  // Batching: records for one destination share a message (and so one
  // signature, one receiver commit) up to this many; a partly filled batch
  // waits up to batch_linger_ms for more before it is sent (0: at once).
  std::uint32_t max_records_per_message = 500;
  std::int64_t batch_linger_ms = 0;
  std::uint32_t max_in_flight_per_link = 16;
  std::int64_t retry_initial_ms = 2'000;
  std::int64_t retry_max_ms = 120'000;
  std::uint64_t seed = 1;  // for retry jitter; fixed in the simulator
  DecodeLimits limits;
  // Every envelope this node authors is signed with `signer`; every envelope
  // it receives is verified with `verifier` before it is applied. An offline
  // tool (provctl store ingest) has neither: it stores and stages records,
  // and provnode signs and sends them once it runs with the node's key.
  std::shared_ptr<const EnvelopeSigner> signer;
  std::shared_ptr<SignatureVerifier> verifier;
  // The holiday calendar that sets pregnancy queries' due dates (SPEC
  // §2.3). Without one this node refuses to ask pregnancy queries.
  std::shared_ptr<const domain::HolidayCalendar> calendar;

  // Audit (ARCHITECTURE.md "Audit"). The hash a new chain uses (a chain
  // keeps the one it started with); how often a province sends the national
  // node a checkpoint (0: only on request), and how much of its chain one
  // checkpoint message carries.
  HashAlgorithm audit_hash = HashAlgorithm::sha256;
  std::int64_t checkpoint_interval_ms = 0;
  std::size_t checkpoint_max_entries = 2'000;
  std::size_t checkpoint_max_bytes = 4u << 20;
  // National: how often to reconcile (logging what newly does not match),
  // and the rules it judges by.
  std::int64_t reconcile_interval_ms = 0;
  ReconcileRules reconcile;

  bool is_national() const { return self == domain::kNationalCode; }
};

// Who made a change and why (the record's version carries it).
struct ChangeMeta {
  std::string operator_id;
  std::string reason;
};

// How a record changed (SPEC §2.1: history is never overwritten). Empty
// change: "created" for a new record, "updated" otherwise.
struct RecordChange {
  std::string change;  // "" | "created" | "updated" | "returned" | "left" | "corrected"
  std::string reason;  // why; required for "corrected"
};

struct SubmittedItem {
  std::string record_id;
  std::uint32_t version = 0;  // the version stored, when accepted
  bool unchanged = false;     // equal to the latest version: nothing new stored or sent
  std::vector<domain::ValidationError> errors;
  // Problems with the change itself (its kind, its reason), not the record.
  std::vector<domain::RecordProblem> change_problems;
  bool accepted() const { return errors.empty() && change_problems.empty(); }
};

struct CollabSubmitted {
  std::string id;
  bool unchanged = false;  // the same item was already sent: nothing new
  std::string due_date;    // queries: the due date this node set
  std::vector<domain::RecordProblem> problems;
  bool accepted() const { return problems.empty(); }
};

struct CollabOutcome {
  std::vector<CollabSubmitted> items;  // one per submitted item, in order
  Effects effects;
};

// One stored version of a record, for its history.
struct RecordVersionView {
  std::uint32_t version = 0;
  std::string change;
  ProvinceCode author = 0;
  std::string operator_id;
  std::int64_t changed_at_ms = 0;
  std::string reason;
  domain::MigrantRecord record;
  // Arrived before its predecessor: kept, not yet given to the provincial
  // system (not in the inbox) until the gap is filled.
  bool held = false;
};

// A query as the due-date queue shows it.
struct QueryView {
  CollabEntry entry;
};

// The quarterly report as the national node holds it.
struct QuarterlySubmission {
  ProvinceCode province = 0;
  std::string status;               // "on_time" | "late" | "missing" | "not_yet_due"
  std::int64_t received_at_ms = 0;  // the first submission: judges on_time / late
  std::int64_t revised_at_ms = 0;   // the latest resubmission, if any (its tables are shown)
  std::optional<domain::QuarterlyTables> tables;
};
struct QuarterlyReport {
  int year = 0, quarter = 0;
  domain::Date snapshot, due;
  std::vector<QuarterlySubmission> provinces;  // all 32
  domain::QuarterlyTables national;            // the sum of what was received
};

// Counters since the process started, for /metrics.
struct CoreCounters {
  std::uint64_t records_accepted = 0;
  std::uint64_t records_rejected = 0;
  std::uint64_t collab_accepted = 0;
  std::uint64_t collab_rejected = 0;
  std::uint64_t messages_applied = 0;
  std::uint64_t messages_rejected = 0;
  // Group commit: transactions that applied several messages that arrived
  // together, and the messages they applied.
  std::uint64_t group_commits = 0;
  std::uint64_t messages_grouped = 0;
  std::uint64_t versions_held = 0;
  std::uint64_t queries_overdue = 0;
  std::uint64_t checkpoints_sent = 0;
  std::uint64_t checkpoints_received = 0;
  std::uint64_t checkpoints_refused = 0;
  // National: discrepancies found by the last reconciliation (a gauge).
  std::uint64_t audit_discrepancies = 0;
};

// The node's own chain, for the API and the status page.
struct AuditState {
  ChainHead head;
  std::uint64_t shipped = 0;            // entries the national node acknowledged
  bool checkpoint_pending = false;      // a checkpoint message awaits its answer
  std::int64_t last_checkpoint_ms = 0;  // when the national node last acknowledged one
  struct Count {
    ProvinceCode peer = 0;
    std::string kind;
    store::LinkCounts counts;
  };
  std::vector<Count> counts;
};

// One audit entry about a record or its messages, from one node's chain.
struct TraceEvent {
  ProvinceCode node = 0;  // whose chain
  std::uint64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string event;
  ProvinceCode peer = 0, author = 0, destination = 0;
  std::uint64_t message_id = 0;
  std::string kind;
  std::uint32_t version = 0;  // of the traced record, when the entry names it
  std::string detail;
  std::string operator_id;
};
struct RecordTrace {
  std::string record_id;
  std::vector<RecordVersionView> versions;  // as this node holds them
  std::vector<TraceEvent> events;           // by time
};

struct SubmitOutcome {
  std::vector<SubmittedItem> items;  // one per submitted record, in order
  Effects effects;
};

// What the receiving side holds for one record, for inspection and tests.
struct InboxEntry {
  std::uint64_t seq = 0;
  std::string kind;  // "record" (arrived), "rejected" (our version refused by `author`)
  std::string item_id;
  std::uint32_t version = 0;
  ProvinceCode author = 0;
  std::uint64_t message_id = 0;
};

class NodeCore {
 public:
  NodeCore(CoreConfig config, store::Store& store);

  // Validates every record; the valid ones are stored as new versions and
  // queued for the provinces they concern, all in one transaction. If the
  // store fails, nothing is accepted and the error says why.
  // Loads the directory kept in the store (an expired one too: a node keeps
  // working on its last good directory, and says so loudly). Call once,
  // before the first event.
  Effects start(std::int64_t now_ms);

  // National node: publishes `content` as a new directory version when it
  // differs from the current one or the current one is past half its
  // validity; signs it, keeps it, and sends it to every connected node.
  Result<Effects> publish_directory(DirectoryContent content, std::int64_t validity_ms,
                                    std::int64_t now_ms);
  const std::optional<Directory>& directory() const { return directory_; }
  // The provinces this node exchanges with directly: configured ones and
  // the other members of its groups.
  std::set<ProvinceCode> direct_peers() const;

  Result<SubmitOutcome> submit_records(std::span<const domain::MigrantRecord> records,
                                       const ChangeMeta& meta, std::int64_t now_ms);
  // The same, with each record's change (`changes` is empty or one per record).
  Result<SubmitOutcome> submit_records(std::span<const domain::MigrantRecord> records,
                                       std::span<const RecordChange> changes,
                                       const ChangeMeta& meta, std::int64_t now_ms);

  // Collaboration (SPEC §2.2, §2.3): notices, registrations and queries this
  // province sends as the residence province, feedback and answers it gives
  // as the hukou province. Each item is checked; the sound ones are kept
  // with their state and sent, through the national node, in one
  // transaction. A query gets its due date here, from the calendar.
  Result<CollabOutcome> submit_collab(domain::CollabKind kind,
                                      std::span<const domain::CollabItem> items,
                                      std::int64_t now_ms);
  // An item of kind check_notice, birth_registration or query, with its reply.
  Result<std::optional<CollabEntry>> collab_entry(domain::CollabKind kind, const std::string& id);
  // Queries this node answers (role answering) or asked, by due date. State
  // filter "" for all; "open" and "overdue" come from the due index.
  Result<std::vector<CollabEntry>> queries(store::QueryRole role, const std::string& state,
                                           std::size_t limit);
  // Every version of a record this node holds, oldest first (empty: unknown).
  Result<std::vector<RecordVersionView>> record_history(const std::string& record_id);
  // The content of an inbox entry, as JSON for the provincial system.
  Result<nlohmann::json> inbox_content(const InboxEntry& entry);

  // Statistics (SPEC §2.4). A province's tables at the quarter's snapshot
  // date, from the records it holds.
  Result<domain::QuarterlyTables> quarterly_tables(int year, int quarter);
  // Computes and sends them to the national node (after the snapshot date).
  Result<Effects> submit_quarterly(int year, int quarter, std::int64_t now_ms);
  // National: who submitted, on time or late, and the national sum.
  Result<QuarterlyReport> quarterly_report(int year, int quarter, std::int64_t now_ms);
  // National: the month's collaboration traffic per province and pair.
  Result<domain::MonthlySummary> monthly_summary(int year, int month, std::int64_t now_ms);

  // Audit (node_core_audit.cpp). A province sends the national node a
  // checkpoint now (unless one is awaiting its answer); the national node
  // has its own chain at hand and sends none.
  Result<Effects> request_checkpoint(std::int64_t now_ms);
  Result<AuditState> audit_state();
  // Checks this node's whole chain (a read transaction: the node runs on).
  Result<ChainReport> verify_audit_chain();
  // National: every link, both ends' logs compared.
  Result<ReconciliationReport> reconciliation(std::int64_t now_ms);
  // What this node's chain (and, at the national node, the chains it holds
  // copies of) says about a record and the messages that carried it.
  Result<RecordTrace> trace(const std::string& record_id);

  const CoreCounters& counters() const { return counters_; }
  Result<std::uint64_t> held_count();

  // An envelope that arrived on the authenticated link to `link_peer`.
  Effects on_envelope(ProvinceCode link_peer, std::string_view bytes, std::int64_t now_ms);
  // Envelopes that arrived together on one link, in order (group commit):
  // consecutive record and collaboration messages are applied in one write
  // transaction with one commit, and their replies go out only after it.
  // Anything else, and every message of a group whose transaction failed,
  // is taken alone as by on_envelope, so the outcome of each message is
  // the same as if it had come by itself.
  Effects on_envelopes(ProvinceCode link_peer, std::span<const std::string_view> frames,
                       std::int64_t now_ms);
  Effects on_tick(std::int64_t now_ms);
  Effects on_link_up(ProvinceCode peer, std::int64_t now_ms);
  Effects on_link_down(ProvinceCode peer, std::int64_t now_ms);

  const CoreConfig& config() const { return config_; }
  // The link a message for `destination` leaves on: the destination itself
  // for the national node and for a direct peer that is not in fallback,
  // else the national node.
  ProvinceCode next_hop(ProvinceCode destination) const;
  // Direct peers currently reached through the national node.
  const std::set<ProvinceCode>& fallen_back() const { return fallen_back_; }
  Result<std::uint64_t> outbox_depth(ProvinceCode link);
  // Record versions stored but not yet in a message (waiting for a batch).
  Result<std::uint64_t> staged_count(ProvinceCode destination);
  // Every record version waiting: in outboxes (counting envelopes) and staged.
  struct Pending {
    std::uint64_t outbox_messages = 0;
    std::uint64_t staged_versions = 0;
  };
  Result<Pending> pending();
  // Stored record versions, and (national) evidence entries of direct exchanges.
  Result<std::uint64_t> record_version_count();
  Result<std::uint64_t> evidence_count();
  Result<std::uint64_t> inbox_count();
  // What arrived, in arrival order: entries with seq > after_seq, at most limit.
  Result<std::vector<InboxEntry>> inbox(std::uint64_t after_seq = 0, std::size_t limit = SIZE_MAX);
  // Entries of one kind ("" = all) after `after_seq`: at most `limit`
  // matches, looking at no more than `max_scan` entries. `next_after` is
  // where the next page starts (the last entry looked at), so a filtered
  // download never skips or repeats an entry.
  struct InboxPage {
    std::vector<InboxEntry> entries;
    std::uint64_t next_after = 0;
    bool more = false;
  };
  Result<InboxPage> inbox_page(const std::string& kind, std::uint64_t after_seq, std::size_t limit,
                               std::size_t max_scan = 100'000);

 private:
  struct InFlight {
    std::uint64_t seq = 0;
    std::int64_t next_retry_ms = 0;
    std::uint32_t attempts = 0;
    std::int64_t sent_ms = 0;  // first sent on this link
  };
  struct Link {
    bool up = false;  // until the driver reports the link up
    // (author, message id) -> in-flight entry; bounded by max_in_flight_per_link.
    std::map<std::pair<ProvinceCode, std::uint64_t>, InFlight> in_flight;
    std::uint64_t scan_from_seq = 0;  // outbox entries below this are in flight or gone
    // Smoothed time from sending a message to its reply (0: none measured
    // yet). A peer with a backlog answers late; retrying after the fixed
    // initial delay would only add duplicates to its backlog.
    std::int64_t smoothed_reply_ms = 0;
    // After a resend, later messages wait at least as long as it did until
    // a reply to a message sent once gives a new sample (Karn's rule).
    std::int64_t retry_floor_ms = 0;
  };

  Link& link(ProvinceCode peer) { return links_[peer]; }
  // Moves staged versions for `destination` into signed outbox envelopes:
  // every full batch, and the partial rest too when `all`. Returns the
  // number of envelopes written.
  Result<std::size_t> batch_staged(store::WriteTxn& txn, ProvinceCode destination, bool all,
                                   std::int64_t now_ms, Effects& fx);
  // Sends partial batches whose linger has run out.
  void flush_lingering(std::int64_t now_ms, Effects& fx);
  // Signs and encodes an envelope this node authored, as one segment.
  struct Sealed {
    std::string bytes;
    std::string signed_digest;  // sha256 of the signing input (audit, dedup)
  };
  Result<Sealed> seal_with_digest(capnp::MallocMessageBuilder& builder);
  Result<std::string> seal(capnp::MallocMessageBuilder& builder);
  // `signed_input` is signing_input(env), computed once per received envelope.
  Result<void> verify_signature(wire::Envelope::Reader env, std::string_view signed_input,
                                std::int64_t now_ms, RevokedSigner revoked = RevokedSigner::refuse);
  // A signed reply carried inside `carrier`, a message of the node that
  // checked the reply when it arrived (see RevokedSigner). A reply whose
  // signer was revoked since is taken, with a warning naming both messages.
  Result<void> verify_carried_reply(wire::Envelope::Reader reply, wire::Envelope::Reader carrier,
                                    std::int64_t now_ms, Effects& fx);
  // Sends what the outbox holds for `peer`, up to the in-flight bound.
  void pump(ProvinceCode peer, std::int64_t now_ms, Effects& fx);
  void pump_all(std::int64_t now_ms, Effects& fx);
  // National: a relayed message whose author's certificate was revoked
  // while it waited here is not sent on `peer`; the author is told what to
  // send again.
  // `bytes` signed again with this node's current certificate, when this
  // node wrote it with an earlier one (nullopt: nothing to do).
  std::optional<std::string> resealed(std::string_view bytes);
  // Signs again every message waiting on `peer` that an earlier
  // certificate of this node signed.
  Result<void> resign_outbox(ProvinceCode peer, std::int64_t now_ms);
  Result<void> withhold_relayed(store::WriteTxn& txn, ProvinceCode peer, std::string_view bytes,
                                std::int64_t now_ms, Effects& fx);
  // The wait before resending on `l`: exponential in the attempts from
  // max(retry_initial_ms, 4 x the link's smoothed reply time, the link's
  // retry floor), capped at retry_max_ms, jittered.
  std::int64_t backoff_ms(const Link& l, std::uint32_t attempts);

  void on_replies(ProvinceCode link_peer, wire::Envelope::Reader env, std::string_view bytes,
                  std::int64_t now_ms, Effects& fx);
  // Directory: a signed directory from the national node; a request for it.
  void on_directory(wire::Envelope::Reader env, std::int64_t now_ms, Effects& fx);
  void on_directory_request(ProvinceCode link_peer, std::int64_t now_ms, Effects& fx);
  void apply_directory(VerifiedDirectory verified, std::int64_t now_ms, Effects& fx);
  void request_directory(std::int64_t now_ms, Effects& fx);
  // An envelope carrying the held directory, for `peer`.
  Result<std::string> directory_envelope(ProvinceCode peer, std::int64_t now_ms);
  void check_directory_age(std::int64_t now_ms, Effects& fx);
  // Moves what waits on links that are no longer used (a direct peer in
  // fallback, or no longer a peer) to the national node's link.
  void reroute(std::int64_t now_ms, Effects& fx);
  void update_fallback(std::int64_t now_ms, Effects& fx);
  Result<void> apply_forwarded_replies(store::WriteTxn& txn, wire::Envelope::Reader env,
                                       std::int64_t now_ms, std::string& whole_reason, Effects& fx);
  Result<void> apply_evidence(store::WriteTxn& txn, wire::Envelope::Reader env, std::int64_t now_ms,
                              std::string& whole_reason, Effects& fx);
  // Refuses a message that failed an identity or signature check: logs a
  // security event, rejects it without storing anything, closes the link.
  void refuse(ProvinceCode link_peer, wire::Envelope::Reader env, std::string_view event,
              const std::string& reason, std::int64_t now_ms, Effects& fx, bool close_link = true);
  // What applying messages in a write transaction produced, released only
  // once the transaction commits: replies, logs, and the links to pump.
  struct Applied {
    Effects fx;
    std::set<ProvinceCode> pumps;
  };
  // A message that passed decoding, the author check and its signature,
  // ready to apply; `signed_digest` is sha256(signing_input(env)).
  struct VerifiedMessage {
    DecodedEnvelope decoded;
    std::string_view bytes;
    std::string signed_digest;
  };
  // Decodes, checks the author and verifies the signature of a frame whose
  // body can be applied in a group (records, collaboration items);
  // nullopt for anything else, which on_envelope takes alone.
  std::optional<VerifiedMessage> groupable(ProvinceCode link_peer, std::string_view bytes,
                                           std::int64_t now_ms);
  // Applies messages in one write transaction, then commits once. False
  // when the store failed or a message was malformed: the transaction is
  // aborted, nothing of the group is kept, the counters are as before, and
  // (for one message) the failure is logged in fx.
  bool apply_group(ProvinceCode link_peer, std::span<const VerifiedMessage> group,
                   std::int64_t now_ms, Effects& fx);
  // One message's work inside `txn` (the caller commits). False when the
  // store failed (logged in fx); what it produced otherwise goes to `done`.
  bool apply_message(store::WriteTxn& txn, ProvinceCode link_peer, wire::Envelope::Reader env,
                     std::string_view bytes, std::string_view signed_digest, std::int64_t now_ms,
                     Effects& fx, Applied& done);
  void on_message(ProvinceCode link_peer, wire::Envelope::Reader env, std::string_view bytes,
                  std::string_view signed_digest, std::int64_t now_ms, Effects& fx);
  // Collaboration items that arrived (or that the national node relays):
  // faulty ones in `faults`; for a relay with faults nothing is kept and the
  // sound ones go to `retry_items`.
  Result<void> apply_collab(store::WriteTxn& txn, wire::Envelope::Reader env, bool relay,
                            std::int64_t now_ms, std::vector<detail::ItemFault>& faults,
                            std::vector<std::uint32_t>& retry_items, std::uint32_t& applied,
                            Effects& fx);
  // The sender's side of a rejection of collaboration items: faulty ones are
  // marked rejected (and appear in the inbox), the retry ones are sent again.
  Result<void> note_rejected_collab(store::WriteTxn& txn, ProvinceCode rejecter,
                                    domain::CollabKind kind,
                                    std::optional<wire::Body::Reader> sent_body,
                                    const wire::Rejection::Reader& rejection, std::int64_t now_ms,
                                    Effects& fx);
  // National: a destination refused items this node relayed.
  Result<void> note_relayed_collab_rejected(store::WriteTxn& txn, domain::CollabKind kind,
                                            const wire::Rejection::Reader& rejection);
  Result<void> queue_collab(store::WriteTxn& txn, domain::CollabKind kind, ProvinceCode destination,
                            const std::vector<domain::CollabItem>& items, std::int64_t now_ms,
                            Effects& fx, std::string& message_ref_out);
  Result<void> apply_statistics(store::WriteTxn& txn, wire::Envelope::Reader env,
                                std::int64_t now_ms, std::string& whole_reason);
  // Marks open queries past their due date overdue, once each.
  void check_overdue(std::int64_t now_ms, Effects& fx);
  // A version just stored at a receiver goes to the inbox when its
  // predecessor is there, with any held successors; else it is held.
  Result<void> release_in_order(store::WriteTxn& txn, const std::string& record_id,
                                std::uint32_t version, std::uint32_t predecessor,
                                ProvinceCode author, std::uint64_t message_id, Effects& fx);
  void settle(ProvinceCode link_peer, ProvinceCode author, std::uint64_t message_id,
              const wire::Rejection::Reader* rejection, std::string_view reply_bytes,
              std::int64_t now_ms, Effects& fx);
  // The author's side of a rejection: rejected versions go to the inbox
  // (kind "rejected") and are marked so that resubmitting queues them again;
  // versions to retry are staged again for `destination`.
  Result<void> note_rejected_records(store::WriteTxn& txn, ProvinceCode rejecter,
                                     ProvinceCode destination,
                                     std::optional<wire::MigrantBatch::Reader> batch,
                                     const wire::Rejection::Reader& rejection, std::int64_t now_ms);
  // Queues, in `txn`, what the national node must hear of a message this
  // node sent directly and that `link_peer` just answered.
  Result<void> queue_evidence(store::WriteTxn& txn, ProvinceCode link_peer,
                              wire::Envelope::Reader sent, std::string_view sent_bytes,
                              std::string_view reply_bytes, std::int64_t now_ms, Effects& fx);
  // Queues an envelope this node authored on the link to `peer`.
  Result<void> queue_authored(store::WriteTxn& txn, ProvinceCode peer,
                              capnp::MallocMessageBuilder& builder, Effects& fx);

  // Appends an entry to this node's chain in `txn` (the national node also
  // observes its own message events for reconciliation).
  Result<void> audit(store::WriteTxn& txn, const AuditFacts& facts, std::int64_t now_ms);
  Result<void> audit_message(store::WriteTxn& txn, wire::AuditEvent event, ProvinceCode peer,
                             wire::Envelope::Reader env, std::string_view bytes,
                             std::int64_t now_ms, std::string detail = {},
                             std::string_view signed_digest = {});
  void send_checkpoint(std::int64_t now_ms, Effects& fx);
  // National: a checkpoint (and the chain entries it carries) from a node.
  Result<void> apply_checkpoint(store::WriteTxn& txn, wire::Envelope::Reader env,
                                std::int64_t now_ms, std::string& whole_reason, Effects& fx);
  // The answer to this node's checkpoint: acknowledged entries count as
  // shipped; a rejection starts over from entry 1. Sets `more` when entries
  // remain to be sent.
  Result<void> note_checkpoint_settled(store::WriteTxn& txn, std::uint64_t message_id,
                                       const wire::Rejection::Reader* rejection,
                                       std::int64_t now_ms, bool& more, Effects& fx);
  void check_reconciliation(std::int64_t now_ms, Effects& fx);

  CoreConfig config_;
  store::Store& store_;
  std::map<ProvinceCode, Link> links_;
  // destination -> when its oldest staged version was staged (as far as this
  // process knows: after a restart, the time the staged entries were found).
  std::map<ProvinceCode, std::int64_t> staged_since_;
  bool staged_found_ = false;  // staged entries left by an earlier run were looked for
  std::mt19937_64 rng_;

  std::optional<Directory> directory_;
  std::string directory_bytes_;    // the SignedDirectory as received or published
  std::set<ProvinceCode> direct_;  // configured direct peers and group peers
  std::int64_t next_directory_request_ms_ = 0;
  std::int64_t next_directory_warning_ms_ = 0;
  // Direct peers: since when each has been unreachable (absent: up), and
  // those past direct_fallback_ms.
  std::map<ProvinceCode, std::int64_t> down_since_;
  std::set<ProvinceCode> fallen_back_;
  CoreCounters counters_;
  std::int64_t overdue_checked_day_ = -1;  // the CST day last checked for overdue queries
  std::int64_t next_checkpoint_ms_ = 0;
  std::int64_t next_reconcile_ms_ = 0;
  // National: discrepancies already logged by this process (each is logged once).
  std::set<std::string> reported_discrepancies_;
};

}  // namespace provnet::core
