#include <fmt/format.h>

#include <iostream>
#include <map>
#include <vector>

#include "app/provctl_commands.hpp"
#include "app/record_source.hpp"
#include "core/node_core.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "store/keys.hpp"
#include "store/tables.hpp"

namespace provnet::app {

namespace {

// The province an address code lies in, for display ("??" if none).
std::string_view province_part(std::string_view address_code) {
  auto p = domain::province_of_address(address_code);
  return p ? domain::province_code_text(*p) : "??";
}

}  // namespace

int run_store_ingest(const IngestOptions& o) {
  std::optional<domain::ProvinceCode> node = domain::parse_province_code(o.node);
  if (!node) {
    std::cerr << fmt::format("provctl store ingest: --node {}: not one of the 32 province codes\n",
                             o.node);
    return 2;
  }
  store::StoreOptions so;
  so.path = o.store_path;
  so.map_size_bytes = o.map_size_mib << 20;
  auto opened = store::Store::open(so);
  if (!opened) {
    std::cerr << "provctl store ingest: " << opened.error().message << '\n';
    return 2;
  }
  store::Store& s = **opened;
  if (auto claimed = store::claim_store(s, *node); !claimed) {
    std::cerr << "provctl store ingest: " << claimed.error().message << '\n';
    return 2;
  }
  core::CoreConfig config;
  config.self = *node;
  core::NodeCore core(config, s);
  core::ChangeMeta meta{o.operator_id, o.reason};

  std::uint64_t records = 0, stored = 0, invalid = 0;
  std::vector<domain::MigrantRecord> batch;
  std::vector<std::uint64_t> lines;
  std::optional<Error> failure;
  auto report = [](std::uint64_t line, const std::string& id,
                   const std::vector<std::string>& messages) {
    std::cout << fmt::format("line {}, record {}: not stored, {} problem{}\n", line,
                             id.empty() ? "(no record_id)" : id, messages.size(),
                             messages.size() == 1 ? "" : "s");
    for (const std::string& m : messages) std::cout << "  - " << m << '\n';
  };
  auto flush = [&]() {
    if (failure) {  // the store failed: stop holding the rest of the file
      batch.clear();
      lines.clear();
    }
    if (batch.empty() || failure) return;
    auto outcome = core.submit_records(batch, meta, now_unix_ms());
    if (!outcome) {
      failure = outcome.error();
      return;
    }
    for (std::size_t i = 0; i < outcome->items.size(); ++i) {
      const core::SubmittedItem& item = outcome->items[i];
      if (item.accepted()) {
        ++stored;
        continue;
      }
      ++invalid;
      std::vector<std::string> messages;
      for (const auto& e : item.errors) messages.push_back(e.message);
      report(lines[i], item.record_id, messages);
    }
    batch.clear();
    lines.clear();
  };
  auto read = read_records(o.path, o.format, [&](domain::RecordItem& item) {
    ++records;
    if (!item.record || !item.problems.empty()) {
      // Could not even be read as a record: validation by the core is moot.
      ++invalid;
      std::vector<std::string> messages;
      for (const auto& p : item.problems) messages.push_back(p.message);
      report(item.line, item.record_id, messages);
      return;
    }
    batch.push_back(std::move(*item.record));
    lines.push_back(item.line);
    if (batch.size() >= o.batch) flush();
  });
  flush();
  if (!read) {
    std::cerr << "provctl store ingest: " << read.error().message << '\n';
    return 2;
  }
  if (failure) {
    std::cerr << fmt::format(
        "provctl store ingest: {} (the {} records stored before it are kept; nothing of the "
        "failed batch was stored)\n",
        failure->message, stored);
    return 2;
  }
  std::cout << fmt::format("{}: {} records read, {} stored as node {}'s reports, {} not stored\n",
                           o.path, records, stored, domain::province_code_text(*node), invalid);
  return invalid == 0 ? 0 : 1;
}

int run_store_show(const ShowOptions& o) {
  store::StoreOptions so;
  so.path = o.store_path;
  so.read_only = true;
  auto opened = store::Store::open(so);
  if (!opened) {
    std::cerr << "provctl store show: " << opened.error().message << '\n';
    return 2;
  }
  store::Store& s = **opened;
  auto stats = s.stats();
  auto txn = s.begin_read();
  if (!stats || !txn) {
    std::cerr << "provctl store show: " << (!stats ? stats.error().message : txn.error().message)
              << '\n';
    return 2;
  }
  auto owner = store::meta_get_u64(*txn, store::kNodeCodeMetaKey);
  std::string node =
      owner && *owner
          ? std::string(domain::province_code_text(static_cast<domain::ProvinceCode>(**owner)))
          : "(unclaimed)";
  std::cout << fmt::format("store {} of node {}: map {} MiB, {:.1f} MiB used\n", o.store_path, node,
                           stats->map_size_bytes >> 20,
                           static_cast<double>(stats->used_bytes) / (1 << 20));
  for (const store::TableStats& t : stats->tables) {
    std::cout << fmt::format("  {:<16} {:>10} entries\n", store::table_name(t.table), t.entries);
  }

  // Outbox per link, and what is queued there, by destination.
  std::map<std::pair<int, int>, std::uint64_t> queued;  // (link, destination) -> records
  std::map<int, std::uint64_t> messages;
  auto scanned = txn->scan(store::Table::outbox, "", [&](std::string_view key, std::string_view v) {
    auto env = core::DecodedEnvelope::decode(v, {});
    int link = static_cast<unsigned char>(key[0]);
    ++messages[link];
    if (env && env->root().getBody().isMigrantBatch()) {
      queued[{link, env->root().getDestination()}] +=
          env->root().getBody().getMigrantBatch().getVersions().size();
    }
    return true;
  });
  if (!scanned) {
    std::cerr << "provctl store show: " << scanned.error().message << '\n';
    return 2;
  }
  std::cout << "outbox (awaiting acknowledgement):\n";
  if (messages.empty()) std::cout << "  empty\n";
  for (auto [link, n] : messages) {
    std::cout << fmt::format("  link {}: {} message{}\n",
                             domain::province_code_text(static_cast<domain::ProvinceCode>(link)), n,
                             n == 1 ? "" : "s");
    for (auto [key, records] : queued) {
      if (key.first != link) continue;
      std::cout << fmt::format(
          "    for {}: {} record versions\n",
          domain::province_code_text(static_cast<domain::ProvinceCode>(key.second)), records);
    }
  }

  // Staged: stored, not yet in a message (provnode batches and signs them).
  std::map<int, std::uint64_t> staged;
  auto staged_scan =
      txn->scan(store::Table::staged, "", [&](std::string_view key, std::string_view) {
        ++staged[static_cast<unsigned char>(key[0])];
        return true;
      });
  if (!staged_scan) {
    std::cerr << "provctl store show: " << staged_scan.error().message << '\n';
    return 2;
  }
  std::cout << "staged (stored, to be batched and signed by provnode):\n";
  if (staged.empty()) std::cout << "  none\n";
  for (auto [destination, n] : staged) {
    std::cout << fmt::format(
        "  for {}: {} record version{}\n",
        domain::province_code_text(static_cast<domain::ProvinceCode>(destination)), n,
        n == 1 ? "" : "s");
  }

  std::cout << fmt::format("records (first {}; ids and codes only):\n", o.records);
  std::size_t listed = 0;
  auto listed_ok =
      txn->scan(store::Table::records, "", [&](std::string_view, std::string_view value) {
        if (listed >= o.records) return false;
        auto v = core::Decoded<wire::RecordVersion>::decode(value, {});
        if (!v) return true;
        auto rv = v->root();
        auto r = rv.getRecord();
        bool inflow = r.getDirection() == wire::Direction::INFLOW;
        std::cout << fmt::format(
            "  {:<22} v{} {:<9} {:<7} hukou {} -> residence {}  moved {}  by {}/{}\n",
            r.getRecordId().cStr(), rv.getVersion(), core::change_kind_name(rv.getChange(), "?"),
            inflow ? "inflow" : "outflow", province_part(r.getHukouAddressCode().cStr()),
            province_part(r.getCurrentAddressCode().cStr()), r.getMoveDate().cStr(),
            domain::province_code_text(rv.getAuthorNode()), rv.getOperatorId().cStr());
        ++listed;
        return true;
      });
  if (!listed_ok) {
    std::cerr << "provctl store show: " << listed_ok.error().message << '\n';
    return 2;
  }
  return 0;
}

}  // namespace provnet::app
