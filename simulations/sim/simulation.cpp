#include "sim/simulation.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "core/audit_chain.hpp"
#include "core/digest.hpp"
#include "core/node_core.hpp"
#include "core/wire_codec.hpp"
#include "daemon/directory_source.hpp"
#include "domain/collab_item.hpp"
#include "domain/holiday_calendar.hpp"
#include "network/conservation_check.hpp"
#include "network/quarter_plan.hpp"
#include "sim/fault_plan.hpp"
#include "sim/sim_signing.hpp"
#include "sim/trace_log.hpp"
#include "store/keys.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"
#include "synth/population.hpp"

namespace provnet::sim {
namespace {

namespace fs = std::filesystem;
using domain::CollabItem;
using domain::CollabKind;
using domain::MigrantRecord;
using domain::ProvinceCode;

constexpr std::int64_t kSecond = 1'000;
// Packets on one link that arrive within this of each other are handed to
// the core together (at most kMaxPacketsTogether), as provnode's sessions do
// with frames that are already there.
constexpr std::int64_t kGroupWindowMs = 20;
constexpr std::size_t kMaxPacketsTogether = 64;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr ProvinceCode kNational = domain::kNationalCode;
constexpr std::uint64_t kNormalMapBytes = 1ull << 30;
// Monday 2 March 2026, 00:00 China time: inside the shipped holiday calendar
// (2025-2026) for runs of up to about 300 days.
const domain::Date kStartDate{2026, 3, 2};

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string code_text(ProvinceCode c) {
  return fmt::format("{:02d}", c);
}

// What the simulation stops on.
struct Violation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Ev {
  packet,
  timer,
  reconnect,
  fault_start,
  fault_end,
  crash_now,
  restart,
  day,
  submit,
  system_poll,
  collab_work,
};

struct Event {
  std::int64_t at = 0;
  std::uint64_t order = 0;
  Ev kind = Ev::timer;
  ProvinceCode node = 0, peer = 0;
  std::uint64_t epoch = 0;
  std::size_t index = 0;
  std::string bytes;
  bool operator>(const Event& o) const { return at != o.at ? at > o.at : order > o.order; }
};

enum class CrashPoint { before_call, after_commit };

struct SimNode {
  ProvinceCode code = 0;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<core::NodeCore> core;
  bool alive = false;
  std::uint64_t epoch = 0;  // incremented at each crash: older timers are void
  std::int64_t skew_ms = 0;
  std::uint32_t generation = 0;  // of its certificate
  std::uint32_t starts = 0;
  bool disk_full = false;
  std::optional<CrashPoint> crash_armed;
  std::int64_t restart_at = 0;
  std::set<std::int64_t> timers;  // global times of pending wake-ups
  // Invariant bookkeeping: inbox entries looked at, versions seen here.
  std::uint64_t inbox_checked = 0;
  std::unordered_set<std::string> seen;
};

struct Link {
  ProvinceCode a = 0, b = 0;
  bool up = false;
  std::uint64_t epoch = 0;
  std::int64_t closed_until = 0;
};

struct Accepted {
  ProvinceCode author = 0, concerned = 0;
};

struct Batch {
  std::vector<MigrantRecord> records;
};

// A collaboration submission waiting for its answer (items or replies).
struct CollabBatch {
  CollabKind kind = CollabKind::query;
  std::vector<CollabItem> items;
};

struct QueryFacts {
  ProvinceCode asker = 0, hukou = 0;
  std::string due;  // YYYYMMDD
  bool answered_by_hukou = false;
};

// A province's own population system, as far as the simulation plays it.
struct ProvincialSystem {
  ProvinceCode code = 0;
  std::optional<synth::PopulationGenerator> generator;
  std::uint64_t quota_left = 0;
  std::uint64_t per_day = 0;
  std::deque<Batch> batches;                    // submitted, no answer seen yet
  std::map<std::string, MigrantRecord> latest;  // record id -> the version it knows accepted
  std::vector<std::string> updatable;           // accepted record ids, in order
  std::deque<CollabBatch> collab_batches;
  std::map<std::string, CollabItem> collab_sent;  // id -> item or reply it sent
  std::multimap<std::int64_t, std::pair<CollabKind, std::string>> replies_due;
  std::vector<MigrantRecord> collab_candidates;  // accepted inflow records not yet used
  std::uint64_t collab_serial = 0;
  std::uint64_t inbox_cursor = 0;
  bool retry_scheduled = false;
};

class World {
 public:
  explicit World(const SimOptions& o)
      : o_(o),
        net_rng_(mix(o.seed, 1)),
        plan_rng_(mix(o.seed, 2)),
        traffic_rng_(mix(o.seed, 3)),
        crash_rng_(mix(o.seed, 4)),
        trace_(o.trace_context, o.trace_file) {}

  SimResult run();

 private:
  // --- set-up --------------------------------------------------------------
  void load_reference();
  core::CoreConfig config_for(const SimNode& n) const;
  void open_node(SimNode& n);
  std::uint64_t fill_disk(const store::StoreOptions& normal);
  void free_disk(const store::StoreOptions& normal);
  core::DirectoryContent directory_content() const;

  // --- time and events -----------------------------------------------------
  std::int64_t node_now(ProvinceCode p) const { return now_ + nodes_.at(p).skew_ms; }
  void schedule(Event e) {
    e.order = order_++;
    queue_.push(std::move(e));
  }
  void schedule_at(std::int64_t at, Ev kind, ProvinceCode node = 0, std::size_t index = 0) {
    Event e;
    e.at = std::max(at, now_);
    e.kind = kind;
    e.node = node;
    e.index = index;
    schedule(std::move(e));
  }
  void run_until(std::int64_t until);
  void handle(Event& e);
  bool packets_in_flight() const { return packets_ > 0; }

  // --- nodes ---------------------------------------------------------------
  SimNode& node(ProvinceCode p) { return nodes_.at(p); }
  // Whether to go on with a call at `p` (false: it crashed before it).
  bool before_call(ProvinceCode p, std::string_view what);
  // Carries out what a call at `p` asked; a node armed to crash crashes
  // partway through its sends (its transaction had committed).
  void after_call(ProvinceCode p, core::Effects&& fx, std::string_view what);
  void apply(ProvinceCode p, core::Effects&& fx);
  void crash(ProvinceCode p, const std::string& why);
  // SimOptions::sabotage "forget-sent": the messages in `fx` leave the outbox.
  void forget_sent(ProvinceCode p, const core::Effects& fx);
  void restart(ProvinceCode p);

  // --- network -------------------------------------------------------------
  Link* find_link(ProvinceCode a, ProvinceCode b);
  bool link_wanted(const Link& l) const;
  void refresh_links();
  void transmit(ProvinceCode from, ProvinceCode to, std::string bytes);
  void deliver(Event& e);
  void close_link(ProvinceCode p, ProvinceCode peer, const std::string& reason);

  // --- faults --------------------------------------------------------------
  void fault_start(const FaultEpisode& f);
  void fault_end(const FaultEpisode& f);
  void revoke_and_rekey(ProvinceCode p);

