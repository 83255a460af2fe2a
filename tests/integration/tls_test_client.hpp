// A TLS 1.3 client that plays a node (or an intruder) against a provnode
// listener: it presents whatever certificate the test gives it, then writes
// raw bytes (hostile frames) or framed envelopes and reads what comes back.
// Every operation has a deadline; none throws for a network error.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/asio.hpp"

namespace provnet::testing {

struct TlsIdentity {
  std::string certificate;  // PEM file
  std::string private_key;  // PEM file
  std::string ca;           // the CA the client trusts for the server
};

class TlsTestClient {
 public:
  explicit TlsTestClient(const TlsIdentity& identity) : tls_(net::ssl::context::tls_client) {
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(tls_.native_handle(), TLS1_3_VERSION);
    tls_.use_certificate_chain_file(identity.certificate);
    tls_.use_private_key_file(identity.private_key, net::ssl::context::pem);
    tls_.load_verify_file(identity.ca);
    tls_.set_verify_mode(net::ssl::verify_peer);
  }

  // Connects to 127.0.0.1:port and runs the TLS handshake. Returns "" when
  // the client's side of the handshake completed, else the error. (In TLS 1.3
  // the client finishes before the server has checked the client's
  // certificate: a refused certificate shows on the first read.)
  std::string connect(std::uint16_t port,
                      std::chrono::milliseconds patience = std::chrono::seconds(30)) {
    stream_.emplace(io_, tls_);
    boost::system::error_code ec;
    stream_->next_layer().connect(net::tcp::endpoint(net::asio::ip::address_v4::loopback(), port),
                                  ec);
    if (ec) return "connect: " + ec.message();
    local_port_ = stream_->next_layer().local_endpoint(ec).port();
    std::optional<boost::system::error_code> result;
    stream_->async_handshake(net::ssl::stream_base::client,
                             [&](const boost::system::error_code& e) { result = e; });
    if (!run(result, patience)) return "handshake: no answer within the deadline";
    return *result ? "handshake: " + result->message() : "";
  }

  // "127.0.0.1:<port>": how the server's log names this client ("remote").
  std::string local_address() const { return "127.0.0.1:" + std::to_string(local_port_); }

  // Writes the bytes as TLS application data; false on error.
  bool write(std::string_view bytes,
             std::chrono::milliseconds patience = std::chrono::seconds(30)) {
    std::optional<boost::system::error_code> result;
    net::asio::async_write(*stream_, net::asio::buffer(bytes.data(), bytes.size()),
                           [&](const boost::system::error_code& e, std::size_t) { result = e; });
    return run(result, patience) && !*result;
  }

  // Reads one frame (4-byte big-endian length, then the body); nullopt when
  // the connection ends first or the deadline passes.
  std::optional<std::string> read_frame(
      std::chrono::milliseconds patience = std::chrono::seconds(30)) {
    std::array<std::uint8_t, 4> header{};
    if (!read_exactly(header.data(), header.size(), patience)) return std::nullopt;
    std::uint32_t length = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                           (std::uint32_t{header[2]} << 8) | header[3];
    if (length > 64u * 1024 * 1024) return std::nullopt;
    std::string body(length, '\0');
    if (!read_exactly(body.data(), body.size(), patience)) return std::nullopt;
    return body;
  }

  // Reads and drops whatever comes until the server ends the connection.
  // True when it did within the deadline; `how` gets the way it ended (an
  // alert from the TLS layer, end of stream).
  bool wait_closed_by_peer(std::string* how = nullptr,
                           std::chrono::milliseconds patience = std::chrono::seconds(60)) {
    std::array<char, 4096> sink{};
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < deadline) {
      std::optional<boost::system::error_code> result;
      stream_->async_read_some(net::asio::buffer(sink), [&](const boost::system::error_code& e,
                                                            std::size_t) { result = e; });
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!run(result, std::max(left, std::chrono::milliseconds(1)))) return false;
      if (*result) {
        if (how) *how = result->message();
        return true;
      }
    }
    return false;
  }

  // Ends the sending side at the TCP level, without a TLS close_notify: to
  // the server the stream just stops (mid-frame, if a frame was open).
  void shutdown_send() {
    boost::system::error_code ignored;
    stream_->next_layer().shutdown(net::tcp::socket::shutdown_send, ignored);
  }

  void close() {
    boost::system::error_code ignored;
    if (stream_) stream_->next_layer().close(ignored);
  }

 private:
  // Runs the io_context until `result` is set or the deadline passes (then
  // the operation is cancelled and its handler run).
  bool run(std::optional<boost::system::error_code>& result, std::chrono::milliseconds patience) {
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
    }
    if (result) return true;
    boost::system::error_code ignored;
    stream_->next_layer().cancel(ignored);
    io_.restart();
    while (!result && io_.run_one() > 0) {
    }
    return false;
  }

  bool read_exactly(void* data, std::size_t size, std::chrono::milliseconds patience) {
    std::optional<boost::system::error_code> result;
    net::asio::async_read(*stream_, net::asio::buffer(data, size),
                          [&](const boost::system::error_code& e, std::size_t) { result = e; });
    return run(result, patience) && !*result;
  }

  net::asio::io_context io_;
  net::ssl::context tls_;
  std::optional<net::ssl::stream<net::tcp::socket>> stream_;
  std::uint16_t local_port_ = 0;
};

}  // namespace provnet::testing
