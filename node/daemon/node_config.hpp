// provnode's configuration file (TOML), read and checked in one place.
//
// Every problem is reported, not just the first: an operator fixing a file
// sees all of them in one run of `provnode --check-config`. Each problem names
// the key ("tls.private_key"), what was found and what was expected. Relative
// paths are taken relative to the configuration file's directory.
//
// Example (config/README.md documents every key):
//
//   [node]
//   code = "31"                 # two digits; "00" is the national node
//   role = "province"           # or "national"; must agree with the code
//   [store]
//   path = "/var/lib/provnet/31"
//   map_size_mib = 4096
//   [listen]
//   address = "0.0.0.0:7031"
//   [admin]
//   address = "10.0.0.5:8031"   # plain HTTP only on loopback (or allow_plain_remote = true)
//   tls_certificate = "certs/admin-31.pem"
//   tls_private_key = "certs/admin-31.key"
//   client_ca = "certs/provincial-system-ca.pem"  # then a client certificate is required
//   [tls]
//   certificate = "certs/node-31.pem"
//   private_key = "certs/node-31.key"
//   ca = "certs/ca.pem"
//   [[peers]]
//   code = "00"
//   address = "national.provnet.example:7000"
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_chain.hpp"
#include "daemon/directory_source.hpp"
#include "domain/holiday_calendar.hpp"
#include "domain/province.hpp"

namespace provnet::daemon {

using domain::ProvinceCode;

struct HostPort {
  std::string host;
  std::string port;
  std::string text() const { return host + ":" + port; }
};

struct PeerConfig {
  ProvinceCode code = 0;
  std::optional<HostPort> address;  // required when this node dials the peer
};

enum class SigningAlgorithm { ecdsa_p256_sha256, sm2_sm3 };

// [ops]: when the daemon warns ahead of trouble (daemon/early_warnings.hpp).
struct OpsConfig {
  // A certificate the node runs with (tls, signing, admin, the CAs) that
  // expires within this many days.
  std::int64_t certificate_warning_days = 30;
  // The LMDB map more than this full.
  std::uint32_t store_warning_percent = 80;
  // The store's file system with less than this share, or these bytes, free
  // (0 turns either rule off).
  std::uint32_t disk_warning_free_percent = 10;
  std::uint64_t disk_warning_free_bytes = 1ull << 30;
  // How often the checks run after the one at start.
  std::int64_t check_interval_ms = 3'600'000;
};

// The most records a batch may be configured to hold: what every receiver
// takes in one message (core::kMaxItemsPerMessage; node_daemon.cpp checks
// the two agree).
inline constexpr std::uint32_t kMaxBatchRecords = 10'000;

struct NodeConfig {
  std::string source_path;  // the file read

  ProvinceCode code = 0;
  bool national = false;

  std::string store_path;
  std::uint64_t map_size_bytes = 1ull << 30;

  std::optional<HostPort> listen;  // absent: the node only dials out
  std::optional<HostPort> admin;   // the HTTP API for the provincial system and operators
  // The HTTP API's TLS: both files or neither (plain HTTP, refused off
  // loopback unless admin_allow_plain_remote). With admin_client_ca, every
  // client must present a certificate issued by one of its CAs.
  std::string admin_tls_certificate;
  std::string admin_tls_private_key;
  std::string admin_client_ca;
  bool admin_allow_plain_remote = false;

  std::string tls_certificate;
  std::string tls_private_key;
  std::string tls_ca;

  SigningAlgorithm signing_algorithm = SigningAlgorithm::ecdsa_p256_sha256;
  std::string signing_certificate;  // defaults to the TLS certificate
  std::string signing_private_key;  // defaults to the TLS key

  std::vector<PeerConfig> peers;

  // delivery
  std::uint32_t batch_max_records = 500;  // 1 .. kMaxBatchRecords
  std::int64_t batch_linger_ms = 50;
  std::uint32_t max_in_flight_per_link = 16;
  std::int64_t retry_initial_ms = 2'000;
  std::int64_t retry_max_ms = 120'000;
  std::int64_t reconnect_initial_ms = 500;
  std::int64_t reconnect_max_ms = 30'000;
  std::uint32_t max_frame_bytes = 16u * 1024 * 1024;
  std::uint64_t traversal_limit_words = 8u * 1024 * 1024;  // 64 MiB read per message
  std::uint64_t max_queued_write_bytes = 64u * 1024 * 1024;
  std::int64_t handshake_timeout_ms = 10'000;
  // A direct (group) peer unreachable this long is reached through the
  // national node instead.
  std::int64_t direct_fallback_ms = 60'000;

  // directory: how often a province fetches it (the national node re-reads
  // its sources as often); what the national node publishes, and for how long
  std::int64_t directory_refresh_ms = 60'000;
  std::optional<DirectorySources> publish;  // national only
  std::int64_t directory_validity_ms = 7ll * 24 * 3'600'000;

  // audit: the hash a new chain uses; a province's checkpoint interval (0:
  // only on request); the national node's reconciliation interval and rules.
  core::HashAlgorithm audit_hash = core::HashAlgorithm::sha256;
  std::int64_t checkpoint_interval_ms = 300'000;
  std::int64_t reconcile_interval_ms = 60'000;
  std::int64_t unacknowledged_after_ms = 900'000;
  std::int64_t clock_skew_ms = 60'000;
  OpsConfig ops;

  // log
  // collaboration.calendar_dir (default: the configuration file's
  // directory): holidays-YYYY.csv files; null when there are none there.
  std::shared_ptr<const domain::HolidayCalendar> calendar;
  std::string log_level = "info";  // debug | info | warn | error
  std::string log_file;            // empty: standard error
  // log.max_size: the file is rotated before it passes this many bytes (0:
  // never, e.g. when logrotate does it); log.keep: rotated files kept.
  std::uint64_t log_max_size_bytes = 100ull << 20;
  std::uint32_t log_keep = 5;
};

struct ConfigCheck {
  std::optional<NodeConfig> config;  // set when there are no problems
  std::vector<std::string> problems;
};

// Reads and checks the file: syntax, unknown keys, types and ranges, that the
// certificate, key and CA files exist and parse, that the key matches the
// certificate and the certificate names this node, addresses.
ConfigCheck load_node_config(const std::string& path);

std::string_view signing_algorithm_name(SigningAlgorithm a);

}  // namespace provnet::daemon
