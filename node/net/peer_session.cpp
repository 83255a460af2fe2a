#include "net/peer_session.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ca/certificates.hpp"
#include "ca/node_identity.hpp"
#include "net/tls_context.hpp"

namespace provnet::net {

namespace {

std::string endpoint_text(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

std::string code_text(ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

// Dropping a large frame's buffer keeps one big message from pinning its
// memory for the life of the session.
constexpr std::size_t kKeptBufferBytes = 1u << 20;
// Frames handed over together: at most this many, of at most this many
// bytes in all (the core applies them in one write transaction).
constexpr std::size_t kMaxFramesTogether = 64;
constexpr std::size_t kMaxBytesTogether = 8u << 20;

}  // namespace

PeerSession::PeerSession(tcp::socket socket, ssl::context& tls, Side side,
                         std::optional<ProvinceCode> expected, const SessionLimits& limits,
                         SessionOwner& owner)
    : stream_(std::move(socket), tls),
      timer_(stream_.get_executor()),
      side_(side),
      expected_(expected),
      limits_(limits),
      owner_(owner),
      remote_(endpoint_text(stream_.next_layer())) {}

void PeerSession::log(core::LogLevel level, std::string event,
                      std::vector<std::pair<std::string, std::string>> fields) {
  fields.insert(fields.begin(), {"remote", remote_});
  if (peer_) fields.insert(fields.begin(), {"peer", code_text(*peer_)});
  owner_.on_log(core::LogEvent{level, std::move(event), std::move(fields)});
}

void PeerSession::start() {
  auto self = shared_from_this();
  boost::system::error_code ignored;
  stream_.next_layer().set_option(tcp::no_delay(true), ignored);
  stream_.next_layer().set_option(asio::socket_base::keep_alive(true), ignored);
  // OpenSSL checks the chain (CA, validity dates, signatures); the callback
  // only remembers why it failed, for the log.
  stream_.set_verify_callback([this](bool preverified, ssl::verify_context& ctx) {
    if (!preverified && verify_failure_.empty()) {
      X509_STORE_CTX* store = ctx.native_handle();
      verify_failure_ = fmt::format("peer certificate refused: {} (depth {})",
                                    verify_error_text(X509_STORE_CTX_get_error(store)),
                                    X509_STORE_CTX_get_error_depth(store));
    }
    return preverified;
  });
  timer_.expires_after(limits_.handshake_timeout);
  timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec && self->state_ == State::handshaking) self->close_now("TLS handshake timed out");
  });
  stream_.async_handshake(
      side_ == Side::accepted ? ssl::stream_base::server : ssl::stream_base::client,
      [self](const boost::system::error_code& ec) { self->on_handshake(ec); });
}

void PeerSession::on_handshake(const boost::system::error_code& ec) {
  if (state_ != State::handshaking) return;
  if (ec) {
    std::string reason = !verify_failure_.empty() ? verify_failure_ : ec.message();
    log(core::LogLevel::warn, "tls.handshake_failed",
        {{"side", side_ == Side::accepted ? "accepted" : "dialed"}, {"reason", reason}});
    close_now(reason);
    return;
  }
  timer_.cancel();
  X509* certificate = SSL_get0_peer_certificate(stream_.native_handle());
  if (!certificate) {
    log(core::LogLevel::error, "security.no_certificate", {{"reason", "peer sent no certificate"}});
    close_now("peer sent no certificate");
    return;
  }
  auto code = ca::node_code_of(certificate);
  if (!code) {
    log(core::LogLevel::error, "security.peer_identity", {{"reason", code.error().message}});
    close_now(code.error().message);
    return;
  }
  if (expected_ && *code != *expected_) {
    std::string reason = fmt::format("dialed node {} but its certificate is for node {}",
                                     code_text(*expected_), code_text(*code));
    log(core::LogLevel::error, "security.peer_unexpected", {{"reason", reason}});
    close_now(reason);
    return;
  }
  peer_ = *code;
  peer_serial_ = ca::certificate_serial_hex(certificate);
  state_ = State::open;
  log(core::LogLevel::info, "tls.established",
      {{"side", side_ == Side::accepted ? "accepted" : "dialed"},
       {"version", SSL_get_version(stream_.native_handle())},
       {"cipher", SSL_get_cipher_name(stream_.native_handle())}});
  owner_.on_authenticated(shared_from_this());
  if (state_ == State::open) read_header();
}

