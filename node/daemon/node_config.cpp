#include "daemon/node_config.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "ca/certificates.hpp"
#include "ca/keys.hpp"
#include "ca/node_identity.hpp"
#include "ca/trust_anchors.hpp"
#include "ca/validity_period.hpp"
#include "domain/province.hpp"
#include "net/asio.hpp"
#include "net/tls_context.hpp"

namespace provnet::daemon {

namespace {

namespace fs = std::filesystem;

// The keys each table may hold; anything else is a typo an operator wants to
// hear about (a misspelt key would otherwise silently take its default).
const std::map<std::string, std::set<std::string>> kKnownKeys = {
    {"",
     {"node", "store", "listen", "admin", "tls", "signing", "peers", "delivery", "directory",
      "collaboration", "audit", "log", "ops"}},
    {"node", {"code", "role"}},
    {"store", {"path", "map_size_mib"}},
    {"listen", {"address"}},
    {"admin", {"address", "tls_certificate", "tls_private_key", "client_ca", "allow_plain_remote"}},
    {"tls", {"certificate", "private_key", "ca"}},
    {"signing", {"algorithm", "certificate", "private_key"}},
    {"peers", {"code", "address"}},
    {"delivery",
     {"batch_max_records", "batch_linger_ms", "max_in_flight_per_link", "retry_initial_ms",
      "retry_max_ms", "reconnect_initial_ms", "reconnect_max_ms", "max_frame_bytes",
      "traversal_limit_words", "max_queued_write_bytes", "handshake_timeout_ms",
      "direct_fallback_s"}},
    {"directory",
     {"refresh_interval_s", "publish_nodes", "publish_groups", "publish_ca_index",
      "validity_hours"}},
    {"collaboration", {"calendar_dir"}},
    {"audit",
     {"hash", "checkpoint_interval_s", "reconcile_interval_s", "unacknowledged_after_s",
      "clock_skew_s"}},
    {"log", {"level", "file", "max_size", "keep"}},
    {"ops",
     {"certificate_warning_days", "store_warning_percent", "disk_warning_free_percent",
      "disk_warning_free_mib", "check_interval_s"}},
};

class ConfigReader;
void read_audit_section(ConfigReader& r, NodeConfig& c);

class ConfigReader {
 public:
  ConfigReader(const toml::table& root, fs::path base) : root_(root), base_(std::move(base)) {}

  std::vector<std::string> problems;

  void problem(std::string text) { problems.push_back(std::move(text)); }

  void check_unknown_keys(const toml::table& t, const std::string& section) {
    const auto& known = kKnownKeys.at(section);
    for (auto&& [key, value] : t) {
      std::string k(key.str());
      if (!known.count(k)) {
        std::string where = section.empty() ? k : section + "." + k;
        problem(fmt::format("{}: unknown key (line {}); known keys{}: {}", where,
                            key.source().begin.line, section.empty() ? "" : " in [" + section + "]",
                            fmt::join(known, ", ")));
      }
    }
  }

  const toml::table* section(const std::string& name, bool required) {
    const toml::node* n = root_.get(name);
    if (!n) {
      if (required) problem(fmt::format("[{}]: missing section", name));
      return nullptr;
    }
    const toml::table* t = n->as_table();
    if (!t) {
      problem(
          fmt::format("{}: expected a table [{}], found a {}", name, name, type_name(n->type())));
      return nullptr;
    }
    check_unknown_keys(*t, name);
    return t;
  }

