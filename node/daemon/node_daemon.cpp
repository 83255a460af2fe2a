#include "daemon/node_daemon.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ca/envelope_signatures.hpp"
#include "ca/trust_anchors.hpp"
#include "daemon/http_api.hpp"
#include "net/tls_context.hpp"
#include "store/tables.hpp"

namespace provnet::daemon {

namespace {

// A periodic tick even when the core asks for none: it bounds how long a
// missed wake-up (a clock step) can delay retries.
constexpr std::int64_t kMaxSleepMs = 1'000;

}  // namespace

std::int64_t clock_offset_ms() {
  // PROVNET_CLOCK_OFFSET_DAYS moves the node's calendar (never the TLS
  // layer's): for drills and the demo, which play a quarter through in
  // minutes. Read once; a value that is not a whole number is ignored.
  static const std::int64_t offset = [] {
    const char* text = std::getenv("PROVNET_CLOCK_OFFSET_DAYS");
    if (!text || !*text) return std::int64_t{0};
    char* end = nullptr;
    long long days = std::strtoll(text, &end, 10);
    if (*end != '\0' || days < -3650 || days > 3650) return std::int64_t{0};
    return static_cast<std::int64_t>(days) * 86'400'000;
  }();
  return offset;
}

std::int64_t real_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t wall_clock_ms() {
  return real_clock_ms() + clock_offset_ms();
}

NodeDaemon::NodeDaemon(const NodeConfig& config, JsonLog log)
    : config_(config),
      log_(std::move(log)),
      wake_timer_(io_),
      publish_timer_(io_),
      early_warnings_timer_(io_),
      signals_(io_, SIGTERM, SIGINT),
      hangup_(io_, SIGHUP) {}

NodeDaemon::~NodeDaemon() = default;

void NodeDaemon::log(core::LogLevel level, std::string event,
                     std::vector<std::pair<std::string, std::string>> fields) {
  log_.write(core::LogEvent{level, std::move(event), std::move(fields)}, wall_clock_ms());
}

Result<std::unique_ptr<NodeDaemon>> NodeDaemon::create(const NodeConfig& config) {
  auto level = parse_log_level(config.log_level).value_or(core::LogLevel::info);
  auto log =
      JsonLog::open(LogFileOptions{config.log_file, config.log_max_size_bytes, config.log_keep},
                    level, config.code);
  if (!log) return log.error();
  std::unique_ptr<NodeDaemon> d(new NodeDaemon(config, std::move(*log)));

  store::StoreOptions store_options;
  store_options.path = config.store_path;
  store_options.map_size_bytes = config.map_size_bytes;
  auto opened = store::Store::open(store_options);
  if (!opened) return opened.error();
  d->store_ = std::move(*opened);
  if (auto claimed = store::claim_store(*d->store_, config.code); !claimed) return claimed.error();
  d->early_warnings_ = std::make_unique<EarlyWarnings>(config, *d->store_);

  auto tls = net::make_tls_context(
      net::TlsFiles{config.tls_certificate, config.tls_private_key, config.tls_ca});
  if (!tls) return tls.error();
  d->tls_ = std::move(*tls);

  auto signer =
      ca::CertificateKeySigner::load(config.signing_certificate, config.signing_private_key);
  if (!signer) return signer.error();
  auto anchors = ca::TrustAnchors::from_pem_file(config.tls_ca);
  if (!anchors) return anchors.error();

  core::CoreConfig cc;
  cc.self = config.code;
  for (const PeerConfig& p : config.peers) {
    if (p.code != domain::kNationalCode) cc.direct_peers.insert(p.code);
  }
  static_assert(kMaxBatchRecords == core::kMaxItemsPerMessage,
                "a batch the config allows must be one every receiver takes");
  cc.max_records_per_message = config.batch_max_records;
  cc.batch_linger_ms = config.batch_linger_ms;
  cc.max_in_flight_per_link = config.max_in_flight_per_link;
  cc.retry_initial_ms = config.retry_initial_ms;
  cc.retry_max_ms = config.retry_max_ms;
  cc.direct_fallback_ms = config.direct_fallback_ms;
  cc.directory_refresh_ms = config.directory_refresh_ms;
  cc.seed = static_cast<std::uint64_t>(wall_clock_ms()) ^ (std::uint64_t{config.code} << 56);
  cc.limits.traversal_limit_words = config.traversal_limit_words;
  cc.signer = std::shared_ptr<const core::EnvelopeSigner>(std::move(*signer));
  cc.verifier = std::make_shared<ca::CertificateVerifier>(std::move(*anchors));
  cc.calendar = config.calendar;
  cc.audit_hash = config.audit_hash;
  cc.checkpoint_interval_ms = config.checkpoint_interval_ms;
  cc.reconcile_interval_ms = config.reconcile_interval_ms;
  cc.reconcile.unacknowledged_after_ms = config.unacknowledged_after_ms;
  cc.reconcile.clock_skew_ms = config.clock_skew_ms;
  // Checkpoints carry chain entries: keep one well inside a frame.
  cc.checkpoint_max_bytes = std::min<std::size_t>(4u << 20, config.max_frame_bytes / 4);
  d->core_ = std::make_unique<core::NodeCore>(std::move(cc), *d->store_);

  net::TransportConfig tc;
  tc.self = config.code;
  if (config.listen) {
    tc.listen_host = config.listen->host;
    tc.listen_port = config.listen->port;
  }
  for (const PeerConfig& p : config.peers) {
    if (p.code < config.code) {
      tc.dial.push_back(net::DialTarget{p.code, p.address->host, p.address->port});
    } else {
      tc.accept_from.insert(p.code);
    }
  }
  tc.session.frame.max_frame_bytes = config.max_frame_bytes;
  tc.session.max_queued_write_bytes = config.max_queued_write_bytes;
  tc.session.handshake_timeout = std::chrono::milliseconds(config.handshake_timeout_ms);
  tc.reconnect_initial = std::chrono::milliseconds(config.reconnect_initial_ms);
  tc.reconnect_max = std::chrono::milliseconds(config.reconnect_max_ms);
  NodeDaemon* self = d.get();
  net::TransportEvents events;
  events.link_up = [self](domain::ProvinceCode peer) {
    self->apply(self->core_->on_link_up(peer, wall_clock_ms()));
  };
  events.link_down = [self](domain::ProvinceCode peer) {
    self->apply(self->core_->on_link_down(peer, wall_clock_ms()));
  };
  events.frames = [self](domain::ProvinceCode peer, std::span<const std::string_view> bodies) {
    self->apply(self->core_->on_envelopes(peer, bodies, wall_clock_ms()));
  };
  events.log = [self](core::LogEvent e) { self->log_.write(e, wall_clock_ms()); };
  d->transport_ = std::make_unique<net::Transport>(d->io_, *d->tls_, std::move(tc), events);

  if (config.admin) {
    std::unique_ptr<net::ssl::context> admin_tls;  // none: plain HTTP
    if (!config.admin_tls_certificate.empty()) {
      auto made = net::make_admin_tls_context(net::AdminTlsFiles{
          config.admin_tls_certificate, config.admin_tls_private_key, config.admin_client_ca});
      if (!made) return made.error();
      admin_tls = std::move(*made);
    }
    d->admin_ = std::make_unique<admin::AdminServer>(
        d->io_, [self](const admin::HttpRequest& r) { return self->handle_http(r); },
        admin::AdminLimits{}, [self](core::LogEvent e) { self->log_.write(e, wall_clock_ms()); },
        std::move(admin_tls));
  }
  return d;
}

void NodeDaemon::apply(core::Effects fx) {
  const std::int64_t now = wall_clock_ms();
  for (const core::LogEvent& e : fx.logs) log_.write(e, now);
  for (const core::SendEnvelope& s : fx.sends) {
    // A send to a link that is down is dropped here; the core keeps the
    // message in its outbox and resends it when the link is back.
    transport_->send(s.peer, s.bytes);
  }
  for (const core::CloseLink& c : fx.closes) transport_->close(c.peer, c.reason);
  if (fx.directory_changed) update_peers();
  if (fx.wake_at_ms) schedule_wake(*fx.wake_at_ms);
}

void NodeDaemon::update_peers() {
  std::map<domain::ProvinceCode, net::DialTarget> dial;
  std::set<domain::ProvinceCode> accept;
  const auto& directory = core_->directory();
  auto from_directory = [&](domain::ProvinceCode peer) {
    if (peer < config_.code) {
      const core::DirectoryNode* n = directory ? directory->node(peer) : nullptr;
      std::optional<HostPort> address;
      if (n && !n->address.empty()) {
        auto colon = n->address.rfind(':');
        if (colon != std::string::npos) {
          std::string host = n->address.substr(0, colon);
          if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
          }
          address = HostPort{host, n->address.substr(colon + 1)};
        }
      }
      if (!address) {
        log(core::LogLevel::warn, "directory.no_address",
            {{"peer", std::string(domain::province_code_text(peer))},
             {"reason", "the directory gives no address for this direct peer; not dialing it"}});
        return;
      }
      dial[peer] = net::DialTarget{peer, address->host, address->port};
    } else {
      accept.insert(peer);
    }
  };
  if (config_.national) {
    if (directory) {
      for (const core::DirectoryNode& n : directory->content.nodes) {
        if (n.code != config_.code) accept.insert(n.code);
      }
    }
  } else {
    for (domain::ProvinceCode peer : core_->direct_peers()) from_directory(peer);
  }
  // What the configuration says comes last: its addresses win.
  for (const PeerConfig& p : config_.peers) {
    if (p.code < config_.code) {
      dial[p.code] = net::DialTarget{p.code, p.address->host, p.address->port};
    } else {
      accept.insert(p.code);
    }
  }
  std::vector<net::DialTarget> targets;
  for (auto& [code, t] : dial) targets.push_back(t);
  transport_->set_peers(std::move(targets), std::move(accept));
  transport_->set_revoked_serials(directory ? directory->revoked_serials()
                                            : std::set<std::string>{});
}