void PeerSession::read_header() {
  if (reading_) return;
  reading_ = true;
  auto self = shared_from_this();
  asio::async_read(
      stream_, asio::buffer(header_), [self](const boost::system::error_code& ec, std::size_t) {
        self->reading_ = false;
        // Closing: an error or end of stream is the peer's close; anything
        // else is read and dropped until then.
        if (self->state_ == State::closing) {
          return ec ? self->close_now(self->close_reason_) : self->drain();
        }
        if (self->state_ != State::open) return;
        if (ec) {
          return self->close_now(ec == asio::error::eof ? "peer closed the connection"
                                                        : "read failed: " + ec.message());
        }
        auto length = parse_frame_header(self->header_, self->limits_.frame);
        if (!length) {
          self->deliver_arrived();  // what came before the bad header is sound
          self->log(core::LogLevel::warn, "frame.refused", {{"reason", length.error().message}});
          return self->close(length.error().message);
        }
        if (!self->arrived_.empty() && !self->body_waiting(*length)) {
          // This frame is still on its way: the ones here go first.
          self->deliver_arrived();
          if (self->state_ == State::closing) return self->drain();
          if (self->state_ != State::open) return;
        }
        self->read_body(*length);
      });
}

void PeerSession::read_body(std::uint32_t length) {
  reading_ = true;
  body_.resize(length);
  auto self = shared_from_this();
  asio::async_read(stream_, asio::buffer(body_.data(), body_.size()),
                   [self](const boost::system::error_code& ec, std::size_t) {
                     self->reading_ = false;
                     // Closing: an error or end of stream is the peer's close; anything
                     // else is read and dropped until then.
                     if (self->state_ == State::closing) {
                       return ec ? self->close_now(self->close_reason_) : self->drain();
                     }
                     if (self->state_ != State::open) return;
                     if (ec) {
                       return self->close_now(ec == asio::error::eof
                                                  ? "peer closed the connection inside a frame"
                                                  : "read failed: " + ec.message());
                     }
                     self->arrived_bytes_ += self->body_.size();
                     self->arrived_.push_back(std::move(self->body_));
                     self->body_ = std::string();
                     // More is already here: read it before handing over.
                     if (self->arrived_.size() < kMaxFramesTogether &&
                         self->arrived_bytes_ < kMaxBytesTogether &&
                         self->input_waiting() >= kFrameHeaderBytes) {
                       return self->read_header();
                     }
                     self->deliver_arrived();
                     self->after_frame();
                   });
}

std::size_t PeerSession::input_waiting() {
  SSL* ssl = stream_.native_handle();
  boost::system::error_code ec;
  const std::size_t in_socket = stream_.next_layer().available(ec);
  return static_cast<std::size_t>(SSL_pending(ssl)) + BIO_ctrl_pending(SSL_get_rbio(ssl)) +
         (ec ? 0 : in_socket);
}

bool PeerSession::body_waiting(std::uint32_t length) {
  SSL* ssl = stream_.native_handle();
  const std::size_t decrypted = static_cast<std::size_t>(SSL_pending(ssl));
  if (decrypted >= length) return true;
  boost::system::error_code ec;
  const std::size_t in_socket = stream_.next_layer().available(ec);
  if (ec) return false;
  const std::size_t encrypted = BIO_ctrl_pending(SSL_get_rbio(ssl)) + in_socket;
  // TLS 1.3 adds 22 bytes a record (header, content type, tag) of at most
  // 16 KiB; allowing for one more record than needed keeps the estimate safe.
  const std::size_t needed = length - decrypted;
  return encrypted >= needed + 22 * (needed / 16384 + 2);
}

