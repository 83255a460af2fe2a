// What provctl logs is made of, driven in the test's process: times from
// the command line, event patterns, the filter's criteria, a log's rotated
// files in order, and reading a file as it grows and is rotated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/log_file_lines.hpp"
#include "app/log_filter.hpp"
#include "app/log_follower.hpp"
#include "app/rotated_log_files.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

namespace fs = std::filesystem;
using app::LogFilter;
using app::LogFilterOptions;
using app::parse_time_span;
using nlohmann::ordered_json;
using testing::TempDir;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t k20261123 = 20'780 * kDay;  // 2026-11-23T00:00:00Z

TEST(LogTimes, APrecisionCoversItsWholeSpan) {
  auto day = parse_time_span("2026-11-23");
  ASSERT_TRUE(day) << day.error().message;
  EXPECT_EQ(day->first_ms, k20261123);
  EXPECT_EQ(day->last_ms, k20261123 + kDay - 1);

  auto minute = parse_time_span("2026-11-23T10:15");
  ASSERT_TRUE(minute);
  EXPECT_EQ(minute->first_ms, k20261123 + (10 * 60 + 15) * 60'000);
  EXPECT_EQ(minute->last_ms, minute->first_ms + 59'999);

  auto second = parse_time_span("2026-11-23T10:15:02Z");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->first_ms, minute->first_ms + 2'000);
  EXPECT_EQ(second->last_ms, second->first_ms + 999);

  // The log's own form: one millisecond.
  auto ts = parse_time_span("2026-11-23T10:15:02.114Z");
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->first_ms, second->first_ms + 114);
  EXPECT_EQ(ts->last_ms, ts->first_ms);

  auto tenths = parse_time_span("2026-11-23T10:15:02.1");
  ASSERT_TRUE(tenths);
  EXPECT_EQ(tenths->first_ms, second->first_ms + 100);
  EXPECT_EQ(tenths->last_ms, second->first_ms + 199);
}

TEST(LogTimes, AnOffsetIsTurnedIntoUtc) {
  auto china = parse_time_span("2026-11-23T18:15+08:00");
  auto utc = parse_time_span("2026-11-23T10:15Z");
  ASSERT_TRUE(china && utc);
  EXPECT_EQ(china->first_ms, utc->first_ms);
  auto west = parse_time_span("2026-11-22T23:15:00-1100");
  ASSERT_TRUE(west);
  EXPECT_EQ(west->first_ms, utc->first_ms);
  // A space instead of T, as people type it.
  auto spaced = parse_time_span("2026-11-23 10:15");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->first_ms, utc->first_ms);
  // Leap days and the start of the epoch.
  EXPECT_TRUE(parse_time_span("2024-02-29"));
  EXPECT_EQ(parse_time_span("1970-01-01T00:00:00.000Z")->first_ms, 0);
}

TEST(LogTimes, WhatIsNotATimeSaysWhatIsWrongAndWhatWasExpected) {
  for (const char* text :
       {"", "yesterday", "2026-13-01", "2026-02-29", "2026-11-31", "2026-11-23T24:00",
        "2026-11-23T10:60", "2026-11-23T10:15:61", "2026-11-23T10", "2026-11-23T10:15:02.",
        "2026-11-23T10:15+8", "2026-11-23T10:15 UTC", "20261123", "2026-11-23x"}) {
    auto t = parse_time_span(text);
    ASSERT_FALSE(t) << text;
    EXPECT_NE(t.error().message.find(std::string("\"") + text + "\""), std::string::npos)
        << t.error().message;
    EXPECT_NE(t.error().message.find("expected a time like 2026-11-23T10:15:02Z"),
              std::string::npos)
        << t.error().message;
  }
  EXPECT_NE(parse_time_span("2026-13-01").error().message.find("no month 13"), std::string::npos);
  EXPECT_NE(parse_time_span("2026-02-29").error().message.find("2026-02 has no day 29"),
            std::string::npos);
}

TEST(LogEvents, APatternsStarStandsForAnyText) {
  EXPECT_TRUE(app::event_matches("message.sent", "message.sent"));
  EXPECT_FALSE(app::event_matches("message.sent", "message.sent.again"));
  EXPECT_FALSE(app::event_matches("message", "message.sent"));
  EXPECT_TRUE(app::event_matches("message.*", "message.sent"));
  EXPECT_TRUE(app::event_matches("message.*", "message."));
  EXPECT_FALSE(app::event_matches("message.*", "messages.sent"));
  EXPECT_TRUE(app::event_matches("*.failed", "store.failed"));
  EXPECT_TRUE(app::event_matches("*", "anything"));
  EXPECT_TRUE(app::event_matches("l*k.*wn", "link.down"));
  EXPECT_FALSE(app::event_matches("l*k.*wn", "link.up"));
  EXPECT_TRUE(app::event_matches("*a*a*a", "aaaa"));
}

