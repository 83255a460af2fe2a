#include "core/node_core.hpp"

#include <capnp/message.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <cassert>
#include <tuple>

#include "core/collab_codec.hpp"
#include "core/core_support.hpp"
#include "core/digest.hpp"
#include "core/record_codec.hpp"
#include "store/keys.hpp"
#include "store/tables.hpp"

namespace provnet::core {

namespace detail {

std::string code_text(ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

std::string message_ref(ProvinceCode author, std::uint64_t id) {
  return fmt::format("{}:{}", domain::province_code_text(author), id);
}

// The store failed in the middle of an event: nothing of the event was kept
// (the transaction aborted); the event's sender will retry.
// A timer is set so that work left pending by the failure is retried even if
// no other event comes.
void log_store_failure(Effects& fx, std::string_view during, const Error& e, std::int64_t now_ms) {
  fx.log(LogLevel::error, "store.failed", {{"during", std::string(during)}, {"reason", e.message}});
  constexpr std::int64_t kRetryAfterFailureMs = 1'000;
  fx.wake_at(now_ms + kRetryAfterFailureMs);
}

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

// Message ids never go backwards, even when a store is restored from an older
// backup: an id is at least the creation time in microseconds-ish units
// (ms * 1000), so ids issued after a restore are above any issued before it
// unless the node once authored more than 1000 messages in a millisecond.
Result<std::uint64_t> next_message_id(store::WriteTxn& txn, std::int64_t now_ms) {
  auto current = store::meta_get_u64(txn, store::kNextMessageIdMetaKey);
  if (!current) return current.error();
  std::uint64_t floor = now_ms > 0 ? static_cast<std::uint64_t>(now_ms) * 1000 : 0;
  std::uint64_t value = std::max(current->value_or(0) + 1, floor);
  auto put = store::meta_put_u64(txn, store::kNextMessageIdMetaKey, value);
  if (!put) return put.error();
  return value;
}

// What the receiver remembers of a message it applied: a digest of its
// signed content (to tell a retry from a different message reusing the id;
// the same message signed again after its author got a new certificate is
// a retry) and its reply. Stores written before kept a digest of the whole
// envelope; a retry matches either.
std::string dedup_value(std::string_view signed_digest, std::string_view reply) {
  std::string out(signed_digest);
  out.append(reply);
  return out;
}

bool same_message(std::string_view remembered_digest, std::string_view signed_digest,
                  std::string_view bytes) {
  return remembered_digest == signed_digest || remembered_digest == sha256(bytes);
}

std::string rejected_marker(std::string_view record_id) {
  return "rejected:" + std::string(record_id);
}

Result<std::uint64_t> next_outbox_seq(store::WriteTxn& txn) {
  return next_counter(txn, "next_outbox_seq");
}

Result<std::uint64_t> next_staged_seq(store::WriteTxn& txn) {
  return next_counter(txn, "next_staged_seq");
}

capnp::Data::Reader as_data(std::string_view bytes) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size());
}

std::string_view as_view(capnp::Data::Reader data) {
  return std::string_view(reinterpret_cast<const char*>(data.begin()), data.size());
}

// Records an arrival for the provincial system to download.
Result<std::uint64_t> inbox_append(store::WriteTxn& txn, const InboxEntry& entry) {
  auto seq = next_counter(txn, store::kInboxSeqMetaKey);
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

void add_field_error(wire::FieldError::Builder out, const domain::RecordProblem& e) {
  out.setField(e.field);
  out.setWisField(e.wis_field);
  out.setFound(e.found);
  out.setExpected(e.expected);
  out.setMessage(e.message);
}

}  // namespace detail

namespace {

using namespace detail;

// The store keeps the last good directory under this meta key.
constexpr std::string_view kDirectoryMetaKey = "directory";
// A published directory is valid from a little before it was issued, so a
// node whose clock is slightly behind the national node's accepts it.
constexpr std::int64_t kDirectoryClockSkewMs = 5 * 60'000;
// How many waiting envelopes one tick moves to another link.
constexpr std::size_t kRerouteChunk = 1'000;

}  // namespace

NodeCore::NodeCore(CoreConfig config, store::Store& store)
    : config_(std::move(config)), store_(store), rng_(config_.seed) {
  assert(config_.signer || !config_.verifier);  // a node that receives also signs its replies
  if (!config_.is_national()) direct_ = config_.direct_peers;
}

std::set<ProvinceCode> NodeCore::direct_peers() const {
  return direct_;
}

ProvinceCode NodeCore::next_hop(ProvinceCode destination) const {
  if (config_.is_national() || destination == domain::kNationalCode) return destination;
  if (fallen_back_.count(destination)) return domain::kNationalCode;
  if (direct_.count(destination)) return destination;
  return domain::kNationalCode;
}

Result<SubmitOutcome> NodeCore::submit_records(std::span<const domain::MigrantRecord> records,
                                               const ChangeMeta& meta, std::int64_t now_ms) {
  return submit_records(records, {}, meta, now_ms);
}

namespace {

std::optional<wire::ChangeKind> change_kind_from_name(std::string_view name) {
  if (name == "created") return wire::ChangeKind::CREATED;
  if (name == "updated") return wire::ChangeKind::UPDATED;
  if (name == "returned") return wire::ChangeKind::RETURNED;
  if (name == "left") return wire::ChangeKind::LEFT;
  if (name == "corrected") return wire::ChangeKind::CORRECTED;
  return std::nullopt;
}

domain::RecordProblem change_problem(std::string found, std::string expected, std::string message) {
  return domain::RecordProblem{"change", "", std::move(found), std::move(expected),
                               std::move(message)};
}

}  // namespace

Result<SubmitOutcome> NodeCore::submit_records(std::span<const domain::MigrantRecord> records,
                                               std::span<const RecordChange> changes,
                                               const ChangeMeta& meta, std::int64_t now_ms) {
  assert(changes.empty() || changes.size() == records.size());
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
  struct Latest {
    std::uint32_t version;
    const domain::MigrantRecord* record;
    wire::ChangeKind change;
  };
  std::map<std::string_view, Latest> pending;
  std::vector<wire::ChangeKind> change_of(records.size(), wire::ChangeKind::CREATED);
  std::vector<std::string> reason_of(records.size(), meta.reason);
  std::vector<std::uint32_t> predecessor_of(records.size(), 0);
  for (std::size_t i = 0; i < records.size(); ++i) {
    SubmittedItem& item = out.items[i];
    if (!item.accepted()) continue;
    const domain::MigrantRecord& r = records[i];
    std::uint32_t latest = 0;
    const domain::MigrantRecord* previous = nullptr;
    wire::ChangeKind previous_change = wire::ChangeKind::CREATED;
    std::uint32_t latest_predecessor = 0;
    bool latest_refused = false;
    domain::MigrantRecord stored_previous;
    if (auto p = pending.find(r.record_id); p != pending.end()) {
      latest = p->second.version;
      previous = p->second.record;
      previous_change = p->second.change;
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
        previous_change = decoded->root().getChange();
        latest_predecessor = decoded->root().getPredecessor();
        auto rejected = store::meta_get_u64(*txn, rejected_marker(r.record_id));
        if (!rejected) return rejected.error();
        if (*rejected == std::optional<std::uint64_t>(latest)) {
          previous = nullptr;  // send again
          latest_refused = true;
        }
      }
    }
    // The change: given, or "created" for a new record and "updated" after.
    const std::string requested = changes.empty() ? std::string() : changes[i].change;
    if (!changes.empty() && !changes[i].reason.empty()) reason_of[i] = changes[i].reason;
    wire::ChangeKind change = latest == 0 ? wire::ChangeKind::CREATED : wire::ChangeKind::UPDATED;
    if (!requested.empty()) {
      auto kind = change_kind_from_name(requested);
      if (!kind) {
        item.change_problems.push_back(change_problem(
            requested, "created, updated, returned, left or corrected",
            fmt::format("change \"{}\" is not a kind of change; expected created, updated, "
                        "returned, left or corrected",
                        requested.size() > 20 ? requested.substr(0, 20) + "..." : requested)));
        continue;
      }
      if (*kind == wire::ChangeKind::CREATED && latest > 0) {
        item.change_problems.push_back(change_problem(
            "created", "updated, returned, left or corrected",
            fmt::format("the record already has version {}; a later change is updated, returned, "
                        "left or corrected",
                        latest)));
        continue;
      }
      if (*kind != wire::ChangeKind::CREATED && latest == 0) {
        item.change_problems.push_back(
            change_problem(requested, "created",
                           fmt::format("the record has no version yet, so it cannot be {}; its "
                                       "first version is created",
                                       requested)));
        continue;
      }
      change = *kind;
    }
    if (change == wire::ChangeKind::CORRECTED && reason_of[i].empty()) {
      item.change_problems.push_back(domain::RecordProblem{
          "change_reason", "", "empty", "why the record is corrected",
          "a correction needs a reason (the correction procedure keeps the trail of every "
          "change); give change_reason or the X-Change-Reason header"});
      continue;
    }
    // Re-sending what is already the latest version changes nothing, unless
    // it says something new happened (returned, left, corrected).
    const bool same_kind =
        requested.empty() || change == previous_change || change == wire::ChangeKind::UPDATED;
    if (previous && *previous == r && same_kind) {
      item.version = latest;
      item.unchanged = true;
      continue;
    }
    item.version = latest + 1;
    change_of[i] = change;
    // What the receivers hold before this version: the latest, unless it
    // was refused, then whatever the refused one followed.
    predecessor_of[i] = latest == 0      ? 1
                        : latest_refused ? (latest_predecessor == 0 ? latest : latest_predecessor)
                                         : latest + 1;
    pending[r.record_id] = {item.version, &r, change};
    by_destination[*domain::concerned_province_of(r)].push_back(i);
  }

