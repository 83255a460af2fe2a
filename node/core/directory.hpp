// The national node's signed directory (ARCHITECTURE.md "Identity and
// trust"): which nodes exist, their names, addresses and roles, the regional
// groups that peer directly, each node's valid certificate serials, and the
// revocations. The national node signs it; every node verifies it against
// the CA, keeps the last good one in its store, and uses it for its peers'
// addresses, for direct peering inside its groups and to refuse revoked
// certificates.
//
// On the wire and in the store a directory is a SignedDirectory
// (protocol/control.capnp): the bytes of a Directory message and the
// national node's signature over "provnet-directory-v1\0" followed by those
// bytes, with the signer's certificate (DER).
//
// Rules a verified directory satisfies (verify_directory):
//  - signed by a certificate that chains to the CA and names node 00;
//  - valid now: valid_from_ms <= now < valid_until_ms (a stale or
//    not-yet-valid directory is refused; a node keeps working on the one it
//    holds, see NodeCore);
//  - well formed: node 00 is listed once with role national, every other
//    node is a province listed once, group members are listed nodes and
//    provinces, serials are upper-case hex.
// A newer directory replaces the held one only if its version is higher.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "core/signing.hpp"
#include "core/wire_codec.hpp"
#include "domain/province.hpp"

namespace provnet::core {

using domain::ProvinceCode;

enum class NationalCopy {
  full,           // the national node receives a copy of every direct exchange
  evidence_only,  // it receives the evidence of each exchange (ids, digests, receipts)
};
std::string_view national_copy_name(NationalCopy c);  // "full", "evidence"

struct DirectoryNode {
  ProvinceCode code = 0;
  std::string name;
  std::string address;  // host:port of its peer listener; may be empty
  bool national = false;
  std::vector<std::string> groups;               // ids of its regional groups
  std::vector<std::string> certificate_serials;  // its valid certificates

  bool operator==(const DirectoryNode&) const = default;
};

struct DirectoryGroup {
  std::string id;
  std::string name;
  std::vector<ProvinceCode> members;
  NationalCopy national_copy = NationalCopy::full;

  bool operator==(const DirectoryGroup&) const = default;
};

struct DirectoryRevocation {
  std::string serial;  // upper-case hex (ca::certificate_serial_hex)
  ProvinceCode code = 0;
  std::string reason;
  std::int64_t revoked_at_ms = 0;

  bool operator==(const DirectoryRevocation&) const = default;
};

// What the national node publishes; `groups` of each node are filled from
// the groups' member lists when the directory is built.
struct DirectoryContent {
  std::vector<DirectoryNode> nodes;
  std::vector<DirectoryGroup> groups;
  std::vector<DirectoryRevocation> revocations;

  bool operator==(const DirectoryContent&) const = default;
};

struct Directory {
  std::uint64_t version = 0;
  std::int64_t issued_at_ms = 0;
  std::int64_t valid_from_ms = 0;
  std::int64_t valid_until_ms = 0;
  DirectoryContent content;

  const DirectoryNode* node(ProvinceCode code) const;
  std::set<std::string> revoked_serials() const;
  // The provinces `self` exchanges with directly: the other members of its
  // groups. Empty for the national node.
  std::set<ProvinceCode> group_peers(ProvinceCode self) const;
  // How the national node learns of a direct exchange between a and b: full
  // when any group they share says full.
  NationalCopy national_copy(ProvinceCode a, ProvinceCode b) const;
  bool expired(std::int64_t now_ms) const { return now_ms >= valid_until_ms; }
};

inline constexpr std::string_view kDirectorySigningContext = "provnet-directory-v1";

// Fills in each node's `groups`, sorts nodes by code and groups by id, and
// checks the content (the same rules verify_directory applies). An error
// names the node or group and what is wrong.
Result<DirectoryContent> normalize_directory(DirectoryContent content);

// The SignedDirectory bytes of `directory`, signed by the national node.
Result<std::string> sign_directory(const Directory& directory, const EnvelopeSigner& signer);

struct VerifiedDirectory {
  Directory directory;
  std::string signed_bytes;  // the SignedDirectory as received (to store and pass on)
};

enum class ExpiryCheck { refuse_expired, allow_expired };

// Decodes and checks a SignedDirectory (rules above). allow_expired is for
// the copy a node kept in its own store: it keeps working on it, loudly,
// when the national node cannot be reached for longer than its validity.
// Errors are security errors naming the failed check.
Result<VerifiedDirectory> verify_directory(std::string_view signed_bytes,
                                           SignatureVerifier& verifier, std::int64_t now_ms,
                                           const DecodeLimits& limits,
                                           ExpiryCheck expiry = ExpiryCheck::refuse_expired);

}  // namespace provnet::core
