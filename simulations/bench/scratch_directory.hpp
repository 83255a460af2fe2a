// Where the benchmark keeps its certificates and stores: a fresh directory on
// a real disk, removed with everything in it when the run ends.
//
// Durable LMDB commits are only worth measuring on the disk a node would use:
// on tmpfs an fsync costs nothing. So the root is, in order: --dir, then
// $PROVNET_BENCH_DIR, then bench-tmp/ in the build tree (next to bin/), and
// the file system type is reported so a tmpfs root is seen in the output.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.hpp"

namespace provnet::bench {

class ScratchDirectory {
 public:
  // `requested_root`: --dir, empty when not given. `program`: argv[0], to
  // find the build tree.
  static Result<ScratchDirectory> create(const std::string& requested_root, const char* program);
  ScratchDirectory(ScratchDirectory&& other) noexcept;
  ScratchDirectory& operator=(ScratchDirectory&&) = delete;
  ~ScratchDirectory();

  const std::filesystem::path& path() const { return path_; }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }
  // "ext4/xfs/...", "tmpfs", or the magic number in hex.
  const std::string& file_system() const { return file_system_; }
  bool on_tmpfs() const { return file_system_ == "tmpfs"; }

 private:
  ScratchDirectory(std::filesystem::path path, std::filesystem::path created_root,
                   std::string file_system)
      : path_(std::move(path)),
        created_root_(std::move(created_root)),
        file_system_(std::move(file_system)) {}

  std::filesystem::path path_;
  std::filesystem::path created_root_;  // removed too if this run created it and it is empty
  std::string file_system_;
};

}  // namespace provnet::bench