  // Records for a direct peer go to it directly; the national node gets a
  // copy unless the group it shares with that peer wants evidence only.
  std::set<ProvinceCode> copied;
  for (auto& [destination, indexes] : by_destination) {
    if (!config_.is_national() && next_hop(destination) == destination &&
        (!directory_ ||
         directory_->national_copy(config_.self, destination) == NationalCopy::full)) {
      copied.insert(destination);
    }
  }
  for (auto& [destination, indexes] : by_destination) {
    const bool copy = copied.count(destination) > 0;
    for (std::size_t index : indexes) {
      const domain::MigrantRecord& r = records[index];
      const std::uint32_t version = out.items[index].version;
      capnp::MallocMessageBuilder builder;
      auto v = builder.initRoot<wire::RecordVersion>();
      record_to_wire(r, v.initRecord());
      v.setVersion(version);
      v.setChange(change_of[index]);
      v.setAuthorNode(config_.self);
      v.setOperatorId(meta.operator_id);
      v.setChangedAtMs(now_ms);
      v.setReason(reason_of[index]);
      v.setPredecessor(predecessor_of[index]);
      auto stored =
          store::append_record_version(*txn, r.record_id, version, canonical_message(v.asReader()));
      if (!stored) return stored.error();
      AuditFacts change;
      change.event = wire::AuditEvent::CHANGED;
      change.author = config_.self;
      change.destination = destination;
      change.kind = "record";
      change.items = {{r.record_id, version}};
      change.detail = change_kind_name(change_of[index]);
      change.operator_id = meta.operator_id;
      auto audited = audit(*txn, change, now_ms);
      if (!audited) return audited.error();
      auto seq = next_staged_seq(*txn);
      if (!seq) return seq.error();
      auto staged = store::staged_append(*txn, destination, *seq, r.record_id, version);
      if (!staged) return staged.error();
      if (copy) {
        auto copy_seq = next_staged_seq(*txn);
        if (!copy_seq) return copy_seq.error();
        auto copy_staged =
            store::staged_append(*txn, domain::kNationalCode, *copy_seq, r.record_id, version);
        if (!copy_staged) return copy_staged.error();
      }
    }
    auto batched =
        batch_staged(*txn, destination, config_.batch_linger_ms <= 0, now_ms, out.effects);
    if (!batched) return batched.error();
  }
  if (!copied.empty()) {
    auto batched = batch_staged(*txn, domain::kNationalCode, config_.batch_linger_ms <= 0, now_ms,
                                out.effects);
    if (!batched) return batched.error();
  }
  auto committed = txn->commit();
  if (!committed) return committed.error();
  for (const SubmittedItem& item : out.items) {
    if (item.unchanged) {
      out.effects.log(LogLevel::info, "record.unchanged",
                      {{"record_id", item.record_id}, {"version", std::to_string(item.version)}});
    } else if (item.accepted()) {
      ++counters_.records_accepted;
      out.effects.log(LogLevel::info, "record.accepted",
                      {{"record_id", item.record_id}, {"version", std::to_string(item.version)}});
    } else {
      ++counters_.records_rejected;
      out.effects.log(
          LogLevel::warn, "record.invalid",
          {{"record_id", item.record_id},
           {"errors", std::to_string(item.errors.size() + item.change_problems.size())},
           {"first_field", item.errors.empty() ? item.change_problems.front().field
                                               : std::string(item.errors.front().key())}});
    }
  }
  if (config_.batch_linger_ms > 0) {
    if (!copied.empty()) by_destination[domain::kNationalCode];
    for (auto& [destination, indexes] : by_destination) {
      auto since = staged_since_.emplace(destination, now_ms).first->second;
      out.effects.wake_at(since + config_.batch_linger_ms);
    }
  }
  pump_all(now_ms, out.effects);
  return out;
}

Result<std::size_t> NodeCore::batch_staged(store::WriteTxn& txn, ProvinceCode destination, bool all,
                                           std::int64_t now_ms, Effects& fx) {
  const std::size_t batch = std::max<std::uint32_t>(1, config_.max_records_per_message);
  std::size_t written = 0;
  if (!config_.signer) return written;  // offline: stays staged until provnode signs it
  for (;;) {
    auto staged = store::staged_scan(txn, destination, batch);
    if (!staged) return staged.error();
    if (staged->empty() || (!all && staged->size() < batch)) break;
    auto id = next_message_id(txn, now_ms);
    if (!id) return id.error();
    OutgoingEnvelope env(config_.self, destination, *id, now_ms);
    auto versions = env.body().initMigrantBatch().initVersions(staged->size());
    for (std::size_t i = 0; i < staged->size(); ++i) {
      const store::StagedVersion& sv = (*staged)[i];
      auto bytes = store::record_version_bytes(txn, sv.record_id, sv.version);
      if (!bytes) return bytes.error();
      if (!*bytes) {
        return Error{Errc::corrupt,
                     fmt::format("record {} version {} is staged for sending but not stored; "
                                 "restore the store from a backup",
                                 sv.record_id, sv.version)};
      }
      auto decoded = Decoded<wire::RecordVersion>::decode(**bytes, config_.limits);
      if (!decoded) return decoded.error();
      versions.setWithCaveats(i, decoded->root());
      auto removed = store::staged_remove(txn, destination, sv.seq);
      if (!removed) return removed.error();
    }
    auto sealed = seal_with_digest(env.builder());
    if (!sealed) return sealed.error();
    auto seq = next_outbox_seq(txn);
    if (!seq) return seq.error();
    auto queued = store::outbox_append(txn, next_hop(destination), *seq, sealed->bytes);
    if (!queued) return queued.error();
    auto audited = audit_message(txn, wire::AuditEvent::QUEUED, next_hop(destination),
                                 env.builder().getRoot<wire::Envelope>().asReader(), sealed->bytes,
                                 now_ms, {}, sealed->signed_digest);
    if (!audited) return audited.error();
    fx.log(LogLevel::info, "message.queued",
           {{"message_id", message_ref(config_.self, env.id())},
            {"destination", code_text(destination)},
            {"peer", code_text(next_hop(destination))},
            {"kind", "migrantBatch"},
            {"records", std::to_string(staged->size())}});
    ++written;
  }
  return written;
}

void NodeCore::flush_lingering(std::int64_t now_ms, Effects& fx) {
  if (!staged_found_) {
    // Versions staged by an earlier run of this node wait one linger from now.
    auto txn = store_.begin_read();
    if (!txn) return log_store_failure(fx, "batch", txn.error(), now_ms);
    auto destinations = store::leading_key_bytes(*txn, store::Table::staged);
    if (!destinations) return log_store_failure(fx, "batch", destinations.error(), now_ms);
    for (ProvinceCode d : *destinations) staged_since_.emplace(d, now_ms);
    staged_found_ = true;
  }
  std::vector<ProvinceCode> due;
  for (auto& [destination, since] : staged_since_) {
    if (since + config_.batch_linger_ms <= now_ms)
      due.push_back(destination);
    else
      fx.wake_at(since + config_.batch_linger_ms);
  }
  if (due.empty()) return;
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "batch", txn.error(), now_ms);
  for (ProvinceCode destination : due) {
    auto batched = batch_staged(*txn, destination, true, now_ms, fx);
    if (!batched) return log_store_failure(fx, "batch", batched.error(), now_ms);
  }
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "batch", committed.error(), now_ms);
  for (ProvinceCode destination : due) staged_since_.erase(destination);
}

Result<NodeCore::Sealed> NodeCore::seal_with_digest(capnp::MallocMessageBuilder& builder) {
  auto env = builder.getRoot<wire::Envelope>();
  const EnvelopeSigner& signer = *config_.signer;
  env.setSignatureAlgorithm(signer.algorithm());
  env.setSignerCertificate(as_data(signer.certificate_der()));
  const std::string input = signing_input(env.asReader());
  auto signature = signer.sign(input);
  if (!signature) return signature.error();
  env.setSignature(as_data(*signature));
  return Sealed{serialize_single_segment(env.asReader()), sha256(input)};
}

Result<std::string> NodeCore::seal(capnp::MallocMessageBuilder& builder) {
  auto sealed = seal_with_digest(builder);
  if (!sealed) return sealed.error();
  return std::move(sealed->bytes);
}

Result<void> NodeCore::verify_signature(wire::Envelope::Reader env, std::string_view signed_input,
                                        std::int64_t now_ms, RevokedSigner revoked) {
  if (env.getSignature().size() == 0) {
    return Error{Errc::security, "the message is not signed"};
  }
  if (env.getSignerCertificate().size() == 0) {
    return Error{Errc::security, "the message carries no signer certificate"};
  }
  return config_.verifier->verify(env.getAuthor(), as_view(env.getSignerCertificate()),
                                  env.getSignatureAlgorithm(), signed_input,
                                  as_view(env.getSignature()), now_ms, revoked);
}

Result<void> NodeCore::verify_carried_reply(wire::Envelope::Reader reply,
                                            wire::Envelope::Reader carrier, std::int64_t now_ms,
                                            Effects& fx) {
  const std::string input = signing_input(reply);
  auto verified = verify_signature(reply, input, now_ms);
  if (verified) return verified;
  // The one check `accept` leaves out is the revocation: if the reply passes
  // now, its signer was revoked after the carrier checked it.
  if (auto vouched = verify_signature(reply, input, now_ms, RevokedSigner::accept); !vouched)
    return vouched;  // wrong for another reason, too
  fx.log(LogLevel::warn, "reply.signer_revoked",
         {{"message_id", message_ref(carrier.getAuthor(), carrier.getMessageId())},
          {"reply_id", message_ref(reply.getAuthor(), reply.getMessageId())},
          {"peer", code_text(reply.getAuthor())},
          {"reason", "the reply's signer certificate was revoked after node " +
                         code_text(carrier.getAuthor()) +
                         " took the reply; taken as it was given: " + verified.error().message}});
  return {};
}

Effects NodeCore::on_envelope(ProvinceCode link_peer, std::string_view bytes, std::int64_t now_ms) {
  assert(config_.verifier && "only a node with a verifier takes messages");
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
      refuse(link_peer, env, "security.author_mismatch", reason, now_ms, fx);
      return fx;
    }
    // Bounded work per message: refused before its signature is checked or
    // any of its items read.
    if (const std::size_t items = body_item_count(env.getBody()); items > kMaxItemsPerMessage) {
      refuse(link_peer, env, "message.too_many_items",
             fmt::format("the message carries {} items; at most {} are taken in one message "
                         "(split it)",
                         items, kMaxItemsPerMessage),
             now_ms, fx);
      return fx;
    }
    // The author's signature, before anything of the message is applied or
    // remembered (an unsigned message must not take an id in the dedup index).
    // The signing input is computed once: its digest also goes into the
    // audit entry and the dedup index.
    const std::string signed_input = signing_input(env);
    if (auto verified = verify_signature(env, signed_input, now_ms); !verified) {
      // A message the national node relays may have been signed before its
      // author's certificate was revoked: refused, but the national node's
      // link is not at fault and stays open.
      const bool relayed = link_peer == domain::kNationalCode && author != link_peer;
      refuse(link_peer, env, "security.signature_invalid", verified.error().message, now_ms, fx,
             /*close_link=*/!relayed);
      return fx;
    }
    switch (env.getBody().which()) {
      case wire::Body::ACKNOWLEDGEMENTS:
      case wire::Body::REJECTION:
        on_replies(link_peer, env, bytes, now_ms, fx);
        break;
      case wire::Body::SIGNED_DIRECTORY:
        on_directory(env, now_ms, fx);
        break;
      case wire::Body::DIRECTORY_REQUEST:
        on_directory_request(link_peer, now_ms, fx);
        break;
      default:
        on_message(link_peer, env, bytes, sha256(signed_input), now_ms, fx);
        break;
    }
  } catch (const kj::Exception& e) {
    std::string reason = std::string("malformed message: ") + e.getDescription().cStr();
    fx.log(LogLevel::warn, "frame.malformed", {{"peer", code_text(link_peer)}, {"reason", reason}});
    fx.closes.push_back(CloseLink{link_peer, reason});
  }
  return fx;
}

