// A process's resident memory, from /proc/<pid>/status.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace provnet::testing {

// The value in KiB of a "Name:   1234 kB" line of /proc/<pid>/status
// ("VmRSS", "RssAnon", "VmHWM"); nullopt when the process or line is gone.
inline std::optional<std::uint64_t> proc_status_kib(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) == 0) {
      std::istringstream value(line.substr(name.size() + 1));
      std::uint64_t kib = 0;
      if (value >> kib) return kib;
    }
  }
  return std::nullopt;
}

}  // namespace provnet::testing
