// NodeCore: record history and in-order release at a receiver, what the
// provincial system downloads, and statistics (SPEC §2.4): quarterly tables
// and the national monthly summary.
#include <fmt/format.h>

#include "core/collab_codec.hpp"
#include "core/core_support.hpp"
#include "core/node_core.hpp"
#include "core/record_codec.hpp"
#include "store/keys.hpp"
#include "store/tables.hpp"

namespace provnet::core {

using namespace detail;

namespace {

// A held version: who sent it in which message, for its inbox entry later.
// and the version it waits for.
std::string held_value(ProvinceCode author, std::uint64_t message_id, std::uint32_t before) {
  std::string v;
  store::keys::append_u8(v, author);
  store::keys::append_u64(v, message_id);
  store::keys::append_u32(v, before);
  return v;
}

// reports table values: first received (u64 ms), last received (u64 ms),
// then the QuarterlyStatistics. Timeliness is judged by the first receipt: a
// province that corrects its tables after the due date is on time if its
// first submission was, and the correction is shown as a revision.
constexpr std::size_t kReportHeader = 16;
std::string report_value(std::int64_t first_ms, std::int64_t last_ms, std::string_view stats) {
  std::string v;
  store::keys::append_u64(v, static_cast<std::uint64_t>(first_ms));
  store::keys::append_u64(v, static_cast<std::uint64_t>(last_ms));
  v.append(stats);
  return v;
}

// Keeps the first receipt time of an earlier submission of the same tables.
Result<void> put_report(store::WriteTxn& txn, ProvinceCode province, int year, int quarter,
                        std::int64_t now_ms, std::string_view stats) {
  const auto y = static_cast<std::uint16_t>(year);
  const auto q = static_cast<std::uint8_t>(quarter);
  auto earlier = store::report_get(txn, province, y, q);
  if (!earlier) return earlier.error();
  std::int64_t first_ms = now_ms;
  if (*earlier && (*earlier)->size() >= kReportHeader) {
    first_ms = static_cast<std::int64_t>(store::keys::read_u64(**earlier));
  }
  return store::report_put(txn, province, y, q, report_value(first_ms, now_ms, stats));
}

}  // namespace

Result<void> NodeCore::release_in_order(store::WriteTxn& txn, const std::string& record_id,
                                        std::uint32_t version, std::uint32_t predecessor,
                                        ProvinceCode author, std::uint64_t message_id,
                                        Effects& fx) {
  // The version this one follows (RecordVersion.predecessor): 0 = none.
  const std::uint32_t before = predecessor == 0 ? version - 1 : predecessor - 1;
  bool releasable = before == 0;
  if (!releasable) {
    auto previous = store::record_version_bytes(txn, record_id, before);
    if (!previous) return previous.error();
    if (*previous) {
      auto previous_held = store::held_get(txn, record_id, before);
      if (!previous_held) return previous_held.error();
      releasable = !*previous_held;
    }
  }
  if (!releasable) {
    auto held = store::held_put(txn, record_id, version, held_value(author, message_id, before));
    if (!held) return held.error();
    ++counters_.versions_held;
    fx.log(LogLevel::info, "record.held",
           {{"record_id", record_id},
            {"version", std::to_string(version)},
            {"waiting_for", std::to_string(before)},
            {"message_id", message_ref(author, message_id)}});
    return {};
  }
  auto arrived = inbox_append(txn, InboxEntry{0, "record", record_id, version, author, message_id});
  if (!arrived) return arrived.error();
  // Successors that arrived early follow, in order: each held version
  // names the one it waits for.
  for (std::uint32_t released = version;;) {
    std::optional<std::uint32_t> next;
    ProvinceCode held_author = 0;
    std::uint64_t held_message = 0;
    auto scanned = txn.scan(store::Table::held, store::keys::record_prefix(record_id),
                            [&](std::string_view key, std::string_view v) {
                              if (v.size() < 13 || store::keys::read_u32(v, 9) != released) {
                                return true;
                              }
                              next = store::keys::version_of_record_key(key);
                              held_author = static_cast<ProvinceCode>(v[0]);
                              held_message = store::keys::read_u64(v, 1);
                              return false;
                            });
    if (!scanned) return scanned.error();
    if (!next) break;
    released = *next;
    auto erased = store::held_erase(txn, record_id, *next);
    if (!erased) return erased.error();
    auto appended =
        inbox_append(txn, InboxEntry{0, "record", record_id, *next, held_author, held_message});
    if (!appended) return appended.error();
    fx.log(LogLevel::info, "record.released",
           {{"record_id", record_id}, {"version", std::to_string(*next)}});
  }
  return {};
}

Result<std::uint64_t> NodeCore::held_count() {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  return txn->count(store::Table::held);
}

Result<std::vector<RecordVersionView>> NodeCore::record_history(const std::string& record_id) {
  std::vector<RecordVersionView> out;
  if (record_id.empty() || record_id.size() > store::kMaxRecordIdBytes ||
      record_id.find('\0') != std::string::npos) {
    return out;
  }
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  auto history = store::record_history(*txn, record_id);
  if (!history) return history.error();
  for (const store::RecordVersion& rv : *history) {
    auto decoded = Decoded<wire::RecordVersion>::decode(rv.bytes, config_.limits);
    if (!decoded) return decoded.error();
    auto v = decoded->root();
    RecordVersionView view;
    view.version = v.getVersion();
    view.change = change_kind_name(v.getChange());
    view.author = v.getAuthorNode();
    view.operator_id = v.getOperatorId();
    view.changed_at_ms = v.getChangedAtMs();
    view.reason = v.getReason();
    view.record = record_from_wire(v.getRecord());
    auto held = store::held_get(*txn, record_id, view.version);
    if (!held) return held.error();
    view.held = held->has_value();
    out.push_back(std::move(view));
  }
  return out;
}

Result<NodeCore::InboxPage> NodeCore::inbox_page(const std::string& kind, std::uint64_t after_seq,
                                                 std::size_t limit, std::size_t max_scan) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  InboxPage page;
  page.next_after = after_seq;
  if (limit == 0 || after_seq == UINT64_MAX) return page;  // nothing comes after the last seq
  std::string from;
  store::keys::append_u64(from, after_seq + 1);
  std::size_t scanned_count = 0;
  bool stopped = false;
  auto scanned =
      txn->scan_from(store::Table::inbox, "", from, [&](std::string_view k, std::string_view v) {
        if (page.entries.size() >= limit || scanned_count >= max_scan) {
          stopped = true;  // there is at least one more entry
          return false;
        }
        InboxEntry e = inbox_decode(k, v);
        ++scanned_count;
        page.next_after = e.seq;
        if (kind.empty() || e.kind == kind) page.entries.push_back(std::move(e));
        return true;
      });
  if (!scanned) return scanned.error();
  page.more = stopped;
  return page;
}

