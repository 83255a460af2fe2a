// provbench-link: the throughput and latency of one province-to-province
// link (44 -> 51, direct peers, no national hop), what limits it, and how
// close it comes to what TLS and LMDB alone can do on this machine. With
// --path national, the sorting path instead: 44 -> 00 -> 51, the national
// node relaying every message (durable at both hops, three threads).
//
// Both nodes run in this process, each on its own thread with its own
// io_context, as two provnode daemons would (bench/link_endpoint.hpp): real
// TLS 1.3 on loopback with certificates made at start, envelopes signed and
// verified, durable LMDB stores (fsync per commit) on a real disk, records
// from the synthetic population generator. For each batch size:
//  1. throughput: the sender's outbox is filled while the link is down, then
//     the link comes up; timed until the receiver committed every record;
//  2. latency: a batch every interval at about half that throughput, each
//     message timed from the sender's outbox write to the receiver's commit;
//  3. what limits it: each thread's wall time split into LMDB commits,
//     signatures, the rest of the core, TLS CPU and idle;
//  4. raw limits: TLS alone at the same frame size, LMDB alone at the same
//     records per commit.
#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/limit_verdict.hpp"
#include "bench/link_certificates.hpp"
#include "bench/link_endpoint.hpp"
#include "bench/link_figures.hpp"
#include "bench/link_records.hpp"
#include "bench/link_report.hpp"
#include "bench/message_timeline.hpp"
#include "bench/paced_submitter.hpp"
#include "bench/raw_lmdb_commit_rate.hpp"
#include "bench/raw_tls_throughput.hpp"
#include "bench/receiver_work_profile.hpp"
#include "bench/scratch_directory.hpp"
#include "domain/record_interchange.hpp"
#include "net/tls_context.hpp"

