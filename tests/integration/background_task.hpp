// A function run on its own thread whose exception (a failed helper's
// IntegrationFailure, say) is handed back to the test's thread on join,
// so gtest reports it like any other failure.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <thread>

namespace provnet::testing {

class BackgroundTask {
 public:
  explicit BackgroundTask(std::function<void()> work)
      : thread_([this, work = std::move(work)] {
          try {
            work();
          } catch (...) {
            error_ = std::current_exception();
          }
          done_ = true;
        }) {}
  ~BackgroundTask() {
    if (thread_.joinable()) thread_.join();
  }
  BackgroundTask(const BackgroundTask&) = delete;
  BackgroundTask& operator=(const BackgroundTask&) = delete;

  bool done() const { return done_; }

  // Waits for the work to end and rethrows what it threw.
  void join() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::exception_ptr error_;
  std::atomic<bool> done_{false};
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace provnet::testing
