#include "daemon/http_api.hpp"

#include "daemon/audit_api.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon/log_level_request.hpp"
#include "daemon/status_page.hpp"
#include "domain/record_interchange.hpp"

namespace provnet::daemon {

namespace {

using nlohmann::ordered_json;

admin::HttpResponse json_response(unsigned status, const ordered_json& body) {
  return admin::HttpResponse{status, "application/json",
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

ordered_json problem_json(const domain::RecordProblem& p) {
  return ordered_json{{"field", p.field},
                      {"wis_field", p.wis_field},
                      {"found", p.found},
                      {"expected", p.expected},
                      {"message", p.message}};
}

ordered_json problems_json(const std::vector<domain::RecordProblem>& problems) {
  ordered_json list = ordered_json::array();
  for (const auto& p : problems) list.push_back(problem_json(p));
  return list;
}

admin::HttpResponse error_response(unsigned status, const std::string& message,
                                   const std::vector<domain::RecordProblem>& problems = {}) {
  ordered_json body{{"error", message}};
  if (!problems.empty()) body["problems"] = problems_json(problems);
  return json_response(status, body);
}

// A query parameter that is missing or wrong, as a problem.
domain::RecordProblem parameter_problem(std::string name, std::string found, std::string expected) {
  std::string message =
      fmt::format("query parameter {}: {}; expected {}", name,
                  found.empty() ? "missing" : "found \"" + found + "\"", expected);
  return domain::RecordProblem{std::move(name), "", std::move(found), std::move(expected),
                               std::move(message)};
}

std::string code_text(domain::ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() + 0 && i + 2 <= in.size() - 1 + 1) {
      int v = 0;
      auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
      if (ec == std::errc() && p == in.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i] == '+' ? ' ' : in[i]);
  }
  return out;
}

// Query parameters; unknown ones are refused, so a typo ("afer=") is not
// silently ignored.
class QueryParams {
 public:
  QueryParams(const std::string& query, std::initializer_list<std::string_view> known) {
    std::size_t pos = 0;
    while (pos < query.size()) {
      std::size_t amp = query.find('&', pos);
      std::string_view part(query.data() + pos,
                            (amp == std::string::npos ? query.size() : amp) - pos);
      if (!part.empty()) {
        auto eq = part.find('=');
        std::string key = percent_decode(part.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : percent_decode(part.substr(eq + 1));
        if (std::find(known.begin(), known.end(), key) == known.end()) {
          std::string names;
          for (std::string_view k : known) names += (names.empty() ? "" : ", ") + std::string(k);
          problems_.push_back(
              parameter_problem(key.size() > 30 ? key.substr(0, 30) : key, "an unknown parameter",
                                names.empty() ? "no parameters" : "one of " + names));
        } else {
          values_[key] = value;
        }
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  std::string text(const std::string& key, std::string fallback = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
  }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  // A whole number in [min, max]; `fallback` when absent (nullopt: required).
  std::optional<std::uint64_t> number(const std::string& key, std::optional<std::uint64_t> fallback,
                                      std::uint64_t min, std::uint64_t max) {
    auto it = values_.find(key);
    if (it == values_.end()) {
      if (!fallback) {
        problems_.push_back(
            parameter_problem(key, "", fmt::format("a whole number from {} to {}", min, max)));
      }
      return fallback;
    }
    std::uint64_t n = 0;
    const std::string& v = it->second;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) {
      problems_.push_back(parameter_problem(key, v.size() > 30 ? v.substr(0, 30) : v,
                                            fmt::format("a whole number from {} to {}", min, max)));
      return std::nullopt;
    }
    return n;
  }
  // One of `allowed` (or `fallback` when absent).
  std::string choice(const std::string& key, std::initializer_list<std::string_view> allowed,
                     std::string fallback) {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (std::find(allowed.begin(), allowed.end(), it->second) != allowed.end()) return it->second;
    std::string names;
    for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
    problems_.push_back(parameter_problem(
        key, it->second.size() > 30 ? it->second.substr(0, 30) : it->second, "one of " + names));
    return fallback;
  }
  const std::vector<domain::RecordProblem>& problems() const { return problems_; }
  admin::HttpResponse error() const {
    return error_response(400, "bad query parameters: " + problems_.front().message, problems_);
  }

 private:
  std::map<std::string, std::string> values_;
  std::vector<domain::RecordProblem> problems_;
};

// The collaboration resources: path segment and kind.
struct CollabResource {
  std::string_view segment;
  domain::CollabKind kind;
};
constexpr CollabResource kCollabResources[] = {
    {"check-notices", domain::CollabKind::check_notice},
    {"check-feedbacks", domain::CollabKind::check_feedback},
    {"birth-registrations", domain::CollabKind::birth_registration},
    {"birth-feedbacks", domain::CollabKind::birth_feedback},
    {"queries", domain::CollabKind::query},
    {"answers", domain::CollabKind::answer},
};

std::optional<domain::CollabKind> collab_resource(std::string_view segment) {
  for (const auto& r : kCollabResources) {
    if (r.segment == segment) return r.kind;
  }
  return std::nullopt;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    std::string part =
        path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    out.push_back(percent_decode(part));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return out;
}

std::string media_type(const admin::HttpRequest& request) {
  std::string type = request.content_type.substr(0, request.content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(0, 1);
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

bool is_ndjson(const std::string& type) {
  return type.empty() || type == "application/x-ndjson" || type == "application/jsonl" ||
         type == "application/ndjson";
}

std::optional<std::string> header(const admin::HttpRequest& request, const std::string& name) {
  auto h = request.headers.find(name);
  if (h == request.headers.end()) return std::nullopt;
  return h->second;
}

// The operator every change names (SPEC §2.1: who changed what, when).
std::optional<admin::HttpResponse> require_operator(const admin::HttpRequest& request,
                                                    std::string& operator_id) {
  auto op = header(request, "x-operator-id");
  if (!op || op->empty() || op->size() > 64) {
    return error_response(
        400,
        "X-Operator-Id header: missing or longer than 64 bytes; every change names its operator",
        {domain::RecordProblem{
            "X-Operator-Id", "", op ? fmt::format("{} bytes", op->size()) : "missing",
            "the operator's id, 1 to 64 bytes", "every change names its operator"}});
  }
  operator_id = *op;
  return std::nullopt;
}

// The answer to a batch POST (records or collaboration items): one entry per
// item, in the order sent, and the counts by status; 422 when any item was
// rejected, 200 otherwise.
class BatchAnswer {
 public:
  // The item was taken: "accepted", or "unchanged" when it repeats what the
  // node holds.
  void taken(ordered_json& entry, bool unchanged) {
    entry["status"] = unchanged ? "unchanged" : "accepted";
    ++(unchanged ? unchanged_ : accepted_);
  }

  // Adds the entry, "rejected" with its problems when it has any.
  void add(ordered_json entry, const std::vector<domain::RecordProblem>& problems) {
    if (!problems.empty()) {
      entry["status"] = "rejected";
      entry["errors"] = problems_json(problems);
      ++rejected_;
    }
    items_.push_back(std::move(entry));
  }

  admin::HttpResponse response() {
    return json_response(rejected_ ? 422 : 200, ordered_json{{"accepted", accepted_},
                                                             {"unchanged", unchanged_},
                                                             {"rejected", rejected_},
                                                             {"items", std::move(items_)}});
  }

 private:
  ordered_json items_ = ordered_json::array();
  std::size_t accepted_ = 0, unchanged_ = 0, rejected_ = 0;
};

std::string date_of_ms(std::int64_t ms) {
  return domain::Date::from_unix_ms_cst(ms).yyyymmdd();
}

ordered_json query_view(const core::CollabEntry& e) {
  ordered_json q{{"query_id", e.item.id},
                 {"query_kind", e.item.query_kind},
                 {"record_id", e.item.record_id},
                 {"asking", e.item.residence_province},
                 {"answering", e.item.hukou_province},
                 {"asked_date", e.item.date},
                 {"due_date", e.item.due_date},
                 {"state", e.state}};
  if (e.reply) q["answered_date"] = e.reply->date;
  return q;
}

}  // namespace

const std::vector<Route>& api_routes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> r{
        {"GET", "/healthz"},
        {"GET", "/v1/health"},
        {"GET", "/metrics"},
        {"GET", "/status"},
        {"GET", "/"},
        {"GET", "/v1/status"},
        {"POST", "/v1/records"},
        {"GET", "/v1/records/{id}"},
        {"GET", "/v1/inbox"},
        {"GET", "/v1/reports/quarterly"},
        {"POST", "/v1/reports/quarterly"},
        {"GET", "/v1/reports/monthly"},
    };
    for (const auto& c : kCollabResources) {
      r.push_back({"POST", "/v1/" + std::string(c.segment)});
      if (!domain::is_reply(c.kind))
        r.push_back({"GET", "/v1/" + std::string(c.segment) + "/{id}"});
    }
    r.push_back({"GET", "/v1/queries"});
    for (Route a : {Route{"GET", "/v1/audit"}, Route{"GET", "/v1/audit/verify"},
                    Route{"POST", "/v1/audit/checkpoint"}, Route{"GET", "/v1/audit/reconciliation"},
                    Route{"GET", "/v1/trace/{id}"}}) {
      r.push_back(a);
    }
    r.push_back({"GET", "/v1/admin/log-level"});
    r.push_back({"PUT", "/v1/admin/log-level"});
    return r;
  }();
  return routes;
}

HandledRequest HttpApi::handle(const admin::HttpRequest& request, std::int64_t now_ms) {
  std::string path = request.target;
  std::string query;
  if (auto q = path.find('?'); q != std::string::npos) {
    query = path.substr(q + 1);
    path.resize(q);
  }
  const std::vector<std::string> parts = split_path(path);
  const std::string& method = request.method;
  auto done = [&](HandledRequest r) {
    ++responses_[r.response.status];
    return r;
  };
  auto only =
      [&](std::initializer_list<std::string_view> methods) -> std::optional<HandledRequest> {
    for (std::string_view m : methods) {
      if (m == method) return std::nullopt;
    }
    std::string allowed;
    for (std::string_view m : methods) allowed += (allowed.empty() ? "" : ", ") + std::string(m);
    return HandledRequest{
        error_response(405, fmt::format("{} takes {}, not {}", path, allowed, method)), {}};
  };
  if (path == "/healthz" || path == "/v1/health") {
    if (auto e = only({"GET"})) return done(std::move(*e));
    return done(
        {json_response(200, ordered_json{{"status", "ok"}, {"node", code_text(config_.code)}}),
         {}});
  }
  if (path == "/metrics") {
    if (auto e = only({"GET"})) return done(std::move(*e));
    return done({metrics(), {}});
  }
  if (path == "/status" || path == "/") {
    if (auto e = only({"GET"})) return done(std::move(*e));
    return done({admin::HttpResponse{200, std::string(kStatusPageContentType),
                                     std::string(status_page_html())},
                 {}});
  }
  if (parts.size() >= 2 && parts[0] == "v1") {
    const std::string& res = parts[1];
    if (parts.size() == 2 && res == "status") {
      if (auto e = only({"GET"})) return done(std::move(*e));
      return done({status(now_ms), {}});
    }
    if (parts.size() == 2 && res == "inbox") {
      if (auto e = only({"GET"})) return done(std::move(*e));
      return done({inbox(query), {}});
    }
    if (parts.size() == 2 && res == "records") {
      if (auto e = only({"POST"})) return done(std::move(*e));
      return done(post_records(request, now_ms));
    }
    if (parts.size() == 3 && res == "records") {
      if (auto e = only({"GET"})) return done(std::move(*e));
      return done({record_history(parts[2]), {}});
    }
    if (parts.size() == 3 && res == "reports" && parts[2] == "quarterly") {
      if (auto e = only({"GET", "POST"})) return done(std::move(*e));
      return done(quarterly(request, query, now_ms));
    }
    if (parts.size() == 3 && res == "reports" && parts[2] == "monthly") {
      if (auto e = only({"GET"})) return done(std::move(*e));
      return done({monthly(query, now_ms), {}});
    }
    if (res == "audit" || res == "trace") {
      if (auto answer = audit_request(request, parts, now_ms)) return done(std::move(*answer));
    }
    if (parts.size() == 3 && res == "admin" && parts[2] == "log-level") {
      if (auto e = only({"GET", "PUT"})) return done(std::move(*e));
      return done({log_level(request, now_ms), {}});
    }
    if (auto kind = collab_resource(res)) {
      if (parts.size() == 2) {
        if (*kind == domain::CollabKind::query) {
          if (auto e = only({"GET", "POST"})) return done(std::move(*e));
          if (method == "GET") return done({queries(query), {}});
        } else if (auto e = only({"POST"})) {
          return done(std::move(*e));
        }
        return done(post_collab(*kind, request, now_ms));
      }
      if (parts.size() == 3 && !domain::is_reply(*kind)) {
        if (auto e = only({"GET"})) return done(std::move(*e));
        return done({get_collab(*kind, parts[2]), {}});
      }
    }
  }
  std::string list;
  for (const Route& r : api_routes()) list += (list.empty() ? "" : ", ") + r.method + " " + r.path;
  return done(
      {error_response(404, fmt::format("no endpoint {}; the API has: {}", path, list)), {}});
}

std::optional<HandledRequest> HttpApi::audit_request(const admin::HttpRequest& request,
                                                     const std::vector<std::string>& parts,
                                                     std::int64_t now_ms) {
  const std::string& method = request.method;
  auto wrap = [](ApiAnswer a) {
    return HandledRequest{json_response(a.status, a.body), std::move(a.effects)};
  };
  auto wrong_method = [&](const char* allowed) {
    return HandledRequest{
        error_response(405, fmt::format("this endpoint takes {}, not {}", allowed, method)), {}};
  };
  const std::string& res = parts[1];
  if (res == "trace" && parts.size() == 3) {
    if (method != "GET") return wrong_method("GET");
    return wrap(trace_answer(core_, parts[2]));
  }
  if (res != "audit") return std::nullopt;
  const std::string sub = parts.size() >= 3 ? parts[2] : "";
  if (parts.size() > 3) return std::nullopt;
  if (sub == "checkpoint") {
    if (method != "POST") return wrong_method("POST");
    std::string operator_id;
    if (auto e = require_operator(request, operator_id)) return HandledRequest{std::move(*e), {}};
    return wrap(audit_checkpoint_answer(core_, now_ms));
  }
  if (sub.empty() || sub == "verify" || sub == "reconciliation") {
    if (method != "GET") return wrong_method("GET");
    if (sub == "verify") return wrap(audit_verify_answer(core_));
    if (sub == "reconciliation") return wrap(reconciliation_answer(core_, now_ms));
    return wrap(audit_state_answer(core_));
  }
  return std::nullopt;
}

HandledRequest HttpApi::post_records(const admin::HttpRequest& request, std::int64_t now_ms) {
  std::string operator_id;
  if (auto e = require_operator(request, operator_id)) return {std::move(*e), {}};
  std::vector<domain::RecordItem> items;
  const std::string type = media_type(request);
  if (type == "application/json") {
    auto doc = domain::read_json_document(request.body);
    if (!doc) return {error_response(400, doc.error().message), {}};
    items = std::move(*doc);
  } else if (type == "text/csv") {
    std::istringstream in(request.body);
    domain::CsvReader reader(in);
    auto header_ok = reader.read_header();
    if (!header_ok) return {error_response(400, header_ok.error().message), {}};
    domain::RecordItem item;
    while (reader.next(item)) items.push_back(std::move(item));
  } else if (is_ndjson(type)) {
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
  if (items.empty()) {
    return {error_response(400, "the body holds no records; send at least one"), {}};
  }

  // Reading problems are reported as they are; the rest goes to the core,
  // which validates against this node's clock and stores in one transaction.
  core::ChangeMeta meta;
  meta.operator_id = operator_id;
  if (auto r = header(request, "x-change-reason")) meta.reason = *r;
  const std::string batch_change = header(request, "x-change-kind").value_or("");
  std::vector<domain::MigrantRecord> records;
  std::vector<core::RecordChange> changes;
  std::vector<std::size_t> submitted_index(items.size(), SIZE_MAX);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].record && items[i].problems.empty()) {
      submitted_index[i] = records.size();
      records.push_back(*items[i].record);
      changes.push_back(core::RecordChange{items[i].change.empty() ? batch_change : items[i].change,
                                           items[i].change_reason});
    }
  }
  auto outcome = core_.submit_records(records, changes, meta, now_ms);
  if (!outcome) {
    return {error_response(503, "nothing was accepted: " + outcome.error().message), {}};
  }
  BatchAnswer answer;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ordered_json r{{"line", items[i].line}, {"id", items[i].record_id}};
    std::vector<domain::RecordProblem> problems;
    if (submitted_index[i] == SIZE_MAX) {
      problems = items[i].problems;
    } else {
      const core::SubmittedItem& s = outcome->items[submitted_index[i]];
      for (const auto& e : s.errors) problems.push_back(domain::problem_from(e));
      for (const auto& p : s.change_problems) problems.push_back(p);
      if (problems.empty()) {
        answer.taken(r, s.unchanged);
        r["version"] = s.version;
      }
    }
    answer.add(std::move(r), problems);
  }
  return {answer.response(), std::move(outcome->effects)};
}

HandledRequest HttpApi::post_collab(domain::CollabKind kind, const admin::HttpRequest& request,
                                    std::int64_t now_ms) {
  std::string operator_id;
  if (auto e = require_operator(request, operator_id)) return {std::move(*e), {}};
  std::vector<domain::CollabReadItem> items;
  const std::string type = media_type(request);
  if (type == "application/json") {
    auto doc = domain::read_collab_json_document(kind, request.body);
    if (!doc) return {error_response(400, doc.error().message), {}};
    items = std::move(*doc);
  } else if (is_ndjson(type)) {
    items = domain::read_collab_ndjson(kind, request.body);
  } else {
    return {error_response(415, fmt::format("Content-Type {} is not taken; send "
                                            "application/x-ndjson or application/json",
                                            request.content_type)),
            {}};
  }
  if (items.empty()) return {error_response(400, "the body holds no items; send at least one"), {}};
  std::vector<domain::CollabItem> sound;
  std::vector<std::size_t> index(items.size(), SIZE_MAX);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].valid()) continue;
    index[i] = sound.size();
    domain::CollabItem item = *items[i].item;
    if (item.operator_id.empty()) item.operator_id = operator_id;
    sound.push_back(std::move(item));
  }
  auto outcome = core_.submit_collab(kind, sound, now_ms);
  if (!outcome) {
    return {error_response(503, "nothing was accepted: " + outcome.error().message), {}};
  }
  BatchAnswer answer;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ordered_json r{{"line", items[i].line}, {"id", items[i].id}};
    const std::vector<domain::RecordProblem>* problems = &items[i].problems;
    if (index[i] != SIZE_MAX) {
      const core::CollabSubmitted& s = outcome->items[index[i]];
      problems = &s.problems;
      if (s.accepted()) {
        answer.taken(r, s.unchanged);
        if (!s.due_date.empty()) r["due_date"] = s.due_date;
      }
    }
    answer.add(std::move(r), *problems);
  }
  return {answer.response(), std::move(outcome->effects)};
}

