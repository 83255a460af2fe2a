#include "net/transport.hpp"

#include "net/listener.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace provnet::net {

namespace {
std::string code_text(ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}
}  // namespace

Transport::Transport(asio::io_context& io, ssl::context& tls, TransportConfig config,
                     TransportEvents events)
    : io_(io), tls_(tls), config_(std::move(config)), events_(std::move(events)) {
  for (const DialTarget& t : config_.dial) add_dialer(t);
}

void Transport::add_dialer(const DialTarget& t) {
  Dialer d;
  d.target = t;
  d.timer = std::make_unique<asio::steady_timer>(io_);
  d.resolver = std::make_unique<tcp::resolver>(io_);
  dialers_.emplace(t.code, std::move(d));
}

void Transport::set_peers(std::vector<DialTarget> targets, std::set<ProvinceCode> accept_from) {
  std::set<ProvinceCode> dial_codes;
  for (const DialTarget& t : targets) {
    dial_codes.insert(t.code);
    auto it = dialers_.find(t.code);
    if (it == dialers_.end()) {
      add_dialer(t);
      log(core::LogLevel::info, "net.peer_added",
          {{"peer", code_text(t.code)}, {"address", t.host + ":" + t.port}});
      if (started_ && !stopping_) dial(dialers_.at(t.code));
      continue;
    }
    Dialer& d = it->second;
    if (d.target.host != t.host || d.target.port != t.port) {
      log(core::LogLevel::info, "net.peer_address",
          {{"peer", code_text(t.code)}, {"address", t.host + ":" + t.port}});
      d.target = t;  // used from the next dial on
    }
    if (!d.active) {
      d.active = true;
      d.failures = 0;
      log(core::LogLevel::info, "net.peer_added",
          {{"peer", code_text(t.code)}, {"address", t.host + ":" + t.port}});
      if (started_ && !stopping_ && !d.session) dial(d);
    }
  }
  for (auto& [code, d] : dialers_) {
    if (d.active && !dial_codes.count(code)) {
      d.active = false;
      d.timer->cancel();
      d.resolver->cancel();
      log(core::LogLevel::info, "net.peer_removed", {{"peer", code_text(code)}});
      if (d.session) d.session->close("no longer a peer of this node");
    }
  }
  config_.dial = std::move(targets);
  config_.accept_from = std::move(accept_from);
  auto live = sessions_;  // closing may erase from sessions_
  for (const auto& s : live) {
    std::string reason;
    if (s->peer() && !allowed(*s, reason)) s->close(reason);
  }
}

void Transport::set_revoked_serials(std::set<std::string> serials) {
  revoked_ = std::move(serials);
  auto live = sessions_;
  for (const auto& s : live) {
    std::string reason;
    if (s->peer() && !allowed(*s, reason)) {
      log(core::LogLevel::error, "security.peer_revoked",
          {{"peer", code_text(*s->peer())}, {"serial", s->peer_serial()}, {"reason", reason}});
      s->close(reason);
    }
  }
}

bool Transport::allowed(const PeerSession& session, std::string& reason) const {
  const ProvinceCode code = *session.peer();
  if (revoked_.count(session.peer_serial())) {
    reason = fmt::format("the certificate of node {} (serial {}) is revoked", code_text(code),
                         session.peer_serial());
    return false;
  }
  if (session.side() == PeerSession::Side::accepted) {
    if (!config_.accept_from.count(code)) {
      reason = fmt::format(
          "node {} is not a peer of this node (only configured peers and "
          "the directory's nodes may connect)",
          code_text(code));
      return false;
    }
  } else if (auto d = dialers_.find(code); d == dialers_.end() || !d->second.active) {
    reason = fmt::format("node {} is no longer a peer of this node", code_text(code));
    return false;
  }
  return true;
}

Transport::~Transport() = default;

void Transport::log(core::LogLevel level, std::string event,
                    std::vector<std::pair<std::string, std::string>> fields) {
  if (events_.log) events_.log(core::LogEvent{level, std::move(event), std::move(fields)});
}

void Transport::on_log(core::LogEvent event) {
  if (events_.log) events_.log(std::move(event));
}

Result<void> Transport::start() {
  if (!config_.listen_host.empty()) {
    auto listening = listen_on(io_, config_.listen_host, config_.listen_port, "listen.address");
    if (!listening) return listening.error();
    acceptor_.emplace(std::move(*listening));
    log(core::LogLevel::info, "net.listening",
        {{"address", fmt::format("{}:{}", config_.listen_host, *listen_port())}});
    accept();
  }
  started_ = true;
  for (auto& [code, d] : dialers_) dial(d);
  return {};
}

std::optional<std::uint16_t> Transport::listen_port() const {
  return local_port(acceptor_);
}

void Transport::accept() {
  acceptor_->async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopping_ || !acceptor_) return;
    if (ec) {
      // Out of descriptors and the like: keep serving the links we have and
      // try again shortly rather than spinning.
      log(core::LogLevel::warn, "net.accept_failed", {{"reason", ec.message()}});
      auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(200));
      timer->async_wait([this, timer](const boost::system::error_code&) {
        if (!stopping_ && acceptor_) accept();
      });
      return;
    }
    auto session = std::make_shared<PeerSession>(
        std::move(socket), tls_, PeerSession::Side::accepted, std::nullopt, config_.session, *this);
    sessions_.insert(session);
    session->start();
    accept();
  });
}

