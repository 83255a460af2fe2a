// A small provnet network of real provnode processes on 127.0.0.1: the
// national node 00 and provinces (31 and 44 by default), each with its own
// certificate from one test CA, LMDB store, configuration, log file and admin
// port, all in one TempDir. Provinces dial the national node, which lists
// them by code only; it may also list codes no process runs (45, ...) so a
// test client can connect in their place.
//
// With NetworkOptions::directory the national node also publishes a signed
// directory (nodes.toml, groups.toml and the CA's index.tsv in its
// directory, re-read every directory_refresh_s), and the members of its
// regional groups listen so that their group peers can dial them.
//
// Helpers that wait throw IntegrationFailure when their deadline passes,
// with what was awaited and the tail of every node's log and output; gtest
// reports the exception as the test's failure.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include "arrival_check.hpp"
#include "ca/ca_index.hpp"
#include "ca/certificates.hpp"
#include "free_port.hpp"
#include "generated_records.hpp"
#include "http_client.hpp"
#include "node_config_file.hpp"
#include "node_log_file.hpp"
#include "node_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"
#include "wait_until.hpp"

namespace provnet::testing {

class IntegrationFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline std::string provnode_binary() {
  return std::string(PROVNET_BIN_DIR) + "/provnode";
}

inline std::string code_text(int code) {
  return fmt::format("{:02}", code);
}

inline std::string file_tail(const std::string& path, std::size_t lines) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::ostringstream out;
  out << "---- last lines of " << path << " ----\n";
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out << all[i] << '\n';
  }
  return out.str();
}

// One node of the network: its files, configuration and process.
struct TestNode {
  int code = 0;
  std::filesystem::path dir;
  NodeConfigFile config;
  std::string config_path;
  std::string output_path;  // provnode's standard output and error, all runs
  NodeLogFile log;
  NodeProcess process;
  int starts = 0;

  std::string name() const { return "node " + code_text(code); }
  std::uint16_t admin_port() const { return config.admin_port; }
};

// A regional group of the published directory (groups.toml).
struct DirectoryGroupEntry {
  std::string id;
  std::string name;
  std::vector<int> members;
  std::string national_copy = "full";  // or "evidence"
};

struct NetworkOptions {
  std::vector<int> provinces{31, 44};
  // Codes the national node accepts as peers besides the running provinces.
  std::vector<int> extra_national_peers;
  // The national node publishes a signed directory of every node above
  // (extra_national_peers too) with these groups, and the CA index of their
  // certificates; every node refreshes it this often. Give at least one
  // group: the national node refuses a groups.toml without [[group]].
  bool directory = false;
  std::vector<DirectoryGroupEntry> groups;
  int directory_refresh_s = 1;
};

class NodeNetwork {
 public:
  // `tag` names the test's directory.
  explicit NodeNetwork(std::string_view tag, NetworkOptions options = NetworkOptions())
      : options_(std::move(options)), dir_(tag), pki_(dir_.path() / "pki") {
    add_node(0);
    for (int p : options_.provinces) add_node(p);
    TestNode& national = node(0);
    national.config.listen_port = free_tcp_port();
    for (int p : options_.provinces) {
      national.config.peers.push_back(PeerEntry{p, std::nullopt});
      node(p).config.peers.push_back(PeerEntry{0, national.config.listen_port});
    }
    for (int p : options_.extra_national_peers) {
      national.config.peers.push_back(PeerEntry{p, std::nullopt});
    }
    if (options_.directory) set_up_directory();
    write_configs();
  }

  ~NodeNetwork() {
    // Stop every node before the TempDir goes (SIGKILL: nothing to keep).
    for (auto& [code, n] : nodes_) {
      n->process.signal(SIGKILL);
      n->process.wait_for_exit(std::chrono::seconds(30));
    }
  }

  NodeNetwork(const NodeNetwork&) = delete;
  NodeNetwork& operator=(const NodeNetwork&) = delete;

  TestNode& node(int code) {
    auto it = nodes_.find(code);
    if (it == nodes_.end())
      throw std::logic_error("no node " + code_text(code) + " in the network");
    return *it->second;
  }
  TestPki& pki() { return pki_; }
  const TempDir& dir() const { return dir_; }
  std::uint16_t national_port() { return *node(0).config.listen_port; }

