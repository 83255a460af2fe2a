#include "core/wire_codec.hpp"

#include <capnp/any.h>
#include <kj/debug.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

namespace provnet::core {

std::string serialize_message(capnp::MessageBuilder& builder) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

std::string frame_single_segment(kj::ArrayPtr<const kj::byte> segment) {
  // Segment table: (segment count - 1) = 0, then the segment's size in words,
  // both little-endian u32 (the Cap'n Proto stream framing).
  std::string out(8, '\0');
  std::uint32_t words = static_cast<std::uint32_t>(segment.size() / sizeof(capnp::word));
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((words >> (8 * i)) & 0xff);
  out.append(reinterpret_cast<const char*>(segment.begin()), segment.size());
  return out;
}

namespace {

// Follows every pointer of a message once, through readers that charge the
// traversal limit (Reader::totalSize() does not; it counts a list of empty
// structs as nothing at all).
void read_every_pointer(capnp::AnyPointer::Reader p);

void read_every_pointer(capnp::AnyStruct::Reader s) {
  for (auto p : s.getPointerSection()) read_every_pointer(p);
}

void read_every_pointer(capnp::AnyPointer::Reader p) {
  switch (p.getPointerType()) {
    case capnp::PointerType::NULL_:
      return;
    case capnp::PointerType::STRUCT:
      read_every_pointer(p.getAs<capnp::AnyStruct>());
      return;
    case capnp::PointerType::CAPABILITY:
      KJ_FAIL_REQUIRE("a capability pointer: this protocol carries none");
    case capnp::PointerType::LIST: {
      auto list = p.getAs<capnp::AnyList>();
      if (list.getElementSize() == capnp::ElementSize::INLINE_COMPOSITE) {
        for (auto element : list.as<capnp::List<capnp::AnyStruct>>()) read_every_pointer(element);
      } else if (list.getElementSize() == capnp::ElementSize::POINTER) {
        for (auto element : list.as<capnp::List<capnp::AnyPointer>>()) read_every_pointer(element);
      }
      return;
    }
  }
}

}  // namespace

template <class Root>
Result<Decoded<Root>> Decoded<Root>::decode(std::string_view bytes, const DecodeLimits& limits) {
  if (bytes.empty()) return Error{Errc::corrupt, "message is empty"};
  if (bytes.size() % sizeof(capnp::word) != 0) {
    return Error{Errc::corrupt, "message is " + std::to_string(bytes.size()) +
                                    " bytes, not a whole number of 8-byte words"};
  }
  Decoded out;
  out.words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(out.words_.begin(), bytes.data(), bytes.size());
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits.traversal_limit_words;
  options.nestingLimit = limits.nesting_limit;
  // Read once in full, within twice the message's own size: Cap'n Proto
  // lets a list of empty structs claim any number of elements at no cost on
  // the wire (and several pointers share one object), so a few bytes could
  // otherwise make a receiver iterate millions of records. Read in full, a
  // message built by a writer costs its own words, plus one for each far
  // pointer of a message in several segments.
  const std::uint64_t own_words = out.words_.size();
  const std::uint64_t amplified_limit = 2 * own_words + 8;
  {
    capnp::ReaderOptions once = options;
    once.traversalLimitInWords =
        std::min<std::uint64_t>(amplified_limit, options.traversalLimitInWords);
    try {
      capnp::FlatArrayMessageReader check(out.words_.asPtr(), once);
      read_every_pointer(check.template getRoot<capnp::AnyStruct>());
    } catch (const kj::Exception& e) {
      if (e.getDescription().startsWith("Exceeded message traversal limit")) {
        if (once.traversalLimitInWords < amplified_limit) {
          return Error{Errc::corrupt, "message of " + std::to_string(own_words) +
                                          " words reads beyond the traversal limit of " +
                                          std::to_string(once.traversalLimitInWords) + " words"};
        }
        return Error{Errc::corrupt,
                     "message of " + std::to_string(own_words) +
                         " words reads as more than twice its own size (a list of empty "
                         "elements, or pointers that share data): refused"};
      }
      return Error{Errc::corrupt,
                   std::string("malformed Cap'n Proto message: ") + e.getDescription().cStr()};
    }
  }
  // Cap'n Proto reports malformed input by throwing kj::Exception; it is
  // caught here so callers see an error value.
  out.reader_ = std::make_unique<capnp::FlatArrayMessageReader>(out.words_.asPtr(), options);
  return out;
}

template class Decoded<wire::Envelope>;
template class Decoded<wire::AuditEntry>;

std::string signing_input(wire::Envelope::Reader envelope) {
  // The copy is one segment, so canonicalize() follows no far pointers.
  capnp::MallocMessageBuilder builder(static_cast<capnp::uint>(envelope.totalSize().wordCount + 1),
                                      capnp::AllocationStrategy::FIXED_SIZE);
  builder.setRoot(envelope);
  auto copy = builder.getRoot<wire::Envelope>();
  copy.disownSignature();
  kj::Array<capnp::word> canonical = capnp::canonicalize(copy.asReader());
  auto bytes = canonical.asBytes();
  static constexpr std::string_view kDomain = "provnet-envelope-v1";
  std::string out;
  out.reserve(kDomain.size() + 1 + bytes.size());
  out.append(kDomain);
  out.push_back('\0');
  out.append(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  return out;
}

std::size_t body_item_count(wire::Body::Reader body) {
  switch (body.which()) {
    case wire::Body::MIGRANT_BATCH:
      return body.getMigrantBatch().getVersions().size();
    case wire::Body::CHECK_NOTICES:
      return body.getCheckNotices().size();
    case wire::Body::CHECK_FEEDBACKS:
      return body.getCheckFeedbacks().size();
    case wire::Body::BIRTH_REGISTRATIONS:
      return body.getBirthRegistrations().size();
    case wire::Body::BIRTH_FEEDBACKS:
      return body.getBirthFeedbacks().size();
    case wire::Body::VERIFICATION_QUERIES:
      return body.getVerificationQueries().size();
    case wire::Body::VERIFICATION_ANSWERS:
      return body.getVerificationAnswers().size();
    default:
      return 0;
  }
}

std::string_view body_kind_name(wire::Body::Which which) {
  switch (which) {
    case wire::Body::MIGRANT_BATCH:
      return "migrantBatch";
    case wire::Body::CHECK_NOTICES:
      return "checkNotices";
    case wire::Body::CHECK_FEEDBACKS:
      return "checkFeedbacks";
    case wire::Body::BIRTH_REGISTRATIONS:
      return "birthRegistrations";
    case wire::Body::BIRTH_FEEDBACKS:
      return "birthFeedbacks";
    case wire::Body::VERIFICATION_QUERIES:
      return "verificationQueries";
    case wire::Body::VERIFICATION_ANSWERS:
      return "verificationAnswers";
    case wire::Body::ACKNOWLEDGEMENTS:
      return "acknowledgements";
    case wire::Body::REJECTION:
      return "rejection";
    case wire::Body::AUDIT_CHECKPOINT:
      return "auditCheckpoint";
    case wire::Body::QUARTERLY_STATISTICS:
      return "quarterlyStatistics";
    case wire::Body::MONTHLY_SUMMARY:
      return "monthlySummary";
    case wire::Body::SIGNED_DIRECTORY:
      return "signedDirectory";
    case wire::Body::REVOCATION_NOTICE:
      return "revocationNotice";
    case wire::Body::DIRECTORY_REQUEST:
      return "directoryRequest";
    case wire::Body::EXCHANGE_EVIDENCE:
      return "exchangeEvidence";
    case wire::Body::FORWARDED_REPLIES:
      return "forwardedReplies";
  }
  return "unknown";
}

}  // namespace provnet::core

namespace provnet::core {
template class Decoded<wire::RecordVersion>;
template class Decoded<wire::SignedDirectory>;
template class Decoded<wire::Directory>;
template class Decoded<wire::ExchangeEvidence>;
template class Decoded<wire::QuarterlyStatistics>;
}  // namespace provnet::core
