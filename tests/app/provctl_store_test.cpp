// provctl store ingest/show and provnode --check-store on real stores.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "app/run_command.hpp"
#include "domain/record_interchange.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"
#include "support/temp_dir.hpp"
#include "synth/population.hpp"

namespace provnet {
namespace {

using testing::bin;
using testing::run_command;

std::string write_batch(const testing::TempDir& dir, const std::string& name, int n,
                        double error_rate, domain::ProvinceCode province) {
  synth::PopulationOptions o;
  o.seed = 21;
  // The binaries use today's date: generate against it too.
  auto now = std::chrono::system_clock::now().time_since_epoch();
  o.today = domain::Date::from_unix_ms_cst(
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  o.error_rate = error_rate;
  o.reporting = province;
  synth::PopulationGenerator gen(o);
  std::string path = dir.sub(name);
  std::ofstream out(path);
  for (int i = 0; i < n; ++i) out << domain::record_to_json(gen.next().record).dump() << '\n';
  return path;
}

TEST(ProvctlStore, IngestStoresValidRecordsReportsInvalidOnesAndIsIdempotent) {
  testing::TempDir dir("ingest");
  std::string batch = write_batch(dir, "b.ndjson", 400, 0.1, 44);
  std::string store = dir.sub("store44");
  auto first = run_command(bin("provctl") + " store ingest --store " + store +
                           " --node 44 --batch 64 " + batch);
  ASSERT_EQ(first.status, 1) << first.out;  // some records were broken on purpose
  std::size_t pos = first.out.find("400 records read, ");
  ASSERT_NE(pos, std::string::npos) << first.out;
  int stored = std::stoi(first.out.substr(pos + 18));
  EXPECT_GT(stored, 300);
  EXPECT_LT(stored, 400);
  EXPECT_NE(first.out.find("not stored"), std::string::npos);

  auto show = run_command(bin("provctl") + " store show --store " + store);
  ASSERT_EQ(show.status, 0) << show.out;
  EXPECT_NE(show.out.find("of node 44"), std::string::npos) << show.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(show.out, m, std::regex(R"(\n  records +(\d+) entries)")))
      << show.out;
  EXPECT_EQ(std::stoi(m[1]), stored);
  // Stored and staged: provnode signs and sends them when it runs.
  std::smatch staged;
  ASSERT_TRUE(std::regex_search(
      show.out, staged,
      std::regex(R"(staged \(stored[^\n]*\n((  for \d\d: \d+ record versions?\n)+))")))
      << show.out;
  int staged_total = 0;
  const std::regex staged_line(R"(  for \d\d: (\d+) record version)");
  for (std::sregex_iterator it(show.out.begin(), show.out.end(), staged_line), end; it != end;
       ++it) {
    staged_total += std::stoi((*it)[1]);
  }
  EXPECT_EQ(staged_total, stored);

  // The same file again: nothing new is stored or queued.
  auto again = run_command(bin("provctl") + " store ingest --store " + store +
                           " --node 44 --batch 64 " + batch);
  auto show_again = run_command(bin("provctl") + " store show --store " + store);
  EXPECT_EQ(show.out, show_again.out);

  auto check = run_command(bin("provnode") + " --check-store " + store);
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("records"), std::string::npos);
}

TEST(ProvctlStore, AStoreBelongsToOneNode) {
  testing::TempDir dir("ingest-owner");
  std::string store = dir.sub("s");
  auto first = run_command(bin("provctl") + " store ingest --store " + store + " --node 44 " +
                           write_batch(dir, "a.ndjson", 5, 0.0, 44));
  ASSERT_EQ(first.status, 0) << first.out;
  auto other = run_command(bin("provctl") + " store ingest --store " + store + " --node 51 " +
                           write_batch(dir, "b.ndjson", 5, 0.0, 51) + " 2>&1");
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.out.find("belongs to node 44, not 51"), std::string::npos) << other.out;
}

TEST(ProvctlStore, RecordsOfAnotherProvinceAreNotStored) {
  testing::TempDir dir("ingest-foreign");
  std::string store = dir.sub("s");
  auto r = run_command(bin("provctl") + " store ingest --store " + store + " --node 44 " +
                       write_batch(dir, "b.ndjson", 5, 0.0, 51));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("0 stored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reports only its own records"), std::string::npos) << r.out;
}

TEST(ProvctlStore, MissingOrCorruptStoreIsAClearError) {
  testing::TempDir dir("show-missing");
  auto missing = run_command(bin("provctl") + " store show --store " + dir.sub("none") + " 2>&1");
  EXPECT_EQ(missing.status, 2);
  EXPECT_FALSE(missing.out.empty());
  std::filesystem::create_directories(dir.sub("bad"));
  std::ofstream(dir.sub("bad/data.mdb")) << std::string(8192, 'x');
  auto corrupt = run_command(bin("provnode") + " --check-store " + dir.sub("bad") + " 2>&1");
  EXPECT_EQ(corrupt.status, 1);  // a problem found (2 is for usage errors)
  EXPECT_NE(corrupt.out.find(dir.sub("bad")), std::string::npos) << corrupt.out;
}

// What `provctl store restore` prints for a label ("record versions: 12").
std::uint64_t summary_number(const std::string& out, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(label + R"(: (\d+))"))) return UINT64_MAX;
  return std::stoull(m[1]);
}

