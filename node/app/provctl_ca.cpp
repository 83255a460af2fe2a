// provctl ca: the national CA, kept in one directory DIR.
//
//   provctl ca init    --dir DIR [--algorithm ecdsa-p256|sm2]
//                        ca.pem, ca.key (0600), index.tsv, crl.pem, crlnumber
//   provctl ca issue   --dir DIR --code 31 [--out O] [--algorithm ..] [--force|--stem S]
//                        O/node-31.pem, O/node-31.key (0600); an index line
//   provctl ca issue   --dir DIR --csr FILE --code 31 [--out O]
//                        O/node-31.pem for a key the province keeps
//   provctl ca request --code 31 --out O       (province side) node-31.key, node-31.csr
//   provctl ca revoke  --dir DIR --serial S --reason R
//   provctl ca list    --dir DIR [--json]
//   provctl ca crl     --dir DIR [--days N]
//
// A node certificate names its node in a SAN URI provnet:node:NN and in its
// subject CN provnet-node-NN (ca/node_identity.hpp); it is both a TLS server
// and client certificate, and signs the node's envelopes. --algorithm sm2
// issues an SM2 key for envelope signatures (signing.certificate); TLS keys
// stay ECDSA P-256. Every issued certificate is recorded in DIR/index.tsv
// (ca/ca_index.hpp) and kept as DIR/issued/<serial>.pem; revoking marks its
// line and regenerates DIR/crl.pem (ca/revocation_list.hpp).
//
// Exit status: 0 done, 1 the operation failed (nothing half-done is left:
// files are written whole or not at all), 2 an option value is unusable.
// Private keys are created 0600 from the first byte and never printed.
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "app/provctl_commands.hpp"
#include "ca/ca_index.hpp"
#include "ca/certificates.hpp"
#include "ca/keys.hpp"
#include "ca/node_identity.hpp"
#include "ca/pem_file.hpp"
#include "ca/revocation_list.hpp"
#include "ca/validity_period.hpp"
#include "domain/province.hpp"

namespace provnet::app {

namespace {

namespace fs = std::filesystem;

constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr std::int64_t kSecondsPerDay = 86'400;
// A certificate is valid from a few minutes before it is made, so a node
// whose clock is slightly behind the CA's can use it at once.
constexpr std::int64_t kClockSkewAllowance = 300;
// The GB/T 32918 / GM/T 0009 default SM2 identifier: CSRs made by other SM2
// tools are signed with it, OpenSSL 3.0 signs with an empty one.
constexpr std::string_view kGmDefaultSm2Id = "1234567812345678";

using RequestHandle = std::unique_ptr<X509_REQ, ca::FreeWith<&X509_REQ_free>>;
using ExtensionsHandle =
    std::unique_ptr<STACK_OF(X509_EXTENSION),
                    decltype([](auto* s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); })>;
using GeneralNamesHandle = std::unique_ptr<GENERAL_NAMES, ca::FreeWith<&GENERAL_NAMES_free>>;

int fail(std::string_view command, const Error& e) {
  std::cerr << "provctl ca " << command << ": " << e.message << '\n';
  return kFailed;
}

int usage(std::string_view command, const std::string& message) {
  std::cerr << "provctl ca " << command << ": " << message << '\n';
  return kUsage;
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-03-01": the UTC date of a time.
std::string utc_date(std::int64_t unix_seconds) {
  return ca::utc_text(unix_seconds).substr(0, 10);
}

Result<ca::KeyAlgorithm> algorithm_from(const std::string& name) {
  if (name == "ecdsa-p256") return ca::KeyAlgorithm::ecdsa_p256;
  if (name == "sm2") return ca::KeyAlgorithm::sm2;
  return Error{Errc::invalid_input,
               fmt::format("--algorithm {}: expected ecdsa-p256 or sm2", name)};
}

// The name index.tsv and the options use.
std::string algorithm_id(ca::KeyAlgorithm algorithm) {
  return algorithm == ca::KeyAlgorithm::sm2 ? "sm2" : "ecdsa-p256";
}

Result<domain::ProvinceCode> node_code_from(const std::string& text) {
  if (text == "00") return domain::kNationalCode;
  if (auto code = domain::parse_province_code(text)) return *code;
  return Error{Errc::invalid_input,
               fmt::format("--code {}: expected two digits, 00 (the national node) or a province "
                           "code of config/provinces.csv such as 31",
                           text)};
}

// A file name stem given with --stem: one plain name, and not one of the
// CA's own files.
Result<void> check_stem(const std::string& stem) {
  const bool plain =
      !stem.empty() && stem.front() != '.' && std::none_of(stem.begin(), stem.end(), [](char c) {
        return c == '/' || static_cast<unsigned char>(c) < 0x20;
      });
  if (!plain) {
    return Error{Errc::invalid_input,
                 fmt::format("--stem \"{}\": expected a plain file name stem such as node-31-2026 "
                             "(no '/', not starting with '.')",
                             stem)};
  }
  if (stem == "ca" || stem == "crl" || stem == "index") {
    return Error{Errc::invalid_input,
                 fmt::format("--stem {}: that is the name of one of the CA's own files; choose "
                             "another, such as node-31-2026",
                             stem)};
  }
  return {};
}

// Makes `dir` (and its parents) if missing; a directory this makes is 0700,
// since it is about to hold a private key.
Result<void> ensure_directory(const fs::path& dir, std::string_view option) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  if (fs::exists(dir, ec)) {
    return Error{Errc::invalid_input,
                 fmt::format("{} {}: exists and is not a directory", option, dir.string())};
  }
  fs::create_directories(dir, ec);
  if (ec) {
    return Error{Errc::io,
                 fmt::format("{} {}: cannot create it: {}", option, dir.string(), ec.message())};
  }
  ::chmod(dir.c_str(), 0700);
  return {};
}

// Holds DIR/.lock (flock) while a command changes the CA directory, so two
// operators (or two scripts) never interleave an index update.
class CaLock {
 public:
  static Result<CaLock> take(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      return Error{Errc::not_found,
                   fmt::format("--dir {}: no such directory; expected a CA directory made by "
                               "provctl ca init",
                               dir.string())};
    }
    const fs::path path = dir / ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Error{Errc::io, fmt::format("{}: cannot open the CA lock file: {}", path.string(),
                                         std::strerror(errno))};
    }
    CaLock lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      return Error{Errc::conflict,
                   fmt::format("another provctl ca command is changing {} (it holds {}); try "
                               "again when it has finished",
                               dir.string(), path.string())};
    }
    return lock;
  }
  CaLock(CaLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  CaLock& operator=(CaLock&&) = delete;
  ~CaLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit CaLock(int fd) : fd_(fd) {}
  int fd_;
};

