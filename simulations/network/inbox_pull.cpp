#include "network/inbox_pull.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace provnet::network {

Result<std::vector<ArrivedEntry>> pull_inbox(const NodeEndpoint& node) {
  constexpr std::uint64_t kPage = 10'000;
  std::vector<ArrivedEntry> out;
  std::uint64_t after = 0;
  for (;;) {
    std::string target = fmt::format("/v1/inbox?after={}&limit={}&content=false", after, kPage);
    AdminReply reply = admin_get(node.admin, target, std::chrono::seconds(60));
    if (reply.status != 200) {
      return Error{Errc::io,
                   fmt::format("node {}: GET {}: {}", domain::province_code_text(node.code), target,
                               reply.describe())};
    }
    nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
    if (doc.is_discarded() || !doc.contains("entries") || !doc["entries"].is_array()) {
      return Error{Errc::corrupt, fmt::format("node {}: GET {}: not {{\"entries\": [...]}}",
                                              domain::province_code_text(node.code), target)};
    }
    const auto& entries = doc["entries"];
    try {
      for (const auto& j : entries) {
        ArrivedEntry e;
        e.at = node.code;
        e.seq = j.at("seq").get<std::uint64_t>();
        e.kind = j.at("kind").get<std::string>();
        e.record_id = j.at("id").get<std::string>();
        e.version = j.at("version").get<std::uint32_t>();
        auto author = domain::parse_province_code(j.at("author").get<std::string>());
        e.author = author.value_or(0);
        if (e.seq <= after) {
          return Error{Errc::corrupt,
                       fmt::format("node {}: inbox seq {} after {}: not increasing",
                                   domain::province_code_text(node.code), e.seq, after)};
        }
        after = e.seq;
        out.push_back(std::move(e));
      }
    } catch (const nlohmann::json::exception& e) {
      return Error{Errc::corrupt, fmt::format("node {}: inbox entry: {}",
                                              domain::province_code_text(node.code), e.what())};
    }
    if (entries.empty()) break;
  }
  return out;
}

}  // namespace provnet::network
