// Helpers shared by the translation units of NodeCore (node_core.cpp and the
// business flows in node_core_collab.cpp, node_core_reports.cpp). Internal to
// the core: nothing outside node/core includes this.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "core/effects.hpp"
#include "core/node_core.hpp"
#include "domain/record_interchange.hpp"
#include "protocol/envelope.capnp.h"
#include "store/store.hpp"

namespace provnet::core::detail {

using domain::ProvinceCode;

std::string code_text(ProvinceCode c);
// "44:1234": how logs refer to a message.
std::string message_ref(ProvinceCode author, std::uint64_t id);

// The store failed in the middle of an event: nothing of the event was kept
// (the transaction aborted); the event's sender will retry. A timer is set
// so that work left pending by the failure is retried even if no other
// event comes.
void log_store_failure(Effects& fx, std::string_view during, const Error& e, std::int64_t now_ms);

// An envelope authored by this node, with a fresh message id from the store
// (so ids stay unique across restarts). The caller fills the body.
class OutgoingEnvelope {
 public:
  OutgoingEnvelope(ProvinceCode author, ProvinceCode destination, std::uint64_t id,
                   std::int64_t now_ms)
      : env_(builder_.initRoot<wire::Envelope>()), id_(id) {
    env_.setMessageId(id);
    env_.setAuthor(author);
    env_.setDestination(destination);
    env_.setCreatedAtMs(now_ms);
  }
  wire::Body::Builder body() { return env_.initBody(); }
  std::uint64_t id() const { return id_; }
  capnp::MallocMessageBuilder& builder() { return builder_; }

 private:
  capnp::MallocMessageBuilder builder_;
  wire::Envelope::Builder env_;
  std::uint64_t id_;
};

// Counters live in the store so that ids stay unique across restarts; they
// advance inside the event's transaction.
Result<std::uint64_t> next_counter(store::WriteTxn& txn, std::string_view name);
Result<std::uint64_t> next_message_id(store::WriteTxn& txn, std::int64_t now_ms);
std::string rejected_marker(std::string_view record_id);
Result<std::uint64_t> next_outbox_seq(store::WriteTxn& txn);
Result<std::uint64_t> next_staged_seq(store::WriteTxn& txn);
capnp::Data::Reader as_data(std::string_view bytes);
std::string_view as_view(capnp::Data::Reader data);

// Records an arrival for the provincial system to download.
Result<std::uint64_t> inbox_append(store::WriteTxn& txn, const InboxEntry& entry);
InboxEntry inbox_decode(std::string_view key, std::string_view value);

void add_field_error(wire::FieldError::Builder out, const domain::RecordProblem& e);

// A faulty item of a received message, for the rejection.
struct ItemFault {
  std::uint32_t index;
  std::string item_id;
  std::vector<domain::RecordProblem> errors;
  std::uint32_t version = 0;
};

}  // namespace provnet::core::detail
