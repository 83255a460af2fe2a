#include "app/log_file_lines.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace provnet::app {

Result<LogFileLines> LogFileLines::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{errno == ENOENT ? Errc::not_found : Errc::io,
                 fmt::format("{}: cannot open ({})", path, strerror(errno))};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int saved = errno;
    ::close(fd);
    return Error{Errc::io, fmt::format("{}: cannot stat ({})", path, strerror(saved))};
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Error{Errc::invalid_input, fmt::format("{}: a directory; expected a log file", path)};
  }
  return LogFileLines(path, fd, st.st_dev, st.st_ino, S_ISREG(st.st_mode));
}

LogFileLines::LogFileLines(LogFileLines&& other) noexcept
    : name_(std::move(other.name_)),
      fd_(std::exchange(other.fd_, -1)),
      device_(other.device_),
      inode_(other.inode_),
      regular_(other.regular_),
      offset_(other.offset_),
      lines_(other.lines_),
      unfinished_(std::move(other.unfinished_)) {}

LogFileLines& LogFileLines::operator=(LogFileLines&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    name_ = std::move(other.name_);
    fd_ = std::exchange(other.fd_, -1);
    device_ = other.device_;
    inode_ = other.inode_;
    regular_ = other.regular_;
    offset_ = other.offset_;
    lines_ = other.lines_;
    unfinished_ = std::move(other.unfinished_);
  }
  return *this;
}

LogFileLines::~LogFileLines() {
  if (fd_ >= 0) ::close(fd_);
}

void LogFileLines::read_new(const OnLogLine& on_line) {
  struct stat st {};
  if (regular_ && ::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < offset_) {
    // Truncated under us: what is there now is new.
    offset_ = 0;
    lines_ = 0;
    unfinished_.clear();
  }
  std::array<char, 65536> buffer{};
  while (true) {
    // A pipe (zcat old.gz | provctl logs /dev/stdin) has no offsets.
    const ssize_t n = regular_
                          ? ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset_))
                          : ::read(fd_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the end for now (or an error: nothing more to read)
    offset_ += static_cast<std::uint64_t>(n);
    std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    while (!chunk.empty()) {
      const std::size_t newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        unfinished_.append(chunk);
        break;
      }
      unfinished_.append(chunk.substr(0, newline));
      chunk.remove_prefix(newline + 1);
      on_line(unfinished_, name_, ++lines_);
      unfinished_.clear();
    }
  }
}

void LogFileLines::read_unfinished(const OnLogLine& on_line) {
  if (unfinished_.empty()) return;
  on_line(unfinished_, name_, ++lines_);
  unfinished_.clear();
}

bool LogFileLines::is_at(const std::string& path) const {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_;
}

}  // namespace provnet::app
