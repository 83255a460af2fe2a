// When each message was written to the sender's outbox and when the receiver
// committed it, by message id ("44:<id>", the form the core's log events use).
// Both endpoints run in this one process, so one steady clock times both
// ends. Written from the two endpoint threads, read by the main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace provnet::bench {

using Clock = std::chrono::steady_clock;

struct LatencySummary {
  std::size_t messages = 0;  // messages both queued and applied
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
};

class MessageTimeline {
 public:
  void queued(const std::string& message_id, Clock::time_point at);
  void applied(const std::string& message_id, Clock::time_point at);
  // Forgets everything (between phases).
  void clear();
  // Queue-to-commit latency of every message seen at both ends.
  LatencySummary latencies() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> queued_;
  std::unordered_map<std::string, Clock::time_point> applied_;
};

// The q-quantile (0..1) of sorted values, nearest rank.
double quantile_of_sorted(const std::vector<double>& sorted, double q);

}  // namespace provnet::bench
