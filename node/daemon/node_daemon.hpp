// provnode's event loop: the Asio driver of the sans-I/O core.
//
// One thread runs everything: TLS links (node/net), the HTTP API
// (node/admin), timers, signals. Each event becomes one call into the
// NodeCore, whose Effects are carried out here: frames sent, links closed,
// log lines written, the next wake-up set. The core commits its LMDB
// transaction before it returns, so a signal handled between two events
// always finds the store consistent: SIGTERM/SIGINT stop the listener and
// the dialers, let each link flush what it is writing, and leave. SIGHUP
// reopens the log file (logrotate's postrotate).
#pragma once

#include <memory>

#include "admin/admin_server.hpp"
#include "common/result.hpp"
#include "core/node_core.hpp"
#include "daemon/early_warnings.hpp"
#include "daemon/http_api.hpp"
#include "daemon/json_log.hpp"
#include "daemon/node_config.hpp"
#include "net/asio.hpp"
#include "net/transport.hpp"
#include "store/store.hpp"

namespace provnet::daemon {

class NodeDaemon {
 public:
  // Opens the log, the store, the TLS context and the signing key. Errors say
  // which and why; nothing is listening yet.
  static Result<std::unique_ptr<NodeDaemon>> create(const NodeConfig& config);
  ~NodeDaemon();

  // Listens, dials and serves until SIGTERM or SIGINT. Returns the exit status.
  int run();

 private:
  explicit NodeDaemon(const NodeConfig& config, JsonLog log);
  void apply(core::Effects fx);
  void schedule_wake(std::int64_t at_ms);
  void on_wake();
  void shutdown(const std::string& why);
  void log(core::LogLevel level, std::string event,
           std::vector<std::pair<std::string, std::string>> fields = {});
  admin::HttpResponse handle_http(const admin::HttpRequest& request);
  // Peers from the configuration and the directory: whom to dial (and at
  // which address), who may connect, which certificates are revoked.
  void update_peers();
  // National node: re-reads the directory sources and publishes a new
  // version if they changed; then again after the refresh interval.
  void publish_directory();
  // SIGHUP: the log file again at its path, for as long as the node runs.
  void reopen_log_on_sighup();
  // Certificates, store map and disk (daemon/early_warnings.hpp): logs what
  // is not ok, then again after ops.check_interval_s.
  void check_early_warnings();

  NodeConfig config_;
  net::asio::io_context io_;  // declared first: destroyed after everything that uses it
  JsonLog log_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<net::ssl::context> tls_;
  std::unique_ptr<core::NodeCore> core_;
  std::unique_ptr<HttpApi> api_;
  std::unique_ptr<EarlyWarnings> early_warnings_;
  std::unique_ptr<net::Transport> transport_;
  std::unique_ptr<admin::AdminServer> admin_;
  net::asio::steady_timer wake_timer_;
  net::asio::steady_timer publish_timer_;
  net::asio::steady_timer early_warnings_timer_;
  std::optional<std::int64_t> wake_at_ms_;
  net::asio::signal_set signals_;
  net::asio::signal_set hangup_;
  bool stopping_ = false;
};

// Unix time in ms from the system clock: the one place provnode reads it.
// It follows PROVNET_CLOCK_OFFSET_DAYS (the node's calendar); real_clock_ms()
// does not (certificates expire by the real clock).
std::int64_t wall_clock_ms();
std::int64_t real_clock_ms();

}  // namespace provnet::daemon
