// provctl logs, run as the real binary on log files the test writes: the
// filters and their combinations, time ranges, rotated files read oldest
// first, lines that are not JSON, the text format, and --follow through
// appends and a rotation.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/run_command.hpp"
#include "integration/node_process.hpp"
#include "integration/wait_until.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

namespace fs = std::filesystem;
using testing::bin;
using testing::TempDir;

// Lines as provnode writes them (node/daemon/json_log.hpp).
const std::string kStarted =
    R"({"ts":"2026-11-22T23:59:59.999Z","level":"info","node":"31","event":"node.started","role":"province"})";
const std::string kSent =
    R"({"ts":"2026-11-23T10:15:02.114Z","level":"debug","node":"31","event":"message.sent","message_id":"31:1763892902114000","peer":"00","records":"2"})";
const std::string kAcked =
    R"({"ts":"2026-11-23T10:15:02.350Z","level":"info","node":"31","event":"message.acknowledged","message_id":"31:1763892902114000","peer":"00"})";
const std::string kRejected =
    R"({"ts":"2026-11-23T11:00:00.000Z","level":"warn","node":"31","event":"record.rejected","record_id":"31-2026-000000042","peer":"44","reason":"hukou province unknown"})";
const std::string kLinkDown =
    R"({"ts":"2026-11-24T00:00:00.000Z","level":"warn","node":"31","event":"link.down","peer":"00"})";
const std::string kStoreFailed =
    R"({"ts":"2026-11-24T08:30:00.000Z","level":"error","node":"31","event":"store.failed","reason":"disk full"})";

std::string lines(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& l : list) out += l + "\n";
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void append_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct LogsRun {
  int status = -1;
  std::string out;  // standard output: the matching lines
  std::string err;  // standard error: what was skipped, usage errors
};

struct LogsFixture {
  TempDir dir{"provctl-logs"};
  std::string path = dir.sub("31.log");

  LogsRun run(const std::string& args) const {
    const std::string err = dir.sub("stderr.txt");
    auto r = testing::run_command(bin("provctl") + " logs " + args + " 2>" + err);
    return LogsRun{r.status, r.out, read_file(err)};
  }
};

TEST(ProvctlLogs, PrintsTheMatchingLinesUnchangedForEachFilterAndTheirCombinations) {
  LogsFixture f;
  write_file(f.path, lines({kStarted, kSent, kAcked, kRejected, kLinkDown, kStoreFailed}));
  struct Case {
    std::string options;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"", {kStarted, kSent, kAcked, kRejected, kLinkDown, kStoreFailed}},
      {"--event message.sent", {kSent}},
      {"--event 'message.*'", {kSent, kAcked}},
      {"--event 'message.*' --event '*.failed'", {kSent, kAcked, kStoreFailed}},
      {"--peer 00", {kSent, kAcked, kLinkDown}},
      {"--record 31-2026-000000042", {kRejected}},
      {"--message 31:1763892902114000", {kSent, kAcked}},
      {"--level warn", {kRejected, kLinkDown, kStoreFailed}},
      {"--level info --peer 00", {kAcked, kLinkDown}},
      {"--event 'message.*' --level info", {kAcked}},
      {"--peer 44 --event 'link.*'", {}},
      {"--message 31:1763892902114000 --peer 00 --level debug --event 'message.ack*'", {kAcked}},
  };
  for (const Case& c : cases) {
    const LogsRun r = f.run(f.path + " " + c.options);
    EXPECT_EQ(r.status, 0) << c.options << "\n" << r.err;
    EXPECT_EQ(r.out, lines(c.expected)) << c.options;
    EXPECT_EQ(r.err, "") << c.options;
  }
}

