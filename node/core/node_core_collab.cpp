// NodeCore: collaboration between residence and hukou provinces (SPEC §2.2)
// and verification queries with deadlines (§2.3).
//
// Routing: collaboration items always travel through the national node,
// also between members of a regional group. The national node sums this
// traffic every month (月汇总) and needs every item's dates and states for
// it; the items are few and small next to the records.
#include <fmt/format.h>

#include <map>

#include "core/collab_codec.hpp"
#include "core/core_support.hpp"
#include "core/node_core.hpp"
#include "store/tables.hpp"

namespace provnet::core {

using namespace detail;
using domain::CollabItem;
using domain::CollabKind;
using domain::RecordProblem;

namespace {

std::uint8_t kind_byte(CollabKind k) {
  return static_cast<std::uint8_t>(k);
}

RecordProblem id_problem(const CollabItem& item, std::string found, std::string expected,
                         std::string message) {
  std::string key = "notice_id";
  CollabKind k = domain::is_reply(item.kind) ? domain::replied_kind(item.kind) : item.kind;
  if (k == CollabKind::birth_registration) key = "registration_id";
  if (k == CollabKind::query) key = "query_id";
  return RecordProblem{key, "", std::move(found), std::move(expected), std::move(message)};
}

std::string what(CollabKind k) {
  switch (k) {
    case CollabKind::check_notice:
      return "contraception-check notice";
    case CollabKind::check_feedback:
      return "contraception-check feedback";
    case CollabKind::birth_registration:
      return "first-birth registration";
    case CollabKind::birth_feedback:
      return "first-birth feedback";
    case CollabKind::query:
      return "verification query";
    case CollabKind::answer:
      return "verification answer";
  }
  return "item";
}

// The state an item takes when its reply is dated `reply_date`.
std::string answered_state(const CollabItem& item, const std::string& reply_date) {
  if (item.kind == CollabKind::query && !item.due_date.empty() && reply_date > item.due_date) {
    return "answered_late";
  }
  return "answered";
}

Result<std::optional<CollabEntry>> load_entry(const store::ReadTxn& txn, CollabKind kind,
                                              const std::string& id) {
  auto bytes = store::collab_get(txn, kind_byte(kind), id);
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<CollabEntry>();
  auto entry = decode_collab_entry(kind, **bytes);
  if (!entry) {
    return Error{Errc::corrupt,
                 fmt::format("the stored {} {} cannot be read; restore the store from a backup",
                             what(kind), id)};
  }
  return entry;
}

Result<void> save_entry(store::WriteTxn& txn, const CollabEntry& e) {
  return store::collab_put(txn, kind_byte(e.item.kind), e.item.id, encode_collab_entry(e));
}

}  // namespace

Result<CollabOutcome> NodeCore::submit_collab(CollabKind kind, std::span<const CollabItem> items,
                                              std::int64_t now_ms) {
  CollabOutcome out;
  const domain::Date today = domain::Date::from_unix_ms_cst(now_ms);
  out.items.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    domain::CollabReadItem read{i + 1, items[i], items[i].id, {}};
    read.item->kind = kind;
    read.item->due_date.clear();
    if (config_.is_national()) {
      read.problems.push_back(
          RecordProblem{"", "", "node 00", "a province",
                        "the national node relays collaboration items; it does not send them"});
    } else {
      domain::check_collab_item(read, domain::CollabContext{today, config_.self, true});
    }
    out.items[i].id = items[i].id;
    out.items[i].problems = std::move(read.problems);
  }

