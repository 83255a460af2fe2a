// The CA index (DIR/index.tsv): round trip, the exact file format, and the
// errors a damaged line gives (path:line, column, what was found/expected).
#include "ca/ca_index.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ca/ca_test_support.hpp"
#include "ca/certificates.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace provnet::ca {
namespace {

using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::vector<IssuedCertificate> sample_entries() {
  return {
      IssuedCertificate{.serial_hex = "3A5F09C2D1E4B877",
                        .code = 31,
                        .algorithm = "ecdsa-p256",
                        .not_before_unix = 1'767'225'600,
                        .not_after_unix = 1'838'505'600,
                        .reason = {},
                        .certificate_file = "node-31.pem"},
      IssuedCertificate{.serial_hex = "0A",
                        .code = 0,
                        .algorithm = "sm2",
                        .not_before_unix = 1'700'000'000,
                        .not_after_unix = 1'771'280'000,
                        .revoked = true,
                        .revoked_at_unix = 1'750'000'000,
                        .reason = "keyCompromise",
                        .certificate_file = "node-00-sm2.pem"},
      IssuedCertificate{.serial_hex = "7FFFFFFFFFFFFFFF",
                        .code = 66,
                        .algorithm = "ecdsa-p256",
                        .not_before_unix = 1'700'000'000,
                        .not_after_unix = 1'771'280'000,
                        .revoked = true,
                        .revoked_at_unix = 1'760'000'000,
                        .reason = "superseded",
                        .certificate_file = "node-66.pem"},
  };
}

void expect_same(const IssuedCertificate& a, const IssuedCertificate& b) {
  EXPECT_EQ(a.serial_hex, b.serial_hex);
  EXPECT_EQ(a.code, b.code);
  EXPECT_EQ(a.algorithm, b.algorithm);
  EXPECT_EQ(a.not_before_unix, b.not_before_unix);
  EXPECT_EQ(a.not_after_unix, b.not_after_unix);
  EXPECT_EQ(a.revoked, b.revoked);
  EXPECT_EQ(a.revoked_at_unix, b.revoked_at_unix);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.certificate_file, b.certificate_file);
}

constexpr std::string_view kValidLine =
    "3A5F09C2D1E4B877\t31\tecdsa-p256\t1767225600\t1838505600\tvalid\t0\t-\tnode-31.pem";

TEST(CaIndex, RoundTripsEveryField) {
  TempDir dir;
  const std::string path = dir.sub("index.tsv");
  const auto entries = sample_entries();
  ASSERT_TRUE(write_ca_index(path, entries));
  auto read = read_ca_index(path);
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) expect_same((*read)[i], entries[i]);
  // Writing what was read gives the same bytes.
  const std::string first = slurp(path);
  ASSERT_TRUE(write_ca_index(path, *read));
  EXPECT_EQ(slurp(path), first);
}

TEST(CaIndex, HasAHeaderLineAndOneTabSeparatedLinePerCertificate) {
  TempDir dir;
  const std::string path = dir.sub("index.tsv");
  ASSERT_TRUE(write_ca_index(path, sample_entries()));
  EXPECT_EQ(slurp(path),
            "# serial\tnode\talgorithm\tnot_before\tnot_after\tstatus\trevoked_at\treason\t"
            "certificate_file\n" +
                std::string(kValidLine) +
                "\n"
                "0A\t00\tsm2\t1700000000\t1771280000\trevoked\t1750000000\tkeyCompromise\t"
                "node-00-sm2.pem\n"
                "7FFFFFFFFFFFFFFF\t66\tecdsa-p256\t1700000000\t1771280000\trevoked\t1760000000\t"
                "superseded\tnode-66.pem\n");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
}