void PeerSession::deliver_arrived() {
  if (arrived_.empty()) return;
  std::vector<std::string> frames;
  frames.swap(arrived_);
  arrived_bytes_ = 0;
  std::vector<std::string_view> bodies(frames.begin(), frames.end());
  owner_.on_frames(shared_from_this(), bodies);
}

void PeerSession::after_frame() {
  if (body_.capacity() > kKeptBufferBytes) {
    std::string().swap(body_);
  } else {
    body_.clear();
  }
  if (state_ == State::closing) return drain();
  if (state_ != State::open) return;
  if (queued_bytes_ > limits_.max_queued_write_bytes) {
    read_paused_ = true;  // resumed by write_next once the peer has read
    return;
  }
  read_header();
}

bool PeerSession::send(std::string_view body) {
  if (state_ != State::open) return false;
  writes_.push_back(frame(body));
  queued_bytes_ += writes_.back().size();
  if (!writing_) write_next();
  return true;
}

void PeerSession::write_next() {
  if (writes_.empty()) {
    if (state_ == State::closing) half_close();
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  asio::async_write(
      stream_, asio::buffer(writes_.front()),
      [self](const boost::system::error_code& ec, std::size_t) {
        self->writing_ = false;
        if (self->state_ == State::closed) return self->writes_.clear();
        if (ec) return self->close_now("write failed: " + ec.message());
        self->queued_bytes_ -= self->writes_.front().size();
        self->writes_.pop_front();
        if (self->read_paused_ && self->queued_bytes_ <= self->limits_.max_queued_write_bytes / 2) {
          self->read_paused_ = false;
          if (self->state_ == State::open) self->read_header();
        }
        self->write_next();
      });
}

void PeerSession::close(std::string reason) {
  if (state_ == State::closing || state_ == State::closed) return;
  if (state_ == State::handshaking) return close_now(reason);
  state_ = State::closing;
  close_reason_ = std::move(reason);
  auto self = shared_from_this();
  timer_.expires_after(limits_.close_timeout);
  timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec) self->close_now(self->close_reason_);
  });
  if (!writing_) write_next();
}

void PeerSession::half_close() {
  // Shut only the sending side: closing outright while the peer's data sits
  // unread would send a reset, and the peer could lose our last frames.
  boost::system::error_code ignored;
  stream_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
  drain();
}

void PeerSession::drain() {
  if (state_ == State::closed || reading_) return;
  reading_ = true;
  body_.resize(4096);
  auto self = shared_from_this();
  stream_.next_layer().async_read_some(asio::buffer(body_.data(), body_.size()),
                                       [self](const boost::system::error_code& ec, std::size_t) {
                                         self->reading_ = false;
                                         if (ec) return self->close_now(self->close_reason_);
                                         self->drain();
                                       });
}

void PeerSession::close_now(const std::string& reason) {
  if (state_ == State::closed) return;
  const bool was_open = state_ == State::open;
  state_ = State::closed;
  timer_.cancel();
  boost::system::error_code ignored;
  stream_.next_layer().close(ignored);
  // A write or read in progress still uses its buffer until its handler
  // runs (Asio's TLS stream may encrypt the next piece of a frame after the
  // socket is closed): that frame and body_ stay until then.
  while (writes_.size() > (writing_ ? 1u : 0u)) writes_.pop_back();
  queued_bytes_ = 0;
  if (!reading_) std::string().swap(body_);
  // Frames that arrived in full before the connection ended are applied, as
  // they would have been one at a time. Their replies cannot go out any more
  // (send() refuses on a closed session): the peer sends them again and gets
  // the replies remembered for them. While closing they are dropped.
  if (was_open) deliver_arrived();
  arrived_.clear();
  owner_.on_closed(shared_from_this(), reason);
}

}  // namespace provnet::net
