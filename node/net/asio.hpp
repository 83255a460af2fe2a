// The one way provnet includes Boost.Asio. Boost 1.74's awaitable.hpp uses
// std::exchange without including <utility>; under GCC 12 and C++20 that
// fails unless <utility> comes first (BUILD-NOTES.md, pitfall 2).
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace provnet::net {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
}  // namespace provnet::net
