// provctl's subcommands. Each returns the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/date.hpp"

namespace provnet::app {

// The reporting date: --today YYYYMMDD, or the current date in China.
std::optional<domain::Date> reporting_date(const std::string& today_text);
std::int64_t now_unix_ms();

struct ValidateOptions {
  std::string path;
  std::string format;  // "" = from the extension
  bool json = false;
  std::string today;  // "" = today
};
// 0 all valid, 1 some invalid, 2 unreadable or unparseable.
int run_validate(const ValidateOptions& options);

struct IngestOptions {
  std::string store_path;
  std::string node;  // two digits
  std::string path;
  std::string format;
  std::string operator_id = "provctl";
  std::string reason = "bulk import";
  std::uint64_t map_size_mib = 1024;
  std::size_t batch = 10'000;  // records per transaction
};
// Validates and stores records as the node's own reports, queued in the
// outbox for the provinces they concern. 0 all stored, 1 some invalid, 2 error.
int run_store_ingest(const IngestOptions& options);

struct ShowOptions {
  std::string store_path;
  std::size_t records = 10;  // how many records to list
};
int run_store_show(const ShowOptions& options);

// provctl ca: the national CA in a directory (provctl_ca.cpp). Each returns
// 0 on success, 1 when the operation failed, 2 for an unusable option value.
struct CaInitOptions {
  std::string dir;
  std::string name = "provnet dev CA";
  std::string algorithm = "ecdsa-p256";
  std::uint32_t days = 3650;
  std::uint32_t crl_days = 30;  // nextUpdate of the first CRL
};
int run_ca_init(const CaInitOptions& options);

struct CaIssueOptions {
  std::string dir;
  std::string code;  // two digits, 00 = national (--code, alias --node)
  std::string out;   // where node-NN.pem (and .key) go; "" = dir
  std::string algorithm = "ecdsa-p256";
  std::uint32_t days = 825;
  std::string stem;    // file name stem; default node-NN
  std::string csr;     // certify this CSR's key instead of making one
  bool force = false;  // overwrite existing files
};
int run_ca_issue(const CaIssueOptions& options);

// The province side of a CSR: a key (0600) and node-NN.csr.
struct CaRequestOptions {
  std::string code;
  std::string out;
  std::string algorithm = "ecdsa-p256";
  std::string stem;
  bool force = false;
};
int run_ca_request(const CaRequestOptions& options);

struct CaRevokeOptions {
  std::string dir;
  std::string serial;
  std::string reason;
  std::uint32_t crl_days = 30;
};
int run_ca_revoke(const CaRevokeOptions& options);

struct CaListOptions {
  std::string dir;
  bool json = false;
};
int run_ca_list(const CaListOptions& options);

struct CaCrlOptions {
  std::string dir;
  std::uint32_t days = 30;
};
int run_ca_crl(const CaCrlOptions& options);

}  // namespace provnet::app
