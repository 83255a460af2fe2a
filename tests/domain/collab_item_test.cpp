#include "domain/collab_item.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "domain_test_support.hpp"

namespace provnet::domain {
namespace {

using nlohmann::json;
using test_support::kToday;  // 2026-03-01
using test_support::make_id;

// --- valid items: Guangdong (44) is the residence province of migrants
// from Sichuan (51) ---------------------------------------------------------

CollabItem valid_check_notice() {
  CollabItem c;
  c.kind = CollabKind::check_notice;
  c.id = "44-2026-0001";
  c.record_id = "44-2026-000123";
  c.residence_province = "44";
  c.hukou_province = "51";
  c.subject_id_number = make_id("511302", "19950808", "024");
  c.subject_name = "李四妹";
  c.date = "20260215";
  c.method = "宫内节育器";
  c.result = "正常";
  c.remarks = "按期复查";
  return c;
}

CollabItem valid_check_feedback() {
  CollabItem c;
  c.kind = CollabKind::check_feedback;
  c.id = "44-2026-0001";
  c.residence_province = "44";
  c.hukou_province = "51";
  c.date = "20260220";
  c.outcome = "confirmed";
  return c;
}

CollabItem valid_birth_registration() {
  CollabItem c;
  c.kind = CollabKind::birth_registration;
  c.id = "44-2026-B7";
  c.record_id = "44-2026-000124";
  c.residence_province = "44";
  c.hukou_province = "51";
  c.subject_id_number = make_id("511302", "19960101", "028");
  c.subject_name = "王芳";
  c.father_id_number = make_id("510107", "19940303", "011");
  c.father_name = "陈明";
  c.date = "20260210";
  c.expected_birth_date = "20260801";
  return c;
}

CollabItem valid_birth_feedback() {
  CollabItem c;
  c.kind = CollabKind::birth_feedback;
  c.id = "44-2026-B7";
  c.residence_province = "44";
  c.hukou_province = "51";
  c.date = "20260225";
  c.outcome = "discrepancy";
  c.remarks = "户籍地记录的出生日期不同";
  return c;
}

CollabItem valid_query() {
  CollabItem c;
  c.kind = CollabKind::query;
  c.id = "44-2026-Q_9";
  c.query_kind = "pregnancy";
  c.record_id = "44-2026-000123";
  c.residence_province = "44";
  c.hukou_province = "51";
  c.subject_id_number = make_id("511302", "19950808", "024");
  c.subject_name = "李四妹";
  c.date = "20260225";
  c.question = "是否现孕？";
  return c;
}

CollabItem valid_answer() {
  CollabItem c;
  c.kind = CollabKind::answer;
  c.id = "44-2026-Q_9";
  c.residence_province = "44";
  c.hukou_province = "51";
  c.date = "20260301";
  c.outcome = "not_confirmed";
  c.remarks = "户籍地核实：未孕";
  return c;
}

std::vector<CollabItem> valid_items() {
  return {valid_check_notice(),   valid_check_feedback(), valid_birth_registration(),
          valid_birth_feedback(), valid_query(),          valid_answer()};
}

CollabContext context(ProvinceCode self = 0, bool as_sender = true) {
  return CollabContext{kToday, self, as_sender};
}

CollabReadItem read_of(const CollabItem& item) {
  CollabReadItem read;
  read.line = 1;
  read.item = item;
  read.id = item.id;
  return read;
}

std::string dump(const std::vector<RecordProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  [" + p.field + "] " + p.message + "\n";
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// No problem text repeats a name or an ID number of the item.
void expect_no_personal_data(const CollabItem& item, const std::vector<RecordProblem>& problems) {
  for (const std::string* secret :
       {&item.subject_id_number, &item.subject_name, &item.father_id_number, &item.father_name}) {
    if (secret->empty()) continue;
    for (const RecordProblem& p : problems) {
      EXPECT_FALSE(contains(p.message, *secret)) << p.message;
      EXPECT_FALSE(contains(p.found, *secret)) << p.found;
      EXPECT_FALSE(contains(p.expected, *secret)) << p.expected;
    }
  }
}

std::vector<RecordProblem> check(const CollabItem& item, const CollabContext& ctx = context()) {
  CollabReadItem read = read_of(item);
  const bool valid = check_collab_item(read, ctx);
  EXPECT_EQ(valid, read.problems.empty());
  expect_no_personal_data(item, read.problems);
  return read.problems;
}

// The single problem of an item broken in one way: on `field`, its message
// starting with the field and containing `needle`.
RecordProblem only_problem(const CollabItem& item, std::string_view field,
                           std::string_view needle = {}, const CollabContext& ctx = context()) {
  const auto problems = check(item, ctx);
  EXPECT_EQ(problems.size(), 1u) << dump(problems);
  if (problems.empty()) return RecordProblem{};
  const RecordProblem& p = problems[0];
  EXPECT_EQ(p.field, field) << p.message;
  EXPECT_TRUE(p.message.starts_with(std::string(field))) << p.message;
  EXPECT_TRUE(contains(p.message, needle)) << "no '" << needle << "' in: " << p.message;
  EXPECT_FALSE(p.found.empty()) << p.message;
  EXPECT_FALSE(p.expected.empty()) << p.message;
  return p;
}

std::set<std::string> keys_of(const json& j) {
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  return keys;
}

// --- names and kinds ---------------------------------------------------------

TEST(CollabItemTest, KindNamesRoundTrip) {
  const std::vector<std::string> names = {"check_notice",   "check_feedback", "birth_registration",
                                          "birth_feedback", "query",          "answer"};
  for (int i = 0; i < kCollabKindCount; ++i) {
    const auto kind = static_cast<CollabKind>(i);
    EXPECT_EQ(collab_kind_name(kind), names[static_cast<std::size_t>(i)]);
    EXPECT_EQ(collab_kind_from_name(names[static_cast<std::size_t>(i)]), kind);
  }
  EXPECT_EQ(collab_kind_from_name("Query"), std::nullopt);
  EXPECT_EQ(collab_kind_from_name(""), std::nullopt);
}

TEST(CollabItemTest, RepliesAndTheItemsTheyAnswer) {
  EXPECT_FALSE(is_reply(CollabKind::check_notice));
  EXPECT_FALSE(is_reply(CollabKind::birth_registration));
  EXPECT_FALSE(is_reply(CollabKind::query));
  EXPECT_TRUE(is_reply(CollabKind::check_feedback));
  EXPECT_TRUE(is_reply(CollabKind::birth_feedback));
  EXPECT_TRUE(is_reply(CollabKind::answer));
  EXPECT_EQ(replied_kind(CollabKind::check_feedback), CollabKind::check_notice);
  EXPECT_EQ(replied_kind(CollabKind::birth_feedback), CollabKind::birth_registration);
  EXPECT_EQ(replied_kind(CollabKind::answer), CollabKind::query);
  EXPECT_EQ(reply_kind(CollabKind::check_notice), CollabKind::check_feedback);
  EXPECT_EQ(reply_kind(CollabKind::birth_registration), CollabKind::birth_feedback);
  EXPECT_EQ(reply_kind(CollabKind::query), CollabKind::answer);
}

TEST(CollabItemTest, QueryKindNames) {
  EXPECT_EQ(query_kind_name(QueryKind::pregnancy), "pregnancy");
  EXPECT_EQ(query_kind_name(QueryKind::no_certificate), "no_certificate");
  EXPECT_EQ(query_kind_name(QueryKind::no_long_acting_contraception),
            "no_long_acting_contraception");
  for (QueryKind k :
       {QueryKind::pregnancy, QueryKind::no_certificate, QueryKind::no_long_acting_contraception}) {
    EXPECT_EQ(query_kind_from_name(query_kind_name(k)), k);
  }
  EXPECT_EQ(query_kind_from_name("Pregnancy"), std::nullopt);
  EXPECT_EQ(query_kind_from_name("pregnant"), std::nullopt);
}

TEST(CollabItemTest, SenderAndReceiver) {
  EXPECT_EQ(sender_of(valid_check_notice()), ProvinceCode{44});
  EXPECT_EQ(receiver_of(valid_check_notice()), ProvinceCode{51});
  EXPECT_EQ(sender_of(valid_query()), ProvinceCode{44});
  EXPECT_EQ(sender_of(valid_birth_registration()), ProvinceCode{44});
  EXPECT_EQ(sender_of(valid_check_feedback()), ProvinceCode{51});
  EXPECT_EQ(receiver_of(valid_check_feedback()), ProvinceCode{44});
  EXPECT_EQ(sender_of(valid_answer()), ProvinceCode{51});
  EXPECT_EQ(receiver_of(valid_answer()), ProvinceCode{44});
  CollabItem bad = valid_check_notice();
  bad.residence_province = "99";
  bad.hukou_province = "00";
  EXPECT_EQ(sender_of(bad), std::nullopt);
  EXPECT_EQ(receiver_of(bad), std::nullopt);
}

// --- valid items -------------------------------------------------------------

TEST(CollabItemTest, ValidItemsOfEveryKindPass) {
  for (const CollabItem& item : valid_items()) {
    EXPECT_TRUE(check(item).empty()) << collab_kind_name(item.kind) << "\n" << dump(check(item));
  }
}

TEST(CollabItemTest, ValidItemsPassAtTheirSenderAndReceiver) {
  for (const CollabItem& item : valid_items()) {
    const ProvinceCode sender = *sender_of(item);
    const ProvinceCode receiver = *receiver_of(item);
    EXPECT_TRUE(check(item, context(sender, true)).empty())
        << collab_kind_name(item.kind) << "\n"
        << dump(check(item, context(sender, true)));
    EXPECT_TRUE(check(item, context(receiver, false)).empty())
        << collab_kind_name(item.kind) << "\n"
        << dump(check(item, context(receiver, false)));
  }
}

TEST(CollabItemTest, OptionalFieldsMayBeEmpty) {
  CollabItem notice = valid_check_notice();
  notice.remarks.clear();
  EXPECT_TRUE(check(notice).empty()) << dump(check(notice));
  CollabItem registration = valid_birth_registration();
  registration.father_id_number.clear();
  registration.father_name.clear();
  registration.expected_birth_date.clear();
  EXPECT_TRUE(check(registration).empty()) << dump(check(registration));
  CollabItem query = valid_query();
  query.question.clear();
  EXPECT_TRUE(check(query).empty()) << dump(check(query));
  CollabItem answer = valid_answer();
  answer.remarks.clear();
  EXPECT_TRUE(check(answer).empty()) << dump(check(answer));
}

TEST(CollabItemTest, EveryQueryKindAndOutcomeOfItsList) {
  for (const char* kind : {"pregnancy", "no_certificate", "no_long_acting_contraception"}) {
    CollabItem q = valid_query();
    q.query_kind = kind;
    EXPECT_TRUE(check(q).empty()) << kind << "\n" << dump(check(q));
  }
  for (const char* outcome : {"confirmed", "discrepancy", "not_found"}) {
    CollabItem f = valid_check_feedback();
    f.outcome = outcome;
    EXPECT_TRUE(check(f).empty()) << outcome;
    f.kind = CollabKind::birth_feedback;
    EXPECT_TRUE(check(f).empty()) << outcome;
  }
  for (const char* outcome : {"confirmed", "not_confirmed", "unknown_person"}) {
    CollabItem a = valid_answer();
    a.outcome = outcome;
    EXPECT_TRUE(check(a).empty()) << outcome;
  }
}

// --- rules ---------------------------------------------------------------------

TEST(CollabItemTest, RequiredFieldsMissing) {
  CollabItem notice = valid_check_notice();
  notice.method.clear();
  auto p = only_problem(notice, "method", "required");
  EXPECT_EQ(p.found, "missing");

  CollabItem feedback = valid_check_feedback();
  feedback.outcome.clear();
  only_problem(feedback, "outcome", "required");

  CollabItem query = valid_query();
  query.record_id.clear();
  only_problem(query, "record_id", "required");

  CollabItem registration = valid_birth_registration();
  registration.subject_name.clear();
  p = only_problem(registration, "mother_name", "required");
  EXPECT_EQ(p.wis_field, "WISField001");

  CollabItem answer = valid_answer();
  answer.date.clear();
  only_problem(answer, "answered_date", "required");

  CollabItem empty;
  empty.kind = CollabKind::check_notice;
  const auto problems = check(empty);
  std::set<std::string> fields;
  for (const auto& pr : problems) {
    EXPECT_TRUE(fields.insert(pr.field).second) << "twice: " << pr.field;
    EXPECT_TRUE(contains(pr.message, "required")) << pr.message;
  }
  EXPECT_EQ(fields, (std::set<std::string>{"notice_id", "record_id", "residence_province",
                                           "hukou_province", "subject_id_number", "subject_name",
                                           "check_date", "method", "result"}));
}

TEST(CollabItemTest, IdForm) {
  CollabItem c = valid_check_notice();
  c.id = "44-";
  only_problem(c, "notice_id", "local id");
  c.id = "44-2026/1";
  only_problem(c, "notice_id", "position 8");
  c.id = "44-" + std::string(41, 'a');
  only_problem(c, "notice_id", "too long");
  c.id = "44-" + std::string(40, 'a');
  EXPECT_TRUE(check(c).empty()) << dump(check(c));
  c.id = "442026";
  only_problem(c, "notice_id", "two-digit province code");
}

TEST(CollabItemTest, IdMustCarryTheResidenceProvince) {
  CollabItem c = valid_check_notice();
  c.id = "51-2026-0001";
  auto p = only_problem(c, "notice_id", "residence_province 44");
  EXPECT_EQ(p.expected, "an id starting with 44-");

  // A reply carries the id of the item it answers: the residence province's.
  CollabItem answer = valid_answer();
  answer.id = "51-2026-Q_9";
  only_problem(answer, "query_id", "residence_province 44");
  CollabItem feedback = valid_birth_feedback();
  feedback.id = "51-2026-B7";
  only_problem(feedback, "registration_id", "residence_province 44");
}

TEST(CollabItemTest, Provinces) {
  CollabItem c = valid_check_notice();
  c.hukou_province = "99";
  only_problem(c, "hukou_province", "not a province code");
  c = valid_check_notice();
  c.hukou_province = "00";
  only_problem(c, "hukou_province", "national node");
  c = valid_check_notice();
  c.hukou_province = "5";
  only_problem(c, "hukou_province", "not a province code");

  c = valid_check_notice();
  c.hukou_province = "44";
  auto p = only_problem(c, "hukou_province", "same as residence_province");
  EXPECT_EQ(p.expected, "a province other than residence_province 44");

  // A residence province that is no province: the id is not compared with it.
  c = valid_check_notice();
  c.residence_province = "9";
  only_problem(c, "residence_province", "not a province code");
}

TEST(CollabItemTest, IdNumbersAreCheckedWithoutBeingRepeated) {
  CollabItem c = valid_check_notice();
  c.subject_id_number.back() = c.subject_id_number.back() == '1' ? '2' : '1';
  auto p = only_problem(c, "subject_id_number", "check character");
  EXPECT_EQ(p.wis_field, "WISField011");
  EXPECT_TRUE(p.message.starts_with("subject_id_number (WISField011): ")) << p.message;

  c.subject_id_number = c.subject_id_number.substr(0, 17);
  p = only_problem(c, "subject_id_number", "17 characters");
  EXPECT_EQ(p.found, "17 characters");

  // Several faults of one ID: one problem for the field.
  c.subject_id_number = "99" + std::string("1302") + "20991301" + "02" + "A" + "9";
  p = only_problem(c, "subject_id_number");

  CollabItem registration = valid_birth_registration();
  registration.subject_id_number.back() = registration.subject_id_number.back() == '1' ? '2' : '1';
  only_problem(registration, "mother_id_number", "check character");
  registration = valid_birth_registration();
  registration.father_id_number = "12345";
  p = only_problem(registration, "father_id_number", "5 characters");
  EXPECT_EQ(p.wis_field, "WISField011");
}

TEST(CollabItemTest, NamesAreMeasuredInGb18030Bytes) {
  CollabItem c = valid_query();
  c.subject_name.clear();
  for (int i = 0; i < 15; ++i) c.subject_name += "欧";
  EXPECT_TRUE(check(c).empty()) << dump(check(c));  // 30 bytes
  c.subject_name += "阳";
  auto p = only_problem(c, "subject_name", "32 bytes");
  EXPECT_EQ(p.wis_field, "WISField001");

  c = valid_query();
  c.subject_name = "   ";
  only_problem(c, "subject_name", "only spaces");
  c.subject_name = "李\t四";
  only_problem(c, "subject_name", "control character");
  c.subject_name = "李\xFF";
  only_problem(c, "subject_name", "UTF-8");

  CollabItem registration = valid_birth_registration();
  registration.father_name = std::string(31, 'a');
  only_problem(registration, "father_name", "31 bytes");
}

TEST(CollabItemTest, Dates) {
  CollabItem c = valid_check_notice();
  c.date = "20260302";
  only_problem(c, "check_date", "after today");
  c.date = "20260301";
  EXPECT_TRUE(check(c).empty());
  c.date = "20260230";
  only_problem(c, "check_date", "not a calendar date");
  c.date = "2026-02-15";
  only_problem(c, "check_date", "not 8 digits");

  CollabItem feedback = valid_birth_feedback();
  feedback.date = "20270101";
  only_problem(feedback, "feedback_date", "after today");
  CollabItem query = valid_query();
  query.date = "2026021";
  only_problem(query, "asked_date", "not 8 digits");
  CollabItem registration = valid_birth_registration();
  registration.date = "20260399";
  only_problem(registration, "registration_date", "not a calendar date");
}

TEST(CollabItemTest, ExpectedBirthDate) {
  CollabItem c = valid_birth_registration();
  c.expected_birth_date = kToday.plus_days(310).yyyymmdd();
  EXPECT_TRUE(check(c).empty()) << dump(check(c));
  c.expected_birth_date = kToday.plus_days(311).yyyymmdd();
  only_problem(c, "expected_birth_date", "10 months");
  c.expected_birth_date = c.date;
  only_problem(c, "expected_birth_date", "not after registration_date");
  c.expected_birth_date = "20260101";
  only_problem(c, "expected_birth_date", "not after registration_date");
  c.expected_birth_date = "20261301";
  only_problem(c, "expected_birth_date", "not a calendar date");
}

TEST(CollabItemTest, TextLengths) {
  CollabItem c = valid_check_notice();
  c.method = std::string(60, 'm');
  c.result = std::string(60, 'r');
  EXPECT_TRUE(check(c).empty()) << dump(check(c));
  c.method.clear();
  for (int i = 0; i < 31; ++i) c.method += "环";
  only_problem(c, "method", "62 bytes");
  c = valid_check_notice();
  c.result = "   ";
  only_problem(c, "result", "only spaces");

  c = valid_check_notice();
  c.remarks = std::string(400, 'r');
  EXPECT_TRUE(check(c).empty());
  c.remarks = "第一行\n第二行";  // free text may have line breaks
  EXPECT_TRUE(check(c).empty()) << dump(check(c));
  c.remarks = std::string(401, 'r');
  only_problem(c, "remarks", "401 bytes");
  c.remarks = "a\x01";
  only_problem(c, "remarks", "control character");

  CollabItem answer = valid_answer();
  answer.remarks = std::string(401, 'd');
  only_problem(answer, "details", "401 bytes");
  CollabItem query = valid_query();
  query.question = std::string(401, 'q');
  only_problem(query, "question", "401 bytes");
}

TEST(CollabItemTest, EnumeratedValues) {
  CollabItem feedback = valid_check_feedback();
  feedback.outcome = "not_confirmed";  // an answer's outcome, not a feedback's
  auto p = only_problem(feedback, "outcome", "not in the list");
  EXPECT_TRUE(contains(p.expected, "\"not_found\"")) << p.expected;

  CollabItem answer = valid_answer();
  answer.outcome = "discrepancy";  // a feedback's outcome, not an answer's
  p = only_problem(answer, "outcome", "\"unknown_person\"");
  answer.outcome = "Confirmed";
  p = only_problem(answer, "outcome", "\"Confirmed\"");  // miscased: shown

  CollabItem query = valid_query();
  query.query_kind = "no_contraception";
  p = only_problem(query, "query_kind", "no_long_acting_contraception");
  EXPECT_FALSE(contains(p.found, "no_contraception")) << p.found;  // other words are not shown
  query.query_kind.clear();
  only_problem(query, "query_kind", "required");
}

TEST(CollabItemTest, ValuesInTheWrongKeyAreNotShown) {
  CollabItem answer = valid_answer();
  answer.outcome = "李四妹";
  auto p = only_problem(answer, "outcome");
  EXPECT_FALSE(contains(p.message, "李四妹")) << p.message;
  EXPECT_EQ(p.found, "a value of 3 characters");

  const std::string id_number = make_id("511302", "19950808", "024");
  CollabItem notice = valid_check_notice();
  notice.record_id = id_number;
  p = only_problem(notice, "record_id");
  EXPECT_FALSE(contains(p.message, id_number)) << p.message;
  notice = valid_check_notice();
  notice.id = id_number;
  p = only_problem(notice, "notice_id");
  EXPECT_FALSE(contains(p.message, id_number)) << p.message;
  notice = valid_check_notice();
  notice.date = id_number;
  p = only_problem(notice, "check_date");
  EXPECT_FALSE(contains(p.message, id_number)) << p.message;
}

TEST(CollabItemTest, RecordId) {
  CollabItem c = valid_check_notice();
  c.record_id = "51-2025-7.a:b";  // another province's record is fine
  EXPECT_TRUE(check(c).empty()) << dump(check(c));
  c.record_id = "99-1";
  only_problem(c, "record_id", "province code");
  c.record_id = "44-" + std::string(62, '1');
  only_problem(c, "record_id", "too long");
  c.record_id = "44 1";
  only_problem(c, "record_id", "position 3");
}

TEST(CollabItemTest, DueDateOfAQuery) {
  CollabItem q = valid_query();
  q.due_date = "20260318";
  EXPECT_TRUE(check(q).empty()) << dump(check(q));
  q.due_date = "20260224";
  only_problem(q, "due_date", "before the query was asked");
  q.due_date = "2026031";
  only_problem(q, "due_date", "not 8 digits");
}

TEST(CollabItemTest, OneProblemPerField) {
  CollabItem c = valid_check_notice();
  c.hukou_province = "44";
  // Sender check and same-province rule both concern hukou_province at 51
  // receiving: one problem.
  const auto problems = check(c, context(51, false));
  EXPECT_EQ(problems.size(), 1u) << dump(problems);

  // A field already faulted by reading is not checked again.
  CollabReadItem read =
      collab_item_from_json(CollabKind::check_notice,
                            json{{"notice_id", "44-1"},
                                 {"record_id", "44-2"},
                                 {"residence_province", "44"},
                                 {"hukou_province", 51},
                                 {"subject_id_number", valid_check_notice().subject_id_number},
                                 {"subject_name", "李四妹"},
                                 {"check_date", "20260215"},
                                 {"method", "m"},
                                 {"result", "r"}},
                            1);
  ASSERT_EQ(read.problems.size(), 1u) << dump(read.problems);
  EXPECT_FALSE(check_collab_item(read, context()));
  EXPECT_EQ(read.problems.size(), 1u) << dump(read.problems);
  EXPECT_EQ(read.problems[0].field, "hukou_province");
}

// --- sender and receiver -------------------------------------------------------

TEST(CollabItemTest, ANodeSendsOnlyItsOwnItems) {
  // Node 51 cannot send a check notice of Guangdong's.
  auto p = only_problem(valid_check_notice(), "residence_province", "this node is 51",
                        context(51, true));
  EXPECT_TRUE(contains(p.message, "can only send its own items")) << p.message;
  EXPECT_EQ(p.found, "44");
  EXPECT_EQ(p.expected, "51");
  // Node 44 cannot send feedback: the hukou province (51) does.
  p = only_problem(valid_check_feedback(), "hukou_province", "this node is 44", context(44, true));
  EXPECT_TRUE(contains(p.message, "can only send its own items")) << p.message;
  only_problem(valid_answer(), "hukou_province", "this node is 44", context(44, true));
  only_problem(valid_query(), "residence_province", "this node is 51", context(51, true));
  only_problem(valid_birth_registration(), "residence_province", "this node is 11",
               context(11, true));
}

TEST(CollabItemTest, ANodeReceivesOnlyItemsAddressedToIt) {
  // A notice for hukou province 51 arriving at 44.
  auto p =
      only_problem(valid_check_notice(), "hukou_province", "this node is 44", context(44, false));
  EXPECT_EQ(p.found, "51");
  // Feedback for residence province 44 arriving at 51.
  only_problem(valid_birth_feedback(), "residence_province", "this node is 51", context(51, false));
  only_problem(valid_answer(), "residence_province", "this node is 12", context(12, false));
}

// --- JSON ----------------------------------------------------------------------

TEST(CollabItemTest, JsonKeysOfEachKind) {
  EXPECT_EQ(keys_of(collab_item_to_json(valid_check_notice())),
            (std::set<std::string>{"notice_id", "record_id", "residence_province", "hukou_province",
                                   "subject_id_number", "subject_name", "check_date", "method",
                                   "result", "remarks"}));
  EXPECT_EQ(keys_of(collab_item_to_json(valid_check_feedback())),
            (std::set<std::string>{"notice_id", "residence_province", "hukou_province",
                                   "feedback_date", "outcome"}));
  EXPECT_EQ(
      keys_of(collab_item_to_json(valid_birth_registration())),
      (std::set<std::string>{"registration_id", "record_id", "residence_province", "hukou_province",
                             "mother_id_number", "mother_name", "father_id_number", "father_name",
                             "registration_date", "expected_birth_date"}));
  EXPECT_EQ(keys_of(collab_item_to_json(valid_birth_feedback())),
            (std::set<std::string>{"registration_id", "residence_province", "hukou_province",
                                   "feedback_date", "outcome", "remarks"}));
  EXPECT_EQ(keys_of(collab_item_to_json(valid_query())),
            (std::set<std::string>{"query_id", "query_kind", "record_id", "residence_province",
                                   "hukou_province", "subject_id_number", "subject_name",
                                   "asked_date", "question"}));
  EXPECT_EQ(keys_of(collab_item_to_json(valid_answer())),
            (std::set<std::string>{"query_id", "residence_province", "hukou_province",
                                   "answered_date", "outcome", "details"}));

  const json j = collab_item_to_json(valid_birth_registration());
  EXPECT_EQ(j["mother_name"], "王芳");
  EXPECT_EQ(j["registration_date"], "20260210");
  EXPECT_EQ(j["residence_province"], "44");
  EXPECT_EQ(collab_item_to_json(valid_answer())["details"], "户籍地核实：未孕");

  CollabItem q = valid_query();
  q.due_date = "20260318";
  q.operator_id = "op-7";
  const json jq = collab_item_to_json(q);
  EXPECT_EQ(jq["due_date"], "20260318");
  EXPECT_EQ(jq["operator_id"], "op-7");
  CollabItem f = valid_check_feedback();
  f.due_date = "20260318";  // not a feedback's: not written
  f.record_id = "44-1";     // not a feedback's either
  EXPECT_FALSE(collab_item_to_json(f).contains("due_date"));
  EXPECT_FALSE(collab_item_to_json(f).contains("record_id"));
}

TEST(CollabItemTest, JsonRoundTrip) {
  for (CollabItem item : valid_items()) {
    for (const std::string operator_id : {"", "op-7"}) {
      item.operator_id = operator_id;
      const CollabReadItem read = collab_item_from_json(item.kind, collab_item_to_json(item), 3);
      EXPECT_TRUE(read.problems.empty()) << collab_kind_name(item.kind) << "\n"
                                         << dump(read.problems);
      ASSERT_TRUE(read.item.has_value());
      EXPECT_EQ(*read.item, item) << collab_kind_name(item.kind);
      EXPECT_EQ(read.id, item.id);
      EXPECT_EQ(read.line, 3u);
      EXPECT_TRUE(read.valid());
    }
  }
}

TEST(CollabItemTest, JsonDueDateIsTheNodesToSet) {
  CollabItem q = valid_query();
  q.due_date = "20260318";
  CollabReadItem read = collab_item_from_json(CollabKind::query, collab_item_to_json(q), 1);
  ASSERT_EQ(read.problems.size(), 1u) << dump(read.problems);
  EXPECT_EQ(read.problems[0].field, "due_date");
  EXPECT_TRUE(contains(read.problems[0].message, "set by the node from the holiday calendar"))
      << read.problems[0].message;
  EXPECT_TRUE(contains(read.problems[0].message, "do not send it"));
  // The value is kept: the node may read back a query it stored.
  ASSERT_TRUE(read.item.has_value());
  EXPECT_EQ(*read.item, q);

  // In another kind due_date is just an unknown key.
  json f = collab_item_to_json(valid_check_feedback());
  f["due_date"] = "20260318";
  read = collab_item_from_json(CollabKind::check_feedback, f, 1);
  ASSERT_EQ(read.problems.size(), 1u) << dump(read.problems);
  EXPECT_EQ(read.problems[0].field, "");
  EXPECT_TRUE(contains(read.problems[0].message, "unknown key \"due_date\""));
}

TEST(CollabItemTest, JsonValuesMustBeStrings) {
  json j = collab_item_to_json(valid_check_notice());
  j["residence_province"] = 44;
  j["check_date"] = 20260215;
  j["remarks"] = json::array();
  const CollabReadItem read = collab_item_from_json(CollabKind::check_notice, j, 1);
  ASSERT_EQ(read.problems.size(), 3u) << dump(read.problems);
  std::set<std::string> fields;
  for (const RecordProblem& p : read.problems) {
    fields.insert(p.field);
    EXPECT_TRUE(contains(p.message, "a string")) << p.message;
    EXPECT_TRUE(p.message.starts_with(p.field + ": found ")) << p.message;
  }
  EXPECT_EQ(fields, (std::set<std::string>{"residence_province", "check_date", "remarks"}));

  json k = collab_item_to_json(valid_check_notice());
  k["subject_id_number"] = 123456789012345678ULL;
  const CollabReadItem read2 = collab_item_from_json(CollabKind::check_notice, k, 1);
  ASSERT_EQ(read2.problems.size(), 1u) << dump(read2.problems);
  EXPECT_EQ(read2.problems[0].field, "subject_id_number");
  EXPECT_EQ(read2.problems[0].wis_field, "WISField011");
  EXPECT_FALSE(contains(read2.problems[0].message, "123456789012345678"));
}

TEST(CollabItemTest, JsonUnknownMissingAndNullKeys) {
  json j = collab_item_to_json(valid_check_notice());
  j["mother_id_number"] = "x";  // a birth registration's key
  j.erase("method");
  j["remarks"] = nullptr;  // null: as if absent
  CollabReadItem read = collab_item_from_json(CollabKind::check_notice, j, 1);
  ASSERT_EQ(read.problems.size(), 2u) << dump(read.problems);
  const auto unknown = std::find_if(read.problems.begin(), read.problems.end(),
                                    [](const RecordProblem& p) { return p.field.empty(); });
  ASSERT_NE(unknown, read.problems.end());
  EXPECT_TRUE(contains(unknown->message, "unknown key \"mother_id_number\"")) << unknown->message;
  EXPECT_TRUE(contains(unknown->message, "check_notice")) << unknown->message;
  const auto missing = std::find_if(read.problems.begin(), read.problems.end(),
                                    [](const RecordProblem& p) { return p.field == "method"; });
  ASSERT_NE(missing, read.problems.end());
  EXPECT_TRUE(contains(missing->message, "required")) << missing->message;
  ASSERT_TRUE(read.item.has_value());
  EXPECT_TRUE(read.item->remarks.empty());
  EXPECT_EQ(read.id, "44-2026-0001");

  json r = collab_item_to_json(valid_answer());
  r["query_id"] = nullptr;
  read = collab_item_from_json(CollabKind::answer, r, 1);
  ASSERT_EQ(read.problems.size(), 1u) << dump(read.problems);
  EXPECT_EQ(read.problems[0].field, "query_id");
  EXPECT_EQ(read.id, "");
}

TEST(CollabItemTest, JsonOperatorIdIsAcceptedEverywhere) {
  for (const CollabItem& item : valid_items()) {
    json j = collab_item_to_json(item);
    j["operator_id"] = "clerk-12";
    const CollabReadItem read = collab_item_from_json(item.kind, j, 1);
    EXPECT_TRUE(read.problems.empty()) << dump(read.problems);
    ASSERT_TRUE(read.item.has_value());
    EXPECT_EQ(read.item->operator_id, "clerk-12");
  }
}

TEST(CollabItemTest, JsonNonObjectIsAnItemWithAProblem) {
  const CollabReadItem read = collab_item_from_json(CollabKind::answer, json("44-1"), 4);
  EXPECT_FALSE(read.item.has_value());
  EXPECT_FALSE(read.valid());
  ASSERT_EQ(read.problems.size(), 1u);
  EXPECT_EQ(read.problems[0].field, "");
  EXPECT_EQ(read.problems[0].found, "a string");
  EXPECT_EQ(read.line, 4u);
  CollabReadItem copy = read;
  EXPECT_FALSE(check_collab_item(copy, context()));
}

// --- documents -------------------------------------------------------------------

TEST(CollabItemTest, JsonDocumentArrayWithANonObject) {
  json doc = json::array();
  doc.push_back(collab_item_to_json(valid_check_notice()));
  doc.push_back(42);
  CollabItem bad = valid_check_notice();
  bad.id = "44-2026-0002";
  bad.date = "20990101";
  doc.push_back(collab_item_to_json(bad));
  const auto result = read_collab_json_document(CollabKind::check_notice, doc.dump());
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::vector<CollabReadItem> items = *result;
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[0].valid());
  EXPECT_EQ(items[0].line, 1u);
  EXPECT_FALSE(items[1].item.has_value());
  EXPECT_EQ(items[1].line, 2u);
  ASSERT_EQ(items[1].problems.size(), 1u);
  EXPECT_EQ(items[1].problems[0].found, "a number");
  EXPECT_EQ(items[2].line, 3u);
  EXPECT_EQ(items[2].id, "44-2026-0002");
  EXPECT_TRUE(check_collab_item(items[0], context(44, true)));
  EXPECT_FALSE(check_collab_item(items[2], context(44, true)));
  ASSERT_EQ(items[2].problems.size(), 1u) << dump(items[2].problems);
  EXPECT_EQ(items[2].problems[0].field, "check_date");
}

TEST(CollabItemTest, JsonDocumentSingleObject) {
  const auto result =
      read_collab_json_document(CollabKind::answer, collab_item_to_json(valid_answer()).dump(2));
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->size(), 1u);
  EXPECT_TRUE((*result)[0].valid());
  EXPECT_EQ((*result)[0].item, valid_answer());
}

TEST(CollabItemTest, JsonDocumentErrors) {
  const std::string id_number = make_id("511302", "19950808", "024");
  const auto broken = read_collab_json_document(
      CollabKind::query, "[{\"subject_id_number\": \"" + id_number + "\", }]");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, Errc::invalid_input);
  EXPECT_TRUE(contains(broken.error().message, "byte")) << broken.error().message;
  EXPECT_FALSE(contains(broken.error().message, id_number)) << broken.error().message;

