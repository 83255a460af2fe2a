// Fuzz target: the TOML files an operator writes — a node's configuration
// (provnode --config, provctl check-config), and the national node's
// directory sources nodes.toml and groups.toml. The first byte picks which
// file the rest is; the other directory file is the shipped one
// (config/). A file is either accepted or refused with problems, each a
// sentence naming what is wrong; never a crash.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "daemon/directory_source.hpp"
#include "daemon/node_config.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace provnet;

void write_file(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void check_problems(bool accepted, const std::vector<std::string>& problems) {
  if (!accepted && problems.empty()) __builtin_trap();  // refused without a reason
  for (const std::string& p : problems) {
    if (p.empty()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::ScratchDir dir("config");
  if (size < 1) return 0;
  const std::filesystem::path file = dir.path() / "input.toml";
  write_file(file, data + 1, size - 1);
  const std::string shipped = std::string(PROVNET_SOURCE_DIR) + "/config/";
  switch (data[0] % 3) {
    case 0: {
      daemon::ConfigCheck check = daemon::load_node_config(file.string());
      check_problems(check.config.has_value(), check.problems);
      break;
    }
    case 1: {
      daemon::DirectorySources sources{file.string(), shipped + "groups.toml", ""};
      auto check = daemon::load_directory_sources(sources, fuzz::kFuzzNowMs / 1000);
      check_problems(check.content.has_value(), check.problems);
      break;
    }
    default: {
      daemon::DirectorySources sources{shipped + "nodes.toml", file.string(), ""};
      auto check = daemon::load_directory_sources(sources, fuzz::kFuzzNowMs / 1000);
      check_problems(check.content.has_value(), check.problems);
      break;
    }
  }
  return 0;
}
