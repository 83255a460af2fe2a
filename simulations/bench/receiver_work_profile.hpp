// What the receiving core does with one message, step by step, timed apart
// from the link (no I/O, no store): decoding the envelope, the canonical
// signing input its signature is checked over, the SHA-256 kept for dedup,
// and per record the conversion from the wire, validation and the canonical
// form that is stored. The link's breakdown puts all of this in "rest"; this
// says which part of the rest costs what.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/result.hpp"
#include "domain/date.hpp"

namespace provnet::bench {

struct ReceiverWorkProfile {
  std::size_t records = 0;      // in the sample message
  double decode_us = 0;         // DecodedEnvelope::decode
  double signing_input_us = 0;  // core::signing_input: canonicalizing the whole envelope
  double digest_us = 0;         // SHA-256 of the message bytes
  double records_us = 0;  // record_from_wire + validate_record + canonical_message, all records
  double total_us() const { return decode_us + signing_input_us + digest_us + records_us; }
};

// `envelope`: a message as the receiver got it (a migrantBatch).
Result<ReceiverWorkProfile> profile_receiver_work(std::string_view envelope, domain::Date today,
                                                  int repetitions);

}  // namespace provnet::bench
