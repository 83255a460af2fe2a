// Follows a provnode log as it is written, like `tail -F`: lines appended
// to its file, and through a rotation (the file renamed, a new one made at
// the path, by the node itself or by logrotate) on into the new file.
//
// The renamed file is still read until the next rotation: a node that is
// rotated by logrotate writes there until its SIGHUP arrives, and those
// lines are not lost. A file rotated twice between two polls is skipped,
// as with tail -F.
#pragma once

#include <optional>
#include <string>

#include "app/log_file_lines.hpp"

namespace provnet::app {

class LogFollower {
 public:
  // `current`: the log's file, open at `path`, read as far as the caller
  // has read it.
  LogFollower(std::string path, LogFileLines current)
      : path_(std::move(path)), current_(std::move(current)) {}

  // Every line written since the last call, in the renamed file first.
  void poll(const OnLogLine& on_line);

 private:
  std::string path_;
  LogFileLines current_;
  std::optional<LogFileLines> previous_;  // the file before the last rotation
};

}  // namespace provnet::app
