#include "core/directory.hpp"

#include <capnp/message.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <map>

#include "protocol/control.capnp.h"

namespace provnet::core {

namespace {

std::string code_text(ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

Error security(std::string message) {
  return Error{Errc::security, std::move(message)};
}

bool is_upper_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
  });
}

std::string directory_signing_input(std::string_view directory_bytes) {
  std::string input(kDirectorySigningContext);
  input.push_back('\0');
  input.append(directory_bytes);
  return input;
}

capnp::Data::Reader as_data(std::string_view bytes) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size());
}

std::string_view as_view(capnp::Data::Reader data) {
  return std::string_view(reinterpret_cast<const char*>(data.begin()), data.size());
}

// The content rules; `normalize` also fills in node groups and sorts.
Result<void> check_content(const DirectoryContent& c) {
  std::map<ProvinceCode, const DirectoryNode*> by_code;
  for (const DirectoryNode& n : c.nodes) {
    if (n.code != domain::kNationalCode && !domain::find_province(n.code)) {
      return Error{Errc::invalid_input,
                   fmt::format("directory node {}: not a node code (00 or a province)",
                               static_cast<int>(n.code))};
    }
    if (!by_code.emplace(n.code, &n).second) {
      return Error{Errc::invalid_input,
                   fmt::format("directory node {}: listed twice", code_text(n.code))};
    }
    if (n.national != (n.code == domain::kNationalCode)) {
      return Error{Errc::invalid_input,
                   fmt::format("directory node {}: role {}; only node 00 is national",
                               code_text(n.code), n.national ? "national" : "province")};
    }
    for (const std::string& s : n.certificate_serials) {
      if (!is_upper_hex(s)) {
        return Error{Errc::invalid_input,
                     fmt::format("directory node {}: certificate serial \"{}\"; expected "
                                 "upper-case hex",
                                 code_text(n.code), s)};
      }
    }
  }
  if (!by_code.count(domain::kNationalCode)) {
    return Error{Errc::invalid_input, "directory: node 00 (national) is not listed"};
  }
  std::set<std::string> group_ids;
  for (const DirectoryGroup& g : c.groups) {
    if (g.id.empty() || !group_ids.insert(g.id).second) {
      return Error{Errc::invalid_input,
                   fmt::format("directory group \"{}\": empty or listed twice", g.id)};
    }
    std::set<ProvinceCode> seen;
    for (ProvinceCode m : g.members) {
      if (m == domain::kNationalCode || !by_code.count(m)) {
        return Error{Errc::invalid_input,
                     fmt::format("directory group {}: member {} is not a listed province", g.id,
                                 code_text(m))};
      }
      if (!seen.insert(m).second) {
        return Error{Errc::invalid_input,
                     fmt::format("directory group {}: member {} listed twice", g.id, code_text(m))};
      }
    }
  }
  for (const DirectoryRevocation& r : c.revocations) {
    if (!is_upper_hex(r.serial)) {
      return Error{
          Errc::invalid_input,
          fmt::format("directory revocation \"{}\": expected an upper-case hex serial", r.serial)};
    }
  }
  return {};
}

