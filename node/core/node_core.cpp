#include "core/node_core.hpp"

#include <capnp/message.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <tuple>

#include "core/record_codec.hpp"
#include "store/keys.hpp"
#include "store/tables.hpp"

namespace provnet::core {

namespace {

using domain::ProvinceCode;

std::string code_text(ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

std::string message_ref(ProvinceCode author, std::uint64_t id) {
  return fmt::format("{}:{}", domain::province_code_text(author), id);
}

// The store failed in the middle of an event: nothing of the event was kept
// (the transaction aborted); the event's sender will retry.
void log_store_failure(Effects& fx, std::string_view during, const Error& e) {
  fx.log(LogLevel::error, "store.failed", {{"during", std::string(during)}, {"reason", e.message}});
}

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
  std::string bytes() { return serialize_message(builder_); }

 private:
  capnp::MallocMessageBuilder builder_;
  wire::Envelope::Builder env_;
  std::uint64_t id_;
};

// Counters live in the store so that ids stay unique across restarts; they
// advance inside the event's transaction, so an aborted event reuses nothing
// that was ever sent.
Result<std::uint64_t> next_counter(store::WriteTxn& txn, std::string_view name) {
  auto current = store::meta_get_u64(txn, name);
  if (!current) return current.error();
  std::uint64_t value = current->value_or(0) + 1;
  auto put = store::meta_put_u64(txn, name, value);
  if (!put) return put.error();
  return value;
}

Result<std::uint64_t> next_message_id(store::WriteTxn& txn) {
  return next_counter(txn, store::kNextMessageIdMetaKey);
}

Result<std::uint64_t> next_outbox_seq(store::WriteTxn& txn) {
  return next_counter(txn, "next_outbox_seq");
}

// Records an arrival for the provincial system to download.
Result<std::uint64_t> inbox_append(store::WriteTxn& txn, const InboxEntry& entry) {
  auto seq = next_counter(txn, "next_inbox_seq");
  if (!seq) return seq.error();
  std::string value;
  value.push_back(static_cast<char>(entry.author));
  store::keys::append_u64(value, entry.message_id);
  store::keys::append_u32(value, entry.version);
  value.append(entry.kind);
  value.push_back('\0');
  value.append(entry.item_id);
  std::string key;
  store::keys::append_u64(key, *seq);
  auto put = txn.put(store::Table::inbox, key, value);
  if (!put) return put.error();
  return *seq;
}

InboxEntry inbox_decode(std::string_view key, std::string_view value) {
  InboxEntry e;
  e.seq = store::keys::read_u64(key);
  e.author = static_cast<ProvinceCode>(value[0]);
  e.message_id = store::keys::read_u64(value, 1);
  e.version = store::keys::read_u32(value, 9);
  std::string_view rest = value.substr(13);
  auto nul = rest.find('\0');
  e.kind = std::string(rest.substr(0, nul));
  e.item_id = std::string(rest.substr(nul + 1));
  return e;
}

void add_field_error(wire::FieldError::Builder out, const domain::ValidationError& e) {
  out.setField(std::string(e.key()));
  out.setWisField(std::string(e.wis()));
  out.setFound(e.found);
  out.setExpected(e.expected);
  out.setMessage(e.message);
}

struct ItemFault {
  std::uint32_t index;
  std::string item_id;
  std::vector<domain::ValidationError> errors;
};

}  // namespace

NodeCore::NodeCore(CoreConfig config, store::Store& store)
    : config_(std::move(config)), store_(store), rng_(config_.seed) {}

ProvinceCode NodeCore::next_hop(ProvinceCode destination) const {
  if (config_.is_national() || destination == domain::kNationalCode) return destination;
  if (config_.direct_peers.count(destination)) return destination;
  return domain::kNationalCode;
}

Result<SubmitOutcome> NodeCore::submit_records(std::span<const domain::MigrantRecord> records,
                                               const ChangeMeta& meta, std::int64_t now_ms) {
  SubmitOutcome out;
  domain::ValidationContext ctx{domain::Date::from_unix_ms_cst(now_ms)};
  out.items.resize(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const domain::MigrantRecord& r = records[i];
    SubmittedItem& item = out.items[i];
    item.record_id = r.record_id;
    item.errors = domain::validate_record(r, ctx);
    if (item.errors.empty() && domain::reporting_province_of(r) != config_.self) {
      item.errors.push_back(domain::ValidationError{
          domain::Field::reporting_province, r.reporting_province,
          std::string(domain::province_code_text(config_.self)),
          fmt::format("reporting_province: found {}; this node is {} and reports only its own "
                      "records",
                      r.reporting_province, domain::province_code_text(config_.self))});
    }
  }

  auto txn = store_.begin_write();
  if (!txn) return txn.error();
  // Decide each record's version. A record whose content equals its latest
  // version is unchanged: re-importing a file creates no versions and sends
  // nothing. Duplicates within this submission count too.
  std::map<ProvinceCode, std::vector<std::size_t>> by_destination;  // changed records
  std::map<std::string_view, std::pair<std::uint32_t, const domain::MigrantRecord*>> pending;
  for (std::size_t i = 0; i < records.size(); ++i) {
    SubmittedItem& item = out.items[i];
    if (!item.accepted()) continue;
    const domain::MigrantRecord& r = records[i];
    std::uint32_t latest = 0;
    const domain::MigrantRecord* previous = nullptr;
    domain::MigrantRecord stored_previous;
    if (auto p = pending.find(r.record_id); p != pending.end()) {
      std::tie(latest, previous) = p->second;
    } else {
      auto head = store::latest_version(*txn, r.record_id);
      if (!head) return head.error();
      if (*head) {
        latest = **head;
        auto bytes = store::record_version_bytes(*txn, r.record_id, latest);
        if (!bytes) return bytes.error();
        auto decoded = Decoded<wire::RecordVersion>::decode(bytes->value_or(""), config_.limits);
        if (!decoded) return decoded.error();
        stored_previous = record_from_wire(decoded->root().getRecord());
        previous = &stored_previous;
      }
    }
    if (previous && *previous == r) {
      item.version = latest;
      item.unchanged = true;
      continue;
    }
    item.version = latest + 1;
    pending[r.record_id] = {item.version, &r};
    by_destination[*domain::concerned_province_of(r)].push_back(i);
  }

  for (auto& [destination, indexes] : by_destination) {
    for (std::size_t start = 0; start < indexes.size(); start += config_.max_records_per_message) {
      std::size_t end = std::min(indexes.size(), start + config_.max_records_per_message);
      auto id = next_message_id(*txn);
      if (!id) return id.error();
      OutgoingEnvelope env(config_.self, destination, *id, now_ms);
      auto versions = env.body().initMigrantBatch().initVersions(end - start);
      for (std::size_t k = start; k < end; ++k) {
        const domain::MigrantRecord& r = records[indexes[k]];
        const std::uint32_t version = out.items[indexes[k]].version;
        auto v = versions[k - start];
        record_to_wire(r, v.initRecord());
        v.setVersion(version);
        v.setChange(version == 1 ? wire::ChangeKind::CREATED : wire::ChangeKind::UPDATED);
        v.setAuthorNode(config_.self);
        v.setOperatorId(meta.operator_id);
        v.setChangedAtMs(now_ms);
        v.setReason(meta.reason);
        auto stored = store::append_record_version(*txn, r.record_id, version,
                                                   canonical_message(v.asReader()));
        if (!stored) return stored.error();
      }
      auto seq = next_outbox_seq(*txn);
      if (!seq) return seq.error();
      auto queued = store::outbox_append(*txn, next_hop(destination), *seq, env.bytes());
      if (!queued) return queued.error();
      out.effects.log(LogLevel::info, "message.queued",
                      {{"message_id", message_ref(config_.self, env.id())},
                       {"destination", code_text(destination)},
                       {"peer", code_text(next_hop(destination))},
                       {"kind", "migrantBatch"},
                       {"records", std::to_string(end - start)}});
    }
  }
  auto committed = txn->commit();
  if (!committed) return committed.error();
  for (const SubmittedItem& item : out.items) {
    if (item.unchanged) {
      out.effects.log(LogLevel::info, "record.unchanged",
                      {{"record_id", item.record_id}, {"version", std::to_string(item.version)}});
    } else if (item.accepted()) {
      out.effects.log(LogLevel::info, "record.accepted",
                      {{"record_id", item.record_id}, {"version", std::to_string(item.version)}});
    } else {
      out.effects.log(LogLevel::warn, "record.invalid",
                      {{"record_id", item.record_id},
                       {"errors", std::to_string(item.errors.size())},
                       {"first_field", std::string(item.errors.front().key())}});
    }
  }
  pump_all(now_ms, out.effects);
  return out;
}

Effects NodeCore::on_envelope(ProvinceCode link_peer, std::string_view bytes, std::int64_t now_ms) {
  Effects fx;
  auto decoded = DecodedEnvelope::decode(bytes, config_.limits);
  if (!decoded) {
    fx.log(LogLevel::warn, "frame.malformed",
           {{"peer", code_text(link_peer)}, {"reason", decoded.error().message}});
    fx.closes.push_back(CloseLink{link_peer, decoded.error().message});
    return fx;
  }
  // Reading fields of a message from a peer may still find it malformed deep
  // inside; Cap'n Proto throws then. Nothing is half-applied: the write
  // transaction of on_message aborts when the exception unwinds through it.
  try {
    wire::Envelope::Reader env = decoded->root();
    ProvinceCode author = env.getAuthor();
    // A node speaks for itself; only the national node relays others' messages.
    if (author != link_peer && link_peer != domain::kNationalCode) {
      std::string reason =
          fmt::format("message claims author {} on the link of {}",
                      domain::province_code_text(author), domain::province_code_text(link_peer));
      fx.log(LogLevel::error, "security.author_mismatch",
             {{"peer", code_text(link_peer)},
              {"message_id", message_ref(author, env.getMessageId())},
              {"reason", reason}});
      fx.closes.push_back(CloseLink{link_peer, reason});
      return fx;
    }
    switch (env.getBody().which()) {
      case wire::Body::ACKNOWLEDGEMENTS:
      case wire::Body::REJECTION:
        on_replies(link_peer, env, now_ms, fx);
        break;
      default:
        on_message(link_peer, env, now_ms, fx);
        break;
    }
  } catch (const kj::Exception& e) {
    std::string reason = std::string("malformed message: ") + e.getDescription().cStr();
    fx.log(LogLevel::warn, "frame.malformed", {{"peer", code_text(link_peer)}, {"reason", reason}});
    fx.closes.push_back(CloseLink{link_peer, reason});
  }
  return fx;
}

void NodeCore::on_message(ProvinceCode link_peer, wire::Envelope::Reader env, std::int64_t now_ms,
                          Effects& fx) {
  const ProvinceCode author = env.getAuthor();
  const std::uint64_t message_id = env.getMessageId();
  const std::string ref = message_ref(author, message_id);
  const std::string_view kind = body_kind_name(env.getBody().which());

  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "receive", txn.error());
  auto seen = store::dedup_lookup(*txn, author, message_id);
  if (!seen) return log_store_failure(fx, "receive", seen.error());
  if (*seen) {
    // A retry: the sender did not get our reply. Send the same reply again.
    fx.sends.push_back(SendEnvelope{link_peer, **seen});
    fx.log(LogLevel::info, "message.duplicate",
           {{"message_id", ref}, {"peer", code_text(link_peer)}, {"kind", std::string(kind)}});
    return;
  }

