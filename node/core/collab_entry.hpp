// What a node keeps of one collaboration item (a notice, a registration or a
// query) and of its reply, in the store's collab table, keyed by the item's
// kind and id. Kept as JSON: the items are small, few next to the records,
// and the API shows them as they are kept.
//
// The role says whose item it is: "sent" (this node notified or asked),
// "received" (this node must give feedback or answer), "relayed" (the
// national node's ledger for the monthly summary).
//
// States: "sent" / "received" until the feedback; "open" (queries) until
// answered, "overdue" once past the due date unanswered; "answered",
// "answered_late"; "rejected" when the national node or the receiver refused
// the item (the sender may send it again with the same id, corrected). A
// refused reply is dropped, its problems kept: the item waits for a reply
// again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/collab_item.hpp"
#include "domain/record_interchange.hpp"

namespace provnet::core {

struct CollabEntry {
  domain::CollabItem item;
  std::string role;   // "sent" | "received" | "relayed"
  std::string state;  // see above
  std::optional<domain::CollabItem> reply;
  std::string message_id;        // "31:1234": the message that carried the item
  std::string reply_message_id;  // the message that carried the reply
  std::int64_t created_at_ms = 0;
  std::int64_t replied_at_ms = 0;
  std::string rejected_by;  // node code, when rejected
  std::vector<domain::RecordProblem> problems;

  bool answered() const { return state == "answered" || state == "answered_late"; }
  bool open() const { return state == "open" || state == "overdue"; }
};

std::string encode_collab_entry(const CollabEntry& e);
// nullopt when the bytes are not an entry of `kind` (a damaged store).
std::optional<CollabEntry> decode_collab_entry(domain::CollabKind kind, std::string_view bytes);
// For the API: the entry as JSON, with the item and reply under their keys.
nlohmann::json collab_entry_json(const CollabEntry& e);
nlohmann::json problem_json(const domain::RecordProblem& p);

// Two items are the same submission when they agree in everything but who
// keyed them in (an API client resending a batch it saw no answer to).
bool same_item(const domain::CollabItem& a, const domain::CollabItem& b);

}  // namespace provnet::core
