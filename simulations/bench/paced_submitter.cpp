#include "bench/paced_submitter.hpp"

#include <algorithm>
#include <memory>
#include <optional>

namespace provnet::bench {

namespace {

// Lives as long as a handler holds it: the last one runs on the sender's
// thread, so the timer is never touched from another.
struct PacedState : std::enable_shared_from_this<PacedState> {
  PacedState(LinkEndpoint& sender, std::span<const domain::MigrantRecord> records,
             std::size_t chunk, std::chrono::nanoseconds interval)
      : sender(sender), records(records), chunk(chunk), interval(interval), timer(sender.io()) {}

  void step() {
    const auto now = Clock::now();
    const auto due = start + interval * run.submits;
    if (now - due > interval) ++run.late_submits;
    const std::size_t from = run.submits * chunk;
    const std::size_t n = std::min(chunk, records.size() - from);
    auto queued = sender.submit(records.subspan(from, n));
    if (!queued) return done.set_value(queued.error());
    run.messages += *queued;
    ++run.submits;
    if (run.submits * chunk >= records.size()) {
      run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      return done.set_value(run);
    }
    timer.expires_at(start + interval * run.submits);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return self->done.set_value(Error{Errc::io, "the paced submit timer failed"});
      self->step();
    });
  }

  LinkEndpoint& sender;
  std::span<const domain::MigrantRecord> records;
  std::size_t chunk;
  std::chrono::nanoseconds interval;
  net::asio::steady_timer timer;
  Clock::time_point start;
  PacedRun run;
  std::promise<Result<PacedRun>> done;
};

}  // namespace

std::future<Result<PacedRun>> submit_paced(LinkEndpoint& sender,
                                           std::span<const domain::MigrantRecord> records,
                                           std::size_t chunk, std::chrono::nanoseconds interval) {
  auto state =
      std::make_shared<PacedState>(sender, records, std::max<std::size_t>(1, chunk), interval);
  auto future = state->done.get_future();
  if (records.empty()) {
    state->done.set_value(PacedRun{});
    return future;
  }
  net::asio::post(sender.io(), [state] {
    state->start = Clock::now();
    state->step();
  });
  return future;
}

}  // namespace provnet::bench
