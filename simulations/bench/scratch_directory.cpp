#include "bench/scratch_directory.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace provnet::bench {

namespace fs = std::filesystem;

namespace {

std::string file_system_of(const fs::path& path) {
  struct statfs info {};
  if (::statfs(path.c_str(), &info) != 0) return "unknown";
  switch (static_cast<unsigned long>(info.f_type)) {
    case TMPFS_MAGIC:
      return "tmpfs";
    case EXT4_SUPER_MAGIC:  // also ext2/ext3
      return "ext4";
    case XFS_SUPER_MAGIC:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlayfs";
    default:
      return fmt::format("0x{:x}", static_cast<unsigned long>(info.f_type));
  }
}

// bench-tmp/ in the build tree: the binary is in <build>/bin.
fs::path build_tree_root(const char* program) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = fs::absolute(program, ec);
  return exe.parent_path().parent_path() / "bench-tmp";
}

constexpr std::string_view kPrefix = "provbench-link-";

// Directories of earlier runs that were killed before they could clean up:
// their process is gone.
void remove_abandoned(const fs::path& root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    const std::string pid = name.substr(kPrefix.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (fs::exists(fs::path("/proc") / pid, ec)) continue;
    fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

Result<ScratchDirectory> ScratchDirectory::create(const std::string& requested_root,
                                                  const char* program) {
  fs::path root;
  if (!requested_root.empty()) {
    root = requested_root;
  } else if (const char* env = std::getenv("PROVNET_BENCH_DIR"); env && *env) {
    root = env;
  } else {
    root = build_tree_root(program);
  }
  std::error_code ec;
  fs::path created_root;
  if (!fs::exists(root, ec)) created_root = root;
  fs::create_directories(root, ec);
  if (ec) {
    return Error{Errc::io, fmt::format("cannot create the benchmark directory {}: {}; give "
                                       "another with --dir or PROVNET_BENCH_DIR",
                                       root.string(), ec.message())};
  }
  remove_abandoned(root);
  fs::path path = root / fmt::format("{}{}", kPrefix, ::getpid());
  fs::remove_all(path, ec);
  fs::create_directories(path, ec);
  if (ec) {
    return Error{Errc::io, fmt::format("cannot create the benchmark directory {}: {}",
                                       path.string(), ec.message())};
  }
  return ScratchDirectory(path, created_root, file_system_of(path));
}

ScratchDirectory::ScratchDirectory(ScratchDirectory&& other) noexcept
    : path_(std::exchange(other.path_, {})),
      created_root_(std::exchange(other.created_root_, {})),
      file_system_(std::move(other.file_system_)) {}

ScratchDirectory::~ScratchDirectory() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (!created_root_.empty() && fs::is_empty(created_root_, ec)) fs::remove(created_root_, ec);
}

}  // namespace provnet::bench
