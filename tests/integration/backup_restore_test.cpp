// Online backup and restore with real processes: province 31 keeps
// submitting records (concerning 44 and others) while `provctl store backup`
// copies its store beside the running provnode; the national node is down
// meanwhile, so the backup's outbox holds messages that the old node
// delivers after it. Then 31 is stopped, the backup restored into a new
// directory with `provctl store restore`, and a new provnode started on it.
// The provincial system does what the README tells it to: it submits again
// what it submitted after the backup, then goes on with new records. In the
// end 44 holds every record exactly once: those in the backup (the restored
// outbox is sent again and answered from the national node's dedup; staged
// versions already held are identical and change nothing), those accepted
// after the backup (delivered by the old node, or sent again by the new one:
// never both), and the new ones.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "app/run_command.hpp"
#include "background_task.hpp"
#include "generated_records.hpp"
#include "node_network.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"

namespace provnet::testing {
namespace {

constexpr std::size_t kChunk = 20;

// Which of `ids` the store at `path` holds (as version 1), read from a
// copy no process runs on.
std::set<std::string> ids_held(const std::string& path, const std::vector<std::string>& ids) {
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  auto opened = store::Store::open(options);
  if (!opened) throw std::runtime_error("opening " + path + ": " + opened.error().message);
  auto txn = (*opened)->begin_read();
  if (!txn) throw std::runtime_error(txn.error().message);
  std::set<std::string> out;
  for (const std::string& id : ids) {
    auto latest = store::latest_version(*txn, id);
    if (!latest) throw std::runtime_error(latest.error().message);
    if (*latest) out.insert(id);
  }
  return out;
}

std::uint64_t number_after(const std::string& text, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(label + R"(: (\d+))"))) {
    throw std::runtime_error("no \"" + label + "\" in:\n" + text);
  }
  return std::stoull(m[1]);
}

