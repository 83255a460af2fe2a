#include "ca/ca_index.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "ca/node_identity.hpp"

namespace provnet::ca {

namespace {

constexpr std::size_t kColumns = 9;
constexpr std::array<std::string_view, kColumns> kColumnNames = {
    "serial", "node",       "algorithm", "not_before",      "not_after",
    "status", "revoked_at", "reason",    "certificate_file"};
constexpr std::string_view kNoReason = "-";

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Shows a found value in a message: quoted, control characters escaped,
// length bounded (the file may be anything).
std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<domain::ProvinceCode> parse_node(std::string_view text) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
    return std::nullopt;
  }
  const auto code = static_cast<domain::ProvinceCode>((text[0] - '0') * 10 + (text[1] - '0'));
  if (!is_node_code(code)) return std::nullopt;
  return code;
}

bool is_file_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name == kNoReason) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// What is wrong with one entry, as (column, found, expected); nullopt when
// nothing is. Shared by reading and writing, so the two agree.
struct Problem {
  std::size_t column;  // index into kColumnNames
  std::string found;
  std::string expected;
};

std::optional<Problem> check_entry(const IssuedCertificate& e) {
  if (canonical_serial_hex(e.serial_hex) != e.serial_hex) {
    return Problem{0, e.serial_hex,
                   "the serial in upper-case hex, whole bytes without a leading 00 byte, not "
                   "zero (as certificate_serial_hex writes it, e.g. 3A5F)"};
  }
  if (!is_node_code(e.code)) {
    return Problem{1, fmt::format("{:02}", e.code),
                   "00 or a province code of config/provinces.csv"};
  }
  if (e.algorithm != "ecdsa-p256" && e.algorithm != "sm2") {
    return Problem{2, e.algorithm, "ecdsa-p256 or sm2"};
  }
  if (e.not_after_unix <= e.not_before_unix) {
    return Problem{4, std::to_string(e.not_after_unix),
                   fmt::format("a time later than not_before ({})", e.not_before_unix)};
  }
  if (e.revoked) {
    if (e.revoked_at_unix <= 0) {
      return Problem{6, std::to_string(e.revoked_at_unix),
                     "the revocation time in Unix seconds (positive) for a revoked entry"};
    }
    if (!is_revocation_reason(e.reason)) {
      return Problem{7, e.reason, fmt::format("one of {}", revocation_reasons_text())};
    }
  } else {
    if (e.revoked_at_unix != 0) {
      return Problem{6, std::to_string(e.revoked_at_unix), "0 for an entry that is valid"};
    }
    if (!e.reason.empty()) {
      return Problem{7, e.reason, "no reason (\"-\" in the file) for an entry that is valid"};
    }
  }
  if (!is_file_name(e.certificate_file)) {
    return Problem{8, e.certificate_file, "a file name (no '/', no control characters)"};
  }
  return std::nullopt;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

Error line_error(const std::string& path, std::size_t line, std::size_t column,
                 std::string_view found, std::string_view expected) {
  return Error{Errc::corrupt,
               fmt::format("{}:{}: column {} ({}): found {}, expected {}", path, line, column + 1,
                           kColumnNames[column], shown(found), expected)};
}

Result<IssuedCertificate> parse_line(const std::string& path, std::size_t number,
                                     std::string_view line) {
  const auto fields = split_tabs(line);
  if (fields.size() != kColumns) {
    return Error{
        Errc::corrupt,
        fmt::format("{}:{}: found {} tab-separated column(s) in {}, expected {} ({})", path, number,
                    fields.size(), shown(line), kColumns, fmt::join(kColumnNames, ", "))};
  }
  IssuedCertificate e;
  e.serial_hex = std::string(fields[0]);
  auto code = parse_node(fields[1]);
  if (!code) {
    return line_error(path, number, 1, fields[1],
                      "two digits: 00 or a province code of config/provinces.csv");
  }
  e.code = *code;
  e.algorithm = std::string(fields[2]);
  for (std::size_t column : {3u, 4u, 6u}) {
    if (!parse_int64(fields[column])) {
      return line_error(path, number, column, fields[column], "Unix seconds (a decimal integer)");
    }
  }
  e.not_before_unix = *parse_int64(fields[3]);
  e.not_after_unix = *parse_int64(fields[4]);
  if (fields[5] == "revoked") {
    e.revoked = true;
  } else if (fields[5] != "valid") {
    return line_error(path, number, 5, fields[5], "valid or revoked");
  }
  e.revoked_at_unix = *parse_int64(fields[6]);
  if (fields[7] != kNoReason) e.reason = std::string(fields[7]);
  e.certificate_file = std::string(fields[8]);
  if (auto problem = check_entry(e)) {
    // Show what the file holds (a valid entry's reason is "-" there).
    return line_error(path, number, problem->column, fields[problem->column], problem->expected);
  }
  return e;
}

std::string entry_line(const IssuedCertificate& e) {
  return fmt::format("{}\t{:02}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", e.serial_hex, e.code, e.algorithm,
                     e.not_before_unix, e.not_after_unix, e.revoked ? "revoked" : "valid",
                     e.revoked_at_unix, e.revoked ? e.reason : std::string(kNoReason),
                     e.certificate_file);
}

struct Descriptor {
  int fd = -1;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
  int release() {
    const int f = fd;
    fd = -1;
    return f;
  }
};

Error errno_error(std::string_view what, const std::string& path, int err) {
  const Errc code = err == ENOSPC ? Errc::disk_full : err == EROFS ? Errc::read_only : Errc::io;
  return Error{code, fmt::format("{}: {} failed: {}", path, what, std::strerror(err))};
}

}  // namespace

