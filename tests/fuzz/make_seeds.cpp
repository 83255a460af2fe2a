// provfuzz-seeds OUTDIR: writes the binary part of the fuzz targets' seed
// corpus (tests/fuzz/corpus/<target>/) from real cores and generated
// records, so the fuzzers start from well-formed inputs and mutate inward:
// record batches from 44 to 51 (direct, and relayed by 00), 51's
// acknowledgements, single records, JSON/NDJSON/CSV files with and without
// faults, a signed directory of the shipped config/ files, and the shipped
// TOML files (a province's and the national node's configuration, nodes and
// groups). Run again when the protocol or the formats change; the output
// is committed.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/node_core.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "daemon/directory_source.hpp"
#include "domain/record_interchange.hpp"
#include "fuzz_support.hpp"
#include "net/frame.hpp"
#include "store/store.hpp"
#include "synth/population.hpp"

namespace {

using namespace provnet;
namespace fs = std::filesystem;

void write(const fs::path& dir, const std::string& name, std::string_view prefix,
           std::string_view bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out << prefix << bytes;
  if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
}

std::unique_ptr<store::Store> open_store(const fs::path& path) {
  store::StoreOptions o;
  o.path = path.string();
  o.map_size_bytes = 64ull << 20;
  o.durable = false;
  auto s = store::Store::open(o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

core::CoreConfig config_for(domain::ProvinceCode self, std::set<domain::ProvinceCode> peers) {
  core::CoreConfig c;
  c.self = self;
  c.direct_peers = std::move(peers);
  c.seed = 1;
  c.max_records_per_message = 4;
  c.batch_linger_ms = 0;
  c.signer = std::make_shared<fuzz::PlainSigner>();
  c.verifier = std::make_shared<fuzz::AcceptingVerifier>();
  return c;
}

std::vector<synth::GeneratedRecord> generate(domain::ProvinceCode reporting,
                                             domain::ProvinceCode concerned, std::size_t count,
                                             double error_rate) {
  synth::PopulationOptions o;
  o.seed = 11;
  o.today = domain::Date{2026, 3, 2};
  o.reporting = reporting;
  o.error_rate = error_rate;
  synth::PopulationGenerator gen(o);
  std::vector<synth::GeneratedRecord> out;
  while (out.size() < count) {
    synth::GeneratedRecord g = gen.next();
    if (concerned == 0 || domain::concerned_province_of(g.record) == concerned) {
      out.push_back(std::move(g));
    }
  }
  return out;
}

void envelopes(const fs::path& out, const fs::path& scratch) {
  auto store44 = open_store(scratch / "44");
  auto store51 = open_store(scratch / "51");
  core::NodeCore a(config_for(44, {51, 0}), *store44);
  core::NodeCore b(config_for(51, {44, 0}), *store51);
  const std::int64_t now = fuzz::kFuzzNowMs;
  (void)a.on_link_up(51, now);
  (void)b.on_link_up(44, now);
  std::vector<domain::MigrantRecord> records;
  for (auto& g : generate(44, 51, 6, 0.0)) records.push_back(std::move(g.record));
  auto submitted = a.submit_records(records, core::ChangeMeta{"seeds", "fuzz seed"}, now);
  if (!submitted) throw std::runtime_error(submitted.error().message);
  int n = 0;
  for (const core::SendEnvelope& s : submitted->effects.sends) {
    write(out / "frame", fmt::format("batch-{}", n), "", net::frame(s.bytes));
    write(out / "envelope", fmt::format("batch-{}-direct", n), std::string(1, '\0'), s.bytes);
    write(out / "envelope", fmt::format("batch-{}-relayed", n), std::string(1, '\1'), s.bytes);
    core::Effects reply = b.on_envelope(44, s.bytes, now + 10);
    for (const core::SendEnvelope& r : reply.sends) {
      write(out / "frame", fmt::format("reply-{}", n), "", net::frame(r.bytes));
      write(out / "envelope", fmt::format("reply-{}", n), std::string(1, '\0'), r.bytes);
    }
    ++n;
  }
  if (n == 0) throw std::runtime_error("44 sent nothing to 51");
}

void records(const fs::path& out) {
  auto generated = generate(44, 0, 12, 0.5);
  int n = 0;
  for (const synth::GeneratedRecord& g : generated) {
    capnp::MallocMessageBuilder builder;
    auto version = builder.initRoot<wire::RecordVersion>();
    core::record_to_wire(g.record, version.initRecord());
    version.setVersion(1);
    write(out / "record", fmt::format("record-{}", n++), "",
          core::canonical_message(version.asReader()));
  }
  for (double error_rate : {0.0, 0.5}) {
    auto some = generate(31, 0, 3, error_rate);
    const std::string tag = error_rate > 0 ? "faulty" : "valid";
    nlohmann::json array = nlohmann::json::array();
    std::string ndjson;
    std::string csv = domain::csv_header() + "\n";
    for (const auto& g : some) {
      array.push_back(domain::record_to_json(g.record));
      ndjson += domain::record_to_json(g.record).dump() + "\n";
      csv += domain::record_to_csv_row(g.record) + "\n";
    }
    write(out / "ingest", "json-" + tag, std::string(1, '\0'), array.dump(1));
    write(out / "ingest", "ndjson-" + tag, std::string(1, '\1'), ndjson);
    write(out / "ingest", "csv-" + tag, std::string(1, '\2'), csv);
  }
}

void directory(const fs::path& out, const fs::path& config) {
  daemon::DirectorySources sources;
  sources.nodes_file = (config / "nodes.toml").string();
  sources.groups_file = (config / "groups.toml").string();
  auto loaded = daemon::load_directory_sources(sources, fuzz::kFuzzNowMs / 1000);
  if (!loaded.content) throw std::runtime_error("the shipped directory sources do not load");
  core::Directory d;
  d.version = 3;
  d.issued_at_ms = fuzz::kFuzzNowMs;
  d.valid_from_ms = fuzz::kFuzzNowMs - 3'600'000;
  d.valid_until_ms = fuzz::kFuzzNowMs + 7 * 86'400'000LL;
  d.content = *loaded.content;
  d.content.nodes.front().certificate_serials = {"5E0001"};
  d.content.revocations.push_back({"5E4400", 44, "key compromise", fuzz::kFuzzNowMs - 1000});
  auto normalized = core::normalize_directory(d.content);
  if (!normalized) throw std::runtime_error(normalized.error().message);
  d.content = *normalized;
  fuzz::PlainSigner signer;
  auto signed_bytes = core::sign_directory(d, signer);
  if (!signed_bytes) throw std::runtime_error(signed_bytes.error().message);
  write(out / "directory", "directory-33-nodes", "", *signed_bytes);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void config_files(const fs::path& out, const fs::path& config) {
  write(out / "config", "province-51", std::string(1, '\0'),
        read_file(config / "province-51.toml"));
  write(out / "config", "national", std::string(1, '\0'), read_file(config / "national.toml"));
  write(out / "config", "nodes", std::string(1, '\1'), read_file(config / "nodes.toml"));
  write(out / "config", "groups", std::string(1, '\2'), read_file(config / "groups.toml"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: provfuzz-seeds OUTDIR\n";
    return 2;
  }
  try {
    const fs::path out(argv[1]);
    fuzz::ScratchDir scratch("seeds");
    envelopes(out, scratch.path());
    records(out);
    directory(out, fs::path(PROVNET_SOURCE_DIR) / "config");
    config_files(out, fs::path(PROVNET_SOURCE_DIR) / "config");
    std::cout << "seeds written to " << out.string() << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "provfuzz-seeds: " << e.what() << '\n';
    return 1;
  }
}
