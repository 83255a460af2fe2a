// The node's links to its peers: a TLS listener for the nodes that dial in,
// a dialer with backoff for each peer this node dials, and at most one open
// session per peer node.
//
// Who dials whom: the node with the higher code dials the lower (every
// province dials the national node 00; inside a regional group, 32 dials 31),
// so two nodes never race to open two links to each other. If a peer comes
// back on a new connection while its old one looks alive, the new one
// replaces the old (the old is usually half-dead after a crash).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "net/peer_session.hpp"

namespace provnet::net {

struct DialTarget {
  ProvinceCode code = 0;
  std::string host;
  std::string port;
};

struct TransportConfig {
  ProvinceCode self = 0;
  std::string listen_host;  // empty: do not listen
  std::string listen_port;  // "0": any free port (tests)
  std::vector<DialTarget> dial;
  std::set<ProvinceCode> accept_from;  // nodes allowed to dial in
  SessionLimits session;
  std::chrono::milliseconds reconnect_initial{500};
  std::chrono::milliseconds reconnect_max{30'000};
};

struct TransportEvents {
  std::function<void(ProvinceCode)> link_up;
  std::function<void(ProvinceCode)> link_down;
  std::function<void(ProvinceCode, std::string_view body)> frame;
  // Frames that arrived together (see PeerSession); when set, it is called
  // instead of `frame`.
  std::function<void(ProvinceCode, std::span<const std::string_view> bodies)> frames;
  std::function<void(core::LogEvent)> log;
};

class Transport final : public SessionOwner {
 public:
  Transport(asio::io_context& io, ssl::context& tls, TransportConfig config,
            TransportEvents events);
  ~Transport() override;

  // Binds the listener (the error names the address) and starts dialing.
  Result<void> start();
  // Stops accepting and dialing and closes every session gracefully.
  void stop();

  // Replaces the peers (from the national directory): dialers are added
  // (and start at once if the transport runs) or stopped, addresses
  // updated for the next dial; sessions with nodes no longer peers close.
  void set_peers(std::vector<DialTarget> targets, std::set<ProvinceCode> accept_from);
  // Certificates the national directory revoked: sessions authenticated
  // with one close now, and new ones are refused after the handshake.
  void set_revoked_serials(std::set<std::string> serials);

  // False when there is no open link to `peer` (the core retries later).
  bool send(ProvinceCode peer, std::string_view body);
  void close(ProvinceCode peer, const std::string& reason);
  bool connected(ProvinceCode peer) const;
  std::optional<std::uint16_t> listen_port() const;

  void on_authenticated(const std::shared_ptr<PeerSession>& session) override;
  void on_frames(const std::shared_ptr<PeerSession>& session,
                 std::span<const std::string_view> bodies) override;
  void on_closed(const std::shared_ptr<PeerSession>& session, const std::string& reason) override;
  void on_log(core::LogEvent event) override;

 private:
  struct Dialer {
    DialTarget target;
    std::unique_ptr<asio::steady_timer> timer;
    std::unique_ptr<tcp::resolver> resolver;
    std::uint32_t failures = 0;
    std::shared_ptr<PeerSession> session;  // the one being dialed or open
    bool active = true;  // false: no longer a peer (kept so that pending handlers find it)
  };
  void add_dialer(const DialTarget& t);
  bool allowed(const PeerSession& session, std::string& reason) const;

  void accept();
  void dial(Dialer& d);
  void redial_later(Dialer& d, const std::string& reason);
  void log(core::LogLevel level, std::string event,
           std::vector<std::pair<std::string, std::string>> fields);

  asio::io_context& io_;
  ssl::context& tls_;
  TransportConfig config_;
  TransportEvents events_;
  std::optional<tcp::acceptor> acceptor_;
  std::map<ProvinceCode, Dialer> dialers_;
  std::map<ProvinceCode, std::shared_ptr<PeerSession>> open_;
  std::set<std::shared_ptr<PeerSession>> sessions_;  // every live session
  std::set<std::string> revoked_;
  bool started_ = false;
  bool stopping_ = false;
  std::uint64_t jitter_state_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace provnet::net
