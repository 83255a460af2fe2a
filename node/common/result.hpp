// Errors are values: every fallible operation returns Result<T>, whose Error
// carries a machine-checkable code and a sentence an operator can act on.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace provnet {

enum class Errc {
  invalid_input,    // the caller gave something malformed
  not_found,        // a key, file or record is absent
  store_full,       // LMDB map size reached (MDB_MAP_FULL)
  disk_full,        // the file system is out of space (ENOSPC)
  read_only,        // the store or file cannot be written
  corrupt,          // a file or message is damaged or of an unknown version
  schema_mismatch,  // a store written by another schema version
  io,               // any other operating-system failure
  conflict,         // the operation contradicts state already recorded
  security,         // identity, signature or authorisation failure
};

struct Error {
  Errc code;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{Errc::io, {}};
  bool ok_ = true;
};

}  // namespace provnet