struct LoadedCa {
  ca::CertificateHandle certificate;
  ca::KeyHandle key;
  ca::ValidityPeriod validity;
};

Result<LoadedCa> load_ca(const fs::path& dir) {
  const fs::path cert_path = dir / "ca.pem";
  const fs::path key_path = dir / "ca.key";
  std::error_code ec;
  if (!fs::exists(cert_path, ec) && !fs::exists(key_path, ec)) {
    return Error{Errc::not_found,
                 fmt::format("--dir {}: no CA there (neither ca.pem nor ca.key); make one with "
                             "provctl ca init --dir {}",
                             dir.string(), dir.string())};
  }
  auto certificate = ca::read_certificate_file(cert_path.string());
  if (!certificate) return certificate.error();
  struct stat info {};
  if (::stat(key_path.c_str(), &info) == 0 && (info.st_mode & 0077) != 0) {
    std::cerr << fmt::format(
        "warning: {} has mode {:04o}, readable by others than its owner; chmod 600 it\n",
        key_path.string(), info.st_mode & 07777);
  }
  auto key = ca::read_private_key_file(key_path.string());
  if (!key) return key.error();
  auto validity = ca::validity_period_of(certificate->get());
  if (!validity) return validity.error();
  return LoadedCa{std::move(*certificate), std::move(*key), *validity};
}

Result<void> check_ca_usable(const LoadedCa& ca_files, const fs::path& dir, std::int64_t now) {
  if (!ca_files.validity.contains(now)) {
    return Error{
        Errc::invalid_input,
        fmt::format("the CA certificate {} is valid from {} until {}, not now ({})",
                    (dir / "ca.pem").string(), ca::utc_text(ca_files.validity.not_before_unix),
                    ca::utc_text(ca_files.validity.not_after_unix), ca::utc_text(now))};
  }
  return {};
}

// A random positive 63-bit serial unused in this CA. Random, not counted:
// a CA directory restored from a backup cannot hand out a serial again
// that it gave to a certificate issued after the backup.
Result<std::uint64_t> fresh_serial(const std::vector<ca::IssuedCertificate>& entries) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    unsigned char bytes[8];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
      return Error{Errc::io,
                   fmt::format("drawing a random serial failed: {}", ca::openssl_error_text())};
    }
    std::uint64_t serial = 0;
    for (unsigned char b : bytes) serial = (serial << 8) | b;
    serial &= 0x7fff'ffff'ffff'ffffULL;
    if (serial <= 1) continue;  // 1 is the CA's own
    const std::string hex = *ca::canonical_serial_hex(fmt::format("{:X}", serial));
    if (std::none_of(entries.begin(), entries.end(),
                     [&](const ca::IssuedCertificate& e) { return e.serial_hex == hex; })) {
      return serial;
    }
  }
  return Error{Errc::io, "no unused serial found in 16 random draws; the random source is broken"};
}

