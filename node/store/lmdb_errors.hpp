// Internal to node/store: how LMDB and operating-system error codes become
// Errors an operator can act on. Kept in a header of its own, free of lmdb.h,
// so the mapping can be unit-tested with codes (ENOSPC, EROFS) that are hard
// to provoke for real without privileges.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.hpp"

namespace provnet::store::detail {

// LMDB's error codes, mirrored here so that nothing outside store.cpp needs
// lmdb.h; store.cpp static_asserts that they equal the real ones.
namespace lmdb_code {
inline constexpr int key_exists = -30799;
inline constexpr int not_found = -30798;
inline constexpr int page_not_found = -30797;
inline constexpr int corrupted = -30796;
inline constexpr int version_mismatch = -30794;
inline constexpr int invalid = -30793;
inline constexpr int map_full = -30792;
inline constexpr int map_resized = -30785;
inline constexpr int bad_valsize = -30781;
}  // namespace lmdb_code

// Below this many free bytes a file system counts as full. LMDB reports a
// write that a full disk cut short as EIO, not ENOSPC (mdb_page_flush), so an
// EIO on a file system this close to full is taken for a full disk.
inline constexpr std::uint64_t kNearlyFullBytes = 1ull << 20;

// The one place where codes become Errc. `code` is an LMDB return code or an
// errno value (LMDB passes errno through). `path` is the store directory,
// `action` says what was being done ("writing to table outbox"),
// `map_size_bytes` is quoted when the map is full, and `free_bytes` is the
// space left on the store's file system when the caller looked (for EIO).
Error error_from_code(int code, std::string_view path, std::string_view action,
                      std::uint64_t map_size_bytes,
                      std::optional<std::uint64_t> free_bytes = std::nullopt);

}  // namespace provnet::store::detail