  std::string whole_reason;
  std::vector<ItemFault> faults;
  std::uint32_t applied = 0;
  if (env.getDestination() != config_.self) {
    whole_reason = fmt::format("message is for node {}, not for this node {}",
                               domain::province_code_text(env.getDestination()),
                               domain::province_code_text(config_.self));
  } else if (env.getBody().which() == wire::Body::MIGRANT_BATCH) {
    // Receivers check what they are given: a faulty sorter must not make a
    // province store a record that does not concern it.
    domain::Date day = domain::Date::from_unix_ms_cst(std::max(now_ms, env.getCreatedAtMs()));
    domain::ValidationContext ctx{day};
    auto versions = env.getBody().getMigrantBatch().getVersions();
    for (std::uint32_t i = 0; i < versions.size(); ++i) {
      auto v = versions[i];
      domain::MigrantRecord r = record_from_wire(v.getRecord());
      std::vector<domain::ValidationError> errors = domain::validate_record(r, ctx);
      if (errors.empty() && domain::reporting_province_of(r) != author) {
        errors.push_back(domain::ValidationError{
            domain::Field::reporting_province, r.reporting_province,
            std::string(domain::province_code_text(author)),
            fmt::format("reporting_province: found {}; a record must be reported by the "
                        "message's author {}",
                        r.reporting_province, domain::province_code_text(author))});
      }
      if (errors.empty() && domain::concerned_province_of(r) != config_.self) {
        errors.push_back(domain::ValidationError{
            r.direction == "inflow" ? domain::Field::hukou_address_code
                                    : domain::Field::current_address_code,
            fmt::format("province {}",
                        domain::province_code_text(domain::concerned_province_of(r).value_or(0))),
            fmt::format("province {}", domain::province_code_text(config_.self)),
            fmt::format("the record concerns province {}, not this node {}; it was not stored",
                        domain::province_code_text(domain::concerned_province_of(r).value_or(0)),
                        domain::province_code_text(config_.self))});
      }
      if (!errors.empty()) {
        faults.push_back(ItemFault{i, r.record_id, std::move(errors)});
        continue;
      }
      std::string stored_bytes = canonical_message(v);
      auto existing =
          txn->get(store::Table::records, store::keys::record_version(r.record_id, v.getVersion()));
      if (!existing) return log_store_failure(fx, "receive", existing.error());
      if (*existing) {
        // The same version from another message (a resend under a new id):
        // fine if identical, a conflict if not.
        if (**existing != stored_bytes) {
          faults.push_back(
              ItemFault{i,
                        r.record_id,
                        {domain::ValidationError{
                            domain::Field::record_id, fmt::format("version {}", v.getVersion()),
                            "a new version number for a changed record",
                            fmt::format("version {} of this record is already held with different "
                                        "content; a change must be a new version",
                                        v.getVersion())}}});
        }
        continue;
      }
      auto stored = store::append_record_version(*txn, r.record_id, v.getVersion(), stored_bytes);
      if (!stored) return log_store_failure(fx, "receive", stored.error());
      auto arrived = inbox_append(
          *txn, InboxEntry{0, "record", r.record_id, v.getVersion(), author, message_id});
      if (!arrived) return log_store_failure(fx, "receive", arrived.error());
      ++applied;
    }
  } else {
    whole_reason = fmt::format("message kind {} is not handled by this node", kind);
  }