// The next CRL number, from DIR/crlnumber (which then holds the one after).
Result<std::uint64_t> take_crl_number(const fs::path& dir) {
  const fs::path file = dir / "crlnumber";
  std::uint64_t next = 1;
  std::error_code ec;
  if (fs::exists(file, ec)) {
    std::ifstream in(file);
    if (!(in >> next) || next == 0) {
      return Error{Errc::corrupt,
                   fmt::format("{}: found no positive decimal number; expected the next CRL "
                               "number (larger than crl.pem's)",
                               file.string())};
    }
  } else if (auto current = ca::read_crl_file((dir / "crl.pem").string())) {
    next = current->crl_number + 1;  // a CA made before crlnumber existed
  }
  auto written =
      ca::write_file_atomically(file.string(), fmt::format("{}\n", next + 1), 0644, true);
  if (!written) return written.error();
  return next;
}

struct CrlSummary {
  std::uint64_t number = 0;
  std::size_t revoked = 0;
  std::int64_t next_update_unix = 0;
};

// Makes DIR/crl.pem from the index entries.
Result<CrlSummary> write_crl(const fs::path& dir, const LoadedCa& ca_files,
                             const std::vector<ca::IssuedCertificate>& entries, std::uint32_t days,
                             std::int64_t now) {
  ca::CrlSpec spec;
  spec.last_update_unix = now;
  spec.next_update_unix = now + std::int64_t{days} * kSecondsPerDay;
  for (const auto& e : entries) {
    if (e.revoked) spec.revoked.push_back({e.serial_hex, e.revoked_at_unix, e.reason});
  }
  auto number = take_crl_number(dir);
  if (!number) return number.error();
  spec.crl_number = *number;
  auto pem = ca::make_crl_pem(ca_files.certificate.get(), ca_files.key.get(), spec);
  if (!pem) return pem.error();
  auto written = ca::write_file_atomically((dir / "crl.pem").string(), *pem, 0644, true);
  if (!written) return written.error();
  return CrlSummary{spec.crl_number, spec.revoked.size(), spec.next_update_unix};
}

std::string crl_text(const CrlSummary& s) {
  return fmt::format("CRL number {}, {} revoked serial(s), next update {}", s.number, s.revoked,
                     ca::utc_text(s.next_update_unix));
}

std::string hex_of(const unsigned char* data, std::size_t size, std::string_view separator) {
  std::string text;
  for (std::size_t i = 0; i < size; ++i) {
    if (i > 0) text += separator;
    text += fmt::format("{:02X}", data[i]);
  }
  return text;
}

// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex: what
// `openssl pkey -pubout -outform DER | sha256sum` prints, read over the
// phone to confirm a CSR came from the province that holds the key.
std::string public_key_fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(key, &der);
  if (size <= 0) return "(unavailable)";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const bool ok =
      EVP_Digest(der, static_cast<std::size_t>(size), digest, &length, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!ok) return "(unavailable)";
  std::string text = hex_of(digest, length, "");
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// As `openssl x509 -noout -fingerprint -sha256` prints it.
std::string certificate_fingerprint(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return "(unavailable)";
  return hex_of(digest, length, ":");
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

// Whether a name found in a CSR claims a node other than `code`: a CN of
// the form provnet-node-NN, or a provnet: URI, that is not exactly this
// node's (compared without regard to case, so no spelling slips past).
bool names_another_node(std::string_view name, domain::ProvinceCode code) {
  const std::string text = lower(name);
  if (text.starts_with("provnet-node-")) return text != ca::node_common_name(code);
  if (text.starts_with("provnet:")) return text != ca::node_uri(code);
  return false;
}

std::string shown(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f || c == '"') ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return out + (text.size() > 80 ? "...\"" : "\"");
}

