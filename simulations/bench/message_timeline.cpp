#include "bench/message_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace provnet::bench {

void MessageTimeline::queued(const std::string& message_id, Clock::time_point at) {
  std::lock_guard lock(mutex_);
  queued_.emplace(message_id, at);
}

void MessageTimeline::applied(const std::string& message_id, Clock::time_point at) {
  std::lock_guard lock(mutex_);
  applied_.emplace(message_id, at);
}

void MessageTimeline::clear() {
  std::lock_guard lock(mutex_);
  queued_.clear();
  applied_.clear();
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

LatencySummary MessageTimeline::latencies() const {
  std::vector<double> ms;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, at] : applied_) {
      auto q = queued_.find(id);
      if (q == queued_.end()) continue;
      ms.push_back(std::chrono::duration<double, std::milli>(at - q->second).count());
    }
  }
  std::sort(ms.begin(), ms.end());
  LatencySummary s;
  s.messages = ms.size();
  if (ms.empty()) return s;
  s.p50_ms = quantile_of_sorted(ms, 0.50);
  s.p99_ms = quantile_of_sorted(ms, 0.99);
  s.max_ms = ms.back();
  s.mean_ms = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  return s;
}

}  // namespace provnet::bench
