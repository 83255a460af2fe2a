// An in-memory network for driving cores in tests: it delays, reorders,
// drops and duplicates envelopes, deterministically from a seed, and runs
// a virtual clock. Cores are addressed by province code.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "core/node_core.hpp"
#include "synth/rng.hpp"

namespace provnet::testing {

struct NetworkFaults {
  double drop = 0.0;       // probability an envelope is lost
  double duplicate = 0.0;  // probability it arrives twice
  std::int64_t min_delay_ms = 5;
  std::int64_t max_delay_ms = 200;  // random delay reorders envelopes
};
// A fifth of the envelopes lost and a fifth duplicated.
inline constexpr NetworkFaults kLossy{.drop = 0.2, .duplicate = 0.2};

class LossyNetwork {
 public:
  LossyNetwork(std::uint64_t seed, NetworkFaults faults) : rng_(seed), faults_(faults) {}

  // Attaching a node (again, after a restart) brings up its links to every
  // node already attached, in both directions.
  void attach(core::NodeCore& node) {
    const domain::ProvinceCode self = node.config().self;
    nodes_[self] = &node;
    for (auto& [code, other] : nodes_) {
      if (code == self) continue;
      apply(self, node.on_link_up(code, now_ms_));
      apply(code, other->on_link_up(self, now_ms_));
    }
  }
  std::int64_t now() const { return now_ms_; }

  // Carries out a node's effects: sends enter the network, timers are kept.
  void apply(domain::ProvinceCode from, core::Effects&& fx) {
    for (auto& s : fx.sends) send(from, s.peer, std::move(s.bytes));
    for (auto& c : fx.closes) closes.push_back({from, c.peer, c.reason});
    for (auto& l : fx.logs) logs.push_back({from, l});
    if (fx.wake_at_ms) timers_.push({*fx.wake_at_ms, from});
  }

  // Runs until nothing is in flight and no timer is due before `until_ms`.
  // Returns the number of envelopes delivered.
  std::uint64_t run(std::int64_t until_ms) {
    std::uint64_t delivered = 0;
    while (true) {
      std::int64_t next_packet = packets_.empty() ? INT64_MAX : packets_.top().at;
      std::int64_t next_timer = timers_.empty() ? INT64_MAX : timers_.top().first;
      std::int64_t next = std::min(next_packet, next_timer);
      if (next == INT64_MAX || next > until_ms) break;
      now_ms_ = std::max(now_ms_, next);
      if (next_packet <= next_timer) {
        Packet p = packets_.top();
        packets_.pop();
        auto it = nodes_.find(p.to);
        if (it == nodes_.end()) continue;
        ++delivered;
        apply(p.to, it->second->on_envelope(p.from, p.bytes, now_ms_));
      } else {
        auto [at, who] = timers_.top();
        timers_.pop();
        auto it = nodes_.find(who);
        if (it != nodes_.end()) apply(who, it->second->on_tick(now_ms_));
      }
    }
    return delivered;
  }

  void advance_to(std::int64_t ms) { now_ms_ = std::max(now_ms_, ms); }

  struct Closed {
    domain::ProvinceCode node, peer;
    std::string reason;
  };
  struct Logged {
    domain::ProvinceCode node;
    core::LogEvent event;
  };
  std::vector<Closed> closes;
  std::vector<Logged> logs;
  std::uint64_t dropped = 0, duplicated = 0;

  std::uint64_t count_logs(const std::string& event) const {
    std::uint64_t n = 0;
    for (const auto& l : logs) n += l.event.event == event;
    return n;
  }

 private:
  struct Packet {
    std::int64_t at;
    std::uint64_t order;
    domain::ProvinceCode from, to;
    std::string bytes;
    bool operator>(const Packet& o) const { return at != o.at ? at > o.at : order > o.order; }
  };

  void send(domain::ProvinceCode from, domain::ProvinceCode to, std::string bytes) {
    if (rng_.chance(faults_.drop)) {
      ++dropped;
      return;
    }
    int copies = rng_.chance(faults_.duplicate) ? 2 : 1;
    duplicated += copies - 1;
    for (int i = 0; i < copies; ++i) {
      std::int64_t delay = rng_.between(faults_.min_delay_ms, faults_.max_delay_ms);
      packets_.push(Packet{now_ms_ + delay, order_++, from, to, bytes});
    }
  }

  synth::Rng rng_;
  NetworkFaults faults_;
  std::map<domain::ProvinceCode, core::NodeCore*> nodes_;
  std::priority_queue<Packet, std::vector<Packet>, std::greater<>> packets_;
  std::priority_queue<std::pair<std::int64_t, domain::ProvinceCode>,
                      std::vector<std::pair<std::int64_t, domain::ProvinceCode>>, std::greater<>>
      timers_;
  std::int64_t now_ms_ = 0;
  std::uint64_t order_ = 0;
};

}  // namespace provnet::testing