// The key of the CSR in `path`, after checking its self-signature, its
// algorithm, and that nothing in it names another node than `code`.
Result<ca::KeyHandle> key_from_csr(const std::string& path, domain::ProvinceCode code) {
  auto text = ca::read_pem_file(path, "CSR file");
  if (!text) return text.error();
  const std::string what = fmt::format("--csr {}", path);
  ERR_clear_error();
  ca::BioHandle bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  RequestHandle request(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr)
                            : nullptr);
  if (request == nullptr) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: found no PEM certificate request; expected \"-----BEGIN "
                             "CERTIFICATE REQUEST-----\" (provctl ca request makes one): {}",
                             what, ca::openssl_error_text())};
  }
  ca::KeyHandle key(X509_REQ_get_pubkey(request.get()));
  if (key == nullptr) {
    return Error{Errc::invalid_input, fmt::format("{}: its public key cannot be decoded: {}", what,
                                                  ca::openssl_error_text())};
  }
  auto algorithm = ca::key_algorithm_of(key.get());
  if (!algorithm) {
    return Error{Errc::invalid_input, fmt::format("{}: {}; expected an ECDSA P-256 or SM2 key",
                                                  what, algorithm.error().message)};
  }
  bool verified = X509_REQ_verify(request.get(), key.get()) == 1;
  if (!verified && *algorithm == ca::KeyAlgorithm::sm2) {
    ASN1_OCTET_STRING* id = ASN1_OCTET_STRING_new();
    if (id != nullptr &&
        ASN1_OCTET_STRING_set(id, reinterpret_cast<const unsigned char*>(kGmDefaultSm2Id.data()),
                              static_cast<int>(kGmDefaultSm2Id.size())) == 1) {
      X509_REQ_set0_distinguishing_id(request.get(), id);  // the request owns it
      verified = X509_REQ_verify(request.get(), key.get()) == 1;
    } else {
      ASN1_OCTET_STRING_free(id);
    }
  }
  ERR_clear_error();
  if (!verified) {
    return Error{Errc::security,
                 fmt::format("{}: its self-signature does not verify with the key it contains, "
                             "so it was damaged or altered; expected a CSR signed by its own key",
                             what)};
  }

  X509_NAME* subject = X509_REQ_get_subject_name(request.get());
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length < 0) continue;
    const std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    if (names_another_node(name, code)) {
      return Error{Errc::security,
                   fmt::format("{}: its subject names {} but --code is {:02} (expected {} or "
                               "nothing of the kind); refused: a CSR may only name the node it "
                               "is issued for",
                               what, shown(name), code, ca::node_common_name(code))};
    }
  }
  ExtensionsHandle extensions(X509_REQ_get_extensions(request.get()));
  for (int i = 0; i < sk_X509_EXTENSION_num(extensions.get()); ++i) {
    X509_EXTENSION* extension = sk_X509_EXTENSION_value(extensions.get(), i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(extension)) != NID_subject_alt_name) continue;
    GeneralNamesHandle names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(extension)));
    if (names == nullptr) {
      ERR_clear_error();
      return Error{Errc::invalid_input,
                   fmt::format("{}: its subjectAltName cannot be decoded; expected none or "
                               "URI:{}",
                               what, ca::node_uri(code))};
    }
    for (int j = 0; j < sk_GENERAL_NAME_num(names.get()); ++j) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), j);
      int type = 0;
      const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
      if (type != GEN_URI && type != GEN_DNS && type != GEN_EMAIL) continue;
      const std::string_view text_value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                                        static_cast<std::size_t>(ASN1_STRING_length(value)));
      if (names_another_node(text_value, code)) {
        return Error{Errc::security,
                     fmt::format("{}: its subjectAltName names {} but --code is {:02} (expected "
                                 "URI:{} or nothing of the kind); refused: a CSR may only name "
                                 "the node it is issued for",
                                 what, shown(text_value), code, ca::node_uri(code))};
      }
    }
  }
  return key;
}

Result<std::string> make_csr_pem(EVP_PKEY* key, domain::ProvinceCode code,
                                 ca::KeyAlgorithm algorithm) {
  ERR_clear_error();
  RequestHandle request(X509_REQ_new());
  if (request == nullptr || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_pubkey(request.get(), key) != 1) {
    return Error{Errc::io, fmt::format("making the CSR failed: {}", ca::openssl_error_text())};
  }
  X509_NAME* subject = X509_REQ_get_subject_name(request.get());
  const std::string cn = ca::node_common_name(code);
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("provnet"), -1, -1,
                                 0) != 1) {
    return Error{Errc::io,
                 fmt::format("setting the CSR's subject failed: {}", ca::openssl_error_text())};
  }
  X509V3_CTX context;
  X509V3_set_ctx(&context, nullptr, nullptr, request.get(), nullptr, 0);
  const std::string san = "URI:" + ca::node_uri(code);
  X509_EXTENSION* extension =
      X509V3_EXT_nconf_nid(nullptr, &context, NID_subject_alt_name, san.c_str());
  ExtensionsHandle extensions(sk_X509_EXTENSION_new_null());
  if (extension == nullptr || extensions == nullptr ||
      sk_X509_EXTENSION_push(extensions.get(), extension) <= 0) {
    X509_EXTENSION_free(extension);
    return Error{Errc::io, fmt::format("making the CSR's subjectAltName failed: {}",
                                       ca::openssl_error_text())};
  }
  if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1 ||
      X509_REQ_sign(request.get(), key,
                    algorithm == ca::KeyAlgorithm::sm2 ? EVP_sm3() : EVP_sha256()) <= 0) {
    return Error{Errc::io, fmt::format("signing the CSR failed: {}", ca::openssl_error_text())};
  }
  ca::BioHandle bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509_REQ(bio.get(), request.get()) != 1) {
    return Error{Errc::io,
                 fmt::format("writing the CSR as PEM failed: {}", ca::openssl_error_text())};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// Refuses to go on when a file to be written exists and --force was not
// given, before anything is made.
Result<void> check_not_there(const std::vector<fs::path>& paths, bool force,
                             std::string_view stem_hint) {
  if (force) return {};
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::exists(path, ec)) {
      return Error{Errc::conflict,
                   fmt::format("{} already exists; not overwritten (it may be what a node uses "
                               "now): pass --force to replace it, or --stem {} to write beside it",
                               path.string(), stem_hint)};
    }
  }
  return {};
}

}  // namespace

