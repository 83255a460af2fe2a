// A node's identity: which node a certificate speaks for. This file is the
// definition; everything that asks "who is this peer?" or "who signed this
// message?" goes through node_code_of.
//
// A node certificate names its node in a subjectAltName URI
//
//     provnet:node:NN
//
// where NN is two ASCII digits: a province code of config/provinces.csv
// (11 .. 66, GB/T 2260, 66 = the XPCC), or 00 for the national node.
// Its subject is CN=provnet-node-NN, O=provnet, for people reading it.
//
// The rules, each a security error when broken:
//  - the certificate has exactly one URI whose scheme is "provnet"
//    (compared without regard to case, so "PROVNET:node:44" cannot slip
//    past as "some other URI"), and it is exactly provnet:node:NN;
//  - NN is 00 or a known province code (find_province);
//  - every subject CN that starts with "provnet-node-" is exactly
//    provnet-node-NN with the same NN. A CN of another form (an operator's
//    name) is not an identity claim and is ignored.
// The SAN URI, not the CN, is authoritative because the CN is free text and
// hostname-independent TLS (ARCHITECTURE.md "Identity and trust") must not
// depend on name matching. Requiring the CN to agree catches certificates
// made by hand with a copy-pasted subject.
//
// node_code_of says nothing about whether the certificate is trusted; that
// is TrustAnchors::verify_node_certificate, which calls it after the chain
// checks out.
#pragma once

#include <string>

#include <openssl/x509.h>

#include "common/result.hpp"
#include "domain/province.hpp"

namespace provnet::ca {

// "provnet:node:44"
std::string node_uri(domain::ProvinceCode code);
// "provnet-node-44"
std::string node_common_name(domain::ProvinceCode code);
// Whether `code` can name a node: 00 or one of the 32 province codes.
bool is_node_code(domain::ProvinceCode code);

Result<domain::ProvinceCode> node_code_of(X509* certificate);

}  // namespace provnet::ca
