// Networked collaboration items (SPEC §2.2, §2.3): contraception-check
// notices and their feedback, first-birth registrations and their feedback,
// verification queries and their answers, as the provincial system sends them
// through the HTTP API (JSON objects) and as the node checks them.
//
// One flat struct covers the six kinds; a kind uses the fields its table in
// the README names and leaves the others empty. Reading (from JSON) and
// checking are separate, as for migrant records: reading notes what could not
// be read as the format demands (a number where text belongs, an unknown key,
// a missing required key), check_collab_item() adds the rule violations.
//
// Privacy: problems never repeat a name or an ID number (they go into logs
// and into rejections sent to other provinces).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "domain/date.hpp"
#include "domain/province.hpp"
#include "domain/record_interchange.hpp"

namespace provnet::domain {

enum class CollabKind {
  check_notice,        // residence -> hukou: a contraception check performed
  check_feedback,      // hukou -> residence: feedback on a check notice
  birth_registration,  // residence -> hukou: a first-child birth service registration
  birth_feedback,      // hukou -> residence: feedback on a registration
  query,               // residence -> hukou: a verification query with a due date
  answer,              // hukou -> residence: the answer to a query
};
inline constexpr int kCollabKindCount = 6;

// "check_notice", "check_feedback", "birth_registration", "birth_feedback",
// "query", "answer" (also the inbox kinds and the API's names).
std::string_view collab_kind_name(CollabKind kind);
std::optional<CollabKind> collab_kind_from_name(std::string_view name);
// Feedback and answers reply to an item (notice, registration, query).
bool is_reply(CollabKind kind);
// The kind a reply answers (check_feedback -> check_notice ...), and the
// reply kind of an item (check_notice -> check_feedback ...).
CollabKind replied_kind(CollabKind reply);
CollabKind reply_kind(CollabKind item);

enum class QueryKind { pregnancy, no_certificate, no_long_acting_contraception };
std::string_view query_kind_name(QueryKind k);  // "pregnancy", "no_certificate", ...
std::optional<QueryKind> query_kind_from_name(std::string_view name);

struct CollabItem {
  CollabKind kind = CollabKind::check_notice;
  // The item's id: notice_id / registration_id / query_id. For a reply, the
  // id of the item it answers. "<residence province>-<local id>": the first
  // two characters are the residence (asking) province's code.
  std::string id;
  std::string record_id;          // the migrant record concerned (items only; may be empty)
  std::string residence_province; // two digits: the province that notifies / asks
  std::string hukou_province;     // two digits: the province that gives feedback / answers
  // check_notice: the woman checked; query: the person asked about;
  // birth_registration: the mother.
  std::string subject_id_number;
  std::string subject_name;
  std::string father_id_number;    // birth_registration only (may be empty)
  std::string father_name;         // birth_registration only (may be empty)
  // YYYYMMDD: check_date, registration_date, asked_date, feedback_date,
  // answered_date according to the kind.
  std::string date;
  std::string expected_birth_date; // birth_registration, optional YYYYMMDD
  std::string method;              // check_notice: contraceptive method in use
  std::string result;              // check_notice: the check's finding
  std::string query_kind;          // query: "pregnancy" | "no_certificate" | "no_long_acting_contraception"
  std::string question;            // query, optional
  // check_feedback / birth_feedback: "confirmed" | "discrepancy" | "not_found";
  // answer: "confirmed" | "not_confirmed" | "unknown_person".
  std::string outcome;
  std::string remarks;             // notice, feedbacks: optional; answer: its details
  std::string due_date;            // query: YYYYMMDD, set by the asking node (never by the client)
  std::string operator_id;         // who made it (from the API's X-Operator-Id)

  bool operator==(const CollabItem&) const = default;
};

// The province that sends an item of this kind (residence for notices,
// registrations and queries; hukou for feedback and answers), and the one
// it goes to. nullopt when the code is not one of the 32 provinces.
std::optional<ProvinceCode> sender_of(const CollabItem& item);
std::optional<ProvinceCode> receiver_of(const CollabItem& item);

// One item read from the API, with its problems (RecordProblem: field is the
// JSON key, wis_field the standard's code where there is one).
struct CollabReadItem {
  std::uint64_t line = 0;  // NDJSON line, or JSON array index + 1
  std::optional<CollabItem> item;
  std::string id;  // as found ("" when none)
  std::vector<RecordProblem> problems;
  bool valid() const { return item.has_value() && problems.empty(); }
};

// JSON object -> item of `kind`. Keys (README "Collaboration items"):
//  check_notice:       notice_id, record_id, residence_province, hukou_province,
//                      subject_id_number, subject_name, check_date, method, result, remarks?
//  check_feedback:     notice_id, residence_province, hukou_province, feedback_date,
//                      outcome, remarks?
//  birth_registration: registration_id, record_id, residence_province, hukou_province,
//                      mother_id_number, mother_name, father_id_number?, father_name?,
//                      registration_date, expected_birth_date?
//  birth_feedback:     registration_id, residence_province, hukou_province,
//                      feedback_date, outcome, remarks?
//  query:              query_id, query_kind, record_id, residence_province,
//                      hukou_province, subject_id_number, subject_name,
//                      asked_date, question?
//  answer:             query_id, residence_province, hukou_province,
//                      answered_date, outcome, details?
// Unknown keys, wrong JSON types and missing required keys are problems.
// "due_date" in a query is a problem too: the node computes it.
CollabReadItem collab_item_from_json(CollabKind kind, const nlohmann::json& value,
                                     std::uint64_t line);
// The same keys; for a query also "due_date".
nlohmann::json collab_item_to_json(const CollabItem& item);

// A JSON array of objects or a single object, or NDJSON (one object a line,
// blank lines skipped; a line that is not JSON becomes an item with a problem).
Result<std::vector<CollabReadItem>> read_collab_json_document(CollabKind kind,
                                                              std::string_view text);
std::vector<CollabReadItem> read_collab_ndjson(CollabKind kind, std::string_view text);

struct CollabContext {
  Date today;                 // dates after it are in the future
  ProvinceCode self = 0;      // the node checking (0: do not check who sends)
  bool as_sender = true;      // self must be the sender (API) or the receiver (arrival)
};

// Rule checks: ids "<two digits>-<1..40 of [A-Za-z0-9_-]>", with the id's
// province equal to residence_province; both provinces among the 32 and
// different; ID numbers valid by GB 11643; names 1..30 GB 18030 bytes; dates
// real YYYYMMDD not after today (expected_birth_date may be later, up to
// 10 months); enumerated values from their lists; text fields within their
// lengths (method, result 1..60 bytes; remarks, question, details ≤ 400
// bytes); self is the sender (as_sender) or the receiver. Adds to
// item.problems (not repeating a field that already has one). Returns valid().
bool check_collab_item(CollabReadItem& item, const CollabContext& ctx);

}  // namespace provnet::domain
