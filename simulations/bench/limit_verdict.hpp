// One line saying what held the link's throughput back, read from where the
// two endpoint threads spent their wall time. A thread that is busy (in the
// core, or using CPU for TLS) for most of the wall time is the bottleneck;
// within it, the largest share names the cause: LMDB commits (mostly
// fsync: wall time without CPU), signatures, the rest of the core, or TLS.
// When neither thread is busy, both wait on each other: the in-flight window
// or the loop's round trips are the limit, not a resource.
#pragma once

#include <string>

#include "bench/link_figures.hpp"

namespace provnet::bench {

// A thread busy for at least this share of the wall time is saturated.
inline constexpr double kSaturatedShare = 0.6;

std::string limit_verdict(const SideFigures& sender, const SideFigures& receiver);

}  // namespace provnet::bench