int run_ca_init(const CaInitOptions& o) {
  constexpr std::string_view kCommand = "init";
  const fs::path dir(o.dir);
  auto alg = algorithm_from(o.algorithm);
  if (!alg) return usage(kCommand, alg.error().message);
  for (const char* name : {"ca.key", "ca.pem", "index.tsv"}) {
    std::error_code ec;
    if (fs::exists(dir / name, ec)) {
      return fail(kCommand,
                  Error{Errc::conflict, fmt::format("{} already holds a CA ({} exists); refusing "
                                                    "to replace it",
                                                    dir.string(), name)});
    }
  }
  if (auto made = ensure_directory(dir, "--dir"); !made) return fail(kCommand, made.error());
  auto lock = CaLock::take(dir);
  if (!lock) return fail(kCommand, lock.error());

  const std::int64_t now = now_unix();
  auto key = ca::generate_key(*alg);
  if (!key) return fail(kCommand, key.error());
  ca::CertificateSpec spec;
  spec.common_name = o.name;
  spec.is_ca = true;
  spec.not_before_unix = now - kClockSkewAllowance;
  spec.not_after_unix = now + std::int64_t{o.days} * kSecondsPerDay;
  spec.serial = 1;
  auto cert = ca::make_self_signed_ca(key->get(), spec);
  if (!cert) return fail(kCommand, cert.error());
  auto key_pem = ca::private_key_pem(key->get());
  if (!key_pem) return fail(kCommand, key_pem.error());
  auto cert_pem = ca::certificate_pem(cert->get());
  if (!cert_pem) return fail(kCommand, cert_pem.error());
  if (auto w = ca::write_file_atomically((dir / "ca.key").string(), *key_pem, 0600, false); !w) {
    return fail(kCommand, w.error());
  }
  if (auto w = ca::write_file_atomically((dir / "ca.pem").string(), *cert_pem, 0644, false); !w) {
    return fail(kCommand, w.error());
  }
  if (auto w = ca::write_ca_index((dir / "index.tsv").string(), {}); !w) {
    return fail(kCommand, w.error());
  }
  LoadedCa loaded{std::move(*cert), std::move(*key), {spec.not_before_unix, spec.not_after_unix}};
  auto crl = write_crl(dir, loaded, {}, o.crl_days, now);
  if (!crl) return fail(kCommand, crl.error());
  std::cout << fmt::format(
      "CA \"{}\" ({}) in {}, valid {} days until {}\n"
      "  ca.pem     SHA-256 fingerprint {}\n"
      "  ca.key     mode 0600: keep it on this host and in offline backups only\n"
      "  index.tsv  no certificates issued yet\n"
      "  crl.pem    {}\n",
      o.name, ca::key_algorithm_name(*alg), dir.string(), o.days, ca::utc_text(spec.not_after_unix),
      certificate_fingerprint(loaded.certificate.get()), crl_text(*crl));
  if (*alg == ca::KeyAlgorithm::sm2) {
    std::cout << "  note: an SM2 root signs with SM2/SM3 and OpenSSL 3.0's empty SM2 identifier; "
                 "provnode verifies such chains (TLS and envelopes), node TLS keys stay ECDSA "
                 "P-256, and other SM2 software may expect the GB/T default identifier\n";
  }
  return 0;
}

