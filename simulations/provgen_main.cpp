// provgen: writes synthetic migrant records (NDJSON or CSV) for demos,
// benchmarks and tests. See simulations/synth/population.hpp.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "domain/record_interchange.hpp"
#include "synth/population.hpp"

int main(int argc, char** argv) {
  using namespace provnet;
  CLI::App app{"provgen: synthetic cross-province migrant records"};
  std::uint64_t count = 1000;
  std::uint64_t seed = 1;
  double error_rate = 0.0;
  std::string province;
  std::string today_text;
  std::string format = "ndjson";
  std::string out_path = "-";
  app.add_option("-n,--count", count, "how many records")->capture_default_str();
  app.add_option("--seed", seed, "random seed: the same seed gives the same records")
      ->capture_default_str();
  app.add_option("--error-rate", error_rate, "share of records broken in one known way (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--province", province,
                 "only records this province reports (two digits); default: all provinces");
  app.add_option("--today", today_text, "reporting date YYYYMMDD (default: today, China time)");
  app.add_option("--format", format, "ndjson or csv")
      ->check(CLI::IsMember({"ndjson", "csv"}))
      ->capture_default_str();
  app.add_option("-o,--out", out_path, "output file, - for stdout")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  synth::PopulationOptions options;
  options.seed = seed;
  options.error_rate = error_rate;
  if (!province.empty()) {
    options.reporting = domain::parse_province_code(province);
    if (!options.reporting) {
      std::cerr << fmt::format("provgen: --province {}: not one of the 32 province codes\n",
                               province);
      return 2;
    }
  }
  if (today_text.empty()) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    options.today = domain::Date::from_unix_ms_cst(
        std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  } else if (auto d = domain::Date::parse_yyyymmdd(today_text)) {
    options.today = *d;
  } else {
    std::cerr << fmt::format("provgen: --today {}: expected a real date as YYYYMMDD\n", today_text);
    return 2;
  }

  std::ofstream file;
  std::ostream* out = &std::cout;
  if (out_path != "-") {
    file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << fmt::format("provgen: cannot write {}\n", out_path);
      return 2;
    }
    out = &file;
  }
  synth::PopulationGenerator gen(options);
  if (format == "csv") *out << domain::csv_header() << '\n';
  std::uint64_t broken = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    synth::GeneratedRecord g = gen.next();
    if (g.fault != synth::Fault::none) ++broken;
    if (format == "csv") {
      *out << domain::record_to_csv_row(g.record) << '\n';
    } else {
      *out << domain::record_to_json(g.record).dump() << '\n';
    }
  }
  out->flush();
  if (!*out) {
    std::cerr << fmt::format("provgen: writing {} failed (disk full?)\n", out_path);
    return 2;
  }
  std::cerr << fmt::format("provgen: wrote {} records ({} broken on purpose), seed {}\n", count,
                           broken, seed);
  return 0;
}
