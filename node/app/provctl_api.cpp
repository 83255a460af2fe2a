// provctl commands over a running node's HTTP API: status, log-level,
// submit, inbox, queries, reports, record. The node decides everything;
// these only send the request, print the answer readably and turn it into
// an exit status.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "admin/http_client.hpp"
#include "app/inbox_download.hpp"
#include "app/provctl_commands.hpp"

namespace provnet::app {

namespace {

// In the node's order: its answers list what matters first.
using json = nlohmann::ordered_json;

constexpr std::chrono::seconds kGetDeadline{60};
constexpr std::chrono::seconds kPostDeadline{600};

constexpr int kOk = 0;
constexpr int kServerError = 1;
constexpr int kUsageOrConnection = 2;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The node to talk to, from --api and the TLS options; a usage error is
// printed and gives nullopt.
std::optional<admin::HttpEndpoint> endpoint_of(const ApiOptions& o, std::string_view command) {
  auto endpoint = admin::parse_http_url(o.url);
  if (!endpoint) {
    std::cerr << fmt::format("provctl {}: --api: {}\n", command, endpoint.error().message);
    return std::nullopt;
  }
  const bool tls_options = !o.certificate.empty() || !o.private_key.empty() || !o.ca.empty();
  if (tls_options && !endpoint->https) {
    std::cerr << fmt::format(
        "provctl {}: --cert, --key and --ca are for https; --api is {} (plain HTTP)\n", command,
        o.url);
    return std::nullopt;
  }
  if (o.certificate.empty() != o.private_key.empty()) {
    std::cerr << fmt::format(
        "provctl {}: --cert and --key go together (the client certificate "
        "and its key)\n",
        command);
    return std::nullopt;
  }
  endpoint->tls = admin::ClientTls{o.certificate, o.private_key, o.ca};
  return std::move(*endpoint);
}

admin::HeaderList headers_of(const ApiOptions& o) {
  admin::HeaderList headers{{"Accept", "application/json"}};
  if (!o.operator_id.empty()) headers.emplace_back("X-Operator-Id", o.operator_id);
  return headers;
}

bool require_operator(const ApiOptions& o, std::string_view command) {
  if (!o.operator_id.empty()) return true;
  std::cerr << fmt::format(
      "provctl {}: --operator ID (or PROVNET_OPERATOR) is required: the node records who "
      "sent it\n",
      command);
  return false;
}

std::string scalar_text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "-";
  return dump(j);
}

// "- id_number (WIS 011): found ...": one line a problem, as the node gave it.
void print_problems(std::ostream& out, const json& problems, std::string_view indent) {
  if (!problems.is_array()) return;
  for (const json& p : problems) {
    if (!p.is_object()) {
      out << indent << "- " << scalar_text(p) << '\n';
      continue;
    }
    std::string field = p.contains("field") ? scalar_text(p["field"]) : std::string("-");
    if (p.contains("wis_field") && p["wis_field"].is_string() &&
        !p["wis_field"].get<std::string>().empty()) {
      field += " (WIS " + p["wis_field"].get<std::string>() + ")";
    }
    std::string message;
    if (p.contains("message")) {
      message = scalar_text(p["message"]);
    } else {
      message = fmt::format("found {}, expected {}", scalar_text(p.value("found", json())),
                            scalar_text(p.value("expected", json())));
    }
    out << indent << "- " << field << ": " << message << '\n';
  }
}

// A request that got no answer (2) or an error answer (1): what the node
// said, its problems, on standard error.
int report_failure(std::string_view command, const admin::HttpReply& reply) {
  if (!reply.answered()) {
    std::cerr << fmt::format("provctl {}: no response: {}\n", command, reply.error);
    return kUsageOrConnection;
  }
  json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("error")) {
    std::cerr << fmt::format("provctl {}: HTTP {}: {}\n", command, reply.status,
                             scalar_text(body["error"]));
    if (body.contains("problems")) print_problems(std::cerr, body["problems"], "  ");
  } else {
    std::cerr << fmt::format("provctl {}: HTTP {}: {}\n", command, reply.status,
                             reply.body.substr(0, 300));
  }
  return kServerError;
}

