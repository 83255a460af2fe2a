// The status page (GET /status) in a real browser: headless Chromium loads
// it from a running provnode, runs its script (which fetches /v1/status from
// the same origin) and dumps the DOM it rendered; the test checks that DOM
// against what /v1/status says. Chromium is Debian's `chromium` package,
// which scripts/install-deps installs; without it the test fails (it never
// passes by skipping).
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "app/run_command.hpp"
#include "generated_records.hpp"
#include "node_network.hpp"

namespace provnet::testing {
namespace {

std::string chromium_binary() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

// One rendered peer row: its data- attributes and its text.
struct RenderedLink {
  std::map<std::string, std::string> data;  // "peer" -> "44", "connected" -> "false", ...
  std::string html;
};

std::map<std::string, RenderedLink> rendered_links(const std::string& dom) {
  std::map<std::string, RenderedLink> out;
  static const std::regex row(R"(<tr\b([^>]*\bclass="link"[^>]*)>([\s\S]*?)</tr>)");
  static const std::regex attribute(R"re(\bdata-([a-z]+)="([^"]*)")re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), row), end; it != end; ++it) {
    RenderedLink link;
    const std::string attributes = (*it)[1];
    link.html = (*it)[2];
    for (std::sregex_iterator a(attributes.begin(), attributes.end(), attribute); a != end; ++a) {
      link.data[(*a)[1]] = (*a)[2];
    }
    out[link.data["peer"]] = link;
  }
  return out;
}

// The status page as Chromium renders it after running its script for up
// to five seconds of virtual time.
std::string dump_dom(const std::string& chromium, const std::string& profile_dir,
                     std::uint16_t port, const std::string& stderr_path) {
  const std::string command = fmt::format(
      "timeout 120 '{}' --headless --no-sandbox --disable-gpu --no-first-run "
      "--user-data-dir='{}' --virtual-time-budget=5000 --dump-dom "
      "http://127.0.0.1:{}/status 2>'{}'",
      chromium, profile_dir, port, stderr_path);
  CommandResult r = run_command(command);
  if (r.status != 0) {
    throw std::runtime_error(fmt::format("chromium exited with {}: {}\n{}", r.status, command,
                                         file_tail(stderr_path, 30)));
  }
  return r.out;
}

TEST(StatusPage, HeadlessChromiumShowsPeersWithLinkStateAndOutboxDepthAsStatusReportsThem) {
  const std::string chromium = chromium_binary();
  ASSERT_FALSE(chromium.empty())
      << "chromium is not installed (no /usr/bin/chromium): this test renders the status page "
         "in headless Chromium; run scripts/install-deps (CI installs it)";

  // 31 and 44 form a group: 31 reaches 44 directly. A fallback far away
  // keeps what waits for 44 on the direct link while 44 is down.
  NetworkOptions options;
  options.directory = true;
  options.groups = {DirectoryGroupEntry{"g", "test group", {31, 44}, "full"}};
  NodeNetwork net("status-page", options);
  net.node(31).config.direct_fallback_s = 3600;
  net.write_configs();
  net.start_all();
  if (!wait_until([&] { return net.link_connected(31, 44); })) {
    net.fail("the direct link 31 - 44 did not come up");
  }

  // 44 stops; what 31 reports for it waits in 31's outbox for 44.
  EXPECT_EQ(net.terminate(44).code, 0);
  if (!wait_until([&] { return !net.link_connected(31, 44); })) {
    net.fail("31 still sees 44 connected after 44 stopped");
  }
  const auto records = generate_records(31, 44, 30, 0, 7301);
  net.submit_ok(31, records);
  bool settled = wait_until([&] {
    auto to_44 = net.outbox_depth(31, 44);
    return to_44 && *to_44 > 0 && net.outbox_depth(31, 0) == 0u;
  });
  if (!settled) net.fail("31's outbox did not settle: something for 44, nothing for 00");

  const nlohmann::json before = net.status(31);
  const std::string profile = (net.dir().path() / "chromium-profile").string();
  const std::string chromium_log = (net.dir().path() / "chromium.stderr").string();
  const std::string dom = dump_dom(chromium, profile, net.node(31).admin_port(), chromium_log);
  const nlohmann::json after = net.status(31);
  ASSERT_EQ(before.at("links"), after.at("links")) << "the links changed while Chromium ran";
  const nlohmann::json& status = after;

  ASSERT_NE(dom.find("data-loaded=\"true\""), std::string::npos)
      << "the page's script did not render /v1/status:\n"
      << dom.substr(0, 3000) << "\n"
      << file_tail(chromium_log, 30);
  EXPECT_NE(dom.find("<span id=\"node\">31</span>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("(province)"), std::string::npos) << dom;

  // Every link of /v1/status, and nothing else, with its state and depth.
  const auto links = rendered_links(dom);
  ASSERT_EQ(links.size(), status.at("links").size()) << dom;
  bool one_up = false, one_down_with_outbox = false;
  for (const auto& l : status.at("links")) {
    const std::string peer = l.at("peer");
    SCOPED_TRACE("peer " + peer);
    auto it = links.find(peer);
    ASSERT_NE(it, links.end()) << dom;
    const RenderedLink& shown = it->second;
    const bool connected = l.at("connected").get<bool>();
    const std::string outbox = std::to_string(l.at("outbox").get<std::uint64_t>());
    EXPECT_EQ(shown.data.at("connected"), connected ? "true" : "false");
    EXPECT_EQ(shown.data.at("outbox"), outbox);
    EXPECT_NE(shown.html.find(connected ? ">connected<" : ">down<"), std::string::npos)
        << shown.html;
    EXPECT_NE(shown.html.find(">" + outbox + "<"), std::string::npos) << shown.html;
    if (l.value("direct", false)) {
      const bool fallback = l.at("fallback").get<bool>();
      ASSERT_TRUE(shown.data.count("route")) << shown.html;
      EXPECT_EQ(shown.data.at("route"), fallback ? "fallback" : "direct");
      EXPECT_NE(shown.html.find(fallback ? ">fallback (via 00)<" : ">direct<"), std::string::npos)
          << shown.html;
    }
    one_up = one_up || connected;
    one_down_with_outbox = one_down_with_outbox || (!connected && outbox != "0");
  }
  EXPECT_TRUE(one_up && one_down_with_outbox) << status.dump(2);
  EXPECT_EQ(links.at("00").data.at("connected"), "true");
  EXPECT_EQ(links.at("44").data.at("connected"), "false");
  EXPECT_EQ(links.at("44").data.at("outbox"), std::to_string(*net.outbox_depth(31, 44)));

  // The directory 31 holds, its overdue queries, its warnings, its audit.
  ASSERT_TRUE(status.at("directory").is_object()) << status.dump(2);
  EXPECT_TRUE(std::regex_search(
      dom, std::regex(fmt::format(R"(<th>version</th><td>{}</td>)",
                                  status.at("directory").at("version").get<std::uint64_t>()))))
      << dom;
  EXPECT_NE(dom.find("<th>valid until</th>"), std::string::npos) << dom;
  for (const char* role : {"answering", "asking"}) {
    EXPECT_NE(dom.find(fmt::format("id=\"overdue-{}\" data-count=\"{}\"", role,
                                   status.at("overdue_queries").at(role).at("count").get<int>())),
              std::string::npos)
        << dom;
  }
  const auto& warnings = status.at("warnings");
  if (warnings.empty()) {
    EXPECT_NE(dom.find(">none<"), std::string::npos) << dom;
  }
  for (const auto& w : warnings) {
    EXPECT_NE(dom.find("data-event=\"" + w.at("event").get<std::string>() + "\""),
              std::string::npos)
        << w.dump() << "\n"
        << dom;
  }
  if (status.contains("audit") && status.at("audit").is_object()) {
    for (const auto& [key, value] : status.at("audit").items()) {
      EXPECT_NE(dom.find("data-key=\"" + key + "\""), std::string::npos) << key << "\n" << dom;
    }
  } else {
    EXPECT_NE(dom.find("id=\"audit-unavailable\""), std::string::npos) << dom;
    EXPECT_NE(dom.find("not available"), std::string::npos) << dom;
  }
}

// The page itself: served at /status and at /, HTML, loading nothing from
// elsewhere.
TEST(StatusPage, IsServedAtStatusAndRootAsSelfContainedHtml) {
  NetworkOptions options;
  options.provinces = {31};
  NodeNetwork net("status-page-html", options);
  net.start_all();
  for (const char* target : {"/status", "/"}) {
    HttpReply reply = http_get(net.node(31).admin_port(), target);
    ASSERT_EQ(reply.status, 200u) << target << ": " << reply.describe();
    EXPECT_NE(reply.body.find("<!DOCTYPE html>"), std::string::npos) << target;
    EXPECT_NE(reply.body.find("fetch(\"/v1/status\""), std::string::npos) << target;
    EXPECT_EQ(reply.body.find("http://"), std::string::npos) << target;
    EXPECT_EQ(reply.body.find("https://"), std::string::npos) << target;
    EXPECT_EQ(reply.body.find("src="), std::string::npos) << target;
  }
  HttpReply post = http_post(net.node(31).admin_port(), "/status", "x");
  EXPECT_EQ(post.status, 405u) << post.describe();
}

}  // namespace
}  // namespace provnet::testing
