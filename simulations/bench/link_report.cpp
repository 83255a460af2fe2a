#include "bench/link_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace provnet::bench {

namespace {

int percent(double part, double whole) {
  return whole > 0 ? static_cast<int>(part / whole * 100.0 + 0.5) : 0;
}

std::string side_row(std::uint32_t batch, const char* name, const SideFigures& s) {
  return fmt::format("{:>6} {:<9} {:>7.2f} {:>5}% {:>6}% {:>7}% {:>7}% {:>5}% {:>5}% {:>8}% {:>5}%",
                     batch, name, s.wall_s, percent(s.thread_cpu_s, s.wall_s),
                     percent(s.core_wall_s, s.wall_s), percent(s.commit_s, s.wall_s),
                     percent(s.verify_s, s.wall_s), percent(s.sign_s, s.wall_s),
                     percent(s.rest_of_core_s(), s.wall_s), percent(s.network_cpu_s(), s.wall_s),
                     percent(s.idle_s(), s.wall_s));
}

nlohmann::json side_json(const SideFigures& s) {
  return {{"wall_s", s.wall_s},
          {"thread_cpu_s", s.thread_cpu_s},
          {"core_wall_s", s.core_wall_s},
          {"core_cpu_s", s.core_cpu_s},
          {"commit_s", s.commit_s},
          {"commits", s.commits},
          {"verify_s", s.verify_s},
          {"verifies", s.verifies},
          {"sign_s", s.sign_s},
          {"signs", s.signs},
          {"submit_s", s.submit_s},
          {"rest_of_core_s", s.rest_of_core_s()},
          {"network_cpu_s", s.network_cpu_s()},
          {"idle_s", s.idle_s()}};
}

}  // namespace

