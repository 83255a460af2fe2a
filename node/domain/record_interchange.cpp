#include "domain/record_interchange.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "domain/found_values.hpp"

namespace provnet::domain {

namespace {

using nlohmann::json;

bool is_bool_field(Field f) {
  return f == Field::family_migrates || f == Field::spouse_migrates;
}

// Const-correct for both reading and filling a record.
template <class Rec>
auto text_slot(Rec& r, Field f) -> decltype(&r.record_id) {
  switch (f) {
    case Field::record_id:
      return &r.record_id;
    case Field::direction:
      return &r.direction;
    case Field::reporting_province:
      return &r.reporting_province;
    case Field::name:
      return &r.name;
    case Field::sex:
      return &r.sex;
    case Field::current_address:
      return &r.current_address;
    case Field::current_address_code:
      return &r.current_address_code;
    case Field::hukou_address:
      return &r.hukou_address;
    case Field::hukou_address_code:
      return &r.hukou_address_code;
    case Field::id_number:
      return &r.id_number;
    case Field::birth_date:
      return &r.birth_date;
    case Field::education:
      return &r.education;
    case Field::hukou_type:
      return &r.hukou_type;
    case Field::migration_reason:
      return &r.migration_reason;
    case Field::move_date:
      return &r.move_date;
    case Field::marital_status:
      return &r.marital_status;
    case Field::ethnic_group:
      return &r.ethnic_group;
    case Field::household_code:
      return &r.household_code;
    case Field::family_migrates:
    case Field::spouse_migrates:
      return nullptr;
  }
  return nullptr;
}

template <class Rec>
auto bool_slot(Rec& r, Field f) -> decltype(&r.family_migrates) {
  if (f == Field::family_migrates) return &r.family_migrates;
  if (f == Field::spouse_migrates) return &r.spouse_migrates;
  return nullptr;
}

RecordProblem field_problem(Field f, std::string found, std::string expected) {
  RecordProblem p;
  p.field = std::string(field_key(f));
  p.wis_field = std::string(wis_field(f));
  std::string label = p.wis_field.empty() ? p.field : fmt::format("{} ({})", p.field, p.wis_field);
  p.message = fmt::format("{}: found {}; expected {}", label, found, expected);
  p.found = std::move(found);
  p.expected = std::move(expected);
  return p;
}

RecordProblem item_problem(std::string found, std::string expected, std::string message) {
  return RecordProblem{"", "", std::move(found), std::move(expected), std::move(message)};
}

// Accepted spellings of a boolean in CSV.
std::optional<bool> parse_csv_bool(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "y") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "n") return false;
  return std::nullopt;
}

bool is_required_column(Field f) {
  return f != Field::ethnic_group && f != Field::household_code;
}