int run_ca_issue(const CaIssueOptions& o) {
  constexpr std::string_view kCommand = "issue";
  const fs::path dir(o.dir);
  auto code = node_code_from(o.code);
  if (!code) return usage(kCommand, code.error().message);
  const bool from_csr = !o.csr.empty();
  auto alg = algorithm_from(o.algorithm);
  if (!alg) return usage(kCommand, alg.error().message);
  const std::string code_text(domain::province_code_text(*code));
  const std::string default_stem = fmt::format("node-{}", code_text);
  if (!o.stem.empty()) {
    if (auto checked = check_stem(o.stem); !checked) {
      return usage(kCommand, checked.error().message);
    }
  }
  const std::string stem = o.stem.empty() ? default_stem : o.stem;
  const fs::path out = o.out.empty() ? dir : fs::path(o.out);
  const fs::path cert_path = out / (stem + ".pem");
  const fs::path key_path = out / (stem + ".key");
  std::vector<fs::path> targets{cert_path};
  if (!from_csr) targets.push_back(key_path);
  if (auto free = check_not_there(targets, o.force, default_stem + "-2"); !free) {
    return fail(kCommand, free.error());
  }
  if (!o.out.empty()) {
    if (auto made = ensure_directory(out, "--out"); !made) return fail(kCommand, made.error());
  }

  auto lock = CaLock::take(dir);
  if (!lock) return fail(kCommand, lock.error());
  auto loaded = load_ca(dir);
  if (!loaded) return fail(kCommand, loaded.error());
  const std::int64_t now = now_unix();
  if (auto usable = check_ca_usable(*loaded, dir, now); !usable) {
    return fail(kCommand, usable.error());
  }
  const std::int64_t not_after = now + std::int64_t{o.days} * kSecondsPerDay;
  if (not_after > loaded->validity.not_after_unix) {
    return fail(kCommand,
                Error{Errc::invalid_input,
                      fmt::format("--days {}: the certificate would be valid until {}, after the "
                                  "CA itself expires ({}); expected at most {} days",
                                  o.days, ca::utc_text(not_after),
                                  ca::utc_text(loaded->validity.not_after_unix),
                                  (loaded->validity.not_after_unix - now) / kSecondsPerDay)});
  }
  const std::string index_path = (dir / "index.tsv").string();
  auto entries = ca::read_ca_index(index_path);
  if (!entries) return fail(kCommand, entries.error());

  ca::KeyHandle key;
  if (from_csr) {
    auto csr_key = key_from_csr(o.csr, *code);
    if (!csr_key) return fail(kCommand, csr_key.error());
    if (EVP_PKEY_eq(csr_key->get(), loaded->key.get()) == 1) {
      return fail(kCommand,
                  Error{Errc::security,
                        fmt::format("--csr {}: it holds the CA's own key; refused", o.csr)});
    }
    key = std::move(*csr_key);
  } else {
    auto made = ca::generate_key(*alg);
    if (!made) return fail(kCommand, made.error());
    key = std::move(*made);
  }
  auto key_alg = ca::key_algorithm_of(key.get());
  if (!key_alg) return fail(kCommand, key_alg.error());

  auto serial = fresh_serial(*entries);
  if (!serial) return fail(kCommand, serial.error());
  ca::CertificateSpec spec;
  spec.node_code = *code;
  spec.not_before_unix = now - kClockSkewAllowance;
  spec.not_after_unix = not_after;
  spec.serial = *serial;
  auto cert = ca::issue_certificate(loaded->certificate.get(), loaded->key.get(), key.get(), spec);
  if (!cert) return fail(kCommand, cert.error());
  auto cert_pem = ca::certificate_pem(cert->get());
  if (!cert_pem) return fail(kCommand, cert_pem.error());
  const std::string serial_hex = ca::certificate_serial_hex(cert->get());

  // The CA's record first: a certificate that exists is always in the
  // index (and so can be revoked), even if writing it out fails below.
  const fs::path issued_dir = dir / "issued";
  std::error_code ec;
  fs::create_directories(issued_dir, ec);
  if (auto w = ca::write_file_atomically((issued_dir / (serial_hex + ".pem")).string(), *cert_pem,
                                         0644, false);
      !w) {
    return fail(kCommand, w.error());
  }
  entries->push_back(ca::IssuedCertificate{.serial_hex = serial_hex,
                                           .code = *code,
                                           .algorithm = algorithm_id(*key_alg),
                                           .not_before_unix = spec.not_before_unix,
                                           .not_after_unix = spec.not_after_unix,
                                           .reason = {},
                                           .certificate_file = cert_path.filename().string()});
  if (auto w = ca::write_ca_index(index_path, *entries); !w) return fail(kCommand, w.error());

  auto written_out = [&]() -> Result<void> {
    if (!from_csr) {
      auto key_pem = ca::private_key_pem(key.get());
      if (!key_pem) return key_pem.error();
      if (auto w = ca::write_file_atomically(key_path.string(), *key_pem, 0600, o.force); !w) {
        return w.error();
      }
    }
    return ca::write_file_atomically(cert_path.string(), *cert_pem, 0644, o.force);
  }();
  if (!written_out) {
    return fail(kCommand,
                Error{written_out.error().code,
                      fmt::format("{} (the certificate, serial {}, is recorded in {} and kept as "
                                  "{}; revoke it with reason cessationOfOperation if it is not "
                                  "to be used)",
                                  written_out.error().message, serial_hex, index_path,
                                  (issued_dir / (serial_hex + ".pem")).string())});
  }

  if (from_csr) {
    std::cout << fmt::format("{}: node {}, {} key of {}, serial {}\n", cert_path.string(),
                             code_text, ca::key_algorithm_name(*key_alg), o.csr, serial_hex);
    std::cout << fmt::format(
        "  public key SHA-256 {}: confirm it with the province before sending the "
        "certificate\n",
        public_key_fingerprint(key.get()));
  } else {
    std::cout << fmt::format("{}, {} (0600): node {}, {}, serial {}\n", cert_path.string(),
                             key_path.string(), code_text, ca::key_algorithm_name(*key_alg),
                             serial_hex);
  }
  std::cout << fmt::format("  valid from {} until {} ({} days)\n",
                           ca::utc_text(spec.not_before_unix), ca::utc_text(spec.not_after_unix),
                           o.days);
  std::vector<std::string> others;
  for (const auto& e : *entries) {
    if (e.code == *code && !e.revoked && e.serial_hex != serial_hex && e.not_after_unix > now) {
      others.push_back(e.serial_hex);
    }
  }
  if (!others.empty()) {
    std::cout << fmt::format(
        "  node {} also holds valid certificate(s) {}: once it runs with the new one, revoke "
        "the old with provctl ca revoke --dir {} --serial {} --reason superseded\n",
        code_text, fmt::join(others, ", "), dir.string(), others.front());
  }
  return 0;
}

