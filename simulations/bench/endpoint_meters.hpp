// What one endpoint of the link has done so far, counted by its driver around
// every call into the core. A phase's figures are the difference of two
// snapshots taken by the main thread, so the endpoint threads only ever add
// to relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>

#include "bench/message_timeline.hpp"
#include "bench/timed_signatures.hpp"
#include "store/store.hpp"

namespace provnet::bench {

struct EndpointSnapshot {
  Clock::time_point at{};
  std::uint64_t thread_cpu_ns = 0;  // the endpoint thread's CPU time
  // Inside the core: every call (submit, envelope, tick, link up/down).
  std::uint64_t core_wall_ns = 0;
  std::uint64_t core_cpu_ns = 0;
  std::uint64_t submit_wall_ns = 0;    // of which submit_records
  std::uint64_t envelope_wall_ns = 0;  // of which on_envelope
  OperationTime sign;                  // envelope signatures made (inside the core)
  OperationTime verify;                // envelope signatures checked (inside the core)
  store::CommitStats commits;          // LMDB commits (inside the core)
  std::uint64_t frames_sent = 0;
  std::uint64_t frame_bytes_sent = 0;  // length header included
  std::uint64_t messages_queued = 0;   // "message.queued"
  std::uint64_t records_queued = 0;
  std::uint64_t messages_applied = 0;  // "message.applied"
  std::uint64_t records_applied = 0;
  std::uint64_t retries = 0;     // "message.retry"
  std::uint64_t duplicates = 0;  // "message.duplicate"
  std::uint64_t problems = 0;    // warn and error log events

  // this - earlier, field by field (`at` becomes the later one).
  EndpointSnapshot since(const EndpointSnapshot& earlier) const;
  double wall_seconds_since(const EndpointSnapshot& earlier) const {
    return std::chrono::duration<double>(at - earlier.at).count();
  }
};

// The driver's counters; snapshot() adds what the decorators and the store
// count themselves.
struct EndpointCounters {
  std::atomic<std::uint64_t> core_wall_ns{0};
  std::atomic<std::uint64_t> core_cpu_ns{0};
  std::atomic<std::uint64_t> submit_wall_ns{0};
  std::atomic<std::uint64_t> envelope_wall_ns{0};
  std::atomic<std::uint64_t> frames_sent{0};
  std::atomic<std::uint64_t> frame_bytes_sent{0};
  std::atomic<std::uint64_t> messages_queued{0};
  std::atomic<std::uint64_t> records_queued{0};
  std::atomic<std::uint64_t> messages_applied{0};
  std::atomic<std::uint64_t> records_applied{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> problems{0};

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  // Fills the driver's fields of `out`.
  void read_into(EndpointSnapshot& out) const;
};

}  // namespace provnet::bench