admin::HttpResponse HttpApi::get_collab(domain::CollabKind kind, const std::string& id) {
  auto entry = core_.collab_entry(kind, id);
  if (!entry) return error_response(503, entry.error().message);
  if (!*entry) {
    return error_response(
        404, fmt::format("no {} with id {} is held by this node", domain::collab_kind_name(kind),
                         id.size() > 60 ? id.substr(0, 60) + "..." : id));
  }
  return json_response(200, ordered_json(core::collab_entry_json(**entry)));
}

admin::HttpResponse HttpApi::log_level(const admin::HttpRequest& request, std::int64_t now_ms) {
  const std::string current(core::log_level_text(log_.min_level()));
  if (request.method == "GET") return json_response(200, ordered_json{{"level", current}});
  std::string operator_id;
  if (auto e = require_operator(request, operator_id)) return std::move(*e);
  auto level = read_log_level_request(request.body);
  if (auto* problem = std::get_if<domain::RecordProblem>(&level)) {
    return error_response(400, "log level: " + problem->message, {*problem});
  }
  log_.set_min_level(std::get<core::LogLevel>(level), now_ms, {{"operator_id", operator_id}});
  return json_response(
      200, ordered_json{{"level", core::log_level_text(log_.min_level())}, {"previous", current}});
}

