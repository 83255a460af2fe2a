// provsim's world: the national node and the 32 provinces, each the real
// NodeCore on a real LMDB store, driven by a virtual clock over a virtual
// network that delays, drops, duplicates and reorders envelopes and cuts
// links; nodes crash at random points (work not committed is lost, as in a
// real crash) and restart on their stores. Provincial systems submit a
// synthetic population (simulations/synth, the 2020 census flows), update
// records, send and answer collaboration items, and resubmit what comes
// back refused. Everything comes from one seed.
//
// Invariants are checked as the run goes (each inbox, after every event)
// and at the end, once every fault has healed and the network is quiet:
// every accepted record version at exactly the province it concerns,
// exactly once, and nowhere else; every query answered or reported
// overdue; the national node's reconciliation clean; every audit chain
// verifies. The first violation stops the run with the seed, the simulated
// time and the events before it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace provnet::sim {

struct SimOptions {
  std::uint64_t seed = 1;
  int days = 90;
  std::uint64_t records_per_day = 40;  // new records, all provinces together
  double error_rate = 0.02;            // share of generated records broken on purpose
  bool faults = true;
  double drop = 0.02;       // per envelope
  double duplicate = 0.01;  // per envelope
  std::int64_t min_delay_ms = 5;
  std::int64_t max_delay_ms = 800;  // random per envelope: reorders
  std::string config_dir;           // nodes.toml, groups.toml, holidays-*.csv
  std::string work_dir;             // the run's stores go in a new directory under it
  bool keep_stores = false;
  std::string trace_file;  // every trace line, when set
  std::size_t trace_context = 40;
  // "forget-sent": every node deletes each message it authored from its
  // outbox as soon as it is sent, before any acknowledgement - a bug the
  // invariants must catch (ctest provsim.catches_forgotten_messages).
  std::string sabotage;
};

struct SimFigures {
  std::uint64_t events = 0;
  std::uint64_t deliveries = 0, dropped = 0, duplicated = 0, lost_on_link = 0;
  std::uint64_t grouped_deliveries = 0;  // on_envelopes calls with 2 or more envelopes
  std::uint64_t ticks = 0, link_closes = 0, link_ups = 0;
  std::uint64_t crashes = 0, crashes_before_commit = 0, crashes_between_sends = 0;
  std::uint64_t store_full_errors = 0;  // store.failed events and refused submissions
  std::uint64_t records_generated = 0, records_invalid = 0, versions_accepted = 0, updates = 0;
  std::uint64_t resubmitted = 0, answers_lost = 0;
  std::uint64_t collab_items = 0, queries = 0, replies = 0, queries_overdue = 0,
                queries_answered = 0;
  std::uint64_t security_refusals = 0;
  std::uint64_t audit_entries = 0, reconciled_rows = 0;
  std::uint64_t delivered_once = 0, national_copies = 0;
  std::uint64_t trace_lines = 0;
  std::int64_t simulated_ms = 0;
  double real_seconds = 0;
  std::uint64_t store_bytes = 0;  // used by all stores at the end
};

struct SimResult {
  bool ok = false;
  std::uint64_t seed = 0;
  std::string trace_hash;
  // The first violation: what, the seed, the simulated time, the events before it.
  std::string violation;
  std::vector<std::string> fault_plan;
  SimFigures figures;
};

SimResult run_simulation(const SimOptions& options);

}  // namespace provnet::sim