Result<nlohmann::json> NodeCore::inbox_content(const InboxEntry& entry) {
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  if (entry.kind == "record" || (entry.kind == "rejected" && entry.version > 0)) {
    auto bytes = store::record_version_bytes(*txn, entry.item_id, entry.version);
    if (!bytes) return bytes.error();
    if (!*bytes) return nlohmann::json();
    auto decoded = Decoded<wire::RecordVersion>::decode(**bytes, config_.limits);
    if (!decoded) return decoded.error();
    auto v = decoded->root();
    return nlohmann::json{{"record", domain::record_to_json(record_from_wire(v.getRecord()))},
                          {"version", v.getVersion()},
                          {"change", change_kind_name(v.getChange())},
                          {"author", std::string(domain::province_code_text(v.getAuthorNode()))},
                          {"operator_id", v.getOperatorId().cStr()},
                          {"changed_at_ms", v.getChangedAtMs()},
                          {"reason", v.getReason().cStr()}};
  }
  std::optional<domain::CollabKind> kind = domain::collab_kind_from_name(entry.kind);
  std::vector<domain::CollabKind> candidates;
  if (kind) {
    candidates.push_back(domain::is_reply(*kind) ? domain::replied_kind(*kind) : *kind);
  } else {
    // A rejected collaboration item: the kinds this node sends.
    candidates = {domain::CollabKind::check_notice, domain::CollabKind::birth_registration,
                  domain::CollabKind::query};
  }
  for (domain::CollabKind k : candidates) {
    auto bytes = store::collab_get(*txn, static_cast<std::uint8_t>(k), entry.item_id);
    if (!bytes) return bytes.error();
    if (!*bytes) continue;
    auto e = decode_collab_entry(k, **bytes);
    if (e) return collab_entry_json(*e);
  }
  return nlohmann::json();
}

