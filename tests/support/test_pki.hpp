// Real certificate files for tests: a CA written to a directory (ca.pem,
// ca.key) and node certificates it issues (node-NN.pem, node-NN.key), made
// with node/ca exactly as the national CA makes them. Integration tests use
// it to give provnode processes working TLS identities and signing keys,
// and the broken ones that must be refused: another CA's, an expired one, a
// not-yet-valid one.
//
// Header-only; link provnet_ca. A failure to make a certificate is a bug in
// the test or the library, so it throws (gtest reports the exception and
// fails the test) instead of returning a Result every test must check.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "ca/certificates.hpp"
#include "ca/keys.hpp"
#include "ca/openssl_handles.hpp"
#include "ca/trust_anchors.hpp"
#include "common/result.hpp"
#include "domain/province.hpp"

namespace provnet::testing {

inline constexpr std::int64_t kSecondsPerDay = 86400;

struct NodeCertificateOptions {
  ca::KeyAlgorithm key_algorithm = ca::KeyAlgorithm::ecdsa_p256;
  // Relative to TestPki::now_unix(): valid from an hour ago for 30 days by
  // default. An expired certificate: {-2 days, -1 day}; a not-yet-valid
  // one: {+1 day, +2 days}.
  std::int64_t not_before_offset_s = -3600;
  std::int64_t not_after_offset_s = 30 * kSecondsPerDay;
  // Appended to the file names: node-44<suffix>.pem / .key, so one
  // directory can hold a node's good and broken certificates side by side.
  std::string file_suffix{};
};

struct NodeFiles {
  std::string certificate_path;
  std::string key_path;
};

struct NodeCredentials {
  ca::CertificateHandle certificate;
  ca::KeyHandle key;
};

// The CA a TestPki makes.
struct CaOptions {
  ca::KeyAlgorithm key_algorithm = ca::KeyAlgorithm::ecdsa_p256;
  // The files are <file_stem>.pem and <file_stem>.key: "ca" for the
  // provnet CA, e.g. "foreign-ca" for a second one in the same directory.
  std::string file_stem = "ca";
  std::string common_name = "provnet test CA";
  std::int64_t not_before_offset_s = -kSecondsPerDay;
  std::int64_t not_after_offset_s = 3650 * kSecondsPerDay;
};

class TestPki {
 public:
  // Makes the CA and writes its certificate and key into `directory`
  // (created if missing). Offsets are taken from the real clock at this
  // moment, since the processes under test read the real clock too.
  explicit TestPki(std::filesystem::path directory, CaOptions options = {})
      : directory_(std::move(directory)), now_unix_(static_cast<std::int64_t>(std::time(nullptr))) {
    std::filesystem::create_directories(directory_);
    ca_key_ = take(ca::generate_key(options.key_algorithm), "generating the CA key");
    ca::CertificateSpec spec;
    spec.common_name = options.common_name;
    spec.is_ca = true;
    spec.not_before_unix = now_unix_ + options.not_before_offset_s;
    spec.not_after_unix = now_unix_ + options.not_after_offset_s;
    spec.serial = next_serial();
    ca_certificate_ = take(ca::make_self_signed_ca(ca_key_.get(), spec), "making the CA");
    ca_certificate_path_ = (directory_ / (options.file_stem + ".pem")).string();
    ca_key_path_ = (directory_ / (options.file_stem + ".key")).string();
    write_file(ca_certificate_path_,
               take(ca::certificate_pem(ca_certificate_.get()), "CA certificate PEM"), 0644);
    write_file(ca_key_path_, take(ca::private_key_pem(ca_key_.get()), "CA key PEM"), 0600);
  }

  const std::filesystem::path& directory() const { return directory_; }
  const std::string& ca_certificate_path() const { return ca_certificate_path_; }
  const std::string& ca_key_path() const { return ca_key_path_; }
  X509* ca_certificate() const { return ca_certificate_.get(); }
  EVP_PKEY* ca_key() const { return ca_key_.get(); }
  // The clock reading all offsets are relative to.
  std::int64_t now_unix() const { return now_unix_; }

  ca::TrustAnchors anchors() const {
    X509* certificates[] = {ca_certificate_.get()};
    return take(ca::TrustAnchors::from_certificates(certificates, "the test CA"),
                "trust anchors of the test CA");
  }

  // A node certificate and key in memory, issued by this CA.
  NodeCredentials issue_node_in_memory(domain::ProvinceCode code,
                                       const NodeCertificateOptions& options = {}) {
    NodeCredentials credentials;
    credentials.key = take(ca::generate_key(options.key_algorithm), "generating a node key");
    credentials.certificate =
        take(ca::issue_certificate(ca_certificate_.get(), ca_key_.get(), credentials.key.get(),
                                   node_spec(code, options)),
             "issuing a node certificate");
    return credentials;
  }

  // The same, written to node-NN<suffix>.pem and node-NN<suffix>.key (0600).
  NodeFiles issue_node(domain::ProvinceCode code, const NodeCertificateOptions& options = {}) {
    NodeCredentials credentials = issue_node_in_memory(code, options);
    const std::string stem = fmt::format("node-{:02}{}", code, options.file_suffix);
    NodeFiles files{(directory_ / (stem + ".pem")).string(),
                    (directory_ / (stem + ".key")).string()};
    write_file(files.certificate_path,
               take(ca::certificate_pem(credentials.certificate.get()), "node certificate PEM"),
               0644);
    write_file(files.key_path, take(ca::private_key_pem(credentials.key.get()), "node key PEM"),
               0600);
    return files;
  }

  // The spec issue_node uses, for tests that vary it further.
  ca::CertificateSpec node_spec(domain::ProvinceCode code,
                                const NodeCertificateOptions& options = {}) {
    ca::CertificateSpec spec;
    spec.node_code = code;
    spec.not_before_unix = now_unix_ + options.not_before_offset_s;
    spec.not_after_unix = now_unix_ + options.not_after_offset_s;
    spec.serial = next_serial();
    return spec;
  }

 private:
  template <class T>
  static T take(Result<T> result, std::string_view doing) {
    if (!result) {
      throw std::runtime_error(fmt::format("TestPki: {}: {}", doing, result.error().message));
    }
    return std::move(result).value();
  }

  static void write_file(const std::string& path, const std::string& content, mode_t mode) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << content;
      if (!out) throw std::runtime_error("TestPki: cannot write " + path);
    }
    if (::chmod(path.c_str(), mode) != 0) throw std::runtime_error("TestPki: cannot chmod " + path);
  }

  // Random 62-bit serials: unique across the several CAs a test may make,
  // positive as RFC 5280 wants.
  std::uint64_t next_serial() { return (random_() >> 2) | 1; }

  std::filesystem::path directory_;
  std::int64_t now_unix_;
  std::mt19937_64 random_{std::random_device{}()};
  ca::KeyHandle ca_key_;
  ca::CertificateHandle ca_certificate_;
  std::string ca_certificate_path_;
  std::string ca_key_path_;
};

}  // namespace provnet::testing
