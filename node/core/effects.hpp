// What the core asks its driver to do. The core never touches a socket, a
// file descriptor or a clock: the daemon (Asio) and the simulator carry out
// these effects, each in its own way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/province.hpp"

namespace provnet::core {

using domain::ProvinceCode;

enum class LogLevel { debug, info, warn, error };
std::string_view log_level_text(LogLevel level);

// A structured log event: one JSON object a line once the driver writes it.
// Fields carry ids and codes, never personal data.
struct LogEvent {
  LogLevel level = LogLevel::info;
  std::string event;  // dotted name: "message.acknowledged"
  std::vector<std::pair<std::string, std::string>> fields;
};

// Send one envelope (already encoded) on the link to `peer`.
struct SendEnvelope {
  ProvinceCode peer;
  std::string bytes;
};

// Close the link to `peer` (a protocol or security violation on it).
struct CloseLink {
  ProvinceCode peer;
  std::string reason;
};

struct Effects {
  std::vector<SendEnvelope> sends;
  std::vector<CloseLink> closes;
  std::vector<LogEvent> logs;
  // Call on_tick() no later than this (retries, timers); nullopt = no timer.
  std::optional<std::int64_t> wake_at_ms;
  // The node's directory changed: the driver updates its peers (addresses,
  // who may connect) and the revoked certificates from NodeCore::directory().
  bool directory_changed = false;

  void log(LogLevel level, std::string event,
           std::vector<std::pair<std::string, std::string>> fields = {}) {
    logs.push_back(LogEvent{level, std::move(event), std::move(fields)});
  }
  void wake_at(std::int64_t ms) {
    if (!wake_at_ms || ms < *wake_at_ms) wake_at_ms = ms;
  }
  void append(Effects&& other);
};

}  // namespace provnet::core