void print_report(std::ostream& out, const RunFigures& run) {
  out << fmt::format(
      "provbench-link: {}, one thread (one io_context) a node,\n"
      "TLS 1.3 with mutual certificates, envelopes signed with {}, durable LMDB (fsync per "
      "commit)\non {} at {}\n",
      run.path, run.signature_algorithm, run.file_system, run.directory);
  out << fmt::format(
      "{} records per batch size (44 reports, 51 concerned; drawn from {} generated in {:.1f} "
      "s), at most {} messages in flight\n",
      run.records, run.drawn, run.generate_s, run.max_in_flight);
  out << fmt::format("{} CPUs, load average {:.2f} before and {:.2f} after the run\n\n", run.cpus,
                     run.load_before, run.load_after);

  out << "1. throughput: sender's outbox preloaded with the link down, then link up until the\n"
         "   receiver committed every record (records counted in message.applied)\n";
  out << fmt::format("{:>6} {:>6} {:>9} {:>9} {:>9} {:>8} {:>10} {:>7} {:>8}\n", "batch", "msgs",
                     "preload s", "frame KB", "bytes/rec", "seconds", "records/s", "MB/s",
                     "retries");
  for (const BatchFigures& b : run.batches) {
    const ThroughputFigures& t = b.throughput;
    out << fmt::format("{:>6} {:>6} {:>9.2f} {:>9.1f} {:>9.0f} {:>8.2f} {:>10.0f} {:>7.2f} {:>8}\n",
                       b.batch, t.messages, t.preload_s, t.bytes_per_message() / 1024.0,
                       t.bytes_per_record(), t.seconds, t.records_per_s(), t.mb_per_s(), t.retries);
  }

  out << fmt::format(
      "\n2. latency at {:.0f}% of the lower of that throughput and the sender's submit rate\n"
      "   (records / preload s), one batch per interval: sender's outbox write\n"
      "   (submit_records returned) to receiver's commit (on_envelope returned with "
      "message.applied);\n   late = submits started over an interval behind schedule (sender "
      "loop busy)\n",
      run.latency_load * 100.0);
  out << fmt::format("{:>6} {:>13} {:>11} {:>6} {:>8} {:>8} {:>8} {:>8}\n", "batch",
                     "offered rec/s", "interval ms", "msgs", "p50 ms", "p99 ms", "max ms", "late");
  for (const BatchFigures& b : run.batches) {
    const LatencyFigures& l = b.latency;
    out << fmt::format("{:>6} {:>13.0f} {:>11.1f} {:>6} {:>8.1f} {:>8.1f} {:>8.1f} {:>8}{}\n",
                       b.batch, l.offered_records_per_s, l.interval_ms, l.latency.messages,
                       l.latency.p50_ms, l.latency.p99_ms, l.latency.max_ms, l.late_submits,
                       l.complete ? "" : "  (not all committed in time)");
  }

  out << "\n3. what limits it: each thread's wall time during the throughput phase\n"
         "   in core = inside NodeCore calls = commit + verify + sign + rest, where commit is "
         "LMDB's\n"
         "   commit with its fsync, verify and sign the signature operations alone, rest all else\n"
         "   (decode, canonical signing input, validation, store writes, replies); net = CPU "
         "outside\n"
         "   the core (TLS, framing, Asio); idle = neither\n";
  out << fmt::format("{:>6} {:<9} {:>7} {:>6} {:>7} {:>8} {:>8} {:>6} {:>6} {:>9} {:>6}\n", "batch",
                     "thread", "wall s", "CPU", "in core", "commit", "verify", "sign", "rest",
                     "net CPU", "idle");
  for (const BatchFigures& b : run.batches) {
    out << side_row(b.batch, "sender", b.throughput.sender) << '\n';
    if (b.throughput.relay) out << side_row(b.batch, "00 relay", *b.throughput.relay) << '\n';
    out << side_row(b.batch, "receiver", b.throughput.receiver) << '\n';
  }
  for (const BatchFigures& b : run.batches) {
    const ThroughputFigures& t = b.throughput;
    const ReceiverWorkProfile& w = t.receiver_work;
    out << fmt::format("  batch {:>4}: {}\n", b.batch, b.verdict);
    out << fmt::format(
        "    per message: sign {:.0f} us (sender); verify {:.0f} us, commit {:.2f} ms "
        "(receiver)\n",
        t.sign_us_per_message, t.verify_us_per_message, t.receiver_ms_per_commit);
    const SideFigures& p = t.preload_sender;
    const double per_submit_ms =
        t.messages ? p.submit_s * 1e3 / static_cast<double>(t.messages) : 0.0;
    out << fmt::format(
        "    sender submit_records (preload): {:.2f} ms per message = sign {}%, commit {}%, "
        "validate/store/encode {}%\n",
        per_submit_ms, percent(p.sign_s, p.submit_s), percent(p.commit_s, p.submit_s),
        percent(std::max(0.0, p.submit_s - p.sign_s - p.commit_s), p.submit_s));
    const LatencyFigures& l = b.latency;
    out << fmt::format(
        "    latency phase: sender busy {}% (in submit_records {}%), receiver busy {}%; LMDB "
        "commits take\n    {}% of the sender's wall time, {}% of the receiver's\n",
        percent(l.sender.busy_share(), 1.0), percent(l.sender.submit_s, l.sender.wall_s),
        percent(l.receiver.busy_share(), 1.0), percent(l.sender.commit_s, l.sender.wall_s),
        percent(l.receiver.commit_s, l.receiver.wall_s));
    out << fmt::format(
        "    receiver CPU per message timed apart: decode {:.0f} us, signing input {:.0f} us, "
        "digest {:.0f} us,\n    records (from wire + validate + canonical) {:.0f} us = {:.1f} "
        "us/record\n",
        w.decode_us, w.signing_input_us, w.digest_us, w.records_us,
        w.records ? w.records_us / static_cast<double>(w.records) : 0.0);
  }

  out << "\n4. raw limits of this machine, same run: TLS 1.3 loopback with the same "
         "certificates and\n   frame size; durable LMDB commits of <batch> records written as "
         "the receiver writes them\n";
  out << fmt::format("{:>6} {:>11} {:>13} {:>14} {:>11} {:>10} {:>14}\n", "batch", "TLS MB/s",
                     "TLS records/s", "LMDB records/s", "ms/commit", "link rec/s", "link/min(raw)");
  for (const BatchFigures& b : run.batches) {
    const RawFigures& r = b.raw;
    const double ms_per_commit =
        r.lmdb.commits ? r.lmdb.seconds * 1e3 / static_cast<double>(r.lmdb.commits) : 0;
    out << fmt::format("{:>6} {:>11.0f} {:>13.0f} {:>14.0f} {:>11.2f} {:>10.0f} {:>8.0f}% ({})\n",
                       b.batch, r.tls.mb_per_s(), r.tls_records_per_s, r.lmdb.records_per_s(),
                       ms_per_commit, b.throughput.records_per_s(),
                       b.link_share_of_ceiling() * 100.0, r.ceiling_name());
  }
  std::uint64_t problems = 0;
  for (const BatchFigures& b : run.batches) {
    problems += b.throughput.problems + b.latency.problems;
  }
  out << fmt::format(
      "\ntotal {:.1f} s{}\n", run.total_s,
      problems ? fmt::format(", {} warnings/errors logged (see stderr)", problems) : std::string());
}

