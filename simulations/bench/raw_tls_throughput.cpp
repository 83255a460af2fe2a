#include "bench/raw_tls_throughput.hpp"

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "net/frame.hpp"

namespace provnet::bench {

namespace {

using Clock = std::chrono::steady_clock;
using net::tcp;
namespace asio = net::asio;
namespace ssl = net::ssl;

struct ReadEnd {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  Clock::time_point last_byte;
};

// The accepting side: takes one connection, reads `frames` frames.
ReadEnd read_frames(tcp::acceptor& acceptor, ssl::context& tls, std::uint64_t frames) {
  asio::io_context& io = static_cast<asio::io_context&>(acceptor.get_executor().context());
  tcp::socket socket(io);
  acceptor.accept(socket);
  socket.set_option(tcp::no_delay(true));
  ssl::stream<tcp::socket> stream(std::move(socket), tls);
  stream.handshake(ssl::stream_base::server);
  ReadEnd end;
  std::array<std::uint8_t, net::kFrameHeaderBytes> header{};
  std::string body;
  net::FrameLimits limits;
  for (std::uint64_t i = 0; i < frames; ++i) {
    asio::read(stream, asio::buffer(header));
    auto length = net::parse_frame_header(header, limits);
    if (!length) throw std::runtime_error(length.error().message);
    body.resize(*length);
    asio::read(stream, asio::buffer(body.data(), body.size()));
    ++end.frames;
    end.bytes += net::kFrameHeaderBytes + body.size();
  }
  end.last_byte = Clock::now();
  boost::system::error_code ignored;
  stream.next_layer().close(ignored);
  return end;
}

}  // namespace

Result<RawTlsFigures> measure_raw_tls(ssl::context& listener_tls, ssl::context& dialer_tls,
                                      std::size_t frame_body_bytes, std::uint64_t total_bytes) {
  // A Cap'n Proto message is whole 8-byte words; the frame check wants that.
  const std::size_t body_bytes = std::max<std::size_t>(8, (frame_body_bytes + 7) / 8 * 8);
  const std::string frame = net::frame(std::string(body_bytes, '\x5a'));
  const std::uint64_t frames = std::max<std::uint64_t>(1, total_bytes / frame.size());

  try {
    asio::io_context listener_io;
    tcp::acceptor acceptor(listener_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = acceptor.local_endpoint().port();
    std::packaged_task<ReadEnd()> reader(
        [&] { return read_frames(acceptor, listener_tls, frames); });
    auto read_end = reader.get_future();
    std::thread reader_thread(std::move(reader));

    Clock::time_point first_write;
    std::optional<std::string> write_error;
    {
      asio::io_context io;
      ssl::stream<tcp::socket> stream(io, dialer_tls);
      boost::system::error_code ec;
      stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
      if (!ec) stream.next_layer().set_option(tcp::no_delay(true), ec);
      if (!ec) stream.handshake(ssl::stream_base::client, ec);
      first_write = Clock::now();
      for (std::uint64_t i = 0; i < frames && !ec; ++i) {
        asio::write(stream, asio::buffer(frame), ec);
      }
      if (ec) {
        write_error = ec.message();
        // A reader still waiting in accept() would wait forever: wake it.
        ::shutdown(acceptor.native_handle(), SHUT_RDWR);
      }
      // The reader must see every byte before the connection goes.
      if (!ec) read_end.wait();
      stream.next_layer().close(ec);
    }
    reader_thread.join();
    ReadEnd end = read_end.get();  // rethrows the reader's failure
    if (write_error) {
      return Error{Errc::io, fmt::format("raw TLS: writing failed: {}", *write_error)};
    }
    RawTlsFigures f;
    f.frames = end.frames;
    f.bytes = end.bytes;
    f.seconds = std::chrono::duration<double>(end.last_byte - first_write).count();
    return f;
  } catch (const std::exception& e) {
    return Error{Errc::io, fmt::format("raw TLS over loopback failed: {}", e.what())};
  }
}

}  // namespace provnet::bench