namespace provnet::bench {
namespace {

constexpr domain::ProvinceCode kSender = 44;
constexpr domain::ProvinceCode kReceiver = 51;
constexpr domain::ProvinceCode kNational = domain::kNationalCode;
constexpr std::chrono::seconds kLinkUpTimeout{15};
constexpr int kProfileRepetitions = 20;

// The 1-minute load average, 0 if unreadable.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double one_minute = 0;
  in >> one_minute;
  return one_minute;
}

struct LinkBenchOptions {
  std::uint64_t records = 60'000;
  std::vector<std::uint32_t> batch_sizes{50, 200, 1000};
  std::uint32_t max_in_flight = 16;
  double latency_seconds = 4.0;
  double latency_load = 0.5;  // of min(measured throughput, sender's submit rate)
  std::uint64_t raw_tls_mib = 512;
  std::uint64_t raw_lmdb_ms = 2'000;
  std::string signature = "ecdsa";
  std::uint64_t seed = 1;
  std::string directory;
  std::string json_path;
  std::string path = "direct";  // or "national": 44 -> 00 -> 51
  std::string records_ndjson;   // write the throughput phase's records here
  std::uint64_t timeout_s = 300;
  bool verbose = false;
};

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

void progress(const std::string& line) {
  std::cerr << "provbench-link: " << line << std::endl;
}

// The endpoints of one batch size's run (and the national node between
// them on the sorting path); stopped together so that none redials another
// while the first one shuts down.
struct LinkPair {
  std::unique_ptr<LinkEndpoint> sender;
  std::unique_ptr<LinkEndpoint> receiver;
  std::unique_ptr<LinkEndpoint> relay;
  MessageTimeline relay_timeline;  // the relay's own: ids repeat end to end
  std::uint16_t relay_port = 0;
  ~LinkPair() {
    if (receiver) receiver->stop_link();
    if (sender) sender->stop_link();
    if (relay) relay->stop_link();
    receiver.reset();
    sender.reset();
    relay.reset();
  }
};

bool national_path(const LinkBenchOptions& o) {
  return o.path == "national";
}

LinkEndpointConfig endpoint_config(const LinkBenchOptions& o, const LinkCertificates& certificates,
                                   const std::filesystem::path& dir, domain::ProvinceCode self,
                                   std::vector<domain::ProvinceCode> peers, std::uint32_t batch) {
  LinkEndpointConfig c;
  c.self = self;
  c.peers = std::move(peers);
  c.store_path = (dir / fmt::format("store-{}", domain::province_code_text(self))).string();
  c.certificates = certificates.files_of(self);
  c.records_per_message = batch;
  c.max_in_flight_per_link = o.max_in_flight;
  c.verbose = o.verbose;
  return c;
}

Result<ThroughputFigures> measure_throughput(const LinkBenchOptions& o, LinkPair& link,
                                             const LinkCertificates& certificates,
                                             const std::filesystem::path& dir,
                                             std::span<const domain::MigrantRecord> records,
                                             std::uint32_t batch, MessageTimeline& timeline) {
  ThroughputFigures t;
  const std::chrono::milliseconds timeout(o.timeout_s * 1000);
  LinkEndpoint& sender = *link.sender;

  // Preload with the link down: every message waits in the outbox on disk.
  const EndpointSnapshot before_preload = sender.snapshot();
  const auto preload_start = Clock::now();
  auto preloaded = sender.call([&]() -> Result<std::size_t> {
    std::size_t messages = 0;
    for (std::size_t from = 0; from < records.size(); from += batch) {
      auto queued =
          sender.submit(records.subspan(from, std::min<std::size_t>(batch, records.size() - from)));
      if (!queued) return queued.error();
      messages += *queued;
    }
    return messages;
  });
  if (!preloaded) return preloaded.error();
  t.preload_s = seconds_between(preload_start, Clock::now());
  const EndpointSnapshot preload_end = sender.snapshot();
  const EndpointSnapshot preload = preload_end.since(before_preload);
  t.preload_sender = SideFigures::of(preload, preload_end.wall_seconds_since(before_preload));
  t.messages = *preloaded;
  t.records = records.size();
  if (preload.sign.calls) {
    t.sign_us_per_message = static_cast<double>(preload.sign.nanoseconds) / 1e3 /
                            static_cast<double>(preload.sign.calls);
  }

  std::uint16_t receiver_dials = 0;
  if (national_path(o)) {
    receiver_dials = link.relay_port;
  } else {
    // The sender (lower code) listens; the receiver dials it.
    auto port = sender.start_link();
    if (!port) return port.error();
    if (!*port) return Error{Errc::io, "the sender does not listen"};
    receiver_dials = port->value_or(0);
  }
  LinkEndpointConfig rc = endpoint_config(o, certificates, dir, kReceiver,
                                          {national_path(o) ? kNational : kSender}, batch);
  rc.dial_port = receiver_dials;
  auto receiver = LinkEndpoint::open(rc, timeline);
  if (!receiver) return receiver.error();
  link.receiver = std::move(*receiver);

  timeline.clear();
  const EndpointSnapshot s0 = sender.snapshot();
  const EndpointSnapshot r0 = link.receiver->snapshot();
  const EndpointSnapshot n0 = link.relay ? link.relay->snapshot() : EndpointSnapshot{};
  if (national_path(o)) {
    // The receiver's link to 00 first, so that the clock starts with the
    // whole path up when the sender's link comes up.
    if (auto started = link.receiver->start_link(); !started) return started.error();
    if (!link.receiver->wait_for_link_up(kLinkUpTimeout)) {
      return Error{Errc::io, "the receiver's link to 00 did not come up"};
    }
  }
  const auto link_started = Clock::now();
  if (national_path(o)) {
    if (auto started = sender.start_link(); !started) return started.error();
  } else if (auto started = link.receiver->start_link(); !started) {
    return started.error();
  }
  if (!sender.wait_for_link_up(kLinkUpTimeout)) {
    return Error{Errc::io, fmt::format("batch {}: the link did not come up within {} s (see the "
                                       "log events above)",
                                       batch, kLinkUpTimeout.count())};
  }
  auto done = link.receiver->wait_for_records_applied(records.size(), timeout);
  if (!done) {
    return Error{Errc::io, fmt::format("batch {}: the receiver had not committed all {} records "
                                       "after {} s",
                                       batch, records.size(), o.timeout_s)};
  }
  const EndpointSnapshot s1 = sender.snapshot();
  const EndpointSnapshot r1 = link.receiver->snapshot();
  const auto link_up = sender.link_up_at().value_or(link_started);
  t.link_up_ms = seconds_between(link_started, link_up) * 1e3;
  t.seconds = seconds_between(link_up, *done);

  const EndpointSnapshot sent = s1.since(s0);
  const EndpointSnapshot received = r1.since(r0);
  t.frame_bytes = sent.frame_bytes_sent;
  t.retries = sent.retries;
  t.duplicates = received.duplicates;
  t.problems = sent.problems + received.problems + preload.problems;
  t.sender = SideFigures::of(sent, s1.wall_seconds_since(s0));
  t.receiver = SideFigures::of(received, r1.wall_seconds_since(r0));
  if (link.relay) {
    const EndpointSnapshot n1 = link.relay->snapshot();
    t.relay = SideFigures::of(n1.since(n0), n1.wall_seconds_since(n0));
    t.problems += n1.since(n0).problems;
  }
  if (received.frames_sent) {
    t.ack_frame_bytes =
        static_cast<double>(received.frame_bytes_sent) / static_cast<double>(received.frames_sent);
  }
  if (received.verify.calls) {
    t.verify_us_per_message = static_cast<double>(received.verify.nanoseconds) / 1e3 /
                              static_cast<double>(received.verify.calls);
  }
  if (received.commits.commits) {
    t.receiver_ms_per_commit = static_cast<double>(received.commits.nanoseconds) / 1e6 /
                               static_cast<double>(received.commits.commits);
  }
  auto profiled =
      profile_receiver_work(link.receiver->first_frame(),
                            domain::Date::from_unix_ms_cst(wall_clock_ms()), kProfileRepetitions);
  if (!profiled) return profiled.error();
  t.receiver_work = *profiled;
  auto stored = link.receiver->mean_stored_record_bytes();
  if (!stored) return stored.error();
  t.stored_record_bytes = *stored;
  return t;
}

Result<LatencyFigures> measure_latency(const LinkBenchOptions& o, LinkPair& link,
                                       LinkRecords& records, std::uint64_t already_applied,
                                       std::uint32_t batch, double throughput_records_per_s,
                                       MessageTimeline& timeline) {
  LatencyFigures l;
  l.offered_records_per_s = std::max(1.0, throughput_records_per_s * o.latency_load);
  const double interval_s = static_cast<double>(batch) / l.offered_records_per_s;
  l.interval_ms = interval_s * 1e3;
  // Enough batches for the chosen duration, and never fewer than 10.
  const auto batches =
      std::max<std::uint64_t>(10, static_cast<std::uint64_t>(o.latency_seconds / interval_s + 0.5));
  auto pool = records.range(o.records, batches * batch);

  timeline.clear();
  const EndpointSnapshot s0 = link.sender->snapshot();
  const EndpointSnapshot r0 = link.receiver->snapshot();
  auto run = submit_paced(*link.sender, pool, batch,
                          std::chrono::nanoseconds(static_cast<std::int64_t>(interval_s * 1e9)));
  auto submitted = run.get();
  if (!submitted) return submitted.error();
  l.seconds = submitted->seconds;
  l.late_submits = submitted->late_submits;
  auto done = link.receiver->wait_for_records_applied(already_applied + pool.size(),
                                                      std::chrono::seconds(o.timeout_s));
  l.complete = done.has_value();
  l.latency = timeline.latencies();
  const EndpointSnapshot s1 = link.sender->snapshot();
  const EndpointSnapshot r1 = link.receiver->snapshot();
  const EndpointSnapshot sent = s1.since(s0);
  const EndpointSnapshot received = r1.since(r0);
  l.sender = SideFigures::of(sent, s1.wall_seconds_since(s0));
  l.receiver = SideFigures::of(received, r1.wall_seconds_since(r0));
  l.retries = sent.retries;
  l.problems = sent.problems + received.problems;
  return l;
}

Result<RawFigures> measure_raw(const LinkBenchOptions& o, const LinkCertificates& certificates,
                               const std::filesystem::path& dir, std::uint32_t batch,
                               const ThroughputFigures& t) {
  RawFigures r;
  auto listener_tls = net::make_tls_context(certificates.files_of(kSender).tls);
  if (!listener_tls) return listener_tls.error();
  auto dialer_tls = net::make_tls_context(certificates.files_of(kReceiver).tls);
  if (!dialer_tls) return dialer_tls.error();
  const auto body_bytes = static_cast<std::size_t>(
      std::max(8.0, t.bytes_per_message() - static_cast<double>(net::kFrameHeaderBytes)));
  auto tls = measure_raw_tls(**listener_tls, **dialer_tls, body_bytes, o.raw_tls_mib << 20);
  if (!tls) return tls.error();
  r.tls = *tls;
  if (t.bytes_per_record() > 0) r.tls_records_per_s = r.tls.mb_per_s() * 1e6 / t.bytes_per_record();

  RawLmdbLoad load;
  load.store_path = (dir / "raw-lmdb").string();
  load.records_per_commit = batch;
  load.record_bytes = static_cast<std::size_t>(t.stored_record_bytes + 0.5);
  // The receiver keeps, per message, a SHA-256 of it and the reply it sent.
  load.dedup_value_bytes =
      32 + static_cast<std::size_t>(std::max(0.0, t.ack_frame_bytes - net::kFrameHeaderBytes));
  load.budget = std::chrono::milliseconds(o.raw_lmdb_ms);
  auto lmdb = measure_raw_lmdb(load);
  if (!lmdb) return lmdb.error();
  r.lmdb = *lmdb;
  return r;
}

Result<BatchFigures> run_batch(const LinkBenchOptions& o, const ScratchDirectory& scratch,
                               const LinkCertificates& certificates, LinkRecords& records,
                               std::uint32_t batch) {
  BatchFigures b;
  b.batch = batch;
  const std::filesystem::path dir = scratch.path() / fmt::format("batch-{}", batch);
  {
    MessageTimeline timeline;
    LinkPair link;
    LinkEndpointConfig sc = endpoint_config(o, certificates, dir, kSender,
                                            {national_path(o) ? kNational : kReceiver}, batch);
    if (national_path(o)) {
      // 00 listens; both provinces dial it (as provnode: the higher code dials).
      LinkEndpointConfig nc =
          endpoint_config(o, certificates, dir, kNational, {kSender, kReceiver}, batch);
      nc.listens = true;
      auto relay = LinkEndpoint::open(nc, link.relay_timeline);
      if (!relay) return relay.error();
      link.relay = std::move(*relay);
      auto port = link.relay->start_link();
      if (!port) return port.error();
      link.relay_port = port->value_or(0);
      sc.dial_port = link.relay_port;
    } else {
      sc.listens = true;  // the lower code listens, the higher dials (as provnode)
    }
    auto sender = LinkEndpoint::open(sc, timeline);
    if (!sender) return sender.error();
    link.sender = std::move(*sender);

    auto throughput = measure_throughput(o, link, certificates, dir, records.range(0, o.records),
                                         batch, timeline);
    if (!throughput) return throughput.error();
    b.throughput = *throughput;
    progress(fmt::format("batch {}: {} records in {:.2f} s = {:.0f} records/s committed", batch,
                         b.throughput.records, b.throughput.seconds, b.throughput.records_per_s()));

    // The offered load is a share of what both ends can do: the link's
    // throughput, and the sender's own rate of taking records in
    // (submit_records: validate, store, batch, sign, commit), measured in the
    // preload. Above the latter the sender falls behind and the latency
    // measured is its own backlog.
    const double submit_rate =
        b.throughput.preload_s > 0
            ? static_cast<double>(b.throughput.records) / b.throughput.preload_s
            : b.throughput.records_per_s();
    auto latency = measure_latency(o, link, records, o.records, batch,
                                   std::min(b.throughput.records_per_s(), submit_rate), timeline);
    if (!latency) return latency.error();
    b.latency = *latency;
    progress(fmt::format("batch {}: latency p50 {:.1f} ms, p99 {:.1f} ms over {} messages", batch,
                         b.latency.latency.p50_ms, b.latency.latency.p99_ms,
                         b.latency.latency.messages));
  }  // both endpoints stopped, stores closed

  auto raw = measure_raw(o, certificates, dir, batch, b.throughput);
  if (!raw) return raw.error();
  b.raw = *raw;
  progress(fmt::format("batch {}: raw TLS {:.0f} MB/s, raw LMDB {:.0f} records/s", batch,
                       b.raw.tls.mb_per_s(), b.raw.lmdb.records_per_s()));
  b.verdict = limit_verdict(b.throughput.sender, b.throughput.receiver);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return b;
}

int run(const LinkBenchOptions& o, const char* program) {
  const auto started = Clock::now();
  const double load_before = load_average();
  auto scratch = ScratchDirectory::create(o.directory, program);
  if (!scratch) {
    std::cerr << "provbench-link: " << scratch.error().message << '\n';
    return 2;
  }
  if (scratch->on_tmpfs()) {
    std::cerr << "provbench-link: warning: " << scratch->path().string()
              << " is on tmpfs: fsync costs nothing there; give a directory on a real disk "
                 "with --dir or PROVNET_BENCH_DIR\n";
  }
  const ca::KeyAlgorithm algorithm =
      o.signature == "sm2" ? ca::KeyAlgorithm::sm2 : ca::KeyAlgorithm::ecdsa_p256;
  std::vector<domain::ProvinceCode> nodes{kSender, kReceiver};
  if (national_path(o)) nodes.push_back(kNational);
  LinkCertificates certificates(scratch->sub("pki"), algorithm, nodes);

  RunFigures figures;
  figures.directory = scratch->path().string();
  figures.file_system = scratch->file_system();
  figures.signature_algorithm = o.signature == "sm2" ? "SM2/SM3" : "ECDSA P-256/SHA-256";
  figures.max_in_flight = o.max_in_flight;
  figures.latency_load = o.latency_load;
  figures.records = o.records;
  figures.path = national_path(o) ? "44->00->51 through the national node, loopback"
                                  : "44->51 direct, loopback";
  figures.cpus = std::thread::hardware_concurrency();
  figures.load_before = load_before;

  LinkRecords records(kSender, kReceiver, o.seed, domain::Date::from_unix_ms_cst(wall_clock_ms()));
  const auto generating = Clock::now();
  records.range(0, o.records);
  figures.generate_s = seconds_between(generating, Clock::now());
  figures.drawn = records.drawn();
  progress(fmt::format("{} records concerning 51 generated in {:.1f} s; working in {} ({})",
                       o.records, figures.generate_s, figures.directory, figures.file_system));
  if (!o.records_ndjson.empty()) {
    // The same records for another system's benchmark (simulations/bench/compare).
    std::ofstream out(o.records_ndjson, std::ios::trunc);
    for (const domain::MigrantRecord& r : records.range(0, o.records)) {
      out << domain::record_to_json(r).dump() << '\n';
    }
    if (!out) {
      std::cerr << "provbench-link: cannot write " << o.records_ndjson << '\n';
      return 2;
    }
  }

  for (std::uint32_t batch : o.batch_sizes) {
    auto b = run_batch(o, *scratch, certificates, records, batch);
    if (!b) {
      std::cerr << "provbench-link: " << b.error().message << '\n';
      return 1;
    }
    figures.batches.push_back(std::move(*b));
  }
  figures.drawn = records.drawn();
  figures.total_s = seconds_between(started, Clock::now());
  figures.load_after = load_average();
  print_report(std::cout, figures);
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path, std::ios::trunc);
    out << report_json(figures).dump(2) << '\n';
    if (!out) {
      std::cerr << "provbench-link: cannot write " << o.json_path << '\n';
      return 2;
    }
  }
  return 0;
}

}  // namespace
}  // namespace provnet::bench

