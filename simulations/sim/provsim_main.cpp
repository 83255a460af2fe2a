// provsim: the whole network (the national node and 32 provinces) under a
// virtual clock, with faults, from one seed (simulations/sim/simulation.hpp).
//
//   provsim --seed 7 --days 90        one run; prints its trace-hash
//   provsim --seeds 1000 --jobs 2     seeds 1..1000, two at a time
//   provsim --bench                   simulated days per second, events/s, memory
//
// Exit status: 0 when every run held every invariant, 1 when one did not
// (its report names the seed, the simulated time and the events before),
// 2 for bad arguments.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "sim/simulation.hpp"

namespace {

using provnet::sim::SimOptions;
using provnet::sim::SimResult;

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

void print_run(const SimResult& r, const SimOptions& o, bool verbose) {
  const auto& f = r.figures;
  if (verbose) {
    fmt::print("seed {}: {} days, 33 nodes, {} faults planned\n", r.seed, o.days,
               r.fault_plan.size());
    for (const std::string& line : r.fault_plan) fmt::print("  {}\n", line);
    fmt::print(
        "  traffic: {} records generated, {} invalid refused at submit, {} versions accepted "
        "({} updates), {} resubmitted after a refusal, {} answers lost in crashes\n",
        f.records_generated, f.records_invalid, f.versions_accepted, f.updates, f.resubmitted,
        f.answers_lost);
    fmt::print(
        "  collaboration: {} notices and registrations, {} queries ({} answered, {} reported "
        "overdue), {} replies\n",
        f.collab_items, f.queries, f.queries_answered, f.queries_overdue, f.replies);
    fmt::print(
        "  network: {} envelopes delivered ({} times several together), {} dropped, {} "
        "duplicated, {} lost on a link that was down; {} link ups, {} links closed by a node\n",
        f.deliveries, f.grouped_deliveries, f.dropped, f.duplicated, f.lost_on_link, f.link_ups,
        f.link_closes);
    fmt::print(
        "  nodes: {} crashes ({} before a commit, {} between sends), {} store write failures, {} "
        "security refusals\n",
        f.crashes, f.crashes_before_commit, f.crashes_between_sends, f.store_full_errors,
        f.security_refusals);
    fmt::print(
        "  end: {} versions delivered exactly once, {} national copies, {} audit entries, {} "
        "(message, link) rows reconciled\n",
        f.delivered_once, f.national_copies, f.audit_entries, f.reconciled_rows);
    fmt::print("  {} events, {} trace lines, {:.1f} s\n", f.events, f.trace_lines, f.real_seconds);
  }
  if (r.ok) {
    fmt::print("seed {}: ok  trace-hash: {}\n", r.seed, r.trace_hash);
  } else {
    fmt::print("seed {}: FAILED  trace-hash: {}\n{}\n", r.seed, r.trace_hash, r.violation);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "provsim: the provnet network (national node + 32 provinces) simulated with "
      "faults, deterministically from a seed"};
  SimOptions o;
  o.config_dir = PROVNET_SOURCE_DIR "/config";
  std::uint64_t seeds = 0;
  unsigned jobs = 1;
  bool bench = false, quiet = false, no_faults = false;
  app.add_option("--seed", o.seed, "the run's seed (with --seeds: the first seed)")
      ->capture_default_str();
  app.add_option("--seeds", seeds, "run this many seeds, from --seed on");
  app.add_option("--days", o.days, "simulated days per run")
      ->check(CLI::Range(3, 300))
      ->capture_default_str();
  app.add_option("--records-per-day", o.records_per_day, "new records a day, all provinces")
      ->capture_default_str();
  app.add_option("--error-rate", o.error_rate, "share of generated records broken on purpose")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--drop", o.drop, "probability an envelope is lost")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app.add_option("--duplicate", o.duplicate, "probability an envelope arrives twice")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app.add_flag("--no-faults", no_faults, "a perfect network, no crashes, no other faults");
  app.add_option("--jobs", jobs, "runs at once (with --seeds)")->capture_default_str();
  app.add_option("--config-dir", o.config_dir, "nodes.toml, groups.toml, holidays-*.csv")
      ->capture_default_str();
  app.add_option("--work-dir", o.work_dir, "where the runs' stores go (default: the temp dir)");
  app.add_flag("--keep", o.keep_stores, "keep the stores after the run");
  app.add_option("--trace-file", o.trace_file, "write every trace line to this file (one run)");
  app.add_option("--trace-context", o.trace_context, "trace lines shown with a violation")
      ->capture_default_str();
  app.add_flag("--bench", bench, "print simulated days per second, events per second, memory");
  app.add_flag("-q,--quiet", quiet, "one line per run");
  app.add_option("--sabotage", o.sabotage,
                 "break the nodes on purpose, to see the invariants catch it: forget-sent "
                 "(a node drops each message from its outbox once sent, before the "
                 "acknowledgement)")
      ->check(CLI::IsMember({"forget-sent"}));
  CLI11_PARSE(app, argc, argv);
  o.faults = !no_faults;
  if (seeds > 0 && !o.trace_file.empty()) {
    std::cerr << "provsim: --trace-file is for one run; leave out --seeds\n";
    return 2;
  }
  if (jobs == 0) jobs = 1;

  if (seeds == 0) {
    SimResult r = provnet::sim::run_simulation(o);
    print_run(r, o, !quiet);
    if (bench) {
      const auto& f = r.figures;
      const double days = static_cast<double>(f.simulated_ms) / 86'400'000.0;
      fmt::print(
          "bench: 33 nodes, {:.0f} simulated days in {:.2f} s: {:.1f} simulated days/s, "
          "{:.0f} events/s, {:.0f} envelopes delivered/s, {:.0f} versions accepted/s\n",
          days, f.real_seconds, days / f.real_seconds,
          static_cast<double>(f.events) / f.real_seconds,
          static_cast<double>(f.deliveries) / f.real_seconds,
          static_cast<double>(f.versions_accepted) / f.real_seconds);
      fmt::print("bench: peak memory (max RSS) {:.1f} MiB; stores {:.1f} MiB at the end\n",
                 static_cast<double>(max_rss_kib()) / 1024.0,
                 static_cast<double>(f.store_bytes) / (1024.0 * 1024.0));
    }
    return r.ok ? 0 : 1;
  }

  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> failed{0};
  std::mutex print_mutex;
  std::vector<std::uint64_t> failed_seeds;
  auto worker = [&] {
    while (true) {
      const std::uint64_t i = next++;
      if (i >= seeds) return;
      SimOptions mine = o;
      mine.seed = o.seed + i;
      SimResult r = provnet::sim::run_simulation(mine);
      std::lock_guard lock(print_mutex);
      print_run(r, mine, false);
      if (!r.ok) {
        ++failed;
        failed_seeds.push_back(mine.seed);
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  fmt::print("{} of {} seeds held every invariant", seeds - failed, seeds);
  if (!failed_seeds.empty()) {
    std::sort(failed_seeds.begin(), failed_seeds.end());
    fmt::print("; failed: {}", fmt::join(failed_seeds, " "));
  }
  fmt::print("\n");
  return failed == 0 ? 0 : 1;
}