// --- statistics ---------------------------------------------------------------

Result<domain::QuarterlyTables> NodeCore::quarterly_tables(int year, int quarter) {
  if (quarter < 1 || quarter > 4) {
    return Error{Errc::invalid_input, fmt::format("quarter {}: expected 1 to 4", quarter)};
  }
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  std::vector<domain::VersionFact> facts;
  std::optional<Error> failure;
  const std::string self = std::string(domain::province_code_text(config_.self));
  auto scanned =
      txn->scan(store::Table::records, "", [&](std::string_view, std::string_view bytes) {
        auto decoded = Decoded<wire::RecordVersion>::decode(bytes, config_.limits);
        if (!decoded) {
          failure = decoded.error();
          return false;
        }
        auto v = decoded->root();
        // Only this province's own reports count; skip the rest before decoding them whole.
        if (v.getRecord().getReportingProvince() != config_.self) return true;
        facts.push_back(domain::VersionFact{record_from_wire(v.getRecord()), v.getVersion(),
                                            change_kind_name(v.getChange()),
                                            domain::Date::from_unix_ms_cst(v.getChangedAtMs())});
        return true;
      });
  if (!scanned) return scanned.error();
  if (failure) return *failure;
  return domain::compute_quarterly_tables(config_.self, year, quarter, facts);
}

Result<Effects> NodeCore::submit_quarterly(int year, int quarter, std::int64_t now_ms) {
  Effects fx;
  if (config_.is_national()) {
    return Error{Errc::invalid_input, "the national node receives quarterly tables; it sends none"};
  }
  auto tables = quarterly_tables(year, quarter);
  if (!tables) return tables.error();
  const domain::Date today = domain::Date::from_unix_ms_cst(now_ms);
  if (!(tables->snapshot < today)) {
    return Error{Errc::invalid_input,
                 fmt::format("{} Q{} is not closed: its snapshot date is {}; submit from the day "
                             "after",
                             year, quarter, tables->snapshot.iso())};
  }
  auto txn = store_.begin_write();
  if (!txn) return txn.error();
  auto id = next_message_id(*txn, now_ms);
  if (!id) return id.error();
  OutgoingEnvelope env(config_.self, domain::kNationalCode, *id, now_ms);
  tables_to_wire(*tables, env.body().initQuarterlyStatistics());
  auto stats = canonical_message(
      env.builder().getRoot<wire::Envelope>().getBody().getQuarterlyStatistics().asReader());
  auto kept = put_report(*txn, config_.self, year, quarter, now_ms, stats);
  if (!kept) return kept.error();
  auto queued = queue_authored(*txn, domain::kNationalCode, env.builder(), fx);
  if (!queued) return queued.error();
  auto committed = txn->commit();
  if (!committed) return committed.error();
  fx.log(LogLevel::info, "statistics.submitted",
         {{"year", std::to_string(year)},
          {"quarter", std::to_string(quarter)},
          {"message_id", message_ref(config_.self, *id)}});
  pump_all(now_ms, fx);
  return fx;
}

Result<void> NodeCore::apply_statistics(store::WriteTxn& txn, wire::Envelope::Reader env,
                                        std::int64_t now_ms, std::string& whole_reason) {
  auto stats = env.getBody().getQuarterlyStatistics();
  if (!config_.is_national()) {
    whole_reason = "only the national node takes quarterly statistics";
    return {};
  }
  if (stats.getProvince() != env.getAuthor()) {
    whole_reason = fmt::format("the tables are province {}'s, but node {} sent them",
                               domain::province_code_text(stats.getProvince()),
                               domain::province_code_text(env.getAuthor()));
    return {};
  }
  if (stats.getQuarter() < 1 || stats.getQuarter() > 4 || stats.getYear() < 2000) {
    whole_reason = fmt::format("year {} quarter {}: expected a year from 2000 and a quarter 1-4",
                               stats.getYear(), stats.getQuarter());
    return {};
  }
  domain::QuarterlyTables t = tables_from_wire(stats);
  if (t.snapshot != domain::quarter_snapshot_date(t.year, t.quarter)) {
    whole_reason =
        fmt::format("snapshot date {}: expected {} for {} Q{}", stats.getSnapshotDate().cStr(),
                    domain::quarter_snapshot_date(t.year, t.quarter).yyyymmdd(), t.year, t.quarter);
    return {};
  }
  if (auto ok = domain::check_tables(t); !ok) {
    whole_reason = "the tables do not add up: " + ok.error().message;
    return {};
  }
  return put_report(txn, env.getAuthor(), stats.getYear(), stats.getQuarter(), now_ms,
                    canonical_message(stats));
}

