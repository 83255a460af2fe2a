// Fuzz target: a signed directory as a node receives it from the national
// node (or reads it back from its own store): decoded under the node's
// limits and checked — validity period, node codes and roles, groups and
// their members, revocations — with a verifier that accepts any signature
// (fuzz_support.hpp), so mutations reach the content checks. A directory
// that passes must survive signing it again unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/directory.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace provnet;
  static fuzz::AcceptingVerifier verifier;
  static fuzz::PlainSigner signer;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  core::DecodeLimits limits;
  limits.traversal_limit_words = (1u << 20) / 8;
  auto verified = core::verify_directory(bytes, verifier, fuzz::kFuzzNowMs, limits,
                                         core::ExpiryCheck::allow_expired);
  if (!verified) {
    if (verified.error().message.empty()) __builtin_trap();  // refused without a reason
    return 0;
  }
  const core::Directory& d = verified->directory;
  for (const core::DirectoryNode& n : d.content.nodes) (void)d.group_peers(n.code);
  (void)d.revoked_serials();
  auto again = core::sign_directory(d, signer);
  if (!again) __builtin_trap();  // what was accepted can be published again
  auto reread = core::verify_directory(*again, verifier, fuzz::kFuzzNowMs, limits,
                                       core::ExpiryCheck::allow_expired);
  if (!reread || !(reread->directory.content == d.content)) __builtin_trap();
  return 0;
}