  auto reply_id = next_message_id(*txn);
  if (!reply_id) return log_store_failure(fx, "receive", reply_id.error());
  OutgoingEnvelope reply(config_.self, link_peer, *reply_id, now_ms);
  bool rejected = !whole_reason.empty() || !faults.empty();
  if (!rejected) {
    auto ack = reply.body().initAcknowledgements(1)[0];
    ack.setAuthor(author);
    ack.setMessageId(message_id);
    ack.setReceivedAtMs(now_ms);
  } else {
    auto rej = reply.body().initRejection();
    rej.setAuthor(author);
    rej.setMessageId(message_id);
    rej.setReason(whole_reason);
    auto items = rej.initItems(faults.size());
    for (std::size_t k = 0; k < faults.size(); ++k) {
      items[k].setIndex(faults[k].index);
      items[k].setItemId(faults[k].item_id);
      auto errs = items[k].initErrors(faults[k].errors.size());
      for (std::size_t j = 0; j < faults[k].errors.size(); ++j) {
        add_field_error(errs[j], faults[k].errors[j]);
      }
    }
  }
  std::string reply_bytes = reply.bytes();
  auto recorded = store::dedup_record(*txn, author, message_id, reply_bytes);
  if (!recorded) return log_store_failure(fx, "receive", recorded.error());
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "receive", committed.error());

  fx.sends.push_back(SendEnvelope{link_peer, std::move(reply_bytes)});
  fx.log(LogLevel::info, "message.applied",
         {{"message_id", ref},
          {"peer", code_text(link_peer)},
          {"kind", std::string(kind)},
          {"applied", std::to_string(applied)}});
  if (rejected) {
    fx.log(LogLevel::warn, "message.rejected",
           {{"message_id", ref},
            {"peer", code_text(link_peer)},
            {"items", std::to_string(faults.size())},
            {"reason", whole_reason.empty() ? "item errors" : whole_reason}});
    for (const ItemFault& f : faults) {
      fx.log(LogLevel::warn, "record.rejected",
             {{"message_id", ref},
              {"record_id", f.item_id},
              {"field", std::string(f.errors.front().key())},
              {"reason", f.errors.front().message}});
    }
  }
}

