// What a receiving node's inbox (GET /v1/inbox) should hold after an
// exchange: every expected record exactly once, as version 1 by the expected
// author, and nothing else. The check lists what is wrong, by record id, so a
// failure says which records were lost, doubled or leaked.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace provnet::testing {

struct InboxEntry {
  std::uint64_t seq = 0;
  std::string kind;  // "record" or "rejected"
  std::string record_id;
  std::uint32_t version = 0;
  std::string author;
  std::uint64_t message_id = 0;

  static InboxEntry from_json(const nlohmann::json& j) {
    return InboxEntry{
        j.at("seq").get<std::uint64_t>(),     j.at("kind").get<std::string>(),
        j.at("id").get<std::string>(), j.at("version").get<std::uint32_t>(),
        j.at("author").get<std::string>(),    std::stoull(j.at("message_id").get<std::string>().substr(
                                                  j.at("message_id").get<std::string>().find(':') + 1))};
  }
};

// Distinct record ids among the entries of kind "record".
inline std::set<std::string> arrived_ids(const std::vector<InboxEntry>& inbox) {
  std::set<std::string> out;
  for (const auto& e : inbox) {
    if (e.kind == "record") out.insert(e.record_id);
  }
  return out;
}

inline std::size_t count_arrived(const std::vector<InboxEntry>& inbox,
                                 const std::set<std::string>& expected) {
  std::size_t n = 0;
  for (const auto& id : arrived_ids(inbox)) n += expected.count(id);
  return n;
}

struct ArrivalCheck {
  std::size_t expected = 0;
  std::size_t entries = 0;
  std::vector<std::string> missing;
  std::vector<std::string> duplicated;  // "id x3"
  std::vector<std::string> unexpected;  // arrived but not expected (leaked from elsewhere)
  std::vector<std::string> wrong;       // wrong kind, version or author

  bool exactly_once() const {
    return missing.empty() && duplicated.empty() && unexpected.empty() && wrong.empty();
  }

  std::string summary() const {
    std::ostringstream out;
    out << expected << " expected, " << entries << " inbox entries; " << missing.size()
        << " missing, " << duplicated.size() << " duplicated, " << unexpected.size()
        << " unexpected, " << wrong.size() << " wrong";
    auto some = [&](const char* what, const std::vector<std::string>& v) {
      if (v.empty()) return;
      out << "\n  " << what << ":";
      for (std::size_t i = 0; i < v.size() && i < 10; ++i) out << ' ' << v[i];
      if (v.size() > 10) out << " ...";
    };
    some("missing", missing);
    some("duplicated", duplicated);
    some("unexpected", unexpected);
    some("wrong", wrong);
    return out.str();
  }
};

// `inbox` must hold exactly the `expected` records, each once, as version 1
// of `author`, and nothing else.
inline ArrivalCheck check_arrivals(const std::vector<InboxEntry>& inbox,
                                   const std::set<std::string>& expected,
                                   const std::string& author) {
  ArrivalCheck c;
  c.expected = expected.size();
  c.entries = inbox.size();
  std::map<std::string, int> seen;
  for (const auto& e : inbox) {
    ++seen[e.record_id];
    if (!expected.count(e.record_id)) {
      c.unexpected.push_back(e.record_id + " (author " + e.author + ")");
      continue;
    }
    if (e.kind != "record" || e.version != 1 || e.author != author) {
      c.wrong.push_back(e.record_id + " (kind " + e.kind + ", version " +
                        std::to_string(e.version) + ", author " + e.author + ")");
    }
  }
  for (const auto& [id, n] : seen) {
    if (n > 1) c.duplicated.push_back(id + " x" + std::to_string(n));
  }
  for (const auto& id : expected) {
    if (!seen.count(id)) c.missing.push_back(id);
  }
  return c;
}

}  // namespace provnet::testing
