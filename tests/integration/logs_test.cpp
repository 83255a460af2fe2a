// The operator's log of a real provnode: its level read and changed through
// the admin API (and provctl log-level) while it runs, a debug event dropped
// before and written after; the file rotated at [log] max_size keeping
// [log] keep old files, read back in order by provctl logs; and the file
// reopened on SIGHUP after logrotate (here: the test) moved it.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "app/run_command.hpp"
#include "generated_records.hpp"
#include "node_network.hpp"

namespace provnet::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
namespace http = boost::beast::http;

const std::string kLogLevel = "/v1/admin/log-level";

HttpReply put_level(NodeNetwork& net, int code, const std::string& body,
                    const HttpHeaders& headers = {}) {
  return http_request(net.node(code).admin_port(), http::verb::put, kLogLevel, body,
                      "application/json", std::chrono::seconds(60), headers);
}

json get_level(NodeNetwork& net, int code) {
  HttpReply reply = http_request(net.node(code).admin_port(), http::verb::get, kLogLevel);
  if (reply.status != 200) net.fail("GET " + kLogLevel + ": " + reply.describe());
  return reply.json();
}

NetworkOptions one_province() {
  NetworkOptions options;
  options.provinces = {31};
  return options;
}

// Records from 31 to 44 (not running: they wait at the national node),
// until the national node has acknowledged their message to 31.
void send_records(NodeNetwork& net, std::uint64_t seed) {
  const std::size_t acknowledged = net.node(31).log.count("message.acknowledged");
  net.submit_ok(31, generate_records(31, 44, 3, 0, seed));
  if (!wait_until([&] {
        net.check_running();
        return net.node(31).log.count("message.acknowledged") > acknowledged;
      })) {
    net.fail("no message.acknowledged from 00 at 31");
  }
}

std::string api_option(NodeNetwork& net, int code) {
  return "--api http://127.0.0.1:" + std::to_string(net.node(code).admin_port());
}

TEST(Logs, TheLevelChangesWhileTheNodeRunsThroughTheAdminApiAndProvctl) {
  NodeNetwork net("log-level", one_province());
  net.start_all();
  TestNode& node = net.node(31);
  EXPECT_EQ(get_level(net, 31), (json{{"level", "info"}}));

  // At info, a message sent (a debug event) is not written.
  send_records(net, 6101);
  EXPECT_GE(node.log.count("message.queued"), 1u) << node.log.tail();
  EXPECT_EQ(node.log.count("message.sent"), 0u) << node.log.tail();

  // Refused: no operator, an unknown level, a body that is not the object.
  HttpReply anonymous =
      put_level(net, 31, R"({"level":"debug"})", {{"X-Operator-Id", std::nullopt}});
  EXPECT_EQ(anonymous.status, 400u) << anonymous.describe();
  EXPECT_EQ(anonymous.json()["problems"][0]["field"], "X-Operator-Id") << anonymous.body;
  HttpReply loud = put_level(net, 31, R"({"level":"loud"})");
  EXPECT_EQ(loud.status, 400u) << loud.describe();
  EXPECT_EQ(loud.json()["problems"][0]["field"], "level") << loud.body;
  EXPECT_NE(
      loud.json()["error"].get<std::string>().find("expected one of debug, info, warn, error"),
      std::string::npos)
      << loud.body;
  HttpReply text = put_level(net, 31, "debug", {});
  EXPECT_EQ(text.status, 400u) << text.describe();
  HttpReply post = http_request(node.admin_port(), http::verb::post, kLogLevel, "{}");
  EXPECT_EQ(post.status, 405u) << post.describe();
  EXPECT_EQ(get_level(net, 31), (json{{"level", "info"}}));
  EXPECT_EQ(node.log.count("log.level_changed"), 0u);

  HttpReply changed = put_level(net, 31, R"({"level":"debug"})", {{"X-Operator-Id", "op-42"}});
  ASSERT_EQ(changed.status, 200u) << changed.describe();
  EXPECT_EQ(changed.json(), (json{{"level", "debug"}, {"previous", "info"}}));
  EXPECT_EQ(get_level(net, 31), (json{{"level", "debug"}}));
  const auto change = node.log.named("log.level_changed");
  ASSERT_EQ(change.size(), 1u) << node.log.tail();
  EXPECT_EQ(field(change[0], "old_level"), "info");
  EXPECT_EQ(field(change[0], "new_level"), "debug");
  EXPECT_EQ(field(change[0], "operator_id"), "op-42");
  EXPECT_EQ(field(change[0], "level"), "info");

  // Now the debug event is written.
  send_records(net, 6102);
  EXPECT_GE(node.log.count("message.sent", [](const json& e) { return field(e, "peer") == "00"; }),
            1u)
      << node.log.tail();
  // The other node kept its own level.
  EXPECT_EQ(get_level(net, 0), (json{{"level", "info"}}));

  // provctl log-level: prints the level, and changes it with an operator.
  auto shown = run_command(bin("provctl") + " log-level " + api_option(net, 31) + " 2>&1");
  EXPECT_EQ(shown.status, 0) << shown.out;
  EXPECT_EQ(shown.out, "debug\n");
  auto without_operator = run_command("env -u PROVNET_OPERATOR " + bin("provctl") +
                                      " log-level warn " + api_option(net, 31) + " 2>&1");
  EXPECT_EQ(without_operator.status, 2) << without_operator.out;
  EXPECT_NE(without_operator.out.find("--operator"), std::string::npos) << without_operator.out;
  auto unknown = run_command(bin("provctl") + " log-level verbose --operator op-1 " +
                             api_option(net, 31) + " 2>&1");
  EXPECT_EQ(unknown.status, 1) << unknown.out;
  EXPECT_NE(unknown.out.find("HTTP 400"), std::string::npos) << unknown.out;
  auto set = run_command(bin("provctl") + " log-level warn --operator op-43 " +
                         api_option(net, 31) + " 2>&1");
  EXPECT_EQ(set.status, 0) << set.out;
  EXPECT_EQ(set.out, "log level warn (was debug)\n");
  EXPECT_EQ(get_level(net, 31), (json{{"level", "warn"}}));
  EXPECT_EQ(node.log.count("log.level_changed",
                           [](const json& e) { return field(e, "operator_id") == "op-43"; }),
            1u)
      << node.log.tail();
}

