// The older files of a provnode log: path.1, path.2, ... as the node's own
// rotation (node/daemon/log_file.hpp) and logrotate name them, path.1 the
// newest. Compressed ones (logrotate's compress: path.2.gz) are listed
// apart, since they are not read.
#pragma once

#include <string>
#include <vector>

namespace provnet::app {

struct RotatedLogFiles {
  std::vector<std::string> oldest_first;  // path.N ... path.1, those that exist
  std::vector<std::string> compressed;    // path.N.gz, .xz, ...: skipped
};

RotatedLogFiles find_rotated_log_files(const std::string& path);

}  // namespace provnet::app
