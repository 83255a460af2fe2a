#include "synth/migration_flows.hpp"

#include <array>

namespace provnet::synth {

namespace {

constexpr std::array<ProvinceFlow, 32> kFlows{{
    {11, 8420, 700},   {12, 3530, 500},   {13, 3150, 5420},  {14, 1620, 2910},  {15, 1680, 2410},
    {21, 2850, 2500},  {22, 1010, 3310},  {23, 910, 5340},   {31, 10480, 550},  {32, 10310, 4200},
    {33, 16190, 2060}, {34, 1550, 11520}, {35, 4890, 2380},  {36, 1270, 6340},  {37, 4130, 4470},
    {41, 1270, 16100}, {42, 2250, 6330},  {43, 1380, 7890},  {44, 29620, 2100}, {45, 1570, 8030},
    {46, 1090, 490},   {50, 2180, 4960},  {51, 2590, 10360}, {52, 1470, 8460},  {53, 2370, 3090},
    {54, 420, 120},    {61, 1940, 3110},  {62, 700, 3820},   {63, 420, 520},    {64, 670, 660},
    {65, 3390, 730},   {66, 300, 100},
}};

// Draws an index with probability proportional to weight(i).
template <class Weight>
std::size_t draw_weighted(Rng& rng, Weight weight) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kFlows.size(); ++i) total += weight(i);
  std::uint64_t pick = rng.below(total);
  for (std::size_t i = 0; i < kFlows.size(); ++i) {
    std::uint64_t w = weight(i);
    if (pick < w) return i;
    pick -= w;
  }
  return kFlows.size() - 1;
}

}  // namespace

std::span<const ProvinceFlow> province_flows() {
  return kFlows;
}

FlowPair draw_pair(Rng& rng, std::optional<domain::ProvinceCode> reporting) {
  if (!reporting) {
    std::size_t h =
        draw_weighted(rng, [](std::size_t i) -> std::uint64_t { return kFlows[i].outflow_k; });
    std::size_t r = draw_weighted(
        rng, [h](std::size_t i) -> std::uint64_t { return i == h ? 0 : kFlows[i].inflow_k; });
    return {kFlows[h].code, kFlows[r].code};
  }
  std::size_t self = 0;
  while (self < kFlows.size() && kFlows[self].code != *reporting) ++self;
  const ProvinceFlow& me = kFlows[self];
  // Inflow or outflow in proportion to this province's two stocks.
  bool inflow = rng.below(std::uint64_t{me.inflow_k} + me.outflow_k) < me.inflow_k;
  if (inflow) {
    std::size_t h = draw_weighted(rng, [self](std::size_t i) -> std::uint64_t {
      return i == self ? 0 : kFlows[i].outflow_k;
    });
    return {kFlows[h].code, me.code};
  }
  std::size_t r = draw_weighted(
      rng, [self](std::size_t i) -> std::uint64_t { return i == self ? 0 : kFlows[i].inflow_k; });
  return {me.code, kFlows[r].code};
}

}  // namespace provnet::synth