TEST(Logs, TheFileRotatesAtMaxSizeKeepingKeepFilesAndIsReopenedOnSighup) {
  NodeNetwork net("log-rotate", one_province());
  TestNode& node = net.node(31);
  node.config.log_max_size = 4096;
  node.config.log_keep = 2;
  net.write_configs();
  net.start_all();
  const std::string path = node.config.log_file;

  // Each change of level writes one line (~150 bytes): 120 of them fill the
  // file several times over.
  constexpr int kChanges = 120;
  for (int i = 0; i < kChanges; ++i) {
    HttpReply r = put_level(net, 31, i % 2 == 0 ? R"({"level":"debug"})" : R"({"level":"info"})",
                            {{"X-Operator-Id", "op-" + std::to_string(i)}});
    ASSERT_EQ(r.status, 200u) << r.describe();
  }
  EXPECT_TRUE(fs::exists(path + ".1"));
  EXPECT_TRUE(fs::exists(path + ".2"));
  EXPECT_FALSE(fs::exists(path + ".3")) << "keep = 2";
  for (const std::string& file : {path, path + ".1", path + ".2"}) {
    EXPECT_LE(fs::file_size(file), 4096u) << file;
  }

  // provctl logs reads path.2, path.1, then path: the changes that are
  // still kept, in the order they were made, ending with the last.
  auto read = run_command(bin("provctl") + " logs " + path + " --event log.level_changed");
  ASSERT_EQ(read.status, 0) << read.out;
  std::vector<int> operators;
  std::istringstream lines(read.out);
  for (std::string line; std::getline(lines, line);) {
    operators.push_back(std::stoi(field(json::parse(line), "operator_id").substr(3)));
  }
  ASSERT_FALSE(operators.empty());
  EXPECT_EQ(operators.back(), kChanges - 1);
  EXPECT_GT(operators.front(), 0) << "the oldest lines should have gone with path.3";
  for (std::size_t i = 1; i < operators.size(); ++i) {
    EXPECT_EQ(operators[i], operators[i - 1] + 1) << read.out;
  }

  // logrotate moves the file, then its postrotate sends SIGHUP.
  const std::string moved = path + ".logrotated";
  fs::rename(path, moved);
  node.process.signal(SIGHUP);
  if (!wait_until([&] {
        net.check_running();
        return node.log.count("log.reopened") > 0;  // node.log reads `path`
      })) {
    net.fail("no log.reopened in a new " + path + " after SIGHUP");
  }
  EXPECT_EQ(field(node.log.named("log.reopened")[0], "reason"), "SIGHUP");
  ASSERT_EQ(put_level(net, 31, R"({"level":"warn"})", {{"X-Operator-Id", "op-after"}}).status,
            200u);
  EXPECT_EQ(node.log.count("log.level_changed",
                           [](const json& e) { return field(e, "operator_id") == "op-after"; }),
            1u)
      << node.log.tail();
  NodeLogFile old_file(moved);
  EXPECT_EQ(old_file.count("log.reopened"), 0u);
  EXPECT_EQ(old_file.count("log.level_changed",
                           [](const json& e) { return field(e, "operator_id") == "op-after"; }),
            0u);
  EXPECT_GE(old_file.count("log.level_changed"), 1u);
  net.check_running();
}

}  // namespace
}  // namespace provnet::testing
