// Where the operator's log lines go: standard error (for journald), or a
// file the node appends to, rotates by size and reopens on request.
//
// Rotation: before a line would take the file past `max_size_bytes`, the
// file is renamed path.1 (path.1 to path.2, ... path.<keep-1> to
// path.<keep>, so at most `keep` old files stay) and a new path is opened.
// The line never straddles two files, so every file ends with a whole line.
// This is the same naming logrotate uses, and `provctl logs` reads the
// files back in that order; with logrotate doing the rotating instead, set
// max_size to 0 and have it send SIGHUP, which calls reopen().
//
// Each line is written with one write(2) and no buffering, so a crash loses
// no line that was logged and a reader never sees half a line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace provnet::daemon {

struct LogFileOptions {
  std::string path;                  // empty: standard error
  std::uint64_t max_size_bytes = 0;  // 0: never rotates by itself
  std::uint32_t keep = 5;            // rotated files kept: path.1 ... path.<keep>
};

class LogFile {
 public:
  // Opens (creating it and its directory) `options.path` for appending.
  static Result<LogFile> open(LogFileOptions options);
  LogFile(LogFile&& other) noexcept;
  LogFile& operator=(LogFile&&) = delete;
  LogFile(const LogFile&) = delete;
  ~LogFile();

  // Writes `line` (which ends with '\n'), rotating first when it would pass
  // the size limit. An error says the rotation failed; the line was written
  // to the current file all the same, and the next attempt waits for
  // another max_size_bytes, so a log that cannot rotate does not try on
  // every line.
  Result<void> append(std::string_view line);

  // Closes the file and opens `path` again: after logrotate (or anyone) has
  // renamed it, lines go to a new file at the configured path. On error the
  // current file stays in use. Standard error is left as it is.
  Result<void> reopen();

  const std::string& path() const { return options_.path; }

 private:
  LogFile(LogFileOptions options, int fd, bool owned, std::uint64_t size)
      : options_(std::move(options)), fd_(fd), owned_(owned), size_(size) {}
  Result<void> rotate();
  void write_all(std::string_view bytes);

  LogFileOptions options_;
  int fd_;
  bool owned_;
  std::uint64_t size_;  // bytes in the current file, as far as this process knows
};

}  // namespace provnet::daemon
