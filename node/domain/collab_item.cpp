#include "domain/collab_item.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <span>

#include "domain/digits.hpp"
#include "domain/found_values.hpp"
#include "domain/gb18030.hpp"
#include "domain/id_number.hpp"

namespace provnet::domain {

namespace {

using nlohmann::json;

// The struct's fields, as the key tables and the checks name them.
enum class Slot {
  id,
  record_id,
  residence_province,
  hukou_province,
  subject_id_number,
  subject_name,
  father_id_number,
  father_name,
  date,
  expected_birth_date,
  method,
  result,
  query_kind,
  question,
  outcome,
  remarks,
  due_date,
  operator_id,
};

struct KeySpec {
  std::string_view key;
  Slot slot;
  bool required;
  std::string_view wis = {};
};

constexpr std::string_view kWisIdNumber = "WISField011";
constexpr std::string_view kWisName = "WISField001";
constexpr std::string_view kDueDateKey = "due_date";

constexpr std::size_t kMaxLocalIdLength = 40;
constexpr std::size_t kMaxRecordIdLength = 64;
constexpr std::size_t kMaxNameBytes = 30;
constexpr std::size_t kMaxShortTextBytes = 60;   // method, result
constexpr std::size_t kMaxLongTextBytes = 400;   // remarks, question, details
constexpr std::int64_t kMaxPregnancyDays = 310;  // "10 months" for expected_birth_date
constexpr std::size_t kMaxShownKeyLength = 40;

// The keys of each kind, in the order collab_item_to_json writes them
// (README "Collaboration items"). A query's "due_date" is not here: the node
// sets it, and reading treats it apart.
constexpr KeySpec kCheckNoticeKeys[] = {
    {"notice_id", Slot::id, true},
    {"record_id", Slot::record_id, true},
    {"residence_province", Slot::residence_province, true},
    {"hukou_province", Slot::hukou_province, true},
    {"subject_id_number", Slot::subject_id_number, true, kWisIdNumber},
    {"subject_name", Slot::subject_name, true, kWisName},
    {"check_date", Slot::date, true},
    {"method", Slot::method, true},
    {"result", Slot::result, true},
    {"remarks", Slot::remarks, false},
    {"operator_id", Slot::operator_id, false},
};

constexpr KeySpec kCheckFeedbackKeys[] = {
    {"notice_id", Slot::id, true},
    {"residence_province", Slot::residence_province, true},
    {"hukou_province", Slot::hukou_province, true},
    {"feedback_date", Slot::date, true},
    {"outcome", Slot::outcome, true},
    {"remarks", Slot::remarks, false},
    {"operator_id", Slot::operator_id, false},
};

constexpr KeySpec kBirthRegistrationKeys[] = {
    {"registration_id", Slot::id, true},
    {"record_id", Slot::record_id, true},
    {"residence_province", Slot::residence_province, true},
    {"hukou_province", Slot::hukou_province, true},
    {"mother_id_number", Slot::subject_id_number, true, kWisIdNumber},
    {"mother_name", Slot::subject_name, true, kWisName},
    {"father_id_number", Slot::father_id_number, false, kWisIdNumber},
    {"father_name", Slot::father_name, false, kWisName},
    {"registration_date", Slot::date, true},
    {"expected_birth_date", Slot::expected_birth_date, false},
    {"operator_id", Slot::operator_id, false},
};

constexpr KeySpec kBirthFeedbackKeys[] = {
    {"registration_id", Slot::id, true},
    {"residence_province", Slot::residence_province, true},
    {"hukou_province", Slot::hukou_province, true},
    {"feedback_date", Slot::date, true},
    {"outcome", Slot::outcome, true},
    {"remarks", Slot::remarks, false},
    {"operator_id", Slot::operator_id, false},
};

constexpr KeySpec kQueryKeys[] = {
    {"query_id", Slot::id, true},
    {"query_kind", Slot::query_kind, true},
    {"record_id", Slot::record_id, true},
    {"residence_province", Slot::residence_province, true},
    {"hukou_province", Slot::hukou_province, true},
    {"subject_id_number", Slot::subject_id_number, true, kWisIdNumber},
    {"subject_name", Slot::subject_name, true, kWisName},
    {"asked_date", Slot::date, true},
    {"question", Slot::question, false},
    {"operator_id", Slot::operator_id, false},
};

constexpr KeySpec kAnswerKeys[] = {
    {"query_id", Slot::id, true},
    {"residence_province", Slot::residence_province, true},
    {"hukou_province", Slot::hukou_province, true},
    {"answered_date", Slot::date, true},
    {"outcome", Slot::outcome, true},
    {"details", Slot::remarks, false},
    {"operator_id", Slot::operator_id, false},
};

constexpr KeySpec kDueDateSpec{kDueDateKey, Slot::due_date, false};

std::span<const KeySpec> keys_of(CollabKind kind) {
  switch (kind) {
    case CollabKind::check_notice:
      return kCheckNoticeKeys;
    case CollabKind::check_feedback:
      return kCheckFeedbackKeys;
    case CollabKind::birth_registration:
      return kBirthRegistrationKeys;
    case CollabKind::birth_feedback:
      return kBirthFeedbackKeys;
    case CollabKind::query:
      return kQueryKeys;
    case CollabKind::answer:
      return kAnswerKeys;
  }
  return {};
}

const KeySpec* find_key(CollabKind kind, std::string_view key) {
  for (const KeySpec& spec : keys_of(kind)) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

const KeySpec& spec_of(CollabKind kind, Slot slot) {
  for (const KeySpec& spec : keys_of(kind)) {
    if (spec.slot == slot) return spec;
  }
  return kDueDateSpec;  // the only slot outside the tables
}

// Const-correct for both reading and filling an item.
template <class Item>
auto slot_of(Item& item, Slot slot) -> decltype(&item.id) {
  switch (slot) {
    case Slot::id:
      return &item.id;
    case Slot::record_id:
      return &item.record_id;
    case Slot::residence_province:
      return &item.residence_province;
    case Slot::hukou_province:
      return &item.hukou_province;
    case Slot::subject_id_number:
      return &item.subject_id_number;
    case Slot::subject_name:
      return &item.subject_name;
    case Slot::father_id_number:
      return &item.father_id_number;
    case Slot::father_name:
      return &item.father_name;
    case Slot::date:
      return &item.date;
    case Slot::expected_birth_date:
      return &item.expected_birth_date;
    case Slot::method:
      return &item.method;
    case Slot::result:
      return &item.result;
    case Slot::query_kind:
      return &item.query_kind;
    case Slot::question:
      return &item.question;
    case Slot::outcome:
      return &item.outcome;
    case Slot::remarks:
      return &item.remarks;
    case Slot::due_date:
      return &item.due_date;
    case Slot::operator_id:
      return &item.operator_id;
  }
  return nullptr;
}

bool is_id_char(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
}

bool is_record_id_char(char c) {
  return is_id_char(c) || c == '.' || c == ':';
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// The problems of one item, at most one per field (problems of the item as a
// whole, field "", are not limited).
class Problems {
 public:
  Problems(CollabReadItem& item, CollabKind kind) : item_(item), kind_(kind) {}

  std::string_view key(Slot slot) const { return spec_of(kind_, slot).key; }

  bool has(std::string_view field) const {
    return std::any_of(item_.problems.begin(), item_.problems.end(),
                       [&](const RecordProblem& p) { return p.field == field; });
  }
  bool has(Slot slot) const { return has(key(slot)); }

  // "<label>: found <found>, <detail>; expected <expected>", or
  // "<label>: missing; expected <expected>".
  void add(Slot slot, std::string found, std::string expected, std::string_view detail = {}) {
    std::string message = problem_message(label(slot), found, expected, detail);
    push(slot, std::move(found), std::move(expected), std::move(message));
  }

  // For rules that read better as their own sentence.
  void add_sentence(Slot slot, std::string found, std::string expected, std::string_view sentence) {
    push(slot, std::move(found), std::move(expected), fmt::format("{}: {}", label(slot), sentence));
  }

  void add_missing(Slot slot, std::string expected) {
    add(slot, std::string(kMissing), std::move(expected),
        fmt::format("required in a {}", collab_kind_name(kind_)));
  }

  void add_item(std::string found, std::string expected, std::string message) {
    item_.problems.push_back(
        RecordProblem{"", "", std::move(found), std::move(expected), std::move(message)});
  }

 private:
  std::string label(Slot slot) const {
    const KeySpec& spec = spec_of(kind_, slot);
    if (spec.wis.empty()) return std::string(spec.key);
    return fmt::format("{} ({})", spec.key, spec.wis);
  }

  void push(Slot slot, std::string found, std::string expected, std::string message) {
    const KeySpec& spec = spec_of(kind_, slot);
    if (has(spec.key)) return;
    item_.problems.push_back(RecordProblem{std::string(spec.key), std::string(spec.wis),
                                           std::move(found), std::move(expected),
                                           std::move(message)});
  }

  CollabReadItem& item_;
  CollabKind kind_;
};

// --- the rules -------------------------------------------------------------

constexpr std::string_view kProvinceExpected =
    "the two-digit code of one of the 32 provinces, as a string (e.g. \"44\")";

std::optional<ProvinceCode> check_province(Problems& p, Slot slot, std::string_view value) {
  if (value.empty()) {
    p.add_missing(slot, std::string(kProvinceExpected));
    return std::nullopt;
  }
  if (const auto code = parse_province_code(value)) return code;
  if (value == province_code_text(kNationalCode)) {
    p.add(slot, "00", std::string(kProvinceExpected),
          "which is the national node's code, and the national node takes no part in "
          "collaboration between provinces");
  } else {
    p.add(slot, describe_value(value), std::string(kProvinceExpected),
          "which is not a province code");
  }
  return std::nullopt;
}

void check_item_id(Problems& p, std::string_view id, std::optional<ProvinceCode> residence) {
  const std::string form = fmt::format(
      "the residence province's two-digit code, '-' and a local id of 1 to {} characters of A-Z "
      "a-z 0-9 _ - (e.g. 44-2026-0001)",
      kMaxLocalIdLength);
  if (id.empty()) {
    p.add_missing(Slot::id, form);
    return;
  }
  const auto bad = std::find_if_not(id.begin(), id.end(), is_id_char);
  if (bad != id.end()) {
    p.add(Slot::id,
          fmt::format("a character outside A-Z a-z 0-9 _ - at position {}", bad - id.begin() + 1),
          form);
    return;
  }
  if (id.size() > 3 + kMaxLocalIdLength) {
    p.add(Slot::id, fmt::format("{} characters", id.size()), form, "which is too long");
    return;
  }
  if (id.size() < 4 || !is_digit(id[0]) || !is_digit(id[1]) || id[2] != '-') {
    // Not shown: it may be an ID number in the wrong key.
    p.add(Slot::id, describe_value(id), form,
          "which does not start with a two-digit province code, '-' and a local id");
    return;
  }
  // Ids of the form "NN-..." are opaque keys, not personal data: shown.
  const std::string shown = fmt::format("\"{}\"", id);
  // Without a valid residence province there is nothing to compare with;
  // residence_province has its own problem then.
  if (!residence) return;
  const std::string_view code = province_code_text(*residence);
  if (id.substr(0, 2) != code) {
    p.add(Slot::id, shown, fmt::format("an id starting with {}-", code),
          fmt::format("whose province part {} is not residence_province {} (the id belongs to the "
                      "residence province, which numbers its notices, registrations and queries)",
                      id.substr(0, 2), code));
  }
}

void check_record_id(Problems& p, std::string_view id) {
  const std::string_view form =
      "1 to 64 characters of A-Z a-z 0-9 . _ : - starting with a province code and '-', e.g. "
      "44-2026-000123";
  if (id.empty()) {
    p.add_missing(Slot::record_id, std::string(form));
    return;
  }
  const auto bad = std::find_if_not(id.begin(), id.end(), is_record_id_char);
  if (bad != id.end()) {
    p.add(
        Slot::record_id,
        fmt::format("a character outside A-Z a-z 0-9 . _ : - at position {}", bad - id.begin() + 1),
        std::string(form));
    return;
  }
  if (id.size() > kMaxRecordIdLength) {
    p.add(Slot::record_id, fmt::format("{} characters", id.size()), std::string(form),
          "which is too long");
    return;
  }
  if (id.size() < 4 || id[2] != '-' || !parse_province_code(id.substr(0, 2))) {
    // Not shown: it may be an ID number in the wrong key.
    p.add(Slot::record_id, describe_value(id), std::string(form),
          "which does not start with a province code and '-'");
  }
}

void check_citizen_id(Problems& p, Slot slot, std::string_view value, const Date& today,
                      bool required) {
  const std::string_view expected = "an 18-character citizen ID (GB 11643)";
  if (value.empty()) {
    if (required) p.add_missing(slot, std::string(expected));
    return;
  }
  IdNumberCheck check = check_id_number(value, today);
  if (check.ok()) return;
  // One problem per field: the first problem's found and expected, every
  // problem's sentence (none of them repeats the ID number).
  std::string sentences;
  for (const IdNumberProblem& problem : check.problems) {
    if (!sentences.empty()) sentences += "; ";
    sentences += problem.sentence;
  }
  p.add_sentence(slot, std::move(check.problems.front().found),
                 std::move(check.problems.front().expected), sentences);
}

// Names and free text: found texts say how long or where the problem is,
// never what the text says.
void check_text(Problems& p, Slot slot, std::string_view value, bool required,
                std::size_t max_bytes, bool free_text) {
  const auto limit = [&] {
    return fmt::format("at most {} bytes in GB 18030 ({} Chinese characters)", max_bytes,
                       max_bytes / 2);
  };
  if (value.empty()) {
    if (required) p.add_missing(slot, "text of " + limit());
    return;
  }
  const auto length = gb18030_length(value);
  if (!length) {
    p.add(slot, length.error().message, "valid UTF-8 text");
    return;
  }
  if (!free_text && value.find_first_not_of(' ') == std::string_view::npos) {
    p.add(slot, "only spaces", "text of " + limit());
    return;
  }
  if (const auto at = control_character_offset(value, free_text)) {
    p.add(slot, fmt::format("a control character at byte offset {}", *at),
          free_text ? "text without control characters other than tabs and line breaks"
                    : "text without control characters (tabs, line breaks and the like)");
    return;
  }
  if (length.value() > max_bytes) {
    p.add(slot, fmt::format("{} bytes in GB 18030", length.value()), limit(), "which is too long");
  }
}

// A well-formed real date; nullopt otherwise (with the problem recorded).
// Whether it may lie in the future is the caller's business.
std::optional<Date> parse_date(Problems& p, Slot slot, std::string_view value, bool required) {
  const std::string_view expected = "a real date as YYYYMMDD";
  if (value.empty()) {
    if (required) p.add_missing(slot, std::string(expected));
    return std::nullopt;
  }
  if (value.size() != 8 || !all_digits(value)) {
    p.add(slot, describe_value(value), std::string(expected), "which is not 8 digits");
    return std::nullopt;
  }
  const auto date = Date::parse_yyyymmdd(value);
  if (!date) {
    p.add(slot, std::string(value), std::string(expected), "which is not a calendar date");
  }
  return date;
}

std::optional<Date> check_past_date(Problems& p, Slot slot, std::string_view value,
                                    const Date& today) {
  const auto date = parse_date(p, slot, value, /*required=*/true);
  if (date && *date > today) {
    p.add(slot, std::string(value), fmt::format("a date on or before {}", today.yyyymmdd()),
          fmt::format("which is after today, {}", today.yyyymmdd()));
    return std::nullopt;
  }
  return date;
}

void check_expected_birth_date(Problems& p, std::string_view value,
                               std::optional<Date> registration, const Date& today) {
  const auto date = parse_date(p, Slot::expected_birth_date, value, /*required=*/false);
  if (!date) return;
  if (registration && *date <= *registration) {
    p.add(Slot::expected_birth_date, std::string(value),
          fmt::format("a date after the registration date {}", registration->yyyymmdd()),
          fmt::format("which is not after {} {}", p.key(Slot::date), registration->yyyymmdd()));
    return;
  }
  const Date latest = today.plus_days(kMaxPregnancyDays);
  if (*date > latest) {
    p.add(Slot::expected_birth_date, std::string(value),
          fmt::format("a date on or before {} (10 months after today, {})", latest.yyyymmdd(),
                      today.yyyymmdd()),
          "which is more than 10 months away");
  }
}

void check_due_date(Problems& p, std::string_view value, std::optional<Date> asked) {
  const auto date = parse_date(p, Slot::due_date, value, /*required=*/false);
  if (date && asked && *date < *asked) {
    p.add(Slot::due_date, std::string(value),
          fmt::format("a date on or after asked_date {}", asked->yyyymmdd()),
          "which is before the query was asked");
  }
}

void check_choice(Problems& p, Slot slot, std::string_view value,
                  std::span<const std::string_view> choices) {
  std::string expected = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    expected += i == 0 ? " " : i + 1 == choices.size() ? " or " : ", ";
    expected += fmt::format("\"{}\"", choices[i]);
  }
  expected += " (lowercase)";
  if (value.empty()) {
    p.add_missing(slot, expected);
    return;
  }
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  // Letters are shown only when they are a listed word in another case: any
  // other word could be a name in the wrong key.
  const bool miscased = std::any_of(choices.begin(), choices.end(), [&](std::string_view c) {
    return equals_ignoring_case(c, value);
  });
  p.add(slot, miscased ? fmt::format("\"{}\"", value) : describe_value(value), expected,
        "which is not in the list");
}

constexpr std::string_view kFeedbackOutcomes[] = {"confirmed", "discrepancy", "not_found"};
constexpr std::string_view kAnswerOutcomes[] = {"confirmed", "not_confirmed", "unknown_person"};
constexpr std::string_view kQueryKinds[] = {"pregnancy", "no_certificate",
                                            "no_long_acting_contraception"};

void check_parties(Problems& p, const CollabItem& item, const CollabContext& ctx,
                   std::optional<ProvinceCode> residence, std::optional<ProvinceCode> hukou) {
  const bool reply = is_reply(item.kind);
  const std::string_view kind = collab_kind_name(item.kind);
  if (ctx.self != kNationalCode) {
    const std::string_view self = province_code_text(ctx.self);
    if (ctx.as_sender) {
      const Slot slot = reply ? Slot::hukou_province : Slot::residence_province;
      const std::optional<ProvinceCode> sender = reply ? hukou : residence;
      if (sender && *sender != ctx.self) {
        const std::string_view found = province_code_text(*sender);
        p.add_sentence(slot, std::string(found), std::string(self),
                       fmt::format("found {}, but this node is {} and can only send its own items "
                                   "(a {} is sent by the {} province); expected {}",
                                   found, self, kind, reply ? "hukou" : "residence", self));
      }
    } else {
      const Slot slot = reply ? Slot::residence_province : Slot::hukou_province;
      const std::optional<ProvinceCode> receiver = reply ? residence : hukou;
      if (receiver && *receiver != ctx.self) {
        const std::string_view found = province_code_text(*receiver);
        p.add_sentence(slot, std::string(found), std::string(self),
                       fmt::format("found {}, but this node is {} and only receives items "
                                   "addressed to it (a {} goes to the {} province); expected {}",
                                   found, self, kind, reply ? "residence" : "hukou", self));
      }
    }
  }
  if (residence && hukou && *residence == *hukou) {
    const std::string_view code = province_code_text(*hukou);
    p.add(Slot::hukou_province, fmt::format("{}, the same as residence_province", code),
          fmt::format("a province other than residence_province {}", code),
          "but collaboration is between the residence province and another (hukou) province");
  }
}

}  // namespace

std::string_view collab_kind_name(CollabKind kind) {
  switch (kind) {
    case CollabKind::check_notice:
      return "check_notice";
    case CollabKind::check_feedback:
      return "check_feedback";
    case CollabKind::birth_registration:
      return "birth_registration";
    case CollabKind::birth_feedback:
      return "birth_feedback";
    case CollabKind::query:
      return "query";
    case CollabKind::answer:
      return "answer";
  }
  return "unknown";
}

std::optional<CollabKind> collab_kind_from_name(std::string_view name) {
  for (int i = 0; i < kCollabKindCount; ++i) {
    const auto kind = static_cast<CollabKind>(i);
    if (collab_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

bool is_reply(CollabKind kind) {
  return kind == CollabKind::check_feedback || kind == CollabKind::birth_feedback ||
         kind == CollabKind::answer;
}

// Given a kind of the other side, both return it unchanged.
CollabKind replied_kind(CollabKind reply) {
  switch (reply) {
    case CollabKind::check_feedback:
      return CollabKind::check_notice;
    case CollabKind::birth_feedback:
      return CollabKind::birth_registration;
    case CollabKind::answer:
      return CollabKind::query;
    default:
      return reply;
  }
}

CollabKind reply_kind(CollabKind item) {
  switch (item) {
    case CollabKind::check_notice:
      return CollabKind::check_feedback;
    case CollabKind::birth_registration:
      return CollabKind::birth_feedback;
    case CollabKind::query:
      return CollabKind::answer;
    default:
      return item;
  }
}

std::string_view query_kind_name(QueryKind k) {
  switch (k) {
    case QueryKind::pregnancy:
      return kQueryKinds[0];
    case QueryKind::no_certificate:
      return kQueryKinds[1];
    case QueryKind::no_long_acting_contraception:
      return kQueryKinds[2];
  }
  return "unknown";
}

std::optional<QueryKind> query_kind_from_name(std::string_view name) {
  for (QueryKind k :
       {QueryKind::pregnancy, QueryKind::no_certificate, QueryKind::no_long_acting_contraception}) {
    if (query_kind_name(k) == name) return k;
  }
  return std::nullopt;
}

std::optional<ProvinceCode> sender_of(const CollabItem& item) {
  return parse_province_code(is_reply(item.kind) ? item.hukou_province : item.residence_province);
}

std::optional<ProvinceCode> receiver_of(const CollabItem& item) {
  return parse_province_code(is_reply(item.kind) ? item.residence_province : item.hukou_province);
}

CollabReadItem collab_item_from_json(CollabKind kind, const json& value, std::uint64_t line) {
  CollabReadItem out;
  out.line = line;
  Problems problems(out, kind);
  const std::string_view kind_name = collab_kind_name(kind);
  if (!value.is_object()) {
    problems.add_item(json_type_name(value), fmt::format("a JSON object of {} keys", kind_name),
                      fmt::format("the item is {}, not a JSON object of {} keys",
                                  json_type_name(value), kind_name));
    return out;
  }
  CollabItem item;
  item.kind = kind;
  const std::span<const KeySpec> keys = keys_of(kind);
  std::vector<bool> present(keys.size(), false);
  for (const auto& [key, v] : value.items()) {
    if (kind == CollabKind::query && key == kDueDateKey) {
      // Kept, so that the node can read back a query it stored, but a
      // problem: from a client the due date would be a guess.
      if (v.is_string()) item.due_date = v.get<std::string>();
      problems.add_sentence(Slot::due_date, "a due_date", "no due_date",
                            "set by the node from the holiday calendar (SPEC §2.3); do not send "
                            "it");
      continue;
    }
    const KeySpec* spec = find_key(kind, key);
    if (spec == nullptr) {
      // The key itself is echoed: keys are field names, never personal data
      // (a key longer than a field name is cut).
      const std::string shown =
          key.size() > kMaxShownKeyLength ? key.substr(0, kMaxShownKeyLength) + "..." : key;
      problems.add_item(fmt::format("key \"{}\"", shown),
                        fmt::format("one of the {} keys", kind_name),
                        fmt::format("unknown key \"{}\": not a key of a {} (check its spelling)",
                                    shown, kind_name));
      continue;
    }
    if (v.is_null()) continue;  // as if absent
    present[static_cast<std::size_t>(spec - keys.data())] = true;
    if (v.is_string()) {
      *slot_of(item, spec->slot) = v.get<std::string>();
    } else {
      // Codes are strings: as numbers, "01" would lose its leading zero.
      problems.add(spec->slot, json_type_name(v),
                   "a string (codes and dates are written as strings, e.g. \"44\")");
    }
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].required && !present[i]) {
      problems.add_missing(keys[i].slot, "a string value");
    }
  }
  out.id = item.id;
  out.item = std::move(item);
  return out;
}

json collab_item_to_json(const CollabItem& item) {
  json j = json::object();
  for (const KeySpec& spec : keys_of(item.kind)) {
    const std::string& value = *slot_of(item, spec.slot);
    if (!spec.required && value.empty()) continue;
    j[std::string(spec.key)] = value;
  }
  if (item.kind == CollabKind::query && !item.due_date.empty()) {
    j[std::string(kDueDateKey)] = item.due_date;
  }
  return j;
}

Result<std::vector<CollabReadItem>> read_collab_json_document(CollabKind kind,
                                                              std::string_view text) {
  auto doc = parse_json_document(text);
  if (!doc) return doc.error();
  std::vector<CollabReadItem> items;
  if (doc->is_array()) {
    items.reserve(doc->size());
    for (std::size_t i = 0; i < doc->size(); ++i) {
      items.push_back(collab_item_from_json(kind, (*doc)[i], i + 1));
    }
  } else if (doc->is_object()) {
    items.push_back(collab_item_from_json(kind, *doc, 1));
  } else {
    return Error{Errc::invalid_input,
                 fmt::format("the document is {}; expected an array of {} objects or one {} "
                             "object",
                             json_type_name(*doc), collab_kind_name(kind), collab_kind_name(kind))};
  }
  return items;
}

std::vector<CollabReadItem> read_collab_ndjson(CollabKind kind, std::string_view text) {
  std::vector<CollabReadItem> items;
  std::uint64_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    try {
      items.push_back(collab_item_from_json(kind, json::parse(line), line_number));
    } catch (const json::parse_error& e) {
      CollabReadItem bad;
      bad.line = line_number;
      Problems(bad, kind).add_item(
          fmt::format("invalid JSON at byte {}", e.byte), "one JSON object per line",
          fmt::format("line {} is not valid JSON (syntax error at byte {})", line_number, e.byte));
      items.push_back(std::move(bad));
    }
  }
  return items;
}

bool check_collab_item(CollabReadItem& read, const CollabContext& ctx) {
  if (!read.item) return false;
  const CollabItem& item = *read.item;
  Problems p(read, item.kind);
  const Date& today = ctx.today;

  const auto residence = check_province(p, Slot::residence_province, item.residence_province);
  const auto hukou = check_province(p, Slot::hukou_province, item.hukou_province);
  check_parties(p, item, ctx, residence, hukou);
  check_item_id(p, item.id, residence);
  const auto date = check_past_date(p, Slot::date, item.date, today);

  switch (item.kind) {
    case CollabKind::check_notice:
      check_record_id(p, item.record_id);
      check_citizen_id(p, Slot::subject_id_number, item.subject_id_number, today, true);
      check_text(p, Slot::subject_name, item.subject_name, true, kMaxNameBytes, false);
      check_text(p, Slot::method, item.method, true, kMaxShortTextBytes, false);
      check_text(p, Slot::result, item.result, true, kMaxShortTextBytes, false);
      check_text(p, Slot::remarks, item.remarks, false, kMaxLongTextBytes, true);
      break;
    case CollabKind::birth_registration:
      check_record_id(p, item.record_id);
      check_citizen_id(p, Slot::subject_id_number, item.subject_id_number, today, true);
      check_text(p, Slot::subject_name, item.subject_name, true, kMaxNameBytes, false);
      check_citizen_id(p, Slot::father_id_number, item.father_id_number, today, false);
      check_text(p, Slot::father_name, item.father_name, false, kMaxNameBytes, false);
      check_expected_birth_date(p, item.expected_birth_date, date, today);
      break;
    case CollabKind::query:
      check_choice(p, Slot::query_kind, item.query_kind, kQueryKinds);
      check_record_id(p, item.record_id);
      check_citizen_id(p, Slot::subject_id_number, item.subject_id_number, today, true);
      check_text(p, Slot::subject_name, item.subject_name, true, kMaxNameBytes, false);
      check_text(p, Slot::question, item.question, false, kMaxLongTextBytes, true);
      check_due_date(p, item.due_date, date);
      break;
    case CollabKind::check_feedback:
    case CollabKind::birth_feedback:
      check_choice(p, Slot::outcome, item.outcome, kFeedbackOutcomes);
      check_text(p, Slot::remarks, item.remarks, false, kMaxLongTextBytes, true);
      break;
    case CollabKind::answer:
      check_choice(p, Slot::outcome, item.outcome, kAnswerOutcomes);
      check_text(p, Slot::remarks, item.remarks, false, kMaxLongTextBytes, true);
      break;
  }
  return read.valid();
}

}  // namespace provnet::domain