int main(int argc, char** argv) {
  using provnet::bench::LinkBenchOptions;
  LinkBenchOptions o;
  CLI::App app{
      "provbench-link: throughput, latency and limits of one TLS link 44 -> 51 with durable "
      "LMDB stores"};
  app.add_option("--records", o.records, "records sent per batch size (throughput phase)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--batch-sizes", o.batch_sizes, "records per message, one run each")
      ->delimiter(',')
      ->check(CLI::Range(1u, 100'000u))
      ->capture_default_str();
  app.add_option("--in-flight", o.max_in_flight, "max_in_flight_per_link of both cores")
      ->check(CLI::Range(1u, 10'000u))
      ->capture_default_str();
  app.add_option("--latency-seconds", o.latency_seconds, "length of each latency phase")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  app.add_option("--latency-load", o.latency_load,
                 "offered load of the latency phase, as a share of the lower of the measured "
                 "throughput and the sender's submit rate")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  app.add_option("--raw-tls-mib", o.raw_tls_mib, "MiB written in each raw TLS measurement")
      ->check(CLI::Range(1u, 65'536u))
      ->capture_default_str();
  app.add_option("--raw-lmdb-ms", o.raw_lmdb_ms, "time spent in each raw LMDB measurement")
      ->check(CLI::Range(10u, 600'000u))
      ->capture_default_str();
  app.add_option("--signature", o.signature, "envelope signature algorithm")
      ->check(CLI::IsMember({"ecdsa", "sm2"}))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the synthetic records")->capture_default_str();
  app.add_option("--dir", o.directory,
                 "where to put stores and certificates (default: $PROVNET_BENCH_DIR, else "
                 "bench-tmp/ in the build tree); must be on the disk to measure, not tmpfs");
  app.add_option("--json", o.json_path, "also write the figures as JSON to this file");
  app.add_option("--timeout-s", o.timeout_s, "give up a phase after this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--path", o.path,
                 "direct: one link 44 -> 51; national: the sorting path 44 -> 00 -> 51")
      ->check(CLI::IsMember({"direct", "national"}))
      ->capture_default_str();
  app.add_option("--records-ndjson", o.records_ndjson,
                 "also write the records of the throughput phase to this file (NDJSON)");
  app.add_flag("--verbose", o.verbose, "print every log event of both cores to stderr");
  CLI11_PARSE(app, argc, argv);
  try {
    return provnet::bench::run(o, argv[0]);
  } catch (const std::exception& e) {
    // Caught so that the stack unwinds: endpoints stop, the directory goes.
    std::cerr << "provbench-link: " << e.what() << '\n';
    return 1;
  }
}