void NodeDaemon::publish_directory() {
  if (stopping_ || !config_.publish) return;
  const std::int64_t now = wall_clock_ms();
  auto loaded = load_directory_sources(*config_.publish, now / 1000);
  if (!loaded.content) {
    for (const std::string& p : loaded.problems) {
      log(core::LogLevel::error, "directory.source_invalid",
          {{"reason", p + "; the current directory stays published"}});
    }
  } else {
    auto published =
        core_->publish_directory(std::move(*loaded.content), config_.directory_validity_ms, now);
    if (!published) {
      log(core::LogLevel::error, "directory.publish_failed",
          {{"reason", published.error().message}});
    } else {
      apply(std::move(*published));
    }
  }
  publish_timer_.expires_after(std::chrono::milliseconds(config_.directory_refresh_ms));
  publish_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) publish_directory();
  });
}

void NodeDaemon::check_early_warnings() {
  if (stopping_) return;
  const EarlyWarningReport report = early_warnings_->check(real_clock_ms());
  // Logged at every check, not once: a warning an operator missed comes
  // back until the cause is fixed.
  for (const core::LogEvent& e : warning_events(report)) log_.write(e, wall_clock_ms());
  early_warnings_timer_.expires_after(
      std::chrono::milliseconds(early_warnings_->check_interval_ms()));
  early_warnings_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_early_warnings();
  });
}

