#include "network/quarter_plan.hpp"

#include <algorithm>

#include "synth/migration_flows.hpp"

namespace provnet::network {

std::vector<ProvinceQuota> apportion_records(std::uint64_t total) {
  auto flows = synth::province_flows();
  std::uint64_t weight_sum = 0;
  for (const auto& f : flows) weight_sum += std::uint64_t{f.inflow_k} + f.outflow_k;
  struct Share {
    std::size_t index;
    std::uint64_t remainder;
  };
  std::vector<ProvinceQuota> out;
  std::vector<Share> shares;
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    std::uint64_t weight = std::uint64_t{flows[i].inflow_k} + flows[i].outflow_k;
    // No overflow: total is at most 10^9 (the command line checks it) and a
    // weight below 2^16.
    std::uint64_t exact = total * weight;
    std::uint64_t whole = exact / weight_sum;
    out.push_back(ProvinceQuota{flows[i].code, whole});
    shares.push_back(Share{i, exact % weight_sum});
    given += whole;
  }
  std::stable_sort(shares.begin(), shares.end(),
                   [](const Share& a, const Share& b) { return a.remainder > b.remainder; });
  for (std::size_t k = 0; given < total; ++k, ++given) ++out[shares[k].index].records;
  std::sort(out.begin(), out.end(),
            [](const ProvinceQuota& a, const ProvinceQuota& b) { return a.code < b.code; });
  return out;
}

synth::PopulationGenerator province_generator(const QuarterOptions& options,
                                              domain::ProvinceCode code) {
  synth::PopulationOptions p;
  // splitmix-style mixing of (seed, province): neighbouring seeds and codes
  // give unrelated sequences.
  std::uint64_t z = options.seed * 0x9E3779B97F4A7C15ull + code;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  p.seed = z ^ (z >> 31);
  p.today = options.today;
  p.error_rate = options.error_rate;
  p.reporting = code;
  return synth::PopulationGenerator(p);
}

}  // namespace provnet::network
