// provctl's subcommands. Each returns the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/log_filter.hpp"
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

// provctl store backup / restore (provctl_store_backup.cpp): 0 done, 1
// refused or failed (the reason on stderr).
struct BackupOptions {
  std::string store_path;  // the node's store; it may be running
  std::string out;         // a new or empty directory
};
int run_store_backup(const BackupOptions& options);

struct RestoreOptions {
  std::string from;        // a backup
  std::string store_path;  // a new or empty directory: the node's store from now on
  std::string node;        // "" or the node the backup must belong to
};
int run_store_restore(const RestoreOptions& options);

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

// provctl commands that talk to a running node's HTTP API (provctl_api.cpp).
// Exit status: 0 done, 1 the node answered with an error (4xx/5xx; its
// message and problems are printed), 2 a usage error or no connection.
struct ApiOptions {
  std::string url = "http://127.0.0.1:18000";  // --api, or PROVNET_API
  std::string operator_id;                     // --operator, or PROVNET_OPERATOR: X-Operator-Id
  std::string certificate;                     // --cert: client certificate (https)
  std::string private_key;                     // --key
  std::string ca;  // --ca: CAs of the server's certificate; "" = the system's
};

struct StatusOptions {
  bool json = false;
};
int run_api_status(const ApiOptions& api, const StatusOptions& options);

// GET /v1/admin/log-level, or PUT it when `level` is given (needs --operator).
struct LogLevelOptions {
  std::string level;  // "" = only print it
};
int run_api_log_level(const ApiOptions& api, const LogLevelOptions& options);

// POST /v1/<kind> with a file. 0 every item accepted or unchanged, 1 some
// rejected, 2 the request failed or the file cannot be read.
struct SubmitOptions {
  std::string kind;  // records, check-notices, ..., answers
  std::string path;
  std::string reason;       // X-Change-Reason
  std::string change_kind;  // X-Change-Kind (records only)
};
int run_api_submit(const ApiOptions& api, const SubmitOptions& options);

struct InboxOptions {
  std::string kind;  // "" = every kind
  std::string cursor_file;
  std::optional<std::uint64_t> after;
  std::uint64_t limit = 1000;  // entries per page
  std::string out;             // "" = standard output
};
int run_api_inbox(const ApiOptions& api, const InboxOptions& options);

struct QueriesOptions {
  std::string role;   // answering | asking | ""
  std::string state;  // open | overdue | answered | answered_late | ""
  bool json = false;
};
int run_api_queries(const ApiOptions& api, const QueriesOptions& options);

struct QuarterlyReportOptions {
  int year = 0;
  int quarter = 0;
  bool submit = false;  // POST: send it to the national node
  bool json = false;
};
int run_api_report_quarterly(const ApiOptions& api, const QuarterlyReportOptions& options);

struct MonthlyReportOptions {
  int year = 0;
  int month = 0;
  bool csv = false;
  bool json = false;
};
int run_api_report_monthly(const ApiOptions& api, const MonthlyReportOptions& options);

struct RecordOptions {
  std::string id;
  bool json = false;
};
int run_api_record(const ApiOptions& api, const RecordOptions& options);

// Audit (ARCHITECTURE.md "Audit").
struct AuditVerifyOptions {
  std::string store_path;  // a node's store, or a copy of it
  bool json = false;
};
// Exit 0 the chain verifies, 1 it does not (the first bad entry is named),
// 2 the store cannot be read.
int run_audit_verify(const AuditVerifyOptions& options);

struct AuditApiOptions {
  bool json = false;
};
int run_api_audit_show(const ApiOptions& api, const AuditApiOptions& options);
int run_api_audit_checkpoint(const ApiOptions& api, const AuditApiOptions& options);
// Exit 0 clean, 1 discrepancies (listed) or an error, 2 no connection.
int run_api_audit_reconcile(const ApiOptions& api, const AuditApiOptions& options);

struct TraceOptions {
  std::string id;
  std::string national_url;  // also ask the national node (its own API address)
  bool json = false;
};
// "Where is record X, who sent it, did they get it?"
int run_api_trace(const ApiOptions& api, const TraceOptions& options);
// provctl logs (provctl_logs.cpp): a node's JSON log, filtered. 0 done, 1
// some lines were not JSON (reported on stderr and skipped), 2 a usage
// error or a file that cannot be read.
struct LogsOptions {
  std::string path;
  LogFilterOptions filter;
  std::string format = "json";  // json: the lines as written; text: one compact line each
  bool current_only = false;    // not the rotated files path.N ... path.1
  bool follow = false;          // keep printing lines as they are written, through rotations
};
int run_logs(const LogsOptions& options);

}  // namespace provnet::app
