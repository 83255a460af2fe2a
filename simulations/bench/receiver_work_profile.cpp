#include "bench/receiver_work_profile.hpp"

#include <chrono>
#include <cstdint>

#include "core/digest.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "domain/record_validation.hpp"

namespace provnet::bench {

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double mean_us(int repetitions, F&& f) {
  const auto start = Clock::now();
  for (int i = 0; i < repetitions; ++i) f();
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / repetitions;
}

}  // namespace

Result<ReceiverWorkProfile> profile_receiver_work(std::string_view envelope, domain::Date today,
                                                  int repetitions) {
  const core::DecodeLimits limits;
  // The steps below read the one decoded message many times over; a
  // reader counts every read against its traversal limit, so this one has
  // none (the message is the benchmark's own).
  core::DecodeLimits unlimited;
  unlimited.traversal_limit_words = UINT64_MAX;
  auto decoded = core::DecodedEnvelope::decode(envelope, unlimited);
  if (!decoded) return decoded.error();
  auto env = decoded->root();
  if (!env.getBody().isMigrantBatch()) {
    return Error{Errc::invalid_input, "the sample message is not a migrant batch"};
  }
  auto versions = env.getBody().getMigrantBatch().getVersions();
  ReceiverWorkProfile p;
  p.records = versions.size();
  std::size_t sink = 0;  // keeps the optimizer from dropping the work
  p.decode_us = mean_us(repetitions, [&] {
    auto again = core::DecodedEnvelope::decode(envelope, limits);
    sink += again ? again->root().getMessageId() : 0;
  });
  p.signing_input_us = mean_us(repetitions, [&] { sink += core::signing_input(env).size(); });
  p.digest_us = mean_us(repetitions, [&] { sink += core::sha256(envelope).size(); });
  const domain::ValidationContext ctx{today};
  p.records_us = mean_us(repetitions, [&] {
    for (auto v : versions) {
      domain::MigrantRecord r = core::record_from_wire(v.getRecord());
      sink += domain::validate_record(r, ctx).size();
      sink += core::canonical_message(v).size();
    }
  });
  if (sink == 0) return Error{Errc::invalid_input, "the sample message is empty"};
  return p;
}

}  // namespace provnet::bench
