// provbench-scale: how the national sorter and one province scale, as
// tables (simulations/bench, README "Measured").
//
//  1. The sorter: the national node and the 32 provinces, every province
//     submitting generated records (census flows decide whom each concerns)
//     that all travel through 00, which holds a durable LMDB store (fsync per
//     commit). One run up to the largest count; at each mark (10^5, 10^6,
//     10^7 records delivered by default) it prints, for the records since the
//     previous mark, 00's CPU and wall time per record inside its core calls
//     (wall includes the fsyncs), its records/s, the process's anonymous
//     resident memory (heap: what must stay bounded), and 00's store size.
//  2. One province (51) receiving from 1, 8 and 31 provinces over direct
//     links (plus its link to 00: 32 peers), each with its own outbox and
//     in-flight window: 51's CPU per record and records/s.
//
// The nodes are real NodeCores with real ECDSA certificates and signatures
// and real LMDB stores, in one thread, joined by in-process queues instead of
// TLS (provbench-link measures the links); the provinces' stores skip fsync
// (they are not what is measured), 00's and 51's do not.
#include <fmt/format.h>
#include <sys/stat.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "bench/link_certificates.hpp"
#include "bench/scratch_directory.hpp"
#include "bench/thread_cpu_clock.hpp"
#include "ca/envelope_signatures.hpp"
#include "ca/trust_anchors.hpp"
#include "core/node_core.hpp"
#include "store/store.hpp"
#include "synth/population.hpp"

namespace provnet::bench {
namespace {

using Clock = std::chrono::steady_clock;
using domain::ProvinceCode;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Anonymous resident memory (heap, not the stores' mapped pages), KiB.
std::uint64_t rss_anon_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "RssAnon:") {
      std::uint64_t kib = 0;
      in >> kib;
      return kib;
    }
    std::getline(in, key);
  }
  return 0;
}

