// One end of the benchmarked link, driven the way provnode drives its core
// (node/daemon/node_daemon.cpp): its own thread running its own io_context,
// a durable LMDB store, a NodeCore, and a net::Transport over real TLS 1.3.
// Each Transport event becomes one core call whose Effects are carried out
// at once: frames sent, links closed, the wake-up timer set. Log events are
// not written anywhere; they are read for what the benchmark measures
// (message.queued at the sender, message.applied at the receiver).
//
// Around every core call the driver adds wall and CPU time to its counters;
// signatures are timed by decorators and commits by the store, so a phase's
// time inside the core splits into signing, verifying, committing and the
// rest. Everything that touches the core runs on the endpoint's thread;
// other threads go through call(), which posts and waits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/endpoint_meters.hpp"
#include "bench/link_certificates.hpp"
#include "bench/message_timeline.hpp"
#include "bench/timed_signatures.hpp"
#include "common/result.hpp"
#include "core/node_core.hpp"
#include "domain/migrant_record.hpp"
#include "net/asio.hpp"
#include "net/transport.hpp"
#include "store/store.hpp"

namespace provnet::bench {

struct LinkEndpointConfig {
  domain::ProvinceCode self = 0;
  // Its direct peers: one for a province-to-province link; the two
  // provinces for the national node of the sorting path.
  std::vector<domain::ProvinceCode> peers;
  std::string store_path;
  std::uint64_t map_size_bytes = 4ull << 30;
  NodeCertificateFiles certificates;
  std::uint32_t records_per_message = 500;
  std::uint32_t max_in_flight_per_link = 16;
  std::int64_t retry_initial_ms = 2'000;
  // As provnode: the node with the higher code dials the lower, which
  // listens (on 127.0.0.1, any free port) and accepts every peer.
  bool listens = false;
  std::uint16_t dial_port = 0;  // when it dials: every peer listens there
  bool verbose = false;         // print every log event, not only warnings and errors
};

class LinkEndpoint {
 public:
  // Opens the store (durable), the TLS context, signer and verifier, and
  // starts the endpoint's thread; the link is not started yet.
  static Result<std::unique_ptr<LinkEndpoint>> open(const LinkEndpointConfig& config,
                                                    MessageTimeline& timeline);
  ~LinkEndpoint();
  LinkEndpoint(const LinkEndpoint&) = delete;
  LinkEndpoint& operator=(const LinkEndpoint&) = delete;

  // Runs `f` on the endpoint's thread and waits for its result. Not after
  // shut_down(): nothing would run it.
  template <class F>
  auto call(F&& f) -> std::invoke_result_t<F> {
    if (!thread_.joinable()) throw std::logic_error("LinkEndpoint::call after shut_down");
    // Shared with the handler, so that the task outlives its own run even
    // when this thread wakes up and returns first.
    auto task = std::make_shared<std::packaged_task<std::invoke_result_t<F>()>>(std::forward<F>(f));
    auto result = task->get_future();
    net::asio::post(io_, [task] { (*task)(); });
    return result.get();
  }

  // On the endpoint's thread only: submits records as the provincial system
  // would (each submit is one store transaction) and carries out the
  // effects. Returns how many messages were queued.
  Result<std::size_t> submit(std::span<const domain::MigrantRecord> records);

  // Starts listening or dialing; returns the listening port, if it listens.
  Result<std::optional<std::uint16_t>> start_link();

  // Waits until the records applied (message.applied) reach `total`; the
  // time of the core call that reached it, or nullopt on timeout.
  std::optional<Clock::time_point> wait_for_records_applied(std::uint64_t total,
                                                            std::chrono::milliseconds timeout);
  std::optional<Clock::time_point> link_up_at() const;
  // False if the link was not up within `timeout`.
  bool wait_for_link_up(std::chrono::milliseconds timeout);

  EndpointSnapshot snapshot();
  // The first frame this endpoint received (at the receiver: a message), as
  // a sample for profiling; empty if none came.
  std::string first_frame();
  // Mean size of the record versions in the store (bytes), as stored.
  Result<double> mean_stored_record_bytes();

  // Stops listening and dialing and closes the link, without waiting: stop
  // both ends first, then shut_down() each, and neither redials the other.
  void stop_link();
  // Closes the link, lets the thread finish and joins it. The destructor
  // does it if not done; afterwards only the destructor may be called.
  void shut_down();

  net::asio::io_context& io() { return io_; }
  domain::ProvinceCode self() const { return config_.self; }

 private:
  LinkEndpoint(const LinkEndpointConfig& config, MessageTimeline& timeline);

  // Calls into the core through here: times it, then carries out its effects.
  template <class F>
  void drive(F&& core_call, std::atomic<std::uint64_t>* part = nullptr);
  void apply(core::Effects fx, Clock::time_point when);
  void observe(const core::LogEvent& event, Clock::time_point when);
  void schedule_wake(std::int64_t at_ms);

  LinkEndpointConfig config_;
  MessageTimeline& timeline_;
  net::asio::io_context io_;  // first: destroyed after everything that uses it
  std::optional<net::asio::executor_work_guard<net::asio::io_context::executor_type>> work_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<net::ssl::context> tls_;
  std::shared_ptr<TimedSigner> signer_;
  std::shared_ptr<TimedVerifier> verifier_;
  std::unique_ptr<core::NodeCore> core_;
  std::unique_ptr<net::Transport> transport_;
  std::optional<net::asio::steady_timer> wake_timer_;
  std::optional<std::int64_t> wake_at_ms_;
  bool stopping_ = false;    // endpoint thread only
  std::string first_frame_;  // endpoint thread only
  EndpointCounters counters_;
  std::thread thread_;

  mutable std::mutex progress_mutex_;
  std::condition_variable progress_changed_;
  std::uint64_t records_applied_ = 0;         // guarded by progress_mutex_
  Clock::time_point last_applied_at_{};       // guarded by progress_mutex_
  std::optional<Clock::time_point> link_up_;  // guarded by progress_mutex_
};

// Unix time in ms: what the core is given as "now", as provnode gives it.
std::int64_t wall_clock_ms();

}  // namespace provnet::bench
