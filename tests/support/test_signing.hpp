// Real signatures for tests of the core: one test CA per test process, and
// one node key and certificate per node code, made on first use. The
// certificates are valid from 60 days ago for 10 years, so tests running on
// a virtual clock near today verify them.
#pragma once

#include <capnp/message.h>

#include <map>
#include <memory>
#include <mutex>

#include "ca/envelope_signatures.hpp"
#include "core/node_core.hpp"
#include "core/wire_codec.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::testing {

class TestSigning {
 public:
  // Shared by every test of the process: making keys is slow, and which
  // test runs first must not matter (each node's key is the same whoever
  // asks first).
  static TestSigning& shared() {
    static TestSigning instance;
    return instance;
  }

  std::shared_ptr<const core::EnvelopeSigner> signer(
      domain::ProvinceCode code, ca::KeyAlgorithm algorithm = ca::KeyAlgorithm::ecdsa_p256) {
    std::lock_guard lock(mutex_);
    auto& s = signers_[{code, algorithm}];
    if (!s) {
      NodeCertificateOptions o;
      o.key_algorithm = algorithm;
      o.not_before_offset_s = -60 * kSecondsPerDay;
      o.not_after_offset_s = 3650 * kSecondsPerDay;
      NodeCredentials c = pki_.issue_node_in_memory(code, o);
      auto made = ca::CertificateKeySigner::from_certificate_and_key(std::move(c.certificate),
                                                                     std::move(c.key));
      if (!made) throw std::runtime_error(made.error().message);
      s = std::shared_ptr<const core::EnvelopeSigner>(std::move(*made));
    }
    return s;
  }

  std::shared_ptr<core::SignatureVerifier> verifier() {
    return std::make_shared<ca::CertificateVerifier>(pki_.anchors());
  }

  // Fills in `code`'s signature on an envelope a test built by hand.
  std::string sign(capnp::MallocMessageBuilder& builder, domain::ProvinceCode code) {
    auto s = signer(code);
    auto env = builder.getRoot<wire::Envelope>();
    env.setSignatureAlgorithm(s->algorithm());
    auto der = s->certificate_der();
    env.setSignerCertificate(
        capnp::Data::Reader(reinterpret_cast<const kj::byte*>(der.data()), der.size()));
    auto sig = s->sign(core::signing_input(env.asReader()));
    if (!sig) throw std::runtime_error(sig.error().message);
    env.setSignature(
        capnp::Data::Reader(reinterpret_cast<const kj::byte*>(sig->data()), sig->size()));
    return core::serialize_message(builder);
  }

  // Adds this process's signer and verifier for `config.self`.
  core::CoreConfig with_keys(core::CoreConfig config) {
    config.signer = signer(config.self);
    config.verifier = verifier();
    return config;
  }

 private:
  TestSigning() : dir_("test-signing"), pki_(dir_.path(), ca_options()) {}
  static CaOptions ca_options() {
    CaOptions o;
    o.not_before_offset_s = -90 * kSecondsPerDay;
    return o;
  }

  TempDir dir_;
  TestPki pki_;
  std::mutex mutex_;
  std::map<std::pair<domain::ProvinceCode, ca::KeyAlgorithm>,
           std::shared_ptr<const core::EnvelopeSigner>>
      signers_;
};

}  // namespace provnet::testing