nlohmann::json report_json(const RunFigures& run) {
  nlohmann::json batches = nlohmann::json::array();
  for (const BatchFigures& b : run.batches) {
    const ThroughputFigures& t = b.throughput;
    const LatencyFigures& l = b.latency;
    const RawFigures& r = b.raw;
    batches.push_back({
        {"batch", b.batch},
        {"throughput",
         {{"records", t.records},
          {"messages", t.messages},
          {"preload_s", t.preload_s},
          {"link_up_ms", t.link_up_ms},
          {"seconds", t.seconds},
          {"records_per_s", t.records_per_s()},
          {"frame_bytes", t.frame_bytes},
          {"frame_mb_per_s", t.mb_per_s()},
          {"frame_bytes_per_record", t.bytes_per_record()},
          {"frame_bytes_per_message", t.bytes_per_message()},
          {"stored_record_bytes", t.stored_record_bytes},
          {"ack_frame_bytes", t.ack_frame_bytes},
          {"retries", t.retries},
          {"duplicates", t.duplicates},
          {"problems", t.problems},
          {"sign_us_per_message", t.sign_us_per_message},
          {"verify_us_per_message", t.verify_us_per_message},
          {"receiver_ms_per_commit", t.receiver_ms_per_commit},
          {"receiver_work_us",
           {{"records", t.receiver_work.records},
            {"decode", t.receiver_work.decode_us},
            {"signing_input", t.receiver_work.signing_input_us},
            {"digest", t.receiver_work.digest_us},
            {"records_from_wire_validate_canonical", t.receiver_work.records_us}}},
          {"preload_sender", side_json(t.preload_sender)},
          {"sender", side_json(t.sender)},
          {"receiver", side_json(t.receiver)},
          {"relay", t.relay ? side_json(*t.relay) : nlohmann::json()}}},
        {"latency",
         {{"offered_records_per_s", l.offered_records_per_s},
          {"interval_ms", l.interval_ms},
          {"seconds", l.seconds},
          {"messages", l.latency.messages},
          {"p50_ms", l.latency.p50_ms},
          {"p99_ms", l.latency.p99_ms},
          {"max_ms", l.latency.max_ms},
          {"mean_ms", l.latency.mean_ms},
          {"late_submits", l.late_submits},
          {"retries", l.retries},
          {"problems", l.problems},
          {"sender", side_json(l.sender)},
          {"receiver", side_json(l.receiver)},
          {"complete", l.complete}}},
        {"raw",
         {{"tls_frames", r.tls.frames},
          {"tls_bytes", r.tls.bytes},
          {"tls_seconds", r.tls.seconds},
          {"tls_mb_per_s", r.tls.mb_per_s()},
          {"tls_records_per_s", r.tls_records_per_s},
          {"lmdb_commits", r.lmdb.commits},
          {"lmdb_records", r.lmdb.records},
          {"lmdb_seconds", r.lmdb.seconds},
          {"lmdb_commit_seconds", r.lmdb.commit_seconds},
          {"lmdb_records_per_s", r.lmdb.records_per_s()},
          {"ceiling", r.ceiling_name()},
          {"ceiling_records_per_s", r.ceiling_records_per_s()}}},
        {"link_share_of_ceiling", b.link_share_of_ceiling()},
        {"verdict", b.verdict},
    });
  }
  return {{"benchmark", "provbench-link"},
          {"link", run.path},
          {"directory", run.directory},
          {"file_system", run.file_system},
          {"signature_algorithm", run.signature_algorithm},
          {"max_in_flight", run.max_in_flight},
          {"latency_load", run.latency_load},
          {"records", run.records},
          {"generated", run.drawn},
          {"generate_s", run.generate_s},
          {"total_s", run.total_s},
          {"cpus", run.cpus},
          {"load_average_before", run.load_before},
          {"load_average_after", run.load_after},
          {"batches", batches}};
}

}  // namespace provnet::bench
