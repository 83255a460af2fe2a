#include "daemon/http_api.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "domain/record_interchange.hpp"

namespace provnet::daemon {

namespace {

using nlohmann::ordered_json;

admin::HttpResponse json_response(unsigned status, const ordered_json& body) {
  return admin::HttpResponse{status, "application/json",
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

admin::HttpResponse error_response(unsigned status, const std::string& message) {
  return json_response(status, ordered_json{{"error", message}});
}

ordered_json problem_json(const domain::RecordProblem& p) {
  return ordered_json{{"field", p.field},
                      {"wis_field", p.wis_field},
                      {"found", p.found},
                      {"expected", p.expected},
                      {"message", p.message}};
}

std::string code_text(domain::ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

// "after=10&limit=5" -> value of `key`, if present and a number.
std::optional<std::uint64_t> query_number(const std::string& query, std::string_view key,
                                          std::string& bad) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    std::string_view part(query.data() + pos,
                          (amp == std::string::npos ? query.size() : amp) - pos);
    if (part.substr(0, key.size()) == key && part.size() > key.size() && part[key.size()] == '=') {
      std::string_view v = part.substr(key.size() + 1);
      std::uint64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size()) {
        bad = fmt::format("query parameter {}: \"{}\" is not a whole number", key, v);
        return std::nullopt;
      }
      return n;
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return std::nullopt;
}

}  // namespace

HandledRequest HttpApi::handle(const admin::HttpRequest& request, std::int64_t now_ms) {
  std::string path = request.target;
  std::string query;
  if (auto q = path.find('?'); q != std::string::npos) {
    query = path.substr(q + 1);
    path.resize(q);
  }
  if (path == "/v1/health" && request.method == "GET") {
    return {json_response(200, ordered_json{{"status", "ok"}, {"node", code_text(config_.code)}}),
            {}};
  }
  if (path == "/v1/status" && request.method == "GET") return {status(), {}};
  if (path == "/v1/inbox" && request.method == "GET") return {inbox(query), {}};
  if (path == "/v1/records" && request.method == "POST") return post_records(request, now_ms);
  if (path == "/v1/health" || path == "/v1/status" || path == "/v1/inbox" ||
      path == "/v1/records") {
    return {error_response(405, fmt::format("{} does not take {}", path, request.method)), {}};
  }
  return {error_response(404, fmt::format("no endpoint {}; see /v1/health, /v1/status, "
                                          "/v1/records, /v1/inbox",
                                          path)),
          {}};
}

HandledRequest HttpApi::post_records(const admin::HttpRequest& request, std::int64_t now_ms) {
  std::vector<domain::RecordItem> items;
  std::string type = request.content_type.substr(0, request.content_type.find(';'));
  if (type == "application/json") {
    auto doc = domain::read_json_document(request.body);
    if (!doc) return {error_response(400, doc.error().message), {}};
    items = std::move(*doc);
  } else if (type == "text/csv") {
    std::istringstream in(request.body);
    domain::CsvReader reader(in);
    auto header = reader.read_header();
    if (!header) return {error_response(400, header.error().message), {}};
    domain::RecordItem item;
    while (reader.next(item)) items.push_back(std::move(item));
  } else if (type.empty() || type == "application/x-ndjson" || type == "application/jsonl") {
    std::istringstream in(request.body);
    domain::NdjsonReader reader(in);
    domain::RecordItem item;
    while (reader.next(item)) items.push_back(std::move(item));
  } else {
    return {error_response(415, fmt::format("Content-Type {} is not taken; send "
                                            "application/x-ndjson, application/json or text/csv",
                                            request.content_type)),
            {}};
  }

  // Reading problems are reported as they are; the rest goes to the core,
  // which validates against this node's clock and stores in one transaction.
  std::vector<domain::MigrantRecord> records;
  std::vector<std::size_t> submitted_index(items.size(), SIZE_MAX);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].record && items[i].problems.empty()) {
      submitted_index[i] = records.size();
      records.push_back(*items[i].record);
    }
  }
  core::ChangeMeta meta;
  if (auto h = request.headers.find("x-operator-id"); h != request.headers.end())
    meta.operator_id = h->second;
  if (auto h = request.headers.find("x-change-reason"); h != request.headers.end())
    meta.reason = h->second;
  auto outcome = core_.submit_records(records, meta, now_ms);
  if (!outcome) {
    return {error_response(503, "nothing was accepted: " + outcome.error().message), {}};
  }
  ordered_json results = ordered_json::array();
  std::size_t accepted = 0, unchanged = 0, rejected = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ordered_json r{{"line", items[i].line}, {"record_id", items[i].record_id}};
    if (submitted_index[i] == SIZE_MAX) {
      ordered_json problems = ordered_json::array();
      for (const auto& p : items[i].problems) problems.push_back(problem_json(p));
      r["status"] = "rejected";
      r["errors"] = std::move(problems);
      ++rejected;
    } else {
      const core::SubmittedItem& s = outcome->items[submitted_index[i]];
      if (!s.accepted()) {
        ordered_json problems = ordered_json::array();
        for (const auto& e : s.errors) problems.push_back(problem_json(domain::problem_from(e)));
        r["status"] = "rejected";
        r["errors"] = std::move(problems);
        ++rejected;
      } else {
        r["status"] = s.unchanged ? "unchanged" : "accepted";
        r["version"] = s.version;
        ++(s.unchanged ? unchanged : accepted);
      }
    }
    results.push_back(std::move(r));
  }
  ordered_json body{{"accepted", accepted},
                    {"unchanged", unchanged},
                    {"rejected", rejected},
                    {"items", std::move(results)}};
  return {json_response(rejected ? 422 : 200, body), std::move(outcome->effects)};
}