  auto txn = store_.begin_write();
  if (!txn) return txn.error();
  // Entries to write, by id (a batch may answer one item only once), and
  // the items to send per destination.
  std::map<std::string, CollabEntry> changed;
  std::map<ProvinceCode, std::vector<std::string>> to_send;
  const bool reply = domain::is_reply(kind);
  const CollabKind stored_kind = reply ? domain::replied_kind(kind) : kind;
  for (std::size_t i = 0; i < items.size(); ++i) {
    CollabSubmitted& result = out.items[i];
    if (!result.accepted()) continue;
    CollabItem item = items[i];
    item.kind = kind;
    item.due_date.clear();
    std::optional<CollabEntry> existing;
    if (auto c = changed.find(item.id); c != changed.end()) {
      existing = c->second;
    } else {
      auto loaded = load_entry(*txn, stored_kind, item.id);
      if (!loaded) return loaded.error();
      existing = std::move(*loaded);
    }
    if (!reply) {
      if (existing && existing->state != "rejected") {
        if (same_item(existing->item, item)) {
          result.unchanged = true;
          result.due_date = existing->item.due_date;
        } else {
          result.problems.push_back(id_problem(
              item, "an id already used", "a new id",
              fmt::format("a different {} with this id was already sent; an id is never reused",
                          what(kind))));
        }
        continue;
      }
      if (kind == CollabKind::query) {
        auto qk = domain::query_kind_from_name(item.query_kind);
        auto asked = domain::Date::parse_yyyymmdd(item.date);
        if (qk && *qk == domain::QueryKind::pregnancy && !config_.calendar) {
          result.problems.push_back(RecordProblem{
              "asked_date", "", item.date, "a holiday calendar on this node",
              "this node has no holiday calendar, so it cannot set a pregnancy query's due date "
              "(15 working days); configure [collaboration] calendar_dir"});
          continue;
        }
        domain::HolidayCalendar none;
        auto due = domain::query_due_date(*qk, *asked, config_.calendar ? *config_.calendar : none);
        if (!due) {
          result.problems.push_back(
              RecordProblem{"asked_date", "", item.date, "a date the holiday calendar covers",
                            fmt::format("the due date cannot be set: {}", due.error().message)});
          continue;
        }
        item.due_date = due->yyyymmdd();
        result.due_date = item.due_date;
      }
      CollabEntry e;
      e.item = item;
      e.role = "sent";
      e.state = kind == CollabKind::query ? "open" : "sent";
      e.created_at_ms = now_ms;
      changed[item.id] = e;
      to_send[*domain::receiver_of(item)].push_back(item.id);
      continue;
    }
    // A reply: to an item this node received and has not answered yet.
    if (!existing || existing->role != "received" ||
        existing->item.residence_province != item.residence_province ||
        existing->item.hukou_province != item.hukou_province) {
      result.problems.push_back(id_problem(
          item, "an id this node did not receive", "the id of a " + what(stored_kind) + " received",
          fmt::format("no {} with this id from province {} was received by this node",
                      what(stored_kind), item.residence_province)));
      continue;
    }
    if (existing->reply) {
      if (same_item(*existing->reply, item)) {
        result.unchanged = true;
      } else {
        result.problems.push_back(
            id_problem(item, "already answered", "an item not yet answered",
                       fmt::format("this {} was already answered ({}); a {} is given once",
                                   what(stored_kind), existing->reply->date, what(kind))));
      }
      continue;
    }
    if (item.date < existing->item.date) {
      result.problems.push_back(
          RecordProblem{kind == CollabKind::answer ? "answered_date" : "feedback_date", "",
                        item.date, "on or after " + existing->item.date,
                        fmt::format("the {} is dated before the {} it answers ({})", what(kind),
                                    what(stored_kind), existing->item.date)});
      continue;
    }
    CollabEntry e = *existing;
    e.reply = item;
    e.replied_at_ms = now_ms;
    e.problems.clear();
    e.state = answered_state(e.item, item.date);
    if (stored_kind == CollabKind::query && existing->open()) {
      auto erased =
          store::due_index_erase(*txn, store::QueryRole::answering, e.item.due_date, e.item.id);
      if (!erased) return erased.error();
    }
    changed[item.id] = e;
    to_send[*domain::receiver_of(item)].push_back(item.id);
  }