void NodeDaemon::schedule_wake(std::int64_t at_ms) {
  if (stopping_) return;
  if (wake_at_ms_ && *wake_at_ms_ <= at_ms) return;
  wake_at_ms_ = at_ms;
  const std::int64_t delay = std::max<std::int64_t>(0, at_ms - wall_clock_ms());
  wake_timer_.expires_after(std::chrono::milliseconds(delay));
  wake_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_wake();
  });
}

void NodeDaemon::on_wake() {
  wake_at_ms_.reset();
  const std::int64_t now = wall_clock_ms();
  apply(core_->on_tick(now));
  schedule_wake(now + kMaxSleepMs);
}

void NodeDaemon::shutdown(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  log(core::LogLevel::info, "node.stopping", {{"reason", why}});
  wake_timer_.cancel();
  publish_timer_.cancel();
  early_warnings_timer_.cancel();
  signals_.cancel();
  hangup_.cancel();
  transport_->stop();
  if (admin_) admin_->stop();
}

int NodeDaemon::run() {
  auto started = transport_->start();
  if (!started) {
    log(core::LogLevel::error, "node.start_failed", {{"reason", started.error().message}});
    return 1;
  }
  if (admin_) {
    auto admin_started = admin_->start(config_.admin->host, config_.admin->port);
    if (!admin_started) {
      log(core::LogLevel::error, "node.start_failed", {{"reason", admin_started.error().message}});
      transport_->stop();
      io_.run();
      return 1;
    }
  }
  const std::int64_t now = wall_clock_ms();
  log(core::LogLevel::info, "node.started",
      {{"role", config_.national ? "national" : "province"},
       {"store", config_.store_path},
       {"signing", std::string(signing_algorithm_name(config_.signing_algorithm))},
       {"peers", std::to_string(config_.peers.size())}});
  if (clock_offset_ms() != 0) {
    log(core::LogLevel::warn, "clock.offset",
        {{"days", std::to_string(clock_offset_ms() / 86'400'000)},
         {"today", domain::Date::from_unix_ms_cst(now).iso()},
         {"reason", "PROVNET_CLOCK_OFFSET_DAYS is set: dates and deadlines follow a moved clock"}});
  }
  if (!config_.calendar && !config_.national) {
    log(core::LogLevel::warn, "collab.no_calendar",
        {{"reason",
          "no holidays-YYYY.csv in collaboration.calendar_dir: pregnancy queries are "
          "refused"}});
  }
  check_early_warnings();
  apply(core_->start(now));
  update_peers();
  if (config_.publish) {
    publish_directory();
  } else if (config_.national) {
    log(core::LogLevel::warn, "directory.not_published",
        {{"reason",
          "no [directory] publish_nodes/publish_groups configured; provinces get no "
          "directory and only configured peers may connect"}});
  }
  apply(core_->on_tick(now));
  schedule_wake(now + kMaxSleepMs);
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) shutdown(signo == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  reopen_log_on_sighup();
  io_.run();
  log(core::LogLevel::info, "node.stopped");
  return 0;
}

void NodeDaemon::reopen_log_on_sighup() {
  hangup_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    (void)log_.reopen(wall_clock_ms(), "SIGHUP");  // logged either way
    reopen_log_on_sighup();
  });
}

admin::HttpResponse NodeDaemon::handle_http(const admin::HttpRequest& request) {
  // One API for the daemon's life: it counts responses for /metrics.
  if (!api_) {
    api_ = std::make_unique<HttpApi>(*core_, *transport_, config_, log_,
                                     [this] { return early_warnings_->check(real_clock_ms()); });
  }
  auto handled = api_->handle(request, wall_clock_ms());
  apply(std::move(handled.effects));
  return handled.response;
}

}  // namespace provnet::daemon
