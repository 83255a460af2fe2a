// Pulls a node's whole inbox (GET /v1/inbox?after=S&limit=10000, page by
// page), as a provincial system downloads what was sorted to it.
#pragma once

#include <vector>

#include "common/result.hpp"
#include "network/conservation_check.hpp"
#include "network/network_layout.hpp"

namespace provnet::network {

Result<std::vector<ArrivedEntry>> pull_inbox(const NodeEndpoint& node);

}  // namespace provnet::network
