// SHA-256 of bytes (OpenSSL), as 32 raw bytes.
#pragma once

#include <string>
#include <string_view>

namespace provnet::core {

std::string sha256(std::string_view bytes);

}  // namespace provnet::core