admin::HttpResponse HttpApi::record_history(const std::string& id) {
  auto history = core_.record_history(id);
  if (!history) return error_response(503, history.error().message);
  if (history->empty()) {
    return error_response(404, fmt::format("no record {} is held by this node",
                                           id.size() > 60 ? id.substr(0, 60) + "..." : id));
  }
  ordered_json versions = ordered_json::array();
  for (const core::RecordVersionView& v : *history) {
    versions.push_back(ordered_json{{"version", v.version},
                                    {"change", v.change},
                                    {"author", code_text(v.author)},
                                    {"operator_id", v.operator_id},
                                    {"changed_at_ms", v.changed_at_ms},
                                    {"changed_on", date_of_ms(v.changed_at_ms)},
                                    {"reason", v.reason},
                                    {"held", v.held},
                                    {"record", ordered_json(domain::record_to_json(v.record))}});
  }
  return json_response(200, ordered_json{{"record_id", id},
                                         {"latest", history->back().version},
                                         {"versions", std::move(versions)}});
}

admin::HttpResponse HttpApi::status(std::int64_t now_ms) {
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
  auto held = core_.held_count();
  if (versions && evidence && inbox && held) {
    counts = ordered_json{{"record_versions", *versions},
                          {"inbox", *inbox},
                          {"held", *held},
                          {"evidence", *evidence}};
  }
  ordered_json dir;
  if (directory) {
    dir = ordered_json{{"version", directory->version},
                       {"issued_at_ms", directory->issued_at_ms},
                       {"valid_until_ms", directory->valid_until_ms},
                       {"nodes", directory->content.nodes.size()},
                       {"revocations", directory->content.revocations.size()},
                       {"age_s", (now_ms - directory->issued_at_ms) / 1000}};
  }
  // The early warnings, measured now: certificates, store map and disk.
  ordered_json warnings, operations;
  if (early_warnings_) {
    const EarlyWarningReport early = early_warnings_();
    warnings = warnings_json(early);
    operations = operations_json(early);
  }
  return json_response(200, ordered_json{{"node", code_text(config_.code)},
                                         {"role", config_.national ? "national" : "province"},
                                         {"audit", audit_status(core_)},
                                         {"today", date_of_ms(now_ms)},
                                         {"links", std::move(links)},
                                         {"pending", std::move(pending)},
                                         {"counts", std::move(counts)},
                                         {"directory", std::move(dir)},
                                         {"overdue_queries", overdue_queries()},
                                         {"warnings", std::move(warnings)},
                                         {"operations", std::move(operations)}});
}