void NodeCore::on_replies(ProvinceCode link_peer, wire::Envelope::Reader env, std::int64_t now_ms,
                          Effects& fx) {
  auto body = env.getBody();
  if (body.which() == wire::Body::ACKNOWLEDGEMENTS) {
    for (auto ack : body.getAcknowledgements()) {
      settle(link_peer, ack.getAuthor(), ack.getMessageId(), "acknowledged", now_ms, fx);
    }
  } else {
    auto rej = body.getRejection();
    for (auto item : rej.getItems()) {
      fx.log(LogLevel::warn, "record.rejected_by_peer",
             {{"message_id", message_ref(rej.getAuthor(), rej.getMessageId())},
              {"peer", code_text(link_peer)},
              {"record_id", item.getItemId().cStr()},
              {"reason", item.getErrors().size() ? item.getErrors()[0].getMessage().cStr() : ""}});
    }
    settle(link_peer, rej.getAuthor(), rej.getMessageId(), "rejected", now_ms, fx);
  }
  pump(link_peer, now_ms, fx);
}

void NodeCore::settle(ProvinceCode link_peer, ProvinceCode author, std::uint64_t message_id,
                      const char* outcome, std::int64_t now_ms, Effects& fx) {
  Link& l = link(link_peer);
  auto it = l.in_flight.find({author, message_id});
  if (it == l.in_flight.end()) {
    // A second reply to a retry, or a reply to something already settled.
    fx.log(LogLevel::debug, "reply.unmatched",
           {{"message_id", message_ref(author, message_id)}, {"peer", code_text(link_peer)}});
    return;
  }
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "settle", txn.error());
  auto removed = store::outbox_remove(*txn, link_peer, it->second.seq);
  if (!removed) return log_store_failure(fx, "settle", removed.error());
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "settle", committed.error());
  fx.log(LogLevel::info, std::string("message.") + outcome,
         {{"message_id", message_ref(author, message_id)},
          {"peer", code_text(link_peer)},
          {"attempts", std::to_string(it->second.attempts)}});
  l.in_flight.erase(it);
  (void)now_ms;
}

