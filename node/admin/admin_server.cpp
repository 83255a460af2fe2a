#include "admin/admin_server.hpp"

#include "net/listener.hpp"

#include <fmt/format.h>

#include <cctype>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace provnet::admin {

namespace beast = boost::beast;
namespace http = boost::beast::http;

class AdminServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, AdminServer& server)
      : stream_(std::move(socket)), server_(server) {}

  void start() { read(); }
  void stop() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.limits_.max_body_bytes);
    stream_.expires_after(server_.limits_.idle_timeout);
    auto self = shared_from_this();
    http::async_read(
        stream_, buffer_, *parser_,
        [self](const boost::system::error_code& ec, std::size_t) { self->on_read(ec); });
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
      if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
          ec != asio::error::operation_aborted && ec != asio::error::eof &&
          ec != asio::error::connection_reset) {
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
    auto self = shared_from_this();
    http::async_write(stream_, *res,
                      [self, res, keep_alive](const boost::system::error_code& ec, std::size_t) {
                        if (ec || !keep_alive || self->server_.stopping_) return self->finish();
                        self->read();
                      });
  }

  void finish() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    server_.connections_.erase(shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  AdminServer& server_;
};

AdminServer::AdminServer(asio::io_context& io, HttpHandler handler, AdminLimits limits,
                         std::function<void(core::LogEvent)> log)
    : io_(io), handler_(std::move(handler)), limits_(limits), log_(std::move(log)) {}

AdminServer::~AdminServer() = default;

Result<void> AdminServer::start(const std::string& host, const std::string& port) {
  auto listening = net::listen_on(io_, host, port, "admin.address");
  if (!listening) return listening.error();
  acceptor_.emplace(std::move(*listening));
  if (log_) {
    log_(core::LogEvent{core::LogLevel::info,
                        "admin.listening",
                        {{"address", fmt::format("{}:{}", host, *this->port())}}});
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
      auto c = std::make_shared<Connection>(std::move(socket), *this);
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
