#include "admin/admin_server.hpp"

#include "net/listener.hpp"
#include "net/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/x509.h>

#include <cctype>
#include <type_traits>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace provnet::admin {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = net::ssl;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

std::string remote_text(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

// How a connection ends when the client simply goes away: no answer, no log.
bool client_went_away(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

// A TLS handshake that ended before it began is still one that failed, but
// its reason is the socket's, not OpenSSL's.
std::string handshake_failure_text(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "TLS handshake timed out";
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    return "connection closed during the TLS handshake";
  }
  return ec.message();
}

}  // namespace

class AdminServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
};

// One client connection over a plain or a TLS stream: the same HTTP/1.1
// exchange, with a handshake first and a close_notify last for TLS.
template <class Stream>
class AdminServer::Session final : public AdminServer::Connection {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <class... StreamArgs>
  Session(AdminServer& server, std::string remote, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        server_(server),
        remote_(std::move(remote)) {}

  void start() override {
    if constexpr (kTls) {
      handshake();
    } else {
      read();
    }
  }

  void stop() override {
    boost::system::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

 private:
  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  void handshake() {
    // OpenSSL checks the client's chain against admin.client_ca; the callback
    // only remembers why it refused, for the log.
    stream_.set_verify_callback([this](bool preverified, ssl::verify_context& ctx) {
      if (!preverified && verify_failure_.empty()) {
        X509_STORE_CTX* store = ctx.native_handle();
        verify_failure_ = fmt::format("client certificate refused: {} (depth {})",
                                      net::verify_error_text(X509_STORE_CTX_get_error(store)),
                                      X509_STORE_CTX_get_error_depth(store));
      }
      return preverified;
    });
    beast::get_lowest_layer(stream_).expires_after(server_.limits_.handshake_timeout);
    stream_.async_handshake(
        ssl::stream_base::server,
        [self = self()](const boost::system::error_code& ec) { self->on_handshake(ec); });
  }

  void on_handshake(const boost::system::error_code& ec) {
    if (ec) {
      if (!server_.stopping_ && server_.log_) {
        server_.log_(core::LogEvent{
            core::LogLevel::warn,
            "admin.tls_failed",
            {{"remote", remote_},
             {"reason", verify_failure_.empty() ? handshake_failure_text(ec) : verify_failure_}}});
      }
      stop();
      server_.connections_.erase(shared_from_this());
      return;
    }
    handshake_done_ = true;
    read();
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(server_.limits_.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(server_.limits_.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = self()](const boost::system::error_code& ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(const boost::system::error_code& ec) {
    if (ec) {
      if (ec == http::error::body_limit) {
        respond(HttpResponse{413, "application/json",
                             fmt::format(R"({{"error":"request body over {} bytes; send records )"
                                         R"(in smaller batches"}})",
                                         server_.limits_.max_body_bytes)},
                false);
        return;
      }
      if (!client_went_away(ec)) {
        respond(
            HttpResponse{400, "application/json",
                         fmt::format(R"({{"error":"malformed HTTP request: {}"}})", ec.message())},
            false);
        return;
      }
      return finish();
    }
    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.content_type = std::string(req[http::field::content_type]);
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(req.body());
    HttpResponse response = server_.handler_(request);
    respond(std::move(response), req.keep_alive());
  }

  void respond(HttpResponse response, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(response.status);
    res->version(11);
    res->set(http::field::server, "provnode");
    res->set(http::field::content_type, response.content_type);
    res->keep_alive(keep_alive);
    res->body() = std::move(response.body);
    res->prepare_payload();
    http::async_write(
        stream_, *res,
        [self = self(), res, keep_alive](const boost::system::error_code& ec, std::size_t) {
          if (ec || !keep_alive || self->server_.stopping_) return self->finish();
          self->read();
        });
  }

  void finish() {
    server_.connections_.erase(shared_from_this());
    if constexpr (kTls) {
      if (handshake_done_ && !server_.stopping_) {
        // close_notify, so the client can tell the end from a cut; bounded,
        // since a client that left will not answer it.
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
        stream_.async_shutdown([self = self()](const boost::system::error_code&) { self->stop(); });
        return;
      }
      stop();
    } else {
      boost::system::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Stream stream_;
  AdminServer& server_;
  std::string remote_;
  std::string verify_failure_;
  bool handshake_done_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

AdminServer::AdminServer(asio::io_context& io, HttpHandler handler, AdminLimits limits,
                         std::function<void(core::LogEvent)> log,
                         std::unique_ptr<net::ssl::context> tls)
    : io_(io),
      handler_(std::move(handler)),
      limits_(limits),
      log_(std::move(log)),
      tls_(std::move(tls)) {}

AdminServer::~AdminServer() = default;

Result<void> AdminServer::start(const std::string& host, const std::string& port) {
  auto listening = net::listen_on(io_, host, port, "admin.address");
  if (!listening) return listening.error();
  acceptor_.emplace(std::move(*listening));
  if (log_) {
    std::string tls = "off";
    if (tls_) {
      tls = SSL_CTX_get_verify_mode(tls_->native_handle()) & SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                ? "client_certificate_required"
                : "on";
    }
    log_(core::LogEvent{core::LogLevel::info,
                        "admin.listening",
                        {{"address", fmt::format("{}:{}", host, *this->port())}, {"tls", tls}}});
  }
  accept();
  return {};
}

std::optional<std::uint16_t> AdminServer::port() const {
  return net::local_port(acceptor_);
}

void AdminServer::accept() {
  acceptor_->async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopping_ || !acceptor_) return;
    if (!ec) {
      std::string remote = remote_text(socket);
      std::shared_ptr<Connection> c;
      if (tls_) {
        c = std::make_shared<Session<TlsStream>>(*this, std::move(remote), std::move(socket),
                                                 *tls_);
      } else {
        c = std::make_shared<Session<PlainStream>>(*this, std::move(remote), std::move(socket));
      }
      connections_.insert(c);
      c->start();
    }
    accept();
  });
}

void AdminServer::stop() {
  stopping_ = true;
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    acceptor_.reset();
  }
  auto live = connections_;
  for (const auto& c : live) c->stop();
  connections_.clear();
}

}  // namespace provnet::admin