  // A valid certificate and key of this network's CA for `code` (made once):
  // the nodes' own, or identities for test clients.
  NodeFiles credentials(int code, const NodeCertificateOptions& options = {}) {
    const std::string key = code_text(code) + options.file_suffix;
    auto it = credentials_.find(key);
    if (it != credentials_.end()) return it->second;
    NodeFiles files = pki_.issue_node(static_cast<domain::ProvinceCode>(code), options);
    credentials_.emplace(key, files);
    return files;
  }

  // Rewrites every node's configuration file (after a test changed one),
  // and the directory's nodes.toml and groups.toml (addresses may have moved).
  void write_configs() {
    for (auto& [code, n] : nodes_) n->config.write(n->config_path);
    if (options_.directory) write_directory_sources();
  }

  // The national node's directory sources (NetworkOptions::directory).
  std::string nodes_file() const { return (dir_.path() / "00" / "nodes.toml").string(); }
  std::string groups_file() const { return (dir_.path() / "00" / "groups.toml").string(); }
  std::string ca_index_file() const { return (dir_.path() / "00" / "index.tsv").string(); }

  // The national node first, then the provinces; returns when every node
  // answers its health check and every province is linked to the national node.
  void start_all() {
    start(0);
    for (int p : options_.provinces) start(p);
    for (int p : options_.provinces) wait_linked(p);
  }

  // Starts the node and waits for its health check. On the first start only,
  // a port taken meanwhile by someone else is replaced and the start retried.
  void start(int code) {
    TestNode& n = node(code);
    for (int attempt = 0;; ++attempt) {
      const auto output_before = file_size(n.output_path);
      const auto log_before = file_size(n.config.log_file);
      n.process.start(provnode_binary(), {"--config", n.config_path}, n.output_path);
      ++n.starts;
      bool healthy = wait_until([&] { return n.process.reap() || is_healthy(n); });
      if (healthy && n.process.running()) return;
      if (!healthy) fail(fmt::format("{} did not answer GET /v1/health", n.name()));
      // A start that fails logs node.start_failed; errors before the log is
      // open go to standard error.
      const std::string said =
          read_from(n.output_path, output_before) + read_from(n.config.log_file, log_before);
      const bool port_taken = said.find("cannot listen") != std::string::npos;
      if (port_taken && n.starts == 1 && attempt < 3 && can_move_ports(code)) {
        n.config.admin_port = free_tcp_port();
        if (n.config.listen_port) move_listen_port(code);
        write_configs();
        n.starts = 0;
        continue;
      }
      fail(fmt::format("{} exited at start ({})", n.name(), n.process.last_exit()->text()));
    }
  }

  // Every province's link to the national node is up on both ends.
  void wait_linked(int province) {
    bool linked =
        wait_until([&] { return link_connected(province, 0) && link_connected(0, province); });
    if (!linked) fail(fmt::format("the link 00 - {} did not come up", code_text(province)));
  }

  // SIGKILL, then reaped.
  ExitStatus kill(int code) { return node(code).process.kill_hard(); }

  // SIGTERM; the node must exit within the deadline.
  ExitStatus terminate(int code) {
    TestNode& n = node(code);
    n.process.signal(SIGTERM);
    auto status = n.process.wait_for_exit(kPatience);
    if (!status) fail(fmt::format("{} still runs {} s after SIGTERM", n.name(), kPatience.count()));
    return *status;
  }

  // Fails the test if a node that should be running has exited.
  void check_running() {
    for (auto& [code, n] : nodes_) {
      if (n->process.running() && n->process.reap()) {
        fail(fmt::format("{} exited unexpectedly ({})", n->name(), n->process.last_exit()->text()));
      }
    }
  }

  HttpReply submit(int code, std::span<const domain::MigrantRecord> records) {
    return http_post(node(code).admin_port(), "/v1/records", to_ndjson(records));
  }

  // Submits and requires 200 with every record accepted or unchanged.
  nlohmann::json submit_ok(int code, std::span<const domain::MigrantRecord> records) {
    HttpReply reply = submit(code, records);
    if (reply.status != 200) {
      fail(fmt::format("POST /v1/records to {} failed: {}", code_text(code), reply.describe()));
    }
    nlohmann::json body = reply.json();
    if (body.at("accepted").get<std::size_t>() + body.at("unchanged").get<std::size_t>() !=
        records.size()) {
      fail(fmt::format("POST /v1/records to {}: not every record taken: {}", code_text(code),
                       reply.body.substr(0, 1000)));
    }
    return body;
  }