ordered_json HttpApi::overdue_queries() {
  // The unanswered queries past their due date, on either side: how many,
  // and the first few by due date; null when the store cannot be read.
  constexpr std::size_t kFirstOverdue = 5;
  ordered_json overdue;
  for (auto [role, label] : {std::pair{store::QueryRole::answering, "answering"},
                             std::pair{store::QueryRole::asking, "asking"}}) {
    auto listed = core_.queries(role, "overdue", SIZE_MAX);
    if (!listed) return nullptr;
    ordered_json first = ordered_json::array();
    for (std::size_t i = 0; i < listed->size() && i < kFirstOverdue; ++i) {
      const core::CollabEntry& e = (*listed)[i];
      first.push_back(ordered_json{{"query_id", e.item.id},
                                   {"due_date", e.item.due_date},
                                   {"asking", e.item.residence_province},
                                   {"answering", e.item.hukou_province}});
    }
    overdue[label] = ordered_json{{"count", listed->size()}, {"first", std::move(first)}};
  }
  return overdue;
}

admin::HttpResponse HttpApi::metrics() {
  // Prometheus text format 0.0.4. Counters are since the process started;
  // gauges are read from the store.
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  const std::string node = code_text(config_.code);
  const core::CoreCounters& c = core_.counters();
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    metric(name, "counter", help);
    out += fmt::format("{}{{node=\"{}\"}} {}\n", name, node, v);
  };
  counter("provnet_records_accepted_total", "Record versions accepted through the API.",
          c.records_accepted);
  counter("provnet_records_rejected_total", "Records refused at the API.", c.records_rejected);
  counter("provnet_collab_accepted_total", "Collaboration items accepted through the API.",
          c.collab_accepted);
  counter("provnet_collab_rejected_total", "Collaboration items refused at the API.",
          c.collab_rejected);
  counter("provnet_messages_applied_total", "Messages from peers applied or relayed.",
          c.messages_applied);
  counter("provnet_messages_rejected_total", "Messages from peers rejected.", c.messages_rejected);
  counter("provnet_group_commits_total",
          "Transactions that applied several messages that arrived together.", c.group_commits);
  counter("provnet_messages_grouped_total", "Messages applied in those transactions.",
          c.messages_grouped);
  counter("provnet_versions_held_total", "Record versions that arrived before their predecessor.",
          c.versions_held);
  counter("provnet_queries_overdue_total", "Queries that became overdue.", c.queries_overdue);
  counter("provnet_audit_checkpoints_sent_total", "Audit checkpoints sent to the national node.",
          c.checkpoints_sent);
  counter("provnet_audit_checkpoints_received_total",
          "Audit checkpoints taken from nodes (national).", c.checkpoints_received);
  counter("provnet_audit_checkpoints_refused_total",
          "Audit checkpoints refused: a chain that does not verify (national).",
          c.checkpoints_refused);
  auto gauge = [&](const char* name, const char* help, std::optional<std::uint64_t> v) {
    if (!v) return;
    metric(name, "gauge", help);
    out += fmt::format("{}{{node=\"{}\"}} {}\n", name, node, *v);
  };
  if (auto audit = core_.audit_state()) {
    gauge("provnet_audit_entries", "Entries in this node's audit chain.", audit->head.count);
  }
  if (config_.national) {
    gauge("provnet_audit_discrepancies",
          "Discrepancies the last reconciliation found between the two ends of links (national).",
          c.audit_discrepancies);
  }
  auto pending = core_.pending();
  gauge("provnet_outbox_messages", "Messages waiting for a reply.",
        pending ? std::optional(pending->outbox_messages) : std::nullopt);
  gauge("provnet_staged_versions", "Record versions waiting for a batch.",
        pending ? std::optional(pending->staged_versions) : std::nullopt);
  auto versions = core_.record_version_count();
  gauge("provnet_record_versions", "Record versions stored.",
        versions ? std::optional(*versions) : std::nullopt);
  auto inbox = core_.inbox_count();
  gauge("provnet_inbox_entries", "Entries for the provincial system to download.",
        inbox ? std::optional(*inbox) : std::nullopt);
  auto held = core_.held_count();
  gauge("provnet_held_versions", "Record versions waiting for their predecessor.",
        held ? std::optional(*held) : std::nullopt);
  for (auto [role, label] : {std::pair{store::QueryRole::answering, "answering"},
                             std::pair{store::QueryRole::asking, "asking"}}) {
    auto overdue = core_.queries(role, "overdue", SIZE_MAX);
    auto open = core_.queries(role, "open", SIZE_MAX);
    if (!overdue || !open) continue;
    if (role == store::QueryRole::answering) {
      metric("provnet_queries_open", "gauge", "Unanswered queries, by role and state.");
    }
    out += fmt::format("provnet_queries_open{{node=\"{}\",role=\"{}\",state=\"open\"}} {}\n", node,
                       label, open->size());
    out += fmt::format("provnet_queries_open{{node=\"{}\",role=\"{}\",state=\"overdue\"}} {}\n",
                       node, label, overdue->size());
  }
  metric("provnet_link_connected", "gauge", "1 when the link to a peer is up.");
  std::set<domain::ProvinceCode> peers;
  for (const PeerConfig& p : config_.peers) peers.insert(p.code);
  for (domain::ProvinceCode p : core_.direct_peers()) peers.insert(p);
  for (domain::ProvinceCode p : peers) {
    out += fmt::format("provnet_link_connected{{node=\"{}\",peer=\"{}\"}} {}\n", node, code_text(p),
                       transport_.connected(p) ? 1 : 0);
  }
  if (early_warnings_) out += warnings_metrics(early_warnings_(), node);
  metric("provnet_http_responses_total", "counter", "API responses by status.");
  for (const auto& [status, n] : responses_) {
    out += fmt::format("provnet_http_responses_total{{node=\"{}\",status=\"{}\"}} {}\n", node,
                       status, n);
  }
  return admin::HttpResponse{200, "text/plain; version=0.0.4", std::move(out)};
}

