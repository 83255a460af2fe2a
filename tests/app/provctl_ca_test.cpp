// provctl ca on real directories: init, issue (with a key or from a CSR),
// request, revoke, list, crl, run as the built binary.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "app/run_command.hpp"
#include "ca/ca_index.hpp"
#include "ca/certificates.hpp"
#include "ca/keys.hpp"
#include "ca/node_identity.hpp"
#include "ca/revocation_list.hpp"
#include "ca/trust_anchors.hpp"
#include "support/temp_dir.hpp"

namespace provnet {
namespace {

namespace fs = std::filesystem;
using testing::bin;
using testing::run_command;
using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned mode_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 07777;
}

// provctl ca ARGS, with standard error folded into the output.
testing::CommandResult ca(const std::string& args) {
  return run_command(bin("provctl") + " ca " + args + " 2>&1");
}

std::int64_t now_unix() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::vector<ca::IssuedCertificate> index_of(const TempDir& dir) {
  auto entries = ca::read_ca_index(dir.sub("ca/index.tsv"));
  if (!entries) throw std::runtime_error(entries.error().message);
  return *entries;
}

std::string serial_of(const std::string& certificate_path) {
  auto certificate = ca::read_certificate_file(certificate_path);
  if (!certificate) throw std::runtime_error(certificate.error().message);
  return ca::certificate_serial_hex(certificate->get());
}

// Verifies `certificate_path` against the CA's ca.pem the way a node does.
Result<domain::ProvinceCode> verify(const TempDir& dir, const std::string& certificate_path) {
  auto anchors = ca::TrustAnchors::from_pem_file(dir.sub("ca/ca.pem"));
  if (!anchors) return anchors.error();
  auto certificate = ca::read_certificate_file(certificate_path);
  if (!certificate) return certificate.error();
  return anchors->verify_node_certificate(certificate->get(), now_unix());
}

class ProvctlCa : public ::testing::Test {
 protected:
  void SetUp() override {
    auto init = ca("init --dir " + dir_.sub("ca") + " --name 'provnet test national CA'");
    ASSERT_EQ(init.status, 0) << init.out;
  }
  std::string ca_dir() const { return dir_.sub("ca"); }
  TempDir dir_{"provctl-ca"};
};

TEST_F(ProvctlCa, InitMakesTheCaAnEmptyIndexAndAFirstCrl) {
  EXPECT_EQ(mode_of(dir_.sub("ca/ca.key")), 0600u);
  EXPECT_EQ(mode_of(dir_.sub("ca")), 0700u);
  EXPECT_EQ(slurp(dir_.sub("ca/index.tsv")), std::string(ca::kCaIndexHeader) + "\n");
  auto ca_cert = ca::read_certificate_file(dir_.sub("ca/ca.pem"));
  ASSERT_TRUE(ca_cert);
  auto crl = ca::read_crl_file(dir_.sub("ca/crl.pem"), ca_cert->get());
  ASSERT_TRUE(crl) << crl.error().message;
  EXPECT_TRUE(crl->revoked.empty());
  EXPECT_EQ(crl->crl_number, 1u);
  EXPECT_GT(crl->next_update_unix, now_unix() + 29 * 86400);

  // A second init refuses to replace the CA.
  const std::string key_before = slurp(dir_.sub("ca/ca.key"));
  auto again = ca("init --dir " + ca_dir());
  EXPECT_EQ(again.status, 1) << again.out;
  EXPECT_NE(again.out.find("already holds a CA"), std::string::npos) << again.out;
  EXPECT_EQ(slurp(dir_.sub("ca/ca.key")), key_before);
}

TEST_F(ProvctlCa, IssueWritesKey0600AndCertificateAndRecordsItInTheIndex) {
  auto issued = ca("issue --dir " + ca_dir() + " --code 31");
  ASSERT_EQ(issued.status, 0) << issued.out;
  const std::string cert = dir_.sub("ca/node-31.pem");
  const std::string key = dir_.sub("ca/node-31.key");
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_EQ(mode_of(cert), 0644u);
  EXPECT_EQ(issued.out.find("PRIVATE KEY"), std::string::npos) << "a key was printed";
  auto code = verify(dir_, cert);
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, 31);

