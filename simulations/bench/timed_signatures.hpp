// Decorators that time envelope signing and verification. The core sees the
// same EnvelopeSigner / SignatureVerifier interfaces, so the benchmark splits
// the time a node spends in the core into signature work and the rest
// without touching the core.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/signing.hpp"

namespace provnet::bench {

struct OperationTime {
  std::uint64_t calls = 0;
  std::uint64_t nanoseconds = 0;
};

// Counters shared by a decorator and whoever reads them (another thread).
class OperationTimer {
 public:
  void add(std::uint64_t nanoseconds) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    nanoseconds_.fetch_add(nanoseconds, std::memory_order_relaxed);
  }
  OperationTime read() const {
    return OperationTime{calls_.load(std::memory_order_relaxed),
                         nanoseconds_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> nanoseconds_{0};
};

class TimedSigner final : public core::EnvelopeSigner {
 public:
  explicit TimedSigner(std::shared_ptr<const core::EnvelopeSigner> inner)
      : inner_(std::move(inner)) {}

  wire::SignatureAlgorithm algorithm() const override { return inner_->algorithm(); }
  std::string_view certificate_der() const override { return inner_->certificate_der(); }
  Result<std::string> sign(std::string_view input) const override;

  OperationTime time() const { return timer_.read(); }

 private:
  std::shared_ptr<const core::EnvelopeSigner> inner_;
  mutable OperationTimer timer_;  // sign() is const in the interface
};

class TimedVerifier final : public core::SignatureVerifier {
 public:
  explicit TimedVerifier(std::shared_ptr<core::SignatureVerifier> inner)
      : inner_(std::move(inner)) {}

  Result<void> verify(domain::ProvinceCode author, std::string_view certificate_der,
                      wire::SignatureAlgorithm algorithm, std::string_view input,
                      std::string_view signature, std::int64_t now_ms,
                      core::RevokedSigner revoked) override;
  void set_revoked_serials(std::set<std::string> serials) override {
    inner_->set_revoked_serials(std::move(serials));
  }

  OperationTime time() const { return timer_.read(); }

 private:
  std::shared_ptr<core::SignatureVerifier> inner_;
  OperationTimer timer_;
};

}  // namespace provnet::bench
