// The records the link carries: synthetic, realistic migrant records
// (synth::PopulationGenerator) that the sending province reports and that
// concern the receiving one, so every one of them travels on this direct
// link. Drawn from one seed; extended on demand, never repeating an id.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "domain/date.hpp"
#include "domain/migrant_record.hpp"
#include "synth/population.hpp"

namespace provnet::bench {

class LinkRecords {
 public:
  LinkRecords(domain::ProvinceCode reporting, domain::ProvinceCode concerned, std::uint64_t seed,
              domain::Date today);

  // Records [from, from + count), generated if not yet. The span is valid
  // until the next call (the records may move as more are made).
  std::span<const domain::MigrantRecord> range(std::size_t from, std::size_t count);
  // How many the generator drew to find them (the share that concerns the
  // receiver is the census flow between the two provinces).
  std::uint64_t drawn() const { return generator_.generated(); }

 private:
  domain::ProvinceCode concerned_;
  synth::PopulationGenerator generator_;
  std::vector<domain::MigrantRecord> records_;
};

}  // namespace provnet::bench
