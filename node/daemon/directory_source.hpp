// What the national node publishes in its signed directory, read from the
// files its configuration names ([directory] publish_*):
//
//   nodes.toml    one [[node]] per node: code, name, name_en, role, address
//   groups.toml   one [[group]] per regional group: id, name, name_en,
//                 members (province codes), national_copy ("full" or
//                 "evidence")
//   index.tsv     the CA's index (ca/ca_index.hpp): each node's valid
//                 certificate serials, and the revocations
//
// The national node re-reads them every directory.refresh_interval_s and
// publishes a new version when anything changed, so a revocation made with
// `provctl ca revoke` reaches every node within about two refresh intervals
// (one for the national node to see it, one for the nodes to fetch it; the
// national node also pushes a new version to every connected node at once).
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/directory.hpp"

namespace provnet::daemon {

struct DirectorySources {
  std::string nodes_file;
  std::string groups_file;
  std::string ca_index_file;  // empty: publish no serials or revocations
};

// Reads and checks the files; every problem is reported with its file, entry
// and key. `now_unix` decides which certificates are still valid.
struct DirectorySourceCheck {
  std::optional<core::DirectoryContent> content;
  std::vector<std::string> problems;
};
DirectorySourceCheck load_directory_sources(const DirectorySources& sources, std::int64_t now_unix);

}  // namespace provnet::daemon
