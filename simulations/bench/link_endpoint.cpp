#include "bench/link_endpoint.hpp"

#include <pthread.h>

#include <charconv>
#include <iostream>

#include <fmt/format.h>

#include "bench/thread_cpu_clock.hpp"
#include "ca/envelope_signatures.hpp"
#include "ca/trust_anchors.hpp"
#include "net/tls_context.hpp"
#include "store/tables.hpp"

namespace provnet::bench {

namespace {

// As provnode: a tick at least this often even when the core asks for none.
constexpr std::int64_t kMaxSleepMs = 1'000;

std::uint64_t ns_between(Clock::time_point from, Clock::time_point to) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

std::string_view field_of(const core::LogEvent& event, std::string_view wanted) {
  for (const auto& [key, value] : event.fields) {
    if (key == wanted) return value;
  }
  return {};
}

std::uint64_t number_in(std::string_view text) {
  std::uint64_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

void print_event(domain::ProvinceCode self, const core::LogEvent& event) {
  std::string line = fmt::format("[{}] {} {}", domain::province_code_text(self),
                                 core::log_level_text(event.level), event.event);
  for (const auto& [key, value] : event.fields) line += fmt::format(" {}={}", key, value);
  std::cerr << line << '\n';
}

}  // namespace

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

LinkEndpoint::LinkEndpoint(const LinkEndpointConfig& config, MessageTimeline& timeline)
    : config_(config), timeline_(timeline) {}

Result<std::unique_ptr<LinkEndpoint>> LinkEndpoint::open(const LinkEndpointConfig& config,
                                                         MessageTimeline& timeline) {
  std::unique_ptr<LinkEndpoint> e(new LinkEndpoint(config, timeline));

  store::StoreOptions store_options;
  store_options.path = config.store_path;
  store_options.map_size_bytes = config.map_size_bytes;
  store_options.durable = true;  // what a node runs: fsync per commit
  auto opened = store::Store::open(store_options);
  if (!opened) return opened.error();
  e->store_ = std::move(*opened);
  if (auto claimed = store::claim_store(*e->store_, config.self); !claimed) return claimed.error();

  auto tls = net::make_tls_context(config.certificates.tls);
  if (!tls) return tls.error();
  e->tls_ = std::move(*tls);

  auto signer = ca::CertificateKeySigner::load(config.certificates.signing_certificate,
                                               config.certificates.signing_private_key);
  if (!signer) return signer.error();
  auto anchors = ca::TrustAnchors::from_pem_file(config.certificates.tls.ca);
  if (!anchors) return anchors.error();
  e->signer_ = std::make_shared<TimedSigner>(
      std::shared_ptr<const core::EnvelopeSigner>(std::move(*signer)));
  e->verifier_ = std::make_shared<TimedVerifier>(
      std::make_shared<ca::CertificateVerifier>(std::move(*anchors)));

  core::CoreConfig cc;
  cc.self = config.self;
  cc.direct_peers.insert(config.peers.begin(), config.peers.end());
  cc.max_records_per_message = config.records_per_message;
  cc.batch_linger_ms = 0;
  cc.max_in_flight_per_link = config.max_in_flight_per_link;
  cc.retry_initial_ms = config.retry_initial_ms;
  cc.seed = static_cast<std::uint64_t>(wall_clock_ms()) ^ (std::uint64_t{config.self} << 56);
  cc.signer = e->signer_;
  cc.verifier = e->verifier_;
  e->core_ = std::make_unique<core::NodeCore>(std::move(cc), *e->store_);

  net::TransportConfig tc;
  tc.self = config.self;
  if (config.listens) {
    tc.listen_host = "127.0.0.1";
    tc.listen_port = "0";
    tc.accept_from.insert(config.peers.begin(), config.peers.end());
  } else {
    for (domain::ProvinceCode peer : config.peers) {
      tc.dial.push_back(net::DialTarget{peer, "127.0.0.1", std::to_string(config.dial_port)});
    }
  }
  LinkEndpoint* self = e.get();
  net::TransportEvents events;
  events.link_up = [self](domain::ProvinceCode peer) {
    {
      std::lock_guard lock(self->progress_mutex_);
      if (!self->link_up_) self->link_up_ = Clock::now();
    }
    self->progress_changed_.notify_all();
    self->drive([&] { return self->core_->on_link_up(peer, wall_clock_ms()); });
  };
  events.link_down = [self](domain::ProvinceCode peer) {
    self->drive([&] { return self->core_->on_link_down(peer, wall_clock_ms()); });
  };
  // As provnode does: frames that arrived together are applied together.
  events.frames = [self](domain::ProvinceCode peer, std::span<const std::string_view> bodies) {
    if (self->first_frame_.empty()) self->first_frame_ = bodies.front();
    self->drive([&] { return self->core_->on_envelopes(peer, bodies, wall_clock_ms()); },
                &self->counters_.envelope_wall_ns);
  };
  events.log = [self](core::LogEvent event) { self->observe(event, Clock::now()); };
  e->transport_ = std::make_unique<net::Transport>(e->io_, *e->tls_, std::move(tc), events);
  e->wake_timer_.emplace(e->io_);

  e->work_.emplace(net::asio::make_work_guard(e->io_));
  e->thread_ = std::thread([self] {
    // Named so that top -H and perf show which node a thread is.
    const std::string name = fmt::format("node-{}", domain::province_code_text(self->config_.self));
    ::pthread_setname_np(::pthread_self(), name.c_str());
    self->io_.run();
  });
  return e;
}

LinkEndpoint::~LinkEndpoint() {
  shut_down();
}

void LinkEndpoint::stop_link() {
  if (!thread_.joinable()) return;
  net::asio::post(io_, [this] {
    if (stopping_) return;
    stopping_ = true;
    wake_timer_->cancel();
    transport_->stop();
  });
}

void LinkEndpoint::shut_down() {
  if (!thread_.joinable()) return;
  stop_link();
  work_.reset();
  thread_.join();
  // Nothing runs any more: what the handlers used may go, the store last.
  transport_.reset();
  core_.reset();
  store_.reset();
}

template <class F>
void LinkEndpoint::drive(F&& core_call, std::atomic<std::uint64_t>* part) {
  const auto wall_start = Clock::now();
  const std::uint64_t cpu_start = this_thread_cpu_ns();
  core::Effects fx = core_call();
  const std::uint64_t cpu_end = this_thread_cpu_ns();
  const auto wall_end = Clock::now();
  EndpointCounters::add(counters_.core_wall_ns, ns_between(wall_start, wall_end));
  EndpointCounters::add(counters_.core_cpu_ns, cpu_end - cpu_start);
  if (part) EndpointCounters::add(*part, ns_between(wall_start, wall_end));
  apply(std::move(fx), wall_end);
}

Result<std::size_t> LinkEndpoint::submit(std::span<const domain::MigrantRecord> records) {
  const std::uint64_t queued_before = counters_.messages_queued.load(std::memory_order_relaxed);
  std::optional<Error> failure;
  drive(
      [&] {
        auto outcome =
            core_->submit_records(records, core::ChangeMeta{"bench", "benchmark"}, wall_clock_ms());
        if (!outcome) {
          failure = outcome.error();
          return core::Effects{};
        }
        for (const core::SubmittedItem& item : outcome->items) {
          if (!item.accepted()) {
            failure =
                Error{Errc::invalid_input, fmt::format("record {} was refused: {}", item.record_id,
                                                       item.errors.front().message)};
          }
        }
        return std::move(outcome->effects);
      },
      &counters_.submit_wall_ns);
  if (failure) return *failure;
  return counters_.messages_queued.load(std::memory_order_relaxed) - queued_before;
}

void LinkEndpoint::apply(core::Effects fx, Clock::time_point when) {
  for (const core::LogEvent& e : fx.logs) observe(e, when);
  for (const core::SendEnvelope& s : fx.sends) {
    EndpointCounters::add(counters_.frames_sent, 1);
    EndpointCounters::add(counters_.frame_bytes_sent, s.bytes.size() + net::kFrameHeaderBytes);
    transport_->send(s.peer, s.bytes);  // dropped when the link is down: the core resends
  }
  for (const core::CloseLink& c : fx.closes) transport_->close(c.peer, c.reason);
  if (fx.wake_at_ms) schedule_wake(*fx.wake_at_ms);
}

void LinkEndpoint::observe(const core::LogEvent& event, Clock::time_point when) {
  if (event.event == "message.queued") {
    EndpointCounters::add(counters_.messages_queued, 1);
    EndpointCounters::add(counters_.records_queued, number_in(field_of(event, "records")));
    timeline_.queued(std::string(field_of(event, "message_id")), when);
  } else if (event.event == "message.applied") {
    const std::uint64_t records = number_in(field_of(event, "records"));
    EndpointCounters::add(counters_.messages_applied, 1);
    EndpointCounters::add(counters_.records_applied, records);
    timeline_.applied(std::string(field_of(event, "message_id")), when);
    {
      std::lock_guard lock(progress_mutex_);
      records_applied_ += records;
      last_applied_at_ = when;
    }
    progress_changed_.notify_all();
  } else if (event.event == "message.retry") {
    EndpointCounters::add(counters_.retries, 1);
  } else if (event.event == "message.duplicate") {
    EndpointCounters::add(counters_.duplicates, 1);
  }
  const bool problem = event.level == core::LogLevel::warn || event.level == core::LogLevel::error;
  if (problem) EndpointCounters::add(counters_.problems, 1);
  if (problem || config_.verbose) print_event(config_.self, event);
}

void LinkEndpoint::schedule_wake(std::int64_t at_ms) {
  if (stopping_) return;
  if (wake_at_ms_ && *wake_at_ms_ <= at_ms) return;
  wake_at_ms_ = at_ms;
  const std::int64_t delay = std::max<std::int64_t>(0, at_ms - wall_clock_ms());
  wake_timer_->expires_after(std::chrono::milliseconds(delay));
  wake_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    wake_at_ms_.reset();
    const std::int64_t now = wall_clock_ms();
    drive([&] { return core_->on_tick(now); });
    schedule_wake(now + kMaxSleepMs);
  });
}

