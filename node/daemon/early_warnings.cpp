#include "daemon/early_warnings.hpp"

#include <sys/statvfs.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "ca/certificates.hpp"
#include "ca/validity_period.hpp"

namespace provnet::daemon {

namespace {

using nlohmann::ordered_json;

constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::uint64_t kMiB = 1ull << 20;

double ratio(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// floor(total * percent / 100) and its ceiling, exact for any 64-bit total
// (total = 100 q + r, so total * p / 100 = q p + r p / 100).
std::uint64_t percent_floor(std::uint64_t total, std::uint64_t percent) {
  return total / 100 * percent + total % 100 * percent / 100;
}
std::uint64_t percent_ceil(std::uint64_t total, std::uint64_t percent) {
  return total / 100 * percent + (total % 100 * percent + 99) / 100;
}

std::string mib_text(std::uint64_t bytes) {
  return fmt::format("{:.1f}", static_cast<double>(bytes) / static_cast<double>(kMiB));
}

std::string percent_text(double r) {
  return fmt::format("{:.1f}", r * 100.0);
}

// What to do about a certificate depends on whose it is.
std::string renewal_advice(const std::string& role) {
  if (role == "ca") {
    return "every node certificate chains to it: make a new CA, issue the nodes new "
           "certificates from it and give every node both CAs in tls.ca before the switch";
  }
  if (role == "admin") {
    return "renew it and restart the node with it (admin.tls_certificate)";
  }
  return "have the national CA issue a renewal (provctl ca issue --stem to keep the current "
         "files) and restart the node with it";
}

core::LogEvent certificate_event(const CertificateExpiry& c) {
  const CertificateFacts& f = c.certificate;
  const std::string until = ca::utc_text(f.not_after_unix);
  std::string reason =
      c.severity == Severity::error
          ? fmt::format("the {} certificate {} (serial {}) expired on {}; peers refuse it now: {}",
                        f.role, f.path, f.serial, until, renewal_advice(f.role))
          : fmt::format("the {} certificate {} (serial {}) expires on {}, in {} day{}: {}", f.role,
                        f.path, f.serial, until, c.days_left(), c.days_left() == 1 ? "" : "s",
                        renewal_advice(f.role));
  return core::LogEvent{
      c.severity == Severity::error ? core::LogLevel::error : core::LogLevel::warn,
      "certificate.expiring",
      {{"certificate", f.role},
       {"serial", f.serial},
       {"not_after", until},
       {"days_left", std::to_string(c.days_left())},
       {"path", f.path},
       {"reason", std::move(reason)}}};
}

core::LogEvent store_event(const StoreUsage& s) {
  return core::LogEvent{
      core::LogLevel::warn,
      "store.nearly_full",
      {{"used_bytes", std::to_string(s.used_bytes)},
       {"map_size_bytes", std::to_string(s.map_size_bytes)},
       {"used_percent", percent_text(s.used_ratio)},
       {"reason", fmt::format("the store uses {} MiB of its {} MiB map ({} %); when it is full "
                              "every write fails: raise store.map_size_mib and restart the node",
                              mib_text(s.used_bytes), mib_text(s.map_size_bytes),
                              percent_text(s.used_ratio))}}};
}

core::LogEvent disk_event(const DiskSpace& d) {
  return core::LogEvent{
      core::LogLevel::warn,
      "disk.nearly_full",
      {{"free_bytes", std::to_string(d.free_bytes)},
       {"size_bytes", std::to_string(d.size_bytes)},
       {"free_percent", percent_text(d.free_ratio)},
       {"reason",
        fmt::format("the file system holding the store has {} MiB free of {} MiB "
                    "({} %); when it is full every write fails: free space on it or "
                    "move the store to a larger disk",
                    mib_text(d.free_bytes), mib_text(d.size_bytes), percent_text(d.free_ratio))}}};
}

std::string field(const core::LogEvent& e, std::string_view name) {
  for (const auto& [k, v] : e.fields) {
    if (k == name) return v;
  }
  return {};
}

std::string state_text(Severity s, std::string_view not_ok) {
  return s == Severity::ok ? "ok" : std::string(not_ok);
}

}  // namespace

std::string_view severity_text(Severity s) {
  switch (s) {
    case Severity::ok:
      return "ok";
    case Severity::warn:
      return "warn";
    case Severity::error:
      return "error";
  }
  return "ok";
}

std::int64_t CertificateExpiry::days_left() const {
  // Rounded towards minus infinity: 12 hours after expiry is day -1.
  std::int64_t d = seconds_left / kSecondsPerDay;
  if (seconds_left < 0 && seconds_left % kSecondsPerDay != 0) --d;
  return d;
}

CertificateExpiry check_certificate_expiry(const CertificateFacts& certificate,
                                           std::int64_t now_unix, const OpsConfig& limits) {
  CertificateExpiry c;
  c.certificate = certificate;
  c.seconds_left = certificate.not_after_unix - now_unix;
  if (c.seconds_left <= 0) {
    c.severity = Severity::error;
  } else if (c.seconds_left < limits.certificate_warning_days * kSecondsPerDay) {
    c.severity = Severity::warn;
  }
  return c;
}

StoreUsage check_store_usage(std::uint64_t used_bytes, std::uint64_t map_size_bytes,
                             const OpsConfig& limits) {
  StoreUsage s{used_bytes, map_size_bytes, ratio(used_bytes, map_size_bytes), Severity::ok};
  // used * 100 > map * P, without the overflow: used > floor(map * P / 100).
  if (used_bytes > percent_floor(map_size_bytes, limits.store_warning_percent)) {
    s.severity = Severity::warn;
  }
  return s;
}

DiskSpace check_disk_space(std::uint64_t free_bytes, std::uint64_t size_bytes,
                           const OpsConfig& limits) {
  DiskSpace d{free_bytes, size_bytes, ratio(free_bytes, size_bytes), Severity::ok};
  // free * 100 < size * P, without the overflow: free < ceil(size * P / 100).
  const bool below_share = free_bytes < percent_ceil(size_bytes, limits.disk_warning_free_percent);
  const bool below_bytes = free_bytes < limits.disk_warning_free_bytes;
  if (below_share || below_bytes) d.severity = Severity::warn;
  return d;
}

std::vector<core::LogEvent> warning_events(const EarlyWarningReport& report) {
  std::vector<core::LogEvent> out;
  for (const CertificateExpiry& c : report.certificates) {
    if (c.severity != Severity::ok) out.push_back(certificate_event(c));
  }
  if (report.store && report.store->severity != Severity::ok) {
    out.push_back(store_event(*report.store));
  }
  if (report.disk && report.disk->severity != Severity::ok) out.push_back(disk_event(*report.disk));
  for (const std::string& why : report.unmeasured) {
    out.push_back(core::LogEvent{core::LogLevel::warn, "ops.check_failed", {{"reason", why}}});
  }
  return out;
}

nlohmann::ordered_json warnings_json(const EarlyWarningReport& report) {
  ordered_json list = ordered_json::array();
  for (const core::LogEvent& e : warning_events(report)) {
    list.push_back(ordered_json{{"event", e.event},
                                {"level", std::string(core::log_level_text(e.level))},
                                {"message", field(e, "reason")}});
  }
  return list;
}

nlohmann::ordered_json operations_json(const EarlyWarningReport& report) {
  ordered_json certificates = ordered_json::array();
  for (const CertificateExpiry& c : report.certificates) {
    certificates.push_back(ordered_json{{"certificate", c.certificate.role},
                                        {"serial", c.certificate.serial},
                                        {"not_after", ca::utc_text(c.certificate.not_after_unix)},
                                        {"seconds_left", c.seconds_left},
                                        {"days_left", c.days_left()},
                                        {"state", c.severity == Severity::error  ? "expired"
                                                  : c.severity == Severity::warn ? "expiring"
                                                                                 : "ok"}});
  }
  ordered_json store;
  if (report.store) {
    store = ordered_json{{"used_bytes", report.store->used_bytes},
                         {"map_size_bytes", report.store->map_size_bytes},
                         {"used_ratio", report.store->used_ratio},
                         {"state", state_text(report.store->severity, "nearly_full")}};
  }
  ordered_json disk;
  if (report.disk) {
    disk = ordered_json{{"free_bytes", report.disk->free_bytes},
                        {"size_bytes", report.disk->size_bytes},
                        {"free_ratio", report.disk->free_ratio},
                        {"state", state_text(report.disk->severity, "nearly_full")}};
  }
  return ordered_json{{"checked_at_ms", report.checked_at_ms},
                      {"certificates", std::move(certificates)},
                      {"store", std::move(store)},
                      {"disk", std::move(disk)}};
}

std::string warnings_metrics(const EarlyWarningReport& report, std::string_view node) {
  std::string out;
  auto metric = [&](std::string_view name, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
  };
  if (!report.certificates.empty()) {
    metric("provnet_certificate_expiry_seconds",
           "Seconds until a certificate the node runs with expires (negative: expired).");
    for (const CertificateExpiry& c : report.certificates) {
      out += fmt::format(
          "provnet_certificate_expiry_seconds{{node=\"{}\",certificate=\"{}\",serial=\"{}\"}} "
          "{}\n",
          node, c.certificate.role, c.certificate.serial, c.seconds_left);
    }
  }
  auto gauge = [&](std::string_view name, std::string_view help, auto value) {
    metric(name, help);
    out += fmt::format("{}{{node=\"{}\"}} {}\n", name, node, value);
  };
  if (report.store) {
    gauge("provnet_store_used_bytes", "Bytes of the LMDB map in use.", report.store->used_bytes);
    gauge("provnet_store_map_size_bytes", "The LMDB map size (store.map_size_mib).",
          report.store->map_size_bytes);
    gauge("provnet_store_used_ratio", "Share of the LMDB map in use (0 to 1).",
          report.store->used_ratio);
  }
  if (report.disk) {
    gauge("provnet_disk_free_bytes", "Bytes free to the node on the store's file system.",
          report.disk->free_bytes);
    gauge("provnet_disk_size_bytes", "Size of the store's file system in bytes.",
          report.disk->size_bytes);
  }
  gauge("provnet_warnings",
        "Findings of the early-warning checks that are not ok (certificates, store, disk).",
        warning_events(report).size());
  return out;
}

EarlyWarnings::EarlyWarnings(const NodeConfig& config, store::Store& store)
    : limits_(config.ops), store_(store), store_path_(config.store_path) {
  auto add = [&](const std::string& role, const std::string& path, X509* certificate) {
    auto period = ca::validity_period_of(certificate);
    if (!period) {
      unreadable_.push_back(
          fmt::format("the {} certificate {}: {}", role, path, period.error().message));
      return;
    }
    certificates_.push_back(CertificateFacts{role, path, ca::certificate_serial_hex(certificate),
                                             period->not_after_unix});
  };
  auto add_file = [&](const std::string& role, const std::string& path) {
    if (path.empty()) return;
    auto read = ca::read_certificate_file(path);
    if (!read) {
      unreadable_.push_back(fmt::format("the {} certificate: {}", role, read.error().message));
      return;
    }
    add(role, path, read->get());
  };
  add_file("node", config.tls_certificate);
  if (config.signing_certificate != config.tls_certificate) {
    add_file("signing", config.signing_certificate);
  }
  if (!config.tls_ca.empty()) {
    // tls.ca may hold several CAs (during a CA change): each can expire.
    auto read = ca::read_certificate_chain_file(config.tls_ca);
    if (!read) {
      unreadable_.push_back(fmt::format("the ca certificate: {}", read.error().message));
    } else {
      for (const ca::CertificateHandle& c : *read) add("ca", config.tls_ca, c.get());
    }
  }
  add_file("admin", config.admin_tls_certificate);
}

EarlyWarningReport EarlyWarnings::check(std::int64_t now_ms) const {
  EarlyWarningReport r;
  r.checked_at_ms = now_ms;
  r.unmeasured = unreadable_;
  const std::int64_t now_unix = now_ms / 1000;
  for (const CertificateFacts& c : certificates_) {
    r.certificates.push_back(check_certificate_expiry(c, now_unix, limits_));
  }
  auto stats = store_.stats();
  if (stats) {
    r.store = check_store_usage(stats->used_bytes, stats->map_size_bytes, limits_);
  } else {
    r.unmeasured.push_back("the store's map use: " + stats.error().message);
  }
  struct statvfs fs {};
  if (::statvfs(store_path_.c_str(), &fs) == 0) {
    const std::uint64_t unit = fs.f_frsize != 0 ? fs.f_frsize : fs.f_bsize;
    r.disk = check_disk_space(static_cast<std::uint64_t>(fs.f_bavail) * unit,
                              static_cast<std::uint64_t>(fs.f_blocks) * unit, limits_);
  } else {
    r.unmeasured.push_back(fmt::format("the free space of the file system holding {}: {}",
                                       store_path_, std::strerror(errno)));
  }
  return r;
}

}  // namespace provnet::daemon
