// Polling with a deadline. Integration tests wait for what they expect to
// happen, never for a fixed time, and never assert on how long it took: the
// deadline only turns a hang into a failure with a message.
#pragma once

#include <chrono>
#include <thread>

namespace provnet::testing {

// Generous: the suite runs on two shared cores next to other builds.
inline constexpr std::chrono::seconds kPatience{60};

// Calls `done` every `every` until it returns true (-> true) or `patience`
// has passed (-> false).
template <class Predicate>
bool wait_until(Predicate&& done, std::chrono::milliseconds patience = kPatience,
                std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace provnet::testing
