// SIGTERM: a node stops by itself with exit status 0, logging node.stopping
// then node.stopped as its last words; records it held when stopped (in its
// outbox, or queued at the national node for a stopped receiver) are
// delivered after the restart, exactly once.
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include <fmt/format.h>

#include "generated_records.hpp"
#include "node_network.hpp"

namespace provnet::testing {
namespace {

// Stops `code` with SIGTERM and checks how it went: exit status 0, and the
// log of this run ends with node.stopping (reason SIGTERM), then node.stopped.
void stop_and_check(NodeNetwork& net, int code) {
  SCOPED_TRACE("node " + code_text(code));
  const std::size_t stops_before = net.node(code).log.count("node.stopped");
  const ExitStatus status = net.terminate(code);
  EXPECT_TRUE(status.exited) << status.text();
  EXPECT_EQ(status.code, 0) << status.text();
  const auto events = net.node(code).log.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(field(events.back(), "event"), "node.stopped") << net.node(code).log.tail();
  EXPECT_EQ(net.node(code).log.count("node.stopped"), stops_before + 1);
  // The node.stopping of this run comes after its node.started and before
  // node.stopped.
  std::ptrdiff_t started = -1, stopping = -1;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string event = field(events[i], "event");
    if (event == "node.started") started = static_cast<std::ptrdiff_t>(i);
    if (event == "node.stopping") {
      stopping = static_cast<std::ptrdiff_t>(i);
      EXPECT_EQ(field(events[i], "reason"), "SIGTERM") << events[i].dump();
    }
  }
  EXPECT_GT(stopping, started) << net.node(code).log.tail();
  EXPECT_LT(stopping, static_cast<std::ptrdiff_t>(events.size()) - 1);
}

TEST(GracefulStop, SigtermExitsZeroLogsStoppingThenStoppedAndLosesNothing) {
  NodeNetwork net("sigterm");
  net.start_all();
  const auto records = generate_records(31, 44, 400, 50, 3107);
  std::set<std::string> expected;
  for (const auto& id : ids_concerning(records, 44)) expected.insert(id);

  // With the national node stopped, 31 takes the records and can only
  // keep them: they are in its outbox when it is stopped in turn.
  stop_and_check(net, 0);
  net.submit_ok(31, records);
  ASSERT_TRUE(wait_until([&] { return net.outbox_depth(31, 0).value_or(0) > 0; }))
      << net.diagnostics();
  stop_and_check(net, 31);
  stop_and_check(net, 44);

  // 31 and the national node come back: 31 resends its outbox, the national
  // node keeps what is for 44 (still stopped) and is stopped with it queued.
  net.start(0);
  net.start(31);
  ASSERT_TRUE(wait_until([&] {
    return net.outbox_depth(31, 0) == 0u && net.outbox_depth(0, 44).value_or(0) > 0;
  })) << net.diagnostics();
  stop_and_check(net, 0);

  // Everyone back: every record reaches 44, once.
  net.start(0);
  net.start(44);
  net.wait_linked(44);
  const auto inbox = net.wait_delivered(44, expected, {31});
  const ArrivalCheck check = check_arrivals(inbox, expected, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();
  for (int code : {0, 31, 44}) {
    EXPECT_EQ(net.node(code).log.count("store.failed"), 0u) << net.node(code).log.tail();
  }
}

}  // namespace
}  // namespace provnet::testing
