// provctl audit verify: checks a store's audit chain offline. A copy of a
// live store (provctl store backup, or any LMDB copy) is fine, and so is
// the live store itself: LMDB readers never block the node.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/provctl_commands.hpp"
#include "core/audit_chain.hpp"
#include "store/store.hpp"
#include "store/tables.hpp"

namespace provnet::app {

int run_audit_verify(const AuditVerifyOptions& o) {
  store::StoreOptions so;
  so.path = o.store_path;
  so.read_only = true;
  auto opened = store::Store::open(so);
  if (!opened) {
    std::cerr << fmt::format("provctl audit verify: {}\n", opened.error().message);
    return 2;
  }
  auto txn = (*opened)->begin_read();
  if (!txn) {
    std::cerr << fmt::format("provctl audit verify: {}\n", txn.error().message);
    return 2;
  }
  auto node = store::meta_get_u64(*txn, store::kNodeCodeMetaKey);
  auto report = core::verify_chain(*txn);
  if (!report || !node) {
    std::cerr << fmt::format("provctl audit verify: {}\n",
                             (!report ? report.error() : node.error()).message);
    return 2;
  }
  const std::string node_text =
      *node ? std::string(domain::province_code_text(static_cast<domain::ProvinceCode>(**node)))
            : std::string("unclaimed");
  if (o.json) {
    nlohmann::ordered_json j{{"store", o.store_path},
                             {"node", node_text},
                             {"ok", !report->problem},
                             {"entries", report->entries},
                             {"head", core::hex(report->head.hash)},
                             {"algorithm", core::hash_algorithm_name(report->head.algorithm)}};
    if (report->problem) {
      j["first_bad_entry"] = report->problem->seq;
      j["problem"] = report->problem->message;
    }
    std::cout << j.dump() << '\n';
  } else if (report->problem) {
    std::cout << fmt::format(
        "audit chain of node {} in {}: BROKEN\n  first bad entry: {}\n  {}\n  entries 1 to {} "
        "verify ({})\n",
        node_text, o.store_path, report->problem->seq, report->problem->message,
        report->problem->seq > 0 ? report->problem->seq - 1 : 0,
        core::hash_algorithm_name(report->head.algorithm));
  } else {
    std::cout << fmt::format("audit chain of node {} in {}: OK\n  {} entries, {} head {}\n",
                             node_text, o.store_path, report->entries,
                             core::hash_algorithm_name(report->head.algorithm),
                             core::hex(report->head.hash));
  }
  return report->problem ? 1 : 0;
}

}  // namespace provnet::app
