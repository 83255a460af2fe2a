// provctl's commands over the HTTP API, run as the real binary against a
// stand-in node (an AdminServer with a handler of the test's): what each
// sends, how it prints the answer, and its exit status.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>

#include "admin/http_client.hpp"
#include "app/run_command.hpp"
#include "support/admin_server_thread.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

using json = nlohmann::ordered_json;  // answers in the order a node gives them
using testing::AdminServerThread;
using testing::bin;
using testing::RecordedRequests;
using testing::run_command;
using testing::TempDir;

admin::HttpResponse json_answer(unsigned status, const json& body) {
  return admin::HttpResponse{status, "application/json", body.dump()};
}

std::string header(const admin::HttpRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// provctl with a clean environment (no PROVNET_* of the machine's), stderr
// folded into the output.
testing::CommandResult provctl(const std::string& args, const std::string& env = "") {
  return run_command("env -u PROVNET_API -u PROVNET_OPERATOR " + env + " " + bin("provctl") + " " +
                     args + " 2>&1");
}

std::string api(const AdminServerThread& server) {
  return "--api http://127.0.0.1:" + std::to_string(server.port());
}

TEST(ProvctlApi, StatusPrintsASummaryOrTheRawJson) {
  const json status = {
      {"node", "44"},
      {"role", "province"},
      {"links",
       {{{"peer", "00"}, {"connected", true}, {"outbox", 0}},
        {{"peer", "43"},
         {"connected", false},
         {"outbox", 12},
         {"direct", true},
         {"fallback", true}}}},
      {"pending", {{"outbox", 3}, {"staged", 1}}},
      {"counts", {{"record_versions", 1200}, {"inbox", 35}, {"evidence", 0}}},
      {"directory",
       {{"version", 7}, {"valid_until_ms", 1'790'000'000'000}, {"nodes", 33}, {"revocations", 0}}}};
  RecordedRequests seen;
  AdminServerThread server([&](const admin::HttpRequest& r) {
    seen.add(r);
    return json_answer(200, status);
  });
  auto r = provctl("status " + api(server) + " --operator op-1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("node 44 (province)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("links (2, 1 connected)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("direct, now via 00"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pending: outbox 3, staged 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("counts: record_versions 1200, inbox 35, evidence 0"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("valid until 2026-"), std::string::npos) << r.out;
  auto requests = seen.all();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/v1/status");
  EXPECT_EQ(header(requests[0], "x-operator-id"), "op-1");

  // --json, and the address from PROVNET_API.
  auto raw =
      provctl("status --json", "PROVNET_API=http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_EQ(raw.status, 0) << raw.out;
  EXPECT_EQ(json::parse(raw.out), status);
}

TEST(ProvctlApi, SubmitSendsTheFileWithItsHeadersAndListsTheRejected) {
  TempDir dir("submit");
  const std::string csv = dir.sub("batch.csv");
  std::ofstream(csv) << "record_id,name\n44-1,x\n44-2,y\n";
  RecordedRequests seen;
  std::atomic<unsigned> answer_status = 422;  // set here, read on the server's thread
  AdminServerThread server([&](const admin::HttpRequest& r) {
    seen.add(r);
    if (answer_status == 503) return json_answer(503, {{"error", "the store failed: disk full"}});
    json items = {{{"line", 1}, {"id", "44-1"}, {"status", "accepted"}, {"version", 1}}};
    if (answer_status == 422) {
      items.push_back({{"line", 2},
                       {"id", "44-2"},
                       {"status", "rejected"},
                       {"errors",
                        {{{"field", "id_number"},
                          {"wis_field", "011"},
                          {"found", "18 characters"},
                          {"expected", "a check character of X"},
                          {"message", "the check character is wrong"}}}}});
    }
    return json_answer(answer_status, {{"accepted", 1},
                                       {"unchanged", 0},
                                       {"rejected", answer_status == 422 ? 1 : 0},
                                       {"items", items}});
  });

  auto some = provctl("submit records " + csv + " " + api(server) +
                      " --operator op-7 --reason 'address corrected' --change correction");
  EXPECT_EQ(some.status, 1) << some.out;
  EXPECT_NE(some.out.find("accepted 1, unchanged 0, rejected 1"), std::string::npos) << some.out;
  EXPECT_NE(some.out.find("line 2, id 44-2: rejected"), std::string::npos) << some.out;
  EXPECT_NE(some.out.find("- id_number (WIS 011): the check character is wrong"), std::string::npos)
      << some.out;
  auto requests = seen.all();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v1/records");
  EXPECT_EQ(requests[0].content_type, "text/csv");
  EXPECT_EQ(requests[0].body, "record_id,name\n44-1,x\n44-2,y\n");
  EXPECT_EQ(header(requests[0], "x-operator-id"), "op-7");
  EXPECT_EQ(header(requests[0], "x-change-reason"), "address corrected");
  EXPECT_EQ(header(requests[0], "x-change-kind"), "correction");

  // Everything accepted, the operator from the environment; NDJSON and JSON
  // by extension, to the endpoint of the kind.
  answer_status = 200;
  const std::string ndjson = dir.sub("notices.ndjson");
  std::ofstream(ndjson) << "{}\n";
  auto all = provctl("submit check-notices " + ndjson + " " + api(server), "PROVNET_OPERATOR=op-8");
  EXPECT_EQ(all.status, 0) << all.out;
  const std::string array = dir.sub("answers.json");
  std::ofstream(array) << "[]";
  EXPECT_EQ(provctl("submit answers " + array + " --operator o " + api(server)).status, 0);
  requests = seen.all();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].target, "/v1/check-notices");
  EXPECT_EQ(requests[1].content_type, "application/x-ndjson");
  EXPECT_EQ(header(requests[1], "x-operator-id"), "op-8");
  EXPECT_EQ(requests[2].target, "/v1/answers");
  EXPECT_EQ(requests[2].content_type, "application/json");

  // The store failed: nothing was taken, exit 2 with the node's reason.
  answer_status = 503;
  auto failed = provctl("submit records " + csv + " --operator o " + api(server));
  EXPECT_EQ(failed.status, 2) << failed.out;
  EXPECT_NE(failed.out.find("HTTP 503: the store failed: disk full"), std::string::npos)
      << failed.out;

  // Usage errors send nothing.
  const auto before = seen.all().size();
  EXPECT_EQ(provctl("submit records " + csv + " " + api(server)).status, 2);  // no operator
  EXPECT_EQ(provctl("submit check-notices " + csv + " --operator o " + api(server)).status, 2);
  EXPECT_EQ(provctl("submit answers " + array + " --operator o --change correction " + api(server))
                .status,
            2);
  EXPECT_EQ(
      provctl("submit records " + dir.sub("batch.txt") + " --operator o " + api(server)).status, 2);
  EXPECT_EQ(
      provctl("submit records " + dir.sub("missing.csv") + " --operator o " + api(server)).status,
      2);
  EXPECT_EQ(provctl("submit notices " + ndjson + " --operator o " + api(server)).status, 2);
  EXPECT_EQ(seen.all().size(), before);
}

TEST(ProvctlApi, InboxPagesIntoAFileAndKeepsItsCursor) {
  TempDir dir("inbox");
  RecordedRequests seen;
  AdminServerThread server([&](const admin::HttpRequest& r) {
    seen.add(r);
    // ?kind=record&after=N&limit=M over entries 1..25
    auto number = [&](const std::string& key) {
      auto at = r.target.find(key + "=");
      return std::stoull(r.target.substr(at + key.size() + 1));
    };
    std::uint64_t after = number("after"), limit = number("limit");
    json entries = json::array();
    for (std::uint64_t s = after + 1; s <= 25 && entries.size() < limit; ++s) {
      entries.push_back({{"seq", s}, {"kind", "record"}, {"id", "31-" + std::to_string(s)}});
    }
    std::uint64_t next = entries.empty() ? after : entries.back()["seq"].get<std::uint64_t>();
    return json_answer(200, {{"entries", entries}, {"next_after", next}, {"more", next < 25}});
  });
  const std::string out = dir.sub("inbox.ndjson"), cursor = dir.sub("inbox.cursor");
  auto r = provctl("inbox --kind record --limit 10 --cursor-file " + cursor + " --out " + out +
                   " " + api(server));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("25 entries in 3 pages; cursor 25"), std::string::npos) << r.out;
  std::ifstream in(out);
  std::string line;
  std::uint64_t expected = 1;
  while (std::getline(in, line)) EXPECT_EQ(json::parse(line)["seq"], expected++);
  EXPECT_EQ(expected, 26u);
  auto requests = seen.all();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target, "/v1/inbox?kind=record&after=0&limit=10");
  EXPECT_EQ(requests[2].target, "/v1/inbox?kind=record&after=20&limit=10");

  // Again: from the cursor, nothing new.
  auto again =
      provctl("inbox --kind record --cursor-file " + cursor + " --out " + out + " " + api(server));
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("0 entries in 1 page; cursor 25"), std::string::npos) << again.out;
  EXPECT_EQ(seen.all().back().target, "/v1/inbox?kind=record&after=25&limit=1000");
}

