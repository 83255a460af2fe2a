// The mapping from LMDB and errno codes to Errc, including the codes a test
// cannot easily provoke for real (EROFS, EACCES as root, a damaged page).
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "store/lmdb_errors.hpp"

namespace provnet::store::detail {
namespace {

constexpr std::string_view kPath = "/var/lib/provnet/store";

Error map(int code, std::optional<std::uint64_t> free_bytes = std::nullopt) {
  return error_from_code(code, kPath, "writing to table outbox", 256ull << 20, free_bytes);
}

bool mentions(const Error& e, std::string_view text) {
  return e.message.find(text) != std::string::npos;
}

TEST(LmdbErrors, MapFullIsStoreFullAndSaysWhichSettingToRaise) {
  Error e = map(lmdb_code::map_full);
  EXPECT_EQ(e.code, Errc::store_full);
  EXPECT_EQ(e.message,
            "store /var/lib/provnet/store is full: its map size of 256 MiB is reached; raise "
            "store.map_size in the node's config (while writing to table outbox)");
}

TEST(LmdbErrors, MapSizesThatAreNotWholeMiBKeepTheirFraction) {
  Error e = error_from_code(lmdb_code::map_full, kPath, "x", 1536 * 1024);
  EXPECT_TRUE(mentions(e, "1.50 MiB")) << e.message;
}

TEST(LmdbErrors, NoSpaceIsDiskFull) {
  Error e = map(ENOSPC);
  EXPECT_EQ(e.code, Errc::disk_full);
  EXPECT_TRUE(mentions(e, std::string(kPath))) << e.message;
  EXPECT_TRUE(mentions(e, "free space")) << e.message;
}

TEST(LmdbErrors, AnIoErrorOnANearlyFullFileSystemIsDiskFull) {
  // LMDB turns a write that a full disk cut short into EIO.
  EXPECT_EQ(map(EIO, 4096).code, Errc::disk_full);
  EXPECT_EQ(map(EIO, kNearlyFullBytes - 1).code, Errc::disk_full);
  Error plenty = map(EIO, 10ull << 30);
  EXPECT_EQ(plenty.code, Errc::io);
  EXPECT_TRUE(mentions(plenty, "free space")) << plenty.message;
  EXPECT_EQ(map(EIO).code, Errc::io);
}

TEST(LmdbErrors, PermissionAndReadOnlyFileSystemsAreReadOnly) {
  for (int code : {EACCES, EROFS}) {
    Error e = map(code);
    EXPECT_EQ(e.code, Errc::read_only) << code;
    EXPECT_TRUE(mentions(e, std::string(kPath))) << e.message;
    EXPECT_TRUE(mentions(e, "permissions")) << e.message;
  }
}

TEST(LmdbErrors, DamageIsCorrupt) {
  for (int code : {lmdb_code::invalid, lmdb_code::corrupted, lmdb_code::page_not_found,
                   lmdb_code::version_mismatch}) {
    Error e = map(code);
    EXPECT_EQ(e.code, Errc::corrupt) << code;
    EXPECT_TRUE(mentions(e, std::string(kPath))) << e.message;
    EXPECT_TRUE(mentions(e, "backup")) << e.message;
  }
}

TEST(LmdbErrors, AMapResizedByTheWriterSaysToRunAgain) {
  Error e = map(lmdb_code::map_resized);
  EXPECT_EQ(e.code, Errc::io);
  EXPECT_TRUE(mentions(e, std::string(kPath))) << e.message;
  EXPECT_TRUE(mentions(e, "store.map_size_mib")) << e.message;
  EXPECT_TRUE(mentions(e, "run the command again")) << e.message;
}

TEST(LmdbErrors, ABadKeySizeIsTheCallersMistake) {
  EXPECT_EQ(map(lmdb_code::bad_valsize).code, Errc::invalid_input);
}

TEST(LmdbErrors, AnythingElseIsIoWithLmdbsText) {
  Error e = map(ENOMEM);
  EXPECT_EQ(e.code, Errc::io);
  EXPECT_TRUE(mentions(e, "Cannot allocate memory")) << e.message;
  EXPECT_TRUE(mentions(e, "writing to table outbox")) << e.message;
  Error readers = map(-30790);  // MDB_READERS_FULL
  EXPECT_EQ(readers.code, Errc::io);
  EXPECT_TRUE(mentions(readers, "MDB_READERS_FULL")) << readers.message;
}

}  // namespace
}  // namespace provnet::store::detail
