// What TLS 1.3 over loopback alone can carry on this machine, with the same
// certificates, TLS settings (net::make_tls_context) and framing as the
// link: one thread writes frames of a given size (4-byte length, then the
// body; one write per frame, as PeerSession does), another reads them
// (header, then body). No core, no store, no signatures: the ceiling the
// network side puts on the link.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.hpp"
#include "net/asio.hpp"

namespace provnet::bench {

struct RawTlsFigures {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;  // headers included
  double seconds = 0;       // first write to last byte read
  double mb_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0; }
};

// `listener_tls` serves the accepting side, `dialer_tls` the connecting one
// (each needs its own node certificate: both sides authenticate).
Result<RawTlsFigures> measure_raw_tls(net::ssl::context& listener_tls,
                                      net::ssl::context& dialer_tls, std::size_t frame_body_bytes,
                                      std::uint64_t total_bytes);

}  // namespace provnet::bench