bool success(const admin::HttpReply& reply) {
  return reply.status >= 200 && reply.status < 300;
}

std::optional<json> json_body(std::string_view command, const admin::HttpReply& reply) {
  json body = json::parse(reply.body, nullptr, false);
  if (body.is_discarded()) {
    std::cerr << fmt::format("provctl {}: HTTP {} but the answer is not JSON: {}\n", command,
                             reply.status, reply.body.substr(0, 200));
    return std::nullopt;
  }
  return body;
}

// "2026-11-23 18:21:33 UTC" for the *_at_ms / *_until_ms times the node gives.
std::string time_text(const json& ms) {
  if (!ms.is_number_integer()) return scalar_text(ms);
  std::time_t seconds = static_cast<std::time_t>(ms.get<std::int64_t>() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

bool is_time_key(std::string_view key) {
  return key.ends_with("_at_ms") || key.ends_with("_until_ms");
}

// "outbox 3, staged 0": the fields of a small object on one line.
std::string inline_fields(const json& object) {
  if (!object.is_object()) return scalar_text(object);
  std::string out;
  for (const auto& [key, value] : object.items()) {
    if (!out.empty()) out += ", ";
    if (is_time_key(key)) {
      std::string name = key.substr(0, key.size() - 3);
      std::replace(name.begin(), name.end(), '_', ' ');
      out += name + " " + time_text(value);
    } else {
      out += key + " " + (value.is_object() || value.is_array() ? dump(value) : scalar_text(value));
    }
  }
  return out.empty() ? "-" : out;
}

// Rows under a header, each column as wide as its widest cell.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows, std::string_view indent = "") {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text(indent);
    for (std::size_t c = 0; c < cells.size(); ++c) {
      text += cells[c];
      if (c + 1 < cells.size()) text += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
}

// Any JSON as indented "key: value" lines, lists as "- " items (YAML-like):
// for answers whose shape provctl does not need to know.
void readable_lines(const json& j, std::vector<std::string>& out, const std::string& indent) {
  auto nested = [](const json& v) {
    return (v.is_object() && !v.empty()) ||
           (v.is_array() && !v.empty() && std::any_of(v.begin(), v.end(), [](const json& e) {
              return e.is_object() || e.is_array();
            }));
  };
  auto flat = [](const json& v) {
    if (v.is_array()) {
      if (v.empty()) return std::string("(none)");
      std::string s;
      for (const json& e : v) s += (s.empty() ? "" : ", ") + scalar_text(e);
      return s;
    }
    if (v.is_object()) return std::string("(none)");
    return scalar_text(v);
  };
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (nested(value)) {
        out.push_back(indent + key + ":");
        readable_lines(value, out, indent + "  ");
      } else if (is_time_key(key)) {
        out.push_back(indent + key + ": " + time_text(value));
      } else {
        out.push_back(indent + key + ": " + flat(value));
      }
    }
  } else if (j.is_array()) {
    for (const json& item : j) {
      std::vector<std::string> lines;
      if (nested(item)) {
        readable_lines(item, lines, "");
      } else {
        lines.push_back(flat(item));
      }
      for (std::size_t i = 0; i < lines.size(); ++i) {
        out.push_back(indent + (i == 0 ? "- " : "  ") + lines[i]);
      }
    }
  } else {
    out.push_back(indent + flat(j));
  }
}

void print_readable(std::ostream& out, const json& j) {
  std::vector<std::string> lines;
  readable_lines(j, lines, "");
  for (const auto& line : lines) out << line << '\n';
}

// GET (or POST) `target`; prints the JSON answer raw (--json) or readably.
int simple_request(const ApiOptions& api, std::string_view command, std::string_view method,
                   const std::string& target, bool raw) {
  auto endpoint = endpoint_of(api, command);
  if (!endpoint) return kUsageOrConnection;
  auto reply = admin::http_request(*endpoint, method, target, {}, {}, headers_of(api),
                                   method == "GET" ? kGetDeadline : kPostDeadline);
  if (!success(reply)) return report_failure(command, reply);
  if (raw) {
    std::cout << reply.body;
    if (!reply.body.empty() && reply.body.back() != '\n') std::cout << '\n';
    return kOk;
  }
  auto body = json_body(command, reply);
  if (!body) return kServerError;
  print_readable(std::cout, *body);
  return kOk;
}

