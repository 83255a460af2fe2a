// A peer with a valid certificate that sends garbage after the handshake:
// random bytes, a truncated frame, a frame announcing 4 GiB, a frame whose
// body is not a Cap'n Proto message. Hundreds of such sessions: each is
// closed and logged, the national node keeps relaying 31 -> 44 meanwhile,
// and its resident memory stays flat.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "generated_records.hpp"
#include "node_network.hpp"
#include "process_memory.hpp"
#include "test_seed.hpp"
#include "tls_test_client.hpp"

namespace provnet::testing {
namespace {

enum class Attack { random_bytes, truncated_frame, huge_frame, garbage_message };

const char* attack_name(Attack a) {
  switch (a) {
    case Attack::random_bytes:
      return "random bytes";
    case Attack::truncated_frame:
      return "truncated frame";
    case Attack::huge_frame:
      return "frame announcing 4 GiB";
    case Attack::garbage_message:
      return "8 bytes that are no Cap'n Proto message";
  }
  return "?";
}

std::string header(std::uint32_t length) {
  return {static_cast<char>(length >> 24), static_cast<char>(length >> 16),
          static_cast<char>(length >> 8), static_cast<char>(length)};
}

// Hostile sessions against the national node as node 45 (a configured
// peer no process runs), one at a time: the attack, then the national node
// must end the session and log why. Reads the national log incrementally.
class Attacker {
 public:
  Attacker(NodeNetwork& net, std::uint64_t seed) : net_(net), rng_(seed) {
    const NodeFiles n45 = net.credentials(45);
    identity_ = {n45.certificate_path, n45.key_path, net.pki().ca_certificate_path()};
    net.node(0).log.events_after(log_offset_);  // skip what came before
  }

  // Event name ("frame.refused", "link.closed" ...) -> how often the hostile
  // sessions logged it.
  std::map<std::string, int> seen;

  void attack(Attack kind) {
    TlsTestClient client(identity_);
    const std::string handshake = client.connect(net_.national_port());
    if (!handshake.empty()) net_.fail(fmt::format("{}: {}", attack_name(kind), handshake));
    switch (kind) {
      case Attack::random_bytes: {
        std::string bytes(std::uniform_int_distribution<int>(1, 200)(rng_), '\0');
        for (char& c : bytes) c = static_cast<char>(rng_());
        client.write(bytes);
        client.shutdown_send();
        break;
      }
      case Attack::truncated_frame:
        client.write(header(64) + std::string(10, 'x'));
        client.shutdown_send();
        break;
      case Attack::huge_frame:
        client.write(header(0xFFFFFFFFu));
        break;
      case Attack::garbage_message:
        client.write(header(8) + std::string(8, '\xFF'));
        break;
    }
    std::string how;
    if (!client.wait_closed_by_peer(&how)) {
      net_.fail(fmt::format("{}: the national node did not close the session", attack_name(kind)));
    }
    client.close();
    check_logged(kind, client.local_address());
  }

 private:
  // The session's events, up to its link.closed: authenticated as 45, then
  // refused for the reason the attack calls for.
  void check_logged(Attack kind, const std::string& remote) {
    std::vector<nlohmann::json> events;
    bool closed = wait_until(
        [&] {
          for (auto& e : net_.node(0).log.events_after(log_offset_)) {
            if (field(e, "peer") == "45") events.push_back(std::move(e));
          }
          return std::any_of(events.begin(), events.end(), [&](const auto& e) {
            return field(e, "event") == "link.closed" && field(e, "remote") == remote;
          });
        },
        kPatience, std::chrono::milliseconds(2));
    if (!closed) net_.fail(fmt::format("{}: no link.closed for {}", attack_name(kind), remote));
    std::map<std::string, int> n;
    std::string refused_reason, closed_reason;
    for (const auto& e : events) {
      const std::string event = field(e, "event");
      ++n[event];
      ++seen[event];
      if (event == "frame.refused") refused_reason = field(e, "reason");
      if (event == "link.closed") closed_reason = field(e, "reason");
      if (event == "tls.established" || event == "frame.refused" || event == "link.closed") {
        EXPECT_EQ(field(e, "remote"), remote) << "sessions overlapped: " << e.dump();
      }
    }
    SCOPED_TRACE(fmt::format("{} from {}", attack_name(kind), remote));
    EXPECT_EQ(n["tls.established"], 1);
    EXPECT_EQ(n["link.closed"], 1);
    switch (kind) {
      case Attack::random_bytes:
        EXPECT_LE(n["frame.refused"] + n["frame.malformed"], 1);
        break;
      case Attack::truncated_frame:
        EXPECT_EQ(n["frame.refused"] + n["frame.malformed"], 0);
        EXPECT_NE(closed_reason.find("read failed"), std::string::npos) << closed_reason;
        break;
      case Attack::huge_frame:
        EXPECT_EQ(n["frame.refused"], 1);
        EXPECT_NE(refused_reason.find("4294967295"), std::string::npos) << refused_reason;
        break;
      case Attack::garbage_message:
        EXPECT_EQ(n["frame.malformed"], 1);
        EXPECT_EQ(n["frame.refused"], 0);
        break;
    }
  }

