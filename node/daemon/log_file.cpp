#include "daemon/log_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace provnet::daemon {

namespace {

struct OpenedFile {
  int fd;
  std::uint64_t size;
};

Result<OpenedFile> open_for_appending(const std::string& path) {
  // The log may live in a directory of its own (or in the store's, which
  // the store creates only later): make it, as the store does for itself.
  std::error_code ec;
  const auto directory = std::filesystem::path(path).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory, ec);
  if (ec) {
    return Error{Errc::io,
                 fmt::format("log.file {}: cannot create its directory ({})", path, ec.message())};
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error{Errc::io,
                 fmt::format("log.file {}: cannot open for appending ({})", path, strerror(errno))};
  }
  struct stat st {};
  // The size decides the next rotation; a file that cannot be measured
  // counts as empty, which at worst rotates it late.
  const std::uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  return OpenedFile{fd, size};
}

std::string numbered(const std::string& path, std::uint32_t n) {
  return fmt::format("{}.{}", path, n);
}

}  // namespace

Result<LogFile> LogFile::open(LogFileOptions options) {
  assert(options.keep >= 1);
  if (options.path.empty()) return LogFile(std::move(options), STDERR_FILENO, false, 0);
  auto opened = open_for_appending(options.path);
  if (!opened) return opened.error();
  return LogFile(std::move(options), opened->fd, true, opened->size);
}

LogFile::LogFile(LogFile&& other) noexcept
    : options_(std::move(other.options_)),
      fd_(other.fd_),
      owned_(other.owned_),
      size_(other.size_) {
  other.owned_ = false;
}

LogFile::~LogFile() {
  if (owned_) ::close(fd_);
}

Result<void> LogFile::append(std::string_view line) {
  Result<void> rotated;
  if (owned_ && options_.max_size_bytes > 0 && size_ > 0 &&
      size_ + line.size() > options_.max_size_bytes) {
    rotated = rotate();
  }
  write_all(line);
  return rotated;
}

void LogFile::write_all(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report it
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    size_ += static_cast<std::uint64_t>(n);
  }
}

Result<void> LogFile::rotate() {
  const std::string& path = options_.path;
  auto failed = [&](const std::string& from, const std::string& to) -> Result<void> {
    // Keep writing where we are; try again after another max_size_bytes.
    size_ = 0;
    return Error{Errc::io, fmt::format("log.file {}: cannot rotate, renaming {} to {} failed ({}); "
                                       "the log goes on in the current file",
                                       path, from, to, strerror(errno))};
  };
  // Oldest first, so that each rename has a free name to go to; the one at
  // path.<keep> is replaced, which is how it is dropped.
  for (std::uint32_t n = options_.keep - 1; n >= 1; --n) {
    const std::string from = numbered(path, n);
    if (std::rename(from.c_str(), numbered(path, n + 1).c_str()) != 0 && errno != ENOENT) {
      return failed(from, numbered(path, n + 1));
    }
  }
  if (std::rename(path.c_str(), numbered(path, 1).c_str()) != 0) {
    return failed(path, numbered(path, 1));
  }
  auto opened = open_for_appending(path);
  if (!opened) {
    size_ = 0;
    return Error{Errc::io, opened.error().message + "; the log goes on in " + numbered(path, 1)};
  }
  ::close(fd_);
  fd_ = opened->fd;
  size_ = opened->size;
  return {};
}

Result<void> LogFile::reopen() {
  if (!owned_) return {};
  auto opened = open_for_appending(options_.path);
  if (!opened) return opened.error();
  ::close(fd_);
  fd_ = opened->fd;
  size_ = opened->size;
  return {};
}

}  // namespace provnet::daemon