void Transport::dial(Dialer& d) {
  if (stopping_ || !d.active) return;
  const ProvinceCode code = d.target.code;
  d.resolver->async_resolve(
      d.target.host, d.target.port,
      [this, code](const boost::system::error_code& ec, tcp::resolver::results_type results) {
        Dialer& d = dialers_.at(code);
        if (stopping_ || !d.active) return;
        if (ec) return redial_later(d, "cannot resolve " + d.target.host + ": " + ec.message());
        auto socket = std::make_shared<tcp::socket>(io_);
        asio::async_connect(
            *socket, results,
            [this, code, socket](const boost::system::error_code& ec, const tcp::endpoint&) {
              Dialer& d = dialers_.at(code);
              if (stopping_ || !d.active) return;
              if (ec) {
                return redial_later(d, fmt::format("cannot connect to {}:{}: {}", d.target.host,
                                                   d.target.port, ec.message()));
              }
              d.session =
                  std::make_shared<PeerSession>(std::move(*socket), tls_, PeerSession::Side::dialed,
                                                code, config_.session, *this);
              sessions_.insert(d.session);
              d.session->start();
            });
      });
}

void Transport::redial_later(Dialer& d, const std::string& reason) {
  d.session.reset();
  if (stopping_ || !d.active) return;
  ++d.failures;
  // Exponential backoff with jitter in [delay/2, delay]: after a national
  // outage, 32 provinces do not all knock at the same instant.
  auto delay = config_.reconnect_initial;
  for (std::uint32_t i = 1; i < d.failures && delay < config_.reconnect_max; ++i) delay *= 2;
  delay = std::min(delay, config_.reconnect_max);
  jitter_state_ ^= jitter_state_ << 13;
  jitter_state_ ^= jitter_state_ >> 7;
  jitter_state_ ^= jitter_state_ << 17;
  auto half = delay.count() / 2;
  auto wait = std::chrono::milliseconds(
      half + static_cast<std::int64_t>(
                 jitter_state_ %
                 static_cast<std::uint64_t>(std::max<std::int64_t>(1, delay.count() - half))));
  log(d.failures > 3 ? core::LogLevel::warn : core::LogLevel::info, "net.dial_failed",
      {{"peer", code_text(d.target.code)},
       {"reason", reason},
       {"failures", std::to_string(d.failures)},
       {"retry_in_ms", std::to_string(wait.count())}});
  const ProvinceCode code = d.target.code;
  d.timer->expires_after(wait);
  d.timer->async_wait([this, code](const boost::system::error_code& ec) {
    if (!ec) dial(dialers_.at(code));
  });
}

void Transport::on_authenticated(const std::shared_ptr<PeerSession>& session) {
  const ProvinceCode code = *session->peer();
  std::string reason;
  if (!allowed(*session, reason)) {
    const bool revoked = revoked_.count(session->peer_serial()) > 0;
    log(core::LogLevel::error, revoked ? "security.peer_revoked" : "security.peer_not_allowed",
        {{"peer", code_text(code)},
         {"remote", session->remote()},
         {"serial", session->peer_serial()},
         {"reason", reason}});
    session->close(reason);
    return;
  }
  if (session->side() == PeerSession::Side::dialed) dialers_.at(code).failures = 0;
  if (auto old = open_.find(code); old != open_.end() && old->second != session) {
    auto previous = old->second;
    open_.erase(old);
    previous->close("replaced by a newer connection from the same node");
  }
  open_[code] = session;
  if (events_.link_up) events_.link_up(code);
}

void Transport::on_frames(const std::shared_ptr<PeerSession>& session,
                          std::span<const std::string_view> bodies) {
  auto it = open_.find(*session->peer());
  if (it == open_.end() || it->second != session) return;  // a replaced session's late frames
  if (events_.frames) return events_.frames(*session->peer(), bodies);
  for (std::string_view body : bodies) {
    // The owner may close the link on a frame; the rest are then dropped.
    if (auto now = open_.find(*session->peer()); now == open_.end() || now->second != session)
      return;
    if (events_.frame) events_.frame(*session->peer(), body);
  }
}

void Transport::on_closed(const std::shared_ptr<PeerSession>& session, const std::string& reason) {
  sessions_.erase(session);
  if (auto peer = session->peer()) {
    if (auto it = open_.find(*peer); it != open_.end() && it->second == session) {
      open_.erase(it);
      log(core::LogLevel::info, "link.closed",
          {{"peer", code_text(*peer)}, {"remote", session->remote()}, {"reason", reason}});
      if (events_.link_down) events_.link_down(*peer);
    }
  }
  if (session->side() == PeerSession::Side::dialed) {
    for (auto& [code, d] : dialers_) {
      if (d.session == session) redial_later(d, reason);
    }
  }
}

bool Transport::send(ProvinceCode peer, std::string_view body) {
  auto it = open_.find(peer);
  if (it == open_.end()) return false;
  return it->second->send(body);
}

void Transport::close(ProvinceCode peer, const std::string& reason) {
  auto it = open_.find(peer);
  if (it == open_.end()) return;
  it->second->close(reason);
}

bool Transport::connected(ProvinceCode peer) const {
  auto it = open_.find(peer);
  return it != open_.end() && it->second->open();
}

void Transport::stop() {
  stopping_ = true;
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    acceptor_.reset();
  }
  for (auto& [code, d] : dialers_) {
    d.timer->cancel();
    d.resolver->cancel();
  }
  auto live = sessions_;  // closing may erase from sessions_
  for (const auto& s : live) s->close("node shutting down");
}

}  // namespace provnet::net
