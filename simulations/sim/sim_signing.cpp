#include "sim/sim_signing.hpp"

#include <fmt/format.h>

#include "core/digest.hpp"

namespace provnet::sim {
namespace {

constexpr std::string_view kCertificatePrefix = "provsim-cert/";

std::string secret(std::string_view certificate) {
  return "provsim-secret/" + std::string(certificate);
}

class SimSigner final : public core::EnvelopeSigner {
 public:
  SimSigner(domain::ProvinceCode code, std::uint32_t generation)
      : certificate_(
            fmt::format("{}{:02d}/{}", kCertificatePrefix, code, sim_serial(code, generation))) {}
  wire::SignatureAlgorithm algorithm() const override {
    return wire::SignatureAlgorithm::ECDSA_P256_SHA256;
  }
  std::string_view certificate_der() const override { return certificate_; }
  Result<std::string> sign(std::string_view input) const override {
    return core::sha256(secret(certificate_) + std::string(input));
  }

 private:
  std::string certificate_;
};

class SimVerifier final : public core::SignatureVerifier {
 public:
  Result<void> verify(domain::ProvinceCode author, std::string_view certificate,
                      wire::SignatureAlgorithm, std::string_view input, std::string_view signature,
                      std::int64_t, core::RevokedSigner revoked) override {
    const std::string expected_prefix = fmt::format("{}{:02d}/", kCertificatePrefix, author);
    if (!certificate.starts_with(expected_prefix)) {
      return Error{Errc::security,
                   fmt::format("the signer certificate does not name node {:02d}", author)};
    }
    const std::string serial(certificate.substr(expected_prefix.size()));
    if (revoked == core::RevokedSigner::refuse && revoked_.contains(serial)) {
      return Error{Errc::security,
                   fmt::format("the signer certificate (serial {}) is revoked", serial)};
    }
    if (core::sha256(secret(certificate) + std::string(input)) != signature) {
      return Error{Errc::security, "the signature does not verify"};
    }
    return {};
  }
  void set_revoked_serials(std::set<std::string> serials) override {
    revoked_ = std::move(serials);
  }

 private:
  std::set<std::string> revoked_;
};

}  // namespace

std::string sim_serial(domain::ProvinceCode code, std::uint32_t generation) {
  return fmt::format("5E{:02X}{:04X}", code, generation);
}

std::shared_ptr<const core::EnvelopeSigner> sim_signer(domain::ProvinceCode code,
                                                       std::uint32_t generation) {
  return std::make_shared<SimSigner>(code, generation);
}

std::shared_ptr<core::SignatureVerifier> sim_verifier() {
  return std::make_shared<SimVerifier>();
}

}  // namespace provnet::sim
