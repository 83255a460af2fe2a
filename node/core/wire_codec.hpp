// Turning Cap'n Proto messages into bytes and back, with the limits that keep
// a hostile or broken peer from costing more than one bounded frame.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "protocol/audit.capnp.h"
#include "protocol/envelope.capnp.h"

namespace provnet::core {

struct DecodeLimits {
  // Words a reader may traverse (a message that points many times at the
  // same data looks small on the wire but large when read).
  std::uint64_t traversal_limit_words = 16ull * 1024 * 1024 / 8;
  int nesting_limit = 64;
};

// The standard Cap'n Proto encoding (segment table, then segments) as bytes.
std::string serialize_message(capnp::MessageBuilder& builder);

// A decoded message that owns its (word-aligned copy of the) bytes.
template <class Root>
class Decoded {
 public:
  typename Root::Reader root() const { return reader_->template getRoot<Root>(); }

  // Errors: corrupt, with what was wrong (size not a multiple of 8, segment
  // table beyond the data, pointer out of bounds, traversal limit ...).
  static Result<Decoded> decode(std::string_view bytes, const DecodeLimits& limits);

 private:
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
};

using DecodedEnvelope = Decoded<wire::Envelope>;

std::string frame_single_segment(kj::ArrayPtr<const kj::byte> segment);

// A message as one segment (a builder grows in several): a reader of a
// one-segment message follows no far pointers and looks up no segments,
// which is most of decoding's cost in a message of many records.
template <class Reader>
std::string serialize_single_segment(Reader root) {
  capnp::MallocMessageBuilder flat(static_cast<capnp::uint>(root.totalSize().wordCount + 1),
                                   capnp::AllocationStrategy::FIXED_SIZE);
  flat.setRoot(root);
  return serialize_message(flat);
}

// The canonical encoding of a struct (one segment, no far pointers, fixed
// layout) framed as a standard single-segment message, so Decoded<> and
// `capnp decode` read it. Equal content gives equal bytes: stored record
// versions are compared this way.
template <class Reader>
std::string canonical_message(Reader reader) {
  kj::Array<capnp::word> words = capnp::canonicalize(reader);
  return frame_single_segment(words.asBytes());
}

// The bytes an author signs: the canonical encoding of the envelope with its
// signature field empty (see protocol/envelope.capnp).
std::string signing_input(wire::Envelope::Reader envelope);

// The items a data message carries: a batch's record versions, a
// collaboration body's items; 0 for other bodies.
std::size_t body_item_count(wire::Body::Reader body);

// "migrantBatch", "acknowledgements" ...: the body kind's schema name, for logs
// and audit counts.
std::string_view body_kind_name(wire::Body::Which which);

}  // namespace provnet::core