TEST(CaIndex, AMissingFileIsAnEmptyIndexAndAnEmptyIndexIsJustTheHeader) {
  TempDir dir;
  auto none = read_ca_index(dir.sub("index.tsv"));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(write_ca_index(dir.sub("index.tsv"), {}));
  EXPECT_EQ(slurp(dir.sub("index.tsv")), std::string(kCaIndexHeader) + "\n");
  auto empty = read_ca_index(dir.sub("index.tsv"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(CaIndex, SerialsAreWrittenAsCertificateSerialHexWritesThem) {
  TempDir dir;
  testing::TestPki pki(dir.path());
  // certificate_serial_hex writes whole bytes: serial 10 is "0A".
  auto key = generate_key(KeyAlgorithm::ecdsa_p256);
  ASSERT_TRUE(key);
  CertificateSpec spec;
  spec.node_code = 44;
  spec.not_before_unix = pki.now_unix();
  spec.not_after_unix = pki.now_unix() + 86400;
  spec.serial = 10;
  auto certificate = issue_certificate(pki.ca_certificate(), pki.ca_key(), key->get(), spec);
  ASSERT_TRUE(certificate);
  const std::string hex = certificate_serial_hex(certificate->get());
  EXPECT_EQ(hex, "0A");
  EXPECT_EQ(canonical_serial_hex("a"), hex);
  EXPECT_EQ(canonical_serial_hex("000a"), hex);
  EXPECT_EQ(canonical_serial_hex("0A"), hex);
  EXPECT_EQ(canonical_serial_hex("3a5f09c2d1e4b877"), "3A5F09C2D1E4B877");
  EXPECT_EQ(canonical_serial_hex("ABC"), "0ABC");
  EXPECT_FALSE(canonical_serial_hex(""));
  EXPECT_FALSE(canonical_serial_hex("000"));
  EXPECT_FALSE(canonical_serial_hex("0x1F"));
  EXPECT_FALSE(canonical_serial_hex("12 34"));
}

struct BadLine {
  std::string name;
  std::string line;
  std::string column;    // "column N (name)" or "" for a column-count error
  std::string found;     // must appear in the message
  std::string expected;  // must appear in the message
};

class CaIndexBadLine : public ::testing::TestWithParam<BadLine> {};

TEST_P(CaIndexBadLine, NamesPathLineColumnFoundAndExpected) {
  TempDir dir;
  const std::string path = dir.sub("index.tsv");
  // Header, a good line, then the bad one: line 3.
  spit(path, std::string(kCaIndexHeader) + "\n" +
                 "0B\t44\tecdsa-p256\t1700000000\t1771280000\tvalid\t0\t-\tnode-44.pem\n" +
                 GetParam().line + "\n");
  auto read = read_ca_index(path);
  ASSERT_FALSE(read);
  const Error& e = read.error();
  EXPECT_EQ(e.code, Errc::corrupt);
  EXPECT_TRUE(mentions(e, path + ":3: ")) << e.message;
  if (!GetParam().column.empty()) {
    EXPECT_TRUE(mentions(e, GetParam().column)) << e.message;
  }
  EXPECT_TRUE(mentions(e, GetParam().found)) << e.message;
  EXPECT_TRUE(mentions(e, GetParam().expected)) << e.message;
}

std::string with_field(std::size_t index, const std::string& value) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in{std::string(kValidLine)};
  while (std::getline(in, field, '\t')) fields.push_back(field);
  fields[index] = value;
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "\t" : "") + fields[i];
  return line;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, CaIndexBadLine,
    ::testing::Values(
        BadLine{"TooFewColumns", "3A5F\t31\tecdsa-p256", "", "found 3", "expected 9"},
        BadLine{"SpacesNotTabs", "3A5F 31 ecdsa-p256 1 2 valid 0 - node-31.pem", "", "found 1",
                "expected 9"},
        BadLine{"LowerCaseSerial", with_field(0, "3a5f09c2d1e4b877"), "column 1 (serial)",
                "\"3a5f09c2d1e4b877\"", "upper-case hex"},
        BadLine{"SerialNotHex", with_field(0, "XYZ"), "column 1 (serial)", "\"XYZ\"", "hex"},
        BadLine{"NodeNotTwoDigits", with_field(1, "3"), "column 2 (node)", "\"3\"", "two digits"},
        BadLine{"UnknownNode", with_field(1, "99"), "column 2 (node)", "\"99\"", "province code"},
        BadLine{"UnknownAlgorithm", with_field(2, "rsa"), "column 3 (algorithm)", "\"rsa\"",
                "ecdsa-p256 or sm2"},
        BadLine{"NotBeforeNotANumber", with_field(3, "yesterday"), "column 4 (not_before)",
                "\"yesterday\"", "Unix seconds"},
        BadLine{"NotAfterBeforeNotBefore", with_field(4, "1000"), "column 5 (not_after)",
                "\"1000\"", "later than not_before"},
        BadLine{"UnknownStatus", with_field(5, "active"), "column 6 (status)", "\"active\"",
                "valid or revoked"},
        BadLine{"ValidWithARevocationTime", with_field(6, "1750000000"), "column 7 (revoked_at)",
                "\"1750000000\"", "0 for an entry that is valid"},
        BadLine{"ValidWithAReason", with_field(7, "superseded"), "column 8 (reason)",
                "\"superseded\"", "valid"},
        BadLine{"RevokedWithoutTime",
                "0C\t44\tsm2\t1700000000\t1771280000\trevoked\t0\tsuperseded\tnode-44.pem",
                "column 7 (revoked_at)", "\"0\"", "revocation time"},
        BadLine{"RevokedWithUnknownReason",
                "0C\t44\tsm2\t1700000000\t1771280000\trevoked\t1750000000\tlost\tnode-44.pem",
                "column 8 (reason)", "\"lost\"", "keyCompromise"},
        BadLine{"FileNameWithASlash", with_field(8, "../node-31.pem"),
                "column 9 (certificate_file)", "\"../node-31.pem\"", "a file name"},
        BadLine{"DuplicateSerial",
                "0B\t31\tecdsa-p256\t1700000000\t1771280000\tvalid\t0\t-\tnode-31.pem",
                "column 1 (serial)", "\"0B\"", "line 2 has it already"}),
    [](const auto& info) { return info.param.name; });

TEST(CaIndex, WriteRefusesAnEntryItCouldNotReadBackAndLeavesTheFileAlone) {
  TempDir dir;
  const std::string path = dir.sub("index.tsv");
  ASSERT_TRUE(write_ca_index(path, sample_entries()));
  const std::string before = slurp(path);
  for (auto mutate : std::vector<void (*)(IssuedCertificate&)>{
           [](IssuedCertificate& e) { e.serial_hex = "3a5f"; },
           [](IssuedCertificate& e) { e.code = 99; },
           [](IssuedCertificate& e) { e.algorithm = "rsa"; },
           [](IssuedCertificate& e) { e.reason = "superseded"; },  // but not revoked
           [](IssuedCertificate& e) { e.certificate_file = "a\tb"; },
           [](IssuedCertificate& e) { e.serial_hex = "0A"; },  // the second entry's
       }) {
    auto entries = sample_entries();
    mutate(entries[0]);
    auto written = write_ca_index(path, entries);
    ASSERT_FALSE(written);
    EXPECT_TRUE(mentions(written.error(), path)) << written.error().message;
    EXPECT_EQ(slurp(path), before);
  }
  // No temporary file is left behind either.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(CaIndex, CommentsBlankLinesAndCrlfAreTolerated) {
  TempDir dir;
  const std::string path = dir.sub("index.tsv");
  spit(path,
       std::string(kCaIndexHeader) + "\r\n# a note\r\n\r\n" + std::string(kValidLine) + "\r\n");
  auto read = read_ca_index(path);
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front().certificate_file, "node-31.pem");
}