TEST(ProvctlStore, BackupAndRestoreCopyAStoreAndSayWhatItHolds) {
  testing::TempDir dir("backup");
  const std::string store = dir.sub("s");
  auto ingested =
      run_command(bin("provctl") + " store ingest --store " + store +
                  " --node 44 --map-size-mib 32 " + write_batch(dir, "a.ndjson", 60, 0.0, 44));
  ASSERT_EQ(ingested.status, 0) << ingested.out;

  auto backup =
      run_command(bin("provctl") + " store backup --store " + store + " --out " + dir.sub("b"));
  ASSERT_EQ(backup.status, 0) << backup.out;
  EXPECT_NE(backup.out.find("node: 44"), std::string::npos) << backup.out;
  EXPECT_EQ(summary_number(backup.out, "schema"), store::kSchemaVersion) << backup.out;
  EXPECT_EQ(summary_number(backup.out, "record versions"), 60u) << backup.out;
  EXPECT_EQ(summary_number(backup.out, "staged"), 60u) << backup.out;
  // The map size is the store's, not a default of the read-only open.
  EXPECT_NE(backup.out.find("of a 32 MiB map"), std::string::npos) << backup.out;
  auto again = run_command(bin("provctl") + " store backup --store " + store + " --out " +
                           dir.sub("b") + " 2>&1");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.out.find("not empty"), std::string::npos) << again.out;

  auto restored = run_command(bin("provctl") + " store restore --from " + dir.sub("b") +
                              " --store " + dir.sub("r") + " --node 44");
  ASSERT_EQ(restored.status, 0) << restored.out;
  EXPECT_EQ(summary_number(restored.out, "record versions"), 60u) << restored.out;
  EXPECT_NE(restored.out.find("outbox depth: 0"), std::string::npos) << restored.out;
  auto show_original = run_command(bin("provctl") + " store show --store " + store);
  auto show_restored = run_command(bin("provctl") + " store show --store " + dir.sub("r"));
  ASSERT_EQ(show_restored.status, 0) << show_restored.out;
  // The same tables, entries and records (meta has one more: the inbox
  // counter the restore moved on, below).
  const std::string from = "\n  records ";
  EXPECT_EQ(show_original.out.substr(show_original.out.find(from)),
            show_restored.out.substr(show_restored.out.find(from)));

  // New inbox arrivals are numbered far past what the node had numbered.
  store::StoreOptions options;
  options.path = dir.sub("r");
  options.read_only = true;
  auto opened = store::Store::open(options);
  ASSERT_TRUE(opened) << opened.error().message;
  auto txn = (*opened)->begin_read();
  ASSERT_TRUE(txn);
  auto inbox_seq = store::meta_get_u64(*txn, store::kInboxSeqMetaKey);
  ASSERT_TRUE(inbox_seq);
  EXPECT_EQ(inbox_seq->value_or(0), 1ull << 32);
}

TEST(ProvctlStore, RestoreRefusesWhatIsNotABackupOfThatNodeAndAnyTargetThatHoldsSomething) {
  testing::TempDir dir("restore-refused");
  const std::string store = dir.sub("s");
  ASSERT_EQ(run_command(bin("provctl") + " store ingest --store " + store + " --node 44 " +
                        write_batch(dir, "a.ndjson", 5, 0.0, 44))
                .status,
            0);
  auto restore = [&](const std::string& from, const std::string& to, const std::string& extra) {
    return run_command(bin("provctl") + " store restore --from " + from + " --store " + to + " " +
                       extra + " 2>&1");
  };

  std::filesystem::create_directories(dir.sub("full"));
  std::ofstream(dir.sub("full/notes.txt")) << "keep me";
  auto full = restore(store, dir.sub("full"), "");
  EXPECT_EQ(full.status, 1);
  EXPECT_NE(full.out.find("not empty"), std::string::npos) << full.out;

  auto other_node = restore(store, dir.sub("t1"), "--node 31");
  EXPECT_EQ(other_node.status, 1);
  EXPECT_NE(other_node.out.find("node 44's store, not node 31's"), std::string::npos)
      << other_node.out;

  std::filesystem::create_directories(dir.sub("garbage"));
  std::ofstream(dir.sub("garbage/data.mdb")) << std::string(8192, 'x');
  auto garbage = restore(dir.sub("garbage"), dir.sub("t2"), "");
  EXPECT_EQ(garbage.status, 1);
  EXPECT_NE(garbage.out.find("is not a usable backup"), std::string::npos) << garbage.out;

  {  // A store no node ever ran on.
    store::StoreOptions options;
    options.path = dir.sub("unclaimed");
    ASSERT_TRUE(store::Store::open(options));
  }
  auto unclaimed = restore(dir.sub("unclaimed"), dir.sub("t3"), "");
  EXPECT_EQ(unclaimed.status, 1);
  EXPECT_NE(unclaimed.out.find("store of no node"), std::string::npos) << unclaimed.out;

  // Nothing refused left anything behind.
  for (const char* target : {"t1", "t2", "t3"}) {
    EXPECT_TRUE(!std::filesystem::exists(dir.sub(target)) ||
                std::filesystem::is_empty(dir.sub(target)))
        << target;
  }
  EXPECT_TRUE(std::filesystem::exists(dir.sub("full/notes.txt")));
}

}  // namespace
}  // namespace provnet