  // One message per destination (in chunks), through the national node.
  const std::size_t chunk = std::max<std::uint32_t>(1, config_.max_records_per_message);
  for (auto& [destination, ids] : to_send) {
    for (std::size_t from = 0; from < ids.size(); from += chunk) {
      std::vector<CollabItem> batch;
      for (std::size_t k = from; k < std::min(ids.size(), from + chunk); ++k) {
        const CollabEntry& e = changed[ids[k]];
        batch.push_back(reply ? *e.reply : e.item);
      }
      std::string ref;
      auto queued = queue_collab(*txn, kind, destination, batch, now_ms, out.effects, ref);
      if (!queued) return queued.error();
      for (std::size_t k = from; k < std::min(ids.size(), from + chunk); ++k) {
        (reply ? changed[ids[k]].reply_message_id : changed[ids[k]].message_id) = ref;
      }
    }
  }
  for (const auto& [id, e] : changed) {
    auto saved = save_entry(*txn, e);
    if (!saved) return saved.error();
    AuditFacts change;
    change.event = wire::AuditEvent::CHANGED;
    change.author = config_.self;
    change.destination = *domain::receiver_of(reply ? *e.reply : e.item);
    change.kind = std::string(domain::collab_kind_name(kind));
    change.items = {{id, 0}};
    change.detail = e.state;
    change.operator_id = reply ? e.reply->operator_id : e.item.operator_id;
    auto audited = audit(*txn, change, now_ms);
    if (!audited) return audited.error();
    if (!reply && kind == CollabKind::query) {
      auto indexed = store::due_index_put(*txn, store::QueryRole::asking, e.item.due_date, id);
      if (!indexed) return indexed.error();
    }
  }
  auto committed = txn->commit();
  if (!committed) return committed.error();
  if (kind == CollabKind::query) overdue_checked_day_ = -1;
  for (const CollabSubmitted& r : out.items) {
    if (r.accepted()) {
      ++counters_.collab_accepted;
      out.effects.log(LogLevel::info, r.unchanged ? "collab.unchanged" : "collab.accepted",
                      {{"kind", std::string(domain::collab_kind_name(kind))}, {"item_id", r.id}});
    } else {
      ++counters_.collab_rejected;
      out.effects.log(LogLevel::warn, "collab.invalid",
                      {{"kind", std::string(domain::collab_kind_name(kind))},
                       {"item_id", r.id},
                       {"errors", std::to_string(r.problems.size())},
                       {"first_field", r.problems.front().field}});
    }
  }
  pump_all(now_ms, out.effects);
  return out;
}

Result<void> NodeCore::queue_collab(store::WriteTxn& txn, CollabKind kind, ProvinceCode destination,
                                    const std::vector<CollabItem>& items, std::int64_t now_ms,
                                    Effects& fx, std::string& message_ref_out) {
  auto id = next_message_id(txn, now_ms);
  if (!id) return id.error();
  OutgoingEnvelope env(config_.self, destination, *id, now_ms);
  collab_items_to_body(kind, items, env.body());
  message_ref_out = message_ref(config_.self, *id);
  return queue_authored(txn, domain::kNationalCode, env.builder(), fx);
}