TEST(ProvctlLogs, TimeRangesTakeTheLogsFormOrADateAndIncludeBothEnds) {
  LogsFixture f;
  write_file(f.path, lines({kStarted, kSent, kAcked, kRejected, kLinkDown, kStoreFailed}));
  struct Case {
    std::string options;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"--since 2026-11-23", {kSent, kAcked, kRejected, kLinkDown, kStoreFailed}},
      {"--until 2026-11-23", {kStarted, kSent, kAcked, kRejected}},
      {"--since 2026-11-23 --until 2026-11-23", {kSent, kAcked, kRejected}},
      {"--since 2026-11-23T10:15:02.350Z", {kAcked, kRejected, kLinkDown, kStoreFailed}},
      {"--until 2026-11-23T10:15:02.114Z", {kStarted, kSent}},
      {"--since 2026-11-23T10:15 --until 2026-11-23T10:15", {kSent, kAcked}},
      {"--since 2026-11-23T11:00:00Z --until 2026-11-24T00:00:00Z", {kRejected, kLinkDown}},
      // 16:30 in China is 08:30 UTC.
      {"--since '2026-11-24T16:30+08:00'", {kStoreFailed}},
      {"--since 2026-11-23 --level warn --peer 00", {kLinkDown}},
  };
  for (const Case& c : cases) {
    const LogsRun r = f.run(f.path + " " + c.options);
    EXPECT_EQ(r.status, 0) << c.options << "\n" << r.err;
    EXPECT_EQ(r.out, lines(c.expected)) << c.options;
  }
}

TEST(ProvctlLogs, ReadsTheRotatedFilesOldestFirstUnlessToldToReadOnlyTheCurrentOne) {
  LogsFixture f;
  write_file(f.path + ".2", lines({kStarted}));
  write_file(f.path + ".1", lines({kSent, kAcked}));
  write_file(f.path, lines({kRejected, kLinkDown}));
  write_file(f.path + ".3.gz", "\x1f\x8b not text");

  const LogsRun all = f.run(f.path);
  EXPECT_EQ(all.status, 0) << all.err;
  EXPECT_EQ(all.out, lines({kStarted, kSent, kAcked, kRejected, kLinkDown}));
  // The compressed one is named, not read.
  EXPECT_NE(all.err.find("1 compressed file not read (" + f.path + ".3.gz)"), std::string::npos)
      << all.err;

  const LogsRun peer = f.run(f.path + " --peer 00");
  EXPECT_EQ(peer.out, lines({kSent, kAcked, kLinkDown}));

  const LogsRun current = f.run(f.path + " --current-only");
  EXPECT_EQ(current.status, 0) << current.err;
  EXPECT_EQ(current.out, lines({kRejected, kLinkDown}));
  EXPECT_EQ(current.err, "");
}