  auto entries = index_of(dir_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].serial_hex, serial_of(cert));
  EXPECT_EQ(entries[0].code, 31);
  EXPECT_EQ(entries[0].algorithm, "ecdsa-p256");
  EXPECT_FALSE(entries[0].revoked);
  EXPECT_EQ(entries[0].certificate_file, "node-31.pem");
  EXPECT_NEAR(static_cast<double>(entries[0].not_after_unix - entries[0].not_before_unix),
              825.0 * 86400, 400.0);
  EXPECT_EQ(slurp(dir_.sub("ca/issued/" + entries[0].serial_hex + ".pem")), slurp(cert));
  EXPECT_NE(issued.out.find(entries[0].serial_hex), std::string::npos) << issued.out;

  // --node is still accepted (scripts use it), --out elsewhere, SM2.
  auto sm2 = ca("issue --dir " + ca_dir() + " --node 00 --algorithm sm2 --days 30 --out " +
                dir_.sub("national"));
  ASSERT_EQ(sm2.status, 0) << sm2.out;
  EXPECT_EQ(mode_of(dir_.sub("national/node-00.key")), 0600u);
  auto sm2_key = ca::read_private_key_file(dir_.sub("national/node-00.key"));
  ASSERT_TRUE(sm2_key);
  EXPECT_EQ(*ca::key_algorithm_of(sm2_key->get()), ca::KeyAlgorithm::sm2);
  entries = index_of(dir_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].code, 0);
  EXPECT_EQ(entries[1].algorithm, "sm2");
}

TEST_F(ProvctlCa, ASecondCertificateForANodeNeedsForceOrAnotherStem) {
  ASSERT_EQ(ca("issue --dir " + ca_dir() + " --code 44").status, 0);
  const std::string cert_before = slurp(dir_.sub("ca/node-44.pem"));
  const std::string key_before = slurp(dir_.sub("ca/node-44.key"));
  const std::string index_before = slurp(dir_.sub("ca/index.tsv"));

  auto refused = ca("issue --dir " + ca_dir() + " --code 44");
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("node-44.pem already exists"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--force"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--stem"), std::string::npos) << refused.out;
  EXPECT_EQ(slurp(dir_.sub("ca/node-44.pem")), cert_before);
  EXPECT_EQ(slurp(dir_.sub("ca/node-44.key")), key_before);
  EXPECT_EQ(slurp(dir_.sub("ca/index.tsv")), index_before);

  // Renewal beside the files in use: both certificates valid at once.
  auto renewed = ca("issue --dir " + ca_dir() + " --code 44 --stem node-44-next");
  ASSERT_EQ(renewed.status, 0) << renewed.out;
  EXPECT_EQ(mode_of(dir_.sub("ca/node-44-next.key")), 0600u);
  EXPECT_NE(renewed.out.find("also holds valid certificate"), std::string::npos) << renewed.out;
  EXPECT_EQ(slurp(dir_.sub("ca/node-44.pem")), cert_before);
  EXPECT_EQ(*verify(dir_, dir_.sub("ca/node-44.pem")), 44);
  EXPECT_EQ(*verify(dir_, dir_.sub("ca/node-44-next.pem")), 44);

  auto forced = ca("issue --dir " + ca_dir() + " --code 44 --force");
  ASSERT_EQ(forced.status, 0) << forced.out;
  EXPECT_NE(slurp(dir_.sub("ca/node-44.pem")), cert_before);
  EXPECT_EQ(mode_of(dir_.sub("ca/node-44.key")), 0600u);

  auto entries = index_of(dir_);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].certificate_file, "node-44-next.pem");
  EXPECT_NE(entries[0].serial_hex, entries[2].serial_hex);
}