void fill(wire::Directory::Builder out, const Directory& d) {
  out.setVersion(d.version);
  out.setIssuedAtMs(d.issued_at_ms);
  out.setValidFromMs(d.valid_from_ms);
  out.setValidUntilMs(d.valid_until_ms);
  auto nodes = out.initNodes(d.content.nodes.size());
  for (std::size_t i = 0; i < d.content.nodes.size(); ++i) {
    const DirectoryNode& n = d.content.nodes[i];
    auto b = nodes[i];
    b.setCode(n.code);
    b.setName(n.name);
    b.setAddress(n.address);
    b.setRole(n.national ? wire::Role::NATIONAL : wire::Role::PROVINCE);
    auto groups = b.initGroups(n.groups.size());
    for (std::size_t k = 0; k < n.groups.size(); ++k) groups.set(k, n.groups[k]);
    auto serials = b.initCertificateSerials(n.certificate_serials.size());
    for (std::size_t k = 0; k < n.certificate_serials.size(); ++k) {
      serials.set(k, n.certificate_serials[k]);
    }
  }
  auto groups = out.initGroups(d.content.groups.size());
  for (std::size_t i = 0; i < d.content.groups.size(); ++i) {
    const DirectoryGroup& g = d.content.groups[i];
    auto b = groups[i];
    b.setId(g.id);
    b.setName(g.name);
    auto members = b.initMembers(g.members.size());
    for (std::size_t k = 0; k < g.members.size(); ++k) members.set(k, g.members[k]);
    b.setNationalCopy(g.national_copy == NationalCopy::full ? wire::NationalCopy::FULL
                                                            : wire::NationalCopy::EVIDENCE_ONLY);
  }
  auto revocations = out.initRevocations(d.content.revocations.size());
  for (std::size_t i = 0; i < d.content.revocations.size(); ++i) {
    const DirectoryRevocation& r = d.content.revocations[i];
    auto b = revocations[i];
    b.setSerial(r.serial);
    b.setCode(r.code);
    b.setReason(r.reason);
    b.setRevokedAtMs(r.revoked_at_ms);
  }
}

Directory read(wire::Directory::Reader in) {
  Directory d;
  d.version = in.getVersion();
  d.issued_at_ms = in.getIssuedAtMs();
  d.valid_from_ms = in.getValidFromMs();
  d.valid_until_ms = in.getValidUntilMs();
  for (auto n : in.getNodes()) {
    DirectoryNode node;
    node.code = n.getCode();
    node.name = n.getName().cStr();
    node.address = n.getAddress().cStr();
    node.national = n.getRole() == wire::Role::NATIONAL;
    for (auto g : n.getGroups()) node.groups.emplace_back(g.cStr());
    for (auto s : n.getCertificateSerials()) node.certificate_serials.emplace_back(s.cStr());
    d.content.nodes.push_back(std::move(node));
  }
  for (auto g : in.getGroups()) {
    DirectoryGroup group;
    group.id = g.getId().cStr();
    group.name = g.getName().cStr();
    for (auto m : g.getMembers()) group.members.push_back(m);
    group.national_copy = g.getNationalCopy() == wire::NationalCopy::FULL
                              ? NationalCopy::full
                              : NationalCopy::evidence_only;
    d.content.groups.push_back(std::move(group));
  }
  for (auto r : in.getRevocations()) {
    d.content.revocations.push_back(DirectoryRevocation{r.getSerial().cStr(), r.getCode(),
                                                        r.getReason().cStr(), r.getRevokedAtMs()});
  }
  return d;
}

}  // namespace

std::string_view national_copy_name(NationalCopy c) {
  return c == NationalCopy::full ? "full" : "evidence";
}

const DirectoryNode* Directory::node(ProvinceCode code) const {
  for (const DirectoryNode& n : content.nodes) {
    if (n.code == code) return &n;
  }
  return nullptr;
}

std::set<std::string> Directory::revoked_serials() const {
  std::set<std::string> out;
  for (const DirectoryRevocation& r : content.revocations) out.insert(r.serial);
  return out;
}

std::set<ProvinceCode> Directory::group_peers(ProvinceCode self) const {
  std::set<ProvinceCode> out;
  if (self == domain::kNationalCode) return out;
  for (const DirectoryGroup& g : content.groups) {
    if (std::find(g.members.begin(), g.members.end(), self) == g.members.end()) continue;
    for (ProvinceCode m : g.members) {
      if (m != self) out.insert(m);
    }
  }
  return out;
}

NationalCopy Directory::national_copy(ProvinceCode a, ProvinceCode b) const {
  bool shared = false;
  for (const DirectoryGroup& g : content.groups) {
    auto has = [&](ProvinceCode c) {
      return std::find(g.members.begin(), g.members.end(), c) != g.members.end();
    };
    if (!has(a) || !has(b)) continue;
    if (g.national_copy == NationalCopy::full) return NationalCopy::full;
    shared = true;
  }
  return shared ? NationalCopy::evidence_only : NationalCopy::full;
}

