// Fuzz target: a record as it arrives from a peer and is stored (a Cap'n
// Proto RecordVersion, decoded under the node's limits), turned into the domain
// record and validated against the data standard (code tables, ID number
// check digits, dates, GB 18030 text); then exported as JSON and CSV the
// way provctl and the inbox API do. A record that validates must come back
// from its own JSON unchanged and still valid.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "domain/record_interchange.hpp"
#include "domain/record_validation.hpp"
#include "protocol/records.capnp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace provnet;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  core::DecodeLimits limits;
  limits.traversal_limit_words = (1u << 20) / 8;
  auto decoded = core::Decoded<wire::RecordVersion>::decode(bytes, limits);
  if (!decoded) return 0;
  domain::MigrantRecord record;
  try {
    record = core::record_from_wire(decoded->root().getRecord());
  } catch (const kj::Exception&) {
    return 0;  // malformed inside: the core refuses the message
  }
  const domain::ValidationContext ctx{domain::Date{2026, 3, 2}};
  const auto errors = domain::validate_record(record, ctx);
  for (const auto& e : errors) (void)domain::problem_from(e);
  (void)domain::record_to_csv_row(record);
  const nlohmann::json exported = domain::record_to_json(record);
  if (!errors.empty()) return 0;
  domain::RecordItem again = domain::record_from_json(exported, 1);
  if (!domain::check_item(again, ctx)) __builtin_trap();  // a valid record must re-import valid
  if (!again.record || !(*again.record == record)) __builtin_trap();  // and unchanged
  return 0;
}
