// Fixtures shared by the core's tests: a store, a node configuration with
// real test keys, synthetic records between two provinces, what arrived.
#pragma once

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/node_core.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "store/store.hpp"
#include "support/test_signing.hpp"
#include "synth/population.hpp"

namespace provnet::testing {

// 2026-11-23 00:00 China time.
constexpr std::int64_t kStartMs = 1'795'363'200'000 - 8 * 3'600'000;
inline const domain::Date kToday{2026, 11, 23};

inline std::unique_ptr<store::Store> open_store(const std::string& path) {
  store::StoreOptions options;
  options.path = path;
  options.map_size_bytes = 64ull << 20;
  options.durable = false;  // the test does not crash the machine
  auto s = store::Store::open(options);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

inline core::CoreConfig config_for(domain::ProvinceCode self, std::set<domain::ProvinceCode> peers,
                                   std::uint64_t seed = 7) {
  core::CoreConfig c;
  c.self = self;
  c.direct_peers = std::move(peers);
  c.seed = seed;
  c.max_records_per_message = 16;
  c.max_in_flight_per_link = 4;
  c.retry_initial_ms = 500;
  c.retry_max_ms = 8'000;
  return TestSigning::shared().with_keys(c);
}

// Valid records reported by `reporter` that concern `concerned`.
inline std::vector<domain::MigrantRecord> records_between(domain::ProvinceCode reporter,
                                                          domain::ProvinceCode concerned,
                                                          std::size_t count,
                                                          std::uint64_t seed = 1) {
  synth::PopulationOptions o;
  o.seed = seed;
  o.today = kToday;
  o.reporting = reporter;
  synth::PopulationGenerator gen(o);
  std::vector<domain::MigrantRecord> out;
  while (out.size() < count) {
    domain::MigrantRecord r = gen.next().record;
    if (domain::concerned_province_of(r) == concerned) out.push_back(std::move(r));
  }
  return out;
}

inline std::map<std::string, int> arrivals(core::NodeCore& node) {
  auto inbox = node.inbox();
  EXPECT_TRUE(inbox.ok());
  std::map<std::string, int> count;
  for (const core::InboxEntry& e : *inbox) ++count[e.item_id + "@v" + std::to_string(e.version)];
  return count;
}

// Builds an envelope as a (possibly faulty) peer would.
inline std::string envelope_with_records(domain::ProvinceCode author,
                                         domain::ProvinceCode destination, std::uint64_t id,
                                         const std::vector<domain::MigrantRecord>& records) {
  capnp::MallocMessageBuilder b;
  auto env = b.initRoot<wire::Envelope>();
  env.setMessageId(id);
  env.setAuthor(author);
  env.setDestination(destination);
  env.setCreatedAtMs(kStartMs);
  auto versions = env.initBody().initMigrantBatch().initVersions(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    core::record_to_wire(records[i], versions[i].initRecord());
    versions[i].setVersion(1);
    versions[i].setAuthorNode(author);
  }
  return TestSigning::shared().sign(b, author);
}

}  // namespace provnet::testing
