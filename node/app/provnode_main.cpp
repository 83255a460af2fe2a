// provnode: the provnet node daemon.
//
//   provnode --config FILE         run the node until SIGTERM/SIGINT
//   provnode --check-config FILE   report every problem of a configuration; exit 1 if any
//   provnode --check-store DIR     open a store read-only and print its tables
//
// Exit status: 0 success, 1 a bad configuration or a failed start (the reason
// is on stderr and in the log), 2 a usage error.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "daemon/node_config.hpp"
#include "daemon/node_daemon.hpp"
#include "store/store.hpp"

namespace {

using namespace provnet;

int check_store(const std::string& path) {
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  auto opened = store::Store::open(options);
  if (!opened) {
    std::cerr << "provnode: " << opened.error().message << '\n';
    return 1;
  }
  auto stats = (*opened)->stats();
  if (!stats) {
    std::cerr << "provnode: " << stats.error().message << '\n';
    return 1;
  }
  std::cout << fmt::format("store {}: schema {}, map {} MiB, {} bytes used\n", path,
                           store::kSchemaVersion, stats->map_size_bytes >> 20, stats->used_bytes);
  for (const store::TableStats& t : stats->tables) {
    std::cout << fmt::format("  {:<16} {:>10}\n", store::table_name(t.table), t.entries);
  }
  return 0;
}

int check_config(const std::string& path) {
  auto checked = daemon::load_node_config(path);
  if (!checked.config) {
    std::cerr << fmt::format("provnode: {}: {} problem{}\n", path, checked.problems.size(),
                             checked.problems.size() == 1 ? "" : "s");
    for (const std::string& p : checked.problems) std::cerr << "  " << p << '\n';
    return 1;
  }
  const daemon::NodeConfig& c = *checked.config;
  std::cout << fmt::format("{}: node {} ({}), {} peer{}, store {}: ok\n", path,
                           domain::province_code_text(c.code), c.national ? "national" : "province",
                           c.peers.size(), c.peers.size() == 1 ? "" : "s", c.store_path);
  return 0;
}

int run_node(const std::string& path) {
  auto checked = daemon::load_node_config(path);
  if (!checked.config) {
    std::cerr << fmt::format(
        "provnode: {}: not started, {} problem{} (see provnode "
        "--check-config)\n",
        path, checked.problems.size(), checked.problems.size() == 1 ? "" : "s");
    for (const std::string& p : checked.problems) std::cerr << "  " << p << '\n';
    return 1;
  }
  auto node = daemon::NodeDaemon::create(*checked.config);
  if (!node) {
    std::cerr << "provnode: not started: " << node.error().message << '\n';
    return 1;
  }
  return (*node)->run();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"provnode: the provnet node daemon"};
  app.set_version_flag("--version", "provnode 0.1.0");
  std::string config, check, store_dir;
  auto* run_opt = app.add_option("--config", config, "run the node with this TOML configuration");
  auto* check_opt =
      app.add_option("--check-config", check, "check a configuration and report every problem");
  auto* store_opt = app.add_option("--check-store", store_dir,
                                   "open a store read-only, check its schema and print its tables");
  run_opt->excludes(check_opt)->excludes(store_opt);
  check_opt->excludes(store_opt);
  app.require_option(1);
  CLI11_PARSE(app, argc, argv);
  if (!check.empty()) return check_config(check);
  if (!store_dir.empty()) return check_store(store_dir);
  return run_node(config);
}
