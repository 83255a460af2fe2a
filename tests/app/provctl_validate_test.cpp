// provctl validate, run as an operator would: files mixing valid records
// with records broken in every way the generator knows, in NDJSON and CSV.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "app/run_command.hpp"
#include "domain/record_interchange.hpp"
#include "support/temp_dir.hpp"
#include "synth/population.hpp"

namespace provnet {
namespace {

using testing::bin;
using testing::run_command;

const domain::Date kToday{2026, 11, 23};
const std::string kTodayArg = " --today 20261123";

struct Fixture {
  std::vector<synth::GeneratedRecord> records;  // line i+1 holds records[i]
};

// Records with every fault kind at least twice, and valid ones between.
Fixture mixed_records() {
  synth::PopulationOptions o;
  o.seed = 11;
  o.today = kToday;
  o.error_rate = 0.5;
  synth::PopulationGenerator gen(o);
  Fixture f;
  std::map<synth::Fault, int> seen;
  while (f.records.size() < 2000 &&
         (seen.size() < synth::kFaultCount ||
          std::any_of(seen.begin(), seen.end(), [](auto& p) { return p.second < 2; }))) {
    f.records.push_back(gen.next());
    ++seen[f.records.back().fault];
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(synth::kFaultCount));
  return f;
}

void write_ndjson(const std::string& path, const Fixture& f) {
  std::ofstream out(path);
  for (const auto& g : f.records) out << domain::record_to_json(g.record).dump() << '\n';
}

void write_csv(const std::string& path, const Fixture& f, bool wis_headers) {
  std::ofstream out(path);
  std::string header = domain::csv_header();
  if (wis_headers) {
    // The standard's codes for the fields that have one.
    for (int i = 0; i < domain::kFieldCount; ++i) {
      auto field = static_cast<domain::Field>(i);
      std::string wis(domain::wis_field(field));
      if (wis.empty()) continue;
      std::string key(domain::field_key(field));
      auto pos = header.find(key);
      while (pos != std::string::npos &&
             !((pos == 0 || header[pos - 1] == ',') &&
               (pos + key.size() == header.size() || header[pos + key.size()] == ','))) {
        pos = header.find(key, pos + 1);
      }
      if (pos != std::string::npos) header.replace(pos, key.size(), wis);
    }
  }
  out << header << '\n';
  for (const auto& g : f.records) out << domain::record_to_csv_row(g.record) << '\n';
}

// Checks provctl's --json output against what the fixture broke.
void expect_reports_every_fault(const testing::CommandResult& r, const Fixture& f) {
  ASSERT_EQ(r.status, 1) << r.out.substr(0, 2000);
  std::map<std::uint64_t, std::set<std::string>> fields_by_line;
  std::istringstream lines(r.out);
  std::string line;
  nlohmann::json summary;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("summary")) {
      summary = j["summary"];
      continue;
    }
    ASSERT_FALSE(j["errors"].empty());
    for (const auto& e : j["errors"]) {
      EXPECT_FALSE(e["message"].get<std::string>().empty());
      fields_by_line[j["line"].get<std::uint64_t>()].insert(e["field"].get<std::string>());
    }
  }
  std::uint64_t broken = 0;
  for (std::size_t i = 0; i < f.records.size(); ++i) {
    const auto& g = f.records[i];
    std::uint64_t line_no = i + 1;
    auto it = fields_by_line.find(line_no);
    if (g.fault == synth::Fault::none) {
      EXPECT_EQ(it, fields_by_line.end()) << "valid record on line " << line_no << " reported";
      continue;
    }
    ++broken;
    ASSERT_NE(it, fields_by_line.end())
        << synth::fault_name(g.fault) << " on line " << line_no << " not reported";
    std::string expected(domain::field_key(synth::fault_field(g.fault, g.record)));
    EXPECT_TRUE(it->second.count(expected))
        << synth::fault_name(g.fault) << " on line " << line_no << ": expected field " << expected;
  }
  EXPECT_EQ(summary["records"].get<std::uint64_t>(), f.records.size());
  EXPECT_EQ(summary["invalid"].get<std::uint64_t>(), broken);
  EXPECT_EQ(summary["valid"].get<std::uint64_t>(), f.records.size() - broken);
}

TEST(ProvctlValidate, NdjsonMixReportsEveryBrokenFieldAndExits1) {
  testing::TempDir dir("validate");
  Fixture f = mixed_records();
  write_ndjson(dir.sub("mix.ndjson"), f);
  auto r =
      run_command(bin("provctl") + " validate --json" + kTodayArg + " " + dir.sub("mix.ndjson"));
  expect_reports_every_fault(r, f);
}