void NodeCore::refuse(ProvinceCode link_peer, wire::Envelope::Reader env, std::string_view event,
                      const std::string& reason, std::int64_t now_ms, Effects& fx,
                      bool close_link) {
  const ProvinceCode author = env.getAuthor();
  const std::uint64_t message_id = env.getMessageId();
  fx.log(LogLevel::error, std::string(event),
         {{"peer", code_text(link_peer)},
          {"message_id", message_ref(author, message_id)},
          {"kind", std::string(body_kind_name(env.getBody().which()))},
          {"reason", reason}});
  // A message (not a reply) gets a signed rejection saying why, so the sender
  // can act on it; nothing of it is stored, not even its id. Then the link
  // closes: its peer is misconfigured or hostile.
  const auto which = env.getBody().which();
  if (which != wire::Body::ACKNOWLEDGEMENTS && which != wire::Body::REJECTION) {
    auto txn = store_.begin_write();
    if (txn) {
      auto reply_id = next_message_id(*txn, now_ms);
      auto audited = reply_id ? audit_message(*txn, wire::AuditEvent::REFUSED, link_peer, env, {},
                                              now_ms, reason)
                              : Result<void>(reply_id.error());
      if (reply_id && audited && txn->commit()) {
        OutgoingEnvelope reply(config_.self, link_peer, *reply_id, now_ms);
        auto rej = reply.body().initRejection();
        rej.setAuthor(author);
        rej.setMessageId(message_id);
        rej.setReason(reason);
        if (auto sealed = seal(reply.builder())) {
          fx.sends.push_back(SendEnvelope{link_peer, std::move(*sealed)});
        }
      }
    }
  }
  if (close_link) fx.closes.push_back(CloseLink{link_peer, reason});
}

void NodeCore::on_message(ProvinceCode link_peer, wire::Envelope::Reader env,
                          std::string_view bytes, std::string_view signed_digest,
                          std::int64_t now_ms, Effects& fx) {
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "receive", txn.error(), now_ms);
  const CoreCounters before = counters_;
  Applied done;
  // A malformed message (Cap'n Proto throws) unwinds through the
  // transaction, which aborts; on_envelope reports it.
  bool applied = false;
  try {
    applied = apply_message(*txn, link_peer, env, bytes, signed_digest, now_ms, fx, done);
  } catch (const kj::Exception&) {
    counters_ = before;
    throw;
  }
  if (!applied) {
    counters_ = before;
    return;
  }
  if (auto committed = txn->commit(); !committed) {
    counters_ = before;
    return log_store_failure(fx, "receive", committed.error(), now_ms);
  }
  fx.append(std::move(done.fx));
  for (ProvinceCode peer : done.pumps) pump(peer, now_ms, fx);
}

std::optional<NodeCore::VerifiedMessage> NodeCore::groupable(ProvinceCode link_peer,
                                                             std::string_view bytes,
                                                             std::int64_t now_ms) {
  auto decoded = DecodedEnvelope::decode(bytes, config_.limits);
  if (!decoded) return std::nullopt;
  try {
    wire::Envelope::Reader env = decoded->root();
    const auto which = env.getBody().which();
    if (which != wire::Body::MIGRANT_BATCH && !collab_kind_of(which)) return std::nullopt;
    if (env.getAuthor() != link_peer && link_peer != domain::kNationalCode) return std::nullopt;
    if (body_item_count(env.getBody()) > kMaxItemsPerMessage) return std::nullopt;
    const std::string signed_input = signing_input(env);
    if (!verify_signature(env, signed_input, now_ms)) return std::nullopt;
    return VerifiedMessage{std::move(*decoded), bytes, sha256(signed_input)};
  } catch (const kj::Exception&) {
    return std::nullopt;  // on_envelope reports it
  }
}

bool NodeCore::apply_group(ProvinceCode link_peer, std::span<const VerifiedMessage> group,
                           std::int64_t now_ms, Effects& fx) {
  auto txn = store_.begin_write();
  if (!txn) {
    log_store_failure(fx, "receive", txn.error(), now_ms);
    return false;
  }
  const CoreCounters before = counters_;
  Applied done;
  Effects failures;
  bool applied = true;
  try {
    for (const VerifiedMessage& m : group) {
      applied = apply_message(*txn, link_peer, m.decoded.root(), m.bytes, m.signed_digest, now_ms,
                              failures, done);
      if (!applied) break;
    }
  } catch (const kj::Exception&) {
    applied = false;  // taken alone again, the malformed one is reported
  }
  if (applied) {
    if (auto committed = txn->commit(); !committed) {
      log_store_failure(failures, "receive", committed.error(), now_ms);
      applied = false;
    }
  }
  if (!applied) {
    counters_ = before;
    return false;
  }
  ++counters_.group_commits;
  counters_.messages_grouped += group.size();
  fx.append(std::move(done.fx));
  for (ProvinceCode peer : done.pumps) pump(peer, now_ms, fx);
  return true;
}

Effects NodeCore::on_envelopes(ProvinceCode link_peer, std::span<const std::string_view> frames,
                               std::int64_t now_ms) {
  assert(config_.verifier && "only a node with a verifier takes messages");
  Effects fx;
  std::vector<VerifiedMessage> group;
  auto flush = [&] {
    if (group.size() == 1) {
      const VerifiedMessage& m = group.front();
      try {
        on_message(link_peer, m.decoded.root(), m.bytes, m.signed_digest, now_ms, fx);
      } catch (const kj::Exception&) {
        fx.append(on_envelope(link_peer, m.bytes, now_ms));  // reports it, closes the link
      }
    } else if (!group.empty() && !apply_group(link_peer, group, now_ms, fx)) {
      // The group's transaction failed: each message alone, as if it had
      // come by itself (a store failure is logged for each, a malformed
      // one closes the link, the sound ones are applied).
      for (const VerifiedMessage& m : group) fx.append(on_envelope(link_peer, m.bytes, now_ms));
    }
    group.clear();
  };
  for (std::string_view frame : frames) {
    if (auto verified = groupable(link_peer, frame, now_ms)) {
      group.push_back(std::move(*verified));
      continue;
    }
    flush();
    fx.append(on_envelope(link_peer, frame, now_ms));
  }
  flush();
  return fx;
}