Result<void> NodeCore::apply_collab(store::WriteTxn& txn, wire::Envelope::Reader env, bool relay,
                                    std::int64_t now_ms, std::vector<ItemFault>& faults,
                                    std::vector<std::uint32_t>& retry_items, std::uint32_t& applied,
                                    Effects& fx) {
  const ProvinceCode author = env.getAuthor();
  const ProvinceCode destination = env.getDestination();
  const CollabKind kind = *collab_kind_of(env.getBody().which());
  const bool reply = domain::is_reply(kind);
  const CollabKind stored_kind = reply ? domain::replied_kind(kind) : kind;
  const std::string ref = message_ref(author, env.getMessageId());
  const domain::Date today = domain::Date::from_unix_ms_cst(now_ms);
  std::vector<CollabItem> items = collab_items_from_body(env.getBody(), author, destination);

  std::map<std::string, CollabEntry> changed;
  std::vector<std::pair<std::string, std::string>> arrivals;  // (kind name, id) for the inbox
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    const CollabItem& item = items[i];
    domain::CollabReadItem read{i + 1u, item, item.id, {}};
    domain::CollabContext ctx{today, relay ? ProvinceCode{0} : config_.self, false};
    domain::check_collab_item(read, ctx);
    if (read.problems.empty() && domain::sender_of(item) != author) {
      read.problems.push_back(RecordProblem{
          reply ? "hukou_province" : "residence_province", "",
          reply ? item.hukou_province : item.residence_province,
          fmt::format("{}", domain::province_code_text(author)),
          fmt::format("the {} is sent by province {}, not by the message's author {}", what(kind),
                      reply ? item.hukou_province : item.residence_province,
                      domain::province_code_text(author))});
    }
    if (read.problems.empty() && domain::receiver_of(item) != destination) {
      read.problems.push_back(RecordProblem{
          reply ? "residence_province" : "hukou_province", "",
          reply ? item.residence_province : item.hukou_province,
          fmt::format("{}", domain::province_code_text(destination)),
          fmt::format("the {} is for province {}, not for the message's destination {}", what(kind),
                      reply ? item.residence_province : item.hukou_province,
                      domain::province_code_text(destination))});
    }
    std::optional<CollabEntry> existing;
    if (read.problems.empty()) {
      if (auto c = changed.find(item.id); c != changed.end()) {
        existing = c->second;
      } else {
        auto loaded = load_entry(txn, stored_kind, item.id);
        if (!loaded) return loaded.error();
        existing = std::move(*loaded);
      }
    }
    if (read.problems.empty() && !reply) {
      if (kind == CollabKind::query) {
        auto due = domain::Date::parse_yyyymmdd(item.due_date);
        if (!due || item.due_date < item.date) {
          read.problems.push_back(RecordProblem{
              "due_date", "", item.due_date, "a date YYYYMMDD on or after the asked date",
              "the query's due date is missing or before the date it was asked"});
        }
      }
      if (read.problems.empty() && existing) {
        if (same_item(existing->item, item) && existing->state != "rejected") {
          continue;  // already held: the same item in another message
        }
        if (existing->state != "rejected") {
          read.problems.push_back(id_problem(
              item, "an id already used", "a new id",
              fmt::format("a different {} with this id is already held; an id is never reused",
                          what(kind))));
        }
      }
      if (read.problems.empty()) {
        CollabEntry e;
        e.item = item;
        e.role = relay ? "relayed" : "received";
        e.state = kind == CollabKind::query ? "open" : (relay ? "sent" : "received");
        e.message_id = ref;
        e.created_at_ms = now_ms;
        changed[item.id] = std::move(e);
        if (!relay) arrivals.emplace_back(std::string(domain::collab_kind_name(kind)), item.id);
      }
    } else if (read.problems.empty()) {
      const std::string expected_role = relay ? "relayed" : "sent";
      if (!existing || existing->role != expected_role ||
          existing->item.hukou_province != item.hukou_province) {
        read.problems.push_back(id_problem(
            item, "an unknown id", "the id of a " + what(stored_kind) + " sent to this province",
            fmt::format("no {} with this id went from province {} to province {}",
                        what(stored_kind), item.residence_province, item.hukou_province)));
      } else if (existing->reply) {
        if (same_item(*existing->reply, item)) continue;
        read.problems.push_back(
            id_problem(item, "already answered", "an item not yet answered",
                       fmt::format("this {} was already answered; a {} is given once",
                                   what(stored_kind), what(kind))));
      } else {
        CollabEntry e = *existing;
        e.reply = item;
        e.reply_message_id = ref;
        e.replied_at_ms = now_ms;
        const bool was_open = e.open();
        e.state = answered_state(e.item, item.date);
        if (!relay && stored_kind == CollabKind::query && was_open) {
          auto erased =
              store::due_index_erase(txn, store::QueryRole::asking, e.item.due_date, e.item.id);
          if (!erased) return erased.error();
        }
        changed[item.id] = std::move(e);
        if (!relay) arrivals.emplace_back(std::string(domain::collab_kind_name(kind)), item.id);
      }
    }
    if (!read.problems.empty()) {
      faults.push_back(ItemFault{i, item.id, std::move(read.problems), 0});
    }
  }
  if (relay && !faults.empty()) {
    std::set<std::uint32_t> faulty;
    for (const ItemFault& f : faults) faulty.insert(f.index);
    for (std::uint32_t i = 0; i < items.size(); ++i) {
      if (!faulty.count(i)) retry_items.push_back(i);
    }
    return {};
  }
  for (const auto& [id, e] : changed) {
    auto saved = save_entry(txn, e);
    if (!saved) return saved.error();
    if (!relay && !reply && kind == CollabKind::query) {
      auto indexed = store::due_index_put(txn, store::QueryRole::answering, e.item.due_date, id);
      if (!indexed) return indexed.error();
    }
  }
  for (const auto& [kind_name, id] : arrivals) {
    auto arrived = inbox_append(txn, InboxEntry{0, kind_name, id, 0, author, env.getMessageId()});
    if (!arrived) return arrived.error();
    fx.log(LogLevel::info, "collab.arrived",
           {{"kind", kind_name}, {"item_id", id}, {"message_id", ref}});
  }
  if (!relay && kind == CollabKind::query && !changed.empty()) overdue_checked_day_ = -1;
  applied += static_cast<std::uint32_t>(changed.size());
  return {};
}