void print_status(const json& s) {
  std::cout << fmt::format("node {} ({})\n", scalar_text(s.value("node", json())),
                           scalar_text(s.value("role", json())));
  if (s.contains("links") && s["links"].is_array()) {
    std::vector<std::vector<std::string>> rows;
    for (const json& link : s["links"]) {
      if (!link.is_object()) continue;
      std::string route;
      if (link.value("direct", false)) {
        route = link.value("fallback", false) ? "direct, now via 00" : "direct";
      }
      std::string other;
      for (const auto& [key, value] : link.items()) {
        if (key == "peer" || key == "connected" || key == "outbox" || key == "direct" ||
            key == "fallback") {
          continue;
        }
        other += (other.empty() ? "" : ", ") + key + " " + scalar_text(value);
      }
      rows.push_back(
          {scalar_text(link.value("peer", json())), link.value("connected", false) ? "yes" : "no",
           scalar_text(link.value("outbox", json())), route.empty() ? "-" : route, other});
    }
    std::cout << fmt::format(
        "links ({}, {} connected):\n", rows.size(),
        std::count_if(rows.begin(), rows.end(), [](const auto& r) { return r[1] == "yes"; }));
    print_table(std::cout, {"peer", "connected", "outbox", "route", ""}, rows, "  ");
  }
  for (const char* section : {"pending", "counts", "directory"}) {
    if (s.contains(section)) {
      std::cout << section << ": " << inline_fields(s[section]) << '\n';
    }
  }
  // Whatever else the node reports.
  json rest = json::object();
  for (const auto& [key, value] : s.items()) {
    if (key != "node" && key != "role" && key != "links" && key != "pending" && key != "counts" &&
        key != "directory") {
      rest[key] = value;
    }
  }
  if (!rest.empty()) print_readable(std::cout, rest);
}

const std::map<std::string, std::string>& submit_kinds() {
  static const std::map<std::string, std::string> kinds = {
      {"records", "/v1/records"},
      {"check-notices", "/v1/check-notices"},
      {"check-feedbacks", "/v1/check-feedbacks"},
      {"birth-registrations", "/v1/birth-registrations"},
      {"birth-feedbacks", "/v1/birth-feedbacks"},
      {"queries", "/v1/queries"},
      {"answers", "/v1/answers"},
  };
  return kinds;
}

// The Content-Type of a file, by its extension; "" with a reason when none.
std::string content_type_of(const std::string& path, const std::string& kind, std::string& why) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".json") return "application/json";
  if (ext == ".ndjson" || ext == ".jsonl") return "application/x-ndjson";
  if (ext == ".csv") {
    if (kind == "records") return "text/csv";
    why = "CSV is taken for records only; send " + kind + " as .json or .ndjson";
    return {};
  }
  why = fmt::format(
      "cannot tell the format from the extension \"{}\"; expected .ndjson, "
      ".jsonl, .json{}",
      ext, kind == "records" ? " or .csv" : "");
  return {};
}

std::string query_string(std::initializer_list<std::pair<std::string, std::string>> parameters) {
  std::string out;
  for (const auto& [name, value] : parameters) {
    if (value.empty()) continue;
    out += (out.empty() ? "?" : "&") + name + "=" + admin::percent_encode(value);
  }
  return out;
}

}  // namespace

int run_api_status(const ApiOptions& api, const StatusOptions& options) {
  auto endpoint = endpoint_of(api, "status");
  if (!endpoint) return kUsageOrConnection;
  auto reply = admin::http_get(*endpoint, "/v1/status", headers_of(api), kGetDeadline);
  if (!success(reply)) return report_failure("status", reply);
  if (options.json) {
    std::cout << reply.body << (reply.body.ends_with('\n') ? "" : "\n");
    return kOk;
  }
  auto body = json_body("status", reply);
  if (!body) return kServerError;
  print_status(*body);
  return kOk;
}