Result<QuarterlyReport> NodeCore::quarterly_report(int year, int quarter, std::int64_t now_ms) {
  if (quarter < 1 || quarter > 4) {
    return Error{Errc::invalid_input, fmt::format("quarter {}: expected 1 to 4", quarter)};
  }
  QuarterlyReport report;
  report.year = year;
  report.quarter = quarter;
  report.snapshot = domain::quarter_snapshot_date(year, quarter);
  report.due = domain::quarter_due_date(year, quarter);
  report.national = domain::empty_tables(domain::kNationalCode, year, quarter);
  const domain::Date today = domain::Date::from_unix_ms_cst(now_ms);
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  for (const domain::Province& p : domain::all_provinces()) {
    QuarterlySubmission s;
    s.province = p.code;
    auto stored = store::report_get(*txn, p.code, static_cast<std::uint16_t>(year),
                                    static_cast<std::uint8_t>(quarter));
    if (!stored) return stored.error();
    if (*stored && (*stored)->size() > kReportHeader) {
      std::string_view v = **stored;
      s.received_at_ms = static_cast<std::int64_t>(store::keys::read_u64(v));
      const auto last_ms = static_cast<std::int64_t>(store::keys::read_u64(v, 8));
      if (last_ms != s.received_at_ms) s.revised_at_ms = last_ms;
      auto decoded =
          Decoded<wire::QuarterlyStatistics>::decode(v.substr(kReportHeader), config_.limits);
      if (!decoded) return decoded.error();
      s.tables = tables_from_wire(decoded->root());
      // Due at the national node on the due date: received by its end.
      s.status =
          domain::Date::from_unix_ms_cst(s.received_at_ms) <= report.due ? "on_time" : "late";
      auto added = domain::add_tables(report.national, *s.tables);
      if (!added) return added.error();
    } else {
      s.status = today > report.due ? "missing" : "not_yet_due";
    }
    report.provinces.push_back(std::move(s));
  }
  return report;
}

Result<domain::MonthlySummary> NodeCore::monthly_summary(int year, int month, std::int64_t now_ms) {
  if (month < 1 || month > 12) {
    return Error{Errc::invalid_input, fmt::format("month {}: expected 1 to 12", month)};
  }
  auto txn = store_.begin_read();
  if (!txn) return txn.error();
  std::vector<domain::LedgerEntry> ledger;
  for (domain::CollabKind kind :
       {domain::CollabKind::check_notice, domain::CollabKind::birth_registration,
        domain::CollabKind::query}) {
    auto scanned = store::collab_scan(
        *txn, static_cast<std::uint8_t>(kind), [&](std::string_view, std::string_view bytes) {
          auto e = decode_collab_entry(kind, bytes);
          if (!e || e->role != "relayed" || e->state == "rejected") return true;
          domain::LedgerEntry l;
          l.kind = kind;
          l.residence = domain::parse_province_code(e->item.residence_province).value_or(0);
          l.hukou = domain::parse_province_code(e->item.hukou_province).value_or(0);
          l.date = domain::Date::parse_yyyymmdd(e->item.date).value_or(domain::Date{});
          if (e->reply) l.reply_date = domain::Date::parse_yyyymmdd(e->reply->date);
          if (!e->item.due_date.empty())
            l.due_date = domain::Date::parse_yyyymmdd(e->item.due_date);
          ledger.push_back(std::move(l));
          return true;
        });
    if (!scanned) return scanned.error();
  }
  return domain::compute_monthly_summary(year, month, domain::Date::from_unix_ms_cst(now_ms),
                                         ledger);
}

}  // namespace provnet::core
