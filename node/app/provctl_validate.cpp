#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/provctl_commands.hpp"
#include "app/record_source.hpp"

namespace provnet::app {

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<domain::Date> reporting_date(const std::string& today_text) {
  if (today_text.empty()) return domain::Date::from_unix_ms_cst(now_unix_ms());
  return domain::Date::parse_yyyymmdd(today_text);
}

namespace {

void print_text(const domain::RecordItem& item) {
  std::string id = item.record_id.empty() ? "(no record_id)" : item.record_id;
  std::cout << fmt::format("line {}, record {}: {} problem{}\n", item.line, id,
                           item.problems.size(), item.problems.size() == 1 ? "" : "s");
  for (const domain::RecordProblem& p : item.problems) std::cout << "  - " << p.message << '\n';
}

void print_json(const domain::RecordItem& item) {
  nlohmann::json errors = nlohmann::json::array();
  for (const domain::RecordProblem& p : item.problems) {
    errors.push_back(
        {{"field", p.field},
         {"wis_field", p.wis_field.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.wis_field)},
         {"found", p.found},
         {"expected", p.expected},
         {"message", p.message}});
  }
  nlohmann::json line = {{"line", item.line},
                         {"record_id", item.record_id.empty() ? nlohmann::json(nullptr)
                                                              : nlohmann::json(item.record_id)},
                         {"errors", std::move(errors)}};
  // Input that is not UTF-8 must not make the report itself fail.
  std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace

int run_validate(const ValidateOptions& o) {
  std::optional<domain::Date> today = reporting_date(o.today);
  if (!today) {
    std::cerr << fmt::format("provctl validate: --today {}: expected a real date as YYYYMMDD\n",
                             o.today);
    return 2;
  }
  domain::ValidationContext ctx{*today};
  std::uint64_t records = 0, invalid = 0, problems = 0;
  auto started = std::chrono::steady_clock::now();

  auto read = read_records(o.path, o.format, [&](domain::RecordItem& item) {
    ++records;
    if (domain::check_item(item, ctx)) return;
    ++invalid;
    problems += item.problems.size();
    if (o.json) {
      print_json(item);
    } else {
      print_text(item);
    }
  });
  if (!read) {
    std::cout.flush();
    std::cerr << "provctl validate: " << read.error().message << '\n';
    return 2;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  double rate = seconds > 0 ? static_cast<double>(records) / seconds : 0.0;
  if (o.json) {
    nlohmann::json summary = {{"summary",
                               {{"records", records},
                                {"valid", records - invalid},
                                {"invalid", invalid},
                                {"problems", problems},
                                {"seconds", seconds},
                                {"records_per_second", static_cast<std::uint64_t>(rate)}}}};
    std::cout << summary.dump() << '\n';
  } else {
    std::cout << fmt::format(
        "{}: {} records, {} valid, {} invalid, {} problems ({:.3f} s, {:.0f} records/s)\n", o.path,
        records, records - invalid, invalid, problems, seconds, rate);
  }
  return invalid == 0 ? 0 : 1;
}

}  // namespace provnet::app