int run_ca_request(const CaRequestOptions& o) {
  constexpr std::string_view kCommand = "request";
  auto code = node_code_from(o.code);
  if (!code) return usage(kCommand, code.error().message);
  auto alg = algorithm_from(o.algorithm);
  if (!alg) return usage(kCommand, alg.error().message);
  const std::string default_stem = fmt::format("node-{}", domain::province_code_text(*code));
  if (!o.stem.empty()) {
    if (auto checked = check_stem(o.stem); !checked) {
      return usage(kCommand, checked.error().message);
    }
  }
  const std::string stem = o.stem.empty() ? default_stem : o.stem;
  const fs::path out(o.out);
  const fs::path key_path = out / (stem + ".key");
  const fs::path csr_path = out / (stem + ".csr");
  if (auto free = check_not_there({key_path, csr_path}, o.force, default_stem + "-next"); !free) {
    return fail(kCommand, free.error());
  }
  if (auto made = ensure_directory(out, "--out"); !made) return fail(kCommand, made.error());
  auto key = ca::generate_key(*alg);
  if (!key) return fail(kCommand, key.error());
  auto csr = make_csr_pem(key->get(), *code, *alg);
  if (!csr) return fail(kCommand, csr.error());
  auto key_pem = ca::private_key_pem(key->get());
  if (!key_pem) return fail(kCommand, key_pem.error());
  if (auto w = ca::write_file_atomically(key_path.string(), *key_pem, 0600, o.force); !w) {
    return fail(kCommand, w.error());
  }
  if (auto w = ca::write_file_atomically(csr_path.string(), *csr, 0644, o.force); !w) {
    return fail(kCommand, w.error());
  }
  std::cout << fmt::format(
      "{} (0600, stays on this host) and {}: node {}, {}\n"
      "  public key SHA-256 {}\n"
      "  send {} to the national centre and confirm this fingerprint with it by phone;\n"
      "  it returns {}.pem, to be installed with {}\n",
      key_path.string(), csr_path.string(), domain::province_code_text(*code),
      ca::key_algorithm_name(*alg), public_key_fingerprint(key->get()),
      csr_path.filename().string(), stem, key_path.filename().string());
  return 0;
}

int run_ca_revoke(const CaRevokeOptions& o) {
  constexpr std::string_view kCommand = "revoke";
  const fs::path dir(o.dir);
  auto serial = ca::canonical_serial_hex(o.serial);
  if (!serial) {
    return usage(kCommand,
                 fmt::format("--serial {}: expected a certificate serial in hexadecimal as "
                             "provctl ca list shows it (such as 3A5F09C2D1E4B877)",
                             shown(o.serial)));
  }
  if (!ca::is_revocation_reason(o.reason)) {
    return usage(kCommand, fmt::format("--reason {}: expected one of {}", shown(o.reason),
                                       ca::revocation_reasons_text()));
  }
  auto lock = CaLock::take(dir);
  if (!lock) return fail(kCommand, lock.error());
  const std::string index_path = (dir / "index.tsv").string();
  auto entries = ca::read_ca_index(index_path);
  if (!entries) return fail(kCommand, entries.error());
  auto entry = std::find_if(entries->begin(), entries->end(), [&](const ca::IssuedCertificate& e) {
    return e.serial_hex == *serial;
  });
  if (entry == entries->end()) {
    return fail(kCommand,
                Error{Errc::not_found,
                      fmt::format("--serial {}: no certificate with serial {} in {} ({} "
                                  "certificate(s); provctl ca list --dir {} shows them)",
                                  o.serial, *serial, index_path, entries->size(), dir.string())});
  }
  if (entry->revoked) {
    return fail(kCommand,
                Error{Errc::conflict,
                      fmt::format("--serial {}: node {:02}'s certificate {} was already revoked "
                                  "on {} (reason {}); nothing changed",
                                  o.serial, entry->code, entry->serial_hex,
                                  ca::utc_text(entry->revoked_at_unix), entry->reason)});
  }
  // The CA must be able to sign the new CRL before the index changes.
  auto loaded = load_ca(dir);
  if (!loaded) return fail(kCommand, loaded.error());
  const std::int64_t now = now_unix();
  entry->revoked = true;
  entry->revoked_at_unix = now;
  entry->reason = o.reason;
  const ca::IssuedCertificate revoked = *entry;
  if (auto w = ca::write_ca_index(index_path, *entries); !w) return fail(kCommand, w.error());
  auto crl = write_crl(dir, *loaded, *entries, o.crl_days, now);
  if (!crl) {
    return fail(
        kCommand,
        Error{crl.error().code,
              fmt::format("serial {} is revoked in {}, but crl.pem was not regenerated: "
                          "{}; run provctl ca crl --dir {}",
                          revoked.serial_hex, index_path, crl.error().message, dir.string())});
  }
  std::cout << fmt::format("revoked {}: node {:02}, reason {}, at {}\n  crl.pem: {}\n",
                           revoked.serial_hex, revoked.code, revoked.reason,
                           ca::utc_text(revoked.revoked_at_unix), crl_text(*crl));
  return 0;
}

