// The node's HTTP API (docs/openapi.json) over real HTTP against real
// provnode processes: national node 00 and provinces 31 and 44, both routed
// through 00, with the holiday calendar of config/. Every flow end to end
// across the two provinces (records with their history, check notices,
// birth registrations, queries with due dates), the inbox cursor across
// restarts, quarterly and monthly statistics, health, metrics and status,
// and every kind of invalid input with its documented error.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "domain/holiday_calendar.hpp"
#include "domain/statistics.hpp"
#include "generated_records.hpp"
#include "node_network.hpp"

namespace provnet::testing {
namespace {

using nlohmann::json;
namespace http = boost::beast::http;

const std::string kCalendarDir = std::string(PROVNET_SOURCE_DIR) + "/config";
const char* const kNdjson = "application/x-ndjson";
const char* const kJson = "application/json";

// --- requests ------------------------------------------------------------------

HttpReply send(NodeNetwork& net, int code, http::verb method, const std::string& target,
               const std::string& body = {}, const std::string& content_type = {},
               const HttpHeaders& headers = {}) {
  return http_request(net.node(code).admin_port(), method, target, body, content_type,
                      std::chrono::seconds(60), headers);
}

HttpReply get(NodeNetwork& net, int code, const std::string& target) {
  return send(net, code, http::verb::get, target);
}

HttpReply post(NodeNetwork& net, int code, const std::string& target, const std::string& body,
               const std::string& content_type = kNdjson, const HttpHeaders& headers = {}) {
  return send(net, code, http::verb::post, target, body, content_type, headers);
}

json parsed(const HttpReply& reply) {
  json j = json::parse(reply.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

// GET that must answer 200 with JSON.
json get_json(NodeNetwork& net, int code, const std::string& target) {
  HttpReply reply = get(net, code, target);
  if (reply.status != 200) {
    net.fail(fmt::format("GET {} at {}: {}", target, code_text(code), reply.describe()));
  }
  return parsed(reply);
}

// The JSON of a GET when it answers 200, else null.
json try_get_json(NodeNetwork& net, int code, const std::string& target) {
  HttpReply reply = get(net, code, target);
  return reply.status == 200 ? parsed(reply) : json();
}

template <class Predicate>
void await(NodeNetwork& net, const std::string& what, Predicate&& done) {
  bool ok = wait_until(
      [&] {
        net.check_running();
        return done();
      },
      kPatience, std::chrono::milliseconds(100));
  if (!ok) net.fail("waited in vain for " + what);
}

// The node answers its health check (after a request it refused).
void expect_alive(NodeNetwork& net, int code, const std::string& after) {
  HttpReply reply = get(net, code, "/healthz");
  EXPECT_EQ(reply.status, 200u) << "node " << code_text(code) << " after " << after << ": "
                                << reply.describe();
  net.check_running();
}

// An error response: the status, an Error body, and (when given) the field
// its first problem names.
void expect_error(const HttpReply& reply, unsigned status, const std::string& what,
                  const std::optional<std::string>& field = std::nullopt) {
  EXPECT_EQ(reply.status, status) << what << ": " << reply.describe();
  const json body = parsed(reply);
  ASSERT_TRUE(body.is_object()) << what << ": not a JSON object: " << reply.body;
  ASSERT_TRUE(body.contains("error") && body["error"].is_string()) << what << ": " << reply.body;
  EXPECT_FALSE(body["error"].get<std::string>().empty()) << what;
  for (const auto& [key, value] : body.items()) {
    EXPECT_TRUE(key == "error" || key == "problems") << what << ": unexpected key " << key;
  }
  if (body.contains("problems")) {
    for (const json& p : body["problems"]) {
      for (const char* key : {"field", "wis_field", "found", "expected", "message"}) {
        EXPECT_TRUE(p.contains(key) && p[key].is_string()) << what << ": problem without " << key;
      }
    }
  }
  if (field) {
    ASSERT_TRUE(body.contains("problems") && !body["problems"].empty())
        << what << ": no problems: " << reply.body;
    EXPECT_EQ(body["problems"][0].value("field", "?"), *field) << what << ": " << reply.body;
  }
}

std::string ndjson(const std::vector<json>& items) {
  std::string out;
  for (const json& j : items) out += j.dump() + "\n";
  return out;
}

std::string today_text() {
  return today_in_china().yyyymmdd();
}

// --- collaboration items -------------------------------------------------------

json check_notice(const std::string& id, const domain::MigrantRecord& r, int residence, int hukou,
                  const domain::Date& date) {
  return json{{"notice_id", id},
              {"record_id", r.record_id},
              {"residence_province", code_text(residence)},
              {"hukou_province", code_text(hukou)},
              {"subject_id_number", r.id_number},
              {"subject_name", r.name},
              {"check_date", date.yyyymmdd()},
              {"method", "IUD"},
              {"result", "in place"}};
}

json feedback(const std::string& key, const std::string& id, int residence, int hukou,
              const domain::Date& date, const std::string& outcome) {
  return json{{key, id},
              {"residence_province", code_text(residence)},
              {"hukou_province", code_text(hukou)},
              {"feedback_date", date.yyyymmdd()},
              {"outcome", outcome}};
}

json birth_registration(const std::string& id, const domain::MigrantRecord& r, int residence,
                        int hukou, const domain::Date& date) {
  return json{{"registration_id", id},
              {"record_id", r.record_id},
              {"residence_province", code_text(residence)},
              {"hukou_province", code_text(hukou)},
              {"mother_id_number", r.id_number},
              {"mother_name", r.name},
              {"registration_date", date.yyyymmdd()},
              {"expected_birth_date", date.plus_days(120).yyyymmdd()}};
}

json query(const std::string& id, const std::string& kind, const domain::MigrantRecord& r,
           int residence, int hukou, const domain::Date& asked) {
  return json{{"query_id", id},
              {"query_kind", kind},
              {"record_id", r.record_id},
              {"residence_province", code_text(residence)},
              {"hukou_province", code_text(hukou)},
              {"subject_id_number", r.id_number},
              {"subject_name", r.name},
              {"asked_date", asked.yyyymmdd()},
              {"question", "is the person registered there?"}};
}

json answer(const std::string& id, int residence, int hukou, const domain::Date& date,
            const std::string& outcome) {
  return json{{"query_id", id},
              {"residence_province", code_text(residence)},
              {"hukou_province", code_text(hukou)},
              {"answered_date", date.yyyymmdd()},
              {"outcome", outcome}};
}

// POSTs items that must all be accepted; returns the BatchResult.
json post_items_ok(NodeNetwork& net, int code, const std::string& resource,
                   const std::vector<json>& items) {
  HttpReply reply = post(net, code, "/v1/" + resource, ndjson(items));
  if (reply.status != 200) {
    net.fail(fmt::format("POST /v1/{} at {}: {}", resource, code_text(code), reply.describe()));
  }
  json body = parsed(reply);
  EXPECT_EQ(body.value("accepted", 0u), items.size()) << reply.body;
  EXPECT_EQ(body.value("rejected", 1u), 0u) << reply.body;
  return body;
}

// The collaboration entry at `code`, once `done` holds for it.
template <class Predicate>
json await_entry(NodeNetwork& net, int code, const std::string& path, Predicate&& done) {
  json entry;
  await(net, fmt::format("{} at {}", path, code_text(code)), [&] {
    entry = try_get_json(net, code, path);
    return !entry.is_null() && done(entry);
  });
  return entry;
}

// The queries of GET /v1/queries, by id.
std::map<std::string, json> queries_of(NodeNetwork& net, int code, const std::string& params) {
  std::map<std::string, json> out;
  json body = try_get_json(net, code, "/v1/queries?" + params);
  if (!body.is_object()) return out;
  for (const json& q : body["queries"]) out[q["query_id"].get<std::string>()] = q;
  return out;
}

std::vector<std::string> query_ids(NodeNetwork& net, int code, const std::string& params) {
  std::vector<std::string> out;
  json body = get_json(net, code, "/v1/queries?" + params);
  for (const json& q : body["queries"]) out.push_back(q["query_id"].get<std::string>());
  return out;
}

// --- inbox ---------------------------------------------------------------------

struct InboxPageView {
  std::vector<json> entries;
  std::uint64_t next_after = 0;
  bool more = false;
};

InboxPageView inbox_page(NodeNetwork& net, int code, std::uint64_t after, std::size_t limit,
                         const std::string& kind = "", bool content = false) {
  std::string target = fmt::format("/v1/inbox?after={}&limit={}&content={}", after, limit,
                                   content ? "true" : "false");
  if (!kind.empty()) target += "&kind=" + kind;
  json body = get_json(net, code, target);
  InboxPageView page;
  for (const json& e : body.at("entries")) page.entries.push_back(e);
  page.next_after = body.at("next_after").get<std::uint64_t>();
  page.more = body.at("more").get<bool>();
  return page;
}

// Every entry (of `kind`), paging with the API's cursor.
std::vector<json> whole_inbox(NodeNetwork& net, int code, const std::string& kind = "",
                              bool content = false) {
  std::vector<json> out;
  std::uint64_t after = 0;
  for (int pages = 0; pages < 1000; ++pages) {
    InboxPageView page = inbox_page(net, code, after, 1000, kind, content);
    out.insert(out.end(), page.entries.begin(), page.entries.end());
    after = page.next_after;
    if (!page.more) return out;
  }
  net.fail("the inbox never ends");
}

// Waits until `code`'s inbox has a record entry for each of `ids`.
void await_records(NodeNetwork& net, int code, const std::set<std::string>& ids) {
  await(net, fmt::format("{} records in the inbox of {}", ids.size(), code_text(code)), [&] {
    std::set<std::string> seen;
    for (const json& e : whole_inbox(net, code, "record")) seen.insert(e["id"].get<std::string>());
    return std::includes(seen.begin(), seen.end(), ids.begin(), ids.end());
  });
}

std::size_t count_kind(const std::vector<json>& entries, const std::string& kind) {
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(), [&](const json& e) { return e.at("kind") == kind; }));
}

// --- records -------------------------------------------------------------------

struct ExpectedVersion {
  std::uint32_t version;
  std::string change;
  std::string operator_id;
  std::string reason;
};

// GET /v1/records/{id} at `code` shows exactly these versions by `author`.
void expect_history(const json& history, const std::string& id,
                    const std::vector<ExpectedVersion>& expected, const std::string& author,
                    const std::string& where) {
  SCOPED_TRACE(where + " " + id);
  ASSERT_TRUE(history.is_object()) << history;
  EXPECT_EQ(history.value("record_id", ""), id);
  EXPECT_EQ(history.value("latest", 0u), expected.back().version);
  ASSERT_EQ(history["versions"].size(), expected.size()) << history.dump();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const json& v = history["versions"][i];
    EXPECT_EQ(v.value("version", 0u), expected[i].version);
    EXPECT_EQ(v.value("change", ""), expected[i].change) << "version " << expected[i].version;
    EXPECT_EQ(v.value("operator_id", ""), expected[i].operator_id)
        << "version " << expected[i].version;
    EXPECT_EQ(v.value("reason", "?"), expected[i].reason) << "version " << expected[i].version;
    EXPECT_EQ(v.value("author", ""), author);
    EXPECT_FALSE(v.value("held", true));
    EXPECT_EQ(v.value("changed_on", ""), today_text());
    EXPECT_GT(v.value("changed_at_ms", std::int64_t{0}), 0);
    EXPECT_EQ(v["record"].value("record_id", ""), id);
  }
}

json await_history(NodeNetwork& net, int code, const std::string& id, std::uint32_t latest) {
  json history;
  await(net, fmt::format("version {} of {} at {}", latest, id, code_text(code)), [&] {
    history = try_get_json(net, code, "/v1/records/" + id);
    return history.is_object() && history.value("latest", 0u) == latest;
  });
  return history;
}

HttpHeaders operator_header(const std::string& id) {
  return {{"X-Operator-Id", id}};
}

// =============================================================================

// Records: created, updated, returned, left and corrected, each with its
// operator and reason; the history shows every version at the author, at the
// province the record concerns and at the national node; the receiver's
// inbox has each version once, in order, with its content.
TEST(Api, RecordVersionsKeepTheirHistoryAtAuthorReceiverAndNationalNode) {
  NodeNetwork net("api-records");
  net.start_all();

  const auto records = generate_records(31, 44, 4, 0, 5101);
  const std::string a = records[0].record_id, b = records[1].record_id, c = records[2].record_id,
                    d = records[3].record_id;

  // Version 1 of all four (NDJSON), with the batch's reason.
  HttpReply created = post(net, 31, "/v1/records", to_ndjson(records), kNdjson,
                           {{"X-Operator-Id", "op-create"}, {"X-Change-Reason", "first report"}});
  ASSERT_EQ(created.status, 200u) << created.describe();
  json body = parsed(created);
  EXPECT_EQ(body["accepted"], 4);
  EXPECT_EQ(body["unchanged"], 0);
  EXPECT_EQ(body["rejected"], 0);
  ASSERT_EQ(body["items"].size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const json& item = body["items"][i];
    EXPECT_EQ(item["line"], i + 1);
    EXPECT_EQ(item["id"], records[i].record_id);
    EXPECT_EQ(item["status"], "accepted");
    EXPECT_EQ(item["version"], 1);
    EXPECT_FALSE(item.contains("errors"));
  }
  // Sending the same batch again creates nothing.
  HttpReply again =
      post(net, 31, "/v1/records", to_ndjson(records), kNdjson, operator_header("op-create"));
  ASSERT_EQ(again.status, 200u) << again.describe();
  EXPECT_EQ(parsed(again)["unchanged"], 4);
  EXPECT_EQ(parsed(again)["accepted"], 0);
  EXPECT_EQ(parsed(again)["items"][0]["status"], "unchanged");
  EXPECT_EQ(parsed(again)["items"][0]["version"], 1);

  // A: updated (a JSON array, the change left to the node).
  domain::MigrantRecord a2 = records[0];
  a2.household_code = "4401001234";
  HttpReply updated = post(net, 31, "/v1/records", json::array({domain::record_to_json(a2)}).dump(),
                           kJson, operator_header("op-update"));
  ASSERT_EQ(updated.status, 200u) << updated.describe();
  EXPECT_EQ(parsed(updated)["items"][0]["version"], 2);

  // B: returned home, the same content with the change and reason in the
  // record (a single JSON object).
  json returned = domain::record_to_json(records[1]);
  returned["change"] = "returned";
  returned["change_reason"] = "went home";
  HttpReply back = post(net, 31, "/v1/records", returned.dump(), "application/json; charset=utf-8",
                        operator_header("op-return"));
  ASSERT_EQ(back.status, 200u) << back.describe();
  EXPECT_EQ(parsed(back)["items"][0]["status"], "accepted");
  EXPECT_EQ(parsed(back)["items"][0]["version"], 2);

  // C: left, as CSV, the change and reason from the headers.
  const std::string csv =
      domain::csv_header() + "\n" + domain::record_to_csv_row(records[2]) + "\n";
  HttpReply left = post(
      net, 31, "/v1/records", csv, "text/csv",
      {{"X-Operator-Id", "op-csv"}, {"X-Change-Kind", "left"}, {"X-Change-Reason", "moved on"}});
  ASSERT_EQ(left.status, 200u) << left.describe();
  EXPECT_EQ(parsed(left)["items"][0]["version"], 2);
  EXPECT_EQ(parsed(left)["items"][0]["line"], 2);  // the CSV line after the header

  // A: corrected, with its reason (required).
  domain::MigrantRecord a3 = a2;
  a3.household_code = "4401001235";
  json corrected = domain::record_to_json(a3);
  corrected["change"] = "corrected";
  corrected["change_reason"] = "household code mistyped";
  HttpReply fixed =
      post(net, 31, "/v1/records", corrected.dump() + "\n", kNdjson, operator_header("op-correct"));
  ASSERT_EQ(fixed.status, 200u) << fixed.describe();
  EXPECT_EQ(parsed(fixed)["items"][0]["version"], 3);

  // 44 reports two records concerning 31, one updated: the other direction.
  const auto records44 = generate_records(44, 31, 2, 0, 5102);
  net.submit_ok(44, records44);
  domain::MigrantRecord e2 = records44[0];
  e2.household_code = "31";
  HttpReply e_updated =
      post(net, 44, "/v1/records", to_ndjson(std::vector{e2}), kNdjson, operator_header("op-44"));
  ASSERT_EQ(e_updated.status, 200u) << e_updated.describe();

  const std::map<std::string, std::vector<ExpectedVersion>> expected = {
      {a,
       {{1, "created", "op-create", "first report"},
        {2, "updated", "op-update", ""},
        {3, "corrected", "op-correct", "household code mistyped"}}},
      {b, {{1, "created", "op-create", "first report"}, {2, "returned", "op-return", "went home"}}},
      {c, {{1, "created", "op-create", "first report"}, {2, "left", "op-csv", "moved on"}}},
      {d, {{1, "created", "op-create", "first report"}}},
  };
  // At the author at once; at the receiver and the national node once
  // delivered.
  for (int code : {31, 44, 0}) {
    for (const auto& [id, versions] : expected) {
      json history = await_history(net, code, id, versions.back().version);
      expect_history(history, id, versions, "31", "node " + code_text(code));
    }
  }
  EXPECT_EQ(await_history(net, 31, a, 3)["versions"][2]["record"]["household_code"], "4401001235");
  const std::string e = records44[0].record_id;
  for (int code : {44, 31, 0}) {
    json history = await_history(net, code, e, 2);
    expect_history(history, e,
                   {{1, "created", "integration-test", ""}, {2, "updated", "op-44", ""}}, "44",
                   "node " + code_text(code));
  }

  // 44's inbox: every version of 31's records once, in version order, with
  // its content; nothing of 44's own records.
  std::vector<json> inbox44;
  await(net, "8 record versions in 44's inbox", [&] {
    inbox44 = whole_inbox(net, 44, "record", true);
    return inbox44.size() >= 8;
  });
  std::map<std::string, std::vector<std::uint32_t>> versions_at44;
  for (const json& entry : inbox44) {
    EXPECT_EQ(entry["kind"], "record");
    EXPECT_EQ(entry["author"], "31");
    EXPECT_EQ(entry["message_id"].get<std::string>().rfind("31:", 0), 0u) << entry.dump();
    const std::string id = entry["id"];
    versions_at44[id].push_back(entry["version"].get<std::uint32_t>());
    const json& item = entry["item"];
    EXPECT_EQ(item["record"]["record_id"], id);
    EXPECT_EQ(item["version"], entry["version"]);
    EXPECT_EQ(item["author"], "31");
    const auto& ev = expected.at(id).at(entry["version"].get<std::size_t>() - 1);
    EXPECT_EQ(item["change"], ev.change);
    EXPECT_EQ(item["operator_id"], ev.operator_id);
    EXPECT_EQ(item["reason"], ev.reason);
  }
  EXPECT_EQ(inbox44.size(), 8u);
  for (const auto& [id, versions] : expected) {
    std::vector<std::uint32_t> want;
    for (const auto& v : versions) want.push_back(v.version);
    EXPECT_EQ(versions_at44[id], want) << id;
  }
  // 31's inbox has 44's three versions (both records concern 31).
  std::vector<json> inbox31;
  await(net, "3 record versions in 31's inbox", [&] {
    inbox31 = whole_inbox(net, 31, "record");
    return inbox31.size() >= 3;
  });
  EXPECT_EQ(inbox31.size(), 3u);
  std::map<std::string, std::vector<std::uint32_t>> versions_at31;
  for (const json& entry : inbox31) {
    versions_at31[entry["id"]].push_back(entry["version"].get<std::uint32_t>());
    EXPECT_EQ(entry["author"], "44");
    EXPECT_FALSE(entry.contains("item"));  // content=false
  }
  EXPECT_EQ(versions_at31[e], (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(versions_at31[records44[1].record_id], (std::vector<std::uint32_t>{1}));
}

// Notices, registrations and queries, each to its feedback or answer,
// visible with their states on both sides and at the national node; the
// national monthly summary counts them per pair, in JSON and CSV alike.
TEST(Api, CollaborationFlowsBothWaysAndTheMonthlySummaryCountsThem) {
  NodeNetwork net("api-collab");
  for (int code : {0, 31, 44}) net.node(code).config.calendar_dir = kCalendarDir;
  net.write_configs();
  net.start_all();

  const domain::Date today = today_in_china();
  const domain::Date long_ago = today.plus_days(-60);
  auto calendar = domain::HolidayCalendar::load_directory(kCalendarDir);
  ASSERT_TRUE(calendar) << calendar.error().message;

  const auto from31 = generate_records(31, 44, 3, 0, 5201);
  const auto from44 = generate_records(44, 31, 3, 0, 5202);
  net.submit_ok(31, from31);
  net.submit_ok(44, from44);

  // --- a contraception-check notice, 31 (residence) -> 44 (hukou) ---
  const std::string notice = "31-CN-0001";
  json sent =
      post_items_ok(net, 31, "check-notices", {check_notice(notice, from31[0], 31, 44, today)});
  EXPECT_EQ(sent["items"][0]["id"], notice);
  EXPECT_EQ(sent["items"][0]["status"], "accepted");
  EXPECT_FALSE(sent["items"][0].contains("due_date"));
  // Sending it again is safe.
  HttpReply resent =
      post(net, 31, "/v1/check-notices", ndjson({check_notice(notice, from31[0], 31, 44, today)}));
  ASSERT_EQ(resent.status, 200u) << resent.describe();
  EXPECT_EQ(parsed(resent)["unchanged"], 1);

  json at31 = get_json(net, 31, "/v1/check-notices/" + notice);
  EXPECT_EQ(at31["kind"], "check_notice");
  EXPECT_EQ(at31["role"], "sent");
  EXPECT_EQ(at31["state"], "sent");
  EXPECT_EQ(at31["item"]["notice_id"], notice);
  EXPECT_EQ(at31["item"]["operator_id"], "integration-test");
  EXPECT_FALSE(at31.contains("reply"));
  json at44 = await_entry(net, 44, "/v1/check-notices/" + notice, [](const json&) { return true; });
  EXPECT_EQ(at44["role"], "received");
  EXPECT_EQ(at44["state"], "received");
  EXPECT_EQ(at44["item"]["subject_name"], from31[0].name);
  EXPECT_EQ(at44["message_id"].get<std::string>().rfind("31:", 0), 0u);
  // The feedback, 44 -> 31.
  post_items_ok(net, 44, "check-feedbacks",
                {feedback("notice_id", notice, 31, 44, today, "confirmed")});
  at44 = get_json(net, 44, "/v1/check-notices/" + notice);
  EXPECT_EQ(at44["state"], "answered");
  EXPECT_EQ(at44["reply"]["outcome"], "confirmed");
  at31 = await_entry(net, 31, "/v1/check-notices/" + notice,
                     [](const json& e) { return e["state"] == "answered"; });
  EXPECT_EQ(at31["reply"]["feedback_date"], today.yyyymmdd());
  EXPECT_EQ(at31["reply_message_id"].get<std::string>().rfind("44:", 0), 0u);
  json at00 = await_entry(net, 0, "/v1/check-notices/" + notice,
                          [](const json& e) { return e["state"] == "answered"; });
  EXPECT_EQ(at00["role"], "relayed");

  // --- a first-birth registration, 44 (residence) -> 31 (hukou) ---
  const std::string registration = "44-BR-0001";
  post_items_ok(net, 44, "birth-registrations",
                {birth_registration(registration, from44[0], 44, 31, today)});
  EXPECT_EQ(get_json(net, 44, "/v1/birth-registrations/" + registration)["state"], "sent");
  json reg31 = await_entry(net, 31, "/v1/birth-registrations/" + registration,
                           [](const json&) { return true; });
  EXPECT_EQ(reg31["role"], "received");
  EXPECT_EQ(reg31["state"], "received");
  EXPECT_EQ(reg31["item"]["expected_birth_date"], today.plus_days(120).yyyymmdd());
  json birth_feedback = feedback("registration_id", registration, 44, 31, today, "discrepancy");
  birth_feedback["remarks"] = "registered with another address";
  post_items_ok(net, 31, "birth-feedbacks", {birth_feedback});
  EXPECT_EQ(get_json(net, 31, "/v1/birth-registrations/" + registration)["state"], "answered");
  json reg44 = await_entry(net, 44, "/v1/birth-registrations/" + registration,
                           [](const json& e) { return e["state"] == "answered"; });
  EXPECT_EQ(reg44["reply"]["outcome"], "discrepancy");
  EXPECT_EQ(reg44["reply"]["remarks"], "registered with another address");

  // --- queries, each way ---
  // 31 asks 44: a pregnancy query (15 working days) and a no-certificate
  // one (30 calendar days), asked today, in one JSON array.
  const std::string q1 = "31-Q-0001", q2 = "31-Q-0002", q3 = "44-Q-0003", q4 = "44-Q-0004";
  const auto pregnancy_due = domain::query_due_date(domain::QueryKind::pregnancy, today, *calendar);
  ASSERT_TRUE(pregnancy_due) << pregnancy_due.error().message;
  const auto certificate_due =
      domain::query_due_date(domain::QueryKind::no_certificate, today, *calendar);
  ASSERT_TRUE(certificate_due);
  HttpReply asked = post(net, 31, "/v1/queries",
                         json::array({query(q1, "pregnancy", from31[1], 31, 44, today),
                                      query(q2, "no_certificate", from31[2], 31, 44, today)})
                             .dump(),
                         kJson);
  ASSERT_EQ(asked.status, 200u) << asked.describe();
  EXPECT_EQ(parsed(asked)["items"][0]["due_date"], pregnancy_due->yyyymmdd());
  EXPECT_EQ(parsed(asked)["items"][1]["due_date"], certificate_due->yyyymmdd());
  EXPECT_EQ(certificate_due->yyyymmdd(), today.plus_days(30).yyyymmdd());
  json q1_at31 = get_json(net, 31, "/v1/queries/" + q1);
  EXPECT_EQ(q1_at31["kind"], "query");
  EXPECT_EQ(q1_at31["state"], "open");
  EXPECT_EQ(q1_at31["item"]["due_date"], pregnancy_due->yyyymmdd());
  // 44 asks 31 two queries asked 60 days ago: due 30 days ago, overdue.
  post_items_ok(net, 44, "queries",
                {query(q3, "no_certificate", from44[1], 44, 31, long_ago),
                 query(q4, "no_long_acting_contraception", from44[2], 44, 31, long_ago)});

  // The queues on both sides.
  auto asking31 = queries_of(net, 31, "role=asking");
  ASSERT_EQ(asking31.size(), 2u);
  EXPECT_EQ(asking31[q1]["state"], "open");
  EXPECT_EQ(asking31[q1]["asking"], "31");
  EXPECT_EQ(asking31[q1]["answering"], "44");
  EXPECT_EQ(asking31[q1]["due_date"], pregnancy_due->yyyymmdd());
  EXPECT_EQ(asking31[q2]["query_kind"], "no_certificate");
  EXPECT_EQ(asking31[q2]["asked_date"], today.yyyymmdd());
  std::map<std::string, json> answering44;
  await(net, "44 to have 31's queries to answer", [&] {
    answering44 = queries_of(net, 44, "role=answering");
    return answering44.size() == 2;
  });
  EXPECT_EQ(answering44[q1]["state"], "open");
  EXPECT_EQ(answering44[q1]["due_date"], pregnancy_due->yyyymmdd());
  EXPECT_EQ(answering44[q2]["due_date"], certificate_due->yyyymmdd());
  // The queue is by due date.
  const bool pregnancy_first = pregnancy_due->yyyymmdd() <= certificate_due->yyyymmdd();
  EXPECT_EQ(
      query_ids(net, 44, "role=answering"),
      (pregnancy_first ? std::vector<std::string>{q1, q2} : std::vector<std::string>{q2, q1}));
  std::map<std::string, json> answering31;
  await(net, "31 to see 44's queries overdue", [&] {
    answering31 = queries_of(net, 31, "role=answering&state=overdue");
    return answering31.size() == 2;
  });
  EXPECT_EQ(answering31[q3]["due_date"], long_ago.plus_days(30).yyyymmdd());
  await(net, "44 to see its own queries overdue",
        [&] { return queries_of(net, 44, "role=asking&state=overdue").size() == 2; });
  EXPECT_EQ(get_json(net, 44, "/v1/queries/" + q3)["state"], "overdue");

  // 44 answers q1 in time; 31 answers q4 late; q2 and q3 stay unanswered.
  post_items_ok(net, 44, "answers", {answer(q1, 31, 44, today, "confirmed")});
  post_items_ok(net, 31, "answers", {answer(q4, 44, 31, today, "not_confirmed")});
  auto answered44 = queries_of(net, 44, "role=answering&state=answered");
  ASSERT_EQ(answered44.size(), 1u);
  EXPECT_EQ(answered44[q1]["answered_date"], today.yyyymmdd());
  EXPECT_EQ(query_ids(net, 44, "role=answering"), std::vector<std::string>{q2});
  EXPECT_EQ(queries_of(net, 31, "role=answering&state=answered_late").count(q4), 1u);
  EXPECT_EQ(query_ids(net, 31, "role=answering"), std::vector<std::string>{q3});
  await(net, "31 to see q1 answered", [&] {
    return try_get_json(net, 31, "/v1/queries/" + q1).value("state", "") == "answered";
  });
  json q1_answered = get_json(net, 31, "/v1/queries/" + q1);
  EXPECT_EQ(q1_answered["reply"]["outcome"], "confirmed");
  EXPECT_EQ(q1_answered["reply"]["answered_date"], today.yyyymmdd());
  await(net, "44 to see q4 answered late", [&] {
    return try_get_json(net, 44, "/v1/queries/" + q4).value("state", "") == "answered_late";
  });
  EXPECT_EQ(get_json(net, 44, "/v1/queries/" + q3)["state"], "overdue");
  EXPECT_EQ(query_ids(net, 31, "role=asking&state=all").size(), 2u);
  EXPECT_EQ(query_ids(net, 31, "role=asking"), std::vector<std::string>{q2});
  EXPECT_EQ(queries_of(net, 44, "role=asking&state=answered_late").count(q4), 1u);

  // What arrived, in the inboxes, by kind.
  std::vector<json> inbox44;
  await(net, "44's collaboration arrivals", [&] {
    inbox44 = whole_inbox(net, 44);
    return count_kind(inbox44, "check_notice") == 1 && count_kind(inbox44, "birth_feedback") == 1 &&
           count_kind(inbox44, "query") == 2 && count_kind(inbox44, "answer") == 1;
  });
  const auto notices44 = whole_inbox(net, 44, "check_notice", true);
  ASSERT_EQ(notices44.size(), 1u);
  EXPECT_EQ(notices44[0]["id"], notice);
  EXPECT_EQ(notices44[0]["version"], 0);
  EXPECT_EQ(notices44[0]["author"], "31");
  EXPECT_EQ(notices44[0]["item"]["item"]["notice_id"], notice);
  EXPECT_EQ(notices44[0]["item"]["state"], "answered");  // as 44 holds it now
  std::vector<json> inbox31;
  await(net, "31's collaboration arrivals", [&] {
    inbox31 = whole_inbox(net, 31);
    return count_kind(inbox31, "check_feedback") == 1 &&
           count_kind(inbox31, "birth_registration") == 1 && count_kind(inbox31, "query") == 2 &&
           count_kind(inbox31, "answer") == 1;
  });

  // --- the monthly summary at the national node ---
  const std::string month_query = fmt::format("year={}&month={}", today.year, today.month);
  const json expected_pairs = json::array({json{{"from", "31"},
                                                {"to", "44"},
                                                {"notices", 1},
                                                {"feedbacks", 1},
                                                {"queries", 2},
                                                {"answered_on_time", 1},
                                                {"answered_late", 0},
                                                {"overdue", 0}},
                                           json{{"from", "44"},
                                                {"to", "31"},
                                                {"notices", 1},
                                                {"feedbacks", 1},
                                                {"queries", 0},
                                                {"answered_on_time", 0},
                                                {"answered_late", 1},
                                                {"overdue", 1}}});
  json monthly;
  await(net, "the monthly summary to count every item", [&] {
    monthly = try_get_json(net, 0, "/v1/reports/monthly?" + month_query);
    return monthly.is_object() && monthly["pairs"] == expected_pairs;
  });
  EXPECT_EQ(monthly["year"], today.year);
  EXPECT_EQ(monthly["month"], today.month);
  EXPECT_EQ(monthly["as_of"], today.yyyymmdd());
  ASSERT_EQ(monthly["provinces"].size(), 32u);
  const std::map<std::string, std::map<std::string, int>> expected_provinces = {
      {"31",
       {{"notices_sent", 1},
        {"notices_received", 1},
        {"feedbacks_sent", 1},
        {"feedbacks_received", 1},
        {"queries_sent", 2},
        {"queries_received", 0},
        {"answered_on_time", 0},
        {"answered_late", 1},
        {"overdue", 1}}},
      {"44",
       {{"notices_sent", 1},
        {"notices_received", 1},
        {"feedbacks_sent", 1},
        {"feedbacks_received", 1},
        {"queries_sent", 0},
        {"queries_received", 2},
        {"answered_on_time", 1},
        {"answered_late", 0},
        {"overdue", 0}}},
  };
  for (const json& p : monthly["provinces"]) {
    const std::string code = p["province"];
    auto it = expected_provinces.find(code);
    for (const auto& [key, value] : p.items()) {
      if (key == "province") continue;
      const int want = it == expected_provinces.end() ? 0 : it->second.at(key);
      EXPECT_EQ(value.get<int>(), want) << "province " << code << " " << key;
    }
  }
  // The CSV says the same.
  HttpReply csv = get(net, 0, "/v1/reports/monthly?" + month_query + "&format=csv");
  ASSERT_EQ(csv.status, 200u) << csv.describe();
  std::vector<std::string> lines;
  {
    std::istringstream in(csv.body);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 2u + monthly["pairs"].size() + 32u) << csv.body;
  EXPECT_EQ(lines[0],
            "section,from,to,notices,feedbacks,queries,answered_on_time,answered_late,overdue");
  std::size_t at = 1;
  for (const json& p : monthly["pairs"]) {
    EXPECT_EQ(lines[at++], fmt::format("pair,{},{},{},{},{},{},{},{}", p["from"].get<std::string>(),
                                       p["to"].get<std::string>(), p["notices"].get<int>(),
                                       p["feedbacks"].get<int>(), p["queries"].get<int>(),
                                       p["answered_on_time"].get<int>(),
                                       p["answered_late"].get<int>(), p["overdue"].get<int>()));
  }
  EXPECT_EQ(lines[at++],
            "section,province,notices_sent,notices_received,feedbacks_sent,feedbacks_received,"
            "queries_sent,queries_received,answered_on_time,answered_late,overdue");
  for (const json& p : monthly["provinces"]) {
    std::string row = "province," + p["province"].get<std::string>();
    for (const char* key :
         {"notices_sent", "notices_received", "feedbacks_sent", "feedbacks_received",
          "queries_sent", "queries_received", "answered_on_time", "answered_late", "overdue"}) {
      row += "," + std::to_string(p[key].get<int>());
    }
    EXPECT_EQ(lines[at++], row);
  }
  // The month 44 asked its queries in counts them as asked then.
  json earlier = get_json(
      net, 0, fmt::format("/v1/reports/monthly?year={}&month={}", long_ago.year, long_ago.month));
  bool found = false;
  for (const json& p : earlier["pairs"]) {
    if (p["from"] == "44" && p["to"] == "31") {
      found = true;
      EXPECT_EQ(p["queries"], 2) << p.dump();
      EXPECT_EQ(p["notices"], 0) << p.dump();
    } else {
      ADD_FAILURE() << "unexpected pair in " << long_ago.yyyymmdd() << "'s month: " << p.dump();
    }
  }
  EXPECT_TRUE(found) << earlier.dump();
}

// The inbox cursor: paging with a small limit, with and without a kind
// filter, yields every entry once; restarting the node between pages does
// not change what a cursor yields.
TEST(Api, InboxCursorSkipsAndRepeatsNothingAcrossRestarts) {
  NodeNetwork net("api-inbox");
  for (int code : {0, 31, 44}) net.node(code).config.calendar_dir = kCalendarDir;
  net.write_configs();
  net.start_all();
  const domain::Date today = today_in_china();

  const auto records = generate_records(31, 44, 9, 0, 5301);
  net.submit_ok(31, records);
  // Collaboration entries between record entries.
  post_items_ok(net, 31, "check-notices",
                {check_notice("31-CN-1", records[0], 31, 44, today),
                 check_notice("31-CN-2", records[1], 31, 44, today)});
  domain::MigrantRecord changed = records[2];
  changed.household_code = "123";
  net.submit_ok(31, std::vector{changed});
  post_items_ok(net, 31, "queries",
                {query("31-Q-1", "no_certificate", records[3], 31, 44, today),
                 query("31-Q-2", "pregnancy", records[4], 31, 44, today)});
  post_items_ok(net, 31, "check-notices", {check_notice("31-CN-3", records[5], 31, 44, today)});

  std::vector<json> all;
  await(net, "44's inbox to hold 10 records, 3 notices and 2 queries", [&] {
    all = whole_inbox(net, 44);
    return count_kind(all, "record") == 10 && count_kind(all, "check_notice") == 3 &&
           count_kind(all, "query") == 2;
  });
  ASSERT_EQ(all.size(), 15u);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1]["seq"].get<std::uint64_t>(), all[i]["seq"].get<std::uint64_t>());
  }

