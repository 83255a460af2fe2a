// Waiting until a network has nothing left to deliver: every node's
// GET /v1/status reports nothing pending (pending.outbox + pending.staged
// when the node reports them, else the sum of its links' outbox depths) on
// two consecutive polls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "network/network_layout.hpp"

namespace provnet::network {

struct NodeStatus {
  domain::ProvinceCode code = 0;
  bool answered = false;
  std::string error;                     // when not answered or unreadable
  std::optional<std::uint64_t> pending;  // nullopt: the node could not say
  std::uint64_t links = 0;
  std::uint64_t links_connected = 0;
  std::uint64_t direct_links = 0;  // to regional-group peers (the directory's)
  std::uint64_t direct_links_connected = 0;
  std::optional<std::uint64_t> directory_version;  // the signed directory it holds
  // counts.record_versions and counts.evidence, when the node reports them.
  std::optional<std::uint64_t> record_versions;
  std::optional<std::uint64_t> evidence;
};

// Reads one /v1/status body (either form). Exposed for tests.
NodeStatus parse_node_status(domain::ProvinceCode code, const std::string& body);

NodeStatus poll_node_status(const NodeEndpoint& node);

struct QuietResult {
  bool quiet = false;
  // When the network was first seen quiet (the first of the two polls), or
  // when the wait gave up.
  std::chrono::steady_clock::time_point at;
  std::vector<NodeStatus> last;  // the last poll, national first
  std::uint64_t polls = 0;
};

// Waits (at most until `deadline`) until every province holds the national
// node's signed directory and its direct links to its group peers are up,
// so that records go where the directory says from the first one. Returns
// the last poll.
std::vector<NodeStatus> wait_for_directory(const NetworkLayout& layout,
                                           std::chrono::steady_clock::time_point deadline);

// Polls every node each `interval` until the network is quiet or `deadline`
// passes; `on_poll`, when given, sees every poll (for progress lines).
QuietResult wait_until_quiet(
    const NetworkLayout& layout, std::chrono::steady_clock::time_point deadline,
    const std::function<void(const std::vector<NodeStatus>&)>& on_poll = {},
    std::chrono::milliseconds interval = std::chrono::milliseconds(250));

}  // namespace provnet::network
