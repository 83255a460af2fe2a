// The node's JSON log on a file: it rotates at its size limit keeping
// `keep` old files, reopens its path after the file was moved (SIGHUP,
// logrotate), and takes a new minimum level while it runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/json_log.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

namespace fs = std::filesystem;
using daemon::JsonLog;
using daemon::LogFileOptions;
using nlohmann::json;
using testing::TempDir;

constexpr std::int64_t kNow = 1'763'892'902'114;  // 2025-11-23T10:15:02.114Z

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<json> events_of(const std::string& path) {
  std::vector<json> out;
  for (const std::string& line : lines_of(path)) out.push_back(json::parse(line));
  return out;
}

std::vector<std::string> event_names(const std::string& path) {
  std::vector<std::string> out;
  for (const json& e : events_of(path)) out.push_back(e.at("event").get<std::string>());
  return out;
}

JsonLog open_log(const LogFileOptions& options, core::LogLevel level = core::LogLevel::info) {
  auto log = JsonLog::open(options, level, 31);
  if (!log) throw std::runtime_error(log.error().message);
  return std::move(*log);
}

core::LogEvent numbered_event(int n) {
  return core::LogEvent{core::LogLevel::info,
                        "message.acknowledged",
                        {{"message_id", "31:" + std::to_string(1'000'000 + n)}, {"peer", "00"}}};
}

TEST(JsonLog, WritesOneJsonObjectALineWithTimeLevelNodeAndEvent) {
  TempDir dir("json-log");
  const std::string path = dir.sub("logs/31.log");  // the directory is made
  {
    JsonLog log = open_log({path});
    log.write(core::LogEvent{core::LogLevel::warn, "link.down", {{"peer", "00"}}}, kNow);
  }
  ASSERT_EQ(lines_of(path).size(), 1u);
  EXPECT_EQ(lines_of(path)[0],
            R"({"ts":"2025-11-23T10:15:02.114Z","level":"warn","node":"31","event":"link.down",)"
            R"("peer":"00"})");
}

TEST(JsonLog, RotatesBeforeTheSizeLimitAndKeepsKeepFiles) {
  TempDir dir("json-log");
  const std::string path = dir.sub("31.log");
  const std::uint64_t limit = 1000;
  constexpr int kEvents = 200;
  {
    JsonLog log = open_log({path, limit, 3});
    for (int n = 0; n < kEvents; ++n) log.write(numbered_event(n), kNow);
  }
  // path, path.1 .. path.3; path.4 would have been a fourth old file.
  for (const char* suffix : {"", ".1", ".2", ".3"}) {
    EXPECT_TRUE(fs::exists(path + suffix)) << path + suffix;
  }
  EXPECT_FALSE(fs::exists(path + ".4"));
  // Oldest first, the files hold consecutive events ending with the last
  // one written, each file whole lines, none over the limit, and each old
  // file full: the next line would have taken it past the limit.
  const std::vector<std::string> order = {path + ".3", path + ".2", path + ".1", path};
  std::vector<int> numbers;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto size = fs::file_size(order[i]);
    EXPECT_LE(size, limit) << order[i];
    const auto lines = lines_of(order[i]);
    ASSERT_FALSE(lines.empty()) << order[i];
    for (const std::string& line : lines) {
      const json e = json::parse(line);  // throws on half a line
      numbers.push_back(std::stoi(e.at("message_id").get<std::string>().substr(3)) - 1'000'000);
    }
    if (i + 1 < order.size()) {
      const std::string next_first_line = lines_of(order[i + 1]).front();
      EXPECT_GT(size + next_first_line.size() + 1, limit) << order[i] << " rotated early";
    }
  }
  ASSERT_FALSE(numbers.empty());
  EXPECT_EQ(numbers.back(), kEvents - 1);
  EXPECT_GT(numbers.front(), 0) << "the oldest events should have been dropped with path.4";
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    EXPECT_EQ(numbers[i], numbers[i - 1] + 1) << "a gap or a repeat at " << i;
  }
}

TEST(JsonLog, ContinuesAnExistingFileAndCountsWhatItHeld) {
  TempDir dir("json-log");
  const std::string path = dir.sub("31.log");
  std::ofstream(path) << std::string(900, 'x') << '\n';  // left by an earlier run
  {
    JsonLog log = open_log({path, 1000, 2});
    log.write(numbered_event(1), kNow);  // 900 + ~120 > 1000: rotates first
  }
  EXPECT_EQ(lines_of(path + ".1").size(), 1u);
  EXPECT_EQ(event_names(path), std::vector<std::string>{"message.acknowledged"});
}

TEST(JsonLog, WithoutASizeLimitNeverRotates) {
  TempDir dir("json-log");
  const std::string path = dir.sub("31.log");
  {
    JsonLog log = open_log({path, 0, 3});
    for (int n = 0; n < 200; ++n) log.write(numbered_event(n), kNow);
  }
  EXPECT_EQ(lines_of(path).size(), 200u);
  EXPECT_FALSE(fs::exists(path + ".1"));
}

