// Offered load for the latency phase: a chunk of records submitted at the
// sender every `interval`, on the sender's own thread (a timer on its
// io_context), so its core stays single-threaded, as in provnode where the
// provincial system's batches arrive through the HTTP API on the same loop.
// The schedule is absolute (start + k * interval): a submit delayed by a busy
// loop is caught up, so the offered rate holds on average.
#pragma once

#include <chrono>
#include <cstddef>
#include <future>
#include <span>

#include "bench/link_endpoint.hpp"
#include "common/result.hpp"
#include "domain/migrant_record.hpp"

namespace provnet::bench {

struct PacedRun {
  std::size_t submits = 0;
  std::size_t messages = 0;
  double seconds = 0;            // first submit to the end of the last
  std::size_t late_submits = 0;  // started more than one interval behind schedule
};

// Ready when every chunk was submitted, or with the first submit's error.
// `records` must outlive the run.
std::future<Result<PacedRun>> submit_paced(LinkEndpoint& sender,
                                           std::span<const domain::MigrantRecord> records,
                                           std::size_t chunk, std::chrono::nanoseconds interval);

}  // namespace provnet::bench