bool is_revocation_reason(std::string_view reason) {
  for (std::string_view r : kRevocationReasons) {
    if (r == reason) return true;
  }
  return false;
}

std::string revocation_reasons_text() {
  return fmt::format("{}", fmt::join(kRevocationReasons, ", "));
}

std::optional<std::string> canonical_serial_hex(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string digits;
  for (char c : text) {
    if (!is_hex_digit(c)) return std::nullopt;
    if (digits.empty() && c == '0') continue;  // leading zeros
    digits += (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (digits.empty()) return std::nullopt;  // zero is not a serial (RFC 5280)
  if (digits.size() % 2 != 0) digits.insert(digits.begin(), '0');
  return digits;
}

Result<std::vector<IssuedCertificate>> read_ca_index(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return Error{Errc::io, fmt::format("{}: {}", path, ec.message())};
    return std::vector<IssuedCertificate>{};
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{
        Errc::io,
        fmt::format("{}: is not a regular file; expected the CA index (a text file)", path)};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{Errc::io, fmt::format("{}: cannot be read: {}", path, std::strerror(errno))};
  }
  std::vector<IssuedCertificate> entries;
  std::map<std::string, std::size_t> line_of_serial;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    auto entry = parse_line(path, number, line);
    if (!entry) return entry.error();
    auto [at, inserted] = line_of_serial.emplace(entry->serial_hex, number);
    if (!inserted) {
      return line_error(
          path, number, 0, entry->serial_hex,
          fmt::format("a serial not used before (line {} has it already)", at->second));
    }
    entries.push_back(std::move(*entry));
  }
  if (in.bad()) {
    return Error{Errc::io, fmt::format("{}: read failed after line {}", path, number)};
  }
  return entries;
}

Result<void> write_ca_index(const std::string& path,
                            const std::vector<IssuedCertificate>& entries) {
  std::string text(kCaIndexHeader);
  text += '\n';
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const IssuedCertificate& e = entries[i];
    if (auto problem = check_entry(e)) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: not written: entry #{} column {} ({}): found {}, expected {}",
                               path, i + 1, problem->column + 1, kColumnNames[problem->column],
                               shown(problem->found), problem->expected)};
    }
    if (auto [at, inserted] = seen.emplace(e.serial_hex, i); !inserted) {
      return Error{Errc::invalid_input,
                   fmt::format("{}: not written: entries #{} and #{} have the same serial {}", path,
                               at->second + 1, i + 1, e.serial_hex)};
    }
    text += entry_line(e);
  }
  return write_file_atomically(path, text, 0644, true);
}

Result<void> write_file_atomically(const std::string& path, std::string_view content, mode_t mode,
                                   bool replace) {
  const std::filesystem::path target(path);
  std::filesystem::path directory = target.parent_path();
  if (directory.empty()) directory = ".";
  std::string tmp = path + ".tmp-XXXXXX";
  Descriptor file;
  // mkostemp creates the file 0600 with O_EXCL: a key is never readable by
  // others, not even for an instant, whatever the umask.
  file.fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (file.fd < 0) return errno_error("creating a temporary file", tmp, errno);
  auto fail = [&](std::string_view what, const std::string& name, int err) {
    ::unlink(tmp.c_str());
    return errno_error(what, name, err);
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(file.fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("writing", tmp, errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(file.fd, mode) != 0) return fail("setting permissions", tmp, errno);
  if (::fsync(file.fd) != 0) return fail("fsync", tmp, errno);
  if (::close(file.release()) != 0) return fail("closing", tmp, errno);
  if (replace) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("renaming into place", path, errno);
  } else {
    // link() fails with EEXIST instead of replacing: nothing that appeared
    // since the caller looked is overwritten.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      if (err == EEXIST) {
        return Error{Errc::conflict, fmt::format("{} already exists; not overwritten", path)};
      }
      return errno_error("creating", path, err);
    }
    ::unlink(tmp.c_str());
  }
  Descriptor dir;
  dir.fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir.fd < 0 || ::fsync(dir.fd) != 0) {
    return errno_error("fsync of the directory", directory.string(), errno);
  }
  return {};
}

}  // namespace provnet::ca
