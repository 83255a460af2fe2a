// How many entries each table of a node's LMDB store holds, as
// `provnode --check-store` prints them (read-only; the node may be stopped
// or running).
#pragma once

#include <cstdint>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>

#include "app/run_command.hpp"

namespace provnet::testing {

inline std::map<std::string, std::uint64_t> store_table_counts(const std::string& store_path) {
  CommandResult r = run_command(bin("provnode") + " --check-store '" + store_path + "' 2>&1");
  if (r.status != 0) {
    throw std::runtime_error("provnode --check-store " + store_path + " failed: " + r.out);
  }
  std::map<std::string, std::uint64_t> counts;
  static const std::regex row(R"(^\s+([a-z_]+)\s+(\d+)\s*$)");
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) counts[m[1]] = std::stoull(m[2]);
  }
  return counts;
}

}  // namespace provnet::testing
