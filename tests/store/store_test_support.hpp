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

namespace provnet::store::testing {

// A fresh directory under the system temp dir, removed with everything in it
// when the test ends. Named after the test and the process so that tests run
// in parallel (ctest -j) never share one.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "provnet-store-";
    if (info != nullptr) name += std::string(info->test_suite_name()) + "-" + info->name() + "-";
    name += std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A path inside the directory (not created).
  std::string sub(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

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