TEST_F(ProvctlCa, RevokeMarksTheIndexAndRegeneratesTheCrl) {
  ASSERT_EQ(ca("issue --dir " + ca_dir() + " --code 31").status, 0);
  ASSERT_EQ(ca("issue --dir " + ca_dir() + " --code 44").status, 0);
  const std::string serial = serial_of(dir_.sub("ca/node-31.pem"));
  // Typed in lower case with leading zeros: the same serial.
  std::string typed = "000";
  for (char c : serial) typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  auto revoked = ca("revoke --dir " + ca_dir() + " --serial " + typed + " --reason superseded");
  ASSERT_EQ(revoked.status, 0) << revoked.out;
  EXPECT_NE(revoked.out.find(serial), std::string::npos) << revoked.out;
  auto entries = index_of(dir_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].revoked);
  EXPECT_EQ(entries[0].reason, "superseded");
  EXPECT_NEAR(static_cast<double>(entries[0].revoked_at_unix), static_cast<double>(now_unix()),
              60.0);
  EXPECT_FALSE(entries[1].revoked);

  auto ca_cert = ca::read_certificate_file(dir_.sub("ca/ca.pem"));
  ASSERT_TRUE(ca_cert);
  auto crl = ca::read_crl_file(dir_.sub("ca/crl.pem"), ca_cert->get());
  ASSERT_TRUE(crl) << crl.error().message;
  ASSERT_EQ(crl->revoked.size(), 1u);
  EXPECT_EQ(crl->revoked[0].serial_hex, serial);
  EXPECT_EQ(crl->revoked[0].reason, "superseded");
  EXPECT_EQ(crl->revoked[0].revoked_at_unix, entries[0].revoked_at_unix);
  EXPECT_EQ(crl->crl_number, 2u);

  if (std::system("command -v openssl >/dev/null 2>&1") == 0) {
    const std::string verify_cmd = "openssl verify -crl_check -CRLfile " + dir_.sub("ca/crl.pem") +
                                   " -CAfile " + dir_.sub("ca/ca.pem") + " ";
    auto refused = run_command(verify_cmd + dir_.sub("ca/node-31.pem") + " 2>&1");
    EXPECT_NE(refused.status, 0) << refused.out;
    EXPECT_NE(refused.out.find("certificate revoked"), std::string::npos) << refused.out;
    EXPECT_EQ(run_command(verify_cmd + dir_.sub("ca/node-44.pem") + " 2>&1").status, 0);
  }

  // crl regenerates with a new number and nextUpdate, same contents.
  auto regenerated = ca("crl --dir " + ca_dir() + " --days 3");
  ASSERT_EQ(regenerated.status, 0) << regenerated.out;
  auto again = ca::read_crl_file(dir_.sub("ca/crl.pem"), ca_cert->get());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->crl_number, 3u);
  EXPECT_EQ(again->revoked.size(), 1u);
  EXPECT_NEAR(static_cast<double>(again->next_update_unix),
              static_cast<double>(now_unix() + 3 * 86400), 60.0);
}

