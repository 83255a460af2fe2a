// How many records per second a durable LMDB store on this disk takes when
// they come `records_per_commit` to a commit, written the way the receiving
// core writes an applied message: per record, a lookup of the version, the
// version itself (records + record_heads, via store::append_record_version),
// an inbox entry and its counter; per commit, the dedup lookup and entry (a
// digest and the signed reply) and the message-id counter. No decoding,
// validation or signatures: the ceiling the store puts on the link.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace provnet::bench {

struct RawLmdbFigures {
  std::uint64_t commits = 0;
  std::uint64_t records = 0;
  double seconds = 0;
  double commit_seconds = 0;  // inside mdb_txn_commit (Store::commit_stats)
  double records_per_s() const { return seconds > 0 ? static_cast<double>(records) / seconds : 0; }
};

struct RawLmdbLoad {
  std::string store_path;  // a fresh directory
  std::size_t records_per_commit = 200;
  std::size_t record_bytes = 600;       // a stored record version
  std::size_t dedup_value_bytes = 700;  // digest + the reply
  std::chrono::milliseconds budget{2'000};
  std::uint64_t min_commits = 10;  // even if the budget runs out first
};

Result<RawLmdbFigures> measure_raw_lmdb(const RawLmdbLoad& load);

}  // namespace provnet::bench