admin::HttpResponse HttpApi::inbox(const std::string& query) {
  QueryParams params(query, {"after", "limit", "kind", "content"});
  auto after = params.number("after", 0, 0, UINT64_MAX);
  constexpr std::uint64_t kMaxPage = 10'000;
  auto limit = params.number("limit", 1'000, 1, kMaxPage);
  const std::string kind =
      params.choice("kind",
                    {"record", "rejected", "check_notice", "check_feedback", "birth_registration",
                     "birth_feedback", "query", "answer"},
                    "");
  const bool content = params.choice("content", {"true", "false"}, "true") == "true";
  if (!params.problems().empty()) return params.error();
  auto page = core_.inbox_page(kind, *after, *limit);
  if (!page) return error_response(503, page.error().message);
  ordered_json list = ordered_json::array();
  for (const core::InboxEntry& e : page->entries) {
    ordered_json entry{{"seq", e.seq},
                       {"kind", e.kind},
                       {"id", e.item_id},
                       {"version", e.version},
                       {"author", code_text(e.author)},
                       {"message_id", fmt::format("{}:{}", code_text(e.author), e.message_id)}};
    if (content) {
      auto item = core_.inbox_content(e);
      if (!item) return error_response(503, item.error().message);
      entry["item"] = ordered_json(*item);
    }
    list.push_back(std::move(entry));
  }
  return json_response(200, ordered_json{{"entries", std::move(list)},
                                         {"next_after", page->next_after},
                                         {"more", page->more}});
}

admin::HttpResponse HttpApi::queries(const std::string& query) {
  QueryParams params(query, {"role", "state", "limit"});
  const std::string role = params.choice("role", {"answering", "asking"}, "answering");
  const std::string state = params.choice(
      "state", {"open", "overdue", "answered", "answered_late", "rejected", "all"}, "");
  auto limit = params.number("limit", 1'000, 1, 100'000);
  if (!params.problems().empty()) return params.error();
  const auto r = role == "asking" ? store::QueryRole::asking : store::QueryRole::answering;
  std::vector<core::CollabEntry> found;
  if (state.empty()) {
    // The queue: what still needs an answer, overdue and open, by due date.
    auto open = core_.queries(r, "open", *limit);
    auto overdue = core_.queries(r, "overdue", *limit);
    if (!open) return error_response(503, open.error().message);
    if (!overdue) return error_response(503, overdue.error().message);
    found = std::move(*overdue);
    found.insert(found.end(), open->begin(), open->end());
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return a.item.due_date < b.item.due_date;
    });
    if (found.size() > *limit) found.resize(*limit);
  } else {
    auto listed = core_.queries(r, state == "all" ? "" : state, *limit);
    if (!listed) return error_response(503, listed.error().message);
    found = std::move(*listed);
  }
  ordered_json list = ordered_json::array();
  for (const core::CollabEntry& e : found) list.push_back(query_view(e));
  return json_response(200, ordered_json{{"role", role}, {"queries", std::move(list)}});
}