int run_api_log_level(const ApiOptions& api, const LogLevelOptions& o) {
  const std::string_view command = "log-level";
  auto endpoint = endpoint_of(api, command);
  if (!endpoint) return kUsageOrConnection;
  const bool change = !o.level.empty();
  if (change && !require_operator(api, command)) return kUsageOrConnection;
  const std::string target = "/v1/admin/log-level";
  auto reply = change
                   ? admin::http_request(*endpoint, "PUT", target, dump(json{{"level", o.level}}),
                                         "application/json", headers_of(api), kGetDeadline)
                   : admin::http_get(*endpoint, target, headers_of(api), kGetDeadline);
  if (!success(reply)) return report_failure(command, reply);
  auto body = json_body(command, reply);
  if (!body) return kServerError;
  const std::string level = scalar_text(body->value("level", json()));
  if (change) {
    std::cout << fmt::format("log level {} (was {})\n", level,
                             scalar_text(body->value("previous", json())));
  } else {
    std::cout << level << '\n';
  }
  return kOk;
}

int run_api_submit(const ApiOptions& api, const SubmitOptions& o) {
  const std::string command = "submit " + o.kind;
  auto kind = submit_kinds().find(o.kind);
  if (kind == submit_kinds().end()) {
    std::cerr << fmt::format("provctl submit: unknown kind \"{}\"\n", o.kind);
    return kUsageOrConnection;
  }
  if (!o.change_kind.empty() && o.kind != "records") {
    std::cerr << "provctl submit: --change is for records only\n";
    return kUsageOrConnection;
  }
  auto endpoint = endpoint_of(api, command);
  if (!endpoint || !require_operator(api, command)) return kUsageOrConnection;
  std::string why;
  std::string content_type = content_type_of(o.path, o.kind, why);
  if (content_type.empty()) {
    std::cerr << fmt::format("provctl {}: {}: {}\n", command, o.path, why);
    return kUsageOrConnection;
  }
  std::ifstream in(o.path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in || in.bad()) {
    std::cerr << fmt::format("provctl {}: {}: cannot be read\n", command, o.path);
    return kUsageOrConnection;
  }
  admin::HeaderList headers = headers_of(api);
  if (!o.reason.empty()) headers.emplace_back("X-Change-Reason", o.reason);
  if (!o.change_kind.empty()) headers.emplace_back("X-Change-Kind", o.change_kind);
  auto reply = admin::http_post(*endpoint, kind->second, std::move(content).str(), content_type,
                                headers, kPostDeadline);
  json body = json::parse(reply.body, nullptr, false);
  const bool batch = (reply.status == 200 || reply.status == 422) && body.is_object() &&
                     body.contains("items") && body["items"].is_array();
  if (!batch) {
    report_failure(command, reply);
    return kUsageOrConnection;  // nothing was taken (or we cannot tell): send it again
  }
  const auto count = [&](const char* key) { return body.value(key, std::uint64_t{0}); };
  std::cout << fmt::format("{}: accepted {}, unchanged {}, rejected {}\n", o.path,
                           count("accepted"), count("unchanged"), count("rejected"));
  std::uint64_t rejected = 0;
  for (const json& item : body["items"]) {
    if (!item.is_object() || item.value("status", std::string()) != "rejected") continue;
    ++rejected;
    std::cout << fmt::format("line {}, id {}: rejected\n", scalar_text(item.value("line", json())),
                             scalar_text(item.value("id", json())));
    print_problems(std::cout, item.value("errors", json::array()), "  ");
  }
  return rejected == 0 && count("rejected") == 0 ? kOk : kServerError;
}

