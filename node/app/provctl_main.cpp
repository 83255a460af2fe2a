// provctl: the operator's command line.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <string>

#include "app/provctl_commands.hpp"

int main(int argc, char** argv) {
  using namespace provnet::app;
  CLI::App app{"provctl: operate a provnet node"};
  app.require_subcommand(1);

  ValidateOptions validate;
  auto* v =
      app.add_subcommand("validate",
                         "check records (NDJSON, CSV or JSON) against SPEC §2.1 and §4; exit 0 all "
                         "valid, 1 some invalid, 2 unreadable");
  v->add_option("FILE", validate.path, "the file to check")->required();
  v->add_option("--format", validate.format, "ndjson, csv or json (default: by extension)")
      ->check(CLI::IsMember({"ndjson", "jsonl", "csv", "json"}));
  v->add_flag("--json", validate.json, "one JSON object per invalid record");
  v->add_option("--today", validate.today, "the reporting date YYYYMMDD (default: today)");

  auto* store = app.add_subcommand(
      "store", "work on a node's store: offline, except backup (which works while provnode runs)");
  store->require_subcommand(1);
  IngestOptions ingest;
  auto* in = store->add_subcommand(
      "ingest",
      "validate records and store them as this node's reports, queued for the "
      "provinces they concern");
  in->add_option("--store", ingest.store_path, "the store directory")->required();
  in->add_option("--node", ingest.node, "this node's province code")->required();
  in->add_option("FILE", ingest.path, "NDJSON, CSV or JSON records")->required();
  in->add_option("--format", ingest.format, "ndjson, csv or json (default: by extension)")
      ->check(CLI::IsMember({"ndjson", "jsonl", "csv", "json"}));
  in->add_option("--operator", ingest.operator_id, "operator id recorded with each version")
      ->capture_default_str();
  in->add_option("--reason", ingest.reason, "why, recorded with each version")
      ->capture_default_str();
  in->add_option("--map-size-mib", ingest.map_size_mib, "LMDB map size")->capture_default_str();
  in->add_option("--batch", ingest.batch, "records per transaction")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  ShowOptions show;
  auto* sh =
      store->add_subcommand("show", "print what a store holds (ids and codes, no personal data)");
  sh->add_option("--store", show.store_path, "the store directory")->required();
  sh->add_option("--records", show.records, "how many records to list")->capture_default_str();
  BackupOptions backup;
  auto* sb = store->add_subcommand(
      "backup",
      "copy a store consistently, also while provnode runs on it, and print what the copy "
      "holds; exit 0 done, 1 failed");
  sb->add_option("--store", backup.store_path, "the node's store directory")->required();
  sb->add_option("--out", backup.out, "a new or empty directory for the copy")->required();
  RestoreOptions restore;
  auto* sr = store->add_subcommand(
      "restore",
      "copy a backup into a new store directory for provnode to run on, after checking it "
      "(schema, node), and print what it restored; exit 0 done, 1 refused or failed");
  sr->add_option("--from", restore.from, "the backup directory (provctl store backup --out)")
      ->required();
  sr->add_option("--store", restore.store_path,
                 "a new or empty directory: the node's store.path from now on")
      ->required();
  sr->add_option("--node", restore.node, "refuse unless the backup is this node's store");

  auto* ca_cmd = app.add_subcommand(
      "ca",
      "the national CA in a directory: issue, revoke and list node certificates, make the CRL; "
      "exit 0 done, 1 failed, 2 bad option value");
  ca_cmd->require_subcommand(1);
  CaInitOptions ca_init;
  auto* ci = ca_cmd->add_subcommand(
      "init", "make a CA: DIR/ca.pem, ca.key (0600), an empty index.tsv and crl.pem");
  ci->add_option("--dir", ca_init.dir, "the CA directory (made 0700 if missing)")->required();
  ci->add_option("--name", ca_init.name, "the CA's common name")->capture_default_str();
  ci->add_option("--algorithm", ca_init.algorithm,
                 "ecdsa-p256, or sm2 for an SM2/SM3-signing root (OpenSSL 3.0 verifies its "
                 "chains, in TLS too; node TLS keys stay ecdsa-p256)")
      ->capture_default_str();
  ci->add_option("--days", ca_init.days, "validity in days")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  ci->add_option("--crl-days", ca_init.crl_days, "the first CRL's nextUpdate, in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  CaIssueOptions ca_issue;
  auto* cs = ca_cmd->add_subcommand(
      "issue",
      "issue a node certificate, recorded in DIR/index.tsv: OUT/node-NN.pem and node-NN.key "
      "(0600), or only node-NN.pem for a province's CSR");
  cs->add_option("--dir", ca_issue.dir, "the CA directory")->required();
  cs->add_option("--code,--node", ca_issue.code, "the node's code: 00 or a province code")
      ->required();
  cs->add_option("--out", ca_issue.out, "where to write the files (default: the CA directory)");
  auto* issue_algorithm =
      cs->add_option("--algorithm", ca_issue.algorithm,
                     "ecdsa-p256 (TLS and signing) or sm2 (envelope signing only)")
          ->capture_default_str();
  cs->add_option("--days", ca_issue.days, "validity in days")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  cs->add_option("--stem", ca_issue.stem,
                 "file name stem (default node-NN), e.g. to issue a renewal beside the files "
                 "in use");
  cs->add_option("--csr", ca_issue.csr,
                 "certify the key of this CSR (provctl ca request) instead of making a key")
      ->excludes(issue_algorithm);
  cs->add_flag("--force", ca_issue.force, "overwrite existing files of the same name");
  CaRequestOptions ca_request;
  auto* cq = ca_cmd->add_subcommand(
      "request",
      "province side: make a key (0600) and a CSR, OUT/node-NN.key and node-NN.csr, for the "
      "national centre's issue --csr");
  cq->add_option("--code,--node", ca_request.code, "this node's code")->required();
  cq->add_option("--out", ca_request.out, "where to write the key and the CSR")->required();
  cq->add_option("--algorithm", ca_request.algorithm, "ecdsa-p256 or sm2")->capture_default_str();
  cq->add_option("--stem", ca_request.stem, "file name stem (default node-NN)");
  cq->add_flag("--force", ca_request.force, "overwrite existing files of the same name");
  CaRevokeOptions ca_revoke;
  auto* cr = ca_cmd->add_subcommand(
      "revoke", "revoke a certificate: mark it in DIR/index.tsv and regenerate DIR/crl.pem");
  cr->add_option("--dir", ca_revoke.dir, "the CA directory")->required();
  cr->add_option("--serial", ca_revoke.serial, "the serial, hex, as provctl ca list shows it")
      ->required();
  cr->add_option("--reason", ca_revoke.reason,
                 "unspecified, keyCompromise, affiliationChanged, superseded or "
                 "cessationOfOperation")
      ->required();
  cr->add_option("--crl-days", ca_revoke.crl_days, "the new CRL's nextUpdate, in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  CaListOptions ca_list;
  auto* cl = ca_cmd->add_subcommand("list", "the certificates DIR/index.tsv records");
  cl->add_option("--dir", ca_list.dir, "the CA directory")->required();
  cl->add_flag("--json", ca_list.json, "as JSON");
  CaCrlOptions ca_crl;
  auto* cc = ca_cmd->add_subcommand("crl", "regenerate DIR/crl.pem (a new nextUpdate)");
  cc->add_option("--dir", ca_crl.dir, "the CA directory")->required();
  cc->add_option("--days", ca_crl.days, "nextUpdate, in days from now")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();

  // Commands over a running node's HTTP API: each takes the same connection
  // options.
  ApiOptions api;
  auto add_api_options = [&api](CLI::App* command) {
    command
        ->add_option("--api", api.url,
                     "the node's HTTP API, http:// or https:// (env PROVNET_API; province NN "
                     "listens on 127.0.0.1:18000+NN in the reference configuration)")
        ->envname("PROVNET_API")
        ->capture_default_str();
    command
        ->add_option("--operator", api.operator_id,
                     "operator id, sent as X-Operator-Id; required to POST (env PROVNET_OPERATOR)")
        ->envname("PROVNET_OPERATOR");
    command->add_option("--cert", api.certificate, "client certificate (PEM), for https")
        ->check(CLI::ExistingFile);
    command->add_option("--key", api.private_key, "the client certificate's key (PEM)")
        ->check(CLI::ExistingFile);
    command
        ->add_option("--ca", api.ca,
                     "CA certificates (PEM) the server's certificate must chain to; default: the "
                     "system's, and then the certificate must name the host")
        ->check(CLI::ExistingFile);
  };
  const std::string api_exit =
      "; exit 0 done, 1 the node answered an error, 2 usage or no connection";

  StatusOptions status;
  auto* st = app.add_subcommand(
      "status", "a node's links, pending messages, counts and directory" + api_exit);
  add_api_options(st);
  st->add_flag("--json", status.json, "print the node's JSON as it is");

  LogLevelOptions log_level;
  auto* ll = app.add_subcommand("log-level",
                                "print the node's log level, or change it while the node runs "
                                "(needs --operator; back to the configuration's on restart)" +
                                    api_exit);
  add_api_options(ll);
  ll->add_option("LEVEL", log_level.level, "the new level: debug, info, warn or error");

  SubmitOptions submit;
  auto* su = app.add_subcommand(
      "submit",
      "POST a file of items to the node; exit 0 all accepted or unchanged, 1 some rejected, 2 "
      "the request failed or the file cannot be read");
  add_api_options(su);
  su->add_option("KIND", submit.kind,
                 "records, check-notices, check-feedbacks, birth-registrations, birth-feedbacks, "
                 "queries or answers")
      ->required()
      ->check(CLI::IsMember({"records", "check-notices", "check-feedbacks", "birth-registrations",
                             "birth-feedbacks", "queries", "answers"}));
  su->add_option("FILE", submit.path,
                 ".ndjson/.jsonl (application/x-ndjson), .json (application/json) or, for "
                 "records, .csv (text/csv)")
      ->required();
  su->add_option("--reason", submit.reason, "why, sent as X-Change-Reason");
  su->add_option("--change", submit.change_kind,
                 "the kind of change, sent as X-Change-Kind "
                 "(records only)");

  InboxOptions inbox;
  std::uint64_t inbox_after = 0;
  auto* ib = app.add_subcommand(
      "inbox",
      "download what arrived, as NDJSON, page by page until the node has no more" + api_exit);
  add_api_options(ib);
  ib->add_option("--kind", inbox.kind,
                 "only this kind: record, rejected, check_notice, check_feedback, "
                 "birth_registration, birth_feedback, query, answer");
  ib->add_option("--cursor-file", inbox.cursor_file,
                 "start from the cursor in this file and advance it after each page, so an "
                 "interrupted download resumes with nothing skipped or repeated");
  auto* after_option = ib->add_option("--after", inbox_after,
                                      "start after this cursor (default: the cursor file's, "
                                      "else 0)");
  ib->add_option("--limit", inbox.limit, "entries per page")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  ib->add_option("--out", inbox.out, "append entries to this file (made 0600; default: stdout)");

  QueriesOptions queries;
  auto* qu = app.add_subcommand("queries", "verification queries, by due date" + api_exit);
  add_api_options(qu);
  qu->add_option("--role", queries.role, "answering (asked of this node) or asking")
      ->check(CLI::IsMember({"answering", "asking"}));
  qu->add_option("--state", queries.state, "open, overdue, answered or answered_late")
      ->check(CLI::IsMember({"open", "overdue", "answered", "answered_late"}));
  qu->add_flag("--json", queries.json, "print the node's JSON as it is");

  auto* reports = app.add_subcommand("reports", "the node's statistics reports");
  reports->require_subcommand(1);
  QuarterlyReportOptions quarterly;
  auto* rq = reports->add_subcommand(
      "quarterly",
      "the quarterly statistics (--submit: send them to the national node)" + api_exit);
  add_api_options(rq);
  rq->add_option("--year", quarterly.year, "e.g. 2026")->required()->check(CLI::Range(2000, 2100));
  rq->add_option("--quarter", quarterly.quarter, "1 to 4")->required()->check(CLI::Range(1, 4));
  rq->add_flag("--submit", quarterly.submit, "POST: make and send the report (needs --operator)");
  rq->add_flag("--json", quarterly.json, "print the node's JSON as it is");
  MonthlyReportOptions monthly;
  auto* rm = reports->add_subcommand("monthly", "the monthly summary" + api_exit);
  add_api_options(rm);
  rm->add_option("--year", monthly.year, "e.g. 2026")->required()->check(CLI::Range(2000, 2100));
  rm->add_option("--month", monthly.month, "1 to 12")->required()->check(CLI::Range(1, 12));
  auto* monthly_csv = rm->add_flag("--csv", monthly.csv, "as CSV, from the node");
  rm->add_flag("--json", monthly.json, "print the node's JSON as it is")->excludes(monthly_csv);

  RecordOptions record;
  auto* rc = app.add_subcommand("record",
                                "a record's history: every version, who sent it, why" + api_exit);
  add_api_options(rc);
  rc->add_option("ID", record.id, "the record id, e.g. 44-2026-000000123")->required();
  rc->add_flag("--json", record.json, "print the node's JSON as it is");

  // Audit: the chain offline, and over the API.
  auto* audit = app.add_subcommand("audit", "the audit chain: verify, show, checkpoint, reconcile");
  audit->require_subcommand(1);
  AuditVerifyOptions audit_verify;
  auto* av = audit->add_subcommand(
      "verify",
      "check a store's hash chain offline (a copy of a live store is fine); exit 0 it verifies, "
      "1 it does not (the first bad entry is named), 2 the store cannot be read");
  av->add_option("--store", audit_verify.store_path, "the node's store directory, or a copy")
      ->required();
  av->add_flag("--json", audit_verify.json, "one JSON object");
  AuditApiOptions audit_api;
  auto* ash = audit->add_subcommand("show", "the node's chain: head, entries, counts" + api_exit);
  add_api_options(ash);
  ash->add_flag("--json", audit_api.json, "print the node's JSON as it is");
  auto* acp = audit->add_subcommand(
      "checkpoint", "a province sends its signed checkpoint to the national node now" + api_exit);
  add_api_options(acp);
  acp->add_flag("--json", audit_api.json, "print the node's JSON as it is");
  auto* arc = audit->add_subcommand(
      "reconcile",
      "at the national node: both ends of every link compared; exit 0 clean, 1 discrepancies, 2 "
      "no connection");
  add_api_options(arc);
  arc->add_flag("--json", audit_api.json, "print the node's JSON as it is");

  TraceOptions trace;
  auto* tr = app.add_subcommand(
      "trace",
      "where is a record, who sent it, did they get it: its versions and every audit entry "
      "about it and its messages, from this node's view and (--national) the national node's" +
          api_exit);
  add_api_options(tr);
  tr->add_option("RECORD_ID", trace.id, "the record id")->required();
  tr->add_option("--national", trace.national_url,
                 "the national node's HTTP API too (env PROVNET_NATIONAL_API)")
      ->envname("PROVNET_NATIONAL_API");
  tr->add_flag("--json", trace.json, "print the nodes' JSON (an array) as it is");
  LogsOptions logs;
  auto* lg = app.add_subcommand(
      "logs",
      "read a provnode JSON log (its rotated files path.N ... path.1 first), filtered; exit 0 "
      "done, 1 some lines were not JSON (reported and skipped), 2 usage or unreadable file");
  lg->add_option("FILE", logs.path, "the log file ([log] file of the node's configuration)")
      ->required();
  lg->add_option("--event", logs.filter.events,
                 "an event name, or a pattern with * (message.*); repeat for any of several")
      ->allow_extra_args(false);
  lg->add_option("--peer", logs.filter.peer, "lines about this peer, e.g. 00");
  lg->add_option("--record", logs.filter.record_id, "lines about this record id");
  lg->add_option("--message", logs.filter.message_id, "lines about this message id, e.g. 31:17");
  lg->add_option("--level", logs.filter.min_level,
                 "this level and above: debug, info, warn, error");
  lg->add_option("--since", logs.filter.since,
                 "from this time: 2026-11-23T10:15:02Z, 2026-11-23T10:15 (UTC unless it has an "
                 "offset, e.g. +08:00), or a date 2026-11-23 (UTC)");
  lg->add_option("--until", logs.filter.until,
                 "to the end of this time, in the same forms: a date includes its whole day");
  lg->add_option("--format", logs.format, "json (the lines as written) or text (compact)")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  lg->add_flag("--current-only", logs.current_only, "only FILE, not its rotated predecessors");
  lg->add_flag("-f,--follow", logs.follow,
               "then print lines as they are written, through rotations, until interrupted");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Usage errors exit 2 like any other "cannot even start" error.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (v->parsed()) return run_validate(validate);
    if (in->parsed()) return run_store_ingest(ingest);
    if (sh->parsed()) return run_store_show(show);
    if (sb->parsed()) return run_store_backup(backup);
    if (sr->parsed()) return run_store_restore(restore);
    if (ci->parsed()) return run_ca_init(ca_init);
    if (cs->parsed()) return run_ca_issue(ca_issue);
    if (cq->parsed()) return run_ca_request(ca_request);
    if (cr->parsed()) return run_ca_revoke(ca_revoke);
    if (cl->parsed()) return run_ca_list(ca_list);
    if (cc->parsed()) return run_ca_crl(ca_crl);
    if (st->parsed()) return run_api_status(api, status);
    if (ll->parsed()) return run_api_log_level(api, log_level);
    if (su->parsed()) return run_api_submit(api, submit);
    if (ib->parsed()) {
      if (after_option->count() > 0) inbox.after = inbox_after;
      return run_api_inbox(api, inbox);
    }
    if (qu->parsed()) return run_api_queries(api, queries);
    if (rq->parsed()) return run_api_report_quarterly(api, quarterly);
    if (rm->parsed()) return run_api_report_monthly(api, monthly);
    if (rc->parsed()) return run_api_record(api, record);
    if (av->parsed()) return run_audit_verify(audit_verify);
    if (ash->parsed()) return run_api_audit_show(api, audit_api);
    if (acp->parsed()) return run_api_audit_checkpoint(api, audit_api);
    if (arc->parsed()) return run_api_audit_reconcile(api, audit_api);
    if (tr->parsed()) return run_api_trace(api, trace);
    if (lg->parsed()) return run_logs(logs);
  } catch (const std::exception& e) {
    std::cerr << "provctl: " << e.what() << '\n';
  }
  return 2;
}