TEST_F(ProvctlCa, AFailedRevokeSaysWhyAndLeavesIndexAndCrlByteIdentical) {
  ASSERT_EQ(ca("issue --dir " + ca_dir() + " --code 31").status, 0);
  const std::string serial = serial_of(dir_.sub("ca/node-31.pem"));
  ASSERT_EQ(
      ca("revoke --dir " + ca_dir() + " --serial " + serial + " --reason keyCompromise").status, 0);
  const std::string index_before = slurp(dir_.sub("ca/index.tsv"));
  const std::string crl_before = slurp(dir_.sub("ca/crl.pem"));

  auto unknown = ca("revoke --dir " + ca_dir() + " --serial 0123ABCD --reason superseded");
  EXPECT_EQ(unknown.status, 1) << unknown.out;
  EXPECT_NE(unknown.out.find("no certificate with serial 0123ABCD"), std::string::npos)
      << unknown.out;
  EXPECT_NE(unknown.out.find("index.tsv"), std::string::npos) << unknown.out;

  auto twice = ca("revoke --dir " + ca_dir() + " --serial " + serial + " --reason superseded");
  EXPECT_EQ(twice.status, 1) << twice.out;
  EXPECT_NE(twice.out.find("already revoked"), std::string::npos) << twice.out;
  EXPECT_NE(twice.out.find("keyCompromise"), std::string::npos) << twice.out;

  auto bad_reason = ca("revoke --dir " + ca_dir() + " --serial " + serial + " --reason lost");
  EXPECT_EQ(bad_reason.status, 2) << bad_reason.out;
  EXPECT_NE(bad_reason.out.find("--reason \"lost\""), std::string::npos) << bad_reason.out;
  EXPECT_NE(bad_reason.out.find("cessationOfOperation"), std::string::npos) << bad_reason.out;

  auto bad_serial = ca("revoke --dir " + ca_dir() + " --serial node-31 --reason superseded");
  EXPECT_EQ(bad_serial.status, 2) << bad_serial.out;
  EXPECT_NE(bad_serial.out.find("--serial \"node-31\""), std::string::npos) << bad_serial.out;

  auto no_reason = ca("revoke --dir " + ca_dir() + " --serial " + serial);
  EXPECT_EQ(no_reason.status, 2) << no_reason.out;

  EXPECT_EQ(slurp(dir_.sub("ca/index.tsv")), index_before);
  EXPECT_EQ(slurp(dir_.sub("ca/crl.pem")), crl_before);
}

TEST_F(ProvctlCa, ListShowsEveryCertificateAsATableAndAsJson) {
  ASSERT_EQ(ca("issue --dir " + ca_dir() + " --code 31").status, 0);
  ASSERT_EQ(ca("issue --dir " + ca_dir() + " --code 65 --algorithm sm2").status, 0);
  const std::string s31 = serial_of(dir_.sub("ca/node-31.pem"));
  const std::string s65 = serial_of(dir_.sub("ca/node-65.pem"));
  ASSERT_EQ(
      ca("revoke --dir " + ca_dir() + " --serial " + s65 + " --reason cessationOfOperation").status,
      0);

  auto table = ca("list --dir " + ca_dir());
  ASSERT_EQ(table.status, 0) << table.out;
  EXPECT_NE(table.out.find("SERIAL"), std::string::npos) << table.out;
  EXPECT_TRUE(std::regex_search(
      table.out,
      std::regex(s31 + R"( +31 +ecdsa-p256 +\d{4}-\d\d-\d\d +\d{4}-\d\d-\d\d +valid +- +-)")))
      << table.out;
  EXPECT_TRUE(std::regex_search(
      table.out,
      std::regex(
          s65 +
          R"( +65 +sm2 +\d{4}-\d\d-\d\d +\d{4}-\d\d-\d\d +revoked +\d{4}-\d\d-\d\d +cessationOfOperation)")))
      << table.out;
  EXPECT_NE(table.out.find("2 certificate(s): 1 valid, 1 revoked"), std::string::npos) << table.out;

  auto json_out = run_command(bin("provctl") + " ca list --json --dir " + ca_dir());
  ASSERT_EQ(json_out.status, 0) << json_out.out;
  auto json = nlohmann::json::parse(json_out.out);
  ASSERT_EQ(json["certificates"].size(), 2u);
  EXPECT_EQ(json["certificates"][0]["serial"], s31);
  EXPECT_EQ(json["certificates"][0]["node"], "31");
  EXPECT_EQ(json["certificates"][0]["status"], "valid");
  EXPECT_TRUE(json["certificates"][0]["reason"].is_null());
  EXPECT_EQ(json["certificates"][1]["serial"], s65);
  EXPECT_EQ(json["certificates"][1]["status"], "revoked");
  EXPECT_EQ(json["certificates"][1]["reason"], "cessationOfOperation");

  auto nothing = ca("list --dir " + dir_.sub("not-a-ca"));
  EXPECT_EQ(nothing.status, 1) << nothing.out;
  EXPECT_NE(nothing.out.find("no CA there"), std::string::npos) << nothing.out;
}