TEST(ProvctlValidate, CsvWithOurKeysAndWithWisFieldHeadersGiveTheSameResult) {
  testing::TempDir dir("validate-csv");
  Fixture f = mixed_records();
  for (bool wis : {false, true}) {
    std::string path = dir.sub(wis ? "wis.csv" : "keys.csv");
    write_csv(path, f, wis);
    auto r = run_command(bin("provctl") + " validate --json" + kTodayArg + " " + path);
    ASSERT_EQ(r.status, 1);
    std::istringstream lines(r.out);
    std::string line;
    std::set<std::uint64_t> reported;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line);
      // CSV line 1 is the header, so record i is on line i + 1.
      if (!j.contains("summary")) reported.insert(j["line"].get<std::uint64_t>() - 1);
    }
    for (std::size_t i = 0; i < f.records.size(); ++i) {
      EXPECT_EQ(reported.count(i + 1) == 1, f.records[i].fault != synth::Fault::none)
          << (wis ? "WIS headers" : "our keys") << ", record " << i + 1;
    }
  }
}

TEST(ProvctlValidate, AllValidExits0WithASummary) {
  testing::TempDir dir("validate-ok");
  synth::PopulationOptions o;
  o.seed = 5;
  o.today = kToday;
  synth::PopulationGenerator gen(o);
  Fixture f;
  for (int i = 0; i < 500; ++i) f.records.push_back(gen.next());
  write_ndjson(dir.sub("ok.ndjson"), f);
  auto r = run_command(bin("provctl") + " validate" + kTodayArg + " " + dir.sub("ok.ndjson"));
  EXPECT_EQ(r.status, 0) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("500 records, 500 valid, 0 invalid"), std::string::npos) << r.out;
}

TEST(ProvctlValidate, TextOutputNamesLineRecordAndFieldButNoPersonalData) {
  testing::TempDir dir("validate-text");
  Fixture f = mixed_records();
  write_ndjson(dir.sub("mix.ndjson"), f);
  auto r = run_command(bin("provctl") + " validate" + kTodayArg + " " + dir.sub("mix.ndjson"));
  ASSERT_EQ(r.status, 1);
  for (const auto& g : f.records) {
    ASSERT_EQ(r.out.find(g.record.id_number), std::string::npos) << "an ID number was printed";
    if (g.record.name.size() >= 6) {  // two characters or more: a real name, not a substring
      ASSERT_EQ(r.out.find("\"" + g.record.name + "\""), std::string::npos) << "a name was printed";
    }
  }
  EXPECT_NE(r.out.find("(WISField011)"), std::string::npos);
  EXPECT_NE(r.out.find("line "), std::string::npos);
}

TEST(ProvctlValidate, UnreadableLinesAreReportedAndReadingGoesOn) {
  testing::TempDir dir("validate-lines");
  synth::PopulationOptions o;
  o.today = kToday;
  synth::PopulationGenerator gen(o);
  std::ofstream out(dir.sub("lines.ndjson"));
  out << domain::record_to_json(gen.next().record).dump() << '\n';
  out << "{\"record_id\": \"44-1\", broken json\n";
  out << "[1, 2, 3]\n";
  auto typed = domain::record_to_json(gen.next().record);
  typed["sex"] = 1;         // a number where a code string belongs
  typed["nickname"] = "x";  // an unknown key
  out << typed.dump() << '\n';
  out << "\n";  // blank lines are skipped
  out << domain::record_to_json(gen.next().record).dump() << '\n';
  out.close();
  auto r =
      run_command(bin("provctl") + " validate --json" + kTodayArg + " " + dir.sub("lines.ndjson"));
  ASSERT_EQ(r.status, 1) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  std::map<std::uint64_t, nlohmann::json> by_line;
  nlohmann::json summary;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("summary"))
      summary = j["summary"];
    else
      by_line[j["line"].get<std::uint64_t>()] = j;
  }
  ASSERT_EQ(by_line.size(), 3u) << r.out;
  EXPECT_NE(by_line[2]["errors"][0]["message"].get<std::string>().find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(by_line[3]["errors"][0]["message"].get<std::string>().find("not a JSON object"),
            std::string::npos);
  std::set<std::string> fields;
  for (const auto& e : by_line[4]["errors"]) fields.insert(e["field"].get<std::string>());
  EXPECT_TRUE(fields.count("sex"));
  EXPECT_TRUE(fields.count(""));  // the unknown key, reported for the item
  EXPECT_EQ(summary["records"].get<int>(), 5);
  EXPECT_EQ(summary["valid"].get<int>(), 2);
}