ordered_json line(const std::string& ts, const std::string& level, const std::string& event,
                  ordered_json fields = ordered_json::object()) {
  ordered_json out{{"ts", ts}, {"level", level}, {"node", "31"}, {"event", event}};
  for (auto& [k, v] : fields.items()) out[k] = v;
  return out;
}

LogFilter filter_of(LogFilterOptions o) {
  auto f = LogFilter::make(std::move(o));
  if (!f) throw std::runtime_error(f.error().message);
  return std::move(*f);
}

TEST(LogFilter, EveryCriterionGivenMustHold) {
  const auto sent = line("2026-11-23T10:15:02.114Z", "debug", "message.sent",
                         {{"message_id", "31:7"}, {"peer", "00"}});
  const auto acked = line("2026-11-23T10:15:03.000Z", "info", "message.acknowledged",
                          {{"message_id", "31:7"}, {"peer", "00"}});
  const auto rejected = line("2026-11-24T01:00:00.000Z", "warn", "record.rejected",
                             {{"record_id", "31-2026-000000001"}, {"peer", "44"}});
  const auto failed = line("2026-11-24T02:00:00.000Z", "error", "store.failed");

  auto which = [&](LogFilterOptions o) {
    const LogFilter f = filter_of(std::move(o));
    std::string out;
    for (const auto* l : {&sent, &acked, &rejected, &failed}) out += f.matches(*l) ? "1" : "0";
    return out;
  };
  EXPECT_EQ(which({}), "1111");
  EXPECT_EQ(which({.events = {"message.sent"}}), "1000");
  EXPECT_EQ(which({.events = {"message.*"}}), "1100");
  EXPECT_EQ(which({.events = {"message.sent", "*.failed"}}), "1001");
  EXPECT_EQ(which({.peer = "00"}), "1100");
  EXPECT_EQ(which({.peer = "44"}), "0010");
  EXPECT_EQ(which({.record_id = "31-2026-000000001"}), "0010");
  EXPECT_EQ(which({.message_id = "31:7"}), "1100");
  EXPECT_EQ(which({.message_id = "31:8"}), "0000");
  EXPECT_EQ(which({.min_level = "info"}), "0111");
  EXPECT_EQ(which({.min_level = "warn"}), "0011");
  EXPECT_EQ(which({.events = {"message.*"}, .min_level = "info"}), "0100");
  EXPECT_EQ(which({.events = {"*"}, .peer = "00", .message_id = "31:7", .min_level = "debug"}),
            "1100");
  // Time ranges: both ends at their precision, inclusive.
  EXPECT_EQ(which({.since = "2026-11-24"}), "0011");
  EXPECT_EQ(which({.until = "2026-11-23"}), "1100");
  EXPECT_EQ(which({.since = "2026-11-23T10:15:03Z"}), "0111");
  EXPECT_EQ(which({.until = "2026-11-23T10:15:02"}), "1000");
  EXPECT_EQ(which({.since = "2026-11-23T10:15:03", .until = "2026-11-24T01:00"}), "0110");
  EXPECT_EQ(which({.since = "2026-11-24T09:30+08:00"}), "0001");
  EXPECT_EQ(which({.peer = "44", .since = "2026-11-24", .until = "2026-11-24"}), "0010");
}

TEST(LogFilter, ALineWithoutTheFieldOrWithAnUnreadableOneDoesNotMatch) {
  const LogFilter by_time = filter_of({.since = "2026-01-01"});
  EXPECT_FALSE(by_time.matches(ordered_json{{"event", "x"}}));
  EXPECT_FALSE(by_time.matches(ordered_json{{"ts", "late"}, {"event", "x"}}));
  EXPECT_FALSE(by_time.matches(ordered_json{{"ts", 1763892902114}, {"event", "x"}}));
  const LogFilter by_level = filter_of({.min_level = "debug"});
  EXPECT_FALSE(by_level.matches(ordered_json{{"level", "verbose"}}));
  EXPECT_TRUE(by_level.matches(ordered_json{{"level", "debug"}}));
  const LogFilter by_peer = filter_of({.peer = "00"});
  EXPECT_FALSE(by_peer.matches(ordered_json{{"peer", 0}}));
  EXPECT_FALSE(by_peer.matches(ordered_json::array({"peer", "00"})));
}

