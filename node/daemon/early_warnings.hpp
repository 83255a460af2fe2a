// Warnings well before trouble. Three things stop a node cold and are cheap
// to fix days ahead but not at the moment they bite: a certificate that
// expires (peers refuse the TLS handshake, signatures stop verifying), an
// LMDB map that fills (every write fails with "store full") and a disk that
// fills (the same, or worse). The daemon checks them when it starts and
// then every ops.check_interval_s, logs what it finds (certificate.expiring,
// store.nearly_full, disk.nearly_full), and shows the measures on /metrics,
// /v1/status and the status page.
//
// The checks are pure functions of numbers and the time, so tests give them
// any certificate age or fill level; EarlyWarnings gathers the numbers (the
// certificate files the node runs with, LMDB's map use, statvfs of the
// store's file system) and hands them to the checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/effects.hpp"
#include "daemon/node_config.hpp"
#include "store/store.hpp"

namespace provnet::daemon {

enum class Severity { ok, warn, error };
std::string_view severity_text(Severity s);  // "ok", "warn", "error"

// A certificate the node runs with, as read from its file at start (a
// renewed file is only used after a restart, so the one read then is the
// one that expires).
struct CertificateFacts {
  std::string role;    // "node" (tls.certificate), "signing", "ca", "admin"
  std::string path;    // the file it came from
  std::string serial;  // hex, as provctl ca list shows it
  std::int64_t not_after_unix = 0;
};

struct CertificateExpiry {
  CertificateFacts certificate;
  std::int64_t seconds_left = 0;  // negative once expired
  Severity severity = Severity::ok;
  // Whole days left, rounded down; negative once expired.
  std::int64_t days_left() const;
};
// warn when less than ops.certificate_warning_days are left; error from the
// second of notAfter on (OpenSSL's reading: the period is half-open).
CertificateExpiry check_certificate_expiry(const CertificateFacts& certificate,
                                           std::int64_t now_unix, const OpsConfig& limits);

struct StoreUsage {
  std::uint64_t used_bytes = 0;
  std::uint64_t map_size_bytes = 0;
  double used_ratio = 0;
  Severity severity = Severity::ok;
};
// warn when more than ops.store_warning_percent of the map is used.
StoreUsage check_store_usage(std::uint64_t used_bytes, std::uint64_t map_size_bytes,
                             const OpsConfig& limits);

struct DiskSpace {
  std::uint64_t free_bytes = 0;  // available to the node (not root's reserve)
  std::uint64_t size_bytes = 0;
  double free_ratio = 0;
  Severity severity = Severity::ok;
};
// warn when less than ops.disk_warning_free_percent of the file system, or
// less than ops.disk_warning_free_mib, is free: whichever comes first (a
// small disk by the bytes, a large one by the share).
DiskSpace check_disk_space(std::uint64_t free_bytes, std::uint64_t size_bytes,
                           const OpsConfig& limits);

// One round of checks.
struct EarlyWarningReport {
  std::int64_t checked_at_ms = 0;
  std::vector<CertificateExpiry> certificates;
  std::optional<StoreUsage> store;  // absent when it could not be measured
  std::optional<DiskSpace> disk;
  // What could not be measured, and why (a certificate file that no longer
  // reads, a store whose statistics fail): a check that cannot run is a
  // warning of its own.
  std::vector<std::string> unmeasured;
};

// The log events for everything not ok: certificate.expiring (warn, or
// error once expired), store.nearly_full, disk.nearly_full, and
// ops.check_failed for what could not be measured. Nothing when all is well.
std::vector<core::LogEvent> warning_events(const EarlyWarningReport& report);

// For GET /v1/status: "warnings", the events above as {event, level,
// message}; "operations", every measure with its state.
nlohmann::ordered_json warnings_json(const EarlyWarningReport& report);
nlohmann::ordered_json operations_json(const EarlyWarningReport& report);

// For GET /metrics (Prometheus text 0.0.4): provnet_certificate_expiry_seconds
// {certificate, serial}, provnet_store_used_bytes, provnet_store_map_size_bytes,
// provnet_store_used_ratio, provnet_disk_free_bytes, provnet_disk_size_bytes,
// provnet_warnings (how many findings are not ok).
std::string warnings_metrics(const EarlyWarningReport& report, std::string_view node);

// Gathers the numbers: the certificates named in the configuration (read
// once, here), the store's map use and the free space of its file system
// (measured at each call).
class EarlyWarnings {
 public:
  EarlyWarnings(const NodeConfig& config, store::Store& store);

  // `now_ms`: the real time. Certificates expire by it whatever the node's
  // calendar says (PROVNET_CLOCK_OFFSET_DAYS moves only the calendar, and
  // TLS keeps the real clock).
  EarlyWarningReport check(std::int64_t now_ms) const;
  std::int64_t check_interval_ms() const { return limits_.check_interval_ms; }

 private:
  OpsConfig limits_;
  store::Store& store_;
  std::string store_path_;
  std::vector<CertificateFacts> certificates_;
  std::vector<std::string> unreadable_;  // certificate files that did not read at start
};

}  // namespace provnet::daemon
