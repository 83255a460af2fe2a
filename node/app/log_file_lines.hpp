// One file of a provnode log, read line by line as it grows: what
// `provctl logs` reads, and follows.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace provnet::app {

// A line of a log file: its text (without the newline), the file it is in
// and its number there (from 1).
using OnLogLine =
    std::function<void(std::string_view line, const std::string& file, std::uint64_t number)>;

class LogFileLines {
 public:
  // Opens `path` for reading from its start; errors name the file and why.
  static Result<LogFileLines> open(const std::string& path);
  LogFileLines(LogFileLines&& other) noexcept;
  LogFileLines& operator=(LogFileLines&& other) noexcept;
  LogFileLines(const LogFileLines&) = delete;
  ~LogFileLines();

  // Every complete line appended since the last call. A file that got
  // shorter than what was read (truncated in place, logrotate's
  // copytruncate) is read again from its start.
  void read_new(const OnLogLine& on_line);
  // The text after the last newline, as a line of its own: for a file that
  // will not grow any more (a line cut short by a crash, or a file edited
  // by hand).
  void read_unfinished(const OnLogLine& on_line);

  // Whether `path` names this file now: not once it was renamed, and
  // another file (or none) took its name.
  bool is_at(const std::string& path) const;

  // The name lines are reported with.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  LogFileLines(std::string name, int fd, dev_t device, ino_t inode, bool regular)
      : name_(std::move(name)), fd_(fd), device_(device), inode_(inode), regular_(regular) {}

  std::string name_;
  int fd_ = -1;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  bool regular_ = true;       // a file, not a pipe: read by offset, may be truncated
  std::uint64_t offset_ = 0;  // bytes read
  std::uint64_t lines_ = 0;   // lines given so far
  std::string unfinished_;    // read, but no newline yet
};

}  // namespace provnet::app
