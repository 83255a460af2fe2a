// Where the nodes of a running network take HTTP requests: the [admin]
// address of national.toml and of each province-NN.toml in a configuration
// directory (scripts/make-config writes them).
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "domain/province.hpp"
#include "network/admin_client.hpp"

namespace provnet::network {

struct NodeEndpoint {
  domain::ProvinceCode code = 0;  // 0: the national node
  std::string name_en;            // "National", "Guangdong", ...
  AdminEndpoint admin;
};

struct NetworkLayout {
  NodeEndpoint national;
  std::vector<NodeEndpoint> provinces;  // the 32, in code order
  // National first, then the provinces.
  std::vector<const NodeEndpoint*> all() const;
  const NodeEndpoint* province(domain::ProvinceCode code) const;
};

// Reads DIR/national.toml and DIR/province-NN.toml for every province; an
// error names the file and what is wrong (missing, no [admin] address, a
// code that disagrees with the file name).
Result<NetworkLayout> read_network_layout(const std::string& config_dir);

}  // namespace provnet::network