int run_api_inbox(const ApiOptions& api, const InboxOptions& o) {
  auto endpoint = endpoint_of(api, "inbox");
  if (!endpoint) return kUsageOrConnection;
  InboxDownload download{o.cursor_file, o.after, o.out};
  bool node_error = false;  // the node answered, with an error or nonsense
  auto fetch = [&](std::uint64_t after) -> Result<InboxPage> {
    std::string target = "/v1/inbox" + query_string({{"kind", o.kind},
                                                     {"after", std::to_string(after)},
                                                     {"limit", std::to_string(o.limit)}});
    auto reply = admin::http_get(*endpoint, target, headers_of(api), kGetDeadline);
    if (!success(reply)) {
      node_error = reply.answered();
      report_failure("inbox", reply);
      return Error{Errc::io, fmt::format("GET {} failed", target)};
    }
    auto page = parse_inbox_page(reply.body, after);
    if (!page) node_error = true;
    return page;
  };
  auto done = download_inbox(download, fetch, std::cout);
  if (!done) {
    std::cerr << fmt::format("provctl inbox: {}{}\n", done.error().message,
                             o.cursor_file.empty() ? ""
                                                   : "; the cursor file holds how far it got: "
                                                     "run the same command again to go on");
    return node_error ? kServerError : kUsageOrConnection;
  }
  if (done->bytes_dropped > 0) {
    std::cerr << fmt::format(
        "provctl inbox: {} bytes at the end of {} were a page the cursor did not count (an "
        "interrupted run); fetched it again\n",
        done->bytes_dropped, o.out);
  }
  std::cerr << fmt::format("provctl inbox: {} entries in {} page{}; cursor {}\n", done->entries,
                           done->pages, done->pages == 1 ? "" : "s", done->after);
  return kOk;
}

int run_api_queries(const ApiOptions& api, const QueriesOptions& o) {
  auto endpoint = endpoint_of(api, "queries");
  if (!endpoint) return kUsageOrConnection;
  std::string target = "/v1/queries" + query_string({{"role", o.role}, {"state", o.state}});
  auto reply = admin::http_get(*endpoint, target, headers_of(api), kGetDeadline);
  if (!success(reply)) return report_failure("queries", reply);
  if (o.json) {
    std::cout << reply.body << (reply.body.ends_with('\n') ? "" : "\n");
    return kOk;
  }
  auto body = json_body("queries", reply);
  if (!body) return kServerError;
  const json queries = body->value("queries", json::array());
  if (!queries.is_array() || queries.empty()) {
    std::cout << "no queries\n";
    return kOk;
  }
  const std::vector<std::string> keys = {"query_id",   "query_kind", "asking",        "answering",
                                         "asked_date", "due_date",   "answered_date", "state"};
  std::vector<std::vector<std::string>> rows;
  for (const json& q : queries) {  // in the node's order: by due date
    std::vector<std::string> row;
    for (const auto& key : keys) row.push_back(scalar_text(q.value(key, json())));
    rows.push_back(std::move(row));
  }
  print_table(std::cout,
              {"query", "kind", "asking", "answering", "asked", "due", "answered", "state"}, rows);
  return kOk;
}

int run_api_report_quarterly(const ApiOptions& api, const QuarterlyReportOptions& o) {
  if (o.submit && !require_operator(api, "reports quarterly")) return kUsageOrConnection;
  std::string target = fmt::format("/v1/reports/quarterly?year={}&quarter={}", o.year, o.quarter);
  return simple_request(api, "reports quarterly", o.submit ? "POST" : "GET", target, o.json);
}

int run_api_report_monthly(const ApiOptions& api, const MonthlyReportOptions& o) {
  std::string target = fmt::format("/v1/reports/monthly?year={}&month={}&format={}", o.year,
                                   o.month, o.csv ? "csv" : "json");
  return simple_request(api, "reports monthly", "GET", target, o.csv || o.json);
}

int run_api_record(const ApiOptions& api, const RecordOptions& o) {
  if (o.id.empty()) {
    std::cerr << "provctl record: expected a record id\n";
    return kUsageOrConnection;
  }
  return simple_request(api, "record", "GET", "/v1/records/" + admin::percent_encode(o.id), o.json);
}

}  // namespace provnet::app

// --- audit and trace ----------------------------------------------------------

