#include "core/audit_chain.hpp"

#include <capnp/message.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/collab_codec.hpp"
#include "core/digest.hpp"
#include "store/audit_tables.hpp"
#include "store/keys.hpp"
#include "store/tables.hpp"

namespace provnet::core {

namespace {

// meta: the head (count u64 BE, then the last entry's hash) and the chain's
// hash algorithm (u64), fixed by its first entry.
constexpr std::string_view kHeadKey = "audit_head";
constexpr std::string_view kAlgorithmKey = "audit_algorithm";

std::string as_string(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

capnp::Data::Reader as_data(std::string_view bytes) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size());
}

}  // namespace

std::string_view hash_algorithm_name(HashAlgorithm a) {
  return a == HashAlgorithm::sm3 ? "sm3" : "sha256";
}

std::optional<HashAlgorithm> parse_hash_algorithm(std::string_view text) {
  if (text == "sha256") return HashAlgorithm::sha256;
  if (text == "sm3") return HashAlgorithm::sm3;
  return std::nullopt;
}

bool hash_algorithm_available(HashAlgorithm a) {
  if (a == HashAlgorithm::sha256) return true;
  EVP_MD* md = EVP_MD_fetch(nullptr, "SM3", nullptr);
  if (md == nullptr) return false;
  EVP_MD_free(md);
  return true;
}

