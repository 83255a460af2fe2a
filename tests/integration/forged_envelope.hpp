// Envelopes built by hand, for clients that impersonate or misbehave: a
// migrant batch with any author and destination, signed with the key of
// any certificate file, exactly as a node would sign it
// (core::signing_input, ca::CertificateKeySigner).
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "ca/envelope_signatures.hpp"
#include "core/record_codec.hpp"
#include "core/wire_codec.hpp"
#include "domain/migrant_record.hpp"
#include "support/test_pki.hpp"

namespace provnet::testing {

// The serialized envelope (a frame's body): `records` as version 1 of
// `author`, addressed to `destination`, signed with `signer`'s key and
// carrying its certificate.
inline std::string signed_migrant_batch(domain::ProvinceCode author,
                                        domain::ProvinceCode destination, std::uint64_t message_id,
                                        std::span<const domain::MigrantRecord> records,
                                        const NodeFiles& signer_files, std::int64_t now_ms) {
  auto signer =
      ca::CertificateKeySigner::load(signer_files.certificate_path, signer_files.key_path);
  if (!signer) throw std::runtime_error("signed_migrant_batch: " + signer.error().message);
  capnp::MallocMessageBuilder builder;
  auto env = builder.initRoot<wire::Envelope>();
  env.setMessageId(message_id);
  env.setAuthor(author);
  env.setDestination(destination);
  env.setCreatedAtMs(now_ms);
  auto versions = env.initBody().initMigrantBatch().initVersions(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    core::record_to_wire(records[i], versions[i].initRecord());
    versions[i].setVersion(1);
    versions[i].setAuthorNode(author);
    versions[i].setChangedAtMs(now_ms);
  }
  env.setSignatureAlgorithm((*signer)->algorithm());
  auto der = (*signer)->certificate_der();
  env.setSignerCertificate(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(der.data()), der.size()));
  auto signature = (*signer)->sign(core::signing_input(env.asReader()));
  if (!signature) throw std::runtime_error("signed_migrant_batch: " + signature.error().message);
  env.setSignature(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(signature->data()), signature->size()));
  return core::serialize_message(builder);
}

}  // namespace provnet::testing
