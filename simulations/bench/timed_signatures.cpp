#include "bench/timed_signatures.hpp"

#include <chrono>

namespace provnet::bench {

namespace {

std::uint64_t since(std::chrono::steady_clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

}  // namespace

Result<std::string> TimedSigner::sign(std::string_view input) const {
  const auto start = std::chrono::steady_clock::now();
  auto signature = inner_->sign(input);
  timer_.add(since(start));
  return signature;
}

Result<void> TimedVerifier::verify(domain::ProvinceCode author, std::string_view certificate_der,
                                   wire::SignatureAlgorithm algorithm, std::string_view input,
                                   std::string_view signature, std::int64_t now_ms,
                                   core::RevokedSigner revoked) {
  const auto start = std::chrono::steady_clock::now();
  auto verified =
      inner_->verify(author, certificate_der, algorithm, input, signature, now_ms, revoked);
  timer_.add(since(start));
  return verified;
}

}  // namespace provnet::bench
