// A TCP port on 127.0.0.1 that nothing uses right now, for a provnode
// listen or admin address (node configurations need a fixed port).
//
// Ports are drawn below the kernel's ephemeral range: an outgoing connection
// never takes one of those, so a port found free stays free until provnode
// binds it, even across restarts of the node on the same configuration. Each
// port is handed out once per test process.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>

namespace provnet::testing {

// True when 127.0.0.1:port can be bound now (without SO_REUSEADDR, so a port
// with connections in TIME_WAIT counts as taken).
inline bool port_is_free(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

inline std::uint16_t free_tcp_port() {
  static std::mutex mutex;
  static std::set<std::uint16_t> handed_out;
  static std::mt19937 random{std::random_device{}()};
  std::lock_guard lock(mutex);
  int ephemeral_low = 32768;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> ephemeral_low;
  const int low = 10'000;
  const int high = std::max(low + 1000, ephemeral_low);  // exclusive
  std::uniform_int_distribution<int> pick(low, high - 1);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto port = static_cast<std::uint16_t>(pick(random));
    if (handed_out.count(port) || !port_is_free(port)) continue;
    handed_out.insert(port);
    return port;
  }
  throw std::runtime_error("free_tcp_port: no free port found below the ephemeral range");
}

}  // namespace provnet::testing