TEST(ProvctlLogs, LinesThatAreNotJsonAreReportedWithTheirNumberAndSkipped) {
  LogsFixture f;
  write_file(f.path + ".1", lines({kStarted, "garbage in the log"}));
  write_file(f.path, lines({kSent, R"({"ts":"2026-11-23T10:15:02.2)", "", "[1,2,3]", kAcked}) +
                         "\x01\xff\xfe\n" + kRejected.substr(0, 40));  // a cut last line
  const LogsRun r = f.run(f.path);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, lines({kStarted, kSent, kAcked}));
  for (const std::string& where :
       {f.path + ".1:2:", f.path + ":2:", f.path + ":4:", f.path + ":6:", f.path + ":7:"}) {
    EXPECT_NE(r.err.find("provctl logs: " + where + " not a JSON object"), std::string::npos)
        << where << " in\n"
        << r.err;
  }
  // The blank line 3 is no problem; the bad lines' text is not repeated.
  EXPECT_EQ(r.err.find(f.path + ":3:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("garbage"), std::string::npos) << r.err;
}

TEST(ProvctlLogs, TheTextFormatIsOneCompactLineALine) {
  LogsFixture f;
  write_file(f.path, lines({kAcked, kRejected}));
  const LogsRun r = f.run(f.path + " --format text");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "2026-11-23T10:15:02.350Z info  31 message.acknowledged "
            "message_id=31:1763892902114000 peer=00\n"
            "2026-11-23T11:00:00.000Z warn  31 record.rejected record_id=31-2026-000000042 "
            "peer=44 reason=\"hukou province unknown\"\n");
}

TEST(ProvctlLogs, BadOptionsAndMissingFilesExitTwoWithTheReason) {
  LogsFixture f;
  write_file(f.path, lines({kStarted}));
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : {
           Case{f.path + " --since yesterday", "--since: \"yesterday\""},
           Case{f.path + " --until 2026-02-30", "2026-02 has no day 30"},
           Case{f.path + " --since 2026-11-24 --until 2026-11-23", "is after --until"},
           Case{f.path + " --level verbose", "--level: \"verbose\""},
           Case{f.path + " --format yaml", "--format"},
           Case{f.dir.sub("absent.log"), "absent.log: cannot open"},
           Case{f.dir.str(), "a directory; expected a log file"},
       }) {
    const LogsRun r = f.run(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_EQ(r.out, "") << c.args;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << ":\n" << r.err;
  }
}

// provctl logs --follow in the background, its output in a file.
class FollowingLogs {
 public:
  FollowingLogs(const LogsFixture& f, const std::vector<std::string>& options)
      : output_(f.dir.sub("follow.out")) {
    std::vector<std::string> args{"logs", f.path, "--follow"};
    args.insert(args.end(), options.begin(), options.end());
    process_.start(bin("provctl"), args, output_);
  }
  ~FollowingLogs() {
    process_.signal(SIGTERM);
    process_.wait_for_exit(std::chrono::seconds(30));
  }
  std::string output() const { return read_file(output_); }
  // Waits (bounded) until the output is `expected`; gives the output.
  std::string await(const std::string& expected) {
    testing::wait_until(
        [&] { return output() == expected || !process_.running() || process_.reap(); });
    return output();
  }

 private:
  std::string output_;
  testing::NodeProcess process_;
};

TEST(ProvctlLogs, FollowPrintsLinesAppendedAfterItStartedAndFollowsARotation) {
  LogsFixture f;
  write_file(f.path + ".1", lines({kStarted}));
  write_file(f.path, lines({kSent}));
  FollowingLogs follow(f, {"--level", "info"});
  // What was there: the rotated file first, filtered.
  ASSERT_EQ(follow.await(lines({kStarted})), lines({kStarted}));

  append_file(f.path, lines({kAcked, kSent}));
  ASSERT_EQ(follow.await(lines({kStarted, kAcked})), lines({kStarted, kAcked}));

  // A line written in two parts is printed once it is whole.
  append_file(f.path, kRejected.substr(0, 30));
  append_file(f.path, kRejected.substr(30) + "\n");
  ASSERT_EQ(follow.await(lines({kStarted, kAcked, kRejected})),
            lines({kStarted, kAcked, kRejected}));

  // Rotated as the node does it: renamed to .1 (the old .1 to .2), a new file.
  fs::rename(f.path + ".1", f.path + ".2");
  fs::rename(f.path, f.path + ".1");
  write_file(f.path, lines({kLinkDown}));
  const std::string after_rotation = lines({kStarted, kAcked, kRejected, kLinkDown});
  ASSERT_EQ(follow.await(after_rotation), after_rotation);

  append_file(f.path, lines({kStoreFailed}));
  const std::string all = lines({kStarted, kAcked, kRejected, kLinkDown, kStoreFailed});
  EXPECT_EQ(follow.await(all), all);
}

TEST(ProvctlLogs, FollowOnlyTheCurrentFileWithAFilterAndReportBadLinesAsTheyCome) {
  LogsFixture f;
  write_file(f.path + ".1", lines({kAcked}));
  write_file(f.path, lines({kStarted}));
  FollowingLogs follow(f, {"--current-only", "--peer", "00"});
  append_file(f.path, lines({"not json", kSent, kRejected, kLinkDown}));
  // Standard error goes to the same file: the bad line's report comes
  // before the lines after it.
  const std::string expected = "provctl logs: " + f.path +
                               ":2: not a JSON object (8 bytes); skipped\n" +
                               lines({kSent, kLinkDown});
  EXPECT_EQ(follow.await(expected), expected);
}

}  // namespace
}  // namespace provnet
