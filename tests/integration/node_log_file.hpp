// Reading a node's log file: one JSON object a line (node/daemon/json_log.hpp),
// read while the node is still writing it. A last line without its newline
// is not finished yet and is left for the next read.
#pragma once

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace provnet::testing {

class NodeLogFile {
 public:
  NodeLogFile() = default;
  explicit NodeLogFile(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  // Every complete line, parsed. A line that is not JSON is kept as
  // {"event": "log.unparsable", "line": ...} so a test can see it.
  std::vector<nlohmann::json> events() const {
    std::uintmax_t offset = 0;
    return events_after(offset);
  }

  // The complete lines from byte `offset` on; `offset` moves past them, so
  // calling again gives only what was written since.
  std::vector<nlohmann::json> events_after(std::uintmax_t& offset) const {
    std::vector<nlohmann::json> out;
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in) return out;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    while (true) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) break;
      std::string line = text.substr(start, end - start);
      start = end + 1;
      if (line.empty()) continue;
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        out.push_back({{"event", "log.unparsable"}, {"line", line}});
      } else {
        out.push_back(std::move(parsed));
      }
    }
    offset += start;
    return out;
  }

  // The events named `event` for which `also` holds.
  std::vector<nlohmann::json> named(
      const std::string& event,
      const std::function<bool(const nlohmann::json&)>& also = nullptr) const {
    std::vector<nlohmann::json> out;
    for (auto& e : events()) {
      if (e.value("event", "") == event && (!also || also(e))) out.push_back(std::move(e));
    }
    return out;
  }

  std::size_t count(const std::string& event,
                    const std::function<bool(const nlohmann::json&)>& also = nullptr) const {
    return named(event, also).size();
  }

  // The last `lines` lines as written, for failure messages.
  std::string tail(std::size_t lines = 25) const {
    std::ifstream in(path_, std::ios::binary);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) all.push_back(line);
    std::ostringstream out;
    out << "---- last lines of " << path_ << " ----\n";
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
      out << all[i] << '\n';
    }
    return out.str();
  }

 private:
  std::string path_;
};

// A string field of a log event, "" when absent or not a string.
inline std::string field(const nlohmann::json& event, const std::string& key) {
  auto it = event.find(key);
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace provnet::testing
