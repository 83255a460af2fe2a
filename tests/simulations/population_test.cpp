// The synthetic population: reproducible from its seed, faithful to the
// census flows, valid unless broken on purpose, and broken in known ways.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "domain/record_validation.hpp"
#include "synth/migration_flows.hpp"
#include "synth/population.hpp"

namespace provnet {
namespace {

const domain::Date kToday{2026, 11, 23};

std::vector<synth::GeneratedRecord> generate(synth::PopulationOptions o, int n) {
  synth::PopulationGenerator gen(o);
  std::vector<synth::GeneratedRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(gen.next());
  return out;
}

TEST(Population, SameSeedSameRecordsOtherSeedOtherRecords) {
  synth::PopulationOptions o;
  o.seed = 77;
  o.today = kToday;
  o.error_rate = 0.2;
  auto a = generate(o, 300);
  auto b = generate(o, 300);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].record, b[i].record) << i;
    EXPECT_EQ(a[i].fault, b[i].fault) << i;
  }
  o.seed = 78;
  auto c = generate(o, 300);
  int same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i].record.id_number == c[i].record.id_number;
  EXPECT_LT(same, 3);
}

TEST(Population, UnbrokenRecordsAreValid) {
  synth::PopulationOptions o;
  o.seed = 3;
  o.today = kToday;
  for (const auto& g : generate(o, 5000)) {
    auto errors = domain::validate_record(g.record, {kToday});
    ASSERT_TRUE(errors.empty()) << g.record.record_id << ": " << errors.front().message;
  }
}

TEST(Population, EveryFaultIsCaughtOnItsField) {
  synth::PopulationOptions o;
  o.seed = 4;
  o.today = kToday;
  o.error_rate = 1.0;
  std::map<synth::Fault, int> seen;
  for (const auto& g : generate(o, 3000)) {
    ASSERT_NE(g.fault, synth::Fault::none);
    ++seen[g.fault];
    auto errors = domain::validate_record(g.record, {kToday});
    bool named = false;
    for (const auto& e : errors) named |= e.field == synth::fault_field(g.fault, g.record);
    EXPECT_TRUE(named) << synth::fault_name(g.fault) << " in " << g.record.record_id;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(synth::kFaultCount - 1));
}

TEST(Population, ReportingProvinceOnlyReportsItsOwnRecords) {
  synth::PopulationOptions o;
  o.seed = 5;
  o.today = kToday;
  o.reporting = 44;
  int inflow = 0;
  const int n = 20000;
  for (const auto& g : generate(o, n)) {
    ASSERT_EQ(g.record.reporting_province, "44");
    ASSERT_EQ(g.record.record_id.rfind("44-", 0), 0u);
    inflow += g.record.direction == "inflow";
  }
  // Guangdong: 29,620k inflow against 2,100k outflow in the census flows.
  double expected = 29620.0 / (29620.0 + 2100.0);
  EXPECT_NEAR(static_cast<double>(inflow) / n, expected, 0.01);
}

TEST(Population, DrawnPairsFollowTheCensusWeights) {
  synth::Rng rng(6);
  std::map<domain::ProvinceCode, int> hukou;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    auto p = synth::draw_pair(rng);
    ASSERT_NE(p.hukou, p.residence);
    ++hukou[p.hukou];
  }
  std::uint64_t total_out = 0;
  for (const auto& f : synth::province_flows()) total_out += f.outflow_k;
  // Henan (41) has the largest outflow, Tibet (54) one of the smallest.
  EXPECT_NEAR(hukou[41] / static_cast<double>(n), 16100.0 / total_out, 0.01);
  EXPECT_NEAR(hukou[54] / static_cast<double>(n), 120.0 / total_out, 0.002);
}

// The compiled-in table is the data file, line for line.
TEST(Population, CompiledFlowsMatchTheDataFile) {
  std::ifstream in(std::string(PROVNET_SOURCE_DIR) + "/simulations/data/flows.csv");
  ASSERT_TRUE(in) << "simulations/data/flows.csv missing";
  std::string line;
  std::vector<synth::ProvinceFlow> from_file;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("code,", 0) == 0) continue;
    std::istringstream cells(line);
    std::string code, in_k, out_k;
    std::getline(cells, code, ',');
    std::getline(cells, in_k, ',');
    std::getline(cells, out_k, ',');
    from_file.push_back({static_cast<domain::ProvinceCode>(std::stoi(code)),
                         static_cast<std::uint32_t>(std::stoul(in_k)),
                         static_cast<std::uint32_t>(std::stoul(out_k))});
  }
  auto compiled = synth::province_flows();
  ASSERT_EQ(from_file.size(), compiled.size());
  for (std::size_t i = 0; i < compiled.size(); ++i) {
    EXPECT_EQ(from_file[i].code, compiled[i].code);
    EXPECT_EQ(from_file[i].inflow_k, compiled[i].inflow_k) << int(compiled[i].code);
    EXPECT_EQ(from_file[i].outflow_k, compiled[i].outflow_k) << int(compiled[i].code);
  }
}

}  // namespace
}  // namespace provnet
