// `provctl inbox`: paging through GET /v1/inbox into an NDJSON file, with a
// cursor file so an interrupted download resumes with nothing skipped or
// repeated. Apart from the HTTP client so the tests can drive it with pages
// of their own.
//
// The cursor file holds the response's "next_after" on its first line and,
// when the entries go to a file, "<bytes> <absolute path>" on its second: the
// size of that file holding exactly the entries up to the cursor. Each page
// is appended to the output and flushed (fsync for a file) before the cursor
// is replaced (a temporary file, fsync, rename), so the cursor never runs
// ahead of the output. A run interrupted between the two left a page in the
// output that the cursor does not count: the next run cuts the output back to
// the recorded size and fetches that page again. (With standard output there
// is nothing to cut back: such a page can come twice; each entry's "seq"
// tells.)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace provnet::app {

struct InboxCursor {
  std::uint64_t after = 0;
  // The output file's size when `after` was written, and that file; absent
  // when the entries went to standard output.
  std::optional<std::uint64_t> out_bytes;
  std::string out_path;
};

// nullopt when the file does not exist (a first download); an error when it
// exists but is not a cursor (starting again from 0 would repeat everything).
Result<std::optional<InboxCursor>> read_cursor_file(const std::string& path);
// Replaces the file atomically (temporary file in the same directory, fsync,
// rename, fsync of the directory).
Result<void> write_cursor_file(const std::string& path, const InboxCursor& cursor);

// One page of GET /v1/inbox: each entry as one line of JSON (no newline).
struct InboxPage {
  std::vector<std::string> lines;
  std::uint64_t next_after = 0;
  bool more = false;
};
// {"entries":[...],"next_after":N,"more":bool}. Without next_after the last
// entry's seq is the cursor; without more, an empty page ends. `after` is the
// cursor the page was asked for: entries at or before it are an error.
Result<InboxPage> parse_inbox_page(std::string_view body, std::uint64_t after);

struct InboxDownload {
  std::string cursor_file;             // "" = none
  std::optional<std::uint64_t> after;  // given: start here, whatever the cursor file says
  std::string out_path;                // "" = `stdout_sink`
};

struct InboxDownloadSummary {
  std::uint64_t entries = 0;
  std::uint64_t pages = 0;
  std::uint64_t after = 0;          // the cursor reached
  std::uint64_t bytes_dropped = 0;  // of an unconfirmed page cut from the output at the start
};

using FetchInboxPage = std::function<Result<InboxPage>(std::uint64_t after)>;

// Fetches pages from the start cursor until one says no more, appending
// entries to the output and advancing the cursor file after each. On an
// error the output and the cursor file are consistent up to the last whole
// page, so running it again continues where it stopped.
Result<InboxDownloadSummary> download_inbox(const InboxDownload& options,
                                            const FetchInboxPage& fetch, std::ostream& stdout_sink);

}  // namespace provnet::app
