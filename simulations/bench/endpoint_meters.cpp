#include "bench/endpoint_meters.hpp"

namespace provnet::bench {

namespace {

std::uint64_t load(const std::atomic<std::uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

OperationTime minus(const OperationTime& a, const OperationTime& b) {
  return OperationTime{a.calls - b.calls, a.nanoseconds - b.nanoseconds};
}

}  // namespace

void EndpointCounters::read_into(EndpointSnapshot& out) const {
  out.core_wall_ns = load(core_wall_ns);
  out.core_cpu_ns = load(core_cpu_ns);
  out.submit_wall_ns = load(submit_wall_ns);
  out.envelope_wall_ns = load(envelope_wall_ns);
  out.frames_sent = load(frames_sent);
  out.frame_bytes_sent = load(frame_bytes_sent);
  out.messages_queued = load(messages_queued);
  out.records_queued = load(records_queued);
  out.messages_applied = load(messages_applied);
  out.records_applied = load(records_applied);
  out.retries = load(retries);
  out.duplicates = load(duplicates);
  out.problems = load(problems);
}

EndpointSnapshot EndpointSnapshot::since(const EndpointSnapshot& e) const {
  EndpointSnapshot d;
  d.at = at;
  d.thread_cpu_ns = thread_cpu_ns - e.thread_cpu_ns;
  d.core_wall_ns = core_wall_ns - e.core_wall_ns;
  d.core_cpu_ns = core_cpu_ns - e.core_cpu_ns;
  d.submit_wall_ns = submit_wall_ns - e.submit_wall_ns;
  d.envelope_wall_ns = envelope_wall_ns - e.envelope_wall_ns;
  d.sign = minus(sign, e.sign);
  d.verify = minus(verify, e.verify);
  d.commits = store::CommitStats{commits.commits - e.commits.commits,
                                 commits.nanoseconds - e.commits.nanoseconds};
  d.frames_sent = frames_sent - e.frames_sent;
  d.frame_bytes_sent = frame_bytes_sent - e.frame_bytes_sent;
  d.messages_queued = messages_queued - e.messages_queued;
  d.records_queued = records_queued - e.records_queued;
  d.messages_applied = messages_applied - e.messages_applied;
  d.records_applied = records_applied - e.records_applied;
  d.retries = retries - e.retries;
  d.duplicates = duplicates - e.duplicates;
  d.problems = problems - e.problems;
  return d;
}

}  // namespace provnet::bench
