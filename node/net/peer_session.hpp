// One TLS connection to another node: handshake, identity, frames in and out.
//
// Life of a session: handshaking -> open -> closing -> closed.
//  - handshaking: TLS 1.3 with certificates both ways, bounded by a timeout so
//    a peer that connects and says nothing costs one socket for a while only.
//    Then the peer's node code is read from its certificate; a dialed session
//    must find the node it dialed.
//  - open: frames are read one at a time (a frame's length is checked before
//    its body is read) and handed to the owner; frames that have already
//    arrived together (their bytes are waiting when one ends) are handed
//    over together, so the core applies them in one transaction; reading
//    never waits for the network while frames are held. Sends are queued
//    and written in order. When too many bytes wait to be written, reading pauses until the
//    peer has taken half of them: a peer that sends without reading stalls
//    itself, not this node's memory.
//  - closing: queued writes are flushed (so a rejection reaches the peer), the
//    sending side is shut, and what the peer still sends is read and dropped
//    until it closes too, or a timeout.
// Everything runs on one io_context thread; the owner is told of each session's
// end exactly once.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/effects.hpp"
#include "domain/province.hpp"
#include "net/asio.hpp"
#include "net/frame.hpp"

namespace provnet::net {

using domain::ProvinceCode;

struct SessionLimits {
  FrameLimits frame;
  std::size_t max_queued_write_bytes = 64u * 1024 * 1024;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds close_timeout{2'000};
};

class PeerSession;

// What a session reports to whoever owns it (the Transport).
class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  // The peer proved its identity; the owner may still close the session.
  virtual void on_authenticated(const std::shared_ptr<PeerSession>& session) = 0;
  // Frames that arrived together, in order (at least one).
  virtual void on_frames(const std::shared_ptr<PeerSession>& session,
                         std::span<const std::string_view> bodies) = 0;
  // Called once, whether or not the session was ever authenticated.
  virtual void on_closed(const std::shared_ptr<PeerSession>& session,
                         const std::string& reason) = 0;
  virtual void on_log(core::LogEvent event) = 0;
};

class PeerSession : public std::enable_shared_from_this<PeerSession> {
 public:
  enum class Side { accepted, dialed };

  // `expected`: the node a dialed session must reach. The owner must outlive
  // every handler of the session that runs (it does: handlers run inside
  // io_context::run, which ends before the owner is destroyed).
  PeerSession(tcp::socket socket, ssl::context& tls, Side side,
              std::optional<ProvinceCode> expected, const SessionLimits& limits,
              SessionOwner& owner);

  void start();
  // Queues one frame; false when the session is not open (the core resends
  // whatever is not acknowledged, so nothing is lost by that).
  bool send(std::string_view body);
  // Graceful close after the queued writes; `reason` is logged.
  void close(std::string reason);

  Side side() const { return side_; }
  std::optional<ProvinceCode> peer() const { return peer_; }
  // The serial of the peer's certificate (upper-case hex), once authenticated.
  const std::string& peer_serial() const { return peer_serial_; }
  const std::string& remote() const { return remote_; }
  bool open() const { return state_ == State::open; }

 private:
  enum class State { handshaking, open, closing, closed };

  void on_handshake(const boost::system::error_code& ec);
  void read_header();
  void read_body(std::uint32_t length);
  void after_frame();
  // Bytes of the peer's that can be read now without waiting: decrypted,
  // still encrypted in TLS's buffer, or in the socket.
  std::size_t input_waiting();
  // Whether a frame body of `length` bytes is (by a safe estimate of TLS's
  // overhead) already here in full.
  bool body_waiting(std::uint32_t length);
  // Hands the frames read so far to the owner.
  void deliver_arrived();
  void write_next();
  void half_close();
  void drain();
  void close_now(const std::string& reason);
  void log(core::LogLevel level, std::string event,
           std::vector<std::pair<std::string, std::string>> fields);

  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  Side side_;
  std::optional<ProvinceCode> expected_;
  std::optional<ProvinceCode> peer_;
  std::string peer_serial_;
  SessionLimits limits_;
  SessionOwner& owner_;
  std::string remote_;
  State state_ = State::handshaking;
  std::string close_reason_;
  std::string verify_failure_;  // what the certificate check said, if it failed

  std::array<std::uint8_t, kFrameHeaderBytes> header_{};
  std::string body_;
  // Frames read and not yet handed over (see input_waiting), at most
  // kMaxFramesTogether of them.
  std::vector<std::string> arrived_;
  std::size_t arrived_bytes_ = 0;
  bool reading_ = false;
  bool read_paused_ = false;

  std::deque<std::string> writes_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
};

}  // namespace provnet::net