  // The node's whole inbox, paged; throws IntegrationFailure if the node
  // does not answer.
  std::vector<InboxEntry> inbox(int code) {
    std::vector<InboxEntry> out;
    std::uint64_t after = 0;
    while (true) {
      HttpReply reply = http_get(node(code).admin_port(),
                                 fmt::format("/v1/inbox?after={}&limit={}", after, kInboxPage));
      if (reply.status != 200) {
        throw IntegrationFailure(
            fmt::format("GET /v1/inbox of {}: {}", code_text(code), reply.describe()));
      }
      auto entries = reply.json().at("entries");
      for (const auto& e : entries) out.push_back(InboxEntry::from_json(e));
      if (entries.size() < kInboxPage) return out;
      after = out.back().seq;
    }
  }

  // GET /v1/status, or null when the node does not answer.
  nlohmann::json status(int code) {
    HttpReply reply = http_get(node(code).admin_port(), "/v1/status");
    if (reply.status != 200) return nullptr;
    return reply.json();
  }

  // What waits in `code`'s outbox for the link to `peer`; nullopt when the
  // node does not answer.
  std::optional<std::uint64_t> outbox_depth(int code, int peer) {
    auto s = status(code);
    if (s.is_null()) return std::nullopt;
    for (const auto& l : s.at("links")) {
      if (l.at("peer") == code_text(peer) && l.at("outbox").is_number()) {
        return l.at("outbox").get<std::uint64_t>();
      }
    }
    return std::nullopt;
  }

  bool link_connected(int code, int peer) {
    auto s = status(code);
    if (s.is_null()) return false;
    for (const auto& l : s.at("links")) {
      if (l.at("peer") == code_text(peer)) return l.at("connected").get<bool>();
    }
    return false;
  }

  // Waits until `receiver`'s inbox holds every record of `expected` and the
  // network is quiet: the senders' outboxes towards the national node and
  // the national node's outbox towards `receiver` are empty, so nothing is
  // left to arrive (or to arrive twice). Returns the inbox then.
  std::vector<InboxEntry> wait_delivered(int receiver, const std::set<std::string>& expected,
                                         const std::vector<int>& senders) {
    std::size_t arrived = 0;
    bool all = wait_until(
        [&] {
          check_running();
          try {
            arrived = count_arrived(inbox(receiver), expected);
          } catch (const IntegrationFailure&) {
            return false;
          }
          return arrived == expected.size();
        },
        kPatience, std::chrono::milliseconds(100));
    if (!all) {
      fail(fmt::format("only {} of {} records reached {}", arrived, expected.size(),
                       code_text(receiver)));
    }
    bool quiet = wait_until(
        [&] {
          check_running();
          for (int s : senders) {
            if (outbox_depth(s, 0) != 0u) return false;
          }
          return outbox_depth(0, receiver) == 0u;
        },
        kPatience, std::chrono::milliseconds(100));
    if (!quiet) fail(fmt::format("the outboxes towards {} did not drain", code_text(receiver)));
    return inbox(receiver);
  }

  // The tail of every node's log and output, for failure messages.
  std::string diagnostics() const {
    std::string out;
    for (const auto& [code, n] : nodes_) {
      out += n->log.tail(30);
      out += file_tail(n->output_path, 10);
    }
    return out;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw IntegrationFailure(what + "\n" + diagnostics());
  }

 private:
  static constexpr std::size_t kInboxPage = 2000;

  void add_node(int code) {
    auto n = std::make_unique<TestNode>();
    n->code = code;
    n->dir = dir_.path() / code_text(code);
    std::filesystem::create_directories(n->dir);
    NodeFiles files = credentials(code);
    n->config.code = code;
    n->config.store_path = (n->dir / "store").string();
    n->config.admin_port = free_tcp_port();
    n->config.certificate = files.certificate_path;
    n->config.private_key = files.key_path;
    n->config.ca = pki_.ca_certificate_path();
    n->config.log_file = (n->dir / "node.log").string();
    n->config_path = (n->dir / "provnode.toml").string();
    n->output_path = (n->dir / "output.txt").string();
    n->log = NodeLogFile(n->config.log_file);
    nodes_.emplace(code, std::move(n));
  }

  bool is_healthy(TestNode& n) {
    HttpReply reply = http_get(n.admin_port(), "/v1/health");
    if (reply.status != 200) return false;
    auto body = nlohmann::json::parse(reply.body, nullptr, false);
    return !body.is_discarded() && body.value("node", "") == n.config.code_text();
  }

  // Ports may move only while no node that depends on them has run.
  bool can_move_ports(int code) {
    if (code != 0) return true;
    for (auto& [c, n] : nodes_) {
      if (c != 0 && n->starts > 0) return false;
    }
    return true;
  }

