// node_code_of: the identity rules of node_identity.hpp, each broken once.
#include <gtest/gtest.h>

#include "ca/node_identity.hpp"
#include "ca_test_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::ca {
namespace {

using testing::TempDir;
using testing::TestPki;

class NodeIdentity : public ::testing::Test {
 protected:
  Result<domain::ProvinceCode> code_of(const HandMadeIdentity& identity) {
    auto certificate = hand_made_certificate(pki_, identity);
    return node_code_of(certificate.get());
  }
  Error error_of(const HandMadeIdentity& identity) {
    auto code = code_of(identity);
    EXPECT_FALSE(code) << "accepted as node " << (code ? int{*code} : -1);
    if (code) return Error{Errc::io, "accepted"};
    EXPECT_EQ(code.error().code, Errc::security);
    return code.error();
  }

  TempDir dir_;
  TestPki pki_{dir_.path()};
};

TEST_F(NodeIdentity, IssuedCertificatesNameTheirNode) {
  for (domain::ProvinceCode code : {0, 11, 44, 65, 66}) {
    auto node = pki_.issue_node_in_memory(code);
    auto found = node_code_of(node.certificate.get());
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(*found, code);
  }
}

TEST_F(NodeIdentity, TheNamesAreTwoDigits) {
  EXPECT_EQ(node_uri(0), "provnet:node:00");
  EXPECT_EQ(node_uri(44), "provnet:node:44");
  EXPECT_EQ(node_common_name(0), "provnet-node-00");
  EXPECT_EQ(node_common_name(11), "provnet-node-11");
  EXPECT_TRUE(is_node_code(0));
  EXPECT_TRUE(is_node_code(66));
  EXPECT_FALSE(is_node_code(10));
  EXPECT_FALSE(is_node_code(99));
}

TEST_F(NodeIdentity, TheSanUriDecidesAndAnUnrelatedCnIsIgnored) {
  auto code = code_of({.common_names = {"operations desk"}, .san_uris = {"provnet:node:32"}});
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, 32);
}

TEST_F(NodeIdentity, OtherUrisAndNamesBesideTheNodeUriAreIgnored) {
  auto code = code_of({.common_names = {"provnet-node-44"},
                       .san_uris = {"https://gd.example.cn/provnet", "provnet:node:44"},
                       .other_san_entries = {"DNS:node44.example.cn"}});
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, 44);
}

TEST_F(NodeIdentity, NoSubjectAltNameIsRefused) {
  Error e = error_of({.common_names = {"provnet-node-44"}});
  EXPECT_TRUE(mentions(e, "has no subjectAltName")) << e.message;
  EXPECT_TRUE(mentions(e, "CN=provnet-node-44, O=provnet (serial 1092)")) << e.message;
}

TEST_F(NodeIdentity, ASubjectAltNameWithoutANodeUriIsRefused) {
  Error e = error_of({.common_names = {"provnet-node-44"},
                      .san_uris = {"https://gd.example.cn"},
                      .other_san_entries = {"DNS:node44.example.cn"}});
  EXPECT_TRUE(mentions(e, "has no provnet:node:NN URI in its subjectAltName")) << e.message;
}

TEST_F(NodeIdentity, TwoNodeUrisAreRefusedEvenWhenEqual) {
  Error two = error_of({.san_uris = {"provnet:node:44", "provnet:node:45"}});
  EXPECT_TRUE(mentions(two,
                       "has 2 provnet URIs in its subjectAltName (\"provnet:node:44\", "
                       "\"provnet:node:45\")"))
      << two.message;
  Error same = error_of({.san_uris = {"provnet:node:44", "provnet:node:44"}});
  EXPECT_TRUE(mentions(same, "names exactly one node")) << same.message;
}

TEST_F(NodeIdentity, TwoSubjectAltNameExtensionsAreRefused) {
  Error e = error_of({.san_uris = {"provnet:node:44"}, .second_san_uris = {"provnet:node:45"}});
  EXPECT_TRUE(mentions(e, "has more than one subjectAltName extension")) << e.message;
}

TEST_F(NodeIdentity, MalformedNodeUrisAreRefused) {
  for (const char* uri : {"provnet:node:4", "provnet:node:044", "provnet:node:4a",
                          "provnet:node:", "provnet:nodes:44", "provnet:node:44/x",
                          "PROVNET:node:44", "Provnet:Node:44"}) {
    Error e = error_of({.san_uris = {uri}});
    EXPECT_TRUE(mentions(e, fmt::format("has the subjectAltName URI \"{}\", which is not of the "
                                        "form provnet:node:NN (NN two digits)",
                                        uri)))
        << e.message;
  }
}

TEST_F(NodeIdentity, UnknownCodesAreRefused) {
  for (const char* code : {"10", "99", "67", "20"}) {
    Error e = error_of({.san_uris = {fmt::format("provnet:node:{}", code)}});
    EXPECT_TRUE(mentions(e, fmt::format("names node {} in its subjectAltName, which is neither "
                                        "the national node (00) nor a province",
                                        code)))
        << e.message;
  }
}

TEST_F(NodeIdentity, ANodeCnThatDisagreesIsRefused) {
  Error e = error_of({.common_names = {"provnet-node-31"}, .san_uris = {"provnet:node:32"}});
  EXPECT_TRUE(mentions(e,
                       "has the subject CN \"provnet-node-31\", which disagrees with its "
                       "subjectAltName URI provnet:node:32 (expected CN=provnet-node-32)"))
      << e.message;
}

TEST_F(NodeIdentity, EveryNodeCnMustAgreeAndMalformedOnesDisagree) {
  Error second = error_of(
      {.common_names = {"provnet-node-32", "provnet-node-31"}, .san_uris = {"provnet:node:32"}});
  EXPECT_TRUE(mentions(second, "\"provnet-node-31\"")) << second.message;
  Error malformed = error_of({.common_names = {"provnet-node-3"}, .san_uris = {"provnet:node:32"}});
  EXPECT_TRUE(mentions(malformed, "disagrees")) << malformed.message;
}

TEST_F(NodeIdentity, PeerChosenTextIsEscapedInMessages) {
  Error e = error_of({.san_uris = {std::string("provnet:node:4\x01")}});
  EXPECT_TRUE(mentions(e, "\"provnet:node:4\\x01\"")) << e.message;
}

}  // namespace
}  // namespace provnet::ca