std::string chain_hash(HashAlgorithm a, std::string_view bytes) {
  if (a == HashAlgorithm::sha256) return sha256(bytes);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD* md = EVP_MD_fetch(nullptr, "SM3", nullptr);
  // A node only starts an SM3 chain where SM3 is available (see
  // hash_algorithm_available), so a missing SM3 here is a store moved to a
  // machine without it: no hash matches, and verification says so.
  if (md == nullptr) return std::string(kChainHashBytes, '\0');
  const int ok = EVP_Digest(bytes.data(), bytes.size(), out, &size, md, nullptr);
  EVP_MD_free(md);
  if (ok != 1) return std::string(kChainHashBytes, '\0');
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string_view audit_event_name(wire::AuditEvent e) {
  switch (e) {
    case wire::AuditEvent::QUEUED:
      return "queued";
    case wire::AuditEvent::RECEIVED:
      return "received";
    case wire::AuditEvent::REFUSED:
      return "refused";
    case wire::AuditEvent::ACKNOWLEDGED:
      return "acknowledged";
    case wire::AuditEvent::REJECTED:
      return "rejected";
    case wire::AuditEvent::WITHDRAWN:
      return "withdrawn";
    case wire::AuditEvent::CHANGED:
      return "changed";
  }
  return "unknown";
}

Result<ChainHead> chain_head(const store::ReadTxn& txn, HashAlgorithm preferred) {
  ChainHead head;
  head.algorithm = preferred;
  auto algorithm = store::meta_get_u64(txn, kAlgorithmKey);
  if (!algorithm) return algorithm.error();
  if (*algorithm) {
    if (**algorithm > 1) {
      return Error{Errc::corrupt, fmt::format("the store's audit chain names hash algorithm {}, "
                                              "which this provnet does not know",
                                              **algorithm)};
    }
    head.algorithm = static_cast<HashAlgorithm>(**algorithm);
  }
  auto stored = txn.get(store::Table::meta, kHeadKey);
  if (!stored) return stored.error();
  if (*stored) {
    std::string_view v = **stored;
    if (v.size() != 8 + kChainHashBytes) {
      return Error{Errc::corrupt, fmt::format("the store's audit chain head is {} bytes, not {}; "
                                              "restore the store from a backup",
                                              v.size(), 8 + kChainHashBytes)};
    }
    head.count = store::keys::read_u64(v);
    head.hash = std::string(v.substr(8));
  }
  return head;
}

AuditFacts message_facts(wire::AuditEvent event, domain::ProvinceCode peer,
                         wire::Envelope::Reader env, std::string_view envelope_bytes,
                         std::string_view signed_digest) {
  AuditFacts f;
  f.event = event;
  f.peer = peer;
  f.author = env.getAuthor();
  f.message_id = env.getMessageId();
  f.destination = env.getDestination();
  f.kind = std::string(body_kind_name(env.getBody().which()));
  // The digest of the signed content: both ends of an exchange log the
  // same one, also when the author signed the message again with a new
  // certificate while it waited.
  if (!envelope_bytes.empty()) {
    f.envelope_hash =
        signed_digest.empty() ? sha256(signing_input(env)) : std::string(signed_digest);
  }
  if (env.getBody().isMigrantBatch()) {
    for (auto v : env.getBody().getMigrantBatch().getVersions()) {
      f.items.emplace_back(v.getRecord().getRecordId().cStr(), v.getVersion());
    }
  } else if (collab_kind_of(env.getBody().which())) {
    for (const domain::CollabItem& item :
         collab_items_from_body(env.getBody(), env.getAuthor(), env.getDestination())) {
      f.items.emplace_back(item.id, 0);
    }
  }
  return f;
}

Result<std::uint64_t> append_audit(store::WriteTxn& txn, domain::ProvinceCode self,
                                   HashAlgorithm preferred, const AuditFacts& facts,
                                   std::int64_t now_ms) {
  auto head = chain_head(txn, preferred);
  if (!head) return head.error();
  if (head->count == 0) {
    auto put = store::meta_put_u64(txn, kAlgorithmKey, static_cast<std::uint64_t>(head->algorithm));
    if (!put) return put.error();
  }
  const std::uint64_t seq = head->count + 1;
  capnp::MallocMessageBuilder builder;
  auto e = builder.initRoot<wire::AuditEntry>();
  e.setSeq(seq);
  e.setPrevHash(as_data(head->hash));
  e.setAtMs(now_ms);
  e.setEvent(facts.event);
  e.setNode(self);
  e.setPeer(facts.peer);
  e.setAuthor(facts.author);
  e.setMessageId(facts.message_id);
  e.setDestination(facts.destination);
  e.setKind(facts.kind);
  if (!facts.envelope_hash.empty()) e.setEnvelopeHash(as_data(facts.envelope_hash));
  auto items = e.initItems(facts.items.size());
  for (std::size_t i = 0; i < facts.items.size(); ++i) {
    items[i].setId(facts.items[i].first);
    items[i].setVersion(facts.items[i].second);
  }
  e.setDetail(facts.detail);
  e.setOperatorId(facts.operator_id);
  const std::string bytes = canonical_message(e.asReader());
  auto put = store::audit_put(txn, seq, bytes);
  if (!put) return put.error();
  std::string new_head;
  store::keys::append_u64(new_head, seq);
  new_head.append(chain_hash(head->algorithm, bytes));
  auto head_put = txn.put(store::Table::meta, kHeadKey, new_head);
  if (!head_put) return head_put.error();

  if (facts.event != wire::AuditEvent::CHANGED) {
    auto counts = store::audit_counts_get(txn, facts.peer, facts.kind);
    if (!counts) return counts.error();
    switch (facts.event) {
      case wire::AuditEvent::QUEUED:
        ++counts->sent;
        break;
      case wire::AuditEvent::RECEIVED:
        ++counts->received;
        break;
      case wire::AuditEvent::REFUSED:
        ++counts->received;
        ++counts->rejected;
        break;
      case wire::AuditEvent::ACKNOWLEDGED:
        ++counts->acknowledged;
        break;
      case wire::AuditEvent::REJECTED:
        ++counts->rejected;
        break;
      default:
        break;
    }
    auto counted = store::audit_counts_put(txn, facts.peer, facts.kind, *counts);
    if (!counted) return counted.error();
  }
  auto indexed = index_audit_entry(txn, self, e.asReader());
  if (!indexed) return indexed.error();
  return seq;
}

std::string message_index_key(domain::ProvinceCode author, std::uint64_t message_id) {
  return fmt::format("@{}:{}", domain::province_code_text(author), message_id);
}

Result<void> index_audit_entry(store::WriteTxn& txn, domain::ProvinceCode node,
                               wire::AuditEntry::Reader e) {
  for (auto item : e.getItems()) {
    auto indexed = store::audit_item_put(txn, item.getId().cStr(), node, e.getSeq());
    if (!indexed) return indexed.error();
  }
  if (e.getEvent() != wire::AuditEvent::CHANGED) {
    auto indexed = store::audit_item_put(txn, message_index_key(e.getAuthor(), e.getMessageId()),
                                         node, e.getSeq());
    if (!indexed) return indexed.error();
  }
  return {};
}

ChainVerifier::ChainVerifier(HashAlgorithm algorithm, domain::ProvinceCode node,
                             std::uint64_t next_seq, std::string prev_hash)
    : algorithm_(algorithm), node_(node), next_seq_(next_seq), prev_hash_(std::move(prev_hash)) {}

bool ChainVerifier::next(std::uint64_t stored_seq, std::string_view bytes,
                         const DecodeLimits& limits) {
  if (problem_) return false;
  const std::uint64_t expected = next_seq_;
  auto fail = [&](std::uint64_t seq, std::string message) {
    problem_ = ChainProblem{seq, std::move(message)};
    return false;
  };
  if (stored_seq != expected) {
    if (stored_seq > expected) {
      return fail(expected, fmt::format("entry {} is missing: the log goes from entry {} to {} "
                                        "(entries removed)",
                                        expected, expected - 1, stored_seq));
    }
    return fail(stored_seq,
                fmt::format("entry {} appears again after entry {}", stored_seq, expected - 1));
  }
  auto decoded = Decoded<wire::AuditEntry>::decode(bytes, limits);
  if (!decoded) {
    return fail(expected, fmt::format("entry {} is not an audit entry: {}", expected,
                                      decoded.error().message));
  }
  auto e = decoded->root();
  if (e.getSeq() != expected) {
    return fail(expected, fmt::format("entry {} says it is entry {}: entries were moved or "
                                      "reordered",
                                      expected, e.getSeq()));
  }
  if (node_ == kAnyNode) node_ = e.getNode();  // an unclaimed store: the first entry says
  if (e.getNode() != node_) {
    return fail(expected, fmt::format("entry {} belongs to the chain of node {}, not {}", expected,
                                      domain::province_code_text(e.getNode()),
                                      domain::province_code_text(node_)));
  }
  if (as_string(e.getPrevHash()) != prev_hash_) {
    if (expected == 1) {
      return fail(1, "entry 1 does not start a chain (its prev_hash is not zero)");
    }
    return fail(expected - 1,
                fmt::format("the chain breaks between entries {} and {}: entry {}'s prev_hash is "
                            "{}, but entry {} hashes to {} (entry {} was altered, or entry {} "
                            "does not follow it: removed or reordered entries)",
                            expected - 1, expected, expected, hex(as_string(e.getPrevHash())),
                            expected - 1, hex(prev_hash_), expected - 1, expected));
  }
  prev_hash_ = chain_hash(algorithm_, bytes);
  ++next_seq_;
  return true;
}

Result<ChainReport> verify_chain(const store::ReadTxn& txn, const DecodeLimits& limits) {
  auto head = chain_head(txn, HashAlgorithm::sha256);
  if (!head) return head.error();
  auto node = store::meta_get_u64(txn, store::kNodeCodeMetaKey);
  if (!node) return node.error();
  ChainVerifier verifier(
      head->algorithm, *node ? static_cast<domain::ProvinceCode>(**node) : ChainVerifier::kAnyNode,
      1, std::string(kChainHashBytes, '\0'));
  auto scanned = store::audit_scan(txn, 1, [&](std::uint64_t seq, std::string_view bytes) {
    return verifier.next(seq, bytes, limits);
  });
  if (!scanned) return scanned.error();
  ChainReport report;
  report.entries = verifier.verified();
  report.head.count = verifier.verified();
  report.head.hash = verifier.head_hash();
  report.head.algorithm = head->algorithm;
  report.problem = verifier.problem();
  if (!report.problem) {
    if (report.entries < head->count) {
      report.problem = ChainProblem{
          report.entries + 1,
          fmt::format("entry {} is missing: the chain's head counts {} entries but the log ends "
                      "at entry {} (entries removed at the end)",
                      report.entries + 1, head->count, report.entries)};
    } else if (report.entries > head->count) {
      report.problem = ChainProblem{
          head->count + 1, fmt::format("entries {} to {} are not covered by the chain's head "
                                       "(which counts {}): appended behind the node's back",
                                       head->count + 1, report.entries, head->count)};
    } else if (report.head.hash != head->hash) {
      report.problem = ChainProblem{
          report.entries,
          fmt::format("entry {}, the last, hashes to {} but the chain's head says {} (the last "
                      "entry was altered)",
                      report.entries, hex(report.head.hash), hex(head->hash))};
    }
  }
  return report;
}

}  // namespace provnet::core