  int restarts = 0;
  for (const std::string kind : {"", "record", "check_notice", "query"}) {
    SCOPED_TRACE("kind=" + kind);
    std::vector<std::uint64_t> expected;
    for (const json& e : all) {
      if (kind.empty() || e["kind"] == kind) expected.push_back(e["seq"]);
    }
    std::vector<std::uint64_t> got;
    std::uint64_t after = 0;
    int page_number = 0;
    for (;; ++page_number) {
      ASSERT_LT(page_number, 100);
      InboxPageView page = inbox_page(net, 44, after, 2, kind);
      EXPECT_LE(page.entries.size(), 2u);
      EXPECT_GE(page.next_after, after);
      for (const json& e : page.entries) {
        if (!kind.empty()) {
          EXPECT_EQ(e["kind"], kind);
        }
        EXPECT_GT(e["seq"].get<std::uint64_t>(), after);
        got.push_back(e["seq"]);
      }
      const std::uint64_t cursor = after;
      after = page.next_after;
      if (!page.more) break;
      // Restart the node between some pages: the next page at this cursor
      // is the same after the restart as before.
      if ((kind.empty() || kind == "record") && (page_number == 1 || page_number == 3)) {
        InboxPageView before = inbox_page(net, 44, after, 2, kind);
        net.terminate(44);
        net.start(44);
        ++restarts;
        InboxPageView after_restart = inbox_page(net, 44, after, 2, kind);
        EXPECT_EQ(after_restart.entries, before.entries);
        EXPECT_EQ(after_restart.next_after, before.next_after);
        EXPECT_EQ(after_restart.more, before.more);
        // And the page just read is read the same again.
        InboxPageView again = inbox_page(net, 44, cursor, 2, kind);
        EXPECT_EQ(again.entries, page.entries);
        EXPECT_EQ(again.next_after, page.next_after);
      }
    }
    EXPECT_EQ(got, expected) << "paging skipped or repeated entries";
    // Past the end: nothing, and the cursor stays.
    InboxPageView end = inbox_page(net, 44, after, 2, kind);
    EXPECT_TRUE(end.entries.empty());
    EXPECT_FALSE(end.more);
    EXPECT_EQ(end.next_after, after);
  }
  EXPECT_EQ(restarts, 4);
  EXPECT_EQ(net.node(44).log.count("node.started"), 5u) << "44 was not restarted 4 times";

