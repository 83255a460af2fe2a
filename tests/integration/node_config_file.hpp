// The TOML configuration of one test node (node/daemon/node_config.hpp
// documents the keys), with delivery settings small enough that a test's
// retries and reconnects happen in well under a second.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace provnet::testing {

struct PeerEntry {
  int code = 0;
  std::optional<std::uint16_t> port;  // on 127.0.0.1; set when this node dials the peer
};

struct NodeConfigFile {
  int code = 0;
  std::string store_path;
  int map_size_mib = 256;
  std::optional<std::uint16_t> listen_port;
  std::uint16_t admin_port = 0;
  std::string certificate;
  std::string private_key;
  std::string ca;
  // [signing], written when `signing_algorithm` is set.
  std::string signing_algorithm;
  std::string signing_certificate;
  std::string signing_private_key;
  std::vector<PeerEntry> peers;
  std::string log_file;
  std::string log_level = "info";
  // [log] max_size and keep, written when set (the node's defaults otherwise).
  std::optional<std::uint64_t> log_max_size;
  std::optional<int> log_keep;

  // [delivery]
  int batch_max_records = 50;
  int batch_linger_ms = 20;
  int retry_initial_ms = 200;
  int retry_max_ms = 2000;
  int reconnect_initial_ms = 100;
  int reconnect_max_ms = 1000;
  int handshake_timeout_ms = 5000;
  std::optional<int> direct_fallback_s;  // written when set

  // [directory], written when anything of it is set. A province takes only
  // the refresh interval; the national node publishes from the files.
  std::optional<int> directory_refresh_interval_s;
  std::string publish_nodes;     // nodes.toml
  std::string publish_groups;    // groups.toml
  std::string publish_ca_index;  // index.tsv
  std::optional<int> directory_validity_hours;

  // [collaboration] calendar_dir, written when set: where the holiday
  // calendar (holidays-YYYY.csv) is; without it the node looks next to its
  // configuration file, where the tests put none.
  std::string calendar_dir;

  // Written at the end as it is: tables this struct has no fields for
  // ("[ops]\nstore_warning_percent = 1\n").
  std::string extra_toml;

  std::string code_text() const { return fmt::format("{:02}", code); }

  std::string toml() const {
    std::string t;
    t += fmt::format("[node]\ncode = \"{}\"\nrole = \"{}\"\n\n", code_text(),
                     code == 0 ? "national" : "province");
    t += fmt::format("[store]\npath = \"{}\"\nmap_size_mib = {}\n\n", store_path, map_size_mib);
    if (listen_port) t += fmt::format("[listen]\naddress = \"127.0.0.1:{}\"\n\n", *listen_port);
    t += fmt::format("[admin]\naddress = \"127.0.0.1:{}\"\n\n", admin_port);
    t += fmt::format("[tls]\ncertificate = \"{}\"\nprivate_key = \"{}\"\nca = \"{}\"\n\n",
                     certificate, private_key, ca);
    if (!signing_algorithm.empty()) {
      t += fmt::format(
          "[signing]\nalgorithm = \"{}\"\ncertificate = \"{}\"\nprivate_key = \"{}\"\n\n",
          signing_algorithm, signing_certificate, signing_private_key);
    }
    for (const PeerEntry& p : peers) {
      t += fmt::format("[[peers]]\ncode = \"{:02}\"\n", p.code);
      if (p.port) t += fmt::format("address = \"127.0.0.1:{}\"\n", *p.port);
      t += "\n";
    }
    t += fmt::format(
        "[delivery]\nbatch_max_records = {}\nbatch_linger_ms = {}\nretry_initial_ms = {}\n"
        "retry_max_ms = {}\nreconnect_initial_ms = {}\nreconnect_max_ms = {}\n"
        "handshake_timeout_ms = {}\n",
        batch_max_records, batch_linger_ms, retry_initial_ms, retry_max_ms, reconnect_initial_ms,
        reconnect_max_ms, handshake_timeout_ms);
    if (direct_fallback_s) t += fmt::format("direct_fallback_s = {}\n", *direct_fallback_s);
    t += "\n";
    std::string directory;
    if (directory_refresh_interval_s) {
      directory += fmt::format("refresh_interval_s = {}\n", *directory_refresh_interval_s);
    }
    if (!publish_nodes.empty()) directory += fmt::format("publish_nodes = \"{}\"\n", publish_nodes);
    if (!publish_groups.empty()) {
      directory += fmt::format("publish_groups = \"{}\"\n", publish_groups);
    }
    if (!publish_ca_index.empty()) {
      directory += fmt::format("publish_ca_index = \"{}\"\n", publish_ca_index);
    }
    if (directory_validity_hours) {
      directory += fmt::format("validity_hours = {}\n", *directory_validity_hours);
    }
    if (!directory.empty()) t += "[directory]\n" + directory + "\n";
    if (!calendar_dir.empty()) {
      t += fmt::format("[collaboration]\ncalendar_dir = \"{}\"\n\n", calendar_dir);
    }
    t += fmt::format("[log]\nlevel = \"{}\"\nfile = \"{}\"\n", log_level, log_file);
    if (log_max_size) t += fmt::format("max_size = {}\n", *log_max_size);
    if (log_keep) t += fmt::format("keep = {}\n", *log_keep);
    if (!extra_toml.empty()) t += "\n" + extra_toml;
    return t;
  }

  void write(const std::string& path) const {
    std::ofstream out(path, std::ios::trunc);
    out << toml();
    if (!out) throw std::runtime_error("cannot write " + path);
  }
};

}  // namespace provnet::testing
