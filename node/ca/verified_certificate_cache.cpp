#include "ca/verified_certificate_cache.hpp"

#include <algorithm>
#include <cassert>

namespace provnet::ca {

VerifiedCertificateCache::VerifiedCertificateCache(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::shared_ptr<const VerifiedCertificate> VerifiedCertificateCache::find(
    std::string_view der_sha256) const {
  auto it = entries_.find(std::string(der_sha256));
  return it == entries_.end() ? nullptr : it->second;
}

void VerifiedCertificateCache::insert(std::string der_sha256,
                                      std::shared_ptr<const VerifiedCertificate> entry) {
  if (auto it = entries_.find(der_sha256); it != entries_.end()) {
    // Re-verified (its cached period had lapsed): keep its place in line.
    it->second = std::move(entry);
    return;
  }
  if (entries_.size() == capacity_) {
    entries_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
  insertion_order_.push_back(der_sha256);
  entries_.emplace(std::move(der_sha256), std::move(entry));
  assert(entries_.size() == insertion_order_.size() && entries_.size() <= capacity_);
}

}  // namespace provnet::ca