TEST(JsonLog, ALogThatCannotRotateGoesOnAndSaysWhy) {
  TempDir dir("json-log");
  const std::string path = dir.sub("31.log");
  // path.1 is a directory that is not empty: renaming the log onto it fails.
  fs::create_directories(path + ".1/in-the-way");
  {
    JsonLog log = open_log({path, 1000, 1});
    for (int n = 0; n < 30; ++n) log.write(numbered_event(n), kNow);
  }
  const auto names = event_names(path);
  const auto failures = std::count(names.begin(), names.end(), "log.rotate_failed");
  EXPECT_GE(failures, 1);
  // Once per limit's worth of lines, not on every line.
  EXPECT_LE(failures, static_cast<std::ptrdiff_t>(fs::file_size(path) / 1000 + 1))
      << "retried too often";
  EXPECT_LT(failures, 15) << "retried on every line";
  EXPECT_EQ(std::count(names.begin(), names.end(), "message.acknowledged"), 30);
  for (const json& e : events_of(path)) {
    if (e["event"] == "log.rotate_failed") {
      EXPECT_EQ(e["level"], "error");
      EXPECT_NE(e["reason"].get<std::string>().find("cannot rotate"), std::string::npos) << e;
    }
  }
}

TEST(JsonLog, ReopenAfterTheFileWasMovedWritesToANewFileAtThePath) {
  TempDir dir("json-log");
  const std::string path = dir.sub("31.log");
  JsonLog log = open_log({path, 0, 5});
  log.write(numbered_event(1), kNow);
  // What logrotate does before its postrotate sends SIGHUP.
  fs::rename(path, path + ".1");
  log.write(numbered_event(2), kNow);  // still into the moved file
  ASSERT_TRUE(log.reopen(kNow, "SIGHUP"));
  log.write(numbered_event(3), kNow);

  EXPECT_EQ(event_names(path + ".1"),
            (std::vector<std::string>{"message.acknowledged", "message.acknowledged"}));
  const auto now = events_of(path);
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0]["event"], "log.reopened");
  EXPECT_EQ(now[0]["reason"], "SIGHUP");
  EXPECT_EQ(now[1]["message_id"], "31:1000003");
}

TEST(JsonLog, AReopenThatFailsKeepsTheOldFileAndSaysSo) {
  TempDir dir("json-log");
  const std::string path = dir.sub("31.log");
  JsonLog log = open_log({path, 0, 5});
  fs::rename(path, path + ".1");
  fs::create_directory(path);  // nothing can open a file there
  auto reopened = log.reopen(kNow, "SIGHUP");
  EXPECT_FALSE(reopened);
  log.write(numbered_event(1), kNow);
  const auto events = events_of(path + ".1");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["event"], "log.reopen_failed");
  EXPECT_EQ(events[0]["level"], "error");
  EXPECT_NE(events[0]["reason"].get<std::string>().find("SIGHUP: log.file"), std::string::npos)
      << events[0];
  EXPECT_EQ(events[1]["event"], "message.acknowledged");
}

TEST(JsonLog, TheMinimumLevelChangesWhileItRunsAndTheChangeIsAlwaysLogged) {
  TempDir dir("json-log");
  const std::string path = dir.sub("31.log");
  JsonLog log = open_log({path, 0, 5}, core::LogLevel::info);
  const core::LogEvent debug{core::LogLevel::debug, "message.sent", {{"peer", "00"}}};
  log.write(debug, kNow);  // dropped at info
  EXPECT_FALSE(log.enabled(core::LogLevel::debug));

  log.set_min_level(core::LogLevel::debug, kNow, {{"operator_id", "op-7"}});
  EXPECT_EQ(log.min_level(), core::LogLevel::debug);
  log.write(debug, kNow);  // written now

  // Up to error: the change itself (an info event) is still on record, the
  // debug event and an info one are not.
  log.set_min_level(core::LogLevel::error, kNow, {{"operator_id", "op-8"}});
  log.write(debug, kNow);
  log.write(numbered_event(1), kNow);
  log.write(core::LogEvent{core::LogLevel::error, "store.failed", {}}, kNow);

  const auto events = events_of(path);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["event"], "log.level_changed");
  EXPECT_EQ(events[0]["old_level"], "info");
  EXPECT_EQ(events[0]["new_level"], "debug");
  EXPECT_EQ(events[0]["operator_id"], "op-7");
  EXPECT_EQ(events[1]["event"], "message.sent");
  EXPECT_EQ(events[1]["level"], "debug");
  EXPECT_EQ(events[2]["event"], "log.level_changed");
  EXPECT_EQ(events[2]["old_level"], "debug");
  EXPECT_EQ(events[2]["new_level"], "error");
  EXPECT_EQ(events[2]["operator_id"], "op-8");
  EXPECT_EQ(events[3]["event"], "store.failed");
}

}  // namespace
}  // namespace provnet