  std::optional<std::string> text(const toml::table* t, const std::string& where,
                                  const std::string& key, bool required) {
    if (!t) return std::nullopt;
    const toml::node* n = t->get(key);
    if (!n) {
      if (required) problem(fmt::format("{}.{}: missing; expected a string", where, key));
      return std::nullopt;
    }
    if (!n->is_string()) {
      problem(
          fmt::format("{}.{}: expected a string, found a {}", where, key, type_name(n->type())));
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  std::optional<bool> boolean(const toml::table* t, const std::string& where,
                              const std::string& key) {
    if (!t) return std::nullopt;
    const toml::node* n = t->get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      problem(fmt::format("{}.{}: expected a boolean (true or false), found a {}", where, key,
                          type_name(n->type())));
      return std::nullopt;
    }
    return n->as_boolean()->get();
  }

  template <class Int>
  void integer(const toml::table* t, const std::string& where, const std::string& key, Int& out,
               std::int64_t min, std::int64_t max) {
    if (!t) return;
    const toml::node* n = t->get(key);
    if (!n) return;  // keeps the default
    if (!n->is_integer()) {
      problem(fmt::format("{}.{}: expected an integer from {} to {}, found a {}", where, key, min,
                          max, type_name(n->type())));
      return;
    }
    std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      problem(fmt::format("{}.{}: {} is out of range; expected {} to {}", where, key, v, min, max));
      return;
    }
    out = static_cast<Int>(v);
  }

  std::optional<HostPort> address(const toml::table* t, const std::string& where) {
    auto value = text(t, where, "address", false);
    if (!value) return std::nullopt;
    return parse_address(*value, where + ".address");
  }

  std::optional<HostPort> parse_address(const std::string& value, const std::string& key) {
    // host:port, or [v6]:port
    std::string host, port;
    if (!value.empty() && value[0] == '[') {
      auto close = value.find(']');
      if (close != std::string::npos && close + 1 < value.size() && value[close + 1] == ':') {
        host = value.substr(1, close - 1);
        port = value.substr(close + 2);
      }
    } else if (auto colon = value.rfind(':'); colon != std::string::npos) {
      host = value.substr(0, colon);
      port = value.substr(colon + 1);
    }
    bool port_ok = !port.empty() && port.size() <= 5 &&
                   port.find_first_not_of("0123456789") == std::string::npos &&
                   std::stoul(port) <= 65535;
    if (host.empty() || !port_ok) {
      problem(
          fmt::format("{}: \"{}\" is not an address; expected host:port, e.g. "
                      "\"127.0.0.1:7031\" or \"[::1]:7031\"",
                      key, value));
      return std::nullopt;
    }
    return HostPort{host, port};
  }

  std::string path(const std::string& value) const {
    fs::path p(value);
    if (p.is_relative()) p = base_ / p;
    return p.lexically_normal().string();
  }

  static std::string type_name(toml::node_type t) {
    switch (t) {
      case toml::node_type::table:
        return "table";
      case toml::node_type::array:
        return "array";
      case toml::node_type::string:
        return "string";
      case toml::node_type::integer:
        return "integer";
      case toml::node_type::floating_point:
        return "float";
      case toml::node_type::boolean:
        return "boolean";
      default:
        return "date/time";
    }
  }

