// The certificates of the benchmarked link, made at start: a CA (ECDSA
// P-256) and per node a TLS certificate and an envelope-signing certificate,
// issued by node/ca exactly as the national CA issues them
// (tests/support/test_pki.hpp) and written as the PEM files a provnode
// configuration names. With ECDSA signatures the signing certificate is the
// TLS one (provnode's default); with SM2 it is a second, SM2 certificate,
// since TLS 1.3 links stay on ECDSA.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "ca/keys.hpp"
#include "domain/province.hpp"
#include "net/tls_context.hpp"

namespace provnet::bench {

struct NodeCertificateFiles {
  net::TlsFiles tls;  // certificate, private key, CA
  std::string signing_certificate;
  std::string signing_private_key;
};

class LinkCertificates {
 public:
  // Throws std::runtime_error when a certificate cannot be made (a bug, not
  // a condition of the machine).
  LinkCertificates(const std::string& directory, ca::KeyAlgorithm signing_algorithm,
                   const std::vector<domain::ProvinceCode>& nodes);

  const NodeCertificateFiles& files_of(domain::ProvinceCode node) const { return files_.at(node); }

 private:
  std::map<domain::ProvinceCode, NodeCertificateFiles> files_;
};

}  // namespace provnet::bench