Result<void> NodeCore::note_rejected_collab(store::WriteTxn& txn, ProvinceCode rejecter,
                                            CollabKind kind,
                                            std::optional<wire::Body::Reader> sent_body,
                                            const wire::Rejection::Reader& rejection,
                                            std::int64_t now_ms, Effects& fx) {
  const bool reply = domain::is_reply(kind);
  const CollabKind stored_kind = reply ? domain::replied_kind(kind) : kind;
  std::vector<std::pair<std::string, std::vector<RecordProblem>>> rejected;
  for (auto item : rejection.getItems()) {
    std::vector<RecordProblem> problems;
    for (auto e : item.getErrors()) {
      problems.push_back(RecordProblem{e.getField(), e.getWisField(), e.getFound(), e.getExpected(),
                                       e.getMessage()});
    }
    rejected.emplace_back(item.getItemId().cStr(), std::move(problems));
  }
  std::vector<CollabItem> sent;
  if (sent_body) sent = collab_items_from_body(*sent_body, config_.self, 0);
  if (rejection.getItems().size() == 0 && rejection.getRetryItems().size() == 0) {
    // The message as a whole was refused.
    for (const CollabItem& it : sent) {
      rejected.emplace_back(it.id, std::vector<RecordProblem>{RecordProblem{
                                       "", "", "", "", rejection.getReason().cStr()}});
    }
  }
  for (auto& [id, problems] : rejected) {
    auto loaded = load_entry(txn, stored_kind, id);
    if (!loaded) return loaded.error();
    if (!*loaded) continue;
    CollabEntry e = std::move(**loaded);
    // Answered after its due date: it was, or would have been, reported overdue.
    const bool was_overdue = e.state == "answered_late";
    e.rejected_by = std::string(domain::province_code_text(rejecter));
    e.problems = std::move(problems);
    if (!reply) {
      e.state = "rejected";
      if (stored_kind == CollabKind::query) {
        auto erased =
            store::due_index_erase(txn, store::QueryRole::asking, e.item.due_date, e.item.id);
        if (!erased) return erased.error();
      }
    } else {
      // The refused reply is dropped: the item waits for a reply again.
      e.reply.reset();
      e.reply_message_id.clear();
      e.state = "received";
      if (stored_kind == CollabKind::query) {
        // Back in the queue: overdue again if past due (it was reported
        // overdue once already, or will be by the next check).
        const std::string today = domain::Date::from_unix_ms_cst(now_ms).yyyymmdd();
        e.state = e.item.due_date < today && was_overdue ? "overdue" : "open";
        auto indexed =
            store::due_index_put(txn, store::QueryRole::answering, e.item.due_date, e.item.id);
        if (!indexed) return indexed.error();
        overdue_checked_day_ = -1;
      }
    }
    auto saved = save_entry(txn, e);
    if (!saved) return saved.error();
    auto noted =
        inbox_append(txn, InboxEntry{0, "rejected", id, 0, rejecter, rejection.getMessageId()});
    if (!noted) return noted.error();
    fx.log(LogLevel::warn, "collab.rejected",
           {{"kind", std::string(domain::collab_kind_name(kind))},
            {"item_id", id},
            {"peer", code_text(rejecter)},
            {"reason", e.problems.empty() ? "" : e.problems.front().message}});
  }
  // Sound items of a message a relay refused whole go out again.
  std::map<ProvinceCode, std::vector<CollabItem>> again;
  for (std::uint32_t index : rejection.getRetryItems()) {
    if (index >= sent.size()) continue;
    CollabItem it = sent[index];
    auto loaded = load_entry(txn, stored_kind, it.id);
    if (!loaded) return loaded.error();
    if (!*loaded) continue;
    const CollabEntry& e = **loaded;
    if (reply && !e.reply) continue;
    it = reply ? *e.reply : e.item;
    again[*domain::receiver_of(it)].push_back(it);
  }
  for (auto& [destination, items] : again) {
    std::string ref;
    auto queued = queue_collab(txn, kind, destination, items, now_ms, fx, ref);
    if (!queued) return queued.error();
  }
  return {};
}

