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
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/effects.hpp"
#include "core/wire_codec.hpp"
#include "domain/migrant_record.hpp"
#include "domain/record_validation.hpp"
#include "store/store.hpp"

namespace provnet::core {

struct CoreConfig {
  ProvinceCode self = 0;
  // Provinces this node exchanges with directly (its regional group); every
  // other destination goes through the national node. The national node
  // reaches every province directly.
  std::set<ProvinceCode> direct_peers;
  std::uint32_t max_records_per_message = 500;
  std::uint32_t max_in_flight_per_link = 16;
  std::int64_t retry_initial_ms = 2'000;
  std::int64_t retry_max_ms = 120'000;
  std::uint64_t seed = 1;  // for retry jitter; fixed in the simulator
  DecodeLimits limits;

  bool is_national() const { return self == domain::kNationalCode; }
};

// Who made a change and why (the record's version carries it).
struct ChangeMeta {
  std::string operator_id;
  std::string reason;
};

struct SubmittedItem {
  std::string record_id;
  std::uint32_t version = 0;  // the version stored, when accepted
  bool unchanged = false;     // equal to the latest version: nothing new stored or sent
  std::vector<domain::ValidationError> errors;
  bool accepted() const { return errors.empty(); }
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
  Result<SubmitOutcome> submit_records(std::span<const domain::MigrantRecord> records,
                                       const ChangeMeta& meta, std::int64_t now_ms);

  // An envelope that arrived on the authenticated link to `link_peer`.
  Effects on_envelope(ProvinceCode link_peer, std::string_view bytes, std::int64_t now_ms);
  Effects on_tick(std::int64_t now_ms);
  Effects on_link_up(ProvinceCode peer, std::int64_t now_ms);
  Effects on_link_down(ProvinceCode peer, std::int64_t now_ms);

  const CoreConfig& config() const { return config_; }
  // The link a message for `destination` leaves on.
  ProvinceCode next_hop(ProvinceCode destination) const;
  Result<std::uint64_t> outbox_depth(ProvinceCode link);
  Result<std::vector<InboxEntry>> inbox();

 private:
  struct InFlight {
    std::uint64_t seq = 0;
    std::int64_t next_retry_ms = 0;
    std::uint32_t attempts = 0;
  };
  struct Link {
    bool up = true;
    // (author, message id) -> in-flight entry; bounded by max_in_flight_per_link.
    std::map<std::pair<ProvinceCode, std::uint64_t>, InFlight> in_flight;
    std::uint64_t scan_from_seq = 0;  // outbox entries below this are in flight or gone
  };

  Link& link(ProvinceCode peer) { return links_[peer]; }
  // Sends what the outbox holds for `peer`, up to the in-flight bound.
  void pump(ProvinceCode peer, std::int64_t now_ms, Effects& fx);
  void pump_all(std::int64_t now_ms, Effects& fx);
  std::int64_t backoff_ms(std::uint32_t attempts);

  void on_replies(ProvinceCode link_peer, wire::Envelope::Reader env, std::int64_t now_ms,
                  Effects& fx);
  void on_message(ProvinceCode link_peer, wire::Envelope::Reader env, std::string_view bytes,
                  std::int64_t now_ms, Effects& fx);
  void settle(ProvinceCode link_peer, ProvinceCode author, std::uint64_t message_id,
              const wire::Rejection::Reader* rejection, std::int64_t now_ms, Effects& fx);
  Result<void> note_rejected_records(store::WriteTxn& txn, ProvinceCode link_peer,
                                     std::uint64_t seq, const wire::Rejection::Reader& rejection);

  CoreConfig config_;
  store::Store& store_;
  std::map<ProvinceCode, Link> links_;
  std::mt19937_64 rng_;
};

}  // namespace provnet::core