TEST(BackupRestore, BackupTakenWhileSendingRestoresIntoANewNodeWithNoLossAndNoDuplicate) {
  NodeNetwork net("backup-restore");
  net.start_all();
  // One generator for all (its record ids count up): the first 460 are
  // sent around the backup, the rest after the restore.
  const auto generated = generate_records(31, 44, 480, 70, 6105);
  const std::span<const domain::MigrantRecord> records(generated.data(), 460);
  const std::span<const domain::MigrantRecord> fresh(generated.data() + 460,
                                                     generated.size() - 460);
  const auto chunks = chunks_of(records, kChunk);

  // The provincial system: chunk after chunk, each answered before the next.
  std::atomic<std::size_t> answered{0};
  std::atomic<bool> stop{false};
  BackgroundTask submitter([&] {
    for (std::size_t i = 0; i < chunks.size() && !stop; ++i) {
      net.submit_ok(31, chunks[i]);
      answered = i + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });
  if (!wait_until([&] { return answered >= 3 || submitter.done(); })) {
    net.fail("31 did not take the first chunks");
  }
  // The national node goes away for a while, so that messages wait in 31's
  // outbox when the backup is taken: after it, the old node delivers them;
  // after the restore, the new one sends them again (the national node's
  // dedup answers them as duplicates).
  EXPECT_EQ(net.terminate(0).code, 0);
  if (!wait_until([&] { return net.outbox_depth(31, 0) >= 2u || submitter.done(); })) {
    net.fail("nothing waited in 31's outbox while the national node was down");
  }
  const std::size_t answered_before_backup = answered;
  const std::string backup_dir = (net.dir().path() / "backup-31").string();
  const CommandResult backup =
      run_command(bin("provctl") + " store backup --store '" + net.node(31).config.store_path +
                  "' --out '" + backup_dir + "' 2>&1");
  const std::size_t answered_after_backup = answered;
  ASSERT_EQ(backup.status, 0) << backup.out;
  std::cout << backup.out;
  EXPECT_NE(backup.out.find("node: 31"), std::string::npos) << backup.out;
  const std::uint64_t outbox_in_backup = number_after(backup.out, "outbox depth");
  EXPECT_GE(outbox_in_backup, 2u) << backup.out;
  net.start(0);
  net.wait_linked(31);
  // The node went on taking records while the copy was made, and after it;
  // and it delivers what waited (the national node acknowledges it).
  if (!wait_until([&] { return answered >= answered_after_backup + 4 || submitter.done(); })) {
    net.fail("31 stopped taking records after the backup");
  }
  stop = true;
  submitter.join();
  if (!wait_until([&] { return net.outbox_depth(31, 0) == 0u; })) {
    net.fail("31's outbox did not drain after the national node came back");
  }
  const std::size_t duplicates_before_restore = net.node(0).log.count("message.duplicate");
  const std::size_t submitted_chunks = answered;
  ASSERT_GT(submitted_chunks, answered_after_backup)
      << "every chunk was taken before the backup ended: nothing was accepted after it";

  // The original node stops; its store stays where it is, unused.
  EXPECT_EQ(net.terminate(31).code, 0);

  std::vector<std::string> submitted_ids;
  for (std::size_t i = 0; i < submitted_chunks; ++i) {
    for (const auto& r : chunks[i]) submitted_ids.push_back(r.record_id);
  }
  const std::set<std::string> in_backup = ids_held(backup_dir, submitted_ids);
  // Everything answered before the backup began is in it: the copy is of
  // the store as it was during the copy, not of an older state.
  for (std::size_t i = 0; i < answered_before_backup; ++i) {
    for (const auto& r : chunks[i]) {
      EXPECT_TRUE(in_backup.count(r.record_id)) << r.record_id << " (chunk " << i << ")";
    }
  }
  EXPECT_LT(in_backup.size(), submitted_ids.size()) << "nothing was accepted after the backup";
  EXPECT_EQ(number_after(backup.out, "record versions"), in_backup.size()) << backup.out;

  // A restore refuses a directory that holds anything, and a backup of
  // another node.
  const std::string restored_store = (net.dir().path() / "31-restored" / "store").string();
  std::filesystem::create_directories(restored_store);
  { std::ofstream(restored_store + "/something") << "x"; }
  const CommandResult refused = run_command(bin("provctl") + " store restore --from '" +
                                            backup_dir + "' --store '" + restored_store + "' 2>&1");
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("not empty"), std::string::npos) << refused.out;
  std::filesystem::remove(restored_store + "/something");
  const CommandResult wrong_node =
      run_command(bin("provctl") + " store restore --from '" + backup_dir + "' --store '" +
                  restored_store + "' --node 44 2>&1");
  EXPECT_EQ(wrong_node.status, 1) << wrong_node.out;
  EXPECT_NE(wrong_node.out.find("node 31's store, not node 44's"), std::string::npos)
      << wrong_node.out;
  EXPECT_TRUE(std::filesystem::is_empty(restored_store));

  const CommandResult restore =
      run_command(bin("provctl") + " store restore --from '" + backup_dir + "' --store '" +
                  restored_store + "' --node 31 2>&1");
  ASSERT_EQ(restore.status, 0) << restore.out;
  std::cout << restore.out;
  EXPECT_NE(restore.out.find("node: 31"), std::string::npos) << restore.out;
  EXPECT_EQ(number_after(restore.out, "schema"), store::kSchemaVersion) << restore.out;
  EXPECT_EQ(number_after(restore.out, "record versions"), in_backup.size()) << restore.out;
  EXPECT_NE(restore.out.find("outbox depth: "), std::string::npos) << restore.out;

  // A new provnode on the restored store.
  net.node(31).config.store_path = restored_store;
  net.write_configs();
  net.start(31);
  net.wait_linked(31);

  // The provincial system submits again what it submitted after the backup
  // (it cannot know which of it the new node lacks): what the backup holds
  // is unchanged, the rest is taken as new.
  std::vector<domain::MigrantRecord> since_backup;
  for (std::size_t i = answered_before_backup; i < submitted_chunks; ++i) {
    since_backup.insert(since_backup.end(), chunks[i].begin(), chunks[i].end());
  }
  std::size_t unchanged = 0;
  for (auto chunk : chunks_of(since_backup, kChunk)) {
    unchanged += net.submit_ok(31, chunk).at("unchanged").get<std::size_t>();
  }
  std::size_t since_backup_in_backup = 0;
  for (const auto& r : since_backup) since_backup_in_backup += in_backup.count(r.record_id);
  EXPECT_EQ(unchanged, since_backup_in_backup);

  // And goes on with new records.
  for (auto chunk : chunks_of(fresh, kChunk)) net.submit_ok(31, chunk);

  std::set<std::string> expected;
  for (std::size_t i = 0; i < submitted_chunks; ++i) {
    for (const auto& id : ids_concerning(chunks[i], 44)) expected.insert(id);
  }
  for (const auto& id : ids_concerning(fresh, 44)) expected.insert(id);
  const auto inbox = net.wait_delivered(44, expected, {31});
  const ArrivalCheck check = check_arrivals(inbox, expected, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();
  for (int code : {0, 44}) {
    EXPECT_EQ(net.node(code).log.count("message.id_reused"), 0u) << net.node(code).log.tail();
  }
  // What the backup's outbox held had been delivered before the restore:
  // the restored node sent it again, and each was answered as a duplicate.
  const std::size_t duplicates_after_restore =
      net.node(0).log.count("message.duplicate") - duplicates_before_restore;
  EXPECT_GE(duplicates_after_restore, outbox_in_backup);
  std::cout << fmt::format(
      "[   INFO   ] {} of {} chunks answered before the backup, {} after it; {} of the {} records "
      "submitted again after the restore were in the backup; {} messages waited in the backup's "
      "outbox; after the restore the national node answered {} duplicates and refused {} "
      "versions 31 had already sent before it\n",
      answered_before_backup, submitted_chunks, submitted_chunks - answered_after_backup,
      since_backup_in_backup, since_backup.size(), outbox_in_backup, duplicates_after_restore,
      net.node(31).log.count("record.rejected_by_peer"));
}

}  // namespace
}  // namespace provnet::testing