  // With content (the default), each entry carries its item.
  for (const json& e : whole_inbox(net, 44, "", true)) {
    ASSERT_TRUE(e.contains("item")) << e.dump();
    if (e["kind"] == "record") {
      EXPECT_EQ(e["item"]["record"]["record_id"], e["id"]);
      EXPECT_EQ(e["item"]["version"], e["version"]);
    } else if (e["kind"] == "check_notice") {
      EXPECT_EQ(e["item"]["item"]["notice_id"], e["id"]);
      EXPECT_EQ(e["item"]["role"], "received");
    } else {
      EXPECT_EQ(e["item"]["item"]["query_id"], e["id"]);
      EXPECT_FALSE(e["item"]["item"]["due_date"].get<std::string>().empty());
    }
  }
  // The default page without parameters is the whole (small) inbox.
  json plain = get_json(net, 44, "/v1/inbox");
  EXPECT_EQ(plain["entries"].size(), 15u);
  EXPECT_FALSE(plain["more"].get<bool>());
  EXPECT_EQ(plain["next_after"], all.back()["seq"]);
}

// Quarterly statistics: a province's tables come from its own records at the
// snapshot date; a closed quarter is submitted, the national node shows who
// submitted on time or late and sums the tables; an open one is refused.
TEST(Api, QuarterlyTablesReachTheNationalNodeWhichSumsThem) {
  NodeNetwork net("api-quarterly");
  net.start_all();
  const domain::Date today = today_in_china();
  // The current quarter is open (its snapshot date is not before today); the
  // previous one is closed.
  const int year = today.year, quarter = (today.month - 1) / 3 + 1;
  const int closed_year = quarter == 1 ? year - 1 : year;
  const int closed_quarter = quarter == 1 ? 4 : quarter - 1;

  const auto from31 = generate_records(31, 44, 6, 3, 5401);
  const auto from44 = generate_records(44, 31, 4, 0, 5402);
  net.submit_ok(31, from31);
  net.submit_ok(44, from44);
  // One of 31's people returned home: no longer counted.
  json returned = domain::record_to_json(from31[0]);
  returned["change"] = "returned";
  HttpReply back = post(net, 31, "/v1/records", returned.dump() + "\n");
  ASSERT_EQ(back.status, 200u) << back.describe();

  // The open quarter at 31: exactly what the domain computes from 31's own
  // versions (not 44's records, which 31 holds too).
  std::vector<domain::VersionFact> facts;
  for (const auto& r : from31) facts.push_back({r, 1, "created", today});
  facts.push_back({from31[0], 2, "returned", today});
  const json expected_open =
      domain::tables_to_json(domain::compute_quarterly_tables(31, year, quarter, facts));
  const std::string open_query = fmt::format("year={}&quarter={}", year, quarter);
  json open31 = get_json(net, 31, "/v1/reports/quarterly?" + open_query);
  EXPECT_EQ(open31["province"], "31");
  EXPECT_EQ(open31["due_date"], domain::quarter_due_date(year, quarter).yyyymmdd());
  EXPECT_EQ(open31["tables"], expected_open);
  std::uint64_t counted = 0;
  for (const json& t : open31["tables"]["tables"]) {
    if (t["dimension"] == "sex") counted += t["total"].get<std::uint64_t>();
  }
  EXPECT_EQ(counted, from31.size() - 1);
  // It cannot be submitted yet.
  HttpReply early = post(net, 31, "/v1/reports/quarterly?" + open_query, "");
  expect_error(early, 409, "POST an open quarter");
  EXPECT_NE(parsed(early).value("error", "").find("not closed"), std::string::npos) << early.body;

  // The closed quarter: submitted by both provinces.
  const std::string closed_query = fmt::format("year={}&quarter={}", closed_year, closed_quarter);
  std::map<int, json> province_tables;
  for (int code : {31, 44}) {
    json own = get_json(net, code, "/v1/reports/quarterly?" + closed_query);
    EXPECT_EQ(own["tables"]["year"], closed_year);
    EXPECT_EQ(own["tables"]["quarter"], closed_quarter);
    EXPECT_EQ(own["tables"]["snapshot_date"],
              domain::quarter_snapshot_date(closed_year, closed_quarter).yyyymmdd());
    EXPECT_EQ(own["tables"]["tables"].size(), 12u);
    // Every version was stored today, after the snapshot date: none counts.
    EXPECT_EQ(own["tables"],
              domain::tables_to_json(domain::compute_quarterly_tables(
                  static_cast<domain::ProvinceCode>(code), closed_year, closed_quarter, {})));
    HttpReply submitted = post(net, code, "/v1/reports/quarterly?" + closed_query, "");
    ASSERT_EQ(submitted.status, 200u) << submitted.describe();
    EXPECT_EQ(parsed(submitted)["submitted"], true);
    EXPECT_EQ(parsed(submitted)["tables"], own["tables"]);
    province_tables[code] = own["tables"];
  }

  const domain::Date due = domain::quarter_due_date(closed_year, closed_quarter);
  const std::string submitted_status = today <= due ? "on_time" : "late";
  const std::string absent_status = today > due ? "missing" : "not_yet_due";
  json report;
  await(net, "the national node to hold both provinces' tables", [&] {
    report = try_get_json(net, 0, "/v1/reports/quarterly?" + closed_query);
    if (!report.is_object()) return false;
    int received = 0;
    for (const json& p : report["provinces"]) received += p.contains("received_on") ? 1 : 0;
    return received == 2;
  });
  EXPECT_EQ(report["year"], closed_year);
  EXPECT_EQ(report["quarter"], closed_quarter);
  EXPECT_EQ(report["due_date"], due.yyyymmdd());
  ASSERT_EQ(report["provinces"].size(), 32u);
  for (const json& p : report["provinces"]) {
    const std::string code = p["province"];
    if (code == "31" || code == "44") {
      EXPECT_EQ(p["status"], submitted_status) << code;
      EXPECT_EQ(p["received_on"], today.yyyymmdd()) << code;
    } else {
      EXPECT_EQ(p["status"], absent_status) << code;
      EXPECT_FALSE(p.contains("received_on")) << code;
    }
  }
  // The national tables are the sum of the provinces' tables.
  const json& national = report["national"];
  EXPECT_EQ(national["province"], "00");
  ASSERT_EQ(national["tables"].size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    const json& n = national["tables"][i];
    std::uint64_t total = 0;
    std::map<std::string, std::uint64_t> cells;
    for (const auto& [code, tables] : province_tables) {
      const json& t = tables["tables"][i];
      EXPECT_EQ(t["direction"], n["direction"]);
      EXPECT_EQ(t["dimension"], n["dimension"]);
      total += t["total"].get<std::uint64_t>();
      for (const auto& [value, count] : t["cells"].items())
        cells[value] += count.get<std::uint64_t>();
    }
    EXPECT_EQ(n["total"].get<std::uint64_t>(), total) << n.dump();
    EXPECT_EQ(n["cells"], json(cells)) << n.dump();
  }

  // The open quarter at the national node: nobody is due yet.
  json open00 = get_json(net, 0, "/v1/reports/quarterly?" + open_query);
  for (const json& p : open00["provinces"]) EXPECT_EQ(p["status"], "not_yet_due") << p.dump();
  // The national node submits nothing.
  expect_error(post(net, 0, "/v1/reports/quarterly?" + closed_query, ""), 409,
               "POST quarterly at 00");
}

