// A synthetic quarter for the whole network: N records spread over the 32
// provinces by their share of the 2020 census flows (inflow + outflow stock,
// simulations/data/flows.csv), each province reporting its own inflow and
// outflow records (simulations/synth), a share of them broken on purpose.
#pragma once

#include <cstdint>
#include <vector>

#include "domain/date.hpp"
#include "domain/province.hpp"
#include "synth/population.hpp"

namespace provnet::network {

struct ProvinceQuota {
  domain::ProvinceCode code = 0;
  std::uint64_t records = 0;
};

// N split by largest remainder, so the quotas add up to exactly N; in
// province code order.
std::vector<ProvinceQuota> apportion_records(std::uint64_t total);

struct QuarterOptions {
  std::uint64_t seed = 1;
  domain::Date today;
  double error_rate = 0.02;
};

// The generator of one province's records: its own seed derived from the
// quarter's, so provinces never share a sequence and a run repeats exactly.
synth::PopulationGenerator province_generator(const QuarterOptions& options,
                                              domain::ProvinceCode code);

}  // namespace provnet::network
