// provctl inbox's paging and cursor file: every entry exactly once in the
// output, whether the download runs through, stops on an error, or was cut
// between writing a page and advancing the cursor.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/inbox_download.hpp"
#include "support/temp_dir.hpp"

namespace provnet::app {
namespace {

using nlohmann::json;
using testing::TempDir;

// A node's inbox: entries with seq 1..n (gaps allowed), served in pages as
// GET /v1/inbox answers them.
struct FakeInbox {
  std::vector<std::uint64_t> seqs;
  std::size_t limit = 10;
  int calls = 0;
  int fail_on_call = -1;  // this call (0-based) answers with an error

  explicit FakeInbox(std::uint64_t n) {
    for (std::uint64_t s = 1; s <= n; ++s) seqs.push_back(s);
  }

  std::string answer(std::uint64_t after) const {
    json entries = json::array();
    std::size_t left = 0;
    for (std::uint64_t s : seqs) {
      if (s <= after) continue;
      if (entries.size() < limit) {
        entries.push_back({{"seq", s},
                           {"kind", "record"},
                           {"id", "44-" + std::to_string(s)},
                           {"version", 1},
                           {"author", "44"},
                           {"message_id", "44:" + std::to_string(1000 + s)},
                           {"item", {{"record_id", "44-" + std::to_string(s)}}}});
      } else {
        ++left;
      }
    }
    std::uint64_t next = entries.empty() ? after : entries.back()["seq"].get<std::uint64_t>();
    return json{{"entries", entries}, {"next_after", next}, {"more", left > 0}}.dump();
  }

  FetchInboxPage fetch() {
    return [this](std::uint64_t after) -> Result<InboxPage> {
      if (calls++ == fail_on_call) return Error{Errc::io, "connection reset"};
      return parse_inbox_page(answer(after), after);
    };
  }
};

std::vector<std::uint64_t> seqs_in(const std::string& path) {
  std::vector<std::uint64_t> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line).at("seq").get<std::uint64_t>());
  return out;
}

std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t s = from; s <= to; ++s) out.push_back(s);
  return out;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(InboxDownload, PagesUntilNoMoreAndKeepsTheCursor) {
  TempDir dir("inbox");
  FakeInbox inbox(25);
  InboxDownload options{dir.sub("cursor"), std::nullopt, dir.sub("inbox.ndjson")};
  std::ostringstream unused;
  auto done = download_inbox(options, inbox.fetch(), unused);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->entries, 25u);
  EXPECT_EQ(done->pages, 3u);
  EXPECT_EQ(done->after, 25u);
  EXPECT_EQ(seqs_in(options.out_path), range(1, 25));
  EXPECT_EQ(first_line(options.cursor_file), "25");
  EXPECT_TRUE(unused.str().empty());
  EXPECT_FALSE(std::filesystem::exists(options.cursor_file + ".tmp"));
  // Entries carry personal data: the file is the operator's alone.
  auto perms = std::filesystem::status(options.out_path).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);

  // Later arrivals: the next run takes only those.
  inbox.seqs.push_back(26);
  inbox.seqs.push_back(30);
  auto later = download_inbox(options, inbox.fetch(), unused);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(later->entries, 2u);
  auto expected = range(1, 26);
  expected.push_back(30);
  EXPECT_EQ(seqs_in(options.out_path), expected);
  EXPECT_EQ(first_line(options.cursor_file), "30");

  // Nothing new: nothing written, the cursor stays.
  auto idle = download_inbox(options, inbox.fetch(), unused);
  ASSERT_TRUE(idle);
  EXPECT_EQ(idle->entries, 0u);
  EXPECT_EQ(seqs_in(options.out_path), expected);
  EXPECT_EQ(first_line(options.cursor_file), "30");
}

TEST(InboxDownload, AnInterruptedDownloadResumesWithNothingSkippedOrRepeated) {
  TempDir dir("inbox");
  FakeInbox inbox(45);
  InboxDownload options{dir.sub("cursor"), std::nullopt, dir.sub("inbox.ndjson")};
  std::ostringstream unused;

  inbox.fail_on_call = 2;  // the third page fails
  auto first = download_inbox(options, inbox.fetch(), unused);
  ASSERT_FALSE(first);
  EXPECT_EQ(seqs_in(options.out_path), range(1, 20));
  EXPECT_EQ(first_line(options.cursor_file), "20");

  inbox.fail_on_call = -1;
  auto resumed = download_inbox(options, inbox.fetch(), unused);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->entries, 25u);
  EXPECT_EQ(resumed->bytes_dropped, 0u);
  EXPECT_EQ(seqs_in(options.out_path), range(1, 45));
}

TEST(InboxDownload, APageWrittenButNotCountedByTheCursorIsCutAndFetchedAgain) {
  TempDir dir("inbox");
  FakeInbox inbox(30);
  InboxDownload options{dir.sub("cursor"), std::nullopt, dir.sub("inbox.ndjson")};
  std::ostringstream unused;
  inbox.fail_on_call = 1;
  ASSERT_FALSE(download_inbox(options, inbox.fetch(), unused));
  ASSERT_EQ(seqs_in(options.out_path), range(1, 10));

  // The run was killed after writing the next page (and half a line of the
  // one after) but before replacing the cursor file.
  {
    std::ofstream out(options.out_path, std::ios::app);
    FakeInbox copy(30);
    auto page = parse_inbox_page(copy.answer(10), 10);
    ASSERT_TRUE(page);
    for (const auto& line : page->lines) out << line << '\n';
    out << R"({"seq":21,"kind":"rec)";
  }
  inbox.fail_on_call = -1;
  auto resumed = download_inbox(options, inbox.fetch(), unused);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_GT(resumed->bytes_dropped, 0u);
  EXPECT_EQ(resumed->entries, 20u);
  EXPECT_EQ(seqs_in(options.out_path), range(1, 30));
}