  const toml::table& root_;
  fs::path base_;
};

std::optional<ProvinceCode> parse_node_code(ConfigReader& r, const std::string& key,
                                            const std::string& value) {
  auto code = domain::parse_province_code(value);
  if (value == "00") return domain::kNationalCode;
  if (!code) {
    r.problem(
        fmt::format("{}: \"{}\" is not a node code; expected \"00\" (national) or a "
                    "province code such as \"31\"",
                    key, value));
    return std::nullopt;
  }
  return *code;
}

// The files the node needs at start: present, readable, of the right kind,
// matching each other and naming this node.
void check_identity_files(ConfigReader& r, const NodeConfig& c) {
  std::optional<ca::TrustAnchors> anchors;
  if (!c.tls_ca.empty()) {
    auto loaded = ca::TrustAnchors::from_pem_file(c.tls_ca);
    if (!loaded)
      r.problem("tls.ca: " + loaded.error().message);
    else
      anchors.emplace(std::move(*loaded));
  }
  auto check_pair = [&](const std::string& cert_key, const std::string& cert_path,
                        const std::string& key_key, const std::string& key_path,
                        std::optional<ca::KeyAlgorithm> wanted) {
    // Each file is read on its own (an empty path: its problem is already
    // reported); what needs both is checked only when both loaded.
    std::optional<ca::CertificateHandle> cert;
    std::optional<ca::KeyHandle> key;
    if (!cert_path.empty()) {
      auto loaded = ca::read_certificate_file(cert_path);
      if (!loaded)
        r.problem(cert_key + ": " + loaded.error().message);
      else
        cert = std::move(*loaded);
    }
    if (!key_path.empty()) {
      auto loaded = ca::read_private_key_file(key_path);
      if (!loaded)
        r.problem(key_key + ": " + loaded.error().message);
      else
        key = std::move(*loaded);
    }
    if (key && wanted) {
      auto alg = ca::key_algorithm_of(key->get());
      if (alg && *alg != *wanted) {
        r.problem(fmt::format("{}: {} holds a {} key, but signing.algorithm is {}", key_key,
                              key_path, *alg == ca::KeyAlgorithm::sm2 ? "SM2" : "ECDSA P-256",
                              signing_algorithm_name(c.signing_algorithm)));
      }
    }
    if (cert && key && X509_check_private_key(cert->get(), key->get()) != 1) {
      r.problem(fmt::format("{}: the key in {} does not belong to the certificate {} ({})", key_key,
                            key_path, cert_path, cert_key));
    }
    if (!cert) return;
    auto code = ca::node_code_of(cert->get());
    if (!code) {
      r.problem(cert_key + ": " + code.error().message);
    } else if (*code != c.code) {
      r.problem(fmt::format("{}: {} is the certificate of node {}, but node.code is {}", cert_key,
                            cert_path, domain::province_code_text(*code),
                            domain::province_code_text(c.code)));
    }
    if (anchors) {
      auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
      auto verified = anchors->verify_node_certificate(cert->get(), now);
      if (!verified) r.problem(cert_key + ": " + verified.error().message);
    }
  };
  check_pair("tls.certificate", c.tls_certificate, "tls.private_key", c.tls_private_key,
             ca::KeyAlgorithm::ecdsa_p256);
  if (c.signing_certificate != c.tls_certificate || c.signing_private_key != c.tls_private_key) {
    check_pair("signing.certificate", c.signing_certificate, "signing.private_key",
               c.signing_private_key,
               c.signing_algorithm == SigningAlgorithm::sm2_sm3 ? ca::KeyAlgorithm::sm2
                                                                : ca::KeyAlgorithm::ecdsa_p256);
  } else if (c.signing_algorithm == SigningAlgorithm::sm2_sm3) {
    r.problem(
        "signing.algorithm: sm2-sm3 needs its own SM2 certificate and key (signing.certificate, "
        "signing.private_key): TLS 1.3 in this OpenSSL has no SM2 suites, so the TLS "
        "certificate stays ECDSA P-256");
  }
}

// Plain HTTP is for the host itself: an IP literal of the loopback network
// or "localhost". Any other name may resolve anywhere.
bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = net::asio::ip::make_address(host, ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::asio::ip::make_address_v4(net::asio::ip::v4_mapped, address.to_v6());
  }
  return address.is_loopback();
}

// [admin]: how the HTTP API is served. TLS needs a certificate and its key;
// plain HTTP is refused off loopback unless the operator says so, since the
// API carries personal data.
template <class FileKey>
void read_admin_tls(ConfigReader& r, const toml::table* admin, NodeConfig& c, FileKey file_key) {
  if (!admin) return;
  c.admin_tls_certificate = file_key(admin, "admin", "tls_certificate", false);
  c.admin_tls_private_key = file_key(admin, "admin", "tls_private_key", false);
  c.admin_client_ca = file_key(admin, "admin", "client_ca", false);
  if (auto allow = r.boolean(admin, "admin", "allow_plain_remote")) {
    c.admin_allow_plain_remote = *allow;
  }
  const bool has_certificate = admin->get("tls_certificate") != nullptr;
  const bool has_key = admin->get("tls_private_key") != nullptr;
  const bool has_client_ca = admin->get("client_ca") != nullptr;
  if (has_certificate && !has_key) {
    r.problem(
        "admin.tls_private_key: missing; admin.tls_certificate is set, and TLS for the HTTP "
        "API needs both (or neither, for plain HTTP on loopback)");
  }
  if (has_key && !has_certificate) {
    r.problem(
        "admin.tls_certificate: missing; admin.tls_private_key is set, and TLS for the HTTP "
        "API needs both (or neither, for plain HTTP on loopback)");
  }
  if (has_client_ca && !has_certificate && !has_key) {
    r.problem(
        "admin.client_ca: client certificates are asked for only over TLS; expected "
        "admin.tls_certificate and admin.tls_private_key too");
  }
  const bool tls = has_certificate || has_key;
  if (!c.admin) {
    if (tls || has_client_ca) {
      r.problem("admin.address: missing; expected host:port for the HTTP API its TLS keys serve");
    }
    return;
  }
  if (!tls && !c.admin_allow_plain_remote && !is_loopback_host(c.admin->host)) {
    r.problem(fmt::format(
        "admin.address: \"{}\" is not a loopback address, and plain HTTP would carry personal "
        "data over the network; expected a loopback address (127.0.0.1, [::1], localhost), "
        "TLS (admin.tls_certificate and admin.tls_private_key, with admin.client_ca to require "
        "client certificates), or admin.allow_plain_remote = true",
        c.admin->text()));
  }
}

// The HTTP API's TLS files: a certificate valid now, its key, the client CAs;
// then the context itself, as provnode will build it.
// [audit]: the chain's hash, how often a province sends its checkpoint, and
// (national) how reconciliation judges.
void read_audit_section(ConfigReader& r, NodeConfig& c) {
  const toml::table* a = r.section("audit", false);
  if (auto hash = r.text(a, "audit", "hash", false)) {
    auto algorithm = core::parse_hash_algorithm(*hash);
    if (!algorithm) {
      r.problem(fmt::format("audit.hash: \"{}\"; expected sha256 or sm3", *hash));
    } else if (!core::hash_algorithm_available(*algorithm)) {
      r.problem(fmt::format("audit.hash: {} is not available in this OpenSSL; use sha256", *hash));
    } else {
      c.audit_hash = *algorithm;
    }
  }
  auto seconds = [&](const char* key, std::int64_t& ms, std::int64_t min, std::int64_t max) {
    std::int64_t s = ms / 1000;
    r.integer(a, "audit", key, s, min, max);
    ms = s * 1000;
  };
  seconds("checkpoint_interval_s", c.checkpoint_interval_ms, 0, 7 * 86'400);
  seconds("reconcile_interval_s", c.reconcile_interval_ms, 0, 86'400);
  seconds("unacknowledged_after_s", c.unacknowledged_after_ms, 1, 30 * 86'400);
  seconds("clock_skew_s", c.clock_skew_ms, 0, 86'400);
}

void check_admin_tls_files(ConfigReader& r, const NodeConfig& c) {
  if (c.admin_tls_certificate.empty() && c.admin_tls_private_key.empty()) return;
  const std::size_t before = r.problems.size();
  std::optional<ca::CertificateHandle> cert;
  std::optional<ca::KeyHandle> key;
  if (!c.admin_tls_certificate.empty()) {
    auto loaded = ca::read_certificate_file(c.admin_tls_certificate);
    if (!loaded) {
      r.problem("admin.tls_certificate: " + loaded.error().message);
    } else {
      cert = std::move(*loaded);
      auto period = ca::validity_period_of(cert->get());
      auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
      if (!period) {
        r.problem("admin.tls_certificate: " + period.error().message);
      } else if (now >= period->not_after_unix) {
        r.problem(
            fmt::format("admin.tls_certificate: {} expired on {}; expected a certificate "
                        "valid now",
                        c.admin_tls_certificate, ca::utc_text(period->not_after_unix)));
      } else if (now < period->not_before_unix) {
        r.problem(
            fmt::format("admin.tls_certificate: {} is not valid before {}; expected a "
                        "certificate valid now",
                        c.admin_tls_certificate, ca::utc_text(period->not_before_unix)));
      }
    }
  }
  if (!c.admin_tls_private_key.empty()) {
    auto loaded = ca::read_private_key_file(c.admin_tls_private_key);
    if (!loaded)
      r.problem("admin.tls_private_key: " + loaded.error().message);
    else
      key = std::move(*loaded);
  }
  if (cert && key && X509_check_private_key(cert->get(), key->get()) != 1) {
    r.problem(
        fmt::format("admin.tls_private_key: the key in {} does not belong to the certificate {} "
                    "(admin.tls_certificate)",
                    c.admin_tls_private_key, c.admin_tls_certificate));
  }
  if (!c.admin_client_ca.empty()) {
    auto anchors = ca::TrustAnchors::from_pem_file(c.admin_client_ca);
    if (!anchors) r.problem("admin.client_ca: " + anchors.error().message);
  }
  if (r.problems.size() != before || !cert || !key) return;
  auto context = net::make_admin_tls_context(
      net::AdminTlsFiles{c.admin_tls_certificate, c.admin_tls_private_key, c.admin_client_ca});
  if (!context) r.problem(context.error().message);
}

// [log] max_size and keep: how the node rotates its own log file.
void read_log_rotation(ConfigReader& r, const toml::table* log, NodeConfig& c) {
  if (!log) return;
  constexpr std::int64_t kMinSize = 4096;       // a few lines: smaller only churns files
  constexpr std::int64_t kMaxSize = 1ll << 40;  // 1 TiB
  constexpr std::int64_t kMaxKeep = 1000;
  if (const toml::node* n = log->get("max_size")) {
    const std::string expected = fmt::format(
        "expected a number of bytes, 0 (no rotation by the node) or {} to {} (e.g. "
        "104857600 for 100 MiB)",
        kMinSize, kMaxSize);
    if (!n->is_integer()) {
      r.problem(fmt::format("log.max_size: found a {}; {}", ConfigReader::type_name(n->type()),
                            expected));
    } else if (const std::int64_t v = n->as_integer()->get();
               v != 0 && (v < kMinSize || v > kMaxSize)) {
      r.problem(fmt::format("log.max_size: {} is out of range; {}", v, expected));
    } else {
      c.log_max_size_bytes = static_cast<std::uint64_t>(v);
    }
  }
  if (const toml::node* n = log->get("keep")) {
    const std::string expected =
        fmt::format("expected how many rotated files to keep, 1 to {}", kMaxKeep);
    if (!n->is_integer()) {
      r.problem(
          fmt::format("log.keep: found a {}; {}", ConfigReader::type_name(n->type()), expected));
    } else if (const std::int64_t v = n->as_integer()->get(); v < 1 || v > kMaxKeep) {
      r.problem(fmt::format("log.keep: {} is out of range; {}", v, expected));
    } else {
      c.log_keep = static_cast<std::uint32_t>(v);
    }
  }
  // Rotation settings without a file would be silently ignored.
  if (!log->get("file")) {
    for (const char* key : {"max_size", "keep"}) {
      if (log->get(key)) {
        r.problem(fmt::format(
            "log.{}: the log goes to standard error (no log.file), which the node does not "
            "rotate; expected log.file too, or no log.{}",
            key, key));
      }
    }
  }
}

}  // namespace

std::string_view signing_algorithm_name(SigningAlgorithm a) {
  return a == SigningAlgorithm::sm2_sm3 ? "sm2-sm3" : "ecdsa-p256-sha256";
}

ConfigCheck load_node_config(const std::string& file) {
  ConfigCheck out;
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      out.problems.push_back(fmt::format("{}: no such file", file));
    } else {
      out.problems.push_back(fmt::format("{}:{}:{}: {}", file, e.source().begin.line,
                                         e.source().begin.column, e.description()));
    }
    return out;
  }
  ConfigReader r(root, fs::absolute(fs::path(file)).parent_path());
  r.check_unknown_keys(root, "");
  NodeConfig c;
  c.source_path = file;

  const toml::table* node = r.section("node", true);
  std::optional<ProvinceCode> code;
  if (auto v = r.text(node, "node", "code", true)) code = parse_node_code(r, "node.code", *v);
  if (auto role = r.text(node, "node", "role", true)) {
    if (*role != "province" && *role != "national") {
      r.problem(fmt::format("node.role: \"{}\"; expected \"province\" or \"national\"", *role));
    } else if (code) {
      c.code = *code;
      c.national = *role == "national";
      if (c.national != (*code == domain::kNationalCode)) {
        r.problem(
            fmt::format("node.role: \"{}\" does not fit node.code \"{}\"; the national "
                        "node is \"00\" and only it",
                        *role, domain::province_code_text(*code)));
      }
    }
  }

  const toml::table* store = r.section("store", true);
  if (auto p = r.text(store, "store", "path", true)) c.store_path = r.path(*p);
  std::uint64_t map_mib = c.map_size_bytes >> 20;
  r.integer(store, "store", "map_size_mib", map_mib, 1, 1 << 24);
  c.map_size_bytes = map_mib << 20;

  c.listen = r.address(r.section("listen", false), "listen");
  const toml::table* admin = r.section("admin", false);
  c.admin = r.address(admin, "admin");

  const toml::table* tls = r.section("tls", true);
  auto file_key = [&](const toml::table* t, const std::string& where, const std::string& key,
                      bool required) -> std::string {
    auto v = r.text(t, where, key, required);
    if (!v) return {};
    std::string p = r.path(*v);
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      r.problem(fmt::format("{}.{}: {}: no such file", where, key, p));
      return {};
    }
    std::ifstream probe(p);
    if (!probe) {
      r.problem(fmt::format("{}.{}: {}: cannot be read (permissions?)", where, key, p));
      return {};
    }
    return p;
  };
  c.tls_certificate = file_key(tls, "tls", "certificate", true);
  c.tls_private_key = file_key(tls, "tls", "private_key", true);
  c.tls_ca = file_key(tls, "tls", "ca", true);
  read_admin_tls(r, admin, c, file_key);

  const toml::table* signing = r.section("signing", false);
  if (auto a = r.text(signing, "signing", "algorithm", false)) {
    if (*a == "ecdsa-p256-sha256") {
      c.signing_algorithm = SigningAlgorithm::ecdsa_p256_sha256;
    } else if (*a == "sm2-sm3") {
      c.signing_algorithm = SigningAlgorithm::sm2_sm3;
    } else {
      r.problem(
          fmt::format("signing.algorithm: \"{}\"; expected \"ecdsa-p256-sha256\" or "
                      "\"sm2-sm3\"",
                      *a));
    }
  }
  c.signing_certificate = file_key(signing, "signing", "certificate", false);
  c.signing_private_key = file_key(signing, "signing", "private_key", false);
  if (signing && signing->get("certificate") == nullptr) c.signing_certificate = c.tls_certificate;
  if (signing && signing->get("private_key") == nullptr) c.signing_private_key = c.tls_private_key;
  if (!signing) {
    c.signing_certificate = c.tls_certificate;
    c.signing_private_key = c.tls_private_key;
  }

  if (const toml::node* peers = root.get("peers")) {
    const toml::array* list = peers->as_array();
    if (!list || !list->is_array_of_tables()) {
      r.problem("peers: expected an array of tables [[peers]] with code and address");
    } else {
      std::set<ProvinceCode> seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table* p = list->get(i)->as_table();
        std::string where = fmt::format("peers[{}]", i);
        for (auto&& [key, value] : *p) {
          if (key.str() != "code" && key.str() != "address") {
            r.problem(fmt::format("{}.{}: unknown key; known keys in [[peers]]: address, code",
                                  where, key.str()));
          }
        }
        PeerConfig peer;
        auto v = r.text(p, where, "code", true);
        if (!v) continue;
        auto pc = parse_node_code(r, where + ".code", *v);
        if (!pc) continue;
        peer.code = *pc;
        peer.address = r.address(p, where);
        if (code && peer.code == *code) {
          r.problem(fmt::format("{}.code: \"{}\" is this node itself", where, *v));
          continue;
        }
        if (!seen.insert(peer.code).second) {
          r.problem(fmt::format("{}.code: node {} is listed twice", where, *v));
          continue;
        }
        if (code && peer.code < *code && !peer.address) {
          r.problem(
              fmt::format("{}.address: missing; this node dials node {} (the node with "
                          "the higher code dials), so it needs its address",
                          where, *v));
        }
        c.peers.push_back(peer);
      }
    }
  }
  if (code && !c.national && std::none_of(c.peers.begin(), c.peers.end(), [](const PeerConfig& p) {
        return p.code == domain::kNationalCode;
      })) {
    r.problem(
        "peers: the national node (code \"00\") is missing; every province reaches the "
        "others through it");
  }
  if (code &&
      std::any_of(c.peers.begin(), c.peers.end(),
                  [&](const PeerConfig& p) { return p.code > *code; }) &&
      !c.listen) {
    r.problem("listen.address: missing; peers with a higher code dial this node");
  }