std::uint64_t disk_bytes(const std::string& dir) {
  struct stat st {};
  if (::stat((dir + "/data.mdb").c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

std::uint64_t field_number(const core::LogEvent& e, std::string_view key) {
  for (const auto& [k, v] : e.fields) {
    if (k == key) {
      std::uint64_t n = 0;
      std::from_chars(v.data(), v.data() + v.size(), n);
      return n;
    }
  }
  return 0;
}

struct Node {
  ProvinceCode code = 0;
  std::string store_path;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<core::NodeCore> core;
  std::uint64_t cpu_ns = 0;   // inside its core calls
  std::uint64_t wall_ns = 0;  // the same, wall (with fsync)
  std::uint64_t records_applied = 0;
};

struct NetOptions {
  std::uint32_t batch = 200;
  std::uint32_t in_flight = 16;
};

// Every node in one thread; a send is queued and delivered in order.
constexpr std::size_t kMaxFramesTogether = 64;  // as PeerSession
class Net {
 public:
  Net(const LinkCertificates& certs, const std::filesystem::path& dir, NetOptions o)
      : certs_(certs), dir_(dir), o_(o) {}

  void add(ProvinceCode code, std::set<ProvinceCode> peers, bool durable) {
    Node& n = nodes_[code];
    n.code = code;
    n.store_path = (dir_ / domain::province_code_text(code)).string();
    store::StoreOptions so;
    so.path = n.store_path;
    so.map_size_bytes = 64ull << 30;
    so.durable = durable;
    auto opened = store::Store::open(so);
    if (!opened) throw std::runtime_error(opened.error().message);
    n.store = std::move(*opened);
    const NodeCertificateFiles& f = certs_.files_of(code);
    auto signer = ca::CertificateKeySigner::load(f.signing_certificate, f.signing_private_key);
    if (!signer) throw std::runtime_error(signer.error().message);
    auto anchors = ca::TrustAnchors::from_pem_file(f.tls.ca);
    if (!anchors) throw std::runtime_error(anchors.error().message);
    core::CoreConfig c;
    c.self = code;
    c.direct_peers = std::move(peers);
    c.max_records_per_message = o_.batch;
    c.batch_linger_ms = 0;
    c.max_in_flight_per_link = o_.in_flight;
    c.seed = code + 1;
    c.signer = std::shared_ptr<const core::EnvelopeSigner>(std::move(*signer));
    c.verifier = std::make_shared<ca::CertificateVerifier>(std::move(*anchors));
    const std::set<ProvinceCode> links = c.direct_peers;
    n.core = std::make_unique<core::NodeCore>(std::move(c), *n.store);
    for (ProvinceCode p : links) call(n, [&] { return n.core->on_link_up(p, wall_ms()); });
  }

  Node& node(ProvinceCode code) { return nodes_.at(code); }

  void submit(ProvinceCode code, std::span<const domain::MigrantRecord> records) {
    Node& n = node(code);
    call(n, [&] {
      auto out = n.core->submit_records(records, core::ChangeMeta{"bench", "scale"}, wall_ms());
      if (!out) throw std::runtime_error(out.error().message);
      return std::move(out->effects);
    });
  }

  // Delivers until nothing is in flight; ticks everyone once at the end.
  void pump() {
    for (;;) {
      while (!queue_.empty()) {
        // Consecutive packets on one link go together, as provnode's
        // sessions hand over the frames already buffered (group commit).
        std::vector<Packet> group;
        do {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        } while (!queue_.empty() && group.size() < kMaxFramesTogether &&
                 queue_.front().from == group.front().from &&
                 queue_.front().to == group.front().to);
        std::vector<std::string_view> frames;
        for (const Packet& p : group) frames.push_back(p.bytes);
        Node& to = node(group.front().to);
        call(to, [&] { return to.core->on_envelopes(group.front().from, frames, wall_ms()); });
      }
      for (auto& [code, n] : nodes_) call(n, [&] { return n.core->on_tick(wall_ms()); });
      if (queue_.empty()) return;
    }
  }

  std::uint64_t problems() const { return problems_; }
  std::uint64_t applied_total() const {
    std::uint64_t t = 0;
    for (const auto& [code, n] : nodes_) t += n.records_applied;
    return t;
  }

 private:
  struct Packet {
    ProvinceCode from, to;
    std::string bytes;
  };

  template <class F>
  void call(Node& n, F&& f) {
    const auto w0 = Clock::now();
    const std::uint64_t c0 = this_thread_cpu_ns();
    core::Effects fx = f();
    n.cpu_ns += this_thread_cpu_ns() - c0;
    n.wall_ns += static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - w0).count());
    for (const core::LogEvent& e : fx.logs) {
      if (e.event == "message.applied") n.records_applied += field_number(e, "records");
      // No directory is published here (the links are configured): 00's
      // warning that it has none to give is expected.
      if ((e.level == core::LogLevel::warn || e.level == core::LogLevel::error) &&
          e.event != "directory.unavailable") {
        if (++problems_ <= 10) {
          std::string line = fmt::format("[{}] {}", domain::province_code_text(n.code), e.event);
          for (const auto& [k, v] : e.fields) line += fmt::format(" {}={}", k, v);
          std::cerr << line << '\n';
        }
      }
    }
    for (core::SendEnvelope& s : fx.sends) queue_.push_back({n.code, s.peer, std::move(s.bytes)});
  }

  const LinkCertificates& certs_;
  std::filesystem::path dir_;
  NetOptions o_;
  std::map<ProvinceCode, Node> nodes_;
  std::deque<Packet> queue_;
  std::uint64_t problems_ = 0;
};

std::vector<ProvinceCode> provinces() {
  std::vector<ProvinceCode> out;
  for (const domain::Province& p : domain::all_provinces()) {
    if (p.code != domain::kNationalCode) out.push_back(p.code);
  }
  return out;
}

struct Options {
  std::vector<std::uint64_t> marks{100'000, 1'000'000, 10'000'000};
  std::vector<std::uint32_t> peer_counts{1, 8, 31};
  std::uint64_t province_records = 200'000;
  std::uint32_t batch = 200;
  std::string directory;
  bool skip_sorter = false;
  bool skip_province = false;
};

// Each province's own generator: records it reports, whomever they concern.
struct Sources {
  std::map<ProvinceCode, synth::PopulationGenerator> generators;
  explicit Sources(const std::vector<ProvinceCode>& codes) {
    for (ProvinceCode p : codes) {
      synth::PopulationOptions o;
      o.seed = 100 + p;
      o.today = domain::Date::from_unix_ms_cst(wall_ms());
      o.reporting = p;
      generators.emplace(p, synth::PopulationGenerator(o));
    }
  }
  std::vector<domain::MigrantRecord> take(ProvinceCode p, std::size_t n,
                                          const std::set<ProvinceCode>& only = {}) {
    std::vector<domain::MigrantRecord> out;
    out.reserve(n);
    auto& g = generators.at(p);
    while (out.size() < n) {
      domain::MigrantRecord r = g.next().record;
      auto concerned = domain::concerned_province_of(r);
      if (!concerned || *concerned == p) continue;
      if (!only.empty() && !only.contains(*concerned)) continue;
      out.push_back(std::move(r));
    }
    return out;
  }
};

int sorter(const Options& o, const ScratchDirectory& scratch, const LinkCertificates& certs) {
  const auto codes = provinces();
  Net net(certs, scratch.path() / "sorter", NetOptions{o.batch, 16});
  std::filesystem::create_directories(scratch.path() / "sorter");
  std::set<ProvinceCode> all(codes.begin(), codes.end());
  net.add(domain::kNationalCode, all, /*durable=*/true);
  for (ProvinceCode p : codes) net.add(p, {domain::kNationalCode}, /*durable=*/false);
  Sources sources(codes);

  std::cout << "\n1. the national sorter: 32 provinces -> 00 -> 32 provinces, " << o.batch
            << " records a message, 00 durable (fsync per commit; messages waiting on a link are"
               " applied together)\n";
  std::cout << fmt::format("{:>12} {:>14} {:>13} {:>14} {:>13} {:>14} {:>12} {:>9}\n", "delivered",
                           "segment", "00 CPU us/rec", "00 wall us/rec", "00 CPU rec/s",
                           "00 wall rec/s", "heap MiB", "00 store");
  Node& national = net.node(domain::kNationalCode);
  std::uint64_t seg_start = 0, cpu0 = national.cpu_ns, wall0 = national.wall_ns;
  const auto started = Clock::now();
  // Enough records a round that each province fills whole messages for
  // most destinations, as its batching does over time in a real day.
  const std::size_t chunk = o.batch * 32;
  std::size_t next_mark = 0;
  while (next_mark < o.marks.size()) {
    for (ProvinceCode p : codes) {
      net.submit(p, sources.take(p, chunk));
      net.pump();
    }
    // What reached the provinces (00 applies nothing itself: it relays).
    const std::uint64_t delivered = net.applied_total() - national.records_applied;
    if (delivered < o.marks[next_mark]) continue;
    const double records = static_cast<double>(delivered - seg_start);
    const double cpu_us = static_cast<double>(national.cpu_ns - cpu0) / 1e3 / records;
    const double wall_us = static_cast<double>(national.wall_ns - wall0) / 1e3 / records;
    std::cout << fmt::format(
                     "{:>12} {:>14} {:>13.1f} {:>14.1f} {:>13.0f} {:>14.0f} {:>12.0f} {:>6.0f} MiB",
                     delivered, fmt::format("+{}", delivered - seg_start), cpu_us, wall_us,
                     1e6 / cpu_us, 1e6 / wall_us, static_cast<double>(rss_anon_kib()) / 1024.0,
                     static_cast<double>(disk_bytes(national.store_path)) / 1048576.0)
              << std::endl;
    seg_start = delivered;
    cpu0 = national.cpu_ns;
    wall0 = national.wall_ns;
    while (next_mark < o.marks.size() && delivered >= o.marks[next_mark]) ++next_mark;
  }
  if (auto stats = national.store->stats()) {
    std::string tables;
    for (const store::TableStats& t : stats->tables) {
      if (t.entries) tables += fmt::format(" {} {}", store::table_name(t.table), t.entries);
    }
    std::cout << "   00's store at the end, entries:" << tables << '\n';
  }
  std::cout << fmt::format(
      "   whole run {:.0f} s (every node, one thread); 00 commits {}; problems logged {}\n",
      std::chrono::duration<double>(Clock::now() - started).count(),
      national.store->commit_stats().commits, net.problems());
  return net.problems() == 0 ? 0 : 1;
}

int province(const Options& o, const ScratchDirectory& scratch, const LinkCertificates& certs) {
  constexpr ProvinceCode kTarget = 51;
  std::cout << "\n2. one province (51) receiving over direct links, " << o.batch
            << " records a message, 51 durable (fsync per commit; messages waiting on a link are"
               " applied together); its link to 00 is up too\n";
  std::cout << fmt::format("{:>14} {:>10} {:>13} {:>14} {:>13} {:>14} {:>12}\n", "sending peers",
                           "records", "51 CPU us/rec", "51 wall us/rec", "51 CPU rec/s",
                           "51 wall rec/s", "heap MiB");
  std::vector<ProvinceCode> others;
  for (ProvinceCode p : provinces()) {
    if (p != kTarget) others.push_back(p);
  }
  int status = 0;
  for (std::uint32_t k : o.peer_counts) {
    const std::filesystem::path dir = scratch.path() / fmt::format("province-{}", k);
    std::filesystem::create_directories(dir);
    std::vector<ProvinceCode> senders(others.begin(),
                                      others.begin() + std::min<std::size_t>(k, others.size()));
    std::set<ProvinceCode> peers(senders.begin(), senders.end());
    peers.insert(domain::kNationalCode);
    Net net(certs, dir, NetOptions{o.batch, 16});
    net.add(kTarget, peers, /*durable=*/true);
    net.add(domain::kNationalCode, {kTarget}, /*durable=*/false);
    for (ProvinceCode p : senders) net.add(p, {kTarget, domain::kNationalCode}, false);
    Sources sources(senders);
    const std::size_t per_sender = o.province_records / senders.size();
    const std::size_t chunk = o.batch * 2;
    std::vector<std::vector<domain::MigrantRecord>> pools;
    for (ProvinceCode p : senders) pools.push_back(sources.take(p, per_sender, {kTarget}));
    for (std::size_t from = 0; from < per_sender; from += chunk) {
      for (std::size_t i = 0; i < senders.size(); ++i) {
        const std::size_t n = std::min(chunk, per_sender - from);
        net.submit(senders[i], std::span<const domain::MigrantRecord>(pools[i]).subspan(from, n));
      }
      net.pump();
    }
    Node& t = net.node(kTarget);
    const double records = static_cast<double>(t.records_applied);
    const double cpu_us = static_cast<double>(t.cpu_ns) / 1e3 / records;
    const double wall_us = static_cast<double>(t.wall_ns) / 1e3 / records;
    std::cout << fmt::format("{:>14} {:>10} {:>13.1f} {:>14.1f} {:>13.0f} {:>14.0f} {:>12.0f}\n",
                             fmt::format("{} (+00)", senders.size()), t.records_applied, cpu_us,
                             wall_us, 1e6 / cpu_us, 1e6 / wall_us,
                             static_cast<double>(rss_anon_kib()) / 1024.0);
    if (t.records_applied != per_sender * senders.size() || net.problems() != 0) status = 1;
  }
  return status;
}

}  // namespace
}  // namespace provnet::bench

