#include "network/conservation_check.hpp"

#include <fmt/format.h>

#include <map>
#include <unordered_map>

namespace provnet::network {

namespace {

std::string key_of(const std::string& record_id, std::uint32_t version) {
  return record_id + '#' + std::to_string(version);
}

std::string code(domain::ProvinceCode c) {
  return std::string(domain::province_code_text(c));
}

}  // namespace

ConservationResult check_conservation(const std::vector<AcceptedVersion>& accepted,
                                      const std::vector<ArrivedEntry>& arrived,
                                      const EvidenceOnlyRule& evidence_only,
                                      std::size_t max_examples_per_kind) {
  ConservationResult r;
  std::map<std::string, std::size_t> shown;  // examples per kind
  auto example = [&](const char* kind, std::string text) {
    if (shown[kind]++ < max_examples_per_kind)
      r.examples.push_back(fmt::format("{}: {}", kind, text));
  };

  std::unordered_map<std::string, std::size_t> index;  // key -> position in accepted
  index.reserve(accepted.size());
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    // The same version twice in the ledger (a chunk resent after a lost
    // answer comes back "unchanged") is one version.
    if (index.emplace(key_of(accepted[i].record_id, accepted[i].version), i).second) ++r.expected;
  }
  std::vector<std::uint32_t> arrivals(accepted.size(), 0);
  std::vector<std::uint32_t> copies(accepted.size(), 0);  // at the national node
  for (const ArrivedEntry& e : arrived) {
    if (e.kind == "rejected") {
      ++r.refused;
      example("refused downstream",
              fmt::format("{} v{} (noted at {})", e.record_id, e.version, code(e.at)));
      continue;
    }
    if (e.kind != "record") continue;
    ++r.arrived_entries;
    auto it = index.find(key_of(e.record_id, e.version));
    if (it == index.end()) {
      ++r.never_accepted;
      example("never accepted", fmt::format("{} v{} at {} from {}", e.record_id, e.version,
                                            code(e.at), code(e.author)));
      continue;
    }
    const AcceptedVersion& a = accepted[it->second];
    if (e.at == domain::kNationalCode) {
      ++r.national_copies;
      if (e.author != a.author) {
        ++r.wrong_author;
        example("wrong author", fmt::format("{} v{} at 00: author {}, accepted by {}", e.record_id,
                                            e.version, code(e.author), code(a.author)));
      } else if (evidence_only && evidence_only(a.author, a.concerned)) {
        ++r.national_copy_forbidden;
        example("national copy of an evidence-only exchange",
                fmt::format("{} v{} from {} to {}", e.record_id, e.version, code(a.author),
                            code(a.concerned)));
      } else {
        ++copies[it->second];
      }
      continue;
    }
    if (e.at != a.concerned) {
      ++r.elsewhere;
      example("arrived elsewhere", fmt::format("{} v{} at {}, concerns {}", e.record_id, e.version,
                                               code(e.at), code(a.concerned)));
      continue;
    }
    if (e.author != a.author) {
      ++r.wrong_author;
      example("wrong author", fmt::format("{} v{} at {}: author {}, accepted by {}", e.record_id,
                                          e.version, code(e.at), code(e.author), code(a.author)));
      continue;
    }
    ++arrivals[it->second];
  }
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    const AcceptedVersion& a = accepted[i];
    if (index.at(key_of(a.record_id, a.version)) != i) continue;  // a repeat
    if (copies[i] > 1) {
      ++r.national_copy_duplicated;
      example("national copy duplicated",
              fmt::format("{} v{} x{} at 00", a.record_id, a.version, copies[i]));
    }
    if (arrivals[i] == 1) {
      ++r.delivered_once;
    } else if (arrivals[i] == 0) {
      ++r.missing;
      example("missing", fmt::format("{} v{} from {}, due at {}", a.record_id, a.version,
                                     code(a.author), code(a.concerned)));
    } else {
      ++r.duplicated;
      example("duplicated", fmt::format("{} v{} x{} at {}", a.record_id, a.version, arrivals[i],
                                        code(a.concerned)));
    }
  }
  return r;
}

}  // namespace provnet::network
