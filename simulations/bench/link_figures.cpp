#include "bench/link_figures.hpp"

namespace provnet::bench {

namespace {
double seconds(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e9;
}
}  // namespace

SideFigures SideFigures::of(const EndpointSnapshot& phase, double wall_s) {
  SideFigures s;
  s.wall_s = wall_s;
  s.thread_cpu_s = seconds(phase.thread_cpu_ns);
  s.core_wall_s = seconds(phase.core_wall_ns);
  s.core_cpu_s = seconds(phase.core_cpu_ns);
  s.commit_s = seconds(phase.commits.nanoseconds);
  s.commits = phase.commits.commits;
  s.verify_s = seconds(phase.verify.nanoseconds);
  s.verifies = phase.verify.calls;
  s.sign_s = seconds(phase.sign.nanoseconds);
  s.signs = phase.sign.calls;
  s.submit_s = seconds(phase.submit_wall_ns);
  return s;
}

}  // namespace provnet::bench