void csv_append_cell(std::string& out, std::string_view cell) {
  bool quote = cell.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

RecordProblem problem_from(const ValidationError& e) {
  return RecordProblem{std::string(e.key()), std::string(e.wis()), e.found, e.expected, e.message};
}

bool check_item(RecordItem& item, const ValidationContext& ctx) {
  if (!item.record) return false;
  std::vector<ValidationError> errors = validate_record(*item.record, ctx);
  for (const ValidationError& e : errors) {
    bool already = std::any_of(item.problems.begin(), item.problems.end(),
                               [&](const RecordProblem& p) { return p.field == e.key(); });
    if (!already) item.problems.push_back(problem_from(e));
  }
  return item.valid();
}

std::optional<InterchangeFormat> format_from_name(std::string_view name) {
  if (name == "json") return InterchangeFormat::json;
  if (name == "ndjson" || name == "jsonl") return InterchangeFormat::ndjson;
  if (name == "csv") return InterchangeFormat::csv;
  return std::nullopt;
}

std::optional<InterchangeFormat> format_from_path(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string ext(path.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return format_from_name(ext);
}

RecordItem record_from_json(const json& value, std::uint64_t line) {
  RecordItem item;
  item.line = line;
  if (!value.is_object()) {
    item.problems.push_back(item_problem(json_type_name(value), "a JSON object of record fields",
                                         fmt::format("the item is {}, not a JSON object of record "
                                                     "fields",
                                                     json_type_name(value))));
    return item;
  }
  MigrantRecord r;
  for (const auto& [key, v] : value.items()) {
    if (key == "change" || key == "change_reason") {
      if (v.is_string()) {
        (key == "change" ? item.change : item.change_reason) = v.get<std::string>();
      } else if (!v.is_null()) {
        item.problems.push_back(
            RecordProblem{key, "", json_type_name(v), "a string",
                          fmt::format("{}: found {}; expected a string", key, json_type_name(v))});
      }
      continue;
    }
    std::optional<Field> f = field_from_name(key);
    if (!f) {
      // The key itself is echoed: keys are field names, never personal data
      // (a key longer than a field name is cut).
      std::string shown = key.size() > 40 ? key.substr(0, 40) + "..." : key;
      item.problems.push_back(item_problem(
          fmt::format("key \"{}\"", shown), "one of the interchange keys listed in the README",
          fmt::format("unknown key \"{}\": not a field of the record interchange format (check "
                      "its spelling)",
                      shown)));
      continue;
    }
    if (is_bool_field(*f)) {
      if (v.is_boolean()) {
        *bool_slot(r, *f) = v.get<bool>();
      } else if (!v.is_null()) {
        item.problems.push_back(field_problem(*f, json_type_name(v), "true, false or null"));
      }
      continue;
    }
    if (v.is_string()) {
      *text_slot(r, *f) = v.get<std::string>();
    } else if (!v.is_null()) {
      // Codes are strings: as numbers, "01" would lose its leading zero.
      item.problems.push_back(field_problem(
          *f, json_type_name(v), "a string (codes and dates are written as strings, e.g. \"01\")"));
    }
  }
  item.record_id = r.record_id;
  item.record = std::move(r);
  return item;
}

json record_to_json(const MigrantRecord& r) {
  json j = json::object();
  for (int i = 0; i < kFieldCount; ++i) {
    Field f = static_cast<Field>(i);
    std::string key(field_key(f));
    if (is_bool_field(f)) {
      const std::optional<bool>& b = *bool_slot(r, f);
      j[key] = b ? json(*b) : json(nullptr);
      continue;
    }
    const std::string& s = *text_slot(r, f);
    if ((f == Field::ethnic_group || f == Field::household_code) && s.empty()) continue;
    j[key] = s;
  }
  return j;
}

bool NdjsonReader::next(RecordItem& out) {
  while (std::getline(in_, buffer_)) {
    ++line_;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    if (buffer_.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      json value = json::parse(buffer_);
      out = record_from_json(value, line_);
    } catch (const json::parse_error& e) {
      // nlohmann's own message quotes the text it read, which may be a name
      // or an ID number: only the position is reported.
      out = RecordItem{};
      out.line = line_;
      out.problems.push_back(item_problem(
          fmt::format("invalid JSON at byte {}", e.byte), "one JSON object per line",
          fmt::format("line {} is not valid JSON (syntax error at byte {})", line_, e.byte)));
    }
    return true;
  }
  return false;
}

bool CsvReader::read_row(std::vector<std::string>& cells, std::uint64_t& first_line) {
  cells.clear();
  if (!std::getline(in_, physical_)) return false;
  ++line_;
  first_line = line_;
  std::string cell;
  bool quoted = false;
  std::size_t i = 0;
  while (true) {
    if (i >= physical_.size()) {
      if (quoted) {
        // A quoted cell spans lines: the newline belongs to it. An
        // unterminated quote would otherwise swallow the rest of the file.
        if (cell.size() > kMaxQuotedCellBytes || !std::getline(in_, physical_)) {
          unterminated_ = true;
          break;
        }
        ++line_;
        cell.push_back('\n');
        i = 0;
        continue;
      }
      break;
    }
    char c = physical_[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < physical_.size() && physical_[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cell.push_back(c);
      }
    } else if (c == '"' && cell.empty()) {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\r' && i + 1 == physical_.size()) {
      // CRLF line ending
    } else {
      cell.push_back(c);
    }
    ++i;
  }
  cells.push_back(std::move(cell));
  return true;
}

Result<void> CsvReader::read_header() {
  std::uint64_t first = 0;
  std::vector<std::string> names;
  if (!read_row(names, first)) {
    return Error{Errc::invalid_input,
                 "the CSV file is empty: expected a header row of field names"};
  }
  if (!names.empty() && names[0].rfind("\xEF\xBB\xBF", 0) == 0) names[0].erase(0, 3);  // BOM
  std::array<bool, kFieldCount> seen{};
  columns_.clear();
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string name = names[i];
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    std::optional<Field> f = field_from_name(name);
    if (!f) {
      return Error{Errc::invalid_input,
                   fmt::format("line 1, column {}: unknown column \"{}\"; expected one of the "
                               "interchange keys (e.g. birth_date) or WISField codes (e.g. "
                               "WISField012)",
                               i + 1, name)};
    }
    if (seen[static_cast<int>(*f)]) {
      return Error{Errc::invalid_input,
                   fmt::format("line 1, column {}: column \"{}\" appears twice (as {})", i + 1,
                               name, field_key(*f))};
    }
    seen[static_cast<int>(*f)] = true;
    columns_.push_back(*f);
  }
  std::vector<std::string> missing;
  for (int i = 0; i < kFieldCount; ++i) {
    if (!seen[i] && is_required_column(static_cast<Field>(i))) {
      missing.emplace_back(field_key(static_cast<Field>(i)));
    }
  }
  if (!missing.empty()) {
    return Error{Errc::invalid_input, fmt::format("line 1: the header lacks required column(s) {}",
                                                  fmt::join(missing, ", "))};
  }
  return {};
}

bool CsvReader::next(RecordItem& out) {
  std::uint64_t first = 0;
  do {
    unterminated_ = false;
    if (!read_row(cells_, first)) return false;
  } while (cells_.size() == 1 && cells_[0].empty());  // blank line
  out = RecordItem{};
  out.line = first;
  if (unterminated_) {
    out.problems.push_back(item_problem(
        "an unterminated quoted cell", "a closing double quote",
        fmt::format("line {}: a quoted cell opened on this row is never closed (through line {}); "
                    "the lines it swallowed were not checked",
                    first, line_)));
    return true;
  }
  if (cells_.size() != columns_.size()) {
    out.problems.push_back(item_problem(
        fmt::format("{} cells", cells_.size()), fmt::format("{} cells", columns_.size()),
        fmt::format("line {}: the row has {} cells but the header has {} columns (an unquoted "
                    "comma, or a missing cell?)",
                    first, cells_.size(), columns_.size())));
    return true;
  }
  MigrantRecord r;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    Field f = columns_[i];
    std::string& cell = cells_[i];
    if (is_bool_field(f)) {
      if (cell.empty()) continue;
      std::optional<bool> b = parse_csv_bool(cell);
      if (!b) {
        // The cell is described, not shown: with shifted columns it may hold
        // a name, an address or an ID number.
        out.problems.push_back(field_problem(f, fmt::format("a value of {} bytes", cell.size()),
                                             "true or false (or 1/0, yes/no; empty for none)"));
      } else {
        *bool_slot(r, f) = *b;
      }
      continue;
    }
    *text_slot(r, f) = std::move(cell);
  }
  out.record_id = r.record_id;
  out.record = std::move(r);
  return true;
}

