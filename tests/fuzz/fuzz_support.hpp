// Shared by the fuzz targets (tests/fuzz/*.cpp): a verifier that accepts
// every signature, so that mutated messages reach the code behind the
// signature check (decoding and checking bodies, records, directories);
// the signature checks themselves are fuzzed through the frame target and
// tested with real keys in tests/ca. And a scratch directory that lives as
// long as the process.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "core/signing.hpp"

namespace provnet::fuzz {

class AcceptingVerifier final : public core::SignatureVerifier {
 public:
  Result<void> verify(domain::ProvinceCode, std::string_view, wire::SignatureAlgorithm,
                      std::string_view, std::string_view, std::int64_t,
                      core::RevokedSigner) override {
    return {};
  }
  void set_revoked_serials(std::set<std::string>) override {}
};

// A fixed signer for the national node's or a province's messages in
// the seed generator: the fuzz targets accept any signature.
class PlainSigner final : public core::EnvelopeSigner {
 public:
  wire::SignatureAlgorithm algorithm() const override {
    return wire::SignatureAlgorithm::ECDSA_P256_SHA256;
  }
  std::string_view certificate_der() const override { return "fuzz-certificate"; }
  Result<std::string> sign(std::string_view) const override { return std::string(64, 's'); }
};

// /tmp/provnet-fuzz-<name>-<pid>, removed when the process exits normally.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view name)
      : path_(std::filesystem::temp_directory_path() /
              ("provnet-fuzz-" + std::string(name) + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// 2026-03-02 12:00 China time: inside the bundled holiday calendar.
inline constexpr std::int64_t kFuzzNowMs = 1'772'424'000'000;

}  // namespace provnet::fuzz
