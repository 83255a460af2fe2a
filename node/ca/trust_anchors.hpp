// The CA certificates a node trusts, and the one check that decides
// whether a certificate speaks for a node: it chains to them, every
// certificate in the chain is valid at the given time, and it names a node
// (node_identity.hpp).
//
// The TLS layer and the envelope verifier use the same anchors: the TLS
// side gets them with install_into(SSL_CTX*) and, after the handshake, asks
// verify_node_certificate which node the peer is (identity never comes
// from host names).
//
// Copyable and cheap to copy: copies share one immutable set of
// certificates and one X509_STORE, which nothing modifies after
// construction, so copies may be used from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/ssl.h>

#include "ca/openssl_handles.hpp"
#include "ca/validity_period.hpp"
#include "common/result.hpp"
#include "domain/province.hpp"

namespace provnet::ca {

// A node certificate that verified, and for how long the verdict holds:
// the intersection of the validity periods of every certificate in its
// chain (an expiring CA ends its nodes' certificates too).
struct VerifiedNode {
  domain::ProvinceCode code = 0;
  ValidityPeriod chain_validity;
};

class TrustAnchors {
 public:
  // The CA certificates in a PEM file (one or more). Errors name the file;
  // every certificate in it must be a CA (basicConstraints CA:TRUE).
  static Result<TrustAnchors> from_pem_file(const std::string& path);
  // The same from certificates in memory (each is up-referenced, not taken).
  // `source` names them in messages ("the CA file /etc/provnet/ca.pem").
  static Result<TrustAnchors> from_certificates(std::span<X509* const> ca_certificates,
                                                std::string_view source = "the trusted CA list");

  // Which node `leaf` speaks for, if it chains to these anchors and it and
  // every certificate above it are valid at `now_unix`. No purpose or
  // extended key usage is required (the same check serves TLS in both
  // directions and envelope signatures). Security errors say which check
  // failed: "not issued by the provnet CA (unable to get issuer ...)",
  // "expired on <UTC time>", "not valid before <UTC time>", a bad
  // signature, or what node_code_of found wrong.
  Result<domain::ProvinceCode> verify_node_certificate(X509* leaf, std::int64_t now_unix) const;
  // The same, also telling how long the verdict holds.
  Result<VerifiedNode> verify_node(X509* leaf, std::int64_t now_unix) const;

  // Makes `ctx` verify peers against these anchors (and only these): it gets
  // a new X509_STORE of its own holding the same certificates, so whatever
  // the TLS code later adds to it does not change these anchors. The caller
  // still sets SSL_VERIFY_PEER (and FAIL_IF_NO_PEER_CERT on a server).
  Result<void> install_into(SSL_CTX* ctx) const;

  // The anchors' own store, owned by this object (and its copies): valid
  // while any of them lives. Do not add to it or change its parameters.
  X509_STORE* store() const { return shared_->store.get(); }
  const std::vector<CertificateHandle>& certificates() const { return shared_->certificates; }

 private:
  struct Shared {
    StoreHandle store;
    std::vector<CertificateHandle> certificates;
    std::string source;
  };
  explicit TrustAnchors(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}

  std::shared_ptr<const Shared> shared_;
};

}  // namespace provnet::ca
