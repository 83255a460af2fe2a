// A real AdminServer (node/admin) on 127.0.0.1 and a port of its own,
// serving a handler the test gives, on a thread of its own: a stand-in node
// for clients under test (provctl, the HTTP client), plain or over TLS. The
// handler runs on the server's thread; what it records for the test must be
// guarded (RecordedRequests does that for requests). Link provnet_admin.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "admin/admin_server.hpp"
#include "net/asio.hpp"

namespace provnet::testing {

// Requests as the handler saw them, for the test's thread to look at.
class RecordedRequests {
 public:
  void add(const admin::HttpRequest& r) {
    std::lock_guard lock(mutex_);
    requests_.push_back(r);
  }
  std::vector<admin::HttpRequest> all() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<admin::HttpRequest> requests_;
};

class AdminServerThread {
 public:
  explicit AdminServerThread(admin::HttpHandler handler,
                             std::unique_ptr<net::ssl::context> tls = nullptr,
                             admin::AdminLimits limits = {})
      : server_(
            io_, std::move(handler), limits,
            [this](core::LogEvent e) {
              std::lock_guard lock(mutex_);
              events_.push_back(std::move(e));
            },
            std::move(tls)) {
    auto started = server_.start("127.0.0.1", "0");
    if (!started) throw std::runtime_error("AdminServerThread: " + started.error().message);
    port_ = server_.port().value_or(0);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~AdminServerThread() {
    net::asio::post(io_, [this] { server_.stop(); });
    thread_.join();
  }

  AdminServerThread(const AdminServerThread&) = delete;
  AdminServerThread& operator=(const AdminServerThread&) = delete;

  std::uint16_t port() const { return port_; }

  std::vector<core::LogEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<core::LogEvent> events_of_kind(const std::string& event) const {
    std::vector<core::LogEvent> out;
    for (auto& e : events()) {
      if (e.event == event) out.push_back(e);
    }
    return out;
  }

 private:
  net::asio::io_context io_;
  admin::AdminServer server_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<core::LogEvent> events_;
  std::thread thread_;
};

inline std::string field_of(const core::LogEvent& e, const std::string& key) {
  for (const auto& [k, v] : e.fields) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace provnet::testing
