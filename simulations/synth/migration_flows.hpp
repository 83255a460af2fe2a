// Inter-provincial migrant stock by hukou province and residence province
// (simulations/data/flows.csv, after the 2020 census), compiled in; a test
// checks the two agree. Pairs are drawn with weight
// outflow(hukou) * inflow(residence), hukou != residence.
#pragma once

#include <cstdint>
#include <span>

#include "domain/province.hpp"
#include "synth/rng.hpp"

namespace provnet::synth {

struct ProvinceFlow {
  domain::ProvinceCode code;
  std::uint32_t inflow_k;   // thousands living here with hukou elsewhere
  std::uint32_t outflow_k;  // thousands with hukou here living elsewhere
};

std::span<const ProvinceFlow> province_flows();

struct FlowPair {
  domain::ProvinceCode hukou;
  domain::ProvinceCode residence;
};

// A (hukou, residence) pair; when `reporting` is set, one that this province
// reports: it is the residence (an inflow record) or the hukou (outflow).
FlowPair draw_pair(Rng& rng, std::optional<domain::ProvinceCode> reporting = std::nullopt);

}  // namespace provnet::synth
