// Fuzz target: an envelope arriving on a link, through the whole of
// NodeCore::on_envelope — decoding, the author check, then (with a verifier
// that accepts every signature, see fuzz_support.hpp) the body: record
// batches decoded and validated and stored, collaboration items, replies,
// directories, in a real LMDB store. The first byte picks the link it
// arrives on (a direct peer, or the national node, which may relay anyone's
// messages); its second bit sends the envelope twice in one group
// (NodeCore::on_envelopes: group commit, a retry inside the group). The
// core must never crash or touch memory it should not
// (the fuzz build runs under ASan and UBSan), and the store stay usable.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/node_core.hpp"
#include "fuzz_support.hpp"
#include "store/store.hpp"

namespace {

using namespace provnet;

constexpr domain::ProvinceCode kSelf = 51;
constexpr domain::ProvinceCode kPeer = 44;
// A fresh store now and then, so that a long run does not fill its map.
constexpr std::uint64_t kInputsPerStore = 20'000;

struct Node {
  fuzz::ScratchDir dir{"envelope"};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<core::NodeCore> core;
  std::uint64_t inputs = 0;

  void open() {
    core.reset();
    store.reset();
    std::filesystem::remove_all(dir.path() / "store");
    store::StoreOptions o;
    o.path = (dir.path() / "store").string();
    o.map_size_bytes = 256ull << 20;
    o.durable = false;
    auto opened = store::Store::open(o);
    if (!opened) __builtin_trap();
    store = std::move(*opened);
    core::CoreConfig c;
    c.self = kSelf;
    c.direct_peers = {kPeer, domain::kNationalCode};
    c.seed = 1;
    c.signer = std::make_shared<fuzz::PlainSigner>();
    c.verifier = std::make_shared<fuzz::AcceptingVerifier>();
    core = std::make_unique<core::NodeCore>(std::move(c), *store);
    (void)core->on_link_up(kPeer, fuzz::kFuzzNowMs);
    (void)core->on_link_up(domain::kNationalCode, fuzz::kFuzzNowMs);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Node node;
  if (size < 1) return 0;
  if (!node.core || node.inputs++ % kInputsPerStore == 0) node.open();
  const domain::ProvinceCode link = (data[0] & 1) ? domain::kNationalCode : kPeer;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::int64_t now = fuzz::kFuzzNowMs + static_cast<std::int64_t>(node.inputs) * 1'000;
  if (data[0] & 2) {
    const std::string_view twice[] = {bytes, bytes};
    (void)node.core->on_envelopes(link, twice, now);
  } else {
    (void)node.core->on_envelope(link, bytes, now);
  }
  (void)node.core->on_tick(now + 500);
  return 0;
}
