// provctl: the operator's command line.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

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

  auto* store = app.add_subcommand("store", "work on a node's store offline");
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

  auto* ca_cmd = app.add_subcommand("ca", "a provnet certificate authority in a directory");
  ca_cmd->require_subcommand(1);
  CaInitOptions ca_init;
  auto* ci = ca_cmd->add_subcommand("init", "make a CA: DIR/ca.pem and DIR/ca.key");
  ci->add_option("--dir", ca_init.dir, "the CA directory")->required();
  ci->add_option("--name", ca_init.name, "the CA's common name")->capture_default_str();
  ci->add_option("--algorithm", ca_init.algorithm, "ecdsa-p256 or sm2")->capture_default_str();
  ci->add_option("--days", ca_init.days, "validity in days")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  CaIssueOptions ca_issue;
  auto* cs = ca_cmd->add_subcommand("issue", "issue a node certificate: DIR/node-NN.pem and .key");
  cs->add_option("--dir", ca_issue.dir, "the CA directory")->required();
  cs->add_option("--node", ca_issue.node, "the node's code: 00 or a province code")->required();
  cs->add_option("--algorithm", ca_issue.algorithm,
                 "ecdsa-p256 (TLS and signing) or sm2 (envelope signing only)")
      ->capture_default_str();
  cs->add_option("--days", ca_issue.days, "validity in days")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  cs->add_option("--stem", ca_issue.stem, "file name stem (default node-NN)");

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
    if (ci->parsed()) return run_ca_init(ca_init);
    if (cs->parsed()) return run_ca_issue(ca_issue);
  } catch (const std::exception& e) {
    std::cerr << "provctl: " << e.what() << '\n';
  }
  return 2;
}
