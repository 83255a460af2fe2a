// Collaboration items and quarterly tables between their domain form
// (domain/collab_item.hpp, domain/statistics.hpp) and the wire
// (protocol/collab.capnp, reports.capnp).
#pragma once

#include <optional>
#include <vector>

#include "domain/collab_item.hpp"
#include "domain/statistics.hpp"
#include "protocol/envelope.capnp.h"

namespace provnet::core {

// The body kind that carries items of `kind`, and back (nullopt: not a
// collaboration body).
wire::Body::Which collab_body_which(domain::CollabKind kind);
std::optional<domain::CollabKind> collab_kind_of(wire::Body::Which which);

// Fills `body` with the items (all of the same kind).
void collab_items_to_body(domain::CollabKind kind, const std::vector<domain::CollabItem>& items,
                          wire::Body::Builder body);
// The items of a collaboration body. Replies carry no province codes on the
// wire: their hukou province is the envelope's author and their residence
// province its destination.
std::vector<domain::CollabItem> collab_items_from_body(wire::Body::Reader body,
                                                       domain::ProvinceCode author,
                                                       domain::ProvinceCode destination);

void tables_to_wire(const domain::QuarterlyTables& t, wire::QuarterlyStatistics::Builder out);
domain::QuarterlyTables tables_from_wire(wire::QuarterlyStatistics::Reader in);

}  // namespace provnet::core
