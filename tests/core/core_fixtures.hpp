// Fixtures shared by the core's tests: a store, a node configuration with
// real test keys, synthetic records between two provinces, what arrived.
#pragma once

#include <capnp/message.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/collab_codec.hpp"
#include "core/node_core.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "domain/holiday_calendar.hpp"
#include "domain/id_number.hpp"
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

// `hour`:`minute` China time on `d`, in Unix ms (China time is UTC+8, no DST).
inline std::int64_t cst_ms(const domain::Date& d, int hour = 0, int minute = 0) {
  return d.to_days() * 86'400'000 - 8 * 3'600'000 + std::int64_t{hour} * 3'600'000 +
         std::int64_t{minute} * 60'000;
}

inline constexpr std::int64_t kMinuteMs = 60'000;
inline constexpr std::int64_t kDayMs = 86'400'000;

// Monday 23 November 2026 (kToday), 09:00 China time: the business-flow
// tests' start.
inline std::int64_t start_ms() {
  return cst_ms(kToday, 9);
}

// A province's two-digit code, for test messages.
inline std::string code(domain::ProvinceCode p) {
  return fmt::format("{:02d}", p);
}

inline std::string test_name() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

// The national holiday calendar as shipped (config/holidays-*.csv).
inline std::shared_ptr<const domain::HolidayCalendar> shipped_calendar() {
  auto loaded = domain::HolidayCalendar::load_directory(PROVNET_SOURCE_DIR "/config");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  if (!loaded.ok()) return nullptr;
  return std::make_shared<const domain::HolidayCalendar>(std::move(loaded).value());
}

// A citizen ID number (GB 11643) with the right check character.
inline std::string citizen_id(std::string_view address6, std::string_view birth8,
                              std::string_view sequence3) {
  std::string first17 = std::string(address6) + std::string(birth8) + std::string(sequence3);
  const auto check = domain::id_check_character(first17);
  EXPECT_TRUE(check.has_value()) << "bad test ID parts " << first17;
  return first17 + check.value_or('?');
}

// One record version as a (possibly faulty) author would put it in a message.
struct CraftedVersion {
  domain::MigrantRecord record;
  std::uint32_t version = 1;
  wire::ChangeKind change = wire::ChangeKind::CREATED;
  std::string operator_id = "op";
  std::string reason;
  std::int64_t changed_at_ms = kStartMs;
};

// Like envelope_with_records, with each version's number, change and author's notes.
inline std::string envelope_with_versions(domain::ProvinceCode author,
                                          domain::ProvinceCode destination, std::uint64_t id,
                                          const std::vector<CraftedVersion>& crafted) {
  capnp::MallocMessageBuilder b;
  auto env = b.initRoot<wire::Envelope>();
  env.setMessageId(id);
  env.setAuthor(author);
  env.setDestination(destination);
  env.setCreatedAtMs(kStartMs);
  auto versions = env.initBody().initMigrantBatch().initVersions(crafted.size());
  for (std::size_t i = 0; i < crafted.size(); ++i) {
    core::record_to_wire(crafted[i].record, versions[i].initRecord());
    versions[i].setVersion(crafted[i].version);
    versions[i].setChange(crafted[i].change);
    versions[i].setAuthorNode(author);
    versions[i].setOperatorId(crafted[i].operator_id);
    versions[i].setReason(crafted[i].reason);
    versions[i].setChangedAtMs(crafted[i].changed_at_ms);
  }
  return TestSigning::shared().sign(b, author);
}

// An envelope of collaboration items of one kind, signed as `author`.
inline std::string envelope_with_collab(domain::ProvinceCode author,
                                        domain::ProvinceCode destination, std::uint64_t id,
                                        domain::CollabKind kind,
                                        const std::vector<domain::CollabItem>& items,
                                        std::int64_t created_at_ms = kStartMs) {
  capnp::MallocMessageBuilder b;
  auto env = b.initRoot<wire::Envelope>();
  env.setMessageId(id);
  env.setAuthor(author);
  env.setDestination(destination);
  env.setCreatedAtMs(created_at_ms);
  core::collab_items_to_body(kind, items, env.initBody());
  return TestSigning::shared().sign(b, author);
}

}  // namespace provnet::testing