bool NodeCore::apply_message(store::WriteTxn& txn_ref, ProvinceCode link_peer,
                             wire::Envelope::Reader env, std::string_view bytes,
                             std::string_view signed_digest, std::int64_t now_ms, Effects& fx,
                             Applied& done) {
  store::WriteTxn* txn = &txn_ref;
  auto fail = [&](std::string_view during, const Error& e) {
    log_store_failure(fx, during, e, now_ms);
    return false;
  };
  const ProvinceCode author = env.getAuthor();
  const ProvinceCode destination = env.getDestination();
  const std::uint64_t message_id = env.getMessageId();
  const std::string ref = message_ref(author, message_id);
  const std::string_view kind = body_kind_name(env.getBody().which());
  // The national node stores and forwards what is for a province; everyone
  // else only takes what is addressed to it.
  const bool relay = config_.is_national() && destination != config_.self;

  auto seen = store::dedup_lookup(*txn, author, message_id);
  if (!seen) return fail("receive", seen.error());
  if (*seen) {
    std::string_view remembered = **seen;
    if (!same_message(remembered.substr(0, 32), signed_digest, bytes)) {
      // Same (author, id), different content: the author reused an id (its
      // store restored from an old backup?). Acknowledging would make it
      // drop a message we never applied; stay silent so it keeps it, and
      // say so loudly.
      done.fx.log(
          LogLevel::error, "message.id_reused",
          {{"message_id", ref},
           {"peer", code_text(link_peer)},
           {"reason", "a different message under an id already applied; not acknowledged"}});
      return true;
    }
    // A retry: the sender did not get our reply. Send the same reply again.
    std::string reply(remembered.substr(32));
    // Signed again if this node has had a new certificate since: a reply
    // signed by a revoked one would be refused.
    if (auto resigned = resealed(reply)) reply = std::move(*resigned);
    // The reply is addressed to the link the message first came on.
    auto first = DecodedEnvelope::decode(reply, config_.limits);
    if (first && first->root().getDestination() != link_peer) {
      // Relayed after it came directly (its author fell back to the
      // national node while our reply was on its way): this link's end of
      // the exchange is logged too, or reconciliation would miss it here.
      auto audited = audit_message(*txn, wire::AuditEvent::RECEIVED, link_peer, env, bytes, now_ms,
                                   "a duplicate of a message already applied", signed_digest);
      if (!audited) return fail("receive", audited.error());
    }
    done.fx.sends.push_back(SendEnvelope{link_peer, std::move(reply)});
    done.fx.log(LogLevel::info, "message.duplicate",
                {{"message_id", ref}, {"peer", code_text(link_peer)}, {"kind", std::string(kind)}});
    return true;
  }

  std::string whole_reason;
  std::vector<ItemFault> faults;
  std::vector<std::uint32_t> retry_items;
  std::uint32_t applied = 0;
  const ProvinceCode target = relay ? destination : config_.self;
  if (!relay && destination != config_.self) {
    whole_reason = fmt::format("message is for node {}, not for this node {}",
                               domain::province_code_text(destination),
                               domain::province_code_text(config_.self));
  } else if (relay && !domain::find_province(destination)) {
    whole_reason = fmt::format("message is for node {}, which is not a province",
                               domain::province_code_text(destination));
  } else if (env.getBody().which() == wire::Body::MIGRANT_BATCH) {
    // Every hop checks what it is given: a faulty sorter must not make a
    // province store a record that does not concern it. Dates are judged by
    // this node's own clock, never the sender's.
    domain::ValidationContext ctx{domain::Date::from_unix_ms_cst(now_ms)};
    auto versions = env.getBody().getMigrantBatch().getVersions();
    struct VersionToStore {
      std::string record_id;
      std::uint32_t version;
      std::string bytes;
      std::uint32_t predecessor;
    };
    std::vector<VersionToStore> to_store;
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
      if (errors.empty() && (v.getAuthorNode() != author || v.getVersion() == 0)) {
        errors.push_back(domain::ValidationError{
            domain::Field::record_id,
            fmt::format("version {} by node {}", v.getVersion(),
                        domain::province_code_text(v.getAuthorNode())),
            fmt::format("a version from 1 up, made by the message's author {}",
                        domain::province_code_text(author)),
            "the version's number or author is not what its message says"});
      }
      // The national node takes a copy of records exchanged directly inside a
      // group (addressed to it, concerning another province).
      const bool national_copy = config_.is_national() && !relay;
      if (errors.empty() && !national_copy && domain::concerned_province_of(r) != target) {
        errors.push_back(domain::ValidationError{
            r.direction == "inflow" ? domain::Field::hukou_address_code
                                    : domain::Field::current_address_code,
            fmt::format("province {}",
                        domain::province_code_text(domain::concerned_province_of(r).value_or(0))),
            fmt::format("province {}", domain::province_code_text(target)),
            fmt::format("the record concerns province {}, not the message's destination {}; it "
                        "was not stored",
                        domain::province_code_text(domain::concerned_province_of(r).value_or(0)),
                        domain::province_code_text(target))});
      }
      if (!errors.empty()) {
        std::vector<domain::RecordProblem> problems;
        for (const auto& e : errors) problems.push_back(domain::problem_from(e));
        faults.push_back(ItemFault{i, r.record_id, std::move(problems), v.getVersion()});
        continue;
      }
      std::string stored_bytes = canonical_message(v);
      auto existing =
          txn->get(store::Table::records, store::keys::record_version(r.record_id, v.getVersion()));
      if (!existing) return fail("receive", existing.error());
      if (*existing) {
        // The same version from another message (a resend under a new id):
        // fine if identical, a conflict if not.
        if (**existing != stored_bytes) {
          faults.push_back(
              ItemFault{i,
                        r.record_id,
                        {domain::problem_from(domain::ValidationError{
                            domain::Field::record_id, fmt::format("version {}", v.getVersion()),
                            "a new version number for a changed record",
                            fmt::format("version {} of this record is already held with different "
                                        "content; a change must be a new version",
                                        v.getVersion())})},
                        v.getVersion()});
        }
        continue;
      }
      to_store.push_back(
          VersionToStore{r.record_id, v.getVersion(), std::move(stored_bytes), v.getPredecessor()});
    }
    // A relay forwards the author's envelope unchanged (its signature must
    // still verify at the destination), so it is all or nothing: the sound
    // versions of a message with faults go back as retry items, and the
    // author sends them again without the faulty ones.
    if (relay && !faults.empty()) {
      to_store.clear();
      std::set<std::uint32_t> faulty;
      for (const ItemFault& f : faults) faulty.insert(f.index);
      for (std::uint32_t i = 0; i < versions.size(); ++i) {
        if (!faulty.count(i)) retry_items.push_back(i);
      }
    }
    for (auto& [record_id, version, version_bytes, predecessor] : to_store) {
      auto stored = store::append_record_version(*txn, record_id, version, version_bytes);
      if (!stored) return fail("receive", stored.error());
      if (!relay) {
        // The provincial system gets versions in order: one that arrives
        // before its predecessor waits until the gap is filled.
        auto released =
            release_in_order(*txn, record_id, version, predecessor, author, message_id, done.fx);
        if (!released) return fail("receive", released.error());
      }
      ++applied;
    }
  } else if (collab_kind_of(env.getBody().which())) {
    auto applied_collab =
        apply_collab(*txn, env, relay, now_ms, faults, retry_items, applied, done.fx);
    if (!applied_collab) return fail("receive", applied_collab.error());
  } else if (!relay && env.getBody().which() == wire::Body::QUARTERLY_STATISTICS) {
    auto applied_stats = apply_statistics(*txn, env, now_ms, whole_reason);
    if (!applied_stats) return fail("receive", applied_stats.error());
  } else if (!relay && env.getBody().which() == wire::Body::FORWARDED_REPLIES) {
    auto applied_replies = apply_forwarded_replies(*txn, env, now_ms, whole_reason, done.fx);
    if (!applied_replies) return fail("receive", applied_replies.error());
  } else if (!relay && env.getBody().which() == wire::Body::EXCHANGE_EVIDENCE &&
             config_.is_national()) {
    auto applied_evidence = apply_evidence(*txn, env, now_ms, whole_reason, done.fx);
    if (!applied_evidence) return fail("receive", applied_evidence.error());
  } else if (!relay && env.getBody().which() == wire::Body::AUDIT_CHECKPOINT &&
             config_.is_national()) {
    auto applied_checkpoint = apply_checkpoint(*txn, env, now_ms, whole_reason, done.fx);
    if (!applied_checkpoint) return fail("receive", applied_checkpoint.error());
    if (!whole_reason.empty()) {
      ++counters_.checkpoints_refused;
      done.fx.log(LogLevel::error, "audit.checkpoint_refused",
                  {{"message_id", ref}, {"peer", code_text(link_peer)}, {"reason", whole_reason}});
    }
  } else if (!relay) {
    whole_reason = fmt::format("message kind {} is not handled by this node", kind);
  }
  bool rejected = !whole_reason.empty() || !faults.empty();
  if (relay && !rejected) {
    auto seq = next_outbox_seq(*txn);
    if (!seq) return fail("receive", seq.error());
    auto queued = store::outbox_append(*txn, destination, *seq, bytes);
    if (!queued) return fail("receive", queued.error());
    auto audited = audit_message(*txn, wire::AuditEvent::QUEUED, destination, env, bytes, now_ms,
                                 {}, signed_digest);
    if (!audited) return fail("receive", audited.error());
  }
  {
    std::string detail;
    if (rejected) {
      detail = !whole_reason.empty() ? whole_reason
                                     : fmt::format("{} item(s) refused, {} to send again",
                                                   faults.size(), retry_items.size());
    }
    auto audited =
        audit_message(*txn, rejected ? wire::AuditEvent::REFUSED : wire::AuditEvent::RECEIVED,
                      link_peer, env, bytes, now_ms, detail, signed_digest);
    if (!audited) return fail("receive", audited.error());
  }

  auto reply_id = next_message_id(*txn, now_ms);
  if (!reply_id) return fail("receive", reply_id.error());
  OutgoingEnvelope reply(config_.self, link_peer, *reply_id, now_ms);
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
    rej.setKind(std::string(kind));
    auto items = rej.initItems(faults.size());
    for (std::size_t k = 0; k < faults.size(); ++k) {
      items[k].setIndex(faults[k].index);
      items[k].setItemId(faults[k].item_id);
      items[k].setVersion(faults[k].version);
      auto errs = items[k].initErrors(faults[k].errors.size());
      for (std::size_t j = 0; j < faults[k].errors.size(); ++j) {
        add_field_error(errs[j], faults[k].errors[j]);
      }
    }
    auto retry = rej.initRetryItems(retry_items.size());
    for (std::size_t k = 0; k < retry_items.size(); ++k) retry.set(k, retry_items[k]);
  }
  auto sealed = seal(reply.builder());
  if (!sealed) return fail("sign reply", sealed.error());
  std::string reply_bytes = std::move(*sealed);
  auto recorded =
      store::dedup_record(*txn, author, message_id, dedup_value(signed_digest, reply_bytes));
  if (!recorded) return fail("receive", recorded.error());

  done.fx.sends.push_back(SendEnvelope{link_peer, std::move(reply_bytes)});
  ++(rejected ? counters_.messages_rejected : counters_.messages_applied);
  if (rejected) {
    done.fx.log(LogLevel::warn, "message.rejected",
                {{"message_id", ref},
                 {"peer", code_text(link_peer)},
                 {"kind", std::string(kind)},
                 {"applied", std::to_string(applied)},
                 {"items", std::to_string(faults.size())},
                 {"retry", std::to_string(retry_items.size())},
                 {"reason", whole_reason.empty() ? "item errors" : whole_reason}});
    for (const ItemFault& f : faults) {
      done.fx.log(LogLevel::warn, "record.rejected",
                  {{"message_id", ref},
                   {"record_id", f.item_id},
                   {"field", f.errors.front().field},
                   {"reason", f.errors.front().message}});
    }
  } else {
    done.fx.log(LogLevel::info, relay ? "message.relayed" : "message.applied",
                {{"message_id", ref},
                 {"peer", code_text(link_peer)},
                 {"destination", code_text(destination)},
                 {"kind", std::string(kind)},
                 {"records", std::to_string(applied)}});
  }
  if (relay && !rejected) done.pumps.insert(destination);
  return true;
}