TEST(ProvctlValidate, FileThatCannotBeReadOrParsedExits2WithTheReason) {
  testing::TempDir dir("validate-bad");
  auto missing = run_command(bin("provctl") + " validate " + dir.sub("nope.ndjson") + " 2>&1");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("cannot open"), std::string::npos) << missing.out;

  std::ofstream(dir.sub("bad.csv")) << "record_id,colour\n44-1,red\n";
  auto header = run_command(bin("provctl") + " validate " + dir.sub("bad.csv") + " 2>&1");
  EXPECT_EQ(header.status, 2);
  EXPECT_NE(header.out.find("unknown column \"colour\""), std::string::npos) << header.out;

  std::ofstream(dir.sub("short.csv")) << "record_id,direction\n44-1,inflow\n";
  auto short_header = run_command(bin("provctl") + " validate " + dir.sub("short.csv") + " 2>&1");
  EXPECT_EQ(short_header.status, 2);
  EXPECT_NE(short_header.out.find("lacks required column"), std::string::npos) << short_header.out;

  std::ofstream(dir.sub("doc.json")) << "[{\"record_id\": ";
  auto doc = run_command(bin("provctl") + " validate " + dir.sub("doc.json") + " 2>&1");
  EXPECT_EQ(doc.status, 2);
  EXPECT_NE(doc.out.find("not valid JSON"), std::string::npos) << doc.out;

  std::ofstream(dir.sub("records.txt")) << "x\n";
  auto unknown = run_command(bin("provctl") + " validate " + dir.sub("records.txt") + " 2>&1");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.out.find("--format"), std::string::npos) << unknown.out;
}

// Streaming: peak memory stays small and flat whatever the file size.
TEST(ProvctlValidate, MemoryDoesNotGrowWithTheFile) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "AddressSanitizer's shadow memory makes resident size meaningless here";
#endif
  testing::TempDir dir("validate-mem");
  auto peak_kib = [&](std::uint64_t count) {
    std::string path = dir.sub("n" + std::to_string(count) + ".ndjson");
    auto gen = run_command(bin("provgen") + " --count " + std::to_string(count) +
                           " --seed 3 --today 20261123 --out " + path + " 2>/dev/null");
    EXPECT_EQ(gen.status, 0);
    // GNU time prints the peak resident set (KiB) on stderr.
    auto r = run_command("/usr/bin/time -f %M " + bin("provctl") + " validate" + kTodayArg + " " +
                         path + " 2>&1 >/dev/null");
    return std::stoll(r.out);
  };
  long long small = peak_kib(2'000);
  long long large = peak_kib(200'000);  // ~120 MB of NDJSON
  EXPECT_LT(large, 64 * 1024) << "peak " << large << " KiB for 200k records";
  EXPECT_LT(large, small + 16 * 1024) << "small " << small << " KiB, large " << large << " KiB";
}

}  // namespace
}  // namespace provnet

namespace provnet {
namespace {

TEST(ProvctlValidate, UnterminatedQuoteIsReportedNotSwallowingTheFileSilently) {
  testing::TempDir dir("validate-quote");
  synth::PopulationOptions o;
  o.today = kToday;
  synth::PopulationGenerator gen(o);
  std::ofstream out(dir.sub("q.csv"));
  out << domain::csv_header() << '\n';
  out << domain::record_to_csv_row(gen.next().record) << '\n';
  out << "\"44-open," << domain::record_to_csv_row(gen.next().record) << '\n';
  for (int i = 0; i < 3; ++i) out << domain::record_to_csv_row(gen.next().record) << '\n';
  out.close();
  auto r = run_command(bin("provctl") + " validate" + kTodayArg + " " + dir.sub("q.csv"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("never closed"), std::string::npos) << r.out;
}

TEST(ProvctlValidate, ShiftedCsvColumnsNeverEchoPersonalDataAndJsonOutputSurvives) {
  testing::TempDir dir("validate-shift");
  synth::PopulationOptions o;
  o.today = kToday;
  synth::PopulationGenerator gen(o);
  domain::MigrantRecord rec = gen.next().record;
  std::ofstream out(dir.sub("s.csv"));
  out << domain::csv_header() << '\n';
  std::string row = domain::record_to_csv_row(rec);
  // Replace the family_migrates cell (17th) with the person's address.
  std::vector<std::string> cells;
  std::stringstream ss(row);
  std::string cell;
  while (std::getline(ss, cell, ',')) cells.push_back(cell);
  cells[16] = rec.current_address;
  for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << cells[i];
  out << '\n';
  out.close();
  auto r = run_command(bin("provctl") + " validate --json" + kTodayArg + " " + dir.sub("s.csv"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(r.out.find(rec.current_address.substr(0, 6)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("family_migrates"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace provnet