  const toml::table* d = r.section("delivery", false);
  r.integer(d, "delivery", "batch_max_records", c.batch_max_records, 1, kMaxBatchRecords);
  r.integer(d, "delivery", "batch_linger_ms", c.batch_linger_ms, 0, 60'000);
  r.integer(d, "delivery", "max_in_flight_per_link", c.max_in_flight_per_link, 1, 1'024);
  r.integer(d, "delivery", "retry_initial_ms", c.retry_initial_ms, 10, 3'600'000);
  r.integer(d, "delivery", "retry_max_ms", c.retry_max_ms, 10, 86'400'000);
  r.integer(d, "delivery", "reconnect_initial_ms", c.reconnect_initial_ms, 10, 3'600'000);
  r.integer(d, "delivery", "reconnect_max_ms", c.reconnect_max_ms, 10, 86'400'000);
  r.integer(d, "delivery", "max_frame_bytes", c.max_frame_bytes, 4096, 256 * 1024 * 1024);
  r.integer(d, "delivery", "traversal_limit_words", c.traversal_limit_words, 1024,
            std::int64_t{1} << 32);
  r.integer(d, "delivery", "max_queued_write_bytes", c.max_queued_write_bytes, 65'536,
            std::int64_t{1} << 32);
  r.integer(d, "delivery", "handshake_timeout_ms", c.handshake_timeout_ms, 100, 600'000);
  std::int64_t fallback_s = c.direct_fallback_ms / 1000;
  r.integer(d, "delivery", "direct_fallback_s", fallback_s, 1, 7 * 86'400);
  c.direct_fallback_ms = fallback_s * 1000;

  const toml::table* dir = r.section("directory", false);
  std::int64_t refresh_s = c.directory_refresh_ms / 1000;
  r.integer(dir, "directory", "refresh_interval_s", refresh_s, 1, 86'400);
  c.directory_refresh_ms = refresh_s * 1000;
  std::int64_t validity_h = c.directory_validity_ms / 3'600'000;
  r.integer(dir, "directory", "validity_hours", validity_h, 1, 24 * 365);
  c.directory_validity_ms = validity_h * 3'600'000;
  auto nodes_file = file_key(dir, "directory", "publish_nodes", false);
  auto groups_file = file_key(dir, "directory", "publish_groups", false);
  auto index_file = r.text(dir, "directory", "publish_ca_index", false);
  const bool publishes = dir && (dir->get("publish_nodes") || dir->get("publish_groups") ||
                                 dir->get("publish_ca_index") || dir->get("validity_hours"));
  if (code && !c.national && publishes) {
    r.problem(
        "directory.publish_*: only the national node publishes the directory; a province "
        "takes only directory.refresh_interval_s");
  } else if (c.national && dir && publishes) {
    if (!dir->get("publish_nodes")) r.problem("directory.publish_nodes: missing; expected a file");
    if (!dir->get("publish_groups")) {
      r.problem("directory.publish_groups: missing; expected a file");
    }
    if (!nodes_file.empty() && !groups_file.empty()) {
      DirectorySources sources{nodes_file, groups_file, index_file ? r.path(*index_file) : ""};
      auto now_unix = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      auto loaded = load_directory_sources(sources, now_unix);
      for (const std::string& p : loaded.problems) r.problem("directory: " + p);
      c.publish = sources;
    }
  }
  // The holiday calendar for query due dates: the configured directory must
  // hold it; by default the configuration file's own directory may.
  const toml::table* collab = r.section("collaboration", false);
  auto calendar_dir = r.text(collab, "collaboration", "calendar_dir", false);
  const std::string calendar_path = calendar_dir ? r.path(*calendar_dir) : r.path(".");
  auto calendar = domain::HolidayCalendar::load_directory(calendar_path);
  if (calendar) {
    c.calendar = std::make_shared<const domain::HolidayCalendar>(std::move(*calendar));
  } else if (calendar_dir || calendar.error().code != Errc::not_found) {
    r.problem("collaboration.calendar_dir: " + calendar.error().message);
  }
  read_audit_section(r, c);
  if (c.retry_max_ms < c.retry_initial_ms) {
    r.problem(fmt::format("delivery.retry_max_ms: {} is below delivery.retry_initial_ms {}",
                          c.retry_max_ms, c.retry_initial_ms));
  }
  if (c.traversal_limit_words * 8 < c.max_frame_bytes) {
    r.problem(
        fmt::format("delivery.traversal_limit_words: {} words ({} bytes) cannot read one "
                    "frame of delivery.max_frame_bytes {}; expected at least {}",
                    c.traversal_limit_words, c.traversal_limit_words * 8, c.max_frame_bytes,
                    c.max_frame_bytes / 8));
  }

  const toml::table* ops = r.section("ops", false);
  r.integer(ops, "ops", "certificate_warning_days", c.ops.certificate_warning_days, 1, 3650);
  r.integer(ops, "ops", "store_warning_percent", c.ops.store_warning_percent, 1, 99);
  r.integer(ops, "ops", "disk_warning_free_percent", c.ops.disk_warning_free_percent, 0, 99);
  std::uint64_t disk_free_mib = c.ops.disk_warning_free_bytes >> 20;
  r.integer(ops, "ops", "disk_warning_free_mib", disk_free_mib, 0, std::int64_t{1} << 30);
  c.ops.disk_warning_free_bytes = disk_free_mib << 20;
  std::int64_t check_s = c.ops.check_interval_ms / 1000;
  r.integer(ops, "ops", "check_interval_s", check_s, 1, 86'400);
  c.ops.check_interval_ms = check_s * 1000;

  const toml::table* log = r.section("log", false);
  if (auto level = r.text(log, "log", "level", false)) {
    static const std::set<std::string> levels = {"debug", "info", "warn", "error"};
    if (!levels.count(*level)) {
      r.problem(fmt::format("log.level: \"{}\"; expected debug, info, warn or error", *level));
    } else {
      c.log_level = *level;
    }
  }
  if (auto f = r.text(log, "log", "file", false)) c.log_file = r.path(*f);
  read_log_rotation(r, log, c);

  if (code) check_identity_files(r, c);
  check_admin_tls_files(r, c);
  out.problems = std::move(r.problems);
  if (out.problems.empty()) out.config = std::move(c);
  return out;
}

}  // namespace provnet::daemon
