#include "sim/fault_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace provnet::sim {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

std::string span_text(std::int64_t ms) {
  if (ms >= kDay) return fmt::format("{}d{:02d}h", ms / kDay, (ms % kDay) / kHour);
  if (ms >= kHour) return fmt::format("{}h{:02d}m", ms / kHour, (ms % kHour) / kMinute);
  return fmt::format("{}m{:02d}s", ms / kMinute, (ms % kMinute) / 1000);
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::national_outage:
      return "national-outage";
    case FaultKind::group_cut:
      return "group-cut";
    case FaultKind::link_flap:
      return "link-down";
    case FaultKind::crash:
      return "crash";
    case FaultKind::clock_step:
      return "clock-step";
    case FaultKind::revoke:
      return "revoke";
    case FaultKind::disk_full:
      return "disk-full";
  }
  return "?";
}

std::vector<FaultEpisode> plan_faults(synth::Rng& rng, const FaultPlanOptions& o) {
  std::vector<FaultEpisode> plan;
  const std::int64_t window = o.window_end_ms - o.window_start_ms;
  if (window <= kHour || o.provinces.empty()) return plan;
  // An episode of `length`, starting so that it ends inside the window.
  auto episode = [&](FaultKind kind, std::int64_t min_len, std::int64_t max_len) {
    FaultEpisode e;
    e.kind = kind;
    const std::int64_t length = std::min(rng.between(min_len, max_len), window / 2);
    e.start_ms = o.window_start_ms + rng.between(0, window - length);
    e.end_ms = e.start_ms + length;
    return e;
  };
  auto any_province = [&] { return o.provinces[rng.below(o.provinces.size())]; };
  auto any_node = [&]() -> domain::ProvinceCode {
    const std::uint64_t i = rng.below(o.provinces.size() + 1);
    return i == o.provinces.size() ? domain::kNationalCode : o.provinces[i];
  };

  plan.push_back(episode(FaultKind::national_outage, kDay, 3 * kDay));
  if (!o.groups.empty()) {
    FaultEpisode e = episode(FaultKind::group_cut, 6 * kHour, 2 * kDay);
    e.group = o.groups[rng.below(o.groups.size())].id;
    plan.push_back(e);
  }
  const std::int64_t days = std::max<std::int64_t>(1, window / kDay);
  for (std::int64_t i = 0; i < std::max<std::int64_t>(2, days / 8); ++i) {
    FaultEpisode e = episode(FaultKind::link_flap, 10 * kMinute, 6 * kHour);
    // A group link or a national link.
    const RegionGroup* g =
        o.groups.empty() || rng.chance(0.5) ? nullptr : &o.groups[rng.below(o.groups.size())];
    if (g != nullptr && g->members.size() >= 2) {
      std::size_t a = rng.below(g->members.size());
      std::size_t b = (a + 1 + rng.below(g->members.size() - 1)) % g->members.size();
      e.node = g->members[a];
      e.peer = g->members[b];
    } else {
      e.node = any_province();
      e.peer = domain::kNationalCode;
    }
    plan.push_back(e);
  }
  const double node_days = static_cast<double>(days) * (o.provinces.size() + 1);
  const auto crashes = static_cast<std::int64_t>(node_days * o.crashes_per_node_day + 0.5);
  for (std::int64_t i = 0; i < crashes; ++i) {
    FaultEpisode e = episode(FaultKind::crash, 2 * kMinute, 3 * kHour);
    e.node = any_node();
    plan.push_back(e);
  }
  for (int i = 0; i < 2; ++i) {
    FaultEpisode e = episode(FaultKind::clock_step, kHour, 2 * kDay);
    e.node = any_node();
    e.amount_ms = rng.between(10'000, 4 * kMinute) * (rng.chance(0.5) ? 1 : -1);
    plan.push_back(e);
  }
  {
    FaultEpisode e = episode(FaultKind::revoke, 0, 0);
    e.node = any_province();
    plan.push_back(e);
  }
  {
    FaultEpisode e = episode(FaultKind::disk_full, 6 * kHour, 2 * kDay);
    e.node = any_node();
    plan.push_back(e);
  }
  std::stable_sort(plan.begin(), plan.end(), [](const FaultEpisode& a, const FaultEpisode& b) {
    return a.start_ms < b.start_ms;
  });
  return plan;
}

std::string describe(const FaultEpisode& e, std::int64_t origin_ms) {
  const std::int64_t at = e.start_ms - origin_ms;
  std::string what;
  switch (e.kind) {
    case FaultKind::national_outage:
      what = "the national node unreachable";
      break;
    case FaultKind::group_cut:
      what = "group " + e.group + " cut off";
      break;
    case FaultKind::link_flap:
      what = fmt::format("link {:02d}-{:02d} down", e.node, e.peer);
      break;
    case FaultKind::crash:
      what = fmt::format("node {:02d} crashes, restarts after", e.node);
      break;
    case FaultKind::clock_step:
      what = fmt::format("node {:02d} clock {:+d} s", e.node, e.amount_ms / 1000);
      break;
    case FaultKind::revoke:
      what = fmt::format("node {:02d} certificate revoked, re-keyed", e.node);
      break;
    case FaultKind::disk_full:
      what = fmt::format("node {:02d} store full", e.node);
      break;
  }
  return fmt::format("day {} {:02d}:{:02d}  {:<16} {} {}", at / kDay, (at % kDay) / kHour,
                     (at % kHour) / kMinute, fault_kind_name(e.kind), what,
                     e.end_ms > e.start_ms ? span_text(e.end_ms - e.start_ms) : "");
}

}  // namespace provnet::sim
