// The seed of a test's random choices (kill points, pauses, hostile bytes):
// PROVNET_IT_SEED when set, so a failing run can be repeated, else a fresh
// one. It is printed and recorded in the test's XML properties.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace provnet::testing {

inline std::uint64_t test_seed() {
  std::uint64_t seed = 0;
  if (const char* env = std::getenv("PROVNET_IT_SEED"); env && *env) {
    seed = std::stoull(env);
  } else {
    std::random_device device;
    seed = (std::uint64_t{device()} << 32) | device();
  }
  std::cout << "[   SEED   ] PROVNET_IT_SEED=" << seed << " repeats this run's random choices\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace provnet::testing
