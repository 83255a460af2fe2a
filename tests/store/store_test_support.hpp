// What the store tests share: a private directory per test, and a way to open
// a store in it that fails the test with the store's own message.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace provnet::store::testing {

using provnet::testing::TempDir;

inline StoreOptions options_for(const std::string& path) {
  StoreOptions o;
  o.path = path;
  o.map_size_bytes = 16ull << 20;
  // Tests model no crashes, and fsync per commit would only slow them down.
  o.durable = false;
  return o;
}

inline std::unique_ptr<Store> open_or_fail(const StoreOptions& options) {
  auto opened = Store::open(options);
  EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

// The value of a Result the test cannot go on without. On an error it prints
// the store's message and aborts: a test binary run by ctest loses only the
// one case.
template <class T>
T take(Result<T>&& result) {
  if (!result.ok()) {
    ADD_FAILURE() << result.error().message;
    std::fprintf(stderr, "unexpected store error: %s\n", result.error().message.c_str());
    std::abort();
  }
  return std::move(result).value();
}

}  // namespace provnet::store::testing

// Fails the test with the error's message when a Result is not ok.
#define PROVNET_ASSERT_OK(expr)                                           \
  do {                                                                    \
    const auto& provnet_result_ = (expr);                                 \
    ASSERT_TRUE(provnet_result_.ok()) << provnet_result_.error().message; \
  } while (0)
