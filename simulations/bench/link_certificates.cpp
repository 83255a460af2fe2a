#include "bench/link_certificates.hpp"

#include "support/test_pki.hpp"

namespace provnet::bench {

LinkCertificates::LinkCertificates(const std::string& directory, ca::KeyAlgorithm signing_algorithm,
                                   const std::vector<domain::ProvinceCode>& nodes) {
  provnet::testing::CaOptions ca_options;
  ca_options.common_name = "provbench-link CA";
  provnet::testing::TestPki pki(directory, ca_options);
  for (domain::ProvinceCode node : nodes) {
    auto tls = pki.issue_node(node);
    NodeCertificateFiles files;
    files.tls = net::TlsFiles{tls.certificate_path, tls.key_path, pki.ca_certificate_path()};
    files.signing_certificate = tls.certificate_path;
    files.signing_private_key = tls.key_path;
    if (signing_algorithm != ca::KeyAlgorithm::ecdsa_p256) {
      provnet::testing::NodeCertificateOptions options;
      options.key_algorithm = signing_algorithm;
      options.file_suffix = "-signing";
      auto signing = pki.issue_node(node, options);
      files.signing_certificate = signing.certificate_path;
      files.signing_private_key = signing.key_path;
    }
    files_[node] = std::move(files);
  }
}

}  // namespace provnet::bench
