// The national CA's record of every certificate it issued: DIR/index.tsv.
//
// One line per certificate, tab-separated, after a header line starting
// with '#' that names the columns:
//
//   # serial  node  algorithm  not_before  not_after  status  revoked_at  reason  certificate_file
//   3A5F09C2D1E4B877  31  ecdsa-p256  1767225600  1838505600  valid  0  -  node-31.pem
//
//  - serial: upper-case hex, as certificate_serial_hex writes it;
//  - node: two digits, 00 or a province code;
//  - algorithm: the certified key's, ecdsa-p256 or sm2;
//  - not_before, not_after: Unix seconds;
//  - status: valid or revoked ("valid" means "not revoked": an expired
//    certificate keeps status valid, its not_after says it expired);
//  - revoked_at: Unix seconds, 0 while valid;
//  - reason: one of kRevocationReasons when revoked, "-" while valid;
//  - certificate_file: the name of the file the certificate was written to
//    (a copy is kept as DIR/issued/<serial>.pem).
//
// The file is the source of truth for revocation: provctl ca revoke marks
// an entry, the CRL is made from it, and the national node publishes its
// serials and revocations in its signed directory.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "domain/province.hpp"

namespace provnet::ca {

struct IssuedCertificate {
  std::string serial_hex;  // upper-case hex, as certificate_serial_hex writes it
  domain::ProvinceCode code;
  std::string algorithm;  // "ecdsa-p256" or "sm2"
  std::int64_t not_before_unix, not_after_unix;
  bool revoked = false;
  std::int64_t revoked_at_unix = 0;
  std::string reason;  // one of kRevocationReasons when revoked, empty otherwise
  std::string certificate_file;
};

// The RFC 5280 reasons provnet's CA revokes for, by their RFC names.
inline constexpr std::array<std::string_view, 5> kRevocationReasons = {
    "unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"};
bool is_revocation_reason(std::string_view reason);
// "unspecified, keyCompromise, ...": for messages.
std::string revocation_reasons_text();

// The header line, without its newline.
inline constexpr std::string_view kCaIndexHeader =
    "# serial\tnode\talgorithm\tnot_before\tnot_after\tstatus\trevoked_at\treason\t"
    "certificate_file";

// The entries of the index at `path`, in file order. A missing file is an
// empty list (a CA that has issued nothing). Errors name path:line, the
// column, what was found and what was expected; two entries with the same
// serial are an error too.
Result<std::vector<IssuedCertificate>> read_ca_index(const std::string& path);

// Replaces the index at `path` with `entries`, atomically: a temporary file
// in the same directory, fsync, rename, fsync of the directory. Entries are
// checked first, by the rules read_ca_index applies, so nothing unreadable
// is ever written.
Result<void> write_ca_index(const std::string& path, const std::vector<IssuedCertificate>&);

// A serial typed by a person, as the index writes it: hex digits of either
// case, leading zeros ignored ("0a3f" -> "0A3F", "000A3F" -> "0A3F", i.e.
// whole bytes like certificate_serial_hex). nullopt when it is not hex or
// is zero.
std::optional<std::string> canonical_serial_hex(std::string_view text);

// Writes `content` to `path` so that no reader ever sees a partial file and
// no moment exists with wider permissions than `mode`: a temporary file
// created 0600 with O_EXCL next to `path`, fsync, chmod to `mode`, then
// renamed over `path` (replace) or linked to it only if `path` does not
// exist yet (conflict error naming the path otherwise), and the directory
// fsynced.
Result<void> write_file_atomically(const std::string& path, std::string_view content, mode_t mode,
                                   bool replace);

}  // namespace provnet::ca