admin::HttpResponse HttpApi::status() {
  // Links: configured peers, direct (group) peers, and for the national
  // node every node of its directory.
  std::set<domain::ProvinceCode> peers;
  for (const PeerConfig& p : config_.peers) peers.insert(p.code);
  for (domain::ProvinceCode p : core_.direct_peers()) peers.insert(p);
  const auto& directory = core_.directory();
  if (config_.national && directory) {
    for (const core::DirectoryNode& n : directory->content.nodes) {
      if (n.code != config_.code) peers.insert(n.code);
    }
  }
  const auto direct = core_.direct_peers();
  ordered_json links = ordered_json::array();
  for (domain::ProvinceCode p : peers) {
    auto depth = core_.outbox_depth(p);
    ordered_json link{{"peer", code_text(p)},
                      {"connected", transport_.connected(p)},
                      {"outbox", depth ? ordered_json(*depth) : ordered_json()}};
    if (direct.count(p)) {
      link["direct"] = true;
      link["fallback"] = core_.fallen_back().count(p) > 0;
    }
    links.push_back(std::move(link));
  }
  ordered_json pending;
  if (auto p = core_.pending()) {
    pending = ordered_json{{"outbox", p->outbox_messages}, {"staged", p->staged_versions}};
  }
  ordered_json counts;
  auto versions = core_.record_version_count();
  auto evidence = core_.evidence_count();
  auto inbox = core_.inbox_count();
  if (versions && evidence && inbox) {
    counts =
        ordered_json{{"record_versions", *versions}, {"inbox", *inbox}, {"evidence", *evidence}};
  }
  ordered_json dir;
  if (directory) {
    dir = ordered_json{{"version", directory->version},
                       {"issued_at_ms", directory->issued_at_ms},
                       {"valid_until_ms", directory->valid_until_ms},
                       {"nodes", directory->content.nodes.size()},
                       {"revocations", directory->content.revocations.size()}};
  }
  return json_response(200, ordered_json{{"node", code_text(config_.code)},
                                         {"role", config_.national ? "national" : "province"},
                                         {"links", std::move(links)},
                                         {"pending", std::move(pending)},
                                         {"counts", std::move(counts)},
                                         {"directory", std::move(dir)}});
}

admin::HttpResponse HttpApi::inbox(const std::string& query) {
  std::string bad;
  auto after = query_number(query, "after", bad);
  auto limit = query_number(query, "limit", bad);
  if (!bad.empty()) return error_response(400, bad);
  constexpr std::uint64_t kMaxPage = 10'000;
  auto entries = core_.inbox(after.value_or(0), std::min(limit.value_or(kMaxPage), kMaxPage));
  if (!entries) return error_response(503, entries.error().message);
  ordered_json list = ordered_json::array();
  for (const core::InboxEntry& e : *entries) {
    list.push_back(ordered_json{{"seq", e.seq},
                                {"kind", e.kind},
                                {"record_id", e.item_id},
                                {"version", e.version},
                                {"author", code_text(e.author)},
                                {"message_id", e.message_id}});
  }
  return json_response(200, ordered_json{{"entries", std::move(list)}});
}

}  // namespace provnet::daemon