void NodeCore::on_replies(ProvinceCode link_peer, wire::Envelope::Reader env,
                          std::string_view bytes, std::int64_t now_ms, Effects& fx) {
  auto body = env.getBody();
  if (body.which() == wire::Body::ACKNOWLEDGEMENTS) {
    for (auto ack : body.getAcknowledgements()) {
      settle(link_peer, ack.getAuthor(), ack.getMessageId(), nullptr, bytes, now_ms, fx);
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
    settle(link_peer, rej.getAuthor(), rej.getMessageId(), &rej, bytes, now_ms, fx);
  }
  pump(link_peer, now_ms, fx);
}

void NodeCore::settle(ProvinceCode link_peer, ProvinceCode author, std::uint64_t message_id,
                      const wire::Rejection::Reader* rejection, std::string_view reply_bytes,
                      std::int64_t now_ms, Effects& fx) {
  const char* outcome = rejection ? "rejected" : "acknowledged";
  Link& l = link(link_peer);
  auto it = l.in_flight.find({author, message_id});
  if (it == l.in_flight.end()) {
    // A second reply to a retry, or a reply to something already settled.
    fx.log(LogLevel::debug, "reply.unmatched",
           {{"message_id", message_ref(author, message_id)}, {"peer", code_text(link_peer)}});
    return;
  }
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "settle", txn.error(), now_ms);
  auto stored = txn->get(store::Table::outbox, store::keys::outbox(link_peer, it->second.seq));
  if (!stored) return log_store_failure(fx, "settle", stored.error(), now_ms);
  std::optional<DecodedEnvelope> sent;
  std::string sent_bytes;
  if (*stored) {
    sent_bytes = std::string(**stored);
    if (auto decoded = DecodedEnvelope::decode(sent_bytes, config_.limits))
      sent = std::move(*decoded);
  }
  std::set<ProvinceCode> queued_on;
  if (rejection && author == config_.self && sent) {
    auto env = sent->root();
    if (auto ck = collab_kind_of(env.getBody().which())) {
      auto noted =
          note_rejected_collab(*txn, link_peer, *ck, env.getBody(), *rejection, now_ms, fx);
      if (!noted) return log_store_failure(fx, "settle", noted.error(), now_ms);
    } else {
      std::optional<wire::MigrantBatch::Reader> batch;
      if (env.getBody().isMigrantBatch()) batch = env.getBody().getMigrantBatch();
      auto noted =
          note_rejected_records(*txn, link_peer, env.getDestination(), batch, *rejection, now_ms);
      if (!noted) return log_store_failure(fx, "settle", noted.error(), now_ms);
    }
  }
  if (rejection && author != config_.self && config_.is_national() && sent) {
    // The national ledger forgets items a destination refused.
    if (auto ck = collab_kind_of(sent->root().getBody().which())) {
      auto noted = note_relayed_collab_rejected(*txn, *ck, *rejection);
      if (!noted) return log_store_failure(fx, "settle", noted.error(), now_ms);
    }
  }
  if (rejection && author != config_.self && config_.is_national()) {
    // A destination refused (part of) a message this node relayed: the
    // author hears of it through a durable message carrying the
    // destination's signed rejection as it is.
    auto id = next_message_id(*txn, now_ms);
    if (!id) return log_store_failure(fx, "settle", id.error(), now_ms);
    OutgoingEnvelope forward(config_.self, author, *id, now_ms);
    forward.body().initForwardedReplies(1).set(0, as_data(reply_bytes));
    auto queued = queue_authored(*txn, next_hop(author), forward.builder(), fx);
    if (!queued) return log_store_failure(fx, "settle", queued.error(), now_ms);
    queued_on.insert(next_hop(author));
  }
  if (author == config_.self && sent && link_peer != domain::kNationalCode &&
      sent->root().getDestination() == link_peer && directory_ &&
      directory_->national_copy(config_.self, link_peer) == NationalCopy::evidence_only) {
    auto queued =
        queue_evidence(*txn, link_peer, sent->root(), sent_bytes, reply_bytes, now_ms, fx);
    if (!queued) return log_store_failure(fx, "settle", queued.error(), now_ms);
    queued_on.insert(domain::kNationalCode);
  }
  bool more_checkpoint = false;
  if (author == config_.self && sent && sent->root().getBody().isAuditCheckpoint()) {
    auto noted = note_checkpoint_settled(*txn, message_id, rejection, now_ms, more_checkpoint, fx);
    if (!noted) return log_store_failure(fx, "settle", noted.error(), now_ms);
  }
  {
    AuditFacts facts;
    if (sent) facts = message_facts(wire::AuditEvent::ACKNOWLEDGED, link_peer, sent->root(), {});
    facts.event = rejection ? wire::AuditEvent::REJECTED : wire::AuditEvent::ACKNOWLEDGED;
    facts.peer = link_peer;
    facts.author = author;
    facts.message_id = message_id;
    facts.items.clear();  // the queued entry names them
    if (rejection) {
      if (facts.kind.empty()) facts.kind = rejection->getKind().cStr();
      facts.detail = rejection->getReason().size() > 0
                         ? std::string(rejection->getReason().cStr())
                         : fmt::format("{} item(s) refused", rejection->getItems().size());
    }
    auto audited = audit(*txn, facts, now_ms);
    if (!audited) return log_store_failure(fx, "settle", audited.error(), now_ms);
  }
  auto removed = store::outbox_remove(*txn, link_peer, it->second.seq);
  if (!removed) return log_store_failure(fx, "settle", removed.error(), now_ms);
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "settle", committed.error(), now_ms);
  fx.log(LogLevel::info, std::string("message.") + outcome,
         {{"message_id", message_ref(author, message_id)},
          {"peer", code_text(link_peer)},
          {"attempts", std::to_string(it->second.attempts)}});
  if (it->second.attempts == 1) {
    // Only unambiguous samples (Karn): a reply to a resent message may
    // answer either copy.
    const std::int64_t sample = std::max<std::int64_t>(0, now_ms - it->second.sent_ms);
    l.smoothed_reply_ms = l.smoothed_reply_ms == 0
                              ? sample
                              : l.smoothed_reply_ms + (sample - l.smoothed_reply_ms) / 8;
    l.retry_floor_ms = 0;
  }
  l.in_flight.erase(it);
  for (ProvinceCode peer : queued_on) pump(peer, now_ms, fx);
  if (rejection && author == config_.self && rejection->getRetryItems().size() > 0) {
    flush_lingering(now_ms, fx);
  }
  if (more_checkpoint) send_checkpoint(now_ms, fx);
}

Result<void> NodeCore::queue_authored(store::WriteTxn& txn, ProvinceCode peer,
                                      capnp::MallocMessageBuilder& builder, Effects& fx) {
  auto env = builder.getRoot<wire::Envelope>().asReader();
  const std::string kind(body_kind_name(env.getBody().which()));
  const std::string ref = message_ref(env.getAuthor(), env.getMessageId());
  const ProvinceCode destination = env.getDestination();
  auto sealed = seal(builder);
  if (!sealed) return sealed.error();
  auto seq = next_outbox_seq(txn);
  if (!seq) return seq.error();
  auto queued = store::outbox_append(txn, peer, *seq, *sealed);
  if (!queued) return queued.error();
  auto audited =
      audit_message(txn, wire::AuditEvent::QUEUED, peer,
                    builder.getRoot<wire::Envelope>().asReader(), *sealed, env.getCreatedAtMs());
  if (!audited) return audited.error();
  fx.log(LogLevel::info, "message.queued",
         {{"message_id", ref},
          {"destination", code_text(destination)},
          {"peer", code_text(peer)},
          {"kind", kind}});
  return {};
}

Result<void> NodeCore::queue_evidence(store::WriteTxn& txn, ProvinceCode link_peer,
                                      wire::Envelope::Reader sent, std::string_view sent_bytes,
                                      std::string_view reply_bytes, std::int64_t now_ms,
                                      Effects& fx) {
  auto id = next_message_id(txn, now_ms);
  if (!id) return id.error();
  OutgoingEnvelope out(config_.self, domain::kNationalCode, *id, now_ms);
  auto ev = out.body().initExchangeEvidence(1)[0];
  ev.setAuthor(sent.getAuthor());
  ev.setMessageId(sent.getMessageId());
  ev.setDestination(link_peer);
  ev.setKind(std::string(body_kind_name(sent.getBody().which())));
  std::string digest = sha256(sent_bytes);
  ev.setEnvelopeSha256(as_data(digest));
  if (sent.getBody().isMigrantBatch()) {
    auto versions = sent.getBody().getMigrantBatch().getVersions();
    auto ids = ev.initItemIds(versions.size());
    auto numbers = ev.initVersions(versions.size());
    for (std::uint32_t i = 0; i < versions.size(); ++i) {
      ids.set(i, versions[i].getRecord().getRecordId());
      numbers.set(i, versions[i].getVersion());
    }
  }
  ev.setAcknowledgedAtMs(now_ms);
  ev.setReceipt(as_data(reply_bytes));
  return queue_authored(txn, domain::kNationalCode, out.builder(), fx);
}

Result<void> NodeCore::note_rejected_records(store::WriteTxn& txn, ProvinceCode rejecter,
                                             ProvinceCode destination,
                                             std::optional<wire::MigrantBatch::Reader> batch,
                                             const wire::Rejection::Reader& rejection,
                                             std::int64_t now_ms) {
  // The rejected versions are kept where the provincial system reads what
  // arrived (inbox, kind "rejected"), and marked so that submitting the same
  // record again queues it again instead of counting as unchanged.
  struct Noted {
    std::string record_id;
    std::uint32_t version;
  };
  std::vector<Noted> rejected;
  for (auto item : rejection.getItems()) {
    Noted n{item.getItemId().cStr(), item.getVersion()};
    if (batch && item.getIndex() < batch->getVersions().size()) {
      auto v = batch->getVersions()[item.getIndex()];
      if (n.record_id.empty()) n.record_id = v.getRecord().getRecordId().cStr();
      if (n.version == 0) n.version = v.getVersion();
    }
    if (!n.record_id.empty()) rejected.push_back(std::move(n));
  }
  if (rejection.getItems().size() == 0 && rejection.getRetryItems().size() == 0 && batch) {
    // The message as a whole was refused: every version in it.
    for (auto v : batch->getVersions()) {
      rejected.push_back(Noted{v.getRecord().getRecordId().cStr(), v.getVersion()});
    }
  }
  for (const Noted& n : rejected) {
    auto noted = inbox_append(
        txn, InboxEntry{0, "rejected", n.record_id, n.version, rejecter, rejection.getMessageId()});
    if (!noted) return noted.error();
    auto marked = store::meta_put_u64(txn, rejected_marker(n.record_id), n.version);
    if (!marked) return marked.error();
  }
  // Versions a relay withheld (resendItems) go out again as they were, to
  // the province each concerns, in a new message signed with the current
  // certificate.
  for (auto item : rejection.getResendItems()) {
    const std::string record_id = item.getItemId().cStr();
    auto stored = store::record_version_bytes(txn, record_id, item.getVersion());
    if (!stored) return stored.error();
    if (!*stored) continue;  // not a version this node holds: nothing to send
    auto version = Decoded<wire::RecordVersion>::decode(**stored, config_.limits);
    if (!version) return version.error();
    auto concerned = domain::concerned_province_of(record_from_wire(version->root().getRecord()));
    if (!concerned || version->root().getAuthorNode() != config_.self) continue;
    auto seq = next_staged_seq(txn);
    if (!seq) return seq.error();
    auto staged = store::staged_append(txn, *concerned, *seq, record_id, item.getVersion());
    if (!staged) return staged.error();
    staged_since_.emplace(*concerned, now_ms - config_.batch_linger_ms);
  }
  // Versions the rejecter did not apply although nothing was wrong with
  // them go out again in a new message.
  if (batch) {
    for (std::uint32_t index : rejection.getRetryItems()) {
      if (index >= batch->getVersions().size()) continue;
      auto v = batch->getVersions()[index];
      auto seq = next_staged_seq(txn);
      if (!seq) return seq.error();
      auto staged = store::staged_append(txn, destination, *seq, v.getRecord().getRecordId().cStr(),
                                         v.getVersion());
      if (!staged) return staged.error();
      staged_since_.emplace(destination, now_ms - config_.batch_linger_ms);
    }
  }
  return {};
}