TEST_F(ProvctlCa, AProvinceKeepsItsKeyRequestThenIssueFromTheCsr) {
  const std::string province = dir_.sub("province-31");
  auto requested = ca("request --code 31 --out " + province);
  ASSERT_EQ(requested.status, 0) << requested.out;
  EXPECT_EQ(mode_of(province + "/node-31.key"), 0600u);
  EXPECT_EQ(requested.out.find("PRIVATE KEY"), std::string::npos);
  ASSERT_TRUE(fs::exists(province + "/node-31.csr"));
  // The fingerprint printed on both sides is what the operators compare.
  std::smatch fingerprint;
  ASSERT_TRUE(std::regex_search(requested.out, fingerprint,
                                std::regex("public key SHA-256 ([0-9a-f]{64})")))
      << requested.out;

  const std::string returned = dir_.sub("to-31");
  auto issued = ca("issue --dir " + ca_dir() + " --csr " + province +
                   "/node-31.csr --code 31 --out " + returned);
  ASSERT_EQ(issued.status, 0) << issued.out;
  EXPECT_NE(issued.out.find(fingerprint[1].str()), std::string::npos) << issued.out;
  EXPECT_TRUE(fs::exists(returned + "/node-31.pem"));
  EXPECT_FALSE(fs::exists(returned + "/node-31.key"));  // the key never left the province

  auto code = verify(dir_, returned + "/node-31.pem");
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, 31);
  auto certificate = ca::read_certificate_file(returned + "/node-31.pem");
  ASSERT_TRUE(certificate);
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate->get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, 0);
  ASSERT_EQ(name->type, GEN_URI);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(
                ASN1_STRING_get0_data(name->d.uniformResourceIdentifier))),
            "provnet:node:31");
  GENERAL_NAMES_free(names);
  // It certifies the province's key.
  auto key = ca::read_private_key_file(province + "/node-31.key");
  ASSERT_TRUE(key);
  EXPECT_EQ(X509_check_private_key(certificate->get(), key->get()), 1);

  auto entries = index_of(dir_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].serial_hex, ca::certificate_serial_hex(certificate->get()));

  // An SM2 request works the same way.
  ASSERT_EQ(ca("request --code 31 --algorithm sm2 --stem node-31-sm2 --out " + province).status, 0);
  auto sm2 = ca("issue --dir " + ca_dir() + " --csr " + province + "/node-31-sm2.csr --code 31 " +
                "--stem node-31-sm2 --out " + returned);
  ASSERT_EQ(sm2.status, 0) << sm2.out;
  EXPECT_EQ(*verify(dir_, returned + "/node-31-sm2.pem"), 31);
  EXPECT_EQ(index_of(dir_).back().algorithm, "sm2");

  // A second request does not overwrite the key the node may be using.
  const std::string key_before = slurp(province + "/node-31.key");
  auto again = ca("request --code 31 --out " + province);
  EXPECT_EQ(again.status, 1) << again.out;
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
  EXPECT_EQ(slurp(province + "/node-31.key"), key_before);
}

// A CSR made by hand: subject CN and SAN URIs as given, signed by its key
// (or, with `break_signature`, carrying another key than the one that
// signed it).
std::string hand_made_csr(const std::string& path, const std::string& common_name,
                          const std::vector<std::string>& san_uris, bool break_signature = false) {
  auto key = ca::generate_key(ca::KeyAlgorithm::ecdsa_p256);
  if (!key) throw std::runtime_error(key.error().message);
  X509_REQ* request = X509_REQ_new();
  X509_REQ_set_version(request, 0);
  X509_NAME* subject = X509_REQ_get_subject_name(request);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_REQ_set_pubkey(request, key->get());
  if (!san_uris.empty()) {
    std::string value;
    for (const auto& uri : san_uris) value += (value.empty() ? "URI:" : ",URI:") + uri;
    X509V3_CTX context;
    X509V3_set_ctx(&context, nullptr, nullptr, request, nullptr, 0);
    STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(
        extensions, X509V3_EXT_nconf_nid(nullptr, &context, NID_subject_alt_name, value.c_str()));
    X509_REQ_add_extensions(request, extensions);
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  }
  X509_REQ_sign(request, key->get(), EVP_sha256());
  if (break_signature) {
    auto other = ca::generate_key(ca::KeyAlgorithm::ecdsa_p256);
    X509_REQ_set_pubkey(request, other->get());
  }
  BIO* bio = BIO_new_file(path.c_str(), "w");
  PEM_write_bio_X509_REQ(bio, request);
  BIO_free(bio);
  X509_REQ_free(request);
  return path;
}