std::int64_t NodeCore::backoff_ms(std::uint32_t attempts) {
  // Exponential, capped, with full jitter in [delay/2, delay] so that many
  // senders retrying after one outage do not all come back at once.
  std::int64_t delay = config_.retry_initial_ms;
  for (std::uint32_t i = 1; i < attempts && delay < config_.retry_max_ms; ++i) delay *= 2;
  delay = std::min(delay, config_.retry_max_ms);
  std::uniform_int_distribution<std::int64_t> jitter(delay / 2, delay);
  return jitter(rng_);
}

void NodeCore::pump(ProvinceCode peer, std::int64_t now_ms, Effects& fx) {
  Link& l = link(peer);
  if (!l.up || l.in_flight.size() >= config_.max_in_flight_per_link) return;
  auto txn = store_.begin_read();
  if (!txn) return log_store_failure(fx, "send", txn.error());
  std::size_t room = config_.max_in_flight_per_link - l.in_flight.size();
  auto entries = store::outbox_scan(*txn, peer, l.scan_from_seq, room, SIZE_MAX);
  if (!entries) return log_store_failure(fx, "send", entries.error());
  for (const store::OutboxEntry& e : *entries) {
    auto decoded = DecodedEnvelope::decode(e.bytes, config_.limits);
    if (!decoded) {
      // Our own outbox holds only what we encoded; this is damage.
      fx.log(LogLevel::error, "outbox.corrupt",
             {{"peer", code_text(peer)},
              {"seq", std::to_string(e.seq)},
              {"reason", decoded.error().message}});
      continue;
    }
    auto env = decoded->root();
    InFlight f{e.seq, now_ms + backoff_ms(1), 1};
    l.in_flight[{env.getAuthor(), env.getMessageId()}] = f;
    l.scan_from_seq = e.seq + 1;
    fx.sends.push_back(SendEnvelope{peer, e.bytes});
    fx.log(LogLevel::debug, "message.sent",
           {{"message_id", message_ref(env.getAuthor(), env.getMessageId())},
            {"peer", code_text(peer)}});
    fx.wake_at(f.next_retry_ms);
  }
}

