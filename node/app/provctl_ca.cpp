// provctl ca: a provnet certificate authority kept in one directory.
//
//   provctl ca init  --dir DIR                 ca.pem, ca.key (0600), serial
//   provctl ca issue --dir DIR --node 31       node-31.pem, node-31.key (0600)
//
// A node certificate names its node in a SAN URI provnet:node:NN and in its
// subject CN provnet-node-NN (ca/node_identity.hpp); it is both a TLS server
// and client certificate, and signs the node's envelopes. --algorithm sm2
// issues an SM2 key for envelope signatures (signing.certificate); TLS keys
// stay ECDSA P-256.
#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/provctl_commands.hpp"
#include "ca/certificates.hpp"
#include "ca/keys.hpp"
#include "ca/node_identity.hpp"
#include "ca/pem_file.hpp"
#include "domain/province.hpp"

namespace provnet::app {

namespace {

namespace fs = std::filesystem;

Result<void> write_file(const fs::path& path, const std::string& content, mode_t mode) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{Errc::io, fmt::format("{}: cannot write", tmp.string())};
    out << content;
    if (!out.flush()) return Error{Errc::io, fmt::format("{}: write failed", tmp.string())};
  }
  if (::chmod(tmp.c_str(), mode) != 0) {
    return Error{Errc::io, fmt::format("{}: cannot set permissions", tmp.string())};
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error{Errc::io, fmt::format("{}: {}", path.string(), ec.message())};
  return {};
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<ca::KeyAlgorithm> algorithm_from(const std::string& name) {
  if (name == "ecdsa-p256") return ca::KeyAlgorithm::ecdsa_p256;
  if (name == "sm2") return ca::KeyAlgorithm::sm2;
  return Error{Errc::invalid_input,
               fmt::format("--algorithm {}: expected ecdsa-p256 or sm2", name)};
}

// The next serial, kept in DIR/serial so two issues never share one.
Result<std::uint64_t> take_serial(const fs::path& dir) {
  fs::path file = dir / "serial";
  std::uint64_t next = 2;  // 1 is the CA's own
  if (fs::exists(file)) {
    std::ifstream in(file);
    if (!(in >> next)) {
      return Error{Errc::corrupt, fmt::format("{}: not a serial number", file.string())};
    }
  }
  auto written = write_file(file, std::to_string(next + 1) + "\n", 0644);
  if (!written) return written.error();
  return next;
}

int fail(std::string_view what, const Error& e) {
  std::cerr << "provctl ca " << what << ": " << e.message << '\n';
  return 2;
}

}  // namespace

int run_ca_init(const CaInitOptions& o) {
  fs::path dir(o.dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (fs::exists(dir / "ca.key")) {
    return fail("init", Error{Errc::conflict, fmt::format("{} already holds a CA (ca.key); "
                                                          "refusing to replace it",
                                                          dir.string())});
  }
  auto alg = algorithm_from(o.algorithm);
  if (!alg) return fail("init", alg.error());
  auto key = ca::generate_key(*alg);
  if (!key) return fail("init", key.error());
  ca::CertificateSpec spec;
  spec.common_name = o.name;
  spec.is_ca = true;
  spec.not_before_unix = now_unix() - 300;
  spec.not_after_unix = now_unix() + std::int64_t{o.days} * 86'400;
  spec.serial = 1;
  auto cert = ca::make_self_signed_ca(key->get(), spec);
  if (!cert) return fail("init", cert.error());
  auto key_pem = ca::private_key_pem(key->get());
  auto cert_pem = ca::certificate_pem(cert->get());
  if (!key_pem) return fail("init", key_pem.error());
  if (!cert_pem) return fail("init", cert_pem.error());
  if (auto w = write_file(dir / "ca.key", *key_pem, 0600); !w) return fail("init", w.error());
  if (auto w = write_file(dir / "ca.pem", *cert_pem, 0644); !w) return fail("init", w.error());
  std::cout << fmt::format("CA \"{}\" in {}: ca.pem, ca.key; valid {} days\n", o.name, dir.string(),
                           o.days);
  return 0;
}

int run_ca_issue(const CaIssueOptions& o) {
  fs::path dir(o.dir);
  std::optional<domain::ProvinceCode> code;
  if (o.node == "00") {
    code = domain::kNationalCode;
  } else if (auto p = domain::parse_province_code(o.node)) {
    code = *p;
  }
  if (!code) {
    return fail("issue",
                Error{Errc::invalid_input,
                      fmt::format("--node {}: expected 00 or a province code such as 31", o.node)});
  }
  auto alg = algorithm_from(o.algorithm);
  if (!alg) return fail("issue", alg.error());
  auto ca_cert = ca::read_certificate_file((dir / "ca.pem").string());
  if (!ca_cert) return fail("issue", ca_cert.error());
  auto ca_key = ca::read_private_key_file((dir / "ca.key").string());
  if (!ca_key) return fail("issue", ca_key.error());
  auto key = ca::generate_key(*alg);
  if (!key) return fail("issue", key.error());
  auto serial = take_serial(dir);
  if (!serial) return fail("issue", serial.error());
  ca::CertificateSpec spec;
  spec.node_code = *code;
  spec.not_before_unix = now_unix() - 300;
  spec.not_after_unix = now_unix() + std::int64_t{o.days} * 86'400;
  spec.serial = *serial;
  auto cert = ca::issue_certificate(ca_cert->get(), ca_key->get(), key->get(), spec);
  if (!cert) return fail("issue", cert.error());
  std::string stem =
      o.stem.empty() ? fmt::format("node-{}", domain::province_code_text(*code)) : o.stem;
  auto key_pem = ca::private_key_pem(key->get());
  auto cert_pem = ca::certificate_pem(cert->get());
  if (!key_pem) return fail("issue", key_pem.error());
  if (!cert_pem) return fail("issue", cert_pem.error());
  if (auto w = write_file(dir / (stem + ".key"), *key_pem, 0600); !w)
    return fail("issue", w.error());
  if (auto w = write_file(dir / (stem + ".pem"), *cert_pem, 0644); !w)
    return fail("issue", w.error());
  std::cout << fmt::format("{}.pem, {}.key: node {} ({}), serial {}, valid {} days\n", stem, stem,
                           domain::province_code_text(*code), ca::key_algorithm_name(*alg), *serial,
                           o.days);
  return 0;
}

}  // namespace provnet::app
