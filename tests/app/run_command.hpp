// Runs a command line, capturing its standard output and exit status.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace provnet::testing {

struct CommandResult {
  int status = -1;  // exit status, or -1 when it did not exit normally
  std::string out;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  std::array<char, 65536> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

inline std::string bin(const std::string& name) {
  return std::string(PROVNET_BIN_DIR) + "/" + name;
}

}  // namespace provnet::testing