void NodeCore::pump_all(std::int64_t now_ms, Effects& fx) {
  // Every link with something in the outbox, including ones not seen since
  // start: the outbox is keyed by link first.
  std::set<ProvinceCode> peers;
  {
    auto txn = store_.begin_read();
    if (!txn) return log_store_failure(fx, "send", txn.error());
    // One seek per link that has entries, not a walk over the whole backlog.
    int from = 0;
    while (from <= 0xff) {
      std::optional<ProvinceCode> found;
      std::string start(1, static_cast<char>(from));
      auto scanned = txn->scan_from(store::Table::outbox, "", start,
                                    [&](std::string_view key, std::string_view) {
                                      found = static_cast<ProvinceCode>(key[0]);
                                      return false;
                                    });
      if (!scanned) return log_store_failure(fx, "send", scanned.error());
      if (!found) break;
      peers.insert(*found);
      from = *found + 1;
    }
  }
  for (ProvinceCode p : peers) pump(p, now_ms, fx);
}

Effects NodeCore::on_tick(std::int64_t now_ms) {
  Effects fx;
  for (auto& [peer, l] : links_) {
    if (!l.up) continue;
    std::vector<std::pair<std::pair<ProvinceCode, std::uint64_t>, InFlight*>> due;
    for (auto& [ref, f] : l.in_flight) {
      if (f.next_retry_ms <= now_ms)
        due.push_back({ref, &f});
      else
        fx.wake_at(f.next_retry_ms);
    }
    if (due.empty()) continue;
    auto txn = store_.begin_read();
    if (!txn) {
      log_store_failure(fx, "retry", txn.error());
      continue;
    }
    for (auto& [ref, f] : due) {
      auto bytes = txn->get(store::Table::outbox, store::keys::outbox(peer, f->seq));
      if (!bytes || !*bytes) continue;  // settled meanwhile
      ++f->attempts;
      f->next_retry_ms = now_ms + backoff_ms(f->attempts);
      fx.sends.push_back(SendEnvelope{peer, std::string(**bytes)});
      fx.log(LogLevel::info, "message.retry",
             {{"message_id", message_ref(ref.first, ref.second)},
              {"peer", code_text(peer)},
              {"attempt", std::to_string(f->attempts)}});
      fx.wake_at(f->next_retry_ms);
    }
  }
  pump_all(now_ms, fx);
  return fx;
}

Effects NodeCore::on_link_up(ProvinceCode peer, std::int64_t now_ms) {
  Effects fx;
  Link& l = link(peer);
  l.up = true;
  // Whatever was in flight on the old connection may be lost: resend it now.
  for (auto& [ref, f] : l.in_flight) f.next_retry_ms = now_ms;
  fx.log(LogLevel::info, "link.up", {{"peer", code_text(peer)}});
  fx.append(on_tick(now_ms));
  return fx;
}

Effects NodeCore::on_link_down(ProvinceCode peer, std::int64_t now_ms) {
  Effects fx;
  link(peer).up = false;
  fx.log(LogLevel::info, "link.down", {{"peer", code_text(peer)}});
  (void)now_ms;
  return fx;
}

Result<std::uint64_t> NodeCore::outbox_depth(ProvinceCode peer) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return store::outbox_depth(*txn, peer);
}

Result<std::vector<InboxEntry>> NodeCore::inbox() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  std::vector<InboxEntry> out;
  auto scanned = txn->scan(store::Table::inbox, "", [&](std::string_view k, std::string_view v) {
    out.push_back(inbox_decode(k, v));
    return true;
  });
  if (!scanned) return scanned.error();
  return out;
}

}  // namespace provnet::core
