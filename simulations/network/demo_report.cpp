#include "network/demo_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace provnet::network {

namespace {

std::string optional_text(const std::optional<std::uint64_t>& v) {
  return v ? grouped(*v) : std::string("-");
}

nlohmann::ordered_json optional_json(const std::optional<std::uint64_t>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
}

}  // namespace

std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::uint64_t RunFigures::total(std::uint64_t ProvinceFigures::*field) const {
  std::uint64_t sum = 0;
  for (const auto& p : provinces) sum += p.*field;
  return sum;
}

double RunFigures::records_per_second() const {
  if (quiet_seconds <= 0) return 0;
  return static_cast<double>(conservation.expected) / quiet_seconds;
}

void print_report(std::ostream& out, const RunFigures& f) {
  out << fmt::format("\n{:<22} {:>8} {:>9} {:>8} {:>7}  {:<20} {:>8} {:>8} {:>7} {:>7}\n",
                     "province", "quota", "submitted", "accepted", "invalid", "top invalid field",
                     "due", "received", "refused", "pending");
  auto row = [&](const std::string& name, std::uint64_t quota, std::uint64_t submitted,
                 std::uint64_t accepted, std::uint64_t invalid, const std::string& top,
                 std::uint64_t due, std::uint64_t received, std::uint64_t refused,
                 const std::string& pending) {
    out << fmt::format("{:<22} {:>8} {:>9} {:>8} {:>7}  {:<20} {:>8} {:>8} {:>7} {:>7}\n", name,
                       grouped(quota), grouped(submitted), grouped(accepted), grouped(invalid), top,
                       grouped(due), grouped(received), grouped(refused), pending);
  };
  for (const auto& p : f.provinces) {
    std::string name = fmt::format("{} {}", domain::province_code_text(p.code), p.name_en);
    if (name.size() > 22) name = name.substr(0, 21) + "~";
    row(name, p.quota, p.submitted, p.accepted + p.unchanged, p.invalid, p.top_invalid_field, p.due,
        p.received, p.refused, optional_text(p.pending));
  }
  std::uint64_t pending_sum = 0;
  bool pending_known = true;
  for (const auto& p : f.provinces) {
    if (p.pending) {
      pending_sum += *p.pending;
    } else {
      pending_known = false;
    }
  }
  out << std::string(128, '-') << '\n';
  std::string top_all;
  std::uint64_t most = 0;
  for (const auto& [field, n] : f.invalid_by_field) {
    if (n > most) {
      most = n;
      top_all = field;
    }
  }
  row("all 32 provinces", f.total(&ProvinceFigures::quota), f.total(&ProvinceFigures::submitted),
      f.total(&ProvinceFigures::accepted) + f.total(&ProvinceFigures::unchanged),
      f.total(&ProvinceFigures::invalid), top_all, f.total(&ProvinceFigures::due),
      f.total(&ProvinceFigures::received), f.total(&ProvinceFigures::refused),
      pending_known ? grouped(pending_sum) : "-");
  out << "quota: records generated for the province; accepted/invalid: its node's answer to POST "
         "/v1/records;\ndue: accepted records, from every province, that concern it; received: "
         "\"record\" entries in its inbox;\nrefused: its own records refused downstream (inbox "
         "\"rejected\"); pending: messages and staged records still at its node\n";
  if (std::uint64_t u = f.total(&ProvinceFigures::unchanged); u > 0) {
    out << fmt::format("({} of the accepted were already held: \"unchanged\")\n", grouped(u));
  }

  out << fmt::format(
      "\nnational node 00: {} record versions held, {} evidence entries, {} pending\n",
      optional_text(f.national_record_versions), optional_text(f.national_evidence),
      optional_text(f.national_pending));
  if (!f.national_record_versions) {
    out << "  (this provnode's /v1/status has no counts: '-' means not reported)\n";
  }
  out << fmt::format(
      "  it should hold every accepted version but those exchanged directly inside evidence-only "
      "groups:\n  {} - {} = {} (more if a direct peer was down and they went through it)\n",
      grouped(f.conservation.expected), grouped(f.evidence_only_versions),
      grouped(f.conservation.expected - f.evidence_only_versions));
  out << fmt::format(
      "  full copies of direct exchanges in its inbox: {} (accepted between members of full-copy "
      "groups: {})\n",
      grouped(f.national_inbox_records), grouped(f.full_copy_group_versions));

  std::uint64_t invalid = f.total(&ProvinceFigures::invalid);
  out << fmt::format("\ninvalid at submit: {} records (the generator broke {} on purpose)\n",
                     grouped(invalid), grouped(f.total(&ProvinceFigures::broken_generated)));
  std::vector<std::pair<std::uint64_t, std::string>> by_count;
  for (const auto& [field, n] : f.invalid_by_field) by_count.emplace_back(n, field);
  std::sort(by_count.rbegin(), by_count.rend());
  for (std::size_t i = 0; i < by_count.size() && i < 8; ++i) {
    const auto& [n, field] = by_count[i];
    auto ex = f.example_by_field.find(field);
    std::string example = ex == f.example_by_field.end() ? "" : ex->second;
    if (example.size() > 90) example = example.substr(0, 87) + "...";
    out << fmt::format("  {:>7}  {:<22} {}\n", grouped(n), field, example);
  }
  for (const auto& failure : f.submit_failures) out << "  submit failed: " << failure << '\n';

  out << fmt::format("\ntime: submitting {:.1f} s; first POST to {} {:.1f} s ({} status polls)\n",
                     f.submit_seconds, f.quiet ? "quiet" : "giving up (NOT quiet)", f.quiet_seconds,
                     grouped(f.polls));
  out << fmt::format(
      "throughput: {} accepted record versions through the network in {:.1f} s = "
      "{} records/s\n",
      grouped(f.conservation.expected), f.quiet_seconds,
      grouped(static_cast<std::uint64_t>(f.records_per_second())));
  for (const auto& u : f.unreachable) out << "unreachable: " << u << '\n';

  const ConservationResult& c = f.conservation;
  out << fmt::format(
      "\nconservation check: {}\n  {} accepted versions; {} delivered exactly once to the "
      "province they concern, by their author\n  {} missing, {} duplicated, {} at a province they "
      "do not concern, {} with the wrong author, {} never accepted; {} refused downstream\n"
      "  national copies: {}, {} of them duplicated, {} of evidence-only exchanges\n",
      f.pass() ? "PASS" : "FAIL", grouped(c.expected), grouped(c.delivered_once),
      grouped(c.missing), grouped(c.duplicated), grouped(c.elsewhere), grouped(c.wrong_author),
      grouped(c.never_accepted), grouped(c.refused), grouped(c.national_copies),
      grouped(c.national_copy_duplicated), grouped(c.national_copy_forbidden));
  if (!f.quiet) out << "  the network did not become quiet before --timeout-s\n";
  if (!f.submit_failures.empty()) out << "  some chunks could not be submitted (above)\n";
  if (!f.unreachable.empty()) out << "  some nodes could not be read (above)\n";
  for (const auto& e : c.examples) out << "  " << e << '\n';
}

