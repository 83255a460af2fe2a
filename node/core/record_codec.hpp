// Between the domain's MigrantRecord (interchange text) and the wire's.
#pragma once

#include <string>
#include <string_view>

#include "domain/migrant_record.hpp"
#include "protocol/records.capnp.h"

namespace provnet::core {

// The record must have validated (direction, reporting province and the
// booleans are then well-formed).
void record_to_wire(const domain::MigrantRecord& record, wire::MigrantRecord::Builder out);
domain::MigrantRecord record_from_wire(wire::MigrantRecord::Reader in);

// The name of a change as the API, the store's views and provctl write it
// ("created", "updated", "returned", "left", "corrected"); `unknown` for a
// value this build does not know (sent by a newer node).
std::string change_kind_name(wire::ChangeKind change, std::string_view unknown = "unknown");

}  // namespace provnet::core
