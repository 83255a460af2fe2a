#include "core/collab_entry.hpp"

namespace provnet::core {

namespace {

using nlohmann::json;

// Reads an item back from its JSON: the domain reader refuses "due_date"
// (clients may not set it), so it is taken apart here.
std::optional<domain::CollabItem> item_from_json(domain::CollabKind kind, json j) {
  std::string due;
  if (j.is_object() && j.contains("due_date")) {
    due = j["due_date"].get<std::string>();
    j.erase("due_date");
  }
  domain::CollabReadItem read = domain::collab_item_from_json(kind, j, 0);
  if (!read.item || !read.problems.empty()) return std::nullopt;
  read.item->due_date = due;
  return read.item;
}

}  // namespace

json problem_json(const domain::RecordProblem& p) {
  return json{{"field", p.field},
              {"wis_field", p.wis_field},
              {"found", p.found},
              {"expected", p.expected},
              {"message", p.message}};
}

std::string encode_collab_entry(const CollabEntry& e) {
  json j{{"role", e.role},
         {"state", e.state},
         {"item", domain::collab_item_to_json(e.item)},
         {"message_id", e.message_id},
         {"created_at_ms", e.created_at_ms}};
  if (e.reply) {
    j["reply"] = domain::collab_item_to_json(*e.reply);
    j["reply_message_id"] = e.reply_message_id;
    j["replied_at_ms"] = e.replied_at_ms;
  }
  if (!e.rejected_by.empty()) j["rejected_by"] = e.rejected_by;
  if (!e.problems.empty()) {
    json problems = json::array();
    for (const auto& p : e.problems) problems.push_back(problem_json(p));
    j["problems"] = std::move(problems);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<CollabEntry> decode_collab_entry(domain::CollabKind kind, std::string_view bytes) {
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object() || !j.contains("item")) return std::nullopt;
  CollabEntry e;
  auto item = item_from_json(kind, j["item"]);
  if (!item) return std::nullopt;
  e.item = std::move(*item);
  e.role = j.value("role", "");
  e.state = j.value("state", "");
  e.message_id = j.value("message_id", "");
  e.created_at_ms = j.value("created_at_ms", std::int64_t{0});
  if (j.contains("reply")) {
    e.reply = item_from_json(domain::reply_kind(kind), j["reply"]);
    if (!e.reply) return std::nullopt;
    e.reply_message_id = j.value("reply_message_id", "");
    e.replied_at_ms = j.value("replied_at_ms", std::int64_t{0});
  }
  e.rejected_by = j.value("rejected_by", "");
  if (j.contains("problems")) {
    for (const auto& p : j["problems"]) {
      e.problems.push_back(domain::RecordProblem{p.value("field", ""), p.value("wis_field", ""),
                                                 p.value("found", ""), p.value("expected", ""),
                                                 p.value("message", "")});
    }
  }
  return e;
}

json collab_entry_json(const CollabEntry& e) {
  json j = json::parse(encode_collab_entry(e));
  j["kind"] = std::string(domain::collab_kind_name(e.item.kind));
  return j;
}

bool same_item(const domain::CollabItem& a, const domain::CollabItem& b) {
  domain::CollabItem x = a, y = b;
  x.operator_id.clear();
  y.operator_id.clear();
  x.due_date.clear();
  y.due_date.clear();
  return x == y;
}

}  // namespace provnet::core