std::int64_t NodeCore::backoff_ms(const Link& l, std::uint32_t attempts) {
  // Exponential, capped, with full jitter in [delay/2, delay] so that many
  // senders retrying after one outage do not all come back at once.
  std::int64_t delay =
      std::max({config_.retry_initial_ms, 4 * l.smoothed_reply_ms, l.retry_floor_ms});
  for (std::uint32_t i = 1; i < attempts && delay < config_.retry_max_ms; ++i) delay *= 2;
  delay = std::min(delay, config_.retry_max_ms);
  std::uniform_int_distribution<std::int64_t> jitter(delay / 2, delay);
  return jitter(rng_);
}

void NodeCore::pump(ProvinceCode peer, std::int64_t now_ms, Effects& fx) {
  Link& l = link(peer);
  if (!l.up || l.in_flight.size() >= config_.max_in_flight_per_link) return;
  std::vector<std::pair<std::uint64_t, std::string>> withheld;  // outbox seq, envelope
  bool resign = false;
  {
    auto txn = store_.begin_read();
    if (!txn) return log_store_failure(fx, "send", txn.error(), now_ms);
    std::size_t room = config_.max_in_flight_per_link - l.in_flight.size();
    auto entries = store::outbox_scan(*txn, peer, l.scan_from_seq, room, SIZE_MAX);
    if (!entries) return log_store_failure(fx, "send", entries.error(), now_ms);
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
      if (env.getAuthor() == config_.self && config_.signer &&
          as_view(env.getSignerCertificate()) != config_.signer->certificate_der()) {
        // Signed with an earlier certificate of this node (revoked, or
        // replaced): signed again below before anything more is sent.
        resign = true;
        break;
      }
      // A relayed message is checked again before it leaves: its author's
      // certificate may have been revoked while it waited here. It is not
      // passed on; the author is told what to send again once it has a new
      // certificate (withhold_relayed).
      if (env.getAuthor() != config_.self && config_.verifier) {
        if (auto verified = verify_signature(env, signing_input(env), now_ms); !verified) {
          withheld.emplace_back(e.seq, e.bytes);
          l.scan_from_seq = e.seq + 1;
          fx.log(LogLevel::error, "message.withheld",
                 {{"message_id", message_ref(env.getAuthor(), env.getMessageId())},
                  {"peer", code_text(peer)},
                  {"reason", verified.error().message}});
          continue;
        }
      }
      InFlight f{e.seq, now_ms + backoff_ms(l, 1), 1, now_ms};
      l.in_flight[{env.getAuthor(), env.getMessageId()}] = f;
      l.scan_from_seq = e.seq + 1;
      fx.sends.push_back(SendEnvelope{peer, e.bytes});
      fx.log(LogLevel::debug, "message.sent",
             {{"message_id", message_ref(env.getAuthor(), env.getMessageId())},
              {"peer", code_text(peer)},
              {"retry_in_ms", std::to_string(f.next_retry_ms - now_ms)}});
      fx.wake_at(f.next_retry_ms);
    }
  }
  if (resign) {
    if (auto done = resign_outbox(peer, now_ms); !done)
      return log_store_failure(fx, "re-sign", done.error(), now_ms);
    fx.log(LogLevel::info, "outbox.resigned",
           {{"peer", code_text(peer)},
            {"reason", "signed with an earlier certificate of this node; signed again"}});
    return pump(peer, now_ms, fx);
  }
  if (withheld.empty()) return;
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "withhold", txn.error(), now_ms);
  for (const auto& [seq, bytes] : withheld) {
    auto removed = store::outbox_remove(*txn, peer, seq);
    if (!removed) return log_store_failure(fx, "withhold", removed.error(), now_ms);
    auto told = withhold_relayed(*txn, peer, bytes, now_ms, fx);
    if (!told) return log_store_failure(fx, "withhold", told.error(), now_ms);
  }
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "withhold", committed.error(), now_ms);
  pump(peer, now_ms, fx);  // the room they left
}

std::optional<std::string> NodeCore::resealed(std::string_view bytes) {
  if (!config_.signer) return std::nullopt;
  auto decoded = DecodedEnvelope::decode(bytes, config_.limits);
  if (!decoded) return std::nullopt;
  auto env = decoded->root();
  if (env.getAuthor() != config_.self ||
      as_view(env.getSignerCertificate()) == config_.signer->certificate_der())
    return std::nullopt;
  capnp::MallocMessageBuilder builder;
  builder.setRoot(env);
  auto sealed = seal(builder);
  if (!sealed) return std::nullopt;
  return std::move(*sealed);
}

Result<void> NodeCore::resign_outbox(ProvinceCode peer, std::int64_t now_ms) {
  auto txn = store_.begin_write();
  if (!txn) return txn.error();
  auto entries = store::outbox_scan(*txn, peer, 0, SIZE_MAX, SIZE_MAX);
  if (!entries) return entries.error();
  for (const store::OutboxEntry& e : *entries) {
    auto again = resealed(e.bytes);
    if (!again) continue;
    auto put = txn->put(store::Table::outbox, store::keys::outbox(peer, e.seq), *again);
    if (!put) return put.error();
    // The same content: its audit digest does not change; the entry says
    // it was signed again.
    auto decoded = DecodedEnvelope::decode(*again, config_.limits);
    if (!decoded) return decoded.error();
    auto audited = audit_message(*txn, wire::AuditEvent::QUEUED, peer, decoded->root(), *again,
                                 now_ms, "signed again with the node's current certificate");
    if (!audited) return audited.error();
  }
  return txn->commit();
}

Result<void> NodeCore::withhold_relayed(store::WriteTxn& txn, ProvinceCode peer,
                                        std::string_view bytes, std::int64_t now_ms, Effects& fx) {
  auto decoded = DecodedEnvelope::decode(bytes, config_.limits);
  if (!decoded) return Error{Errc::corrupt, "a withheld message does not decode"};
  auto env = decoded->root();
  const ProvinceCode author = env.getAuthor();
  // This node logged queueing it for `peer`; it will never be sent.
  auto withdrawn = audit_message(txn, wire::AuditEvent::WITHDRAWN, peer, env, {}, now_ms,
                                 "withheld: its author's certificate was revoked");
  if (!withdrawn) return withdrawn.error();
  // The author hears, through a durable message, what it must send again:
  // a rejection signed by this node, forwarded as a destination's would be.
  // Record versions go out again as they were (resendItems), so receivers
  // holding a later version get the one it follows; collaboration items
  // come back as refused, for the provincial system to send again.
  static constexpr std::string_view kReason =
      "withheld by the national node: the author's certificate was revoked after this node "
      "accepted the message; send it again signed with the current certificate";
  auto inner_id = next_message_id(txn, now_ms);
  if (!inner_id) return inner_id.error();
  OutgoingEnvelope inner(config_.self, author, *inner_id, now_ms);
  auto rej = inner.body().initRejection();
  rej.setAuthor(author);
  rej.setMessageId(env.getMessageId());
  rej.setReason(std::string(kReason));
  rej.setKind(std::string(body_kind_name(env.getBody().which())));
  if (env.getBody().isMigrantBatch()) {
    auto versions = env.getBody().getMigrantBatch().getVersions();
    auto resend = rej.initResendItems(versions.size());
    for (std::uint32_t i = 0; i < versions.size(); ++i) {
      resend[i].setIndex(i);
      resend[i].setItemId(versions[i].getRecord().getRecordId());
      resend[i].setVersion(versions[i].getVersion());
    }
  } else if (collab_kind_of(env.getBody().which())) {
    std::vector<domain::CollabItem> sent =
        collab_items_from_body(env.getBody(), author, env.getDestination());
    auto items = rej.initItems(sent.size());
    for (std::uint32_t i = 0; i < sent.size(); ++i) {
      items[i].setIndex(i);
      items[i].setItemId(sent[i].id);
      auto errors = items[i].initErrors(1);
      errors[0].setField("signature");
      errors[0].setExpected("a signature by a certificate that is not revoked");
      errors[0].setMessage(std::string(kReason));
    }
  }
  auto inner_bytes = seal(inner.builder());
  if (!inner_bytes) return inner_bytes.error();
  auto outer_id = next_message_id(txn, now_ms);
  if (!outer_id) return outer_id.error();
  OutgoingEnvelope forward(config_.self, author, *outer_id, now_ms);
  forward.body().initForwardedReplies(1).set(0, as_data(*inner_bytes));
  return queue_authored(txn, next_hop(author), forward.builder(), fx);
}

void NodeCore::pump_all(std::int64_t now_ms, Effects& fx) {
  // Every link with something in the outbox, including ones not seen since
  // start: the outbox is keyed by link first.
  std::vector<std::uint8_t> peers;
  {
    auto txn = store_.begin_read();
    if (!txn) return log_store_failure(fx, "send", txn.error(), now_ms);
    auto found = store::leading_key_bytes(*txn, store::Table::outbox);
    if (!found) return log_store_failure(fx, "send", found.error(), now_ms);
    peers = std::move(*found);
  }
  for (ProvinceCode p : peers) pump(p, now_ms, fx);
}

