#include "network/network_quiet.hpp"

#include <nlohmann/json.hpp>
#include <thread>

namespace provnet::network {

namespace {

std::optional<std::uint64_t> whole_number(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

}  // namespace

NodeStatus parse_node_status(domain::ProvinceCode code, const std::string& body) {
  NodeStatus s;
  s.code = code;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    s.error = "the status is not a JSON object";
    return s;
  }
  s.answered = true;
  std::optional<std::uint64_t> links_outbox = 0;
  if (auto links = doc.find("links"); links != doc.end() && links->is_array()) {
    for (const auto& l : *links) {
      ++s.links;
      bool connected = l.value("connected", false);
      if (connected) ++s.links_connected;
      if (l.value("direct", false)) {
        ++s.direct_links;
        if (connected) ++s.direct_links_connected;
      }
      auto depth = whole_number(l, "outbox");
      if (depth && links_outbox) {
        *links_outbox += *depth;
      } else {
        links_outbox.reset();  // null: the node could not read its outbox
      }
    }
  }
  if (auto pending = doc.find("pending"); pending != doc.end()) {
    // null: the node could not read its store
    auto outbox = whole_number(*pending, "outbox");
    auto staged = whole_number(*pending, "staged");
    if (outbox && staged) s.pending = *outbox + *staged;
  } else {  // a provnode from before "pending": its links' outboxes
    s.pending = links_outbox;
  }
  if (auto counts = doc.find("counts"); counts != doc.end()) {
    s.record_versions = whole_number(*counts, "record_versions");
    s.evidence = whole_number(*counts, "evidence");
  }
  if (auto dir = doc.find("directory"); dir != doc.end()) {
    s.directory_version = whole_number(*dir, "version");
  }
  return s;
}

NodeStatus poll_node_status(const NodeEndpoint& node) {
  AdminReply reply = admin_get(node.admin, "/v1/status", std::chrono::seconds(30));
  if (reply.status != 200) {
    NodeStatus s;
    s.code = node.code;
    s.error = reply.describe();
    return s;
  }
  return parse_node_status(node.code, reply.body);
}

std::vector<NodeStatus> wait_for_directory(const NetworkLayout& layout,
                                           std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    std::vector<NodeStatus> all;
    bool ready = true;
    for (const NodeEndpoint& node : layout.provinces) {
      all.push_back(poll_node_status(node));
      const NodeStatus& s = all.back();
      if (!s.directory_version || s.direct_links_connected < s.direct_links) ready = false;
    }
    if (ready || std::chrono::steady_clock::now() >= deadline) return all;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

QuietResult wait_until_quiet(const NetworkLayout& layout,
                             std::chrono::steady_clock::time_point deadline,
                             const std::function<void(const std::vector<NodeStatus>&)>& on_poll,
                             std::chrono::milliseconds interval) {
  QuietResult result;
  std::optional<std::chrono::steady_clock::time_point> first_quiet;
  for (;;) {
    result.last.clear();
    bool quiet = true;
    for (const NodeEndpoint* node : layout.all()) {
      result.last.push_back(poll_node_status(*node));
      const NodeStatus& s = result.last.back();
      if (!s.pending || *s.pending != 0) quiet = false;
    }
    ++result.polls;
    if (on_poll) on_poll(result.last);
    auto now = std::chrono::steady_clock::now();
    if (quiet) {
      if (first_quiet) {
        result.quiet = true;
        result.at = *first_quiet;
        return result;
      }
      first_quiet = now;
    } else {
      first_quiet.reset();
    }
    if (now >= deadline) {
      result.at = now;
      return result;
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace provnet::network