Result<DirectoryContent> normalize_directory(DirectoryContent content) {
  std::sort(content.nodes.begin(), content.nodes.end(),
            [](const DirectoryNode& a, const DirectoryNode& b) { return a.code < b.code; });
  std::sort(content.groups.begin(), content.groups.end(),
            [](const DirectoryGroup& a, const DirectoryGroup& b) { return a.id < b.id; });
  std::sort(content.revocations.begin(), content.revocations.end(),
            [](const DirectoryRevocation& a, const DirectoryRevocation& b) {
              return a.serial < b.serial;
            });
  for (DirectoryNode& n : content.nodes) {
    n.groups.clear();
    for (const DirectoryGroup& g : content.groups) {
      if (std::find(g.members.begin(), g.members.end(), n.code) != g.members.end()) {
        n.groups.push_back(g.id);
      }
    }
    std::sort(n.certificate_serials.begin(), n.certificate_serials.end());
  }
  if (auto checked = check_content(content); !checked) return checked.error();
  return content;
}

Result<std::string> sign_directory(const Directory& directory, const EnvelopeSigner& signer) {
  capnp::MallocMessageBuilder inner;
  fill(inner.initRoot<wire::Directory>(), directory);
  std::string directory_bytes = serialize_message(inner);
  auto signature = signer.sign(directory_signing_input(directory_bytes));
  if (!signature) return signature.error();
  capnp::MallocMessageBuilder outer;
  auto s = outer.initRoot<wire::SignedDirectory>();
  s.setDirectory(as_data(directory_bytes));
  s.setSignature(as_data(*signature));
  s.setSignatureAlgorithm(signer.algorithm());
  s.setSignerCertificate(as_data(signer.certificate_der()));
  return serialize_message(outer);
}

Result<VerifiedDirectory> verify_directory(std::string_view signed_bytes,
                                           SignatureVerifier& verifier, std::int64_t now_ms,
                                           const DecodeLimits& limits, ExpiryCheck expiry) {
  auto outer = Decoded<wire::SignedDirectory>::decode(signed_bytes, limits);
  if (!outer) return security("directory: not a signed directory: " + outer.error().message);
  try {
    auto s = outer->root();
    const std::string_view directory_bytes = as_view(s.getDirectory());
    if (s.getSignature().size() == 0) return security("directory: not signed");
    auto verified =
        verifier.verify(domain::kNationalCode, as_view(s.getSignerCertificate()),
                        s.getSignatureAlgorithm(), directory_signing_input(directory_bytes),
                        as_view(s.getSignature()), now_ms, RevokedSigner::refuse);
    if (!verified) return security("directory: " + verified.error().message);
    auto inner = Decoded<wire::Directory>::decode(directory_bytes, limits);
    if (!inner) return security("directory: the signed bytes are not a directory");
    Directory d = read(inner->root());
    if (d.valid_until_ms <= d.valid_from_ms) {
      return security(
          fmt::format("directory version {}: validity ends ({} ms) before it begins "
                      "({} ms)",
                      d.version, d.valid_until_ms, d.valid_from_ms));
    }
    if (now_ms < d.valid_from_ms) {
      return security(fmt::format("directory version {}: not valid before {} ms (now {} ms)",
                                  d.version, d.valid_from_ms, now_ms));
    }
    if (expiry == ExpiryCheck::refuse_expired && d.expired(now_ms)) {
      return security(fmt::format("directory version {}: stale, expired at {} ms (now {} ms)",
                                  d.version, d.valid_until_ms, now_ms));
    }
    if (auto checked = check_content(d.content); !checked) {
      return security(fmt::format("directory version {}: {}", d.version, checked.error().message));
    }
    return VerifiedDirectory{std::move(d), std::string(signed_bytes)};
  } catch (const kj::Exception& e) {
    return security(std::string("directory: malformed: ") + e.getDescription().cStr());
  }
}

}  // namespace provnet::core
