#include "bench/limit_verdict.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/format.h>

namespace provnet::bench {

namespace {

struct Share {
  std::string_view what;
  double share;
};

int percent(double share) {
  return static_cast<int>(share * 100.0 + 0.5);
}

}  // namespace

std::string limit_verdict(const SideFigures& sender, const SideFigures& receiver) {
  const bool receiver_busier = receiver.busy_share() >= sender.busy_share();
  const SideFigures& side = receiver_busier ? receiver : sender;
  const std::string_view name = receiver_busier ? "receiver" : "sender";
  if (side.busy_share() < kSaturatedShare || side.wall_s <= 0) {
    return fmt::format(
        "limit: network loop / in-flight window (both threads mostly idle: sender busy {}%, "
        "receiver busy {}%)",
        percent(sender.busy_share()), percent(receiver.busy_share()));
  }
  const double wall = side.wall_s;
  std::array<Share, 5> shares{{
      {"LMDB commit (fsync)", side.commit_s / wall},
      {"signature verify", side.verify_s / wall},
      {"signing", side.sign_s / wall},
      {receiver_busier ? "decode/validate/store" : "outbox/settle/encode",
       side.rest_of_core_s() / wall},
      {"TLS/framing", side.network_cpu_s() / wall},
  }};
  std::sort(shares.begin(), shares.end(),
            [](const Share& a, const Share& b) { return a.share > b.share; });
  std::string others;
  for (std::size_t i = 1; i < shares.size(); ++i) {
    if (percent(shares[i].share) == 0) continue;
    if (!others.empty()) others += ", ";
    others += fmt::format("{} {}%", shares[i].what, percent(shares[i].share));
  }
  if (shares[0].what == "LMDB commit (fsync)") {
    return fmt::format("limit: {} LMDB commit (fsync) {}% of {} wall time ({})", name,
                       percent(shares[0].share), name, others);
  }
  return fmt::format("limit: {} CPU ({} {}%, {})", name, shares[0].what, percent(shares[0].share),
                     others);
}

}  // namespace provnet::bench
