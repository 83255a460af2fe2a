#include "app/inbox_download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace provnet::app {

namespace {

namespace fs = std::filesystem;

Error os_error(const std::string& doing, int err) {
  return Error{err == ENOSPC ? Errc::disk_full : Errc::io,
               fmt::format("{}: {}", doing, std::strerror(err))};
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The same file, however the two paths spell it.
std::string canonical_text(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) p = fs::absolute(path).lexically_normal();
  return p.string();
}

Result<void> write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("writing " + path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// The output file, opened for appending (0600: entries carry personal data).
class OutputFile {
 public:
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  Result<void> open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return os_error("opening " + path, errno);
    return {};
  }

  Result<std::uint64_t> size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return os_error("reading the size of " + path_, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  Result<void> truncate(std::uint64_t bytes) {
    if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
      return os_error("cutting back " + path_, errno);
    }
    return {};
  }

  // Appends and makes it durable before the cursor may move past it.
  Result<void> append(std::string_view bytes) {
    if (auto w = write_all(fd_, bytes, path_); !w) return w;
    if (::fsync(fd_) != 0) return os_error("syncing " + path_, errno);
    return {};
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

Result<std::optional<InboxCursor>> read_cursor_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<InboxCursor>{};
  std::ifstream in(path);
  if (!in) return Error{Errc::io, fmt::format("cursor file {}: cannot be read", path)};
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  InboxCursor cursor;
  auto after = parse_number(first);
  if (!after) {
    return Error{Errc::corrupt,
                 fmt::format("cursor file {}: the first line is \"{}\", expected the inbox "
                             "cursor (a number); remove the file or give --after to start over",
                             path, first.substr(0, 40))};
  }
  cursor.after = *after;
  if (!second.empty()) {
    const std::size_t space = second.find(' ');
    auto bytes = parse_number(std::string_view(second).substr(0, space));
    if (space == std::string::npos || !bytes || space + 1 >= second.size()) {
      return Error{Errc::corrupt,
                   fmt::format("cursor file {}: the second line is not \"<bytes> <output file>\"; "
                               "remove the file or give --after to start over",
                               path)};
    }
    cursor.out_bytes = *bytes;
    cursor.out_path = second.substr(space + 1);
  }
  return std::optional<InboxCursor>(std::move(cursor));
}

Result<void> write_cursor_file(const std::string& path, const InboxCursor& cursor) {
  std::string text = fmt::format("{}\n", cursor.after);
  if (cursor.out_bytes) text += fmt::format("{} {}\n", *cursor.out_bytes, cursor.out_path);
  const std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("writing cursor file " + temporary, errno);
  auto written = write_all(fd, text, temporary);
  if (written && ::fsync(fd) != 0) written = os_error("syncing " + temporary, errno);
  ::close(fd);
  if (!written) return written;
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return os_error("replacing cursor file " + path, errno);
  }
  // The rename itself is durable only once the directory is.
  fs::path directory = fs::absolute(path).parent_path();
  int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

Result<InboxPage> parse_inbox_page(std::string_view body, std::uint64_t after) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("entries") ||
      !doc["entries"].is_array()) {
    return Error{Errc::corrupt, "the inbox answer is not {\"entries\": [...], ...}"};
  }
  InboxPage page;
  std::uint64_t last = after;
  for (const auto& entry : doc["entries"]) {
    if (!entry.is_object() || !entry.contains("seq") || !entry["seq"].is_number_unsigned()) {
      return Error{Errc::corrupt, "an inbox entry without a seq number"};
    }
    auto seq = entry["seq"].get<std::uint64_t>();
    if (seq <= last) {
      return Error{
          Errc::corrupt,
          fmt::format("inbox entry seq {} comes after {}: not in increasing order", seq, last)};
    }
    last = seq;
    page.lines.push_back(entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  page.next_after = last;
  if (auto n = doc.find("next_after"); n != doc.end() && !n->is_null()) {
    if (!n->is_number_unsigned() || n->get<std::uint64_t>() < last) {
      return Error{Errc::corrupt,
                   fmt::format("the inbox answer's next_after {} is before its last entry {}",
                               n->dump(), last)};
    }
    page.next_after = n->get<std::uint64_t>();
  }
  page.more = !page.lines.empty();
  if (auto m = doc.find("more"); m != doc.end() && m->is_boolean()) page.more = m->get<bool>();
  return page;
}

Result<InboxDownloadSummary> download_inbox(const InboxDownload& options,
                                            const FetchInboxPage& fetch,
                                            std::ostream& stdout_sink) {
  InboxDownloadSummary summary;
  std::optional<InboxCursor> saved;
  if (!options.cursor_file.empty()) {
    auto read = read_cursor_file(options.cursor_file);
    if (!read) return read.error();
    saved = std::move(*read);
  }
  summary.after = options.after ? *options.after : saved ? saved->after : 0;

  OutputFile file;
  const bool to_file = !options.out_path.empty();
  const std::string out_canonical = to_file ? canonical_text(options.out_path) : std::string{};
  if (to_file) {
    if (auto opened = file.open(options.out_path); !opened) return opened.error();
    // Entries past what the cursor counts: a page written before the run
    // stopped, not yet confirmed by the cursor. It is fetched again.
    if (!options.after && saved && saved->out_bytes && saved->out_path == out_canonical) {
      auto size = file.size();
      if (!size) return size.error();
      if (*size > *saved->out_bytes) {
        if (auto cut = file.truncate(*saved->out_bytes); !cut) return cut.error();
        summary.bytes_dropped = *size - *saved->out_bytes;
      }
    }
  }

  for (;;) {
    auto page = fetch(summary.after);
    if (!page) return page.error();
    ++summary.pages;
    std::string text;
    for (const std::string& line : page->lines) {
      text += line;
      text += '\n';
    }
    if (to_file) {
      if (auto appended = file.append(text); !appended) return appended.error();
    } else {
      stdout_sink << text;
      stdout_sink.flush();
      if (!stdout_sink) return Error{Errc::io, "writing to standard output failed"};
    }
    summary.entries += page->lines.size();
    const bool advanced = page->next_after > summary.after;
    summary.after = std::max(summary.after, page->next_after);
    if (!options.cursor_file.empty()) {
      InboxCursor cursor;
      cursor.after = summary.after;
      if (to_file) {
        auto size = file.size();
        if (!size) return size.error();
        cursor.out_bytes = *size;
        cursor.out_path = out_canonical;
      }
      if (auto w = write_cursor_file(options.cursor_file, cursor); !w) return w.error();
    }
    if (!page->more) break;
    if (!advanced) {
      return Error{Errc::corrupt,
                   fmt::format("the node said more entries follow cursor {} but gave none after "
                               "it; stopping rather than asking forever",
                               summary.after)};
    }
  }
  return summary;
}

}  // namespace provnet::app