TEST_F(ProvctlCa, ACsrNamingAnotherNodeOrBadlySignedIsRefused) {
  const std::string index_before = slurp(dir_.sub("ca/index.tsv"));
  struct Case {
    std::string csr;
    std::string complaint;
  };
  const std::vector<Case> cases = {
      // provctl ca request for 44, presented as 31's.
      {"", "provnet-node-44"},
      {hand_made_csr(dir_.sub("cn.csr"), "provnet-node-44", {}), "\"provnet-node-44\""},
      {hand_made_csr(dir_.sub("cn-case.csr"), "PROVNET-NODE-44", {}), "\"PROVNET-NODE-44\""},
      {hand_made_csr(dir_.sub("san.csr"), "Shanghai population office", {"provnet:node:44"}),
       "\"provnet:node:44\""},
      {hand_made_csr(dir_.sub("two.csr"), "provnet-node-31",
                     {"provnet:node:31", "provnet:node:00"}),
       "\"provnet:node:00\""},
      {hand_made_csr(dir_.sub("forged.csr"), "provnet-node-31", {"provnet:node:31"}, true),
       "self-signature does not verify"},
  };
  ASSERT_EQ(ca("request --code 44 --out " + dir_.sub("p44")).status, 0);
  for (Case c : cases) {
    if (c.csr.empty()) c.csr = dir_.sub("p44/node-44.csr");
    auto refused =
        ca("issue --dir " + ca_dir() + " --csr " + c.csr + " --code 31 --out " + dir_.sub("out"));
    EXPECT_EQ(refused.status, 1) << c.csr << ": " << refused.out;
    EXPECT_NE(refused.out.find(c.complaint), std::string::npos) << c.csr << ": " << refused.out;
    EXPECT_NE(refused.out.find(c.csr), std::string::npos) << refused.out;
    EXPECT_FALSE(fs::exists(dir_.sub("out/node-31.pem")));
  }
  EXPECT_EQ(slurp(dir_.sub("ca/index.tsv")), index_before);

  // A CSR whose names are someone's free text (no node claim) is fine:
  // the certificate's identity comes from --code alone.
  auto plain = ca("issue --dir " + ca_dir() + " --csr " +
                  hand_made_csr(dir_.sub("plain.csr"), "Shanghai population office", {}) +
                  " --code 31 --out " + dir_.sub("out"));
  ASSERT_EQ(plain.status, 0) << plain.out;
  EXPECT_EQ(*verify(dir_, dir_.sub("out/node-31.pem")), 31);

  // --algorithm makes no sense with a CSR (its key decides): a usage error.
  auto both = ca("issue --dir " + ca_dir() + " --csr " + dir_.sub("plain.csr") +
                 " --code 31 --algorithm sm2 --stem x");
  EXPECT_EQ(both.status, 2) << both.out;
}

