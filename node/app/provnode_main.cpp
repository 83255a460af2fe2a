// provnode: the provnet daemon.
//
// This build carries the node's store and core; the network side (mTLS
// listener, peers, TOML config) is the next increment. Until then provnode
// can check a store: open it, verify its schema, and print its tables.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "store/store.hpp"

int main(int argc, char** argv) {
  using namespace provnet;
  CLI::App app{"provnode: the provnet node daemon"};
  app.set_version_flag("--version", "provnode 0.1.0");
  std::string check_store;
  app.add_option("--check-store", check_store,
                 "open a store read-only, check its schema version and print its tables");
  app.require_option(1);
  CLI11_PARSE(app, argc, argv);

  store::StoreOptions options;
  options.path = check_store;
  options.read_only = true;
  auto opened = store::Store::open(options);
  if (!opened) {
    std::cerr << "provnode: " << opened.error().message << '\n';
    return 2;
  }
  auto stats = (*opened)->stats();
  if (!stats) {
    std::cerr << "provnode: " << stats.error().message << '\n';
    return 2;
  }
  std::cout << fmt::format("store {}: schema {}, map {} MiB, {} bytes used\n", check_store,
                           store::kSchemaVersion, stats->map_size_bytes >> 20, stats->used_bytes);
  for (const store::TableStats& t : stats->tables) {
    std::cout << fmt::format("  {:<16} {:>10}\n", store::table_name(t.table), t.entries);
  }
  return 0;
}