int main(int argc, char** argv) {
  provnet::bench::Options o;
  CLI::App app{
      "provbench-scale: the national sorter at 10^5..10^7 records, one province with "
      "1, 8 and 31+1 peers"};
  app.add_option("--marks", o.marks, "records delivered at which the sorter's table has a row")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--peers", o.peer_counts, "sending provinces of the province table (1..31)")
      ->delimiter(',')
      ->check(CLI::Range(1u, 31u))
      ->capture_default_str();
  app.add_option("--province-records", o.province_records, "records 51 receives in each row")
      ->capture_default_str();
  app.add_option("--batch", o.batch, "records per message")->capture_default_str();
  app.add_option("--dir", o.directory,
                 "where the stores go (default: $PROVNET_BENCH_DIR, else bench-tmp/ in the build "
                 "tree); a real disk");
  app.add_flag("--skip-sorter", o.skip_sorter);
  app.add_flag("--skip-province", o.skip_province);
  CLI11_PARSE(app, argc, argv);
  try {
    using namespace provnet;
    auto scratch = bench::ScratchDirectory::create(o.directory, argv[0]);
    if (!scratch) {
      std::cerr << "provbench-scale: " << scratch.error().message << '\n';
      return 2;
    }
    std::vector<domain::ProvinceCode> codes = bench::provinces();
    codes.push_back(domain::kNationalCode);
    bench::LinkCertificates certs(scratch->sub("pki"), ca::KeyAlgorithm::ecdsa_p256, codes);
    std::cout << "provbench-scale: real NodeCores, ECDSA P-256 signatures, LMDB stores on "
              << scratch->file_system() << " at " << scratch->path().string() << '\n';
    int status = 0;
    if (!o.skip_sorter) status |= bench::sorter(o, *scratch, certs);
    if (!o.skip_province) status |= bench::province(o, *scratch, certs);
    return status;
  } catch (const std::exception& e) {
    std::cerr << "provbench-scale: " << e.what() << '\n';
    return 1;
  }
}