Effects NodeCore::on_tick(std::int64_t now_ms) {
  Effects fx;
  update_fallback(now_ms, fx);
  reroute(now_ms, fx);
  flush_lingering(now_ms, fx);
  if (!config_.is_national() && now_ms >= next_directory_request_ms_) request_directory(now_ms, fx);
  check_directory_age(now_ms, fx);
  check_overdue(now_ms, fx);
  if (!config_.is_national() && config_.checkpoint_interval_ms > 0) {
    if (next_checkpoint_ms_ == 0) next_checkpoint_ms_ = now_ms + config_.checkpoint_interval_ms;
    if (now_ms >= next_checkpoint_ms_) {
      next_checkpoint_ms_ = now_ms + config_.checkpoint_interval_ms;
      send_checkpoint(now_ms, fx);
    }
    fx.wake_at(next_checkpoint_ms_);
  }
  check_reconciliation(now_ms, fx);
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
      log_store_failure(fx, "retry", txn.error(), now_ms);
      continue;
    }
    for (auto& [ref, f] : due) {
      auto bytes = txn->get(store::Table::outbox, store::keys::outbox(peer, f->seq));
      if (!bytes || !*bytes) continue;  // settled meanwhile
      ++f->attempts;
      f->next_retry_ms = now_ms + backoff_ms(l, f->attempts);
      // Twice the jittered wait: the next message's shortest wait (half its
      // delay) is at least this one's.
      l.retry_floor_ms = std::max(l.retry_floor_ms, 2 * (f->next_retry_ms - now_ms));
      fx.sends.push_back(SendEnvelope{peer, std::string(**bytes)});
      fx.log(LogLevel::info, "message.retry",
             {{"message_id", message_ref(ref.first, ref.second)},
              {"peer", code_text(peer)},
              {"attempt", std::to_string(f->attempts)},
              {"sent_ms_ago", std::to_string(now_ms - f->sent_ms)},
              {"reply_ms", std::to_string(l.smoothed_reply_ms)},
              {"next_in_ms", std::to_string(f->next_retry_ms - now_ms)}});
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
  down_since_.erase(peer);
  if (fallen_back_.erase(peer)) {
    fx.log(LogLevel::info, "route.direct",
           {{"peer", code_text(peer)}, {"reason", "the direct link is back"}});
  }
  // A province asks for the directory whenever it (re)connects to the
  // national node: it may have missed a revocation while away.
  if (peer == domain::kNationalCode && !config_.is_national()) next_directory_request_ms_ = now_ms;
  fx.append(on_tick(now_ms));
  return fx;
}

Effects NodeCore::on_link_down(ProvinceCode peer, std::int64_t now_ms) {
  Effects fx;
  link(peer).up = false;
  fx.log(LogLevel::info, "link.down", {{"peer", code_text(peer)}});
  if (direct_.count(peer)) {
    down_since_.emplace(peer, now_ms);
    fx.wake_at(now_ms + config_.direct_fallback_ms);
  }
  return fx;
}

Result<std::uint64_t> NodeCore::outbox_depth(ProvinceCode peer) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return store::outbox_depth(*txn, peer);
}

Result<std::uint64_t> NodeCore::staged_count(ProvinceCode destination) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  auto staged = store::staged_scan(*txn, destination, SIZE_MAX);
  if (!staged) return staged.error();
  return staged->size();
}

Result<NodeCore::Pending> NodeCore::pending() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  auto outbox = txn->count(store::Table::outbox);
  if (!outbox) return outbox.error();
  auto staged = txn->count(store::Table::staged);
  if (!staged) return staged.error();
  return Pending{*outbox, *staged};
}

Result<std::uint64_t> NodeCore::record_version_count() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return txn->count(store::Table::records);
}

Result<std::uint64_t> NodeCore::evidence_count() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return txn->count(store::Table::evidence);
}

Result<std::uint64_t> NodeCore::inbox_count() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return txn->count(store::Table::inbox);
}

Result<std::vector<InboxEntry>> NodeCore::inbox(std::uint64_t after_seq, std::size_t limit) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  std::vector<InboxEntry> out;
  if (limit == 0) return out;
  std::string from;
  store::keys::append_u64(from, after_seq + 1);
  auto scanned =
      txn->scan_from(store::Table::inbox, "", from, [&](std::string_view k, std::string_view v) {
        out.push_back(inbox_decode(k, v));
        return out.size() < limit;
      });
  if (!scanned) return scanned.error();
  return out;
}

// --- directory ---------------------------------------------------------------

Effects NodeCore::start(std::int64_t now_ms) {
  Effects fx;
  for (ProvinceCode p : direct_) {
    if (!link(p).up) down_since_.emplace(p, now_ms);
  }
  std::optional<std::string> stored;
  {
    auto txn = store_.begin_read();
    if (!txn) {
      log_store_failure(fx, "load directory", txn.error(), now_ms);
      return fx;
    }
    auto got = txn->get(store::Table::meta, kDirectoryMetaKey);
    if (!got) {
      log_store_failure(fx, "load directory", got.error(), now_ms);
      return fx;
    }
    if (*got) stored = std::string(**got);
  }
  if (!stored) {
    fx.log(
        config_.is_national() ? LogLevel::info : LogLevel::warn, "directory.none",
        {{"reason", config_.is_national() ? "no directory published yet"
                                          : "no directory yet; asking the national node for one"}});
    return fx;
  }
  auto verified = verify_directory(*stored, *config_.verifier, now_ms, config_.limits,
                                   ExpiryCheck::allow_expired);
  if (!verified) {
    fx.log(LogLevel::error, "directory.stored_invalid",
           {{"reason",
             verified.error().message + "; waiting for a fresh one from the national node"}});
    return fx;
  }
  apply_directory(std::move(*verified), now_ms, fx);
  return fx;
}

Result<Effects> NodeCore::publish_directory(DirectoryContent content, std::int64_t validity_ms,
                                            std::int64_t now_ms) {
  assert(config_.is_national());
  auto normalized = normalize_directory(std::move(content));
  if (!normalized) return normalized.error();
  Effects fx;
  if (directory_ && directory_->content == *normalized &&
      now_ms <
          directory_->issued_at_ms + (directory_->valid_until_ms - directory_->issued_at_ms) / 2) {
    return fx;  // unchanged and fresh enough
  }
  Directory d;
  // Versions are at least the publication time in ms: they keep increasing
  // even if the national node's store is restored from an old backup.
  d.version =
      std::max<std::uint64_t>(directory_ ? directory_->version + 1 : 1,
                              static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms, 0)));
  d.issued_at_ms = now_ms;
  d.valid_from_ms = now_ms - kDirectoryClockSkewMs;
  d.valid_until_ms = now_ms + validity_ms;
  d.content = std::move(*normalized);
  auto signed_bytes = sign_directory(d, *config_.signer);
  if (!signed_bytes) return signed_bytes.error();
  // The national node checks its own directory as every node will.
  auto verified = verify_directory(*signed_bytes, *config_.verifier, now_ms, config_.limits);
  if (!verified) {
    return Error{Errc::security, "the national node cannot verify the directory it signed: " +
                                     verified.error().message};
  }
  auto txn = store_.begin_write();
  if (!txn) return txn.error();
  auto put = txn->put(store::Table::meta, kDirectoryMetaKey, *signed_bytes);
  if (!put) return put.error();
  auto committed = txn->commit();
  if (!committed) return committed.error();
  fx.log(LogLevel::info, "directory.published",
         {{"version", std::to_string(d.version)},
          {"nodes", std::to_string(d.content.nodes.size())},
          {"groups", std::to_string(d.content.groups.size())},
          {"revocations", std::to_string(d.content.revocations.size())},
          {"valid_until_ms", std::to_string(d.valid_until_ms)}});
  apply_directory(std::move(*verified), now_ms, fx);
  for (auto& [peer, l] : links_) {
    if (!l.up) continue;
    auto envelope = directory_envelope(peer, now_ms);
    if (!envelope) {
      log_store_failure(fx, "send directory", envelope.error(), now_ms);
      break;
    }
    fx.sends.push_back(SendEnvelope{peer, std::move(*envelope)});
  }
  return fx;
}

void NodeCore::apply_directory(VerifiedDirectory verified, std::int64_t now_ms, Effects& fx) {
  directory_ = std::move(verified.directory);
  directory_bytes_ = std::move(verified.signed_bytes);
  config_.verifier->set_revoked_serials(directory_->revoked_serials());
  if (!config_.is_national()) {
    std::set<ProvinceCode> direct = config_.direct_peers;
    for (ProvinceCode p : directory_->group_peers(config_.self)) direct.insert(p);
    for (ProvinceCode p : direct) {
      if (!direct_.count(p) && !link(p).up) down_since_.emplace(p, now_ms);
    }
    for (ProvinceCode p : direct_) {
      if (!direct.count(p)) {
        down_since_.erase(p);
        fallen_back_.erase(p);
      }
    }
    direct_ = std::move(direct);
  }
  fx.directory_changed = true;
  std::string direct_text;
  for (ProvinceCode p : direct_) {
    if (!direct_text.empty()) direct_text += " ";
    direct_text += code_text(p);
  }
  fx.log(LogLevel::info, "directory.applied",
         {{"version", std::to_string(directory_->version)},
          {"nodes", std::to_string(directory_->content.nodes.size())},
          {"revocations", std::to_string(directory_->content.revocations.size())},
          {"valid_until_ms", std::to_string(directory_->valid_until_ms)},
          {"direct_peers", direct_text}});
  next_directory_warning_ms_ = 0;
  check_directory_age(now_ms, fx);
  fx.wake_at(now_ms + config_.direct_fallback_ms);
}

void NodeCore::check_directory_age(std::int64_t now_ms, Effects& fx) {
  if (!directory_ || now_ms < next_directory_warning_ms_) return;
  const Directory& d = *directory_;
  const std::int64_t left = d.valid_until_ms - now_ms;
  if (left <= 0) {
    fx.log(LogLevel::error, "directory.expired",
           {{"version", std::to_string(d.version)},
            {"expired_ms_ago", std::to_string(-left)},
            {"reason",
             "the national node has not sent a newer directory; working on the last "
             "good one"}});
  } else if (left < (d.valid_until_ms - d.issued_at_ms) / 4) {
    fx.log(LogLevel::warn, "directory.ageing",
           {{"version", std::to_string(d.version)}, {"expires_in_ms", std::to_string(left)}});
  }
  next_directory_warning_ms_ = now_ms + config_.directory_refresh_ms;
}

Result<std::string> NodeCore::directory_envelope(ProvinceCode peer, std::int64_t now_ms) {
  auto decoded = Decoded<wire::SignedDirectory>::decode(directory_bytes_, config_.limits);
  if (!decoded) return decoded.error();
  auto txn = store_.begin_write();
  if (!txn) return txn.error();
  auto id = next_message_id(*txn, now_ms);
  if (!id) return id.error();
  auto committed = txn->commit();
  if (!committed) return committed.error();
  OutgoingEnvelope env(config_.self, peer, *id, now_ms);
  env.body().setSignedDirectory(decoded->root());
  return seal(env.builder());
}

void NodeCore::request_directory(std::int64_t now_ms, Effects& fx) {
  next_directory_request_ms_ = now_ms + config_.directory_refresh_ms;
  fx.wake_at(next_directory_request_ms_);
  if (!link(domain::kNationalCode).up) return;
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "request directory", txn.error(), now_ms);
  auto id = next_message_id(*txn, now_ms);
  if (!id) return log_store_failure(fx, "request directory", id.error(), now_ms);
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "request directory", committed.error(), now_ms);
  OutgoingEnvelope env(config_.self, domain::kNationalCode, *id, now_ms);
  env.body().initDirectoryRequest().setHaveVersion(directory_ ? directory_->version : 0);
  auto sealed = seal(env.builder());
  if (!sealed) return log_store_failure(fx, "request directory", sealed.error(), now_ms);
  fx.sends.push_back(SendEnvelope{domain::kNationalCode, std::move(*sealed)});
  fx.log(LogLevel::debug, "directory.requested",
         {{"have_version", std::to_string(directory_ ? directory_->version : 0)}});
}

