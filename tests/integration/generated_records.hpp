// Synthetic records for the integration tests (simulations/synth), dated by
// today's clock as the nodes' own validation is, and the NDJSON body that
// POST /v1/records takes.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/date.hpp"
#include "domain/migrant_record.hpp"
#include "domain/record_interchange.hpp"
#include "synth/population.hpp"

namespace provnet::testing {

inline domain::Date today_in_china() {
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return domain::Date::from_unix_ms_cst(now_ms);
}

// Valid records that `reporting` reports, in the generator's order:
// `concerning` of them concern province `concerned`, and `others` concern
// other provinces (the generator's census flows decide which).
inline std::vector<domain::MigrantRecord> generate_records(domain::ProvinceCode reporting,
                                                           domain::ProvinceCode concerned,
                                                           std::size_t concerning,
                                                           std::size_t others, std::uint64_t seed) {
  synth::PopulationOptions options;
  options.seed = seed;
  options.today = today_in_china();
  options.reporting = reporting;
  synth::PopulationGenerator generator(options);
  std::vector<domain::MigrantRecord> out;
  std::size_t got_concerning = 0, got_others = 0;
  while (got_concerning < concerning || got_others < others) {
    if (generator.generated() > 10'000'000) {
      throw std::runtime_error(
          fmt::format("generate_records: {} reports too few records concerning {} ({} of {} found)",
                      reporting, concerned, got_concerning, concerning));
    }
    domain::MigrantRecord r = generator.next().record;
    if (domain::concerned_province_of(r) == concerned) {
      if (got_concerning == concerning) continue;
      ++got_concerning;
    } else {
      if (got_others == others) continue;
      ++got_others;
    }
    out.push_back(std::move(r));
  }
  return out;
}

// The records that concern `province`.
inline std::vector<std::string> ids_concerning(std::span<const domain::MigrantRecord> records,
                                               domain::ProvinceCode province) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (domain::concerned_province_of(r) == province) out.push_back(r.record_id);
  }
  return out;
}

inline std::string to_ndjson(std::span<const domain::MigrantRecord> records) {
  std::string out;
  for (const auto& r : records) {
    out += domain::record_to_json(r).dump();
    out += '\n';
  }
  return out;
}

// Consecutive chunks of at most `size` records.
inline std::vector<std::span<const domain::MigrantRecord>> chunks_of(
    std::span<const domain::MigrantRecord> records, std::size_t size) {
  std::vector<std::span<const domain::MigrantRecord>> out;
  for (std::size_t i = 0; i < records.size(); i += size) {
    out.push_back(records.subspan(i, std::min(size, records.size() - i)));
  }
  return out;
}

}  // namespace provnet::testing
