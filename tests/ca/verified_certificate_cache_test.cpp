// The cache on its own: bounded, oldest out first, re-insertion in place.
#include <gtest/gtest.h>

#include "ca/verified_certificate_cache.hpp"

namespace provnet::ca {
namespace {

std::shared_ptr<const VerifiedCertificate> entry(domain::ProvinceCode code) {
  auto e = std::make_shared<VerifiedCertificate>();
  e->node_code = code;
  return e;
}

TEST(VerifiedCertificateCache, HoldsAtMostItsCapacityAndDropsTheOldest) {
  VerifiedCertificateCache cache(3);
  cache.insert("a", entry(11));
  cache.insert("b", entry(12));
  cache.insert("c", entry(13));
  EXPECT_EQ(cache.size(), 3u);
  cache.insert("d", entry(14));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.find("a"), nullptr);
  ASSERT_NE(cache.find("d"), nullptr);
  EXPECT_EQ(cache.find("d")->node_code, 14);
  EXPECT_NE(cache.find("b"), nullptr);
}

TEST(VerifiedCertificateCache, ReinsertingReplacesWithoutGrowingOrMovingToTheBack) {
  VerifiedCertificateCache cache(2);
  cache.insert("a", entry(11));
  cache.insert("b", entry(12));
  cache.insert("a", entry(21));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find("a")->node_code, 21);
  cache.insert("c", entry(13));  // "a" is still the oldest
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("b"), nullptr);
}

TEST(VerifiedCertificateCache, AnEvictedEntryHandedOutStaysUsable) {
  VerifiedCertificateCache cache(1);
  cache.insert("a", entry(11));
  auto held = cache.find("a");
  cache.insert("b", entry(12));
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(held->node_code, 11);
}

TEST(VerifiedCertificateCache, ACapacityOfZeroStillHoldsOne) {
  VerifiedCertificateCache cache(0);
  EXPECT_EQ(cache.capacity(), 1u);
  cache.insert("a", entry(11));
  EXPECT_NE(cache.find("a"), nullptr);
}

}  // namespace
}  // namespace provnet::ca
