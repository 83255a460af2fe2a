// provbench-link's output: tables for a person (stdout) and the same figures
// as JSON for scripts (--json FILE).
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "bench/link_figures.hpp"

namespace provnet::bench {

void print_report(std::ostream& out, const RunFigures& run);
nlohmann::json report_json(const RunFigures& run);

}  // namespace provnet::bench
