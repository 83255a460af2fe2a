// The figures one run of provbench-link produces: per batch size, the
// link's throughput and latency, where each endpoint's time went, and the
// raw ceilings of this machine. Plain data: link_bench.cpp fills it,
// link_report.cpp prints it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/endpoint_meters.hpp"
#include "bench/message_timeline.hpp"
#include "bench/raw_lmdb_commit_rate.hpp"
#include "bench/raw_tls_throughput.hpp"
#include "bench/receiver_work_profile.hpp"

namespace provnet::bench {

// Where one endpoint thread's wall time went during a phase (seconds).
struct SideFigures {
  double wall_s = 0;
  double thread_cpu_s = 0;  // the thread's CPU time
  double core_wall_s = 0;   // inside core calls
  double core_cpu_s = 0;    // CPU time inside core calls
  double commit_s = 0;      // LMDB commits (fsync included), inside the core
  std::uint64_t commits = 0;
  double verify_s = 0;  // signature checks, inside the core
  std::uint64_t verifies = 0;
  double sign_s = 0;  // signatures, inside the core
  std::uint64_t signs = 0;
  double submit_s = 0;  // submit_records calls, inside the core

  // Inside the core but neither commit nor signatures: decoding, validation,
  // store reads and writes, encoding.
  double rest_of_core_s() const {
    return std::max(0.0, core_wall_s - commit_s - verify_s - sign_s);
  }
  // CPU outside the core: TLS, framing, the Asio loop.
  double network_cpu_s() const { return std::max(0.0, thread_cpu_s - core_cpu_s); }
  // Neither in the core nor using CPU: waiting for the peer.
  double idle_s() const { return std::max(0.0, wall_s - core_wall_s - network_cpu_s()); }
  double busy_share() const { return wall_s > 0 ? 1.0 - idle_s() / wall_s : 0; }

  static SideFigures of(const EndpointSnapshot& phase, double wall_s);
};

struct ThroughputFigures {
  std::uint64_t records = 0;
  std::uint64_t messages = 0;
  double preload_s = 0;            // submitting every record into the sender's outbox, link down
  double link_up_ms = 0;           // from starting the link to the sender's link up (TLS handshake)
  double seconds = 0;              // sender's link up to the receiver's commit of the last record
  std::uint64_t frame_bytes = 0;   // message frames the sender sent (headers included)
  double stored_record_bytes = 0;  // mean record version as the receiver stores it
  double ack_frame_bytes = 0;      // mean reply frame
  std::uint64_t retries = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t problems = 0;  // warn/error log events on either side
  SideFigures preload_sender;  // the sender during the preload: all submit_records
  SideFigures sender;
  SideFigures receiver;
  std::optional<SideFigures> relay;  // the national node, on the sorting path
  double sign_us_per_message = 0;    // at the sender, during the preload
  double verify_us_per_message = 0;  // at the receiver
  double receiver_ms_per_commit = 0;
  ReceiverWorkProfile receiver_work;  // one message's CPU work, timed apart

  double records_per_s() const { return seconds > 0 ? static_cast<double>(records) / seconds : 0; }
  double mb_per_s() const {
    return seconds > 0 ? static_cast<double>(frame_bytes) / 1e6 / seconds : 0;
  }
  double bytes_per_record() const {
    return records ? static_cast<double>(frame_bytes) / static_cast<double>(records) : 0;
  }
  double bytes_per_message() const {
    return messages ? static_cast<double>(frame_bytes) / static_cast<double>(messages) : 0;
  }
};

struct LatencyFigures {
  double offered_records_per_s = 0;
  double interval_ms = 0;  // between submits of one batch each
  double seconds = 0;
  std::size_t late_submits = 0;  // the sender's loop was busy past the next submit
  LatencySummary latency;
  bool complete = true;  // every submitted record was committed in time
  std::uint64_t retries = 0;
  std::uint64_t problems = 0;  // warn/error log events on either side
  // Both threads over the phase: here the sender also submits, which it
  // did not in the throughput phase.
  SideFigures sender;
  SideFigures receiver;
};

struct RawFigures {
  RawTlsFigures tls;
  double tls_records_per_s = 0;  // at the link's bytes per record
  RawLmdbFigures lmdb;
  double ceiling_records_per_s() const { return std::min(tls_records_per_s, lmdb.records_per_s()); }
  const char* ceiling_name() const {
    return tls_records_per_s <= lmdb.records_per_s() ? "TLS" : "LMDB";
  }
};

struct BatchFigures {
  std::uint32_t batch = 0;
  ThroughputFigures throughput;
  LatencyFigures latency;
  RawFigures raw;
  std::string verdict;
  double link_share_of_ceiling() const {
    const double c = raw.ceiling_records_per_s();
    return c > 0 ? throughput.records_per_s() / c : 0;
  }
};

struct RunFigures {
  std::string path;  // "44->51 direct, loopback" or through 00
  std::string directory;
  std::string file_system;
  std::string signature_algorithm;
  std::uint32_t max_in_flight = 0;
  double latency_load = 0;  // offered load of the latency phase, share of the throughput
  std::uint64_t records = 0;
  std::uint64_t drawn = 0;  // generated to find records concerning the receiver
  double generate_s = 0;
  double total_s = 0;
  unsigned cpus = 0;
  // /proc/loadavg's 1-minute figure before and after: other work on the
  // machine shows in every figure here, the tail latencies most.
  double load_before = 0;
  double load_after = 0;
  std::vector<BatchFigures> batches;
};

}  // namespace provnet::bench
