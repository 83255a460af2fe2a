// The record interchange format (README "Record interchange format"): JSON,
// NDJSON and CSV with our keys (CSV headers may also use the standard's
// WISField codes). Readers stream: one item at a time, whatever the file size.
//
// Reading and validating are two steps. Reading turns text into a
// MigrantRecord and notes what could not be read as the format demands (a
// number where a code string belongs, an unknown key); check_item() then adds
// the validation errors, without repeating a field reading already faulted.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "domain/migrant_record.hpp"
#include "domain/record_validation.hpp"

namespace provnet::domain {

// One problem of one item: a reading problem or a validation error. `field`
// is our key ("" for the item as a whole), `wis_field` the standard's code or "".
struct RecordProblem {
  std::string field;
  std::string wis_field;
  std::string found;
  std::string expected;
  std::string message;
};

RecordProblem problem_from(const ValidationError& error);

struct RecordItem {
  std::uint64_t line =
      0;  // where the item starts: file line (NDJSON, CSV) or array index + 1 (JSON)
  std::optional<MigrantRecord> record;  // absent when the item is not a record at all
  std::string record_id;                // as found, for reports ("" when none)
  std::vector<RecordProblem> problems;
  // The change this item makes (JSON keys "change" and "change_reason",
  // beside the record's fields): "" lets the node decide (created, updated).
  std::string change;
  std::string change_reason;
  bool valid() const { return record.has_value() && problems.empty(); }
};

// Adds the validation errors of item.record to item.problems (skipping
// fields that already have a reading problem). Returns item.valid().
bool check_item(RecordItem& item, const ValidationContext& ctx);

enum class InterchangeFormat { json, ndjson, csv };
std::optional<InterchangeFormat> format_from_name(
    std::string_view name);  // "json", "ndjson", "csv"
std::optional<InterchangeFormat> format_from_path(
    std::string_view path);  // by extension (.jsonl too)

// JSON object -> record.
RecordItem record_from_json(const nlohmann::json& value, std::uint64_t line);
nlohmann::json record_to_json(const MigrantRecord& record);

// Reads newline-delimited JSON: one record object per line; blank lines are
// skipped. A line that is not JSON becomes an item with a problem, and
// reading goes on.
class NdjsonReader {
 public:
  explicit NdjsonReader(std::istream& in) : in_(in) {}
  // False at end of input.
  bool next(RecordItem& out);

 private:
  std::istream& in_;
  std::uint64_t line_ = 0;
  std::string buffer_;
};

// Reads RFC 4180 CSV with a header row. Booleans: true/false, 1/0, yes/no;
// an empty cell is null (absent).
class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}
  // Reads and checks the header: every column must be a known key or
  // WISField code, none twice, every required column present. Errors name
  // the column. Must succeed before next().
  Result<void> read_header();
  bool next(RecordItem& out);

 private:
  bool read_row(std::vector<std::string>& cells, std::uint64_t& first_line);
  std::istream& in_;
  std::uint64_t line_ = 0;
  std::vector<Field> columns_;
  std::vector<std::string> cells_;
  std::string physical_;
  bool unterminated_ = false;
  // No real cell comes near this: an address is at most 80 bytes.
  static constexpr std::size_t kMaxQuotedCellBytes = 64 * 1024;
};

// A JSON document: an array of record objects, or a single object. Not
// streamed; use NDJSON for large files.
Result<std::vector<RecordItem>> read_json_document(std::string_view text);

std::string csv_header();  // our keys, in Field order
std::string record_to_csv_row(const MigrantRecord& record);

}  // namespace provnet::domain
