#include "ca/pem_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace provnet::ca {

namespace {

struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

Error open_error(const std::string& path, std::string_view what, int err) {
  if (err == ENOENT) {
    return Error{Errc::not_found, fmt::format("{} {} does not exist", what, path)};
  }
  if (err == EACCES || err == EPERM) {
    return Error{Errc::io, fmt::format("{} {} cannot be read: permission denied (the node's user "
                                       "needs read access to it)",
                                       what, path)};
  }
  return Error{Errc::io, fmt::format("{} {} cannot be read: {}", what, path, std::strerror(err))};
}

}  // namespace

Result<std::string> read_pem_file(const std::string& path, std::string_view what) {
  if (path.empty()) {
    return Error{Errc::invalid_input, fmt::format("no path given for the {}", what)};
  }
  FileDescriptor file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) return open_error(path, what, errno);

  struct stat info {};
  if (::fstat(file.fd, &info) != 0) return open_error(path, what, errno);
  if (S_ISDIR(info.st_mode)) {
    return Error{Errc::io, fmt::format("{} {} is a directory; expected a PEM file", what, path)};
  }
  if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) > kMaxPemFileBytes) {
    return Error{Errc::invalid_input,
                 fmt::format("{} {} is {} bytes; a PEM file is at most {} bytes: is this the "
                             "right path?",
                             what, path, info.st_size, kMaxPemFileBytes)};
  }

  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return open_error(path, what, errno);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    // A pipe or device has no size to check up front.
    if (text.size() > kMaxPemFileBytes) {
      return Error{Errc::invalid_input,
                   fmt::format("{} {} is larger than {} bytes; a PEM file is smaller: is this "
                               "the right path?",
                               what, path, kMaxPemFileBytes)};
    }
  }
  if (text.empty()) {
    return Error{Errc::invalid_input, fmt::format("{} {} is empty", what, path)};
  }
  return text;
}

}  // namespace provnet::ca