  // --- provincial systems --------------------------------------------------
  void submit_day(ProvinceCode p);
  void try_submit(ProvinceCode p);
  void note_submitted(ProvinceCode p, const core::SubmitOutcome& out,
                      const std::vector<MigrantRecord>& records);
  void system_poll(ProvinceCode p);
  void collab_work(ProvinceCode p);
  void try_collab(ProvinceCode p);
  void schedule_retry(ProvincialSystem& s, std::int64_t after);

  // --- invariants ----------------------------------------------------------
  void check_inbox(ProvinceCode p);
  [[noreturn]] void violated(const std::string& what);
  bool quiet();
  // Runs until quiet(), at most `at_most_ms`; false if it never was.
  bool settle(std::int64_t at_most_ms);
  void checkpoint_all();
  void quiesce();
  // What keeps the network from being quiet, for a report.
  std::string waiting();
  // Every accepted version exactly once where it belongs (violated() if not).
  network::ConservationResult check_conservation();
  void final_checks();

  std::string stamp() const;
  void trace(const std::string& line) { add_trace(fmt::format("{} {}", stamp(), line)); }
  // The stores' directory carries the process id: it is kept out of the trace
  // so that the same seed gives the same hash in any process.
  void add_trace(std::string line) {
    const std::string dir = dir_.string();
    for (auto at = line.find(dir); at != std::string::npos; at = line.find(dir, at))
      line.replace(at, dir.size(), "<stores>");
    trace_.add(line);
  }
  std::string envelope_summary(std::string_view bytes) const;

  const SimOptions& o_;
  synth::Rng net_rng_, plan_rng_, traffic_rng_, crash_rng_;
  TraceLog trace_;
  fs::path dir_;
  std::shared_ptr<const domain::HolidayCalendar> calendar_;
  core::DirectoryContent base_directory_;
  std::vector<RegionGroup> groups_;
  std::vector<ProvinceCode> provinces_;
  std::vector<core::DirectoryRevocation> revocations_;

  std::int64_t origin_ = 0, now_ = 0, end_ = 0, traffic_end_ = 0;
  std::uint64_t order_ = 0;
  std::uint64_t packets_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  std::map<ProvinceCode, SimNode> nodes_;
  std::map<ProvinceCode, ProvincialSystem> systems_;
  std::map<std::pair<ProvinceCode, ProvinceCode>, Link> links_;
  std::vector<FaultEpisode> plan_;
  std::vector<const FaultEpisode*> active_;
  bool refreshing_ = false;

