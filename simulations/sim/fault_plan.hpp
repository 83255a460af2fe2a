// The faults of one simulated run, drawn from its seed before it starts:
// when each begins and ends and whom it hits. Every run gets every kind
// (when faults are on), at random times inside the fault window, so a set of
// seeds covers many orders and overlaps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/province.hpp"
#include "synth/rng.hpp"

namespace provnet::sim {

enum class FaultKind {
  national_outage,  // every link of the national node down (days)
  group_cut,        // a regional group cut off from everyone outside it
  link_flap,        // one link down for a while
  crash,            // a node crashes at a random point, restarts at `end_ms`
  clock_step,       // a node's clock jumps by `amount_ms`, back at `end_ms`
  revoke,           // a province's certificate revoked; it is re-keyed
  disk_full,        // a node's store cannot grow until `end_ms`
};
std::string_view fault_kind_name(FaultKind kind);

struct FaultEpisode {
  FaultKind kind = FaultKind::crash;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  domain::ProvinceCode node = 0;  // crash, clock_step, revoke, disk_full; link_flap: one end
  domain::ProvinceCode peer = 0;  // link_flap: the other end
  std::string group;              // group_cut
  std::int64_t amount_ms = 0;     // clock_step
};

struct RegionGroup {
  std::string id;
  std::vector<domain::ProvinceCode> members;
  bool national_copy_full = true;
};

struct FaultPlanOptions {
  std::int64_t window_start_ms = 0;  // faults begin and end inside the window
  std::int64_t window_end_ms = 0;
  std::vector<domain::ProvinceCode> provinces;  // the 32
  std::vector<RegionGroup> groups;
  double crashes_per_node_day = 1.0 / 20;
};

// In order of start time.
std::vector<FaultEpisode> plan_faults(synth::Rng& rng, const FaultPlanOptions& options);

// One line: "day 3 14:05 +1d02h crash 44" (times from `origin_ms`).
std::string describe(const FaultEpisode& e, std::int64_t origin_ms);

}  // namespace provnet::sim
