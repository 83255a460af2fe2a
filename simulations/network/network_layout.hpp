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

// A regional group of groups.toml: its members peer directly; the national
// node gets a full copy of what they exchange, or only the evidence.
struct RegionalGroup {
  std::string id;
  std::vector<domain::ProvinceCode> members;
  bool national_copy_full = true;  // national_copy = "full" (else "evidence")
};

struct NetworkLayout {
  NodeEndpoint national;
  std::vector<NodeEndpoint> provinces;  // the 32, in code order
  std::vector<RegionalGroup> groups;    // empty when the directory has no groups.toml
  // National first, then the provinces.
  std::vector<const NodeEndpoint*> all() const;
  const NodeEndpoint* province(domain::ProvinceCode code) const;
  // True when a and b share a regional group and every group they share
  // sends the national node evidence only: their direct exchanges must not
  // leave a full copy there (the rule of core::Directory::national_copy).
  bool national_gets_evidence_only(domain::ProvinceCode a, domain::ProvinceCode b) const;
};

// Reads DIR/national.toml and DIR/province-NN.toml for every province, and
// DIR/groups.toml when it is there; an error names the file and what is
// wrong (missing, no [admin] address, a code that disagrees with the file
// name, a group member that is not a province).
Result<NetworkLayout> read_network_layout(const std::string& config_dir);

}  // namespace provnet::network