TEST(InboxDownload, AnotherOutputFileIsNeverCutAndAfterOverridesTheCursor) {
  TempDir dir("inbox");
  FakeInbox inbox(15);
  std::ostringstream unused;
  InboxDownload first{dir.sub("cursor"), std::nullopt, dir.sub("a.ndjson")};
  ASSERT_TRUE(download_inbox(first, inbox.fetch(), unused));

  // The same cursor with another, longer file: appended to, not cut.
  const std::string other = dir.sub("b.ndjson");
  std::string existing(100'000, 'x');
  std::ofstream(other) << existing << '\n';
  inbox.seqs.push_back(16);
  InboxDownload second{dir.sub("cursor"), std::nullopt, other};
  auto more = download_inbox(second, inbox.fetch(), unused);
  ASSERT_TRUE(more) << more.error().message;
  EXPECT_EQ(more->bytes_dropped, 0u);
  auto entry16 = parse_inbox_page(inbox.answer(15), 15);
  ASSERT_TRUE(entry16);
  EXPECT_EQ(std::filesystem::file_size(other),
            existing.size() + 1 + entry16->lines.at(0).size() + 1);

  // --after: from there, whatever the cursor file says.
  std::ostringstream out;
  InboxDownload again{dir.sub("cursor"), std::uint64_t{12}, ""};
  auto redo = download_inbox(again, inbox.fetch(), out);
  ASSERT_TRUE(redo) << redo.error().message;
  EXPECT_EQ(redo->entries, 4u);
  EXPECT_EQ(first_line(dir.sub("cursor")), "16");
  std::istringstream lines(out.str());
  std::string line;
  std::vector<std::uint64_t> seen;
  while (std::getline(lines, line)) seen.push_back(json::parse(line)["seq"].get<std::uint64_t>());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{13, 14, 15, 16}));
}

TEST(InboxDownload, ACursorFileThatIsNotOneStopsEverything) {
  TempDir dir("inbox");
  FakeInbox inbox(5);
  std::ofstream(dir.sub("cursor")) << "yesterday\n";
  std::ostringstream out;
  InboxDownload options{dir.sub("cursor"), std::nullopt, ""};
  auto done = download_inbox(options, inbox.fetch(), out);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().message.find("expected the inbox cursor"), std::string::npos);
  EXPECT_EQ(inbox.calls, 0);
  EXPECT_TRUE(out.str().empty());

  std::ofstream(dir.sub("cursor2")) << "12\nnonsense\n";
  auto bad_second = read_cursor_file(dir.sub("cursor2"));
  EXPECT_FALSE(bad_second);

  // Written and read back, with a path holding a space.
  InboxCursor cursor{42, 1234, "/var/lib/provincial system/inbox.ndjson"};
  ASSERT_TRUE(write_cursor_file(dir.sub("cursor3"), cursor));
  auto back = read_cursor_file(dir.sub("cursor3"));
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->after, 42u);
  EXPECT_EQ((*back)->out_bytes, std::optional<std::uint64_t>(1234));
  EXPECT_EQ((*back)->out_path, cursor.out_path);
  auto absent = read_cursor_file(dir.sub("no-such-cursor"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(*absent);
}

TEST(InboxDownload, PagesAreCheckedAndANodeThatNeverAdvancesIsLeft) {
  auto plain = parse_inbox_page(R"({"entries":[{"seq":4},{"seq":9}]})", 3);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->next_after, 9u);  // no next_after: the last seq
  EXPECT_TRUE(plain->more);          // no more: go on until an empty page
  auto empty = parse_inbox_page(R"({"entries":[],"next_after":7,"more":false})", 7);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->more);
  EXPECT_EQ(empty->next_after, 7u);
  auto filtered = parse_inbox_page(R"({"entries":[{"seq":4}],"next_after":50,"more":true})", 3);
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->next_after, 50u);  // with --kind the cursor may pass other kinds

  EXPECT_FALSE(parse_inbox_page("<html>", 0));
  EXPECT_FALSE(parse_inbox_page(R"({"entries":[{"seq":4},{"seq":4}]})", 0));
  EXPECT_FALSE(parse_inbox_page(R"({"entries":[{"seq":2}]})", 5));
  EXPECT_FALSE(parse_inbox_page(R"({"entries":[{"id":"x"}]})", 0));
  EXPECT_FALSE(parse_inbox_page(R"({"entries":[{"seq":9}],"next_after":3})", 0));

  int calls = 0;
  FetchInboxPage stuck = [&](std::uint64_t after) -> Result<InboxPage> {
    ++calls;
    return parse_inbox_page(R"({"entries":[],"more":true})", after);
  };
  std::ostringstream out;
  auto done = download_inbox(InboxDownload{}, stuck, out);
  ASSERT_FALSE(done);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace provnet::app