Result<void> NodeCore::note_relayed_collab_rejected(store::WriteTxn& txn, CollabKind kind,
                                                    const wire::Rejection::Reader& rejection) {
  const bool reply = domain::is_reply(kind);
  const CollabKind stored_kind = reply ? domain::replied_kind(kind) : kind;
  for (auto item : rejection.getItems()) {
    auto loaded = load_entry(txn, stored_kind, item.getItemId().cStr());
    if (!loaded) return loaded.error();
    if (!*loaded || (*loaded)->role != "relayed") continue;
    CollabEntry e = std::move(**loaded);
    if (reply) {
      e.reply.reset();
      e.state = e.item.kind == CollabKind::query ? "open" : "sent";
    } else {
      e.state = "rejected";
    }
    auto saved = save_entry(txn, e);
    if (!saved) return saved.error();
  }
  return {};
}

void NodeCore::check_overdue(std::int64_t now_ms, Effects& fx) {
  const domain::Date today = domain::Date::from_unix_ms_cst(now_ms);
  if (today.to_days() == overdue_checked_day_ || config_.is_national()) return;
  const std::string today_text = today.yyyymmdd();
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "overdue check", txn.error(), now_ms);
  std::vector<std::pair<store::QueryRole, std::string>> due;
  for (store::QueryRole role : {store::QueryRole::answering, store::QueryRole::asking}) {
    auto scanned = store::due_index_scan(*txn, role, [&](std::string_view d, std::string_view id) {
      if (d >= today_text) return false;  // in due-date order: the rest is not late yet
      due.emplace_back(role, std::string(id));
      return true;
    });
    if (!scanned) return log_store_failure(fx, "overdue check", scanned.error(), now_ms);
  }
  std::vector<CollabEntry> newly;
  for (const auto& [role, id] : due) {
    auto loaded = load_entry(*txn, CollabKind::query, id);
    if (!loaded) return log_store_failure(fx, "overdue check", loaded.error(), now_ms);
    if (!*loaded || (*loaded)->state == "overdue" || !(*loaded)->open()) continue;
    CollabEntry e = std::move(**loaded);
    e.state = "overdue";
    auto saved = save_entry(*txn, e);
    if (!saved) return log_store_failure(fx, "overdue check", saved.error(), now_ms);
    newly.push_back(std::move(e));
  }
  if (!newly.empty()) {
    auto committed = txn->commit();
    if (!committed) return log_store_failure(fx, "overdue check", committed.error(), now_ms);
  }
  overdue_checked_day_ = today.to_days();
  for (const CollabEntry& e : newly) {
    ++counters_.queries_overdue;
    fx.log(LogLevel::warn, "query.overdue",
           {{"query_id", e.item.id},
            {"role", e.role == "received" ? "answering" : "asking"},
            {"asking", e.item.residence_province},
            {"answering", e.item.hukou_province},
            {"query_kind", e.item.query_kind},
            {"due_date", e.item.due_date}});
  }
}

Result<std::optional<CollabEntry>> NodeCore::collab_entry(CollabKind kind, const std::string& id) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return load_entry(*txn, kind, id);
}

Result<std::vector<CollabEntry>> NodeCore::queries(store::QueryRole role, const std::string& state,
                                                   std::size_t limit) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  std::vector<CollabEntry> out;
  const std::string wanted_role = role == store::QueryRole::answering ? "received" : "sent";
  std::optional<Error> failure;
  if (state == "open" || state == "overdue") {
    auto scanned = store::due_index_scan(*txn, role, [&](std::string_view, std::string_view id) {
      auto loaded = load_entry(*txn, CollabKind::query, std::string(id));
      if (!loaded) {
        failure = loaded.error();
        return false;
      }
      if (*loaded && (*loaded)->state == state) out.push_back(std::move(**loaded));
      return out.size() < limit;
    });
    if (!scanned) return scanned.error();
  } else {
    auto scanned = store::collab_scan(
        *txn, kind_byte(CollabKind::query), [&](std::string_view, std::string_view bytes) {
          auto e = decode_collab_entry(CollabKind::query, bytes);
          if (e && e->role == wanted_role && (state.empty() || e->state == state)) {
            out.push_back(std::move(*e));
          }
          return true;
        });
    if (!scanned) return scanned.error();
    std::stable_sort(out.begin(), out.end(), [](const CollabEntry& a, const CollabEntry& b) {
      return a.item.due_date < b.item.due_date;
    });
    if (out.size() > limit) out.resize(limit);
  }
  if (failure) return *failure;
  return out;
}

}  // namespace provnet::core