nlohmann::ordered_json report_json(const RunFigures& f) {
  using nlohmann::ordered_json;
  ordered_json provinces = ordered_json::array();
  for (const auto& p : f.provinces) {
    provinces.push_back(ordered_json{{"code", domain::province_code_text(p.code)},
                                     {"name_en", p.name_en},
                                     {"quota", p.quota},
                                     {"submitted", p.submitted},
                                     {"accepted", p.accepted},
                                     {"unchanged", p.unchanged},
                                     {"invalid", p.invalid},
                                     {"not_submitted", p.not_submitted},
                                     {"broken_generated", p.broken_generated},
                                     {"top_invalid_field", p.top_invalid_field},
                                     {"due", p.due},
                                     {"received", p.received},
                                     {"refused", p.refused},
                                     {"pending", optional_json(p.pending)}});
  }
  const ConservationResult& c = f.conservation;
  return ordered_json{{"options",
                       {{"records", f.records},
                        {"seed", f.seed},
                        {"error_rate", f.error_rate},
                        {"today", f.today},
                        {"config_dir", f.config_dir}}},
                      {"provinces", std::move(provinces)},
                      {"national",
                       {{"record_versions", optional_json(f.national_record_versions)},
                        {"evidence", optional_json(f.national_evidence)},
                        {"pending", optional_json(f.national_pending)},
                        {"inbox_records", f.national_inbox_records},
                        {"full_copy_group_versions", f.full_copy_group_versions},
                        {"evidence_only_versions", f.evidence_only_versions}}},
                      {"invalid_by_field", f.invalid_by_field},
                      {"submit_failures", f.submit_failures},
                      {"timing",
                       {{"submit_s", f.submit_seconds},
                        {"first_post_to_quiet_s", f.quiet_seconds},
                        {"quiet", f.quiet},
                        {"polls", f.polls},
                        {"records_per_s", f.records_per_second()}}},
                      {"unreachable", f.unreachable},
                      {"conservation",
                       {{"pass", f.pass()},
                        {"expected", c.expected},
                        {"delivered_once", c.delivered_once},
                        {"missing", c.missing},
                        {"duplicated", c.duplicated},
                        {"elsewhere", c.elsewhere},
                        {"wrong_author", c.wrong_author},
                        {"never_accepted", c.never_accepted},
                        {"refused_downstream", c.refused},
                        {"national_copies", c.national_copies},
                        {"national_copy_duplicated", c.national_copy_duplicated},
                        {"national_copy_forbidden", c.national_copy_forbidden},
                        {"examples", c.examples}}}};
}

}  // namespace provnet::network
