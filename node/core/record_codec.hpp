// Between the domain's MigrantRecord (interchange text) and the wire's.
#pragma once

#include "domain/migrant_record.hpp"
#include "protocol/records.capnp.h"

namespace provnet::core {

// The record must have validated (direction, reporting province and the
// booleans are then well-formed).
void record_to_wire(const domain::MigrantRecord& record, wire::MigrantRecord::Builder out);
domain::MigrantRecord record_from_wire(wire::MigrantRecord::Reader in);

}  // namespace provnet::core