  // A province's listen port is known to others only through the
  // directory, which write_configs rewrites.
  void move_listen_port(int code) {
    TestNode& moved = node(code);
    moved.config.listen_port = free_tcp_port();
    for (auto& [c, n] : nodes_) {
      for (PeerEntry& p : n->config.peers) {
        if (p.code == code) p.port = moved.config.listen_port;
      }
    }
  }

  // Every node in the directory: the national node, the provinces and the
  // extra peers (which no process runs, but test clients may play).
  std::vector<int> directory_codes() const {
    std::vector<int> codes{0};
    codes.insert(codes.end(), options_.provinces.begin(), options_.provinces.end());
    codes.insert(codes.end(), options_.extra_national_peers.begin(),
                 options_.extra_national_peers.end());
    return codes;
  }

  void set_up_directory() {
    TestNode& national = node(0);
    national.config.publish_nodes = nodes_file();
    national.config.publish_groups = groups_file();
    national.config.publish_ca_index = ca_index_file();
    for (auto& [code, n] : nodes_)
      n->config.directory_refresh_interval_s = options_.directory_refresh_s;
    // Group members that run listen: the member with the higher code dials.
    for (const DirectoryGroupEntry& g : options_.groups) {
      for (int m : g.members) {
        auto it = nodes_.find(m);
        if (it != nodes_.end() && !it->second->config.listen_port) {
          it->second->config.listen_port = free_tcp_port();
        }
      }
    }
    write_ca_index();
  }

  // nodes.toml and groups.toml, as scripts/make-config writes them.
  void write_directory_sources() {
    std::string nodes;
    for (int code : directory_codes()) {
      nodes += fmt::format("[[node]]\ncode = \"{}\"\nname = \"node {}\"\nrole = \"{}\"\n",
                           code_text(code), code_text(code), code == 0 ? "national" : "province");
      auto it = nodes_.find(code);
      if (it != nodes_.end() && it->second->config.listen_port) {
        nodes += fmt::format("address = \"127.0.0.1:{}\"\n", *it->second->config.listen_port);
      }
      nodes += "\n";
    }
    std::string groups;
    for (const DirectoryGroupEntry& g : options_.groups) {
      std::vector<std::string> members;
      for (int m : g.members) members.push_back("\"" + code_text(m) + "\"");
      groups += fmt::format(
          "[[group]]\nid = \"{}\"\nname = \"{}\"\nmembers = [{}]\nnational_copy = \"{}\"\n\n", g.id,
          g.name, fmt::join(members, ", "), g.national_copy);
    }
    write_text(nodes_file(), nodes);
    write_text(groups_file(), groups);
  }

  // index.tsv with the certificate of every node in the directory, valid.
  void write_ca_index() {
    std::vector<ca::IssuedCertificate> entries;
    for (int code : directory_codes()) {
      const NodeFiles files = credentials(code);
      auto certificate = ca::read_certificate_file(files.certificate_path);
      if (!certificate) throw std::runtime_error("index.tsv: " + certificate.error().message);
      ca::IssuedCertificate e;
      e.serial_hex = ca::certificate_serial_hex(certificate->get());
      e.code = static_cast<domain::ProvinceCode>(code);
      e.algorithm = "ecdsa-p256";
      e.not_before_unix = unix_time(X509_get0_notBefore(certificate->get()));
      e.not_after_unix = unix_time(X509_get0_notAfter(certificate->get()));
      e.certificate_file = std::filesystem::path(files.certificate_path).filename().string();
      entries.push_back(std::move(e));
    }
    auto written = ca::write_ca_index(ca_index_file(), entries);
    if (!written) throw std::runtime_error("index.tsv: " + written.error().message);
  }

  static std::int64_t unix_time(const ASN1_TIME* t) {
    int days = 0, seconds = 0;
    ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
    const bool ok = ASN1_TIME_diff(&days, &seconds, epoch, t) == 1;
    ASN1_TIME_free(epoch);
    if (!ok) throw std::runtime_error("index.tsv: unreadable certificate time");
    return std::int64_t{days} * kSecondsPerDay + seconds;
  }

  static void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
  }

  static std::uintmax_t file_size(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
  }

  static std::string read_from(const std::string& path, std::uintmax_t offset) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  NetworkOptions options_;
  TempDir dir_;
  TestPki pki_;
  std::map<std::string, NodeFiles> credentials_;
  std::map<int, std::unique_ptr<TestNode>> nodes_;
};

}  // namespace provnet::testing
