// provdemo: drives a running provnet network (the national node and the 32
// provinces, configured by scripts/make-config) through a synthetic quarter
// and checks that nothing was lost, doubled or misrouted:
//
//   1. generates N records spread over the provinces by the census flows,
//      each province reporting its inflow and outflow records, a share
//      broken on purpose (simulations/synth);
//   2. submits each province's records to its node (POST /v1/records,
//      NDJSON chunks, a few provinces at once) and keeps every item's result;
//   3. waits until no node has anything pending (GET /v1/status, twice);
//   4. pulls every inbox (GET /v1/inbox);
//   5. prints a table per province and the national node's figures, and runs
//      the conservation check: every accepted version arrives exactly once,
//      at the province it concerns, from its author, and at no other
//      province; the national node's full copies of direct group exchanges
//      are accepted versions, once each, never of an evidence-only group;
//   6. the quarter's collaboration (collab_round.hpp): notices, birth
//      registrations and queries about a share of the migrants, feedback
//      and answers (a share of queries left unanswered), every item's state
//      on both sides and the national monthly summary checked; writes the
//      quarter's ledger (--ledger) for the close.
//
// provdemo --close-quarter LEDGER, on the same network restarted with its
// clock moved past the quarter's end, does the close (quarter_close.hpp):
// quarterly tables submitted and summed, overdue queries, monthly summaries.
//
// Exit status: 0 the checks passed, 1 one failed (or the network never became
// quiet, a chunk could not be submitted, a node could not be read), 2 a
// usage error or a network that cannot be reached at the start.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "domain/date.hpp"
#include "network/audit_round.hpp"
#include "network/collab_round.hpp"
#include "network/conservation_check.hpp"
#include "network/demo_report.hpp"
#include "network/inbox_pull.hpp"
#include "network/network_layout.hpp"
#include "network/network_quiet.hpp"
#include "network/quarter_close.hpp"
#include "network/quarter_plan.hpp"
#include "network/record_submission.hpp"