  NodeNetwork& net_;
  std::mt19937_64 rng_;
  TlsIdentity identity_;
  std::uintmax_t log_offset_ = 0;
};

TEST(HostileFrames,
     HundredsOfHostileSessionsAreClosedAndLoggedWhileTheNationalNodeServesInFlatMemory) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  NetworkOptions options;
  options.extra_national_peers = {45};
  NodeNetwork net("hostile-frames", options);
  net.start_all();
  const auto records = generate_records(31, 44, 600, 0, 3106);
  std::set<std::string> expected;
  for (const auto& id : ids_concerning(records, 44)) expected.insert(id);
  const auto parts = chunks_of(records, 50);

  Attacker attacker(net, seed ^ 0xa77ac);
  std::vector<Attack> round{Attack::random_bytes, Attack::truncated_frame, Attack::huge_frame,
                            Attack::garbage_message};
  auto run_round = [&] {
    std::shuffle(round.begin(), round.end(), rng);
    for (Attack a : round) attacker.attack(a);
  };

  // Warm-up: buffers, TLS and allocator pools reach their working size.
  constexpr int kWarmUpRounds = 10;
  constexpr int kRounds = 60;
  for (int r = 0; r < kWarmUpRounds; ++r) run_round();
  net.submit_ok(31, parts[0]);
  const pid_t national = net.node(0).process.pid();
  const auto rss_before = proc_status_kib(national, "VmRSS");
  const auto anon_before = proc_status_kib(national, "RssAnon");
  ASSERT_TRUE(rss_before && anon_before);

  std::size_t next_part = 1;
  for (int r = 0; r < kRounds; ++r) {
    run_round();
    if (r % 5 == 4 && next_part < parts.size()) net.submit_ok(31, parts[next_part++]);
  }
  while (next_part < parts.size()) net.submit_ok(31, parts[next_part++]);

  // Still serving: every record of 31 reached 44 through it, once.
  const auto inbox = net.wait_delivered(44, expected, {31});
  const ArrivalCheck check = check_arrivals(inbox, expected, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();
  net.check_running();

  const auto rss_after = proc_status_kib(national, "VmRSS");
  const auto anon_after = proc_status_kib(national, "RssAnon");
  ASSERT_TRUE(rss_after && anon_after);
  const int sessions = (kWarmUpRounds + kRounds) * 4;
  std::cout << fmt::format(
      "[  MEMORY  ] national node after {} hostile sessions: VmRSS {} -> {} KiB, RssAnon {} -> {} "
      "KiB (over the last {} sessions)\n",
      sessions, *rss_before, *rss_after, *anon_before, *anon_after, kRounds * 4);
  std::cout << fmt::format("[  EVENTS  ] frame.refused {}, frame.malformed {}, link.closed {}\n",
                           attacker.seen["frame.refused"], attacker.seen["frame.malformed"],
                           attacker.seen["link.closed"]);
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(static_cast<std::int64_t>(*rss_after) - static_cast<std::int64_t>(*rss_before),
            8 * 1024)
      << "VmRSS grew by more than 8 MiB";
#else
  // AddressSanitizer keeps freed memory in quarantine (256 MiB by default),
  // so resident memory grows by design; leaks are its own report's business.
  std::cout << "[  MEMORY  ] not judged under AddressSanitizer (its quarantine holds freed "
               "memory)\n";
#endif
  EXPECT_EQ(attacker.seen["link.closed"], sessions);
  EXPECT_EQ(attacker.seen["tls.established"], sessions);
  // Nothing hostile got near the store: no record or message from 45.
  EXPECT_EQ(net.node(0).log.count("message.applied"), 0u);
  EXPECT_EQ(net.node(0).log.count("message.rejected"), 0u);
}

}  // namespace
}  // namespace provnet::testing