int run_ca_list(const CaListOptions& o) {
  constexpr std::string_view kCommand = "list";
  const fs::path dir(o.dir);
  const fs::path index_path = dir / "index.tsv";
  std::error_code ec;
  if (!fs::exists(index_path, ec) && !fs::exists(dir / "ca.pem", ec)) {
    return fail(kCommand, Error{Errc::not_found,
                                fmt::format("--dir {}: no CA there (neither index.tsv nor "
                                            "ca.pem); make one with provctl ca init --dir {}",
                                            dir.string(), dir.string())});
  }
  auto entries = ca::read_ca_index(index_path.string());
  if (!entries) return fail(kCommand, entries.error());
  const std::int64_t now = now_unix();
  auto status_of = [&](const ca::IssuedCertificate& e) -> std::string {
    if (e.revoked) return "revoked";
    return e.not_after_unix <= now ? "expired" : "valid";
  };

  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : *entries) {
      list.push_back({{"serial", e.serial_hex},
                      {"node", fmt::format("{:02}", e.code)},
                      {"algorithm", e.algorithm},
                      {"not_before", e.not_before_unix},
                      {"not_after", e.not_after_unix},
                      {"valid_from", ca::utc_text(e.not_before_unix)},
                      {"valid_until", ca::utc_text(e.not_after_unix)},
                      {"status", status_of(e)},
                      {"revoked_at", e.revoked_at_unix},
                      {"reason", e.revoked ? nlohmann::json(e.reason) : nlohmann::json(nullptr)},
                      {"certificate_file", e.certificate_file}});
    }
    std::cout << nlohmann::json{{"certificates", list}}.dump(2) << '\n';
    return 0;
  }

  std::size_t serial_width = 6;
  for (const auto& e : *entries) serial_width = std::max(serial_width, e.serial_hex.size());
  std::cout << fmt::format("{:<{}}  {:<4}  {:<10}  {:<10}  {:<11}  {:<7}  {:<10}  {}\n", "SERIAL",
                           serial_width, "NODE", "ALGORITHM", "VALID FROM", "VALID UNTIL", "STATUS",
                           "REVOKED AT", "REASON");
  std::size_t valid = 0;
  std::size_t revoked = 0;
  for (const auto& e : *entries) {
    const std::string status = status_of(e);
    valid += status == "valid" ? 1 : 0;
    revoked += e.revoked ? 1 : 0;
    std::cout << fmt::format(
        "{:<{}}  {:02}    {:<10}  {:<10}  {:<11}  {:<7}  {:<10}  {}\n", e.serial_hex, serial_width,
        e.code, e.algorithm, utc_date(e.not_before_unix), utc_date(e.not_after_unix), status,
        e.revoked ? utc_date(e.revoked_at_unix) : "-", e.revoked ? e.reason : "-");
  }
  std::cout << fmt::format("{} certificate(s): {} valid, {} revoked, {} expired (dates UTC)\n",
                           entries->size(), valid, revoked, entries->size() - valid - revoked);
  return 0;
}

int run_ca_crl(const CaCrlOptions& o) {
  constexpr std::string_view kCommand = "crl";
  const fs::path dir(o.dir);
  auto lock = CaLock::take(dir);
  if (!lock) return fail(kCommand, lock.error());
  auto loaded = load_ca(dir);
  if (!loaded) return fail(kCommand, loaded.error());
  auto entries = ca::read_ca_index((dir / "index.tsv").string());
  if (!entries) return fail(kCommand, entries.error());
  auto crl = write_crl(dir, *loaded, *entries, o.days, now_unix());
  if (!crl) return fail(kCommand, crl.error());
  std::cout << fmt::format("{}: {}\n", (dir / "crl.pem").string(), crl_text(*crl));
  return 0;
}

}  // namespace provnet::app