// /healthz, /v1/health, /metrics (Prometheus text with the node label) and
// /v1/status on every node.
TEST(Api, HealthMetricsAndStatusDescribeTheNode) {
  NodeNetwork net("api-ops");
  net.start_all();
  for (int code : {0, 31, 44}) {
    for (const char* path : {"/healthz", "/v1/health"}) {
      json health = get_json(net, code, path);
      EXPECT_EQ(health, (json{{"status", "ok"}, {"node", code_text(code)}})) << path;
    }
  }

  const auto records = generate_records(31, 44, 5, 0, 5501);
  json bad = domain::record_to_json(records[0]);
  bad["record_id"] = "31-bad-1";
  bad["sex"] = "5";
  HttpReply mixed = post(net, 31, "/v1/records", to_ndjson(records) + bad.dump() + "\n");
  ASSERT_EQ(mixed.status, 422u) << mixed.describe();
  std::set<std::string> ids;
  for (const auto& r : records) ids.insert(r.record_id);
  await_records(net, 44, ids);
  await(net, "31's outbox to drain", [&] { return net.outbox_depth(31, 0) == 0u; });

  HttpReply metrics = get(net, 31, "/metrics");
  ASSERT_EQ(metrics.status, 200u) << metrics.describe();
  const std::string& text = metrics.body;
  for (const char* line : {
           "# TYPE provnet_records_accepted_total counter\n",
           "provnet_records_accepted_total{node=\"31\"} 5\n",
           "provnet_records_rejected_total{node=\"31\"} 1\n",
           "# TYPE provnet_record_versions gauge\n",
           "provnet_record_versions{node=\"31\"} 5\n",
           "provnet_link_connected{node=\"31\",peer=\"00\"} 1\n",
           "provnet_outbox_messages{node=\"31\"} 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "no line " << line << " in\n" << text;
  }
  // Every sample has the node label.
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_NE(line.find("{node=\"31\""), std::string::npos) << line;
  }
  // The daemon keeps one HttpApi, so its response counters reach /metrics.
  EXPECT_NE(text.find("provnet_http_responses_total{node=\"31\",status=\"200\"}"),
            std::string::npos)
      << "provnet_http_responses_total has no samples:\n"
      << text;
  HttpReply metrics44 = get(net, 44, "/metrics");
  EXPECT_NE(metrics44.body.find("provnet_inbox_entries{node=\"44\"} 5\n"), std::string::npos)
      << metrics44.body;
  EXPECT_NE(metrics44.body.find("provnet_messages_applied_total{node=\"44\"} "), std::string::npos);
  EXPECT_EQ(metrics44.body.find("provnet_messages_applied_total{node=\"44\"} 0\n"),
            std::string::npos);

  json status31 = get_json(net, 31, "/v1/status");
  EXPECT_EQ(status31["node"], "31");
  EXPECT_EQ(status31["role"], "province");
  EXPECT_EQ(status31["today"], today_text()) << status31.dump();  // the node's date, China time
  ASSERT_EQ(status31["links"].size(), 1u) << status31.dump();
  EXPECT_EQ(status31["links"][0]["peer"], "00");
  EXPECT_EQ(status31["links"][0]["connected"], true);
  EXPECT_EQ(status31["links"][0]["outbox"], 0);
  EXPECT_FALSE(status31["links"][0].contains("direct"));
  EXPECT_EQ(status31["pending"], (json{{"outbox", 0}, {"staged", 0}}));
  EXPECT_EQ(status31["counts"]["record_versions"], 5);
  EXPECT_EQ(status31["counts"]["inbox"], 0);
  EXPECT_EQ(status31["counts"]["held"], 0);
  EXPECT_TRUE(status31["directory"].is_null());  // this network publishes none
  json status44 = get_json(net, 44, "/v1/status");
  EXPECT_EQ(status44["counts"]["inbox"], 5);
  EXPECT_EQ(status44["counts"]["record_versions"], 5);
  json status00 = get_json(net, 0, "/v1/status");
  EXPECT_EQ(status00["node"], "00");
  EXPECT_EQ(status00["role"], "national");
  std::set<std::string> peers;
  for (const json& l : status00["links"]) {
    peers.insert(l["peer"]);
    EXPECT_EQ(l["connected"], true) << l.dump();
  }
  EXPECT_EQ(peers, (std::set<std::string>{"31", "44"}));
  EXPECT_EQ(status00["counts"]["record_versions"], 5);  // the national copy
}

