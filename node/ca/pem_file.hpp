// Reading a certificate or key file from disk, with the errors an operator
// needs to fix a node's configuration: which file, and whether it is
// missing, unreadable, a directory, empty, or implausibly large.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace provnet::ca {

// PEM files of certificates and keys are a few KiB; a bigger file is almost
// certainly the wrong path (a log, a store), and reading it whole would be
// a waste before failing anyway.
inline constexpr std::size_t kMaxPemFileBytes = 1 << 20;

// The whole file. `what` names its role for messages ("private key file").
// Errors: not_found when the file does not exist; io when it cannot be read
// (permissions, a directory, a read error); invalid_input when it is empty
// or larger than kMaxPemFileBytes.
Result<std::string> read_pem_file(const std::string& path, std::string_view what);

}  // namespace provnet::ca
