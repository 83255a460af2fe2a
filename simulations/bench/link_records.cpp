#include "bench/link_records.hpp"

namespace provnet::bench {

namespace {

synth::PopulationOptions options_for(domain::ProvinceCode reporting, std::uint64_t seed,
                                     domain::Date today) {
  synth::PopulationOptions o;
  o.seed = seed;
  o.today = today;
  o.reporting = reporting;
  o.error_rate = 0.0;
  return o;
}

}  // namespace

LinkRecords::LinkRecords(domain::ProvinceCode reporting, domain::ProvinceCode concerned,
                         std::uint64_t seed, domain::Date today)
    : concerned_(concerned), generator_(options_for(reporting, seed, today)) {}

std::span<const domain::MigrantRecord> LinkRecords::range(std::size_t from, std::size_t count) {
  while (records_.size() < from + count) {
    synth::GeneratedRecord g = generator_.next();
    if (domain::concerned_province_of(g.record) == concerned_) {
      records_.push_back(std::move(g.record));
    }
  }
  return std::span<const domain::MigrantRecord>(records_).subspan(from, count);
}

}  // namespace provnet::bench
