// CPU time of one thread (CLOCK_THREAD_CPUTIME_ID, or the same clock of
// another thread through pthread_getcpuclockid), to set against wall time:
// a thread that is busy for most of the wall time but uses little CPU waits
// on the disk; one that uses little of either waits on its peer.
#pragma once

#include <pthread.h>
#include <time.h>

#include <cstdint>
#include <thread>

namespace provnet::bench {

inline std::uint64_t nanoseconds_of(clockid_t clock) {
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// The calling thread's CPU time so far.
inline std::uint64_t this_thread_cpu_ns() {
  return nanoseconds_of(CLOCK_THREAD_CPUTIME_ID);
}

// Another (running) thread's CPU time so far; 0 if it cannot be read.
inline std::uint64_t thread_cpu_ns(std::thread& thread) {
  clockid_t clock{};
  if (::pthread_getcpuclockid(thread.native_handle(), &clock) != 0) return 0;
  return nanoseconds_of(clock);
}

}  // namespace provnet::bench