  std::unordered_map<std::string, Accepted> accepted_;  // "id@v" -> who
  std::map<std::string, QueryFacts> queries_;
  SimFigures fig_;
};

std::string version_key(std::string_view id, std::uint32_t v) {
  return fmt::format("{}@{}", id, v);
}

// --- set-up ----------------------------------------------------------------

void World::load_reference() {
  auto calendar = domain::HolidayCalendar::load_directory(o_.config_dir);
  if (!calendar) throw std::runtime_error("holiday calendar: " + calendar.error().message);
  calendar_ = std::make_shared<const domain::HolidayCalendar>(std::move(calendar).value());
  daemon::DirectorySources sources;
  sources.nodes_file = (fs::path(o_.config_dir) / "nodes.toml").string();
  sources.groups_file = (fs::path(o_.config_dir) / "groups.toml").string();
  auto loaded = daemon::load_directory_sources(sources, origin_ / 1000);
  if (!loaded.content) {
    std::string problems;
    for (const auto& p : loaded.problems) problems += "\n  " + p;
    throw std::runtime_error("directory sources in " + o_.config_dir + ":" + problems);
  }
  base_directory_ = *loaded.content;
  for (const core::DirectoryNode& n : base_directory_.nodes) {
    if (n.code != kNational) provinces_.push_back(n.code);
  }
  for (const core::DirectoryGroup& g : base_directory_.groups) {
    groups_.push_back({g.id, g.members, g.national_copy == core::NationalCopy::full});
  }
}

core::DirectoryContent World::directory_content() const {
  core::DirectoryContent c = base_directory_;
  for (core::DirectoryNode& n : c.nodes) {
    n.certificate_serials = {sim_serial(n.code, nodes_.at(n.code).generation)};
  }
  c.revocations = revocations_;
  return c;
}

core::CoreConfig World::config_for(const SimNode& n) const {
  core::CoreConfig c;
  c.self = n.code;
  c.seed = mix(mix(o_.seed, n.code), n.starts);
  c.max_records_per_message = 100;
  c.max_in_flight_per_link = 8;
  c.retry_initial_ms = 2 * kSecond;
  c.retry_max_ms = 10 * kMinute;
  // Rarer than a daemon's minute: every refresh is two envelopes a province,
  // and they would be most of the simulated traffic.
  c.directory_refresh_ms = 6 * kHour;
  c.signer = sim_signer(n.code, n.generation);
  c.verifier = sim_verifier();
  c.calendar = calendar_;
  c.checkpoint_interval_ms = 6 * kHour;
  c.checkpoint_max_entries = 2'000;
  c.reconcile_interval_ms = n.code == kNational ? 6 * kHour : 0;
  c.reconcile.unacknowledged_after_ms = 2 * kDay;
  c.reconcile.clock_skew_ms = 10 * kMinute;
  return c;
}

// The disk fills: ballast (other files on the disk) takes every free page
// of the store, which then maps at exactly the size it uses: any write that
// needs a new page fails. The ballast goes when the disk is freed.
std::uint64_t World::fill_disk(const store::StoreOptions& normal) {
  auto s = store::Store::open(normal);
  if (!s) violated("cannot open a store to fill its disk: " + s.error().message);
  // One transaction, larger than any free list a simulated store has: the
  // pages it frees itself are all the slack left.
  // Small values, so that they take the free list's scattered single pages
  // (a large value needs contiguous ones).
  const std::string chunk(1024, 'b');
  auto txn = (*s)->begin_write();
  if (!txn) violated("cannot write the ballast of a full disk: " + txn.error().message);
  for (int i = 0; i < 4096; ++i) {
    if (!txn->put(store::Table::meta, fmt::format("provsim.ballast.{:05d}", i), chunk))
      violated("cannot write the ballast of a full disk");
  }
  if (!txn->commit()) violated("cannot write the ballast of a full disk");
  auto after = (*s)->stats();
  if (!after) violated("store statistics: " + after.error().message);
  return after->used_bytes;
}

void World::free_disk(const store::StoreOptions& normal) {
  auto s = store::Store::open(normal);
  if (!s) violated("cannot open a store to free its disk: " + s.error().message);
  auto txn = (*s)->begin_write();
  if (!txn) violated("cannot free the disk: " + txn.error().message);
  std::vector<std::string> keys;
  (void)txn->scan(store::Table::meta, "provsim.ballast.",
                  [&](std::string_view k, std::string_view) {
                    keys.emplace_back(k);
                    return true;
                  });
  for (const std::string& k : keys) (void)txn->erase(store::Table::meta, k);
  if (!txn->commit()) violated("cannot free the disk");
}

void World::open_node(SimNode& n) {
  store::StoreOptions so;
  so.path = (dir_ / code_text(n.code)).string();
  so.durable = false;  // a process crash keeps what was committed; the machine does not crash
  so.map_size_bytes = kNormalMapBytes;
  if (n.disk_full) so.map_size_bytes = fill_disk(so);
  auto opened = store::Store::open(so);
  if (!opened)
    violated(fmt::format("node {} cannot open its store: {}", code_text(n.code),
                         opened.error().message));
  n.store = std::move(opened).value();
  n.core = std::make_unique<core::NodeCore>(config_for(n), *n.store);
  ++n.starts;
  n.alive = true;
  n.crash_armed.reset();
}

// --- the run ---------------------------------------------------------------

SimResult World::run() {
  const auto wall_start = std::chrono::steady_clock::now();
  SimResult result;
  result.seed = o_.seed;
  origin_ = kStartDate.to_days() * kDay - 8 * kHour;
  now_ = origin_;
  end_ = origin_ + o_.days * kDay;
  const std::int64_t calm = std::max<std::int64_t>(2 * kDay, o_.days * kDay / 6);
  traffic_end_ = end_ - calm;
  load_reference();

  fs::path base = o_.work_dir.empty() ? fs::temp_directory_path() : fs::path(o_.work_dir);
  dir_ = base / fmt::format("provsim-{}-{}", o_.seed, ::getpid());
  fs::remove_all(dir_);
  fs::create_directories(dir_);

  try {
    // Nodes, with their base clock skew (within a minute of true time).
    std::vector<ProvinceCode> all{kNational};
    all.insert(all.end(), provinces_.begin(), provinces_.end());
    for (ProvinceCode p : all) {
      SimNode& n = nodes_[p];
      n.code = p;
      if (o_.faults) n.skew_ms = plan_rng_.between(-kMinute, kMinute);
    }
    for (ProvinceCode p : all) {
      open_node(nodes_[p]);
      trace(fmt::format("start {} skew {}ms", code_text(p), nodes_[p].skew_ms));
    }
    // Links: the national node to every province, and within each group.
    for (ProvinceCode p : provinces_) links_[{kNational, p}] = Link{kNational, p};
    for (const RegionGroup& g : groups_) {
      for (ProvinceCode a : g.members)
        for (ProvinceCode b : g.members)
          if (a < b) links_[{a, b}] = Link{a, b};
    }
    // The national node publishes the directory; every node starts.
    {
      auto published = node(kNational).core->publish_directory(directory_content(), 400 * kDay,
                                                               node_now(kNational));
      if (!published)
        violated("the national node cannot publish the directory: " + published.error().message);
      apply(kNational, std::move(*published));
    }
    for (ProvinceCode p : all) apply(p, node(p).core->start(node_now(p)));
    refresh_links();

    // Provincial systems: quotas by the census flows.
    const std::uint64_t total =
        o_.records_per_day * static_cast<std::uint64_t>((traffic_end_ - origin_) / kDay);
    network::QuarterOptions q;
    q.seed = o_.seed;
    q.today = kStartDate;
    q.error_rate = o_.error_rate;
    const std::int64_t traffic_days = std::max<std::int64_t>(1, (traffic_end_ - origin_) / kDay);
    for (const network::ProvinceQuota& quota : network::apportion_records(total)) {
      ProvincialSystem& s = systems_[quota.code];
      s.code = quota.code;
      s.generator.emplace(network::province_generator(q, quota.code));
      s.quota_left = quota.records;
      s.per_day = (quota.records + traffic_days - 1) / traffic_days;
      schedule_at(origin_ + plan_rng_.between(0, 3 * kHour), Ev::system_poll, quota.code);
    }
    for (std::int64_t d = origin_; d < end_; d += kDay) schedule_at(d, Ev::day);

    // Faults.
    if (o_.faults) {
      FaultPlanOptions fo;
      fo.window_start_ms = origin_ + 6 * kHour;
      fo.window_end_ms = traffic_end_;
      fo.provinces = provinces_;
      fo.groups = groups_;
      plan_ = plan_faults(plan_rng_, fo);
      for (std::size_t i = 0; i < plan_.size(); ++i) {
        result.fault_plan.push_back(describe(plan_[i], origin_));
        schedule_at(plan_[i].start_ms, Ev::fault_start, 0, i);
        if (plan_[i].end_ms > plan_[i].start_ms || plan_[i].kind == FaultKind::crash)
          schedule_at(std::max(plan_[i].end_ms, plan_[i].start_ms + 2 * kMinute), Ev::fault_end, 0,
                      i);
      }
    }

    run_until(end_);
    quiesce();
    final_checks();
    result.ok = true;
  } catch (const Violation& v) {
    result.violation = v.what();
  }
  result.trace_hash = trace_.hash_hex();
  fig_.trace_lines = trace_.lines();
  fig_.simulated_ms = now_ - origin_;
  for (auto& [p, n] : nodes_) {
    if (n.store) {
      if (auto st = n.store->stats()) fig_.store_bytes += st->used_bytes;
    }
  }
  nodes_.clear();  // cores before stores: each node's core goes first
  if (!o_.keep_stores) fs::remove_all(dir_);
  fig_.real_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.figures = fig_;
  return result;
}

void World::run_until(std::int64_t until) {
  while (!queue_.empty() && queue_.top().at <= until) {
    Event e = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    now_ = std::max(now_, e.at);
    ++fig_.events;
    handle(e);
  }
  now_ = std::max(now_, until);
}

void World::handle(Event& e) {
  switch (e.kind) {
    case Ev::packet:
      --packets_;
      deliver(e);
      break;
    case Ev::timer: {
      SimNode& n = node(e.node);
      if (!n.alive || n.epoch != e.epoch) break;
      n.timers.erase(e.at);
      ++fig_.ticks;
      if (!before_call(e.node, "tick")) break;
      after_call(e.node, n.core->on_tick(node_now(e.node)), "tick");
      break;
    }
    case Ev::reconnect:
      refresh_links();
      break;
    case Ev::fault_start:
      fault_start(plan_[e.index]);
      break;
    case Ev::fault_end:
      fault_end(plan_[e.index]);
      break;
    case Ev::crash_now:
      if (node(e.node).alive && node(e.node).crash_armed) crash(e.node, "while idle");
      break;
    case Ev::restart:
      if (!node(e.node).alive && now_ >= node(e.node).restart_at) restart(e.node);
      break;
    case Ev::day:
      for (ProvinceCode p : provinces_) {
        if (now_ < traffic_end_)
          schedule_at(now_ + 9 * kHour + traffic_rng_.between(0, 8 * kHour), Ev::submit, p);
        schedule_at(now_ + 10 * kHour + traffic_rng_.between(0, 7 * kHour), Ev::collab_work, p);
      }
      break;
    case Ev::submit:
      submit_day(e.node);
      break;
    case Ev::system_poll:
      system_poll(e.node);
      schedule_at(now_ + 3 * kHour, Ev::system_poll, e.node);
      break;
    case Ev::collab_work:
      if (e.index == 1) systems_.at(e.node).retry_scheduled = false;
      collab_work(e.node);
      break;
  }
}

// --- nodes -----------------------------------------------------------------

bool World::before_call(ProvinceCode p, std::string_view what) {
  SimNode& n = node(p);
  if (!n.alive) return false;
  if (n.crash_armed == CrashPoint::before_call) {
    ++fig_.crashes_before_commit;
    crash(p, fmt::format("before {} committed", what));
    return false;
  }
  return true;
}

void World::after_call(ProvinceCode p, core::Effects&& fx, std::string_view what) {
  SimNode& n = node(p);
  if (n.crash_armed == CrashPoint::after_commit) {
    // The transaction committed; the process dies partway through sending.
    const std::size_t sent = fx.sends.empty() ? 0 : crash_rng_.below(fx.sends.size() + 1);
    fx.sends.resize(sent);
    fx.closes.clear();
    fx.wake_at_ms.reset();
    apply(p, std::move(fx));
    ++fig_.crashes_between_sends;
    crash(p, fmt::format("after {} committed, {} sends out", what, sent));
    return;
  }
  apply(p, std::move(fx));
  check_inbox(p);
}

void World::apply(ProvinceCode p, core::Effects&& fx) {
  SimNode& n = node(p);
  for (const core::LogEvent& l : fx.logs) {
    std::string line =
        fmt::format("  log {} {} {}", code_text(p), core::log_level_text(l.level), l.event);
    for (const auto& [k, v] : l.fields) line += fmt::format(" {}={}", k, v);
    add_trace(std::move(line));
    if (l.event.starts_with("security.")) ++fig_.security_refusals;
    if (l.event == "query.overdue") ++fig_.queries_overdue;
    if (l.event == "store.failed") ++fig_.store_full_errors;
  }
  if (o_.sabotage == "forget-sent" && n.alive && !fx.sends.empty()) forget_sent(p, fx);
  for (auto& s : fx.sends) transmit(p, s.peer, std::move(s.bytes));
  for (const core::CloseLink& c : fx.closes) close_link(p, c.peer, c.reason);
  if (fx.wake_at_ms && n.alive) {
    const std::int64_t at = std::max(now_, *fx.wake_at_ms - n.skew_ms);
    if (n.timers.insert(at).second) {
      Event e;
      e.at = at;
      e.kind = Ev::timer;
      e.node = p;
      e.epoch = n.epoch;
      schedule(std::move(e));
    }
  }
}

void World::forget_sent(ProvinceCode p, const core::Effects& fx) {
  auto txn = node(p).store->begin_write();
  if (!txn) return;
  for (const core::SendEnvelope& s : fx.sends) {
    auto entries = store::outbox_scan(*txn, s.peer, 0, SIZE_MAX, SIZE_MAX);
    if (!entries) return;
    for (const store::OutboxEntry& e : *entries) {
      if (e.bytes != s.bytes) continue;
      (void)txn->erase(store::Table::outbox, store::keys::outbox(s.peer, e.seq));
      trace(fmt::format("sabotage {} forgets {}", code_text(p), envelope_summary(s.bytes)));
    }
  }
  (void)txn->commit();
}

void World::crash(ProvinceCode p, const std::string& why) {
  SimNode& n = node(p);
  if (!n.alive) return;
  ++fig_.crashes;
  trace(fmt::format("crash {} {}", code_text(p), why));
  n.core.reset();
  n.store.reset();  // the process is gone: its environment closes, nothing uncommitted stays
  n.alive = false;
  ++n.epoch;
  n.timers.clear();
  n.crash_armed.reset();
  refresh_links();
  if (n.restart_at <= now_) n.restart_at = now_ + kMinute;
  schedule_at(n.restart_at, Ev::restart, p);
}

void World::restart(ProvinceCode p) {
  SimNode& n = node(p);
  if (n.alive) return;
  open_node(n);
  std::string disk;
  if (n.disk_full) {
    auto st = n.store->stats();
    if (st)
      disk = fmt::format(", disk full: {} of {} bytes used", st->used_bytes, st->map_size_bytes);
  }
  trace(fmt::format("restart {} (start {}, certificate {}{})", code_text(p), n.starts,
                    sim_serial(p, n.generation), disk));
  apply(p, n.core->start(node_now(p)));
  refresh_links();
  if (p != kNational) {
    // Its provincial system sends what it saw no answer to.
    try_submit(p);
    try_collab(p);
  }
}

// --- network ---------------------------------------------------------------

Link* World::find_link(ProvinceCode a, ProvinceCode b) {
  auto it = links_.find({std::min(a, b), std::max(a, b)});
  return it == links_.end() ? nullptr : &it->second;
}

bool World::link_wanted(const Link& l) const {
  if (!nodes_.at(l.a).alive || !nodes_.at(l.b).alive) return false;
  if (now_ < l.closed_until) return false;
  for (const FaultEpisode* f : active_) {
    switch (f->kind) {
      case FaultKind::national_outage:
        if (l.a == kNational || l.b == kNational) return false;
        break;
      case FaultKind::group_cut: {
        for (const RegionGroup& g : groups_) {
          if (g.id != f->group) continue;
          const bool in_a = std::find(g.members.begin(), g.members.end(), l.a) != g.members.end();
          const bool in_b = std::find(g.members.begin(), g.members.end(), l.b) != g.members.end();
          if (in_a != in_b) return false;
        }
        break;
      }
      case FaultKind::link_flap:
        if (std::min(f->node, f->peer) == l.a && std::max(f->node, f->peer) == l.b) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

void World::refresh_links() {
  if (refreshing_) return;
  refreshing_ = true;
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto& [key, l] : links_) {
      const bool wanted = link_wanted(l);
      if (wanted == l.up) continue;
      changed = true;
      l.up = wanted;
      if (wanted) {
        ++fig_.link_ups;
        trace(fmt::format("link-up {}-{}", code_text(l.a), code_text(l.b)));
        apply(l.a, node(l.a).core->on_link_up(l.b, node_now(l.a)));
        if (node(l.b).alive) apply(l.b, node(l.b).core->on_link_up(l.a, node_now(l.b)));
      } else {
        ++l.epoch;
        trace(fmt::format("link-down {}-{}", code_text(l.a), code_text(l.b)));
        for (auto [self, other] : {std::pair{l.a, l.b}, std::pair{l.b, l.a}}) {
          if (node(self).alive) apply(self, node(self).core->on_link_down(other, node_now(self)));
        }
      }
    }
  }
  refreshing_ = false;
}

std::string World::envelope_summary(std::string_view bytes) const {
  auto decoded = core::DecodedEnvelope::decode(bytes, {});
  if (!decoded) return "undecodable";
  auto env = decoded->root();
  return fmt::format("{}:{} {} for {} #{}", code_text(env.getAuthor()), env.getMessageId(),
                     core::body_kind_name(env.getBody().which()), code_text(env.getDestination()),
                     core::hex(core::sha256(bytes)).substr(0, 12));
}

void World::transmit(ProvinceCode from, ProvinceCode to, std::string bytes) {
  Link* l = find_link(from, to);
  if (l == nullptr || !l->up) {
    ++fig_.lost_on_link;
    trace(
        fmt::format("no-link {}->{} {}", code_text(from), code_text(to), envelope_summary(bytes)));
    return;
  }
  if (o_.faults && net_rng_.chance(o_.drop)) {
    ++fig_.dropped;
    trace(fmt::format("drop {}->{} {}", code_text(from), code_text(to), envelope_summary(bytes)));
    return;
  }
  const int copies = o_.faults && net_rng_.chance(o_.duplicate) ? 2 : 1;
  fig_.duplicated += copies - 1;
  for (int i = 0; i < copies; ++i) {
    Event e;
    e.at = now_ + net_rng_.between(o_.min_delay_ms, o_.max_delay_ms);
    e.kind = Ev::packet;
    e.node = to;
    e.peer = from;
    e.epoch = l->epoch;
    e.bytes = i + 1 < copies ? bytes : std::move(bytes);
    ++packets_;
    schedule(std::move(e));
  }
}

void World::deliver(Event& e) {
  Link* l = find_link(e.peer, e.node);
  if (l == nullptr || !l->up || l->epoch != e.epoch) {
    ++fig_.lost_on_link;
    trace(fmt::format("lost {}->{} (link went down) {}", code_text(e.peer), code_text(e.node),
                      envelope_summary(e.bytes)));
    return;
  }
  ++fig_.deliveries;
  trace(fmt::format("deliver {}->{} {}", code_text(e.peer), code_text(e.node),
                    envelope_summary(e.bytes)));
  // Packets that arrive on the same link right after this one (the next
  // events, within kGroupWindowMs) are read together, as provnode's sessions
  // hand over frames that are already there: the core applies them in one
  // transaction (group commit).
  std::vector<Event> group;
  while (group.size() + 1 < kMaxPacketsTogether && !queue_.empty()) {
    const Event& next = queue_.top();
    if (next.kind != Ev::packet || next.node != e.node || next.peer != e.peer ||
        next.epoch != e.epoch || next.at > e.at + kGroupWindowMs) {
      break;
    }
    group.push_back(std::move(const_cast<Event&>(next)));
    queue_.pop();
    --packets_;
    ++fig_.events;
    ++fig_.deliveries;
    now_ = std::max(now_, group.back().at);
    trace(fmt::format("deliver {}->{} {} (with the one before)", code_text(e.peer),
                      code_text(e.node), envelope_summary(group.back().bytes)));
  }
  if (!before_call(e.node, "receive")) return;
  if (group.empty()) {
    after_call(e.node, node(e.node).core->on_envelope(e.peer, e.bytes, node_now(e.node)),
               "receive");
    return;
  }
  ++fig_.grouped_deliveries;
  std::vector<std::string_view> frames{e.bytes};
  for (const Event& g : group) frames.push_back(g.bytes);
  after_call(e.node, node(e.node).core->on_envelopes(e.peer, frames, node_now(e.node)), "receive");
}

void World::close_link(ProvinceCode p, ProvinceCode peer, const std::string& reason) {
  Link* l = find_link(p, peer);
  if (l == nullptr) return;
  ++fig_.link_closes;
  trace(
      fmt::format("close {}-{} by {}: {}", code_text(l->a), code_text(l->b), code_text(p), reason));
  // The driver reconnects after a pause.
  l->closed_until = now_ + 10 * kSecond;
  schedule_at(l->closed_until, Ev::reconnect);
  refresh_links();
}

// --- faults ----------------------------------------------------------------

void World::fault_start(const FaultEpisode& f) {
  trace("fault " + describe(f, origin_));
  switch (f.kind) {
    case FaultKind::national_outage:
    case FaultKind::group_cut:
    case FaultKind::link_flap:
      active_.push_back(&f);
      refresh_links();
      break;
    case FaultKind::crash: {
      SimNode& n = node(f.node);
      if (!n.alive) break;
      n.restart_at = std::max(f.end_ms, f.start_ms + 2 * kMinute);
      // At a random point of its next event: before its transaction commits
      // (the event is lost with the process) or after it, between sends.
      n.crash_armed = crash_rng_.chance(0.4) ? CrashPoint::before_call : CrashPoint::after_commit;
      schedule_at(now_ + crash_rng_.between(kMinute, 2 * kHour), Ev::crash_now, f.node);
      break;
    }
    case FaultKind::clock_step:
      node(f.node).skew_ms += f.amount_ms;
      break;
    case FaultKind::revoke:
      revoke_and_rekey(f.node);
      break;
    case FaultKind::disk_full: {
      SimNode& n = node(f.node);
      n.disk_full = true;
      if (n.alive) {
        // The operator's disk fills: the store reopens unable to grow.
        n.restart_at = now_;
        crash(f.node, "to map its store at the full disk's size");
        restart(f.node);
      }
      break;
    }
  }
}

void World::fault_end(const FaultEpisode& f) {
  trace("heal " + describe(f, origin_));
  switch (f.kind) {
    case FaultKind::national_outage:
    case FaultKind::group_cut:
    case FaultKind::link_flap:
      active_.erase(std::find(active_.begin(), active_.end(), &f));
      refresh_links();
      break;
    case FaultKind::crash:
      if (!node(f.node).alive) restart(f.node);
      break;
    case FaultKind::clock_step:
      node(f.node).skew_ms -= f.amount_ms;
      break;
    case FaultKind::revoke:
      break;
    case FaultKind::disk_full: {
      SimNode& n = node(f.node);
      n.disk_full = false;
      if (n.alive) {
        n.restart_at = now_;
        crash(f.node, "to grow its store after the disk was freed");
      }
      store::StoreOptions so;
      so.path = (dir_ / code_text(f.node)).string();
      so.durable = false;
      so.map_size_bytes = kNormalMapBytes;
      free_disk(so);
      restart(f.node);
      break;
    }
  }
}

void World::revoke_and_rekey(ProvinceCode p) {
  SimNode& n = node(p);
  revocations_.push_back({sim_serial(p, n.generation), p, "keyCompromise", node_now(kNational)});
  ++n.generation;
  if (node(kNational).alive) {
    auto published = node(kNational).core->publish_directory(directory_content(), 400 * kDay,
                                                             node_now(kNational));
    if (!published)
      violated("the national node cannot publish the revocation: " + published.error().message);
    apply(kNational, std::move(*published));
  } else {
    // Published when it is back: the directory content is re-read at the
    // next fault that needs it; meanwhile nothing is refused.
    trace(fmt::format("revocation of {} waits for the national node", code_text(p)));
  }
  // The province gets its new certificate and restarts with it.
  if (n.alive) {
    n.restart_at = now_;
    crash(p, "to take its new certificate");
    restart(p);
  }
}

// --- provincial systems ----------------------------------------------------

void World::schedule_retry(ProvincialSystem& s, std::int64_t after) {
  if (s.retry_scheduled) return;
  s.retry_scheduled = true;
  schedule_at(now_ + after, Ev::collab_work, s.code, 1);
}

void World::submit_day(ProvinceCode p) {
  ProvincialSystem& s = systems_.at(p);
  Batch b;
  const std::uint64_t fresh = std::min(s.quota_left, s.per_day);
  s.quota_left -= fresh;
  for (std::uint64_t i = 0; i < fresh; ++i) {
    b.records.push_back(s.generator->next().record);
    ++fig_.records_generated;
  }
  // About one record in twenty already sent changes: a new version.
  const std::uint64_t updates = s.updatable.empty() ? 0 : traffic_rng_.below(fresh / 10 + 2);
  for (std::uint64_t i = 0; i < updates; ++i) {
    const std::string& id = s.updatable[traffic_rng_.below(s.updatable.size())];
    MigrantRecord r = s.latest.at(id);
    r.family_migrates = !r.family_migrates.value_or(false);
    if (std::any_of(b.records.begin(), b.records.end(),
                    [&](const MigrantRecord& x) { return x.record_id == id; }))
      continue;
    b.records.push_back(std::move(r));
    ++fig_.updates;
  }
  if (b.records.empty()) return;
  s.batches.push_back(std::move(b));
  try_submit(p);
}

void World::try_submit(ProvinceCode p) {
  ProvincialSystem& s = systems_.at(p);
  while (!s.batches.empty()) {
    if (!before_call(p, "submit")) {
      schedule_retry(s, 30 * kMinute);
      return;
    }
    const Batch& b = s.batches.front();
    auto out =
        node(p).core->submit_records(b.records, core::ChangeMeta{"provsim", ""}, node_now(p));
    if (!out) {
      trace(fmt::format("submit {} refused: {}", code_text(p), out.error().message));
      ++fig_.store_full_errors;
      schedule_retry(s, kHour);
      return;
    }
    // The node's answer as it was, whether or not the system gets to see it.
    for (std::size_t i = 0; i < out->items.size(); ++i) {
      const core::SubmittedItem& item = out->items[i];
      if (!item.accepted()) continue;
      auto concerned = domain::concerned_province_of(b.records[i]);
      if (!concerned) violated("accepted a record that concerns no province: " + item.record_id);
      auto [it, fresh] =
          accepted_.try_emplace(version_key(item.record_id, item.version), Accepted{p, *concerned});
      if (fresh) ++fig_.versions_accepted;
    }
    trace(fmt::format("submit {} {} records", code_text(p), b.records.size()));
    const bool answer_lost = node(p).crash_armed.has_value();
    after_call(p, std::move(out->effects), "submit");
    if (answer_lost) {
      ++fig_.answers_lost;
      schedule_retry(s, 30 * kMinute);
      return;
    }
    note_submitted(p, *out, b.records);
    s.batches.pop_front();
  }
}

void World::note_submitted(ProvinceCode p, const core::SubmitOutcome& out,
                           const std::vector<MigrantRecord>& records) {
  ProvincialSystem& s = systems_.at(p);
  for (std::size_t i = 0; i < out.items.size(); ++i) {
    const core::SubmittedItem& item = out.items[i];
    const MigrantRecord& r = records[i];
    if (!item.accepted()) {
      ++fig_.records_invalid;
      continue;
    }
    const bool known = s.latest.contains(r.record_id);
    s.latest[r.record_id] = r;
    if (!known) {
      s.updatable.push_back(r.record_id);
      // One inflow migrant in eight gets a notice, registration or query.
      if (r.direction == "inflow" && traffic_rng_.below(8) == 0) s.collab_candidates.push_back(r);
    }
  }
}

void World::system_poll(ProvinceCode p) {
  ProvincialSystem& s = systems_.at(p);
  SimNode& n = node(p);
  if (!n.alive) return;
  auto page = n.core->inbox(s.inbox_cursor, 5'000);
  if (!page) return;
  for (const core::InboxEntry& e : *page) {
    s.inbox_cursor = e.seq;
    if (e.kind == "rejected" && e.version > 0) {
      // A version refused downstream: the system sends it again.
      auto it = s.latest.find(e.item_id);
      if (it == s.latest.end()) continue;
      ++fig_.resubmitted;
      trace(fmt::format("resubmit {} {} (v{} refused by {})", code_text(p), e.item_id, e.version,
                        code_text(e.author)));
      s.batches.push_back(Batch{{it->second}});
    } else if (e.kind == "rejected") {
      auto it = s.collab_sent.find(e.item_id);
      if (it == s.collab_sent.end()) continue;
      ++fig_.resubmitted;
      trace(fmt::format("resend {} {} {} (refused by {})", code_text(p),
                        domain::collab_kind_name(it->second.kind), e.item_id, code_text(e.author)));
      s.collab_batches.push_back(CollabBatch{it->second.kind, {it->second}});
    } else if (e.kind == "query" || e.kind == "check_notice" || e.kind == "birth_registration") {
      const std::uint64_t h = mix(o_.seed, std::hash<std::string>{}(e.item_id) & 0xffffffff);
      if (e.kind == "query" && h % 8 == 0) continue;  // this one is never answered
      const std::int64_t delay = e.kind == "query"
                                     ? static_cast<std::int64_t>((h >> 8) % 25) * kDay / 2
                                     : static_cast<std::int64_t>((h >> 8) % 5) * kDay;
      const CollabKind kind = e.kind == "query"          ? CollabKind::query
                              : e.kind == "check_notice" ? CollabKind::check_notice
                                                         : CollabKind::birth_registration;
      s.replies_due.emplace(now_ + delay, std::pair{kind, e.item_id});
    }
  }
  try_submit(p);
}

void World::collab_work(ProvinceCode p) {
  ProvincialSystem& s = systems_.at(p);
  SimNode& n = node(p);
  const domain::Date today = domain::Date::from_unix_ms_cst(node_now(p));
  // New items about migrants whose records went out (while traffic runs).
  if (now_ < traffic_end_ && !s.collab_candidates.empty()) {
    std::map<CollabKind, std::vector<CollabItem>> batch;
    for (const MigrantRecord& r : s.collab_candidates) {
      auto hukou = domain::concerned_province_of(r);
      if (!hukou) continue;
      const std::uint64_t serial = ++s.collab_serial;
      static constexpr CollabKind kTurns[] = {CollabKind::check_notice,
                                              CollabKind::birth_registration, CollabKind::query};
      CollabKind kind = kTurns[serial % 3];
      if (kind != CollabKind::query && r.sex != "2") kind = CollabKind::query;
      CollabItem c;
      c.kind = kind;
      static constexpr const char* kTags[] = {"CN", "", "BR", "", "Q", ""};
      c.id = fmt::format("{}-{}{:06}", code_text(p), kTags[static_cast<int>(kind)], serial);
      c.record_id = r.record_id;
      c.residence_province = code_text(p);
      c.hukou_province = code_text(*hukou);
      c.subject_id_number = r.id_number;
      c.subject_name = r.name;
      c.date = today.yyyymmdd();
      c.operator_id = "provsim";
      if (kind == CollabKind::check_notice) {
        c.method = serial % 2 ? "宫内节育器" : "皮下埋植";
        c.result = "正常";
      } else if (kind == CollabKind::birth_registration) {
        c.expected_birth_date = today.plus_days(150).yyyymmdd();
      } else {
        static constexpr const char* kKinds[] = {"pregnancy", "no_certificate",
                                                 "no_long_acting_contraception"};
        c.query_kind = kKinds[serial % 3];
        c.question = "请核实其户籍地生育服务登记情况";
      }
      s.collab_sent[c.id] = c;
      batch[kind].push_back(std::move(c));
    }
    s.collab_candidates.clear();
    for (auto& [kind, items] : batch)
      s.collab_batches.push_back(CollabBatch{kind, std::move(items)});
  }
  // Replies that are due.
  if (n.alive) {
    std::map<CollabKind, std::vector<CollabItem>> replies;
    while (!s.replies_due.empty() && s.replies_due.begin()->first <= now_) {
      auto [kind, id] = s.replies_due.begin()->second;
      s.replies_due.erase(s.replies_due.begin());
      auto entry = n.core->collab_entry(kind, id);
      if (!entry || !*entry) continue;
      if ((*entry)->reply) continue;  // replied already
      CollabItem r;
      r.kind = domain::reply_kind(kind);
      r.id = id;
      r.residence_province = (*entry)->item.residence_province;
      r.hukou_province = (*entry)->item.hukou_province;
      r.date = today.yyyymmdd();
      r.outcome = kind == CollabKind::query ? "not_confirmed" : "confirmed";
      r.remarks = kind == CollabKind::query ? "户籍地核实：未孕" : "";
      r.operator_id = "provsim";
      s.collab_sent[id] = r;
      replies[r.kind].push_back(std::move(r));
    }
    for (auto& [kind, items] : replies)
      s.collab_batches.push_back(CollabBatch{kind, std::move(items)});
  }
  try_collab(p);
}

void World::try_collab(ProvinceCode p) {
  ProvincialSystem& s = systems_.at(p);
  while (!s.collab_batches.empty()) {
    if (!before_call(p, "collab")) {
      schedule_retry(s, 30 * kMinute);
      return;
    }
    const CollabBatch& b = s.collab_batches.front();
    auto out = node(p).core->submit_collab(b.kind, b.items, node_now(p));
    if (!out) {
      trace(fmt::format("collab {} refused: {}", code_text(p), out.error().message));
      schedule_retry(s, kHour);
      return;
    }
    for (std::size_t i = 0; i < out->items.size(); ++i) {
      const core::CollabSubmitted& item = out->items[i];
      const CollabItem& c = b.items[i];
      if (!item.accepted()) {
        std::string problems;
        for (const auto& pr : item.problems) problems += " " + pr.field + ": " + pr.message;
        violated(fmt::format("{} refused {} {} the simulation made sound:{}", code_text(p),
                             domain::collab_kind_name(b.kind), c.id, problems));
      }
      if (item.unchanged) continue;
      if (b.kind == CollabKind::query) {
        QueryFacts& q = queries_[c.id];
        q.asker = p;
        q.hukou = static_cast<ProvinceCode>(std::stoi(c.hukou_province));
        q.due = item.due_date;
        ++fig_.queries;
      } else if (b.kind == CollabKind::answer) {
        queries_[c.id].answered_by_hukou = true;
        ++fig_.replies;
      } else if (b.kind == CollabKind::check_feedback || b.kind == CollabKind::birth_feedback) {
        ++fig_.replies;
      } else {
        ++fig_.collab_items;
      }
    }
    trace(fmt::format("collab {} {} {} items", code_text(p), domain::collab_kind_name(b.kind),
                      b.items.size()));
    const bool answer_lost = node(p).crash_armed.has_value();
    after_call(p, std::move(out->effects), "collab");
    if (answer_lost) {
      ++fig_.answers_lost;
      schedule_retry(s, 30 * kMinute);
      return;
    }
    s.collab_batches.pop_front();
  }
}

// --- invariants ------------------------------------------------------------

std::string World::stamp() const {
  const std::int64_t t = now_ - origin_;
  return fmt::format("d{:03d} {:02d}:{:02d}:{:02d}.{:03d}", t / kDay, (t % kDay) / kHour,
                     (t % kHour) / kMinute, (t % kMinute) / kSecond, t % kSecond);
}

void World::violated(const std::string& what) {
  std::string text = fmt::format(
      "INVARIANT VIOLATED: {}\n  seed: {}\n  simulated time: {} (day {} of {}, unix ms {})\n"
      "  the last {} trace lines:\n",
      what, o_.seed, stamp(), (now_ - origin_) / kDay, o_.days, now_, trace_.last().size());
  for (const std::string& line : trace_.last()) text += "    " + line + "\n";
  text +=
      fmt::format("  rerun: provsim --seed {} --days {} --trace-file trace.txt", o_.seed, o_.days);
  throw Violation(text);
}

void World::check_inbox(ProvinceCode p) {
  SimNode& n = node(p);
  if (!n.alive) return;
  while (true) {
    auto page = n.core->inbox(n.inbox_checked, 1'000);
    if (!page)
      violated(
          fmt::format("node {} cannot read its inbox: {}", code_text(p), page.error().message));
    for (const core::InboxEntry& e : *page) {
      n.inbox_checked = e.seq;
      if (e.kind != "record") continue;
      const std::string key = version_key(e.item_id, e.version);
      auto it = accepted_.find(key);
      if (it == accepted_.end())
        violated(fmt::format("{} v{} arrived at {} but no node accepted it", e.item_id, e.version,
                             code_text(p)));
      const Accepted& a = it->second;
      if (e.author != a.author)
        violated(fmt::format("{} v{} arrived at {} from author {}; {} accepted it", e.item_id,
                             e.version, code_text(p), code_text(e.author), code_text(a.author)));
      if (p == kNational) {
        for (const RegionGroup& g : groups_) {
          const bool both =
              std::find(g.members.begin(), g.members.end(), a.author) != g.members.end() &&
              std::find(g.members.begin(), g.members.end(), a.concerned) != g.members.end();
          if (both && g.national_copy_full) break;
          if (both && !g.national_copy_full)
            violated(
                fmt::format("the national node holds a copy of {} v{}, exchanged between {} "
                            "and {} whose group sends it evidence only",
                            e.item_id, e.version, code_text(a.author), code_text(a.concerned)));
        }
      } else if (p != a.concerned) {
        violated(fmt::format(
            "{} v{} (from {}, concerning {}) arrived at {}, which it does not "
            "concern",
            e.item_id, e.version, code_text(a.author), code_text(a.concerned), code_text(p)));
      }
      if (!n.seen.insert(key).second)
        violated(
            fmt::format("{} v{} arrived at {} a second time", e.item_id, e.version, code_text(p)));
    }
    if (page->size() < 1'000) break;
  }
}

bool World::quiet() {
  if (packets_in_flight()) return false;
  for (auto& [p, n] : nodes_) {
    if (!n.alive) return false;
    auto pending = n.core->pending();
    if (!pending || pending->outbox_messages > 0 || pending->staged_versions > 0) return false;
    auto audit = n.core->audit_state();
    if (!audit || audit->checkpoint_pending) return false;
  }
  for (auto& [p, s] : systems_) {
    if (!s.batches.empty() || !s.collab_batches.empty()) return false;
  }
  return true;
}

std::string World::waiting() {
  std::string out;
  if (packets_in_flight()) out += fmt::format(" {} envelopes in flight;", packets_);
  for (auto& [p, n] : nodes_) {
    if (!n.alive) {
      out += fmt::format(" node {} down;", code_text(p));
      continue;
    }
    auto pending = n.core->pending();
    if (pending && (pending->outbox_messages > 0 || pending->staged_versions > 0))
      out += fmt::format(" node {}: {} messages in its outbox, {} versions staged;", code_text(p),
                         pending->outbox_messages, pending->staged_versions);
    auto audit = n.core->audit_state();
    if (audit && audit->checkpoint_pending)
      out += fmt::format(" node {}: a checkpoint unanswered;", code_text(p));
  }
  for (auto& [p, s] : systems_) {
    if (!s.batches.empty() || !s.collab_batches.empty())
      out += fmt::format(" province {}'s system: {} submissions unanswered;", code_text(p),
                         s.batches.size() + s.collab_batches.size());
  }
  return out;
}

bool World::settle(std::int64_t at_most_ms) {
  const std::int64_t until = now_ + at_most_ms;
  while (now_ < until) {
    for (ProvinceCode p : provinces_) {
      try_submit(p);
      try_collab(p);
    }
    // Small steps: periodic ticks (directory refresh, checkpoints) make
    // traffic now and then; a quiet moment comes between them.
    run_until(now_ + 5 * kMinute);
    if (quiet()) return true;
  }
  return false;
}

void World::checkpoint_all() {
  for (ProvinceCode p : provinces_) {
    auto fx = node(p).core->request_checkpoint(node_now(p));
    if (!fx)
      violated(
          fmt::format("node {} cannot send a checkpoint: {}", code_text(p), fx.error().message));
    apply(p, std::move(*fx));
  }
}

void World::quiesce() {
  trace("end of traffic: every fault healed; the network settles");
  for (auto& [p, n] : nodes_) {
    if (!n.alive) restart(p);
  }
  if (!settle(5 * kDay)) {
    // Conservation says more (what is missing where) when it fails too.
    check_conservation();
    violated("the network is not quiet 5 days after every fault healed:" + waiting());
  }
  // Overdue checks run once a day: a day more for the last ones.
  run_until(now_ + kDay);
  // Every chain to the national node: a checkpoint logs its own message,
  // which the next one carries, so two rounds.
  for (int round = 0; round < 2; ++round) {
    checkpoint_all();
    if (!settle(kDay))
      violated("checkpoints do not settle within a day of a healed network:" + waiting());
  }
}

network::ConservationResult World::check_conservation() {
  std::vector<network::AcceptedVersion> accepted;
  accepted.reserve(accepted_.size());
  for (const auto& [key, a] : accepted_) {
    const auto at = key.rfind('@');
    accepted.push_back({key.substr(0, at),
                        static_cast<std::uint32_t>(std::stoul(key.substr(at + 1))), a.author,
                        a.concerned, false});
  }
  std::vector<network::ArrivedEntry> arrived;
  for (auto& [p, n] : nodes_) {
    auto inbox = n.core->inbox(0, SIZE_MAX);
    if (!inbox) violated(fmt::format("node {}: {}", code_text(p), inbox.error().message));
    for (const core::InboxEntry& e : *inbox) {
      if (e.kind != "record" && !(e.kind == "rejected" && e.version > 0)) continue;
      arrived.push_back({p, e.seq, e.kind, e.item_id, e.version, e.author});
    }
  }
  auto evidence_only = [&](ProvinceCode a, ProvinceCode b) {
    bool shared = false;
    for (const RegionGroup& g : groups_) {
      auto has = [&](ProvinceCode c) {
        return std::find(g.members.begin(), g.members.end(), c) != g.members.end();
      };
      if (!has(a) || !has(b)) continue;
      if (g.national_copy_full) return false;
      shared = true;
    }
    return shared;
  };
  network::ConservationResult c = network::check_conservation(accepted, arrived, evidence_only);
  fig_.delivered_once = c.delivered_once;
  fig_.national_copies = c.national_copies;
  if (!c.pass()) {
    std::string examples;
    for (const std::string& e : c.examples) examples += "\n    " + e;
    violated(fmt::format(
        "conservation: {} accepted versions, {} delivered once, {} missing, {} "
        "twice, {} elsewhere, {} never accepted, {} wrong author, {} national "
        "copies doubled, {} forbidden{}",
        c.expected, c.delivered_once, c.missing, c.duplicated, c.elsewhere, c.never_accepted,
        c.wrong_author, c.national_copy_duplicated, c.national_copy_forbidden, examples));
  }
  return c;
}

void World::final_checks() {
  trace("final checks");
  // 1. Nothing left waiting.
  for (auto& [p, n] : nodes_) {
    auto pending = n.core->pending();
    if (!pending) violated(fmt::format("node {}: {}", code_text(p), pending.error().message));
    if (pending->outbox_messages > 0 || pending->staged_versions > 0)
      violated(
          fmt::format("node {} still holds {} messages and {} staged versions after the "
                      "network healed",
                      code_text(p), pending->outbox_messages, pending->staged_versions));
    auto held = n.core->held_count();
    if (held && *held > 0) {
      std::string which;
      if (auto txn = n.store->begin_read()) {
        (void)txn->scan(store::Table::held, "", [&](std::string_view key, std::string_view) {
          const auto version = store::keys::version_of_record_key(key);
          which += fmt::format(" {} v{}", key.substr(0, key.size() - 5), version.value_or(0));
          return true;
        });
      }
      violated(fmt::format("node {} holds {} versions whose predecessor never came:{}",
                           code_text(p), *held, which));
    }
  }
  // 2. Conservation: every accepted version exactly once where it belongs.
  const network::ConservationResult c = check_conservation();
  // 3. Every query answered or reported overdue (or not yet due).
  for (const auto& [id, q] : queries_) {
    if (q.asker == 0) continue;  // an answer to a query this run never saw asked
    auto entry = node(q.asker).core->collab_entry(CollabKind::query, id);
    if (!entry || !*entry)
      violated(fmt::format("query {} is gone from {}", id, code_text(q.asker)));
    const core::CollabEntry& e = **entry;
    const std::string today = domain::Date::from_unix_ms_cst(node_now(q.asker)).yyyymmdd();
    if (e.answered()) {
      ++fig_.queries_answered;
      continue;
    }
    if (q.answered_by_hukou)
      violated(fmt::format("query {}: {} answered it, but {} still has it {}", id,
                           code_text(q.hukou), code_text(q.asker), e.state));
    if (e.state == "overdue") continue;
    if (e.state == "open" && q.due >= today) continue;
    violated(
        fmt::format("query {} at {} is {} with due date {} (today {}): neither answered nor "
                    "reported overdue",
                    id, code_text(q.asker), e.state, q.due, today));
  }
  // 4. The national node's reconciliation is clean.
  auto r = node(kNational).core->reconciliation(node_now(kNational));
  if (!r) violated("reconciliation failed: " + r.error().message);
  fig_.reconciled_rows = r->messages;
  if (!r->discrepancies.empty()) {
    std::string list;
    for (std::size_t i = 0; i < r->discrepancies.size() && i < 10; ++i) {
      const core::Discrepancy& d = r->discrepancies[i];
      list += fmt::format("\n    {} {}->{} message {}:{} {} {}", d.type, code_text(d.from),
                          code_text(d.to), code_text(d.author), d.message_id, d.kind, d.detail);
    }
    violated(fmt::format("reconciliation after the network healed: {} discrepancies{}",
                         r->discrepancies.size(), list));
  }
  // 5. Every audit chain verifies.
  for (auto& [p, n] : nodes_) {
    auto report = n.core->verify_audit_chain();
    if (!report) violated(fmt::format("node {}: {}", code_text(p), report.error().message));
    if (report->problem)
      violated(fmt::format("the audit chain of {} breaks at entry {}: {}", code_text(p),
                           report->problem->seq, report->problem->message));
    fig_.audit_entries += report->entries;
  }
  trace(fmt::format("all invariants hold: {} versions delivered once, {} queries", c.delivered_once,
                    queries_.size()));
}

}  // namespace

SimResult run_simulation(const SimOptions& options) {
  World world(options);
  return world.run();
}

}  // namespace provnet::sim