TEST(LogFilter, BadOptionsNameTheOptionAndWhatItExpects) {
  auto message = [](LogFilterOptions o) {
    auto f = LogFilter::make(std::move(o));
    return f ? std::string("made") : f.error().message;
  };
  EXPECT_NE(message({.min_level = "verbose"}).find("--level: \"verbose\"; expected debug, info"),
            std::string::npos);
  EXPECT_NE(message({.since = "last week"}).find("--since: \"last week\""), std::string::npos);
  EXPECT_NE(message({.until = "2026-11-31"}).find("--until: \"2026-11-31\""), std::string::npos);
  EXPECT_NE(message({.since = "2026-11-24", .until = "2026-11-23"})
                .find("--since 2026-11-24 is after --until 2026-11-23"),
            std::string::npos);
  EXPECT_NE(message({.events = {""}}).find("--event: empty"), std::string::npos);
  // The same day at both ends is a range of one day.
  EXPECT_EQ(message({.since = "2026-11-23", .until = "2026-11-23"}), "made");
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void append_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

TEST(RotatedLogFiles, AreListedOldestFirstAndCompressedOnesApart) {
  TempDir dir("log-files");
  const std::string path = dir.sub("31.log");
  for (const char* name : {"31.log", "31.log.1", "31.log.2", "31.log.10", "31.log.3.gz",
                           "31.log.bak", "31.log.old.1", "32.log.1", "31.log1"}) {
    write_file(dir.sub(name), "x\n");
  }
  const auto files = app::find_rotated_log_files(path);
  EXPECT_EQ(files.oldest_first, (std::vector<std::string>{dir.sub("31.log.10"), dir.sub("31.log.2"),
                                                          dir.sub("31.log.1")}));
  EXPECT_EQ(files.compressed, std::vector<std::string>{dir.sub("31.log.3.gz")});
  EXPECT_TRUE(app::find_rotated_log_files(dir.sub("absent/31.log")).oldest_first.empty());
}

struct SeenLine {
  std::string text;
  std::string file;
  std::uint64_t number;
  bool operator==(const SeenLine&) const = default;
};

struct LineLog {
  std::vector<SeenLine> seen;
  app::OnLogLine callback() {
    return [this](std::string_view text, const std::string& file, std::uint64_t number) {
      seen.push_back({std::string(text), file, number});
    };
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& s : seen) out.push_back(s.text);
    return out;
  }
};

TEST(LogFileLines, GivesCompleteLinesAsTheFileGrowsAndTheUnfinishedOneOnlyAtTheEnd) {
  TempDir dir("log-lines");
  const std::string path = dir.sub("31.log");
  write_file(path, "one\ntwo\nthr");
  auto lines = app::LogFileLines::open(path);
  ASSERT_TRUE(lines) << lines.error().message;
  LineLog log;
  lines->read_new(log.callback());
  EXPECT_EQ(log.texts(), (std::vector<std::string>{"one", "two"}));
  append_file(path, "ee\nfour");
  lines->read_new(log.callback());
  EXPECT_EQ(log.texts(), (std::vector<std::string>{"one", "two", "three"}));
  lines->read_unfinished(log.callback());
  ASSERT_EQ(log.seen.size(), 4u);
  EXPECT_EQ(log.seen[3], (SeenLine{"four", path, 4}));

  // Truncated in place (copytruncate): read again from the start.
  write_file(path, "new\n");
  lines->read_new(log.callback());
  EXPECT_EQ(log.seen.back(), (SeenLine{"new", path, 1}));

  auto missing = app::LogFileLines::open(dir.sub("absent.log"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("absent.log: cannot open"), std::string::npos);
}

TEST(LogFollower, FollowsARotationAndKeepsReadingTheRenamedFile) {
  TempDir dir("log-follow");
  const std::string path = dir.sub("31.log");
  write_file(path, "a1\n");
  auto first = app::LogFileLines::open(path);
  ASSERT_TRUE(first);
  LineLog log;
  first->read_new(log.callback());
  app::LogFollower follower(path, std::move(*first));

  append_file(path, "a2\n");
  follower.poll(log.callback());
  EXPECT_EQ(log.texts(), (std::vector<std::string>{"a1", "a2"}));

  // Renamed; no new file yet: nothing changes, and the renamed file is read.
  fs::rename(path, path + ".1");
  append_file(path + ".1", "a3\n");
  follower.poll(log.callback());
  EXPECT_EQ(log.texts(), (std::vector<std::string>{"a1", "a2", "a3"}));

  // The new file: read from its start; the renamed one still gets lines
  // from a writer that has not reopened yet, and they are not lost.
  write_file(path, "b1\n");
  append_file(path + ".1", "a4\n");
  follower.poll(log.callback());
  append_file(path + ".1", "a5\n");
  append_file(path, "b2\n");
  follower.poll(log.callback());
  EXPECT_EQ(log.texts(), (std::vector<std::string>{"a1", "a2", "a3", "a4", "b1", "a5", "b2"}));
  EXPECT_EQ(log.seen[5], (SeenLine{"a5", path + " (rotated)", 5}));
  EXPECT_EQ(log.seen[6], (SeenLine{"b2", path, 2}));

  // A second rotation: the first renamed file is finished, the second read on.
  fs::rename(path + ".1", path + ".2");
  fs::rename(path, path + ".1");
  write_file(path, "c1\n");
  append_file(path + ".1", "b3\n");
  follower.poll(log.callback());
  const auto texts = log.texts();
  EXPECT_EQ(std::vector<std::string>(texts.begin() + 7, texts.end()),
            (std::vector<std::string>{"b3", "c1"}));
}

}  // namespace
}  // namespace provnet