Result<std::optional<std::uint16_t>> LinkEndpoint::start_link() {
  return call([this]() -> Result<std::optional<std::uint16_t>> {
    auto started = transport_->start();
    if (!started) return started.error();
    schedule_wake(wall_clock_ms() + kMaxSleepMs);
    return transport_->listen_port();
  });
}

std::optional<Clock::time_point> LinkEndpoint::wait_for_records_applied(
    std::uint64_t total, std::chrono::milliseconds timeout) {
  std::unique_lock lock(progress_mutex_);
  if (!progress_changed_.wait_for(lock, timeout, [&] { return records_applied_ >= total; })) {
    return std::nullopt;
  }
  return last_applied_at_;
}

bool LinkEndpoint::wait_for_link_up(std::chrono::milliseconds timeout) {
  std::unique_lock lock(progress_mutex_);
  return progress_changed_.wait_for(lock, timeout, [&] { return link_up_.has_value(); });
}

std::optional<Clock::time_point> LinkEndpoint::link_up_at() const {
  std::lock_guard lock(progress_mutex_);
  return link_up_;
}

EndpointSnapshot LinkEndpoint::snapshot() {
  EndpointSnapshot s;
  s.at = Clock::now();
  s.thread_cpu_ns = thread_cpu_ns(thread_);
  counters_.read_into(s);
  s.sign = signer_->time();
  s.verify = verifier_->time();
  s.commits = store_->commit_stats();
  return s;
}

std::string LinkEndpoint::first_frame() {
  return call([this] { return first_frame_; });
}

Result<double> LinkEndpoint::mean_stored_record_bytes() {
  return call([this]() -> Result<double> {
    auto txn = store_->begin_read();
    if (!txn) return txn.error();
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
    auto scanned = txn->scan(store::Table::records, "", [&](std::string_view, std::string_view v) {
      ++count;
      bytes += v.size();
      return true;
    });
    if (!scanned) return scanned.error();
    return count ? static_cast<double>(bytes) / static_cast<double>(count) : 0.0;
  });
}

}  // namespace provnet::bench
