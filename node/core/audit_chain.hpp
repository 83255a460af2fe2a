// The node's audit log as a hash chain (ARCHITECTURE.md "Audit";
// protocol/audit.capnp says what an entry holds and how it is hashed).
//
// Entries are appended inside the transaction of the event they record, so
// the log says exactly what the store did: a message is logged as queued in
// the transaction that put it in the outbox, as received in the one that
// applied it. The chain's head (entry count and the hash of the last entry)
// is kept in meta, next to the entries, so that removing entries at the end
// is noticed too; rewriting the whole chain consistently is what the signed
// checkpoints at the national node catch.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "core/wire_codec.hpp"
#include "domain/province.hpp"
#include "protocol/audit.capnp.h"
#include "store/store.hpp"

namespace provnet::core {

enum class HashAlgorithm : std::uint8_t { sha256 = 0, sm3 = 1 };
std::string_view hash_algorithm_name(HashAlgorithm a);
std::optional<HashAlgorithm> parse_hash_algorithm(std::string_view text);
// SM3 needs an OpenSSL built with it (Debian's is).
bool hash_algorithm_available(HashAlgorithm a);
std::string chain_hash(HashAlgorithm a, std::string_view bytes);
std::string hex(std::string_view bytes);

inline constexpr std::size_t kChainHashBytes = 32;

// What an entry records; the chain adds seq, prev hash, time and node.
struct AuditFacts {
  wire::AuditEvent event = wire::AuditEvent::QUEUED;
  domain::ProvinceCode peer = 0;
  domain::ProvinceCode author = 0;
  std::uint64_t message_id = 0;
  domain::ProvinceCode destination = 0;
  std::string kind;
  std::string envelope_hash;  // raw SHA-256 of the envelope's signed content, or empty
  std::vector<std::pair<std::string, std::uint32_t>> items;  // (id, version)
  std::string detail;
  std::string operator_id;
};

struct ChainHead {
  std::uint64_t count = 0;
  std::string hash = std::string(kChainHashBytes, '\0');  // of entry `count` (zeros: none)
  HashAlgorithm algorithm = HashAlgorithm::sha256;
};

// The head as the store's meta says; an empty chain uses `preferred`.
Result<ChainHead> chain_head(const store::ReadTxn& txn, HashAlgorithm preferred);

// Appends one entry (and its counts and item index rows) in `txn`. The
// chain keeps the algorithm it started with.
Result<std::uint64_t> append_audit(store::WriteTxn& txn, domain::ProvinceCode self,
                                   HashAlgorithm preferred, const AuditFacts& facts,
                                   std::int64_t now_ms);

// Index rows that let a trace find an entry: one per item it names, and one
// per message (under message_index_key) for message events.
Result<void> index_audit_entry(store::WriteTxn& txn, domain::ProvinceCode node,
                               wire::AuditEntry::Reader e);
std::string message_index_key(domain::ProvinceCode author, std::uint64_t message_id);

// The envelope facts shared by queued / received / refused entries.
// `signed_digest`, when the caller has it, is sha256(signing_input(env)):
// it saves computing the signing input again.
AuditFacts message_facts(wire::AuditEvent event, domain::ProvinceCode peer,
                         wire::Envelope::Reader env, std::string_view envelope_bytes,
                         std::string_view signed_digest = {});

std::string_view audit_event_name(wire::AuditEvent e);

// What a check of a chain found. `problem` names the first entry that cannot
// be trusted, and why.
struct ChainProblem {
  std::uint64_t seq = 0;
  std::string message;
};
struct ChainReport {
  std::uint64_t entries = 0;  // entries that verified, from 1
  ChainHead head;             // as recomputed from the entries that verified
  std::optional<ChainProblem> problem;
};

// Checks a sequence of entries that continues a chain whose entry
// `first_seq - 1` hashes to `prev_hash`; `node` is whose chain it is.
// Returns the recomputed head, or the first problem.
class ChainVerifier {
 public:
  // As `node`: whichever node entry 1 names (a store no node has claimed).
  static constexpr domain::ProvinceCode kAnyNode = 0xff;
  ChainVerifier(HashAlgorithm algorithm, domain::ProvinceCode node, std::uint64_t next_seq,
                std::string prev_hash);
  // Checks the next entry found under key `stored_seq`. False after a problem.
  bool next(std::uint64_t stored_seq, std::string_view bytes, const DecodeLimits& limits);
  const std::optional<ChainProblem>& problem() const { return problem_; }
  std::uint64_t verified() const { return next_seq_ - 1; }
  const std::string& head_hash() const { return prev_hash_; }

 private:
  HashAlgorithm algorithm_;
  domain::ProvinceCode node_;
  std::uint64_t next_seq_;
  std::string prev_hash_;
  std::optional<ChainProblem> problem_;
};

// Checks the whole chain of a store: every entry in order from 1, each
// following the one before, and the last one matching the head in meta.
Result<ChainReport> verify_chain(const store::ReadTxn& txn, const DecodeLimits& limits = {});

}  // namespace provnet::core