  const auto scalar = read_collab_json_document(CollabKind::query, "42");
  ASSERT_FALSE(scalar.ok());
  EXPECT_EQ(scalar.error().code, Errc::invalid_input);
  EXPECT_TRUE(contains(scalar.error().message, "a number")) << scalar.error().message;

  const auto empty = read_collab_json_document(CollabKind::query, "[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CollabItemTest, NdjsonWithABrokenLine) {
  const std::string id_number = make_id("511302", "19950808", "024");
  std::string text = collab_item_to_json(valid_query()).dump() + "\r\n";
  text += "\n   \n";  // lines 2, 3: blank
  text += "{\"query_id\": \"44-1\", \"subject_id_number\": \"" + id_number + "\"\n";  // 4
  text += "[1, 2]\n";                                                                 // 5
  CollabItem second = valid_query();
  second.id = "44-2026-Q_10";
  text += collab_item_to_json(second).dump();  // 6, no final newline
  const std::vector<CollabReadItem> items = read_collab_ndjson(CollabKind::query, text);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].line, 1u);
  EXPECT_TRUE(items[0].valid()) << dump(items[0].problems);
  EXPECT_EQ(items[0].item, valid_query());

  EXPECT_EQ(items[1].line, 4u);
  EXPECT_FALSE(items[1].item.has_value());
  ASSERT_EQ(items[1].problems.size(), 1u);
  EXPECT_TRUE(contains(items[1].problems[0].message, "line 4 is not valid JSON"))
      << items[1].problems[0].message;
  EXPECT_FALSE(contains(items[1].problems[0].message, id_number));
  EXPECT_FALSE(contains(items[1].problems[0].found, id_number));

  EXPECT_EQ(items[2].line, 5u);
  EXPECT_FALSE(items[2].item.has_value());
  EXPECT_EQ(items[2].problems.size(), 1u);

  EXPECT_EQ(items[3].line, 6u);
  EXPECT_TRUE(items[3].valid()) << dump(items[3].problems);
  EXPECT_EQ(items[3].id, "44-2026-Q_10");

  EXPECT_TRUE(read_collab_ndjson(CollabKind::query, "").empty());
  EXPECT_TRUE(read_collab_ndjson(CollabKind::query, "\n\n").empty());
}

}  // namespace
}  // namespace provnet::domain