namespace provnet::app {

namespace {

std::optional<json> get_json(const ApiOptions& api, std::string_view command,
                             const std::string& target, admin::HttpReply& reply) {
  auto endpoint = endpoint_of(api, command);
  if (!endpoint) return std::nullopt;
  reply = admin::http_request(*endpoint, "GET", target, {}, {}, headers_of(api), kGetDeadline);
  if (!success(reply)) return std::nullopt;
  return json_body(command, reply);
}

std::string text_of(const json& j, const char* key) {
  return j.contains(key) ? scalar_text(j[key]) : std::string("-");
}

// One line per audit entry of a trace.
std::string trace_line(const json& e) {
  const std::string event = text_of(e, "event");
  std::string what;
  if (event == "changed") {
    what = fmt::format("v{} {} (operator {}), for {}", text_of(e, "version"), text_of(e, "change"),
                       text_of(e, "operator_id"), text_of(e, "destination"));
  } else {
    std::string version = e.contains("version") ? " v" + text_of(e, "version") : "";
    const char* direction = event == "received" || event == "refused" ? "from" : "to";
    if (event == "acknowledged" || event == "rejected") direction = "by";
    what =
        fmt::format("message {}{} ({}) {} {}, destination {}", text_of(e, "message_id"), version,
                    text_of(e, "kind"), direction, text_of(e, "peer"), text_of(e, "destination"));
    if (e.contains("detail")) what += ": " + text_of(e, "detail");
  }
  return fmt::format("{}  {}  #{:<6} {:<12} {}", time_text(e.value("at_ms", json())),
                     text_of(e, "node"), text_of(e, "seq"), event, what);
}

// The answer to "who sent it, did they get it?", from the events of a trace.
void print_trace_answer(const json& t) {
  std::set<std::string> authors, destinations;
  std::map<std::string, std::string> received_by, acknowledged_by;
  for (const json& e : t.value("events", json::array())) {
    const std::string event = text_of(e, "event");
    if (event == "changed") authors.insert(text_of(e, "node"));
    if (event == "queued" || event == "changed") destinations.insert(text_of(e, "destination"));
    if (event == "received") {
      received_by.emplace(text_of(e, "node"),
                          fmt::format("{} logged receiving message {} at {}", text_of(e, "node"),
                                      text_of(e, "message_id"), time_text(e["at_ms"])));
    }
    if (event == "acknowledged") {
      acknowledged_by.emplace(
          text_of(e, "peer"),
          fmt::format("{} acknowledged message {} to {} at {}", text_of(e, "peer"),
                      text_of(e, "message_id"), text_of(e, "node"), time_text(e["at_ms"])));
    }
  }
  std::string author_text;
  for (const std::string& a : authors) author_text += (author_text.empty() ? "" : ", ") + a;
  if (author_text.empty() && !t.value("versions", json::array()).empty()) {
    author_text = text_of(t["versions"][0], "author");
  }
  std::cout << "  author: " << (author_text.empty() ? "unknown" : author_text) << '\n';
  for (const std::string& d : destinations) {
    if (d == "00" || d == "-") continue;
    std::string state = "NOT YET: no receipt or acknowledgement from " + d + " in these chains";
    if (auto r = received_by.find(d); r != received_by.end()) {
      state = "yes: " + r->second;
    } else if (auto a = acknowledged_by.find(d); a != acknowledged_by.end()) {
      state = "yes: " + a->second;
    }
    std::cout << fmt::format("  delivered to {}: {}\n", d, state);
  }
  if (auto r = received_by.find("00"); r != received_by.end()) {
    std::cout << "  national copy: " << r->second << '\n';
  }
}

void print_trace(const json& t, std::string_view whose) {
  std::cout << fmt::format("{} (node {}'s view{}):\n", text_of(t, "record_id"), text_of(t, "node"),
                           whose);
  const json versions = t.value("versions", json::array());
  if (versions.empty()) {
    std::cout << "  versions: none held here\n";
  }
  for (const json& v : versions) {
    std::cout << fmt::format(
        "  v{} {} by {} (operator {}) at {}{}\n", text_of(v, "version"), text_of(v, "change"),
        text_of(v, "author"), text_of(v, "operator_id"),
        time_text(v.value("changed_at_ms", json())),
        v.value("held", false) ? ", held: waiting for an earlier version" : "");
  }
  const json events = t.value("events", json::array());
  std::cout << fmt::format("  audit entries ({}):\n", events.size());
  for (const json& e : events) std::cout << "    " << trace_line(e) << '\n';
  print_trace_answer(t);
}

}  // namespace

int run_api_audit_show(const ApiOptions& api, const AuditApiOptions& o) {
  return simple_request(api, "audit show", "GET", "/v1/audit", o.json);
}

int run_api_audit_checkpoint(const ApiOptions& api, const AuditApiOptions& o) {
  return simple_request(api, "audit checkpoint", "POST", "/v1/audit/checkpoint", o.json);
}

int run_api_audit_reconcile(const ApiOptions& api, const AuditApiOptions& o) {
  admin::HttpReply reply;
  auto body = get_json(api, "audit reconcile", "/v1/audit/reconciliation", reply);
  if (!body)
    return reply.answered() && success(reply) ? kServerError
                                              : report_failure("audit reconcile", reply);
  if (o.json) {
    std::cout << reply.body << (reply.body.ends_with('\n') ? "" : "\n");
    return body->value("clean", false) ? kOk : kServerError;
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& n : body->value("nodes", json::array())) {
    rows.push_back({text_of(n, "node"), text_of(n, "entries"), text_of(n, "checkpoints"),
                    time_text(n.value("complete_until_ms", json())), text_of(n, "rewinds"),
                    text_of(n, "last_problem")});
  }
  std::cout << "chains held by the national node:\n";
  print_table(std::cout, {"node", "entries", "checkpoints", "complete until", "rewinds", "problem"},
              rows, "  ");
  rows.clear();
  for (const json& l : body->value("links", json::array())) {
    rows.push_back({text_of(l, "from") + "->" + text_of(l, "to"), text_of(l, "sent"),
                    text_of(l, "received"), text_of(l, "acknowledged"), text_of(l, "rejected"),
                    text_of(l, "in_flight")});
  }
  std::cout << "links (messages):\n";
  print_table(std::cout, {"link", "sent", "received", "acknowledged", "rejected", "in flight"},
              rows, "  ");
  const json found = body->value("discrepancies", json::array());
  std::cout << fmt::format("discrepancies: {}\n", found.size());
  rows.clear();
  for (const json& d : found) {
    rows.push_back({text_of(d, "type"), text_of(d, "from") + "->" + text_of(d, "to"),
                    text_of(d, "message_id"), text_of(d, "kind"), text_of(d, "detail")});
  }
  if (!rows.empty())
    print_table(std::cout, {"type", "link", "message", "kind", "detail"}, rows, "  ");
  std::cout << (found.empty() ? "reconciliation: clean\n" : "reconciliation: DISCREPANCIES\n");
  return found.empty() ? kOk : kServerError;
}

int run_api_trace(const ApiOptions& api, const TraceOptions& o) {
  if (o.id.empty()) {
    std::cerr << "provctl trace: expected a record id\n";
    return kUsageOrConnection;
  }
  const std::string target = "/v1/trace/" + admin::percent_encode(o.id);
  std::vector<std::pair<ApiOptions, std::string>> asked{{api, ""}};
  if (!o.national_url.empty() && o.national_url != api.url) {
    ApiOptions national = api;
    national.url = o.national_url;
    asked.push_back({national, ", with the chains its checkpoints brought"});
  }
  int status = kOk;
  bool found_any = false;
  json all = json::array();
  for (const auto& [options, whose] : asked) {
    admin::HttpReply reply;
    auto body = get_json(options, "trace", target, reply);
    if (!body) {
      if (reply.status == 404) {
        std::cout << fmt::format("{} (at {}): nothing held about this record\n", o.id, options.url);
        continue;
      }
      status = std::max(status, reply.answered() ? kServerError : kUsageOrConnection);
      report_failure("trace", reply);
      continue;
    }
    found_any = true;
    if (o.json) {
      all.push_back(*body);
    } else {
      print_trace(*body, whose);
    }
  }
  if (o.json) std::cout << dump(all) << '\n';
  if (status == kOk && !found_any) return kServerError;
  return status;
}

}  // namespace provnet::app