// Every invalid input gets its documented error (docs/openapi.json), the
// valid items of a batch with invalid ones are accepted and arrive, and the
// node stays up after each.
TEST(Api, EveryInvalidInputGetsItsDocumentedErrorAndTheNodeStaysUp) {
  NodeNetwork net("api-invalid");
  // 44 has no holiday calendar: it cannot set a pregnancy query's due date.
  for (int code : {0, 31}) net.node(code).config.calendar_dir = kCalendarDir;
  net.write_configs();
  net.start_all();
  const domain::Date today = today_in_china();
  const auto records = generate_records(31, 44, 4, 0, 5601);
  const auto records44 = generate_records(44, 31, 2, 0, 5602);
  const int closed_year = today.month <= 3 ? today.year - 1 : today.year;
  const int closed_quarter = today.month <= 3 ? 4 : (today.month - 1) / 3;

  struct Case {
    std::string name;
    int node;
    http::verb method;
    std::string target;
    std::string body;
    std::string content_type;
    HttpHeaders headers;
    unsigned status;
    std::optional<std::string> field;  // problems[0].field
  };
  const std::string one_record = to_ndjson(std::vector{records[0]});
  const std::string one_notice = ndjson({check_notice("31-CN-9", records[0], 31, 44, today)});
  const HttpHeaders no_operator = {{"X-Operator-Id", std::nullopt}};
  const std::string month = fmt::format("year={}&month={}", today.year, today.month);
  std::vector<Case> cases;
  // A request without a body: method, target, expected status and field.
  auto bare = [&](std::string name, int node, http::verb method, std::string target,
                  unsigned status, std::optional<std::string> field = std::nullopt) {
    cases.push_back(Case{
        std::move(name), node, method, std::move(target), "", "", {}, status, std::move(field)});
  };
  // A POST with a body.
  auto with_body = [&](std::string name, int node, std::string target, std::string body,
                       std::string content_type, unsigned status,
                       std::optional<std::string> field = std::nullopt, HttpHeaders headers = {}) {
    cases.push_back(Case{std::move(name), node, http::verb::post, std::move(target),
                         std::move(body), std::move(content_type), std::move(headers), status,
                         std::move(field)});
  };
  const std::string closed =
      fmt::format("/v1/reports/quarterly?year={}&quarter={}", closed_year, closed_quarter);
  const auto kGet = http::verb::get;
  const auto kPost = http::verb::post;
  const auto kPut = http::verb::put;
  const auto kDelete = http::verb::delete_;

  // Every POST names its operator.
  with_body("records without X-Operator-Id", 31, "/v1/records", one_record, kNdjson, 400,
            "X-Operator-Id", no_operator);
  with_body("records with an empty X-Operator-Id", 31, "/v1/records", one_record, kNdjson, 400,
            "X-Operator-Id", HttpHeaders{{"X-Operator-Id", ""}});
  with_body("records with a 65-byte X-Operator-Id", 31, "/v1/records", one_record, kNdjson, 400,
            "X-Operator-Id", HttpHeaders{{"X-Operator-Id", std::string(65, 'o')}});
  with_body("notice without X-Operator-Id", 31, "/v1/check-notices", one_notice, kNdjson, 400,
            "X-Operator-Id", no_operator);
  with_body("answers without X-Operator-Id", 44, "/v1/answers", "{}", kJson, 400, "X-Operator-Id",
            no_operator);
  with_body("quarterly without X-Operator-Id", 31, closed, "", "", 400, "X-Operator-Id",
            no_operator);
  // Unreadable bodies.
  with_body("records: JSON that is not JSON", 31, "/v1/records", "{\"record_id\": ", kJson, 400);
  with_body("records: a JSON number", 31, "/v1/records", "42", kJson, 400);
  with_body("records: an empty JSON array", 31, "/v1/records", "[]", kJson, 400);
  with_body("records: an empty body", 31, "/v1/records", "", kNdjson, 400);
  with_body("records: a CSV header of unknown columns", 31, "/v1/records", "colour,size\nred,big\n",
            "text/csv", 400);
  with_body("notices: JSON that is not JSON", 31, "/v1/check-notices", "[{", kJson, 400);
  with_body("queries: a JSON string", 31, "/v1/queries", "\"q\"", kJson, 400);
  with_body("feedback: blank NDJSON", 44, "/v1/check-feedbacks", "\n \n", kNdjson, 400);
  // Content types not taken.
  with_body("records as text/plain", 31, "/v1/records", one_record, "text/plain", 415);
  with_body("records as XML", 31, "/v1/records", "<r/>", "application/xml", 415);
  with_body("notices as CSV", 31, "/v1/check-notices", "notice_id\n31-CN-1\n", "text/csv", 415);
  // Media types are case-insensitive: read as JSON (a number is 400), not 415.
  with_body("records: Application/JSON in capitals", 31, "/v1/records", "42",
            "Application/JSON; charset=UTF-8", 400);
  // Query parameters.
  bare("inbox: unknown parameter", 44, kGet, "/v1/inbox?afer=3", 400, "afer");
  bare("inbox: limit 0", 44, kGet, "/v1/inbox?limit=0", 400, "limit");
  bare("inbox: limit 10001", 44, kGet, "/v1/inbox?limit=10001", 400, "limit");
  bare("inbox: negative after", 44, kGet, "/v1/inbox?after=-1", 400, "after");
  bare("inbox: after not a number", 44, kGet, "/v1/inbox?after=ten", 400, "after");
  bare("inbox: unknown kind", 44, kGet, "/v1/inbox?kind=letter", 400, "kind");
  bare("inbox: content yes", 44, kGet, "/v1/inbox?content=yes", 400, "content");
  bare("queries: unknown parameter", 31, kGet, "/v1/queries?rol=asking", 400, "rol");
  bare("queries: unknown role", 31, kGet, "/v1/queries?role=both", 400, "role");
  bare("queries: unknown state", 31, kGet, "/v1/queries?state=late", 400, "state");
  bare("queries: limit too large", 31, kGet, "/v1/queries?limit=100001", 400, "limit");
  bare("quarterly: no quarter", 31, kGet, "/v1/reports/quarterly?year=2026", 400, "quarter");
  bare("quarterly: no year", 31, kGet, "/v1/reports/quarterly?quarter=1", 400, "year");
  bare("quarterly: year 1999", 31, kGet, "/v1/reports/quarterly?year=1999&quarter=1", 400, "year");
  bare("quarterly: quarter 5", 0, kGet, "/v1/reports/quarterly?year=2026&quarter=5", 400,
       "quarter");
  bare("quarterly POST: quarter Q3", 31, kPost, "/v1/reports/quarterly?year=2026&quarter=Q3", 400,
       "quarter");
  bare("quarterly: unknown parameter", 31, kGet,
       "/v1/reports/quarterly?year=2026&quarter=3&province=31", 400, "province");
  bare("monthly: month 13", 0, kGet, "/v1/reports/monthly?year=2026&month=13", 400, "month");
  bare("monthly: month 0", 0, kGet, "/v1/reports/monthly?year=2026&month=0", 400, "month");
  bare("monthly: year 2101", 0, kGet, "/v1/reports/monthly?year=2101&month=1", 400, "year");
  bare("monthly: no month", 0, kGet, "/v1/reports/monthly?year=2026", 400, "month");
  bare("monthly: format xml", 0, kGet, "/v1/reports/monthly?" + month + "&format=xml", 400,
       "format");
  bare("monthly: unknown parameter", 0, kGet, "/v1/reports/monthly?" + month + "&foo=1", 400,
       "foo");
  // Unknown paths.
  bare("unknown path", 31, kGet, "/v1/nothing", 404);
  bare("POST to the status page at the root", 31, kPost, "/", 405);
  bare("/v1 alone", 31, kGet, "/v1", 404);
  bare("/v2/status", 31, kGet, "/v2/status", 404);
  bare("status with a trailing segment", 31, kGet, "/v1/status/links", 404);
  bare("a feedback by id", 31, kGet, "/v1/check-feedbacks/31-CN-1", 404);
  bare("an answer by id", 31, kGet, "/v1/answers/31-Q-1", 404);
  bare("records below an id", 31, kGet, "/v1/records/31-1/versions", 404);
  // Wrong methods.
  bare("DELETE status", 31, kDelete, "/v1/status", 405);
  bare("POST healthz", 31, kPost, "/healthz", 405);
  bare("POST metrics", 31, kPost, "/metrics", 405);
  bare("GET records", 31, kGet, "/v1/records", 405);
  bare("PUT a record", 31, kPut, "/v1/records/31-1", 405);
  bare("POST inbox", 31, kPost, "/v1/inbox", 405);
  bare("PUT queries", 31, kPut, "/v1/queries", 405);
  bare("GET check-notices", 31, kGet, "/v1/check-notices", 405);
  bare("GET answers", 31, kGet, "/v1/answers", 405);
  with_body("POST a notice by id", 31, "/v1/check-notices/31-CN-1", one_notice, kNdjson, 405);
  bare("DELETE quarterly", 31, kDelete, "/v1/reports/quarterly?year=2026&quarter=3", 405);
  bare("POST monthly", 0, kPost, "/v1/reports/monthly?" + month, 405);
  // Asked of the wrong node.
  bare("monthly at a province", 31, kGet, "/v1/reports/monthly?" + month, 409);
  bare("quarterly POST at the national node", 0, kPost, closed, 409);
  // Nothing held under that id.
  bare("unknown record", 31, kGet, "/v1/records/31-unknown", 404);
  bare("unknown record at 00", 0, kGet, "/v1/records/44-unknown", 404);
  bare("unknown notice", 44, kGet, "/v1/check-notices/31-CN-404", 404);
  bare("unknown registration", 31, kGet, "/v1/birth-registrations/44-BR-404", 404);
  bare("unknown query", 31, kGet, "/v1/queries/31-Q-404", 404);

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpReply reply = send(net, c.node, c.method, c.target, c.body, c.content_type, c.headers);
    expect_error(reply, c.status, c.name, c.field);
    expect_alive(net, c.node, c.name);
  }

  // --- records: valid and invalid in one batch ---
  json bad_sex = domain::record_to_json(records[2]);
  bad_sex["sex"] = "5";
  json unknown_key = domain::record_to_json(records[3]);
  unknown_key["colour"] = "red";
  const std::string batch = domain::record_to_json(records[0]).dump() + "\n" + bad_sex.dump() +
                            "\n" + "{not json\n" + domain::record_to_json(records[1]).dump() +
                            "\n" + unknown_key.dump() + "\n";
  HttpReply mixed = post(net, 31, "/v1/records", batch);
  ASSERT_EQ(mixed.status, 422u) << mixed.describe();
  json result = parsed(mixed);
  EXPECT_EQ(result["accepted"], 2);
  EXPECT_EQ(result["unchanged"], 0);
  EXPECT_EQ(result["rejected"], 3);
  ASSERT_EQ(result["items"].size(), 5u);
  EXPECT_EQ(result["items"][0]["status"], "accepted");
  EXPECT_EQ(result["items"][1]["status"], "rejected");
  EXPECT_EQ(result["items"][1]["id"], records[2].record_id);
  EXPECT_EQ(result["items"][1]["line"], 2);
  bool sex_named = false;
  for (const json& e : result["items"][1]["errors"]) {
    if (e["field"] == "sex") {
      sex_named = true;
      EXPECT_EQ(e["wis_field"], "WISField002");
      EXPECT_NE(e["found"].get<std::string>().find('5'), std::string::npos) << e.dump();
    }
  }
  EXPECT_TRUE(sex_named) << result["items"][1].dump();
  EXPECT_FALSE(result["items"][1].contains("version"));
  EXPECT_EQ(result["items"][2]["status"], "rejected");  // the line that is not JSON
  EXPECT_EQ(result["items"][2]["line"], 3);
  EXPECT_EQ(result["items"][2]["errors"][0]["field"], "");
  EXPECT_EQ(result["items"][3]["status"], "accepted");
  EXPECT_EQ(result["items"][3]["version"], 1);
  EXPECT_EQ(result["items"][4]["status"], "rejected");
  EXPECT_NE(result["items"][4]["errors"][0]["message"].get<std::string>().find("colour"),
            std::string::npos);
  expect_alive(net, 31, "a mixed batch of records");
  // The two valid ones arrive at 44; the others are held nowhere.
  await_records(net, 44, {records[0].record_id, records[1].record_id});
  expect_error(get(net, 44, "/v1/records/" + records[2].record_id), 404, "rejected record at 44");
  expect_error(get(net, 31, "/v1/records/" + records[2].record_id), 404, "rejected record at 31");

  // Changes that are not allowed, and records that are not this node's.
  json created_again = domain::record_to_json(records[0]);
  created_again["change"] = "created";
  json unknown_change = domain::record_to_json(records[1]);
  unknown_change["change"] = "moved";
  json no_reason = domain::record_to_json(records[1]);
  no_reason["change"] = "corrected";
  json other_province = domain::record_to_json(records44[0]);
  HttpReply changes = post(net, 31, "/v1/records",
                           ndjson({created_again, unknown_change, no_reason, other_province}));
  ASSERT_EQ(changes.status, 422u) << changes.describe();
  json changes_result = parsed(changes);
  EXPECT_EQ(changes_result["rejected"], 4);
  EXPECT_EQ(changes_result["items"][0]["errors"][0]["field"], "change");
  EXPECT_EQ(changes_result["items"][1]["errors"][0]["field"], "change");
  // The problem names the request's key (the X-Change-Reason header is the
  // other way to give it).
  EXPECT_EQ(changes_result["items"][2]["errors"][0]["field"], "change_reason");
  EXPECT_EQ(changes_result["items"][3]["errors"][0]["field"], "reporting_province");
  // Records at the national node: it reports none of its own.
  HttpReply at00 = post(net, 0, "/v1/records", one_record);
  ASSERT_EQ(at00.status, 422u) << at00.describe();
  EXPECT_EQ(parsed(at00)["items"][0]["errors"][0]["field"], "reporting_province");
  expect_alive(net, 0, "records at the national node");

  // --- collaboration items: valid and invalid in one batch ---
  json missing_name = check_notice("31-CN-2", records[1], 31, 44, today);
  missing_name.erase("subject_name");
  json same_province = check_notice("31-CN-3", records[1], 31, 31, today);
  json not_ours = check_notice("44-CN-4", records[1], 44, 31, today);
  json wrong_prefix = check_notice("32-CN-5", records[1], 31, 44, today);
  json number_id = check_notice("31-CN-6", records[1], 31, 44, today);
  number_id["record_id"] = 316;
  json future = check_notice("31-CN-7", records[1], 31, 44, today.plus_days(2));
  HttpReply notices =
      post(net, 31, "/v1/check-notices",
           json::array({check_notice("31-CN-1", records[0], 31, 44, today), missing_name,
                        same_province, not_ours, wrong_prefix, number_id, future})
               .dump(),
           kJson);
  ASSERT_EQ(notices.status, 422u) << notices.describe();
  json notices_result = parsed(notices);
  EXPECT_EQ(notices_result["accepted"], 1);
  EXPECT_EQ(notices_result["rejected"], 6);
  const std::vector<std::pair<std::string, std::string>> notice_fields = {
      {"31-CN-1", ""},
      {"31-CN-2", "subject_name"},
      {"31-CN-3", "hukou_province"},
      {"44-CN-4", "residence_province"},
      {"32-CN-5", "notice_id"},
      {"31-CN-6", "record_id"},
      {"31-CN-7", "check_date"}};
  for (std::size_t i = 0; i < notice_fields.size(); ++i) {
    const json& item = notices_result["items"][i];
    EXPECT_EQ(item["line"], i + 1);
    EXPECT_EQ(item["id"], notice_fields[i].first);
    if (notice_fields[i].second.empty()) {
      EXPECT_EQ(item["status"], "accepted") << item.dump();
      continue;
    }
    EXPECT_EQ(item["status"], "rejected") << item.dump();
    std::set<std::string> fields;
    for (const json& e : item["errors"]) fields.insert(e["field"]);
    EXPECT_TRUE(fields.count(notice_fields[i].second))
        << notice_fields[i].first << " does not name " << notice_fields[i].second << ": "
        << item.dump();
  }
  expect_alive(net, 31, "a mixed batch of notices");
  // The valid notice arrives at 44; none of the others is held anywhere.
  await_entry(net, 44, "/v1/check-notices/31-CN-1",
              [](const json& e) { return e["state"] == "received"; });
  for (const char* id : {"31-CN-2", "31-CN-3", "31-CN-6", "31-CN-7"}) {
    expect_error(get(net, 31, std::string("/v1/check-notices/") + id), 404, id);
    expect_error(get(net, 44, std::string("/v1/check-notices/") + id), 404, id);
  }
  // The same id for a different notice.
  HttpReply reused = post(net, 31, "/v1/check-notices",
                          ndjson({check_notice("31-CN-1", records[1], 31, 44, today)}));
  ASSERT_EQ(reused.status, 422u) << reused.describe();
  EXPECT_EQ(parsed(reused)["items"][0]["errors"][0]["field"], "notice_id");

  // Queries: a due date from the client, an unknown kind; a pregnancy query
  // at a node without a holiday calendar (44), beside one that needs none.
  json with_due = query("31-Q-1", "no_certificate", records[0], 31, 44, today);
  with_due["due_date"] = today.plus_days(30).yyyymmdd();
  json bad_kind = query("31-Q-2", "urgent", records[0], 31, 44, today);
  HttpReply queries31 = post(net, 31, "/v1/queries", ndjson({with_due, bad_kind}));
  ASSERT_EQ(queries31.status, 422u) << queries31.describe();
  EXPECT_EQ(parsed(queries31)["items"][0]["errors"][0]["field"], "due_date");
  EXPECT_EQ(parsed(queries31)["items"][1]["errors"][0]["field"], "query_kind");
  HttpReply queries44 =
      post(net, 44, "/v1/queries",
           ndjson({query("44-Q-1", "pregnancy", records44[0], 44, 31, today),
                   query("44-Q-2", "no_certificate", records44[1], 44, 31, today)}));
  ASSERT_EQ(queries44.status, 422u) << queries44.describe();
  json q44 = parsed(queries44);
  EXPECT_EQ(q44["items"][0]["status"], "rejected");
  EXPECT_EQ(q44["items"][0]["errors"][0]["field"], "asked_date");
  EXPECT_EQ(q44["items"][1]["status"], "accepted");
  EXPECT_EQ(q44["items"][1]["due_date"], today.plus_days(30).yyyymmdd());
  expect_alive(net, 44, "queries without a calendar");
  await_entry(net, 31, "/v1/queries/44-Q-2", [](const json& e) { return e["state"] == "open"; });

  // Replies to what was never received, or sent by the wrong side.
  HttpReply stray = post(net, 44, "/v1/check-feedbacks",
                         ndjson({feedback("notice_id", "31-CN-404", 31, 44, today, "confirmed")}));
  ASSERT_EQ(stray.status, 422u) << stray.describe();
  EXPECT_EQ(parsed(stray)["items"][0]["errors"][0]["field"], "notice_id");
  HttpReply own_answer =
      post(net, 44, "/v1/answers", ndjson({answer("44-Q-2", 44, 31, today, "confirmed")}));
  ASSERT_EQ(own_answer.status, 422u) << own_answer.describe();
  EXPECT_EQ(parsed(own_answer)["items"][0]["errors"][0]["field"], "hukou_province");
  HttpReply bad_outcome =
      post(net, 31, "/v1/answers", ndjson({answer("44-Q-2", 44, 31, today, "maybe")}));
  ASSERT_EQ(bad_outcome.status, 422u) << bad_outcome.describe();
  EXPECT_EQ(parsed(bad_outcome)["items"][0]["errors"][0]["field"], "outcome");
  // The national node sends no collaboration items.
  HttpReply notice00 = post(net, 0, "/v1/check-notices", one_notice);
  ASSERT_EQ(notice00.status, 422u) << notice00.describe();
  EXPECT_EQ(parsed(notice00)["rejected"], 1);
  expect_alive(net, 0, "a notice at the national node");

  // The inbox cursor at the very end of its range.
  // after=UINT64_MAX must not wrap around to the start of the inbox.
  json end = get_json(net, 44, "/v1/inbox?after=18446744073709551615");
  EXPECT_TRUE(end["entries"].empty()) << end.dump().substr(0, 300);
  EXPECT_FALSE(end["more"].get<bool>());

  for (int code : {0, 31, 44}) expect_alive(net, code, "every invalid request");
}

}  // namespace
}  // namespace provnet::testing