void NodeCore::on_directory_request(ProvinceCode link_peer, std::int64_t now_ms, Effects& fx) {
  if (!config_.is_national()) {
    fx.log(LogLevel::warn, "directory.request_ignored",
           {{"peer", code_text(link_peer)},
            {"reason", "only the national node serves the directory"}});
    return;
  }
  if (!directory_) {
    fx.log(LogLevel::warn, "directory.unavailable",
           {{"peer", code_text(link_peer)}, {"reason", "no directory published yet"}});
    return;
  }
  auto envelope = directory_envelope(link_peer, now_ms);
  if (!envelope) return log_store_failure(fx, "send directory", envelope.error(), now_ms);
  fx.sends.push_back(SendEnvelope{link_peer, std::move(*envelope)});
}

void NodeCore::on_directory(wire::Envelope::Reader env, std::int64_t now_ms, Effects& fx) {
  const std::string bytes = canonical_message(env.getBody().getSignedDirectory());
  auto verified = verify_directory(bytes, *config_.verifier, now_ms, config_.limits);
  if (!verified) {
    fx.log(LogLevel::error, "directory.refused",
           {{"message_id", message_ref(env.getAuthor(), env.getMessageId())},
            {"reason", verified.error().message}});
    return;
  }
  const std::uint64_t version = verified->directory.version;
  if (directory_ && version <= directory_->version) {
    if (version < directory_->version) {
      fx.log(
          LogLevel::warn, "directory.refused",
          {{"message_id", message_ref(env.getAuthor(), env.getMessageId())},
           {"version", std::to_string(version)},
           {"reason", fmt::format("stale: older than the version {} held", directory_->version)}});
    }
    return;
  }
  if (config_.is_national()) {
    fx.log(LogLevel::warn, "directory.refused",
           {{"version", std::to_string(version)},
            {"reason", "the national node publishes the directory; it does not take one"}});
    return;
  }
  auto txn = store_.begin_write();
  if (!txn) return log_store_failure(fx, "keep directory", txn.error(), now_ms);
  auto put = txn->put(store::Table::meta, kDirectoryMetaKey, bytes);
  if (!put) return log_store_failure(fx, "keep directory", put.error(), now_ms);
  auto committed = txn->commit();
  if (!committed) return log_store_failure(fx, "keep directory", committed.error(), now_ms);
  apply_directory(std::move(*verified), now_ms, fx);
  // New direct peers may change where staged versions go.
  pump_all(now_ms, fx);
}

// --- direct peering and fallback ---------------------------------------------

void NodeCore::update_fallback(std::int64_t now_ms, Effects& fx) {
  for (ProvinceCode p : direct_) {
    if (link(p).up || fallen_back_.count(p)) continue;
    const std::int64_t since = down_since_.emplace(p, now_ms).first->second;
    if (now_ms - since >= config_.direct_fallback_ms) {
      fallen_back_.insert(p);
      fx.log(LogLevel::warn, "route.fallback",
             {{"peer", code_text(p)},
              {"via", code_text(domain::kNationalCode)},
              {"down_for_ms", std::to_string(now_ms - since)}});
    } else {
      fx.wake_at(since + config_.direct_fallback_ms);
    }
  }
}

void NodeCore::reroute(std::int64_t now_ms, Effects& fx) {
  if (config_.is_national()) return;
  std::vector<std::uint8_t> links;
  {
    auto txn = store_.begin_read();
    if (!txn) return log_store_failure(fx, "reroute", txn.error(), now_ms);
    auto found = store::leading_key_bytes(*txn, store::Table::outbox);
    if (!found) return log_store_failure(fx, "reroute", found.error(), now_ms);
    links = std::move(*found);
  }
  for (ProvinceCode from : links) {
    if (from == domain::kNationalCode || next_hop(from) != domain::kNationalCode) continue;
    auto txn = store_.begin_write();
    if (!txn) return log_store_failure(fx, "reroute", txn.error(), now_ms);
    auto entries = store::outbox_scan(*txn, from, 0, kRerouteChunk, SIZE_MAX);
    if (!entries) return log_store_failure(fx, "reroute", entries.error(), now_ms);
    for (const store::OutboxEntry& e : *entries) {
      auto seq = next_outbox_seq(*txn);
      if (!seq) return log_store_failure(fx, "reroute", seq.error(), now_ms);
      auto queued = store::outbox_append(*txn, domain::kNationalCode, *seq, e.bytes);
      if (!queued) return log_store_failure(fx, "reroute", queued.error(), now_ms);
      if (auto moved = DecodedEnvelope::decode(e.bytes, config_.limits)) {
        auto withdrawn =
            audit_message(*txn, wire::AuditEvent::WITHDRAWN, from, moved->root(), {}, now_ms,
                          "the direct link is down; sent through the national node");
        if (!withdrawn) return log_store_failure(fx, "reroute", withdrawn.error(), now_ms);
        auto requeued = audit_message(*txn, wire::AuditEvent::QUEUED, domain::kNationalCode,
                                      moved->root(), e.bytes, now_ms);
        if (!requeued) return log_store_failure(fx, "reroute", requeued.error(), now_ms);
      }
      auto removed = store::outbox_remove(*txn, from, e.seq);
      if (!removed) return log_store_failure(fx, "reroute", removed.error(), now_ms);
    }
    auto committed = txn->commit();
    if (!committed) return log_store_failure(fx, "reroute", committed.error(), now_ms);
    Link& l = link(from);
    l.in_flight.clear();
    l.scan_from_seq = 0;
    fx.log(LogLevel::warn, "route.rerouted",
           {{"peer", code_text(from)},
            {"via", code_text(domain::kNationalCode)},
            {"messages", std::to_string(entries->size())}});
    if (entries->size() == kRerouteChunk) fx.wake_at(now_ms);  // more next tick
  }
}

// --- replies forwarded by the national node, evidence for it ----------------

Result<void> NodeCore::apply_forwarded_replies(store::WriteTxn& txn, wire::Envelope::Reader env,
                                               std::int64_t now_ms, std::string& whole_reason,
                                               Effects& fx) {
  if (env.getAuthor() != domain::kNationalCode) {
    whole_reason = "only the national node forwards replies";
    return {};
  }
  auto replies = env.getBody().getForwardedReplies();
  for (std::uint32_t i = 0; i < replies.size(); ++i) {
    std::string_view bytes = as_view(replies[i]);
    auto decoded = DecodedEnvelope::decode(bytes, config_.limits);
    if (!decoded) {
      whole_reason = fmt::format("forwarded reply {}: {}", i, decoded.error().message);
      return {};
    }
    auto inner = decoded->root();
    if (auto verified = verify_carried_reply(inner, env, now_ms, fx); !verified) {
      whole_reason = fmt::format("forwarded reply {}: {}", i, verified.error().message);
      return {};
    }
    if (!inner.getBody().isRejection() ||
        inner.getBody().getRejection().getAuthor() != config_.self) {
      whole_reason =
          fmt::format("forwarded reply {}: not a rejection of a message by this node", i);
      return {};
    }
  }
  for (auto data : replies) {
    auto decoded = DecodedEnvelope::decode(as_view(data), config_.limits);
    auto inner = decoded->root();
    auto rejection = inner.getBody().getRejection();
    std::optional<domain::CollabKind> ck;
    for (int k = 0; k < domain::kCollabKindCount; ++k) {
      auto kind = static_cast<domain::CollabKind>(k);
      if (body_kind_name(collab_body_which(kind)) == rejection.getKind().cStr()) ck = kind;
    }
    if (ck) {
      auto noted =
          note_rejected_collab(txn, inner.getAuthor(), *ck, std::nullopt, rejection, now_ms, fx);
      if (!noted) return noted.error();
      continue;
    }
    auto noted = note_rejected_records(txn, inner.getAuthor(), inner.getAuthor(), std::nullopt,
                                       rejection, now_ms);
    if (!noted) return noted.error();
  }
  return {};
}

Result<void> NodeCore::apply_evidence(store::WriteTxn& txn, wire::Envelope::Reader env,
                                      std::int64_t now_ms, std::string& whole_reason, Effects& fx) {
  auto list = env.getBody().getExchangeEvidence();
  for (std::uint32_t i = 0; i < list.size(); ++i) {
    auto ev = list[i];
    if (ev.getAuthor() != env.getAuthor()) {
      whole_reason = fmt::format(
          "evidence {}: about a message of node {}; a node reports only "
          "its own exchanges",
          i, domain::province_code_text(ev.getAuthor()));
      return {};
    }
    // The receipt is the destination's signed reply: the author cannot
    // invent an exchange the destination did not answer.
    auto receipt = DecodedEnvelope::decode(as_view(ev.getReceipt()), config_.limits);
    if (!receipt) {
      whole_reason = fmt::format("evidence {}: receipt: {}", i, receipt.error().message);
      return {};
    }
    auto r = receipt->root();
    if (auto verified = verify_carried_reply(r, env, now_ms, fx); !verified) {
      whole_reason = fmt::format("evidence {}: receipt: {}", i, verified.error().message);
      return {};
    }
    bool matches = false;
    if (r.getAuthor() == ev.getDestination() && r.getBody().isAcknowledgements()) {
      for (auto ack : r.getBody().getAcknowledgements()) {
        matches = matches ||
                  (ack.getAuthor() == ev.getAuthor() && ack.getMessageId() == ev.getMessageId());
      }
    } else if (r.getAuthor() == ev.getDestination() && r.getBody().isRejection()) {
      auto rej = r.getBody().getRejection();
      matches = rej.getAuthor() == ev.getAuthor() && rej.getMessageId() == ev.getMessageId();
    }
    if (!matches) {
      whole_reason = fmt::format("evidence {}: the receipt is not node {}'s reply to message {}", i,
                                 domain::province_code_text(ev.getDestination()),
                                 message_ref(ev.getAuthor(), ev.getMessageId()));
      return {};
    }
  }
  for (auto ev : list) {
    auto appended = store::evidence_append(txn, canonical_message(ev));
    if (!appended) return appended.error();
  }
  return {};
}

}  // namespace provnet::core