TEST_F(ProvctlCa, BadOptionValuesAreUsageErrorsNamingTheValue) {
  auto bad_code = ca("issue --dir " + ca_dir() + " --code 99");
  EXPECT_EQ(bad_code.status, 2) << bad_code.out;
  EXPECT_NE(bad_code.out.find("--code 99"), std::string::npos) << bad_code.out;
  auto bad_algorithm = ca("issue --dir " + ca_dir() + " --code 31 --algorithm rsa");
  EXPECT_EQ(bad_algorithm.status, 2) << bad_algorithm.out;
  EXPECT_NE(bad_algorithm.out.find("--algorithm rsa: expected ecdsa-p256 or sm2"),
            std::string::npos)
      << bad_algorithm.out;
  auto bad_stem = ca("issue --dir " + ca_dir() + " --code 31 --stem ca");
  EXPECT_EQ(bad_stem.status, 2) << bad_stem.out;
  auto missing = ca("issue --dir " + ca_dir());
  EXPECT_EQ(missing.status, 2) << missing.out;
  auto no_ca = ca("issue --dir " + dir_.sub("nowhere") + " --code 31");
  EXPECT_EQ(no_ca.status, 1) << no_ca.out;
  EXPECT_NE(no_ca.out.find(dir_.sub("nowhere")), std::string::npos) << no_ca.out;
  auto too_long = ca("issue --dir " + ca_dir() + " --code 31 --days 36500");
  EXPECT_EQ(too_long.status, 1) << too_long.out;
  EXPECT_NE(too_long.out.find("after the CA itself expires"), std::string::npos) << too_long.out;
  EXPECT_TRUE(index_of(dir_).empty());
}

TEST(ProvctlCaSm2, AnSm2RootIssuesCertificatesNodesVerifyAndRevokes) {
  TempDir dir("provctl-ca-sm2");
  auto init = ca("init --dir " + dir.sub("ca") + " --algorithm sm2");
  ASSERT_EQ(init.status, 0) << init.out;
  ASSERT_EQ(ca("issue --dir " + dir.sub("ca") + " --code 11").status, 0);
  ASSERT_EQ(ca("issue --dir " + dir.sub("ca") + " --code 12").status, 0);
  EXPECT_EQ(*verify(dir, dir.sub("ca/node-11.pem")), 11);
  const std::string serial = serial_of(dir.sub("ca/node-11.pem"));
  ASSERT_EQ(ca("revoke --dir " + dir.sub("ca") + " --serial " + serial + " --reason keyCompromise")
                .status,
            0);
  auto ca_cert = ca::read_certificate_file(dir.sub("ca/ca.pem"));
  ASSERT_TRUE(ca_cert);
  auto crl = ca::read_crl_file(dir.sub("ca/crl.pem"), ca_cert->get());
  ASSERT_TRUE(crl) << crl.error().message;
  ASSERT_EQ(crl->revoked.size(), 1u);
  EXPECT_EQ(crl->revoked[0].serial_hex, serial);
  EXPECT_EQ(crl->revoked[0].reason, "keyCompromise");
}

TEST(ProvctlCaSm2, ACsrSignedWithTheGbDefaultSm2IdentifierIsAccepted) {
  // Other SM2 tools sign CSRs with the GB/T identifier 1234567812345678,
  // OpenSSL 3.0 with an empty one by default; issue --csr takes either.
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no openssl binary on PATH";
  }
  TempDir dir("provctl-ca-gm");
  ASSERT_EQ(ca("init --dir " + dir.sub("ca")).status, 0);
  auto made = run_command("openssl genpkey -algorithm SM2 -out " + dir.sub("sm2.key") +
                          " 2>&1 && openssl req -new -key " + dir.sub("sm2.key") +
                          " -sm3 -sigopt distid:1234567812345678 -subj /CN=provnet-node-31 -out " +
                          dir.sub("gm.csr") + " 2>&1");
  ASSERT_EQ(made.status, 0) << made.out;
  auto issued = ca("issue --dir " + dir.sub("ca") + " --csr " + dir.sub("gm.csr") +
                   " --code 31 --out " + dir.sub("out"));
  ASSERT_EQ(issued.status, 0) << issued.out;
  EXPECT_EQ(*verify(dir, dir.sub("out/node-31.pem")), 31);
}

}  // namespace
}  // namespace provnet