TEST(CaIndex, AnUnreadableIndexIsAnIoErrorNamingIt) {
  TempDir dir;
  std::filesystem::create_directory(dir.sub("index.tsv"));  // a directory, not a file
  auto read = read_ca_index(dir.sub("index.tsv"));
  ASSERT_FALSE(read);
  EXPECT_TRUE(mentions(read.error(), dir.sub("index.tsv"))) << read.error().message;
}

TEST(WriteFileAtomically, CreatesWithTheModeAndRefusesToReplaceUnlessAsked) {
  TempDir dir;
  const std::string path = dir.sub("node-31.key");
  ASSERT_TRUE(write_file_atomically(path, "secret\n", 0600, false));
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = write_file_atomically(path, "other\n", 0600, false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_TRUE(mentions(again.error(), path + " already exists")) << again.error().message;
  EXPECT_EQ(slurp(path), "secret\n");
  ASSERT_TRUE(write_file_atomically(path, "other\n", 0644, true));
  EXPECT_EQ(slurp(path), "other\n");
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(RevocationReasons, AreTheFiveRfcNames) {
  for (std::string_view r : {"unspecified", "keyCompromise", "affiliationChanged", "superseded",
                             "cessationOfOperation"}) {
    EXPECT_TRUE(is_revocation_reason(r)) << r;
  }
  EXPECT_FALSE(is_revocation_reason("keycompromise"));
  EXPECT_FALSE(is_revocation_reason("certificateHold"));
  EXPECT_FALSE(is_revocation_reason(""));
}

}  // namespace
}  // namespace provnet::ca
