// The national node's signed directory, end to end: real provnode
// processes, real TLS, real stores. The national node publishes it from
// nodes.toml, groups.toml and the CA's index.tsv; provinces that list only
// the national node as a peer fetch it, peer directly inside their regional
// group, refuse a revoked certificate everywhere, refuse a forged or stale
// directory, and fall back to the national node when a direct peer is down,
// with every record still applied exactly once and the national auditor
// holding a copy (or the evidence) of every direct exchange.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "background_task.hpp"
#include "ca/ca_index.hpp"
#include "ca/certificates.hpp"
#include "ca/envelope_signatures.hpp"
#include "core/directory.hpp"
#include "core/wire_codec.hpp"
#include "daemon/directory_source.hpp"
#include "generated_records.hpp"
#include "net/frame.hpp"
#include "node_network.hpp"
#include "protocol/control.capnp.h"
#include "store/store.hpp"
#include "synth/population.hpp"
#include "tls_test_client.hpp"

namespace provnet::testing {
namespace {

std::set<std::string> as_set(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

std::set<std::string> united(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t kHourMs = 3'600'000;

// Records `reporting` reports, from one generator stream: for each
// (province, n) of `wanted`, n records concerning that province, in the
// stream's order. Record ids are a stream's sequence numbers, so records
// of one province that must differ come from one stream (two streams of
// different seeds reuse ids, which makes their records new versions of
// each other).
std::map<int, std::vector<domain::MigrantRecord>> records_for(
    int reporting, const std::map<int, std::size_t>& wanted, std::uint64_t seed) {
  synth::PopulationOptions options;
  options.seed = seed;
  options.today = today_in_china();
  options.reporting = static_cast<domain::ProvinceCode>(reporting);
  synth::PopulationGenerator generator(options);
  std::map<int, std::vector<domain::MigrantRecord>> out;
  std::size_t missing = 0;
  for (const auto& [province, n] : wanted) missing += n;
  while (missing > 0) {
    if (generator.generated() > 10'000'000) {
      throw std::runtime_error(fmt::format("records_for: {} reports too few records", reporting));
    }
    domain::MigrantRecord r = generator.next().record;
    const int concerned = domain::concerned_province_of(r).value_or(0);
    auto it = wanted.find(concerned);
    if (it == wanted.end() || out[concerned].size() == it->second) continue;
    out[concerned].push_back(std::move(r));
    --missing;
  }
  return out;
}

// national + the provinces, a directory with the yangtze group (31, 32).
NetworkOptions directory_options(std::vector<int> provinces, std::string national_copy = "full",
                                 std::vector<int> extra = {}) {
  NetworkOptions options;
  options.provinces = std::move(provinces);
  options.extra_national_peers = std::move(extra);
  options.directory = true;
  options.directory_refresh_s = 1;
  options.groups = {DirectoryGroupEntry{"yangtze", "泛长三角", {31, 32}, std::move(national_copy)}};
  return options;
}

void wait_or_fail(NodeNetwork& net, const std::function<bool()>& done, const std::string& what) {
  if (!wait_until([&] {
        net.check_running();
        return done();
      })) {
    net.fail("waited in vain: " + what);
  }
}

// The link entry for `peer` in a /v1/status answer, or null.
nlohmann::json link_entry(const nlohmann::json& status, int peer) {
  if (status.is_null()) return nullptr;
  for (const auto& l : status.at("links")) {
    if (l.at("peer") == code_text(peer)) return l;
  }
  return nullptr;
}

// /v1/status directory.version of `code`; 0 while it holds none or does
// not answer.
std::uint64_t directory_version(NodeNetwork& net, int code) {
  auto s = net.status(code);
  if (s.is_null() || !s.at("directory").is_object()) return 0;
  return s.at("directory").at("version").get<std::uint64_t>();
}

// /v1/status counts.<what> of `code`; nullopt when it does not answer.
std::optional<std::uint64_t> count_of(NodeNetwork& net, int code, const std::string& what) {
  auto s = net.status(code);
  if (s.is_null() || !s.at("counts").is_object()) return std::nullopt;
  return s.at("counts").at(what).get<std::uint64_t>();
}

// Waits until every node runs the national node's current directory (the
// same version everywhere) and returns that version.
std::uint64_t wait_same_directory(NodeNetwork& net, const std::vector<int>& provinces) {
  std::uint64_t version = 0;
  wait_or_fail(
      net,
      [&] {
        version = directory_version(net, 0);
        if (version == 0) return false;
        for (int p : provinces) {
          if (directory_version(net, p) != version) return false;
        }
        return true;
      },
      "every node to hold the national node's directory");
  return version;
}

// Both ends of the direct link a - b report it connected and direct.
bool direct_link_up(NodeNetwork& net, int a, int b) {
  for (auto [self, peer] : {std::pair{a, b}, std::pair{b, a}}) {
    auto l = link_entry(net.status(self), peer);
    if (l.is_null() || !l.at("connected").get<bool>() || !l.value("direct", false)) return false;
  }
  return true;
}

// Records that `net.node(code)` logged as applied (message.applied) from
// the link of `peer`.
std::size_t records_applied_from(NodeNetwork& net, int code, int peer) {
  std::size_t n = 0;
  for (const auto& e : net.node(code).log.named("message.applied", [&](const auto& x) {
         return field(x, "peer") == code_text(peer) && field(x, "kind") == "migrantBatch";
       })) {
    n += std::stoul(field(e, "records"));
  }
  return n;
}

// The entries of `inbox` written by `author`.
std::vector<InboxEntry> by_author(const std::vector<InboxEntry>& inbox, int author) {
  std::vector<InboxEntry> out;
  for (const auto& e : inbox) {
    if (e.author == code_text(author)) out.push_back(e);
  }
  return out;
}

// Waits until `receiver` holds every record of `expected` (from anyone);
// returns its inbox then.
std::vector<InboxEntry> wait_arrived(NodeNetwork& net, int receiver,
                                     const std::set<std::string>& expected) {
  std::vector<InboxEntry> inbox;
  std::size_t arrived = 0;
  if (!wait_until(
          [&] {
            net.check_running();
            try {
              inbox = net.inbox(receiver);
            } catch (const IntegrationFailure&) {
              return false;
            }
            arrived = count_arrived(inbox, expected);
            return arrived == expected.size();
          },
          kPatience, std::chrono::milliseconds(100))) {
    net.fail(fmt::format("only {} of {} records reached {}", arrived, expected.size(),
                         code_text(receiver)));
  }
  return inbox;
}

// Nothing waits anywhere in the node: no outbox entry, nothing staged.
bool drained(NodeNetwork& net, int code) {
  auto s = net.status(code);
  if (s.is_null() || !s.at("pending").is_object()) return false;
  return s.at("pending").at("outbox") == 0 && s.at("pending").at("staged") == 0;
}

std::string certificate_serial(const NodeFiles& files) {
  auto certificate = ca::read_certificate_file(files.certificate_path);
  if (!certificate) throw std::runtime_error(certificate.error().message);
  return ca::certificate_serial_hex(certificate->get());
}

// What `provctl ca revoke` does: marks every certificate of `code` in the
// CA index revoked.
void revoke_in_index(NodeNetwork& net, int code, const std::string& reason) {
  auto index = ca::read_ca_index(net.ca_index_file());
  if (!index) net.fail("reading index.tsv: " + index.error().message);
  bool found = false;
  for (ca::IssuedCertificate& e : *index) {
    if (e.code != code) continue;
    e.revoked = true;
    e.revoked_at_unix = now_ms() / 1000;
    e.reason = reason;
    found = true;
  }
  if (!found) net.fail("index.tsv lists no certificate of " + code_text(code));
  auto written = ca::write_ca_index(net.ca_index_file(), *index);
  if (!written) net.fail("writing index.tsv: " + written.error().message);
}

// ---------------------------------------------------------------------------
// 1. The directory reaches every node; group members peer directly.

TEST(Directory, DirectoryReachesEveryNode) {
  NodeNetwork net("dir-reach", directory_options({31, 32, 44}));
  net.node(31).config.log_level = "debug";  // to see its directory requests
  net.write_configs();
  // The provinces are told of the national node only: 31 and 32 learn of
  // each other from the directory.
  for (int p : {31, 32, 44}) {
    ASSERT_EQ(net.node(p).config.peers.size(), 1u);
    ASSERT_EQ(net.node(p).config.peers[0].code, 0);
  }
  net.start_all();

  const std::uint64_t version = wait_same_directory(net, {31, 32, 44});
  for (int code : {0, 31, 32, 44}) {
    auto dir = net.status(code).at("directory");
    EXPECT_EQ(dir.at("version").get<std::uint64_t>(), version) << code_text(code);
    EXPECT_EQ(dir.at("nodes").get<int>(), 4) << code_text(code) << dir.dump();
    EXPECT_EQ(dir.at("revocations").get<int>(), 0) << code_text(code) << dir.dump();
    EXPECT_GT(dir.at("valid_until_ms").get<std::int64_t>(), now_ms()) << dir.dump();
  }
  EXPECT_GE(net.node(0).log.count("directory.published"), 1u) << net.node(0).log.tail();
  // While its sources do not change the national node keeps that version:
  // 31 asks for a newer one every refresh interval and gets the same.
  const std::size_t requests = net.node(31).log.count("directory.requested");
  wait_or_fail(
      net, [&] { return net.node(31).log.count("directory.requested") >= requests + 3; },
      "31 to ask for the directory three more times");
  EXPECT_EQ(net.node(0).log.count("directory.published"), 1u) << net.node(0).log.tail();
  for (int code : {0, 31, 32, 44}) EXPECT_EQ(directory_version(net, code), version);

  // 32 dials 31 at the address the directory gives: both see a direct link.
  wait_or_fail(
      net, [&] { return direct_link_up(net, 31, 32); }, "the direct link 31 - 32");
  for (auto [self, peer] : {std::pair{31, 32}, std::pair{32, 31}}) {
    auto l = link_entry(net.status(self), peer);
    EXPECT_TRUE(l.at("connected").get<bool>()) << l.dump();
    EXPECT_TRUE(l.at("direct").get<bool>()) << l.dump();
    EXPECT_FALSE(l.at("fallback").get<bool>()) << l.dump();
  }
  EXPECT_GE(
      net.node(32).log.count(
          "tls.established",
          [](const auto& e) { return field(e, "peer") == "31" && field(e, "side") == "dialed"; }),
      1u)
      << net.node(32).log.tail();
  // 44 is in no group: it links to the national node only.
  auto status44 = net.status(44);
  for (int other : {31, 32}) {
    auto l = link_entry(status44, other);
    EXPECT_TRUE(l.is_null() || !l.at("connected").get<bool>()) << status44.dump();
    EXPECT_TRUE(link_entry(net.status(other), 44).is_null()) << net.status(other).dump();
  }
  const auto applied32 = net.node(32).log.named("directory.applied");
  ASSERT_FALSE(applied32.empty());
  EXPECT_EQ(field(applied32.back(), "direct_peers"), "31") << applied32.back().dump();
  const auto applied44 = net.node(44).log.named("directory.applied");
  ASSERT_FALSE(applied44.empty());
  EXPECT_EQ(field(applied44.back(), "direct_peers"), "") << applied44.back().dump();

  // Records 31 -> 32 take the direct link; the national node gets a copy.
  const auto records = generate_records(31, 32, 40, 0, 3201);
  const auto expected = as_set(ids_concerning(records, 32));
  net.submit_ok(31, records);
  const ArrivalCheck check = check_arrivals(wait_arrived(net, 32, expected), expected, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();
  EXPECT_EQ(records_applied_from(net, 32, 31), expected.size()) << net.node(32).log.tail();
  EXPECT_EQ(records_applied_from(net, 32, 0), 0u);
  wait_or_fail(
      net, [&] { return count_of(net, 0, "record_versions") == expected.size(); },
      "the national node's copy of the direct exchange");
}

// ---------------------------------------------------------------------------
// 2. A revoked province is cut off everywhere.

TEST(Directory, RevokedProvinceIsCutOffEverywhere) {
  NodeNetwork net("dir-revoke", directory_options({31, 32, 44}));
  net.node(31).config.direct_fallback_s = 1;
  net.node(32).config.direct_fallback_s = 1;
  net.write_configs();
  net.start_all();
  const std::uint64_t before = wait_same_directory(net, {31, 32, 44});
  wait_or_fail(
      net, [&] { return direct_link_up(net, 31, 32); }, "the direct link 31 - 32");
  const std::string serial32 = certificate_serial(net.credentials(32));

  // Records flow: 31 -> 44 (through 00), 31 <-> 32 (direct), 32 -> 44.
  auto from31 = records_for(31, {{44, 120}, {32, 100}}, 3111);
  auto from32 = records_for(32, {{31, 100}, {44, 100}}, 3211);
  const auto a1 = chunks_of(from31[44], 60)[0];
  const auto a2 = chunks_of(from31[44], 60)[1];
  const auto b1 = chunks_of(from31[32], 60)[0];
  const auto b2 = chunks_of(from31[32], 60)[1];
  const auto c1 = chunks_of(from32[31], 60)[0];
  const auto c2 = chunks_of(from32[31], 60)[1];
  const auto d1 = chunks_of(from32[44], 60)[0];
  const auto d2 = chunks_of(from32[44], 60)[1];
  net.submit_ok(31, a1);
  net.submit_ok(31, b1);
  net.submit_ok(32, c1);
  net.submit_ok(32, d1);
  const auto ids_a1 = as_set(ids_concerning(a1, 44));
  const auto ids_b1 = as_set(ids_concerning(b1, 32));
  const auto ids_c1 = as_set(ids_concerning(c1, 31));
  const auto ids_d1 = as_set(ids_concerning(d1, 44));
  wait_arrived(net, 44, united(ids_a1, ids_d1));
  wait_arrived(net, 32, ids_b1);
  wait_arrived(net, 31, ids_c1);
  // Quiet before the revocation: the national node holds a1 and d1
  // (relayed) and b1 and c1 (copies of the direct exchange).
  const std::uint64_t national_before =
      ids_a1.size() + ids_b1.size() + ids_c1.size() + ids_d1.size();
  wait_or_fail(
      net,
      [&] {
        return drained(net, 31) && drained(net, 32) && drained(net, 0) &&
               count_of(net, 0, "record_versions") == national_before;
      },
      "the exchange before the revocation to settle");

  // Revoke 32's certificate in the CA index; the national node publishes
  // a new version within a refresh interval and pushes it.
  revoke_in_index(net, 32, "keyCompromise");
  std::uint64_t after = 0;
  wait_or_fail(
      net,
      [&] {
        auto s = net.status(0);
        if (s.is_null() || !s.at("directory").is_object()) return false;
        after = s.at("directory").at("version").get<std::uint64_t>();
        return s.at("directory").at("revocations") == 1;
      },
      "the national node to publish the revocation");
  EXPECT_GT(after, before);
  wait_or_fail(
      net,
      [&] { return directory_version(net, 31) >= after && directory_version(net, 44) >= after; },
      "31 and 44 to take the directory with the revocation");

  // The national node and 31 close their links with 32, naming the serial.
  auto revoked_at = [&](int code) {
    return net.node(code).log.named("security.peer_revoked",
                                    [&](const auto& e) { return field(e, "peer") == "32"; });
  };
  for (int code : {0, 31}) {
    wait_or_fail(
        net, [&] { return !revoked_at(code).empty(); },
        code_text(code) + " to log security.peer_revoked for 32");
    const auto e = revoked_at(code).front();
    EXPECT_EQ(field(e, "serial"), serial32) << e.dump();
    EXPECT_EQ(field(e, "level"), "error") << e.dump();
    EXPECT_NE(field(e, "reason").find("revoked"), std::string::npos) << e.dump();
    wait_or_fail(
        net,
        [&] {
          return net.node(code).log.count("link.closed", [](const auto& x) {
            return field(x, "peer") == "32" &&
                   field(x, "reason").find("revoked") != std::string::npos;
          }) >= 1;
        },
        code_text(code) + " to close its link with 32");
  }

  // From now on 32 never gets a link again.
  auto links_up_with_32 = [&](int code) {
    return net.node(code).log.count("link.up",
                                    [](const auto& e) { return field(e, "peer") == "32"; });
  };
  const std::size_t links_up_00 = links_up_with_32(0);
  const std::size_t links_up_31 = links_up_with_32(31);

  // 32 keeps dialing; each attempt is refused after the handshake.
  auto dials_refused = [&](int code) {
    return net.node(code).log.count("security.peer_revoked", [](const auto& e) {
      return field(e, "peer") == "32" && !field(e, "remote").empty();
    });
  };
  wait_or_fail(
      net, [&] { return dials_refused(0) >= 1 && dials_refused(31) >= 1; },
      "00 and 31 to refuse a dial of 32");
  const auto refused = net.node(0).log.named("security.peer_revoked", [](const auto& e) {
    return field(e, "peer") == "32" && !field(e, "remote").empty();
  });
  std::cout << "[ REFUSED  ] 00 refused 32's dial: " << refused.front().dump() << "\n";

  // After the revocation: 32 submits (its records must reach nobody), 31
  // submits for 44 (must arrive) and for 32 (must not be delivered).
  net.submit_ok(32, c2);
  net.submit_ok(32, d2);
  net.submit_ok(31, a2);
  net.submit_ok(31, b2);
  const auto ids_a2 = as_set(ids_concerning(a2, 44));
  const auto ids_b2 = as_set(ids_concerning(b2, 32));
  const auto ids_c2 = as_set(ids_concerning(c2, 31));
  const auto ids_d2 = as_set(ids_concerning(d2, 44));

  // 31 -> 44 still arrives, exactly once.
  const auto a_all = united(ids_a1, ids_a2);
  wait_arrived(net, 44, a_all);
  // The national node holds 31's records for 32 (relayed after 31 fell
  // back, or copied before) and nothing of 32's new ones: every version it
  // holds is one of a1, a2, b1, b2, c1 (copies of the direct exchange) and
  // d1.
  const std::uint64_t national_expected = national_before + ids_a2.size() + ids_b2.size();
  wait_or_fail(
      net, [&] { return count_of(net, 0, "record_versions") >= national_expected; },
      "the national node to hold 31's records for 32");
  // 31 fell back for 32 and handed what is for 32 to the national node,
  // which holds it: 32 cannot connect to take it.
  wait_or_fail(
      net,
      [&] {
        return net.node(31).log.count(
                   "route.fallback", [](const auto& e) { return field(e, "peer") == "32"; }) >= 1 &&
               drained(net, 31);
      },
      "31 to fall back for 32 and hand its records for 32 to the national node");
  EXPECT_GT(net.outbox_depth(0, 32).value_or(0), 0u) << net.status(0).dump();
  // 32 tried again, with its records waiting, and was refused every time.
  const std::size_t refused_after_submit_0 = dials_refused(0);
  const std::size_t refused_after_submit_31 = dials_refused(31);
  wait_or_fail(
      net,
      [&] {
        return dials_refused(0) >= refused_after_submit_0 + 3 &&
               dials_refused(31) >= refused_after_submit_31 + 3;
      },
      "32 to try to reconnect to 00 and 31 again (and be refused)");

  EXPECT_EQ(count_of(net, 0, "record_versions"), national_expected);
  const auto inbox44 = net.inbox(44);
  const auto inbox31 = net.inbox(31);
  const auto inbox32 = net.inbox(32);
  EXPECT_EQ(count_arrived(inbox31, ids_c2), 0u);
  EXPECT_EQ(count_arrived(inbox44, ids_d2), 0u);
  EXPECT_EQ(count_arrived(inbox32, ids_b2), 0u);
  const ArrivalCheck at44 = check_arrivals(by_author(inbox44, 31), a_all, "31");
  EXPECT_TRUE(at44.exactly_once()) << at44.summary();
  const ArrivalCheck from32at44 = check_arrivals(by_author(inbox44, 32), ids_d1, "32");
  EXPECT_TRUE(from32at44.exactly_once())
      << "32's records after the revocation reached 44: " << from32at44.summary();
  const ArrivalCheck from32at31 = check_arrivals(inbox31, ids_c1, "32");
  EXPECT_TRUE(from32at31.exactly_once())
      << "32's records after the revocation reached 31: " << from32at31.summary();
  const ArrivalCheck at32 = check_arrivals(inbox32, ids_b1, "31");
  EXPECT_TRUE(at32.exactly_once())
      << "31's records after the revocation reached 32: " << at32.summary();
  // What 32 wrote waits at 32; what is for 32 waits at the national node.
  auto pending32 = net.status(32).at("pending");
  EXPECT_GT(
      pending32.at("outbox").get<std::uint64_t>() + pending32.at("staged").get<std::uint64_t>(), 0u)
      << pending32.dump();
  EXPECT_GT(net.outbox_depth(0, 32).value_or(0), 0u) << net.status(0).dump();
  EXPECT_GE(net.node(0).log.count("message.relayed",
                                  [](const auto& e) { return field(e, "destination") == "32"; }),
            1u);
  EXPECT_EQ(links_up_with_32(0), links_up_00) << net.node(0).log.tail();
  EXPECT_EQ(links_up_with_32(31), links_up_31) << net.node(31).log.tail();
  for (int code : {0, 31}) {
    auto l = link_entry(net.status(code), 32);
    EXPECT_TRUE(!l.is_null() && !l.at("connected").get<bool>()) << code_text(code) << l.dump();
  }
}

// Records 32 wrote before its revocation, still waiting at the national
// node for 44 (which was down), must not be applied anywhere once the
// revocation is published: they are signed with the revoked certificate.
TEST(Directory, RecordsOfARevokedProvinceWaitingAtTheNationalNodeAreNotApplied) {
  NodeNetwork net("dir-revoked-waiting", directory_options({31, 32, 44}));
  net.start_all();
  wait_same_directory(net, {31, 32, 44});

  const ExitStatus stopped = net.terminate(44);
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.text();
  auto from32 = records_for(32, {{44, 100}}, 3271);
  const auto waiting = as_set(ids_concerning(from32[44], 44));
  net.submit_ok(32, from32[44]);
  wait_or_fail(
      net, [&] { return drained(net, 32) && net.outbox_depth(0, 44).value_or(0) > 0; },
      "32's records for 44 to wait at the national node");

  revoke_in_index(net, 32, "keyCompromise");
  wait_or_fail(
      net,
      [&] {
        auto s = net.status(0);
        return !s.is_null() && s.at("directory").is_object() &&
               s.at("directory").at("revocations") == 1;
      },
      "the national node to publish the revocation");
  const std::uint64_t revoked_version = directory_version(net, 0);

  // 44 comes back (its stored directory predates the revocation) and gets
  // 31's new records, exactly once.
  net.start(44);
  net.wait_linked(44);
  auto from31 = records_for(31, {{44, 100}}, 3171);
  const auto fresh = as_set(ids_concerning(from31[44], 44));
  net.submit_ok(31, from31[44]);
  wait_arrived(net, 44, fresh);
  wait_or_fail(
      net, [&] { return directory_version(net, 44) >= revoked_version; },
      "44 to take the directory with the revocation");
  const auto inbox44 = net.inbox(44);
  const ArrivalCheck at44 = check_arrivals(by_author(inbox44, 31), fresh, "31");
  EXPECT_TRUE(at44.exactly_once()) << at44.summary();

  const auto applied32 = net.node(44).log.named(
      "message.applied", [](const auto& e) { return field(e, "message_id").rfind("32:", 0) == 0; });
  std::cout << fmt::format(
      "[ REVOKED  ] 44 applied {} of 32's waiting records in {} messages; refused {} "
      "(security.signature_invalid), closed its national link {} times for them\n",
      count_arrived(inbox44, waiting), applied32.size(),
      net.node(44).log.count("security.signature_invalid"),
      net.node(44).log.count("link.closed", [](const auto& e) {
        return field(e, "reason").find("revoked") != std::string::npos;
      }));
  EXPECT_EQ(count_arrived(inbox44, waiting), 0u)
      << "44 applied records signed with 32's certificate after the national node published its "
         "revocation (version "
      << revoked_version << "); first: " << (applied32.empty() ? "" : applied32.front().dump())
      << "\n"
      << net.node(44).log.tail(40);
}

// ---------------------------------------------------------------------------
// 3. A stale directory in the store is used loudly and replaced; forged or
//    stale directories on the wire are refused.

// A SignedDirectory of `content`, signed with `signer_files`' key.
std::string signed_directory(const core::DirectoryContent& content, std::uint64_t version,
                             std::int64_t valid_from_ms, std::int64_t valid_until_ms,
                             const NodeFiles& signer_files) {
  auto signer =
      ca::CertificateKeySigner::load(signer_files.certificate_path, signer_files.key_path);
  if (!signer) throw std::runtime_error("signed_directory: " + signer.error().message);
  core::Directory d;
  d.version = version;
  d.issued_at_ms = valid_from_ms;
  d.valid_from_ms = valid_from_ms;
  d.valid_until_ms = valid_until_ms;
  d.content = content;
  auto bytes = core::sign_directory(d, **signer);
  if (!bytes) throw std::runtime_error("signed_directory: " + bytes.error().message);
  return *bytes;
}

// `signed_bytes` with its directory replaced by `other`'s: a directory
// changed after it was signed.
std::string with_directory_of(const std::string& signed_bytes, const std::string& other) {
  auto a = core::Decoded<wire::SignedDirectory>::decode(signed_bytes, {});
  auto b = core::Decoded<wire::SignedDirectory>::decode(other, {});
  if (!a || !b) throw std::runtime_error("with_directory_of: undecodable");
  capnp::MallocMessageBuilder builder;
  builder.setRoot(a->root());
  builder.getRoot<wire::SignedDirectory>().setDirectory(b->root().getDirectory());
  return core::serialize_message(builder);
}

// An envelope from `author` to `destination` carrying `signed_dir`, signed
// by `author` with `signer_files`.
std::string directory_envelope(int author, int destination, std::uint64_t message_id,
                               const std::string& signed_dir, const NodeFiles& signer_files) {
  auto signer =
      ca::CertificateKeySigner::load(signer_files.certificate_path, signer_files.key_path);
  if (!signer) throw std::runtime_error("directory_envelope: " + signer.error().message);
  auto inner = core::Decoded<wire::SignedDirectory>::decode(signed_dir, {});
  if (!inner) throw std::runtime_error("directory_envelope: " + inner.error().message);
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<wire::Envelope>();
  env.setMessageId(message_id);
  env.setAuthor(static_cast<std::uint8_t>(author));
  env.setDestination(static_cast<std::uint8_t>(destination));
  env.setCreatedAtMs(now_ms());
  env.initBody().setSignedDirectory(inner->root());
  env.setSignatureAlgorithm((*signer)->algorithm());
  auto der = (*signer)->certificate_der();
  env.setSignerCertificate(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(der.data()), der.size()));
  auto signature = (*signer)->sign(core::signing_input(env.asReader()));
  if (!signature) throw std::runtime_error("directory_envelope: " + signature.error().message);
  env.setSignature(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(signature->data()), signature->size()));
  return core::serialize_message(builder);
}

TEST(Directory, ForgedOrStaleDirectoryIsRefused) {
  // 32 is in 31's group but no process runs it: a test client plays 32
  // (with 32's genuine certificate) on 31's listener.
  NodeNetwork net("dir-forged", directory_options({31, 44}, "full", {32}));
  auto loaded = daemon::load_directory_sources(
      {net.nodes_file(), net.groups_file(), net.ca_index_file()}, now_ms() / 1000);
  ASSERT_TRUE(loaded.content) << fmt::format("{}", fmt::join(loaded.problems, "\n"));
  const core::DirectoryContent content = *loaded.content;
  const NodeFiles national = net.credentials(0);

  // 31's store holds a directory, genuinely signed, that expired an hour ago.
  const std::int64_t t0 = now_ms();
  const std::uint64_t expired_version = static_cast<std::uint64_t>(t0 - 3 * kHourMs);
  {
    store::StoreOptions options;
    options.path = net.node(31).config.store_path;
    options.map_size_bytes = 256ull << 20;
    auto opened = store::Store::open(options);
    ASSERT_TRUE(opened) << opened.error().message;
    auto txn = (*opened)->begin_write();
    ASSERT_TRUE(txn) << txn.error().message;
    ASSERT_TRUE(txn->put(
        store::Table::meta, "directory",
        signed_directory(content, expired_version, t0 - 3 * kHourMs, t0 - kHourMs, national)));
    ASSERT_TRUE(txn->commit());
  }
  net.start_all();

  // 31 starts on it, says it is expired, keeps working, and takes the
  // national node's fresh one.
  const std::uint64_t version = wait_same_directory(net, {31, 44});
  EXPECT_GT(version, expired_version);
  const auto expired = net.node(31).log.named("directory.expired");
  ASSERT_FALSE(expired.empty()) << net.node(31).log.tail();
  EXPECT_EQ(field(expired.front(), "version"), std::to_string(expired_version))
      << expired.front().dump();
  EXPECT_EQ(field(expired.front(), "level"), "error") << expired.front().dump();
  const auto applied = net.node(31).log.named("directory.applied");
  ASSERT_GE(applied.size(), 2u) << net.node(31).log.tail();
  EXPECT_EQ(field(applied.front(), "version"), std::to_string(expired_version));
  EXPECT_EQ(field(applied.back(), "version"), std::to_string(version));
  EXPECT_EQ(net.node(31).log.count("directory.stored_invalid"), 0u);
  {
    const auto records = generate_records(31, 44, 100, 0, 3131);
    const auto expected = as_set(ids_concerning(records, 44));
    net.submit_ok(31, records);
    const ArrivalCheck check =
        check_arrivals(net.wait_delivered(44, expected, {31}), expected, "31");
    EXPECT_TRUE(check.exactly_once()) << check.summary();
  }

  // Forged and stale directories, each in a genuine envelope of 32 on 32's
  // link to 31: each is refused, and 31 keeps the version it holds.
  const std::int64_t t1 = now_ms();
  const std::uint64_t newer = version + 1000;
  const std::string genuine_newer =
      signed_directory(content, newer, t1 - kHourMs, t1 + kHourMs, national);
  core::DirectoryContent changed = content;
  changed.groups.clear();
  for (auto& n : changed.nodes) n.groups.clear();
  CaOptions foreign_options;
  foreign_options.file_stem = "foreign-ca";
  foreign_options.common_name = "not the provnet CA";
  TestPki foreign(net.dir().path() / "foreign", foreign_options);
  struct Case {
    std::string what;
    std::string signed_dir;
    std::string reason;  // expected in directory.refused's reason
  };
  const std::vector<Case> cases = {
      {"signed by province 32's certificate",
       signed_directory(content, newer, t1 - kHourMs, t1 + kHourMs, net.credentials(32)),
       "signed by a certificate of node 32 but claims author 00"},
      {"signed by a node 00 certificate of another CA",
       signed_directory(content, newer, t1 - kHourMs, t1 + kHourMs, foreign.issue_node(0)), ""},
      {"changed after the national node signed it",
       with_directory_of(genuine_newer,
                         signed_directory(changed, newer, t1 - kHourMs, t1 + kHourMs, national)),
       "does not verify"},
      {"expired", signed_directory(content, newer, t1 - 2 * kHourMs, t1 - kHourMs, national),
       "stale, expired"},
      {"not valid yet", signed_directory(content, newer, t1 + kHourMs, t1 + 2 * kHourMs, national),
       "not valid before"},
      {"older than the one held",
       signed_directory(content, version - 1, t1 - kHourMs, t1 + kHourMs, national),
       "stale: older than the version"},
  };

  const NodeFiles as32 = net.credentials(32);
  TlsTestClient client({as32.certificate_path, as32.key_path, net.pki().ca_certificate_path()});
  ASSERT_EQ(client.connect(*net.node(31).config.listen_port), "");
  wait_or_fail(
      net,
      [&] {
        auto l = link_entry(net.status(31), 32);
        return !l.is_null() && l.at("connected").get<bool>();
      },
      "31 to take the test client as 32");
  std::uint64_t id = static_cast<std::uint64_t>(now_ms()) * 1000;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::uint64_t message_id = ++id;
    ASSERT_TRUE(
        client.write(net::frame(directory_envelope(32, 31, message_id, c.signed_dir, as32))));
    const std::string ref = fmt::format("32:{}", message_id);
    std::vector<nlohmann::json> refused;
    wait_or_fail(
        net,
        [&] {
          refused = net.node(31).log.named(
              "directory.refused", [&](const auto& e) { return field(e, "message_id") == ref; });
          return !refused.empty();
        },
        "31 to refuse the directory " + c.what);
    std::cout << fmt::format("[ REFUSED  ] {}: {}\n", c.what, field(refused[0], "reason"));
    EXPECT_NE(field(refused[0], "reason").find(c.reason), std::string::npos) << refused[0].dump();
    EXPECT_EQ(directory_version(net, 31), version);
  }
  EXPECT_EQ(net.node(31).log.count(
                "directory.applied",
                [&](const auto& e) { return field(e, "version") == std::to_string(newer); }),
            0u);
  // The envelopes themselves were sound: nothing else was refused.
  EXPECT_EQ(net.node(31).log.count("security.signature_invalid"), 0u) << net.node(31).log.tail();
  EXPECT_EQ(net.node(31).log.count("security.author_mismatch"), 0u);

  // The same route carries a genuine newer directory, which 31 takes: the
  // refusals above were for what was wrong with each directory.
  const std::uint64_t message_id = ++id;
  ASSERT_TRUE(
      client.write(net::frame(directory_envelope(32, 31, message_id, genuine_newer, as32))));
  wait_or_fail(
      net, [&] { return directory_version(net, 31) == newer; },
      "31 to take a genuine newer directory on the same route");
  client.close();

  // A directory signed by a province, written into 31's store while it is
  // stopped: 31 refuses it at start and takes the national node's.
  const ExitStatus stopped = net.terminate(31);
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.text();
  const std::uint64_t forged_version = newer + 1000;
  {
    store::StoreOptions options;
    options.path = net.node(31).config.store_path;
    options.map_size_bytes = 256ull << 20;
    auto opened = store::Store::open(options);
    ASSERT_TRUE(opened) << opened.error().message;
    auto txn = (*opened)->begin_write();
    ASSERT_TRUE(txn) << txn.error().message;
    const std::int64_t t2 = now_ms();
    ASSERT_TRUE(txn->put(store::Table::meta, "directory",
                         signed_directory(content, forged_version, t2 - kHourMs, t2 + kHourMs,
                                          net.credentials(32))));
    ASSERT_TRUE(txn->commit());
  }
  net.start(31);
  net.wait_linked(31);
  wait_or_fail(
      net, [&] { return directory_version(net, 31) == directory_version(net, 0); },
      "31 to take the national node's directory after refusing its stored one");
  const auto stored_invalid = net.node(31).log.named("directory.stored_invalid");
  ASSERT_EQ(stored_invalid.size(), 1u) << net.node(31).log.tail();
  std::cout << "[ REFUSED  ] stored, signed by 32: " << field(stored_invalid[0], "reason") << "\n";
  EXPECT_NE(field(stored_invalid[0], "reason").find("signed by a certificate of node 32"),
            std::string::npos)
      << stored_invalid[0].dump();
  EXPECT_EQ(net.node(31).log.count("directory.applied",
                                   [&](const auto& e) {
                                     return field(e, "version") == std::to_string(forged_version);
                                   }),
            0u);
}

// 31 and 32 of one group, falling back after 1 s, started and linked directly.
void start_with_direct_link_31_32(NodeNetwork& net) {
  net.node(31).config.direct_fallback_s = 1;
  net.node(32).config.direct_fallback_s = 1;
  net.write_configs();
  net.start_all();
  wait_same_directory(net, {31, 32});
  wait_or_fail(
      net, [&] { return direct_link_up(net, 31, 32); }, "the direct link 31 - 32");
}

// ---------------------------------------------------------------------------
// 4. A direct peer that is down is reached through the national node.

TEST(Directory, DirectPeerFallsBackThroughNationalAndRecoversExactlyOnce) {
  NodeNetwork net("dir-fallback", directory_options({31, 32}));
  start_with_direct_link_31_32(net);

  const auto records = generate_records(31, 32, 300, 0, 3141);
  const auto parts = chunks_of(records, 100);
  const auto ids_a = as_set(ids_concerning(parts[0], 32));
  const auto all = as_set(ids_concerning(records, 32));

  // A: direct, with a full copy at the national node.
  net.submit_ok(31, parts[0]);
  wait_arrived(net, 32, ids_a);
  EXPECT_EQ(records_applied_from(net, 32, 31), ids_a.size()) << net.node(32).log.tail();
  wait_or_fail(
      net, [&] { return count_of(net, 0, "record_versions") == ids_a.size(); },
      "the national node's copy of A");

  // B right after 32 dies: queued for the direct link, then moved to the
  // national node when 31 falls back.
  net.kill(32);
  net.submit_ok(31, parts[1]);
  wait_or_fail(
      net,
      [&] {
        return net.node(31).log.count("route.fallback",
                                      [](const auto& e) { return field(e, "peer") == "32"; }) >= 1;
      },
      "31 to fall back for 32");
  {
    auto l = link_entry(net.status(31), 32);
    EXPECT_TRUE(l.at("direct").get<bool>()) << l.dump();
    EXPECT_TRUE(l.at("fallback").get<bool>()) << l.dump();
  }
  // C while in fallback: through the national node.
  net.submit_ok(31, parts[2]);
  // Everything for 32 waits at the national node now, nothing at 31.
  wait_or_fail(
      net, [&] { return drained(net, 31); }, "31 to hand everything to the national node");
  EXPECT_GT(net.outbox_depth(0, 32).value_or(0), 0u) << net.status(0).dump();
  // A message queued on the direct link after 32 died must have been moved.
  const auto queued_direct = net.node(31).log.count("message.queued", [](const auto& e) {
    return field(e, "destination") == "32" && field(e, "peer") == "32";
  });
  const auto queued_via_00 = net.node(31).log.count("message.queued", [](const auto& e) {
    return field(e, "destination") == "32" && field(e, "peer") == "00";
  });
  EXPECT_GT(queued_via_00, 0u) << net.node(31).log.tail();
  const auto rerouted = net.node(31).log.named("route.rerouted");
  std::cout << fmt::format(
      "[ ROUTE    ] {} messages for 32 queued on the direct link, {} on 00's, {} reroutes\n",
      queued_direct, queued_via_00, rerouted.size());

  // 32 comes back: everything arrives, once, both ways round.
  net.start(32);
  net.wait_linked(32);
  wait_arrived(net, 32, all);
  wait_or_fail(
      net, [&] { return drained(net, 0) && drained(net, 31); },
      "the outboxes to drain after 32 returned");
  wait_or_fail(
      net, [&] { return direct_link_up(net, 31, 32); }, "the direct link 31 - 32 again");
  const ArrivalCheck check = check_arrivals(net.inbox(32), all, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();
  EXPECT_GE(net.node(31).log.count("route.direct",
                                   [](const auto& e) { return field(e, "peer") == "32"; }),
            1u)
      << net.node(31).log.tail();
  // The national node holds every version: copies of A, and B and C relayed.
  wait_or_fail(
      net, [&] { return count_of(net, 0, "record_versions") == all.size(); },
      "the national node to hold every version");
  EXPECT_EQ(net.node(32).log.count("message.rejected"), 0u) << net.node(32).log.tail();
  EXPECT_EQ(net.node(0).log.count("message.rejected"), 0u) << net.node(0).log.tail();
}

// The same with the direct peer killed twice while records stream to it:
// messages in flight on the direct link when it dies (perhaps applied, their
// acknowledgement lost) go again through the national node, and 32 applies
// each record once.
TEST(Directory, DirectPeerKilledMidStreamGetsEveryRecordExactlyOnce) {
  NodeNetwork net("dir-midstream", directory_options({31, 32}));
  start_with_direct_link_31_32(net);

  const auto records = generate_records(31, 32, 1500, 0, 3161);
  const auto all = as_set(ids_concerning(records, 32));
  const auto chunks = chunks_of(records, 50);
  std::atomic<std::size_t> submitted{0};
  BackgroundTask submit([&] {
    for (auto chunk : chunks) {
      net.submit_ok(31, chunk);
      ++submitted;
    }
  });
  auto applied_at_32 = [&] {
    return records_applied_from(net, 32, 31) + records_applied_from(net, 32, 0);
  };
  std::size_t fallbacks = 0;
  for (std::size_t kill_at : {chunks.size() / 4, chunks.size() / 2}) {
    wait_or_fail(
        net, [&] { return submitted >= kill_at; }, "the submissions to go on");
    // Killed once 32 has applied something of this stretch.
    const std::size_t applied = applied_at_32();
    wait_or_fail(
        net, [&] { return applied_at_32() > applied; }, "32 to apply records before it is killed");
    net.kill(32);
    ++fallbacks;
    wait_or_fail(
        net,
        [&] {
          return net.node(31).log.count("route.fallback", [](const auto& e) {
            return field(e, "peer") == "32";
          }) >= fallbacks;
        },
        "31 to fall back for 32");
    net.start(32);
    net.wait_linked(32);
  }
  submit.join();

  wait_arrived(net, 32, all);
  wait_or_fail(
      net, [&] { return drained(net, 0) && drained(net, 31); }, "the outboxes to drain");
  const ArrivalCheck check = check_arrivals(net.inbox(32), all, "31");
  EXPECT_TRUE(check.exactly_once()) << check.summary();
  wait_or_fail(
      net, [&] { return count_of(net, 0, "record_versions") == all.size(); },
      "the national node to hold every version");
  EXPECT_EQ(net.node(32).log.count("message.rejected"), 0u) << net.node(32).log.tail();
  EXPECT_EQ(net.node(0).log.count("message.rejected"), 0u) << net.node(0).log.tail();
  std::cout << fmt::format(
      "[ ROUTE    ] {} reroutes at 31; 32 applied {} records directly and {} through 00; {} "
      "duplicates answered\n",
      net.node(31).log.count("route.rerouted"), records_applied_from(net, 32, 31),
      records_applied_from(net, 32, 0), net.node(32).log.count("message.duplicate"));
}

// ---------------------------------------------------------------------------
// 5. An evidence-only group: the national node gets evidence, not records.

TEST(Directory, EvidenceOnlyGroupGivesNationalEvidenceNotRecords) {
  NodeNetwork net("dir-evidence", directory_options({31, 32, 44}, "evidence"));
  net.start_all();
  wait_same_directory(net, {31, 32, 44});
  wait_or_fail(
      net, [&] { return direct_link_up(net, 31, 32); }, "the direct link 31 - 32");

  auto from31 = records_for(31, {{32, 250}, {44, 50}}, 3151);
  const auto& direct = from31[32];
  const auto& relayed = from31[44];
  const auto ids_direct = as_set(ids_concerning(direct, 32));
  const auto ids_relayed = as_set(ids_concerning(relayed, 44));
  for (auto chunk : chunks_of(direct, 50)) net.submit_ok(31, chunk);
  net.submit_ok(31, relayed);

  const ArrivalCheck at32 = check_arrivals(wait_arrived(net, 32, ids_direct), ids_direct, "31");
  const ArrivalCheck at44 =
      check_arrivals(net.wait_delivered(44, ids_relayed, {31}), ids_relayed, "31");
  wait_or_fail(
      net, [&] { return drained(net, 31) && drained(net, 0); }, "31 to send all its evidence");
  EXPECT_TRUE(at32.exactly_once()) << at32.summary();
  EXPECT_TRUE(at44.exactly_once()) << at44.summary();
  EXPECT_EQ(records_applied_from(net, 32, 31), ids_direct.size());

  // One evidence entry per direct message, each with 32's signed receipt.
  const std::size_t direct_messages = net.node(32).log.count("message.applied", [](const auto& e) {
    return field(e, "peer") == "31" && field(e, "kind") == "migrantBatch";
  });
  const std::size_t acknowledged = net.node(31).log.count(
      "message.acknowledged", [](const auto& e) { return field(e, "peer") == "32"; });
  EXPECT_EQ(acknowledged, direct_messages);
  ASSERT_GT(direct_messages, 0u);
  wait_or_fail(
      net, [&] { return count_of(net, 0, "evidence") == direct_messages; },
      fmt::format("the national node's evidence to reach {}", direct_messages));
  // The national node holds only the records it relayed to 44.
  EXPECT_EQ(count_of(net, 0, "record_versions"), ids_relayed.size());
  EXPECT_EQ(net.node(0).log.count("message.rejected"), 0u) << net.node(0).log.tail();
  std::cout << fmt::format("[ EVIDENCE ] {} direct messages, {} evidence entries at 00\n",
                           direct_messages, count_of(net, 0, "evidence").value_or(0));
}

}  // namespace
}  // namespace provnet::testing