Result<std::vector<RecordItem>> read_json_document(std::string_view text) {
  auto doc = parse_json_document(text);
  if (!doc) return doc.error();
  std::vector<RecordItem> items;
  if (doc->is_array()) {
    items.reserve(doc->size());
    for (std::size_t i = 0; i < doc->size(); ++i)
      items.push_back(record_from_json((*doc)[i], i + 1));
  } else if (doc->is_object()) {
    items.push_back(record_from_json(*doc, 1));
  } else {
    return Error{Errc::invalid_input,
                 fmt::format("the document is {}; expected an array of record objects or one "
                             "record object",
                             json_type_name(*doc))};
  }
  return items;
}

std::string csv_header() {
  std::string out;
  for (int i = 0; i < kFieldCount; ++i) {
    if (i) out.push_back(',');
    out.append(field_key(static_cast<Field>(i)));
  }
  return out;
}

std::string record_to_csv_row(const MigrantRecord& r) {
  std::string out;
  for (int i = 0; i < kFieldCount; ++i) {
    Field f = static_cast<Field>(i);
    if (i) out.push_back(',');
    if (is_bool_field(f)) {
      const std::optional<bool>& b = *bool_slot(r, f);
      if (b) out.append(*b ? "true" : "false");
    } else {
      csv_append_cell(out, *text_slot(r, f));
    }
  }
  return out;
}

}  // namespace provnet::domain