TEST(ProvctlApi, ErrorsOfTheNodeExit1AndNoConnectionExits2) {
  RecordedRequests seen;
  AdminServerThread server([&](const admin::HttpRequest& r) {
    seen.add(r);
    if (r.target.starts_with("/v1/records/")) {
      return json_answer(404, {{"error", "no record 44-2026/1"},
                               {"problems",
                                {{{"field", "record_id"},
                                  {"wis_field", nullptr},
                                  {"found", "44-2026/1"},
                                  {"expected", "a record this node holds"},
                                  {"message", "unknown record id"}}}}});
    }
    return json_answer(400, {{"error", "year: expected 2000 to 2100"}});
  });
  auto missing = provctl("record 44-2026/1 " + api(server));
  EXPECT_EQ(missing.status, 1) << missing.out;
  EXPECT_NE(missing.out.find("HTTP 404: no record 44-2026/1"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("- record_id: unknown record id"), std::string::npos) << missing.out;
  EXPECT_EQ(seen.all().back().target, "/v1/records/44-2026%2F1");

  EXPECT_EQ(provctl("reports monthly --year 2026 --month 3 " + api(server)).status, 1);

  // Nobody listening, a URL that is not one, TLS options for plain HTTP.
  std::uint16_t closed = 0;
  {
    AdminServerThread gone([](const admin::HttpRequest&) { return admin::HttpResponse{}; });
    closed = gone.port();
  }
  auto down = provctl("status --api http://127.0.0.1:" + std::to_string(closed));
  EXPECT_EQ(down.status, 2) << down.out;
  EXPECT_NE(down.out.find("no response"), std::string::npos) << down.out;
  EXPECT_EQ(provctl("status --api ftp://127.0.0.1:1").status, 2);
  EXPECT_EQ(provctl("status " + api(server) + " --ca " + bin("provctl")).status, 2);
  EXPECT_EQ(provctl("reports quarterly --year 2026 --quarter 5 " + api(server)).status, 2);
}

TEST(ProvctlApi, QueriesAndReportsAskWhatTheyShould) {
  RecordedRequests seen;
  AdminServerThread server([&](const admin::HttpRequest& r) {
    seen.add(r);
    if (r.target.starts_with("/v1/queries")) {
      return json_answer(200, {{"queries",
                                {{{"query_id", "31:9"},
                                  {"query_kind", "identity"},
                                  {"asking", "31"},
                                  {"answering", "44"},
                                  {"asked_date", "20260301"},
                                  {"due_date", "20260310"},
                                  {"state", "overdue"}},
                                 {{"query_id", "32:4"},
                                  {"query_kind", "residence"},
                                  {"asking", "32"},
                                  {"answering", "44"},
                                  {"asked_date", "20260305"},
                                  {"due_date", "20260315"},
                                  {"state", "answered"},
                                  {"answered_date", "20260306"}}}}});
    }
    if (r.target.find("format=csv") != std::string::npos) {
      return admin::HttpResponse{200, "text/csv", "province,inflow\n44,12\n"};
    }
    return json_answer(200, {{"year", 2026}, {"quarter", 3}, {"sections", {{"inflow", 12}}}});
  });
  auto q = provctl("queries --role answering --state overdue " + api(server));
  ASSERT_EQ(q.status, 0) << q.out;
  EXPECT_LT(q.out.find("31:9"), q.out.find("32:4")) << q.out;  // the node's order
  EXPECT_NE(q.out.find("20260310"), std::string::npos) << q.out;
  EXPECT_EQ(seen.all().back().target, "/v1/queries?role=answering&state=overdue");

  auto quarterly = provctl("reports quarterly --year 2026 --quarter 3 " + api(server));
  ASSERT_EQ(quarterly.status, 0) << quarterly.out;
  EXPECT_NE(quarterly.out.find("inflow: 12"), std::string::npos) << quarterly.out;
  EXPECT_EQ(seen.all().back().method, "GET");
  EXPECT_EQ(seen.all().back().target, "/v1/reports/quarterly?year=2026&quarter=3");

  const auto before = seen.all().size();
  EXPECT_EQ(provctl("reports quarterly --year 2026 --quarter 3 --submit " + api(server)).status,
            2);  // a POST needs --operator
  EXPECT_EQ(seen.all().size(), before);
  auto submitted =
      provctl("reports quarterly --year 2026 --quarter 3 --submit --operator op " + api(server));
  ASSERT_EQ(submitted.status, 0) << submitted.out;
  EXPECT_EQ(seen.all().back().method, "POST");
  EXPECT_EQ(header(seen.all().back(), "x-operator-id"), "op");

  auto monthly = provctl("reports monthly --year 2026 --month 3 --csv " + api(server));
  ASSERT_EQ(monthly.status, 0) << monthly.out;
  EXPECT_EQ(monthly.out, "province,inflow\n44,12\n");
  EXPECT_EQ(seen.all().back().target, "/v1/reports/monthly?year=2026&month=3&format=csv");
}

TEST(HttpClient, UrlsAndPercentEncoding) {
  auto plain = admin::parse_http_url("http://127.0.0.1:18044");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 18044);
  EXPECT_FALSE(plain->https);
  EXPECT_EQ(plain->base_path, "");
  auto tls = admin::parse_http_url("https://node44.example/provnet/");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->https);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->base_path, "/provnet");
  EXPECT_EQ(tls->text(), "https://node44.example:443/provnet");
  auto v6 = admin::parse_http_url("https://[::1]:8443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8443);
  for (const char* bad : {"127.0.0.1:18000", "ftp://x", "http://", "http://host:0",
                          "http://host:99999", "http://host:80?x=1", "http://[::1"}) {
    EXPECT_FALSE(admin::parse_http_url(bad)) << bad;
  }
  EXPECT_EQ(admin::percent_encode("44-2026.a_b~"), "44-2026.a_b~");
  EXPECT_EQ(admin::percent_encode("44/1 x?&"), "44%2F1%20x%3F%26");
}

}  // namespace
}  // namespace provnet