namespace {

using namespace provnet;
using namespace provnet::network;
using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

domain::Date today_in_china() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return domain::Date::from_unix_ms_cst(
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

// provdemo --close-quarter: the second part, on a network whose clock is
// past the quarter's end.
int run_close(const NetworkLayout& layout, const std::string& ledger_path, int timeout_s) {
  std::ifstream in(ledger_path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!in.is_open() || j.is_discarded()) {
    std::cerr << fmt::format("provdemo: --close-quarter {}: not a readable JSON ledger\n",
                             ledger_path);
    return 2;
  }
  auto ledger = quarter_ledger_from_json(j);
  if (!ledger) {
    std::cerr << fmt::format("provdemo: --close-quarter {}: {}\n", ledger_path,
                             ledger.error().message);
    return 2;
  }
  const auto started = Clock::now();
  wait_for_directory(layout, started + std::chrono::seconds(30));
  QuarterClose c = close_quarter(layout, *ledger, started + std::chrono::seconds(timeout_s));
  std::cout << fmt::format(
      "provdemo: the close of {} Q{} on the nodes' date {} ({:.1f} s)\n"
      "  quarterly tables: {} of 32 provinces submitted, {} on time at the national node; the "
      "national sum counts {} records, and equals the sum of the provinces' tables\n"
      "  queries overdue: {} found at the answering provinces, {} expected (unanswered, past "
      "due)\n"
      "  monthly summaries: {} months, {} province pairs compared with the ledger\n",
      ledger->year, ledger->quarter, c.today.yyyymmdd(), seconds_between(started, Clock::now()),
      c.submitted, c.on_time, grouped(c.people_in_tables), c.overdue_found, c.overdue_expected,
      c.summary_months, c.summary_pairs);
  for (std::size_t i = 0; i < c.failures.size() && i < 20; ++i) {
    std::cout << "  FAILED: " << c.failures[i] << '\n';
  }
  if (c.failures.size() > 20) std::cout << fmt::format("  ... {} more\n", c.failures.size() - 20);
  std::cout << (c.pass() ? "CLOSE OF THE QUARTER: PASS\n" : "CLOSE OF THE QUARTER: FAIL\n");

  const auto audit_started = Clock::now();
  AuditRound a = run_audit_round(layout, audit_started + std::chrono::seconds(timeout_s));
  std::cout << fmt::format(
      "\nprovdemo: the audit ({:.1f} s)\n"
      "  checkpoints: {} of 32 provinces sent theirs and the national node acknowledged it; it "
      "holds {} chains\n"
      "  reconciliation: {} links ({} direct between provinces), {} (message, link) rows "
      "compared, {} discrepancies\n"
      "  chains: {} of 33 verify, {} entries in all\n"
      "  trace: record {} at the national node, {} audit entries from author to destination\n",
      seconds_between(audit_started, Clock::now()), a.checkpoints, a.chains_held, a.links,
      a.direct_links, grouped(a.messages), a.discrepancies, a.chains_verified, grouped(a.entries),
      a.traced_record, a.trace_events);
  for (std::size_t i = 0; i < a.failures.size() && i < 20; ++i) {
    std::cout << "  FAILED: " << a.failures[i] << '\n';
  }
  std::cout << (a.pass() ? "AUDIT: PASS\n" : "AUDIT: FAIL\n");
  return c.pass() && a.pass() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "provdemo: a synthetic quarter through a running 33-node provnet network, "
      "with the conservation check"};
  std::string config_dir = "config";
  std::uint64_t records = 100'000;
  std::uint64_t seed = 2026;
  double error_rate = 0.02;
  std::string today_text;
  int timeout_s = 600;
  std::string json_path;
  std::size_t parallel = 4;
  std::size_t chunk = 2000;
  int directory_wait_s = 30;
  std::uint64_t collab_every = 40;
  std::string ledger_path;
  std::string close_ledger;
  app.add_option("--config-dir", config_dir,
                 "directory with national.toml and province-NN.toml (scripts/make-config)")
      ->capture_default_str();
  app.add_option("--records", records, "records in all, spread over the provinces by census flows")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}))
      ->capture_default_str();
  app.add_option("--seed", seed, "the same seed gives the same records")->capture_default_str();
  app.add_option("--error-rate", error_rate, "share of records broken on purpose (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--today", today_text,
                 "reporting date YYYYMMDD for the generator (default: today, China time; the "
                 "nodes always judge dates by their own clock)");
  app.add_option("--timeout-s", timeout_s, "give up waiting for a quiet network after this long")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  app.add_option("--json", json_path, "also write the figures to this file as JSON");
  app.add_option("--parallel", parallel, "provinces submitting at the same time")
      ->check(CLI::Range(std::size_t{1}, std::size_t{32}))
      ->capture_default_str();
  app.add_option("--chunk", chunk, "records per POST /v1/records")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
      ->capture_default_str();
  app.add_option("--directory-wait-s", directory_wait_s,
                 "before submitting, wait at most this long for every province to hold the "
                 "directory and its direct group links to be up")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  app.add_option("--collab-every", collab_every,
                 "one notice, registration or query per this many accepted inflow records "
                 "(0: no collaboration round)")
      ->capture_default_str();
  app.add_option("--ledger", ledger_path,
                 "write the quarter's ledger (ids, provinces, dates, counts; no personal data) "
                 "here, for --close-quarter");
  app.add_option("--close-quarter", close_ledger,
                 "instead: close the quarter of this ledger (the nodes' clock must be past its "
                 "end)");
  CLI11_PARSE(app, argc, argv);

  QuarterOptions quarter;
  quarter.seed = seed;
  quarter.error_rate = error_rate;
  if (today_text.empty()) {
    quarter.today = today_in_china();
  } else if (auto d = domain::Date::parse_yyyymmdd(today_text)) {
    quarter.today = *d;
  } else {
    std::cerr << fmt::format("provdemo: --today {}: expected a real date as YYYYMMDD\n",
                             today_text);
    return 2;
  }

  auto layout = read_network_layout(config_dir);
  if (!layout) {
    std::cerr << "provdemo: " << layout.error().message << '\n';
    return 2;
  }
  for (const NodeEndpoint* node : layout->all()) {
    AdminReply health = admin_get(node->admin, "/v1/health", std::chrono::seconds(10));
    if (health.status != 200) {
      std::cerr << fmt::format("provdemo: node {} at http://{}/v1/health: {}\n",
                               domain::province_code_text(node->code), node->admin.text(),
                               health.describe());
      return 2;
    }
  }

  if (!close_ledger.empty()) return run_close(*layout, close_ledger, timeout_s);

  // The provinces fetch the signed directory from the national node when
  // they connect, then dial their group peers.
  {
    auto waited_from = Clock::now();
    std::vector<NodeStatus> s =
        wait_for_directory(*layout, waited_from + std::chrono::seconds(directory_wait_s));
    std::uint64_t with_directory = 0, direct = 0, direct_up = 0;
    for (const auto& n : s) {
      if (n.directory_version) ++with_directory;
      direct += n.direct_links;
      direct_up += n.direct_links_connected;
    }
    std::cout << fmt::format(
        "provdemo: {} of 32 provinces hold the national node's signed directory; {} of {} "
        "direct links inside the regional groups are up ({:.1f} s)\n",
        with_directory, direct_up / 2, direct / 2, seconds_between(waited_from, Clock::now()));
  }

  std::vector<ProvinceQuota> quotas = apportion_records(records);
  auto quota_of = [&](domain::ProvinceCode code) {
    for (const auto& q : quotas) {
      if (q.code == code) return q.records;
    }
    return std::uint64_t{0};
  };
  std::cout << fmt::format(
      "provdemo: {} records over 32 provinces by census flows (Guangdong {}, Tibet {}), seed {}, "
      "{:.1f} % broken on purpose, reporting date {}\n",
      grouped(records), grouped(quota_of(44)), grouped(quota_of(54)), seed, error_rate * 100,
      quarter.today.yyyymmdd());
  std::cout << fmt::format(
                   "  submitting: POST /v1/records, {} records a chunk, {} provinces at "
                   "a time ...\n",
                   chunk, parallel)
            << std::flush;

  SubmissionOptions submission;
  submission.chunk_records = chunk;
  submission.parallel = parallel;
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(timeout_s);
  std::vector<ProvinceSubmission> submitted = submit_quarter(*layout, quotas, quarter, submission);
  const auto submit_done = Clock::now();
  std::cout << fmt::format(
                   "  submitted in {:.1f} s; waiting until no node has anything "
                   "pending ...\n",
                   seconds_between(started, submit_done))
            << std::flush;

  auto last_progress = Clock::now();
  QuietResult quiet = wait_until_quiet(*layout, deadline, [&](const std::vector<NodeStatus>& s) {
    if (Clock::now() - last_progress < std::chrono::seconds(5)) return;
    last_progress = Clock::now();
    std::uint64_t pending = 0, busy = 0, unknown = 0;
    for (const auto& n : s) {
      if (!n.pending) {
        ++unknown;
      } else if (*n.pending > 0) {
        pending += *n.pending;
        ++busy;
      }
    }
    std::cout << fmt::format("    {:.0f} s: {} messages and staged records pending at {} nodes{}\n",
                             seconds_between(started, Clock::now()), grouped(pending), busy,
                             unknown ? fmt::format(", {} nodes not answering", unknown) : "")
              << std::flush;
  });

  RunFigures f;
  f.records = records;
  f.seed = seed;
  f.error_rate = error_rate;
  f.today = quarter.today.yyyymmdd();
  f.config_dir = config_dir;
  f.submit_seconds = seconds_between(started, submit_done);
  f.quiet = quiet.quiet;
  f.quiet_seconds = seconds_between(started, quiet.at);
  f.polls = quiet.polls;

  std::cout << "  pulling every inbox (GET /v1/inbox) ...\n" << std::flush;
  std::vector<ArrivedEntry> arrived;
  std::map<domain::ProvinceCode, std::pair<std::uint64_t, std::uint64_t>> inbox_counts;
  for (const NodeEndpoint* node : layout->all()) {
    auto entries = pull_inbox(*node);
    if (!entries) {
      f.unreachable.push_back(entries.error().message);
      continue;
    }
    for (auto& e : *entries) {
      auto& [records_in, refused] = inbox_counts[node->code];
      ++(e.kind == "record" ? records_in : refused);
      arrived.push_back(std::move(e));
    }
  }

  std::vector<AcceptedVersion> accepted;
  std::map<domain::ProvinceCode, std::uint64_t> due;
  for (std::size_t i = 0; i < quotas.size(); ++i) {
    const ProvinceSubmission& s = submitted[i];
    ProvinceFigures p;
    p.code = quotas[i].code;
    p.name_en = std::string(domain::find_province(p.code)->name_en);
    p.quota = quotas[i].records;
    p.submitted = s.submitted;
    p.accepted = s.accepted;
    p.unchanged = s.unchanged;
    p.invalid = s.invalid;
    p.not_submitted = s.not_submitted;
    p.broken_generated = s.broken_generated;
    p.top_invalid_field = s.top_invalid_field();
    for (const auto& [field, n] : s.invalid_by_field) f.invalid_by_field[field] += n;
    for (const auto& [field, m] : s.example_by_field) f.example_by_field.try_emplace(field, m);
    for (const auto& failure : s.failures) {
      f.submit_failures.push_back(
          fmt::format("{}: {}", domain::province_code_text(p.code), failure));
    }
    for (const auto& v : s.versions) {
      ++due[v.concerned];
      accepted.push_back(v);
    }
    f.provinces.push_back(std::move(p));
  }
  for (auto& p : f.provinces) {
    p.due = due[p.code];
    p.received = inbox_counts[p.code].first;
    p.refused = inbox_counts[p.code].second;
  }
  for (const NodeStatus& s : quiet.last) {
    if (!s.answered) {
      f.unreachable.push_back(
          fmt::format("node {} status: {}", domain::province_code_text(s.code), s.error));
    }
    if (s.code == domain::kNationalCode) {
      f.national_record_versions = s.record_versions;
      f.national_evidence = s.evidence;
      f.national_pending = s.pending;
      continue;
    }
    for (auto& p : f.provinces) {
      if (p.code == s.code) p.pending = s.pending;
    }
  }
  f.national_inbox_records = inbox_counts[domain::kNationalCode].first;
  EvidenceOnlyRule evidence_only = [&](domain::ProvinceCode a, domain::ProvinceCode b) {
    return layout->national_gets_evidence_only(a, b);
  };
  auto share_full_group = [&](domain::ProvinceCode a, domain::ProvinceCode b) {
    for (const RegionalGroup& g : layout->groups) {
      bool has_a = std::find(g.members.begin(), g.members.end(), a) != g.members.end();
      bool has_b = std::find(g.members.begin(), g.members.end(), b) != g.members.end();
      if (has_a && has_b && g.national_copy_full) return true;
    }
    return false;
  };
  for (const AcceptedVersion& v : accepted) {
    if (evidence_only(v.author, v.concerned)) ++f.evidence_only_versions;
    if (share_full_group(v.author, v.concerned)) ++f.full_copy_group_versions;
  }
  f.conservation = check_conservation(accepted, arrived, evidence_only);

  print_report(std::cout, f);

  bool collab_pass = true;
  if (collab_every > 0) {
    std::set<std::string> accepted_ids;
    QuarterLedger ledger;
    ledger.reported = quarter.today;
    ledger.year = quarter.today.year;
    ledger.quarter = (quarter.today.month - 1) / 3 + 1;
    for (const AcceptedVersion& v : accepted) {
      if (accepted_ids.insert(v.record_id).second) ++ledger.accepted_records[v.author];
    }
    CollabOptions collab;
    collab.every = collab_every;
    std::cout << "\nprovdemo: the quarter's collaboration: notices, registrations and queries, "
                 "feedback and answers ...\n"
              << std::flush;
    CollabRound round = run_collab_round(*layout, quotas, quarter, accepted_ids, collab, deadline);
    std::map<domain::CollabKind, std::uint64_t> by_kind;
    std::uint64_t unanswered = 0;
    for (const CollabLedgerItem& item : round.items) {
      ++by_kind[item.kind];
      if (!item.replied) ++unanswered;
    }
    std::cout << fmt::format(
        "  sent: {} check notices, {} birth registrations, {} queries ({:.1f} s){}\n"
        "  replied: {} feedbacks and answers; {} queries left unanswered ({:.1f} s)\n"
        "  checked: {} states on both sides, {} pairs of the national monthly summary ({:.1f} "
        "s)\n",
        by_kind[domain::CollabKind::check_notice], by_kind[domain::CollabKind::birth_registration],
        by_kind[domain::CollabKind::query], round.send_seconds,
        round.beyond_calendar ? fmt::format("; {} refused: due date beyond the holiday calendar",
                                            round.beyond_calendar)
                              : "",
        round.replies_sent, unanswered, round.reply_seconds, round.checked_states,
        round.summary_pairs, round.check_seconds);
    for (std::size_t i = 0; i < round.failures.size() && i < 20; ++i) {
      std::cout << "  FAILED: " << round.failures[i] << '\n';
    }
    if (round.failures.size() > 20) {
      std::cout << fmt::format("  ... {} more\n", round.failures.size() - 20);
    }
    std::cout << (round.pass() ? "COLLABORATION CHECK: PASS\n" : "COLLABORATION CHECK: FAIL\n");
    collab_pass = round.pass();
    ledger.items = std::move(round.items);
    if (!ledger_path.empty()) {
      std::ofstream out(ledger_path, std::ios::trunc);
      out << quarter_ledger_to_json(ledger).dump(1) << '\n';
      if (!out.flush()) {
        std::cerr << fmt::format("provdemo: cannot write {}\n", ledger_path);
        return 2;
      }
    }
  }
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::trunc);
    out << report_json(f).dump(2) << '\n';
    if (!out.flush()) {
      std::cerr << fmt::format("provdemo: cannot write {}\n", json_path);
      return 2;
    }
  }
  return f.pass() && collab_pass ? 0 : 1;
}