HandledRequest HttpApi::quarterly(const admin::HttpRequest& request, const std::string& query,
                                  std::int64_t now_ms) {
  QueryParams params(query, {"year", "quarter"});
  auto year = params.number("year", std::nullopt, 2000, 2100);
  auto quarter = params.number("quarter", std::nullopt, 1, 4);
  if (!params.problems().empty()) return {params.error(), {}};
  const int y = static_cast<int>(*year), q = static_cast<int>(*quarter);
  if (request.method == "POST") {
    std::string operator_id;
    if (auto e = require_operator(request, operator_id)) return {std::move(*e), {}};
    if (config_.national) {
      return {error_response(409,
                             "the national node receives quarterly tables; provinces submit "
                             "them"),
              {}};
    }
    auto fx = core_.submit_quarterly(y, q, now_ms);
    if (!fx) {
      return {
          error_response(fx.error().code == Errc::invalid_input ? 409 : 503, fx.error().message),
          {}};
    }
    auto tables = core_.quarterly_tables(y, q);
    ordered_json body{{"submitted", true}};
    if (tables) body["tables"] = ordered_json(domain::tables_to_json(*tables));
    return {json_response(200, body), std::move(*fx)};
  }
  if (!config_.national) {
    auto tables = core_.quarterly_tables(y, q);
    if (!tables) return {error_response(503, tables.error().message), {}};
    return {
        json_response(200, ordered_json{{"province", code_text(config_.code)},
                                        {"due_date", domain::quarter_due_date(y, q).yyyymmdd()},
                                        {"tables", ordered_json(domain::tables_to_json(*tables))}}),
        {}};
  }
  auto report = core_.quarterly_report(y, q, now_ms);
  if (!report) return {error_response(503, report.error().message), {}};
  ordered_json provinces = ordered_json::array();
  for (const core::QuarterlySubmission& s : report->provinces) {
    ordered_json p{{"province", code_text(s.province)}, {"status", s.status}};
    if (s.received_at_ms) p["received_on"] = date_of_ms(s.received_at_ms);
    if (s.revised_at_ms) p["revised_on"] = date_of_ms(s.revised_at_ms);
    provinces.push_back(std::move(p));
  }
  return {
      json_response(
          200, ordered_json{{"year", y},
                            {"quarter", q},
                            {"snapshot_date", report->snapshot.yyyymmdd()},
                            {"due_date", report->due.yyyymmdd()},
                            {"provinces", std::move(provinces)},
                            {"national", ordered_json(domain::tables_to_json(report->national))}}),
      {}};
}

admin::HttpResponse HttpApi::monthly(const std::string& query, std::int64_t now_ms) {
  QueryParams params(query, {"year", "month", "format"});
  auto year = params.number("year", std::nullopt, 2000, 2100);
  auto month = params.number("month", std::nullopt, 1, 12);
  const std::string format = params.choice("format", {"json", "csv"}, "json");
  if (!params.problems().empty()) return params.error();
  if (!config_.national) {
    return error_response(409, "the monthly summary is the national node's; ask node 00");
  }
  auto summary = core_.monthly_summary(static_cast<int>(*year), static_cast<int>(*month), now_ms);
  if (!summary) return error_response(503, summary.error().message);
  if (format == "csv") {
    return admin::HttpResponse{200, "text/csv", domain::monthly_summary_to_csv(*summary)};
  }
  return json_response(200, ordered_json(domain::monthly_summary_to_json(*summary)));
}

}  // namespace provnet::daemon
