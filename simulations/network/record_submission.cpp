#include "network/record_submission.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "domain/migrant_record.hpp"
#include "domain/record_interchange.hpp"

namespace provnet::network {

namespace {

using Clock = std::chrono::steady_clock;

struct ChunkRecord {
  std::string record_id;
  domain::ProvinceCode concerned = 0;  // 0 when the record is too broken to say
};

// Reads the per-item results of one answered chunk into `out`. False, with
// `why`, when the answer is not one result per record sent.
bool take_results(const std::string& body, const std::vector<ChunkRecord>& sent,
                  ProvinceSubmission& out, std::string& why) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("items") ||
      !doc["items"].is_array()) {
    why = "the answer is not {\"items\": [...]}";
    return false;
  }
  const auto& items = doc["items"];
  if (items.size() != sent.size()) {
    why = fmt::format("{} results for {} records", items.size(), sent.size());
    return false;
  }
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& item = items[i];
    std::string status = item.value("status", "");
    ++out.submitted;
    if (status == "accepted" || status == "unchanged") {
      bool unchanged = status == "unchanged";
      ++(unchanged ? out.unchanged : out.accepted);
      std::string id = item.value("record_id", sent[i].record_id);
      out.versions.push_back(AcceptedVersion{std::move(id), item.value("version", 0u), out.code,
                                             sent[i].concerned, unchanged});
    } else {
      ++out.invalid;
      std::set<std::string> fields;
      if (item.contains("errors") && item["errors"].is_array()) {
        for (const auto& e : item["errors"]) {
          std::string field = e.value("field", "?");
          if (fields.insert(field).second) {
            ++out.invalid_by_field[field];
            out.example_by_field.try_emplace(field, e.value("message", ""));
          }
        }
      }
      if (fields.empty()) ++out.invalid_by_field["?"];
    }
  }
  return true;
}

void submit_province(const NodeEndpoint& node, const ProvinceQuota& quota,
                     const QuarterOptions& quarter, const SubmissionOptions& options,
                     ProvinceSubmission& out) {
  out.code = quota.code;
  synth::PopulationGenerator generator = province_generator(quarter, quota.code);
  const HeaderList headers{{"X-Operator-Id", options.operator_id},
                           {"X-Change-Reason", "provdemo synthetic quarter"}};
  auto started = Clock::now();
  std::uint64_t left = quota.records;
  while (left > 0) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, options.chunk_records));
    left -= n;
    std::string body;
    std::vector<ChunkRecord> sent;
    sent.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      synth::GeneratedRecord g = generator.next();
      if (g.fault != synth::Fault::none) ++out.broken_generated;
      sent.push_back(
          ChunkRecord{g.record.record_id, domain::concerned_province_of(g.record).value_or(0)});
      body += domain::record_to_json(g.record).dump();
      body += '\n';
    }
    ++out.chunks;
    // Resending is safe: records already taken come back "unchanged". A 503
    // took nothing; no answer may have taken the chunk or not.
    std::string failure;
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (attempt > 0) {
        ++out.retries;
        std::this_thread::sleep_for(std::chrono::seconds(1 << (attempt - 1)));
      }
      AdminReply reply = admin_post(node.admin, "/v1/records", body, "application/x-ndjson",
                                    headers, options.request_timeout);
      if (reply.status == 200 || reply.status == 422) {
        std::string why;
        if (take_results(reply.body, sent, out, why)) {
          failure.clear();
        } else {
          failure = "HTTP " + std::to_string(reply.status) + ": " + why;
        }
        break;
      }
      failure = reply.describe();
      if (reply.answered() && reply.status != 503) break;  // 400, 415: sending again won't help
    }
    if (!failure.empty()) {
      out.not_submitted += n;
      out.failures.push_back(fmt::format("chunk {} ({} records): {}", out.chunks, n, failure));
    }
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
}

}  // namespace

std::string ProvinceSubmission::top_invalid_field() const {
  std::string best;
  std::uint64_t most = 0;
  for (const auto& [field, n] : invalid_by_field) {
    if (n > most) {
      best = field;
      most = n;
    }
  }
  return best;
}

std::vector<ProvinceSubmission> submit_quarter(const NetworkLayout& layout,
                                               const std::vector<ProvinceQuota>& quotas,
                                               const QuarterOptions& quarter,
                                               const SubmissionOptions& options) {
  std::vector<ProvinceSubmission> out(quotas.size());
  // The largest provinces first, so the threads finish together.
  std::vector<std::size_t> order(quotas.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return quotas[a].records > quotas[b].records;
  });
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k = next++; k < order.size(); k = next++) {
      const ProvinceQuota& quota = quotas[order[k]];
      ProvinceSubmission& result = out[order[k]];
      result.code = quota.code;
      const NodeEndpoint* node = layout.province(quota.code);
      if (node == nullptr) {
        result.not_submitted = quota.records;
        result.failures.push_back("no node configured for this province");
        continue;
      }
      submit_province(*node, quota, quarter, options, result);
    }
  };
  std::vector<std::thread> threads;
  std::size_t n = std::max<std::size_t>(1, std::min(options.parallel, quotas.size()));
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace provnet::network
