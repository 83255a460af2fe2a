#include "core/collab_codec.hpp"

#include <fmt/format.h>

namespace provnet::core {

namespace {

using domain::CollabItem;
using domain::CollabKind;

std::string code2(unsigned code) {
  return fmt::format("{:02d}", code);
}

// A province code in text form, or 0 when it is not two digits (the
// domain checks then say what is wrong with it).
std::uint8_t code_of(const std::string& text) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
    return 0;
  }
  return static_cast<std::uint8_t>((text[0] - '0') * 10 + (text[1] - '0'));
}

wire::FeedbackOutcome feedback_outcome(const std::string& s) {
  if (s == "discrepancy") return wire::FeedbackOutcome::DISCREPANCY;
  if (s == "not_found") return wire::FeedbackOutcome::NOT_FOUND;
  return wire::FeedbackOutcome::CONFIRMED;
}

std::string feedback_outcome_name(wire::FeedbackOutcome o) {
  switch (o) {
    case wire::FeedbackOutcome::CONFIRMED:
      return "confirmed";
    case wire::FeedbackOutcome::DISCREPANCY:
      return "discrepancy";
    case wire::FeedbackOutcome::NOT_FOUND:
      return "not_found";
  }
  return "unknown";  // a value a newer node sends: the checks refuse it
}

wire::QueryFinding query_finding(const std::string& s) {
  if (s == "not_confirmed") return wire::QueryFinding::NOT_CONFIRMED;
  if (s == "unknown_person") return wire::QueryFinding::UNKNOWN_PERSON;
  return wire::QueryFinding::CONFIRMED;
}

std::string query_finding_name(wire::QueryFinding f) {
  switch (f) {
    case wire::QueryFinding::CONFIRMED:
      return "confirmed";
    case wire::QueryFinding::NOT_CONFIRMED:
      return "not_confirmed";
    case wire::QueryFinding::UNKNOWN_PERSON:
      return "unknown_person";
  }
  return "unknown";
}

wire::QueryKind query_kind(const std::string& s) {
  if (s == "no_certificate") return wire::QueryKind::NO_CERTIFICATE;
  if (s == "no_long_acting_contraception") return wire::QueryKind::NO_LONG_ACTING_CONTRACEPTION;
  return wire::QueryKind::PREGNANCY;
}

std::string query_kind_name(wire::QueryKind k) {
  switch (k) {
    case wire::QueryKind::PREGNANCY:
      return "pregnancy";
    case wire::QueryKind::NO_CERTIFICATE:
      return "no_certificate";
    case wire::QueryKind::NO_LONG_ACTING_CONTRACEPTION:
      return "no_long_acting_contraception";
  }
  return "unknown";
}

// Check and birth feedbacks are the same but for the name of their id
// (noticeId, registrationId): the fields after it, both ways.
template <class Builder>
void feedback_to_wire(const CollabItem& it, Builder o) {
  o.setFeedbackDate(it.date);
  o.setOutcome(feedback_outcome(it.outcome));
  o.setRemarks(it.remarks);
  o.setOperatorId(it.operator_id);
}

template <class Reader>
void feedback_from_wire(Reader o, CollabItem& it) {
  it.date = o.getFeedbackDate();
  it.outcome = feedback_outcome_name(o.getOutcome());
  it.remarks = o.getRemarks();
  it.operator_id = o.getOperatorId();
}

}  // namespace

wire::Body::Which collab_body_which(CollabKind kind) {
  switch (kind) {
    case CollabKind::check_notice:
      return wire::Body::CHECK_NOTICES;
    case CollabKind::check_feedback:
      return wire::Body::CHECK_FEEDBACKS;
    case CollabKind::birth_registration:
      return wire::Body::BIRTH_REGISTRATIONS;
    case CollabKind::birth_feedback:
      return wire::Body::BIRTH_FEEDBACKS;
    case CollabKind::query:
      return wire::Body::VERIFICATION_QUERIES;
    case CollabKind::answer:
      return wire::Body::VERIFICATION_ANSWERS;
  }
  return wire::Body::CHECK_NOTICES;
}

std::optional<CollabKind> collab_kind_of(wire::Body::Which which) {
  switch (which) {
    case wire::Body::CHECK_NOTICES:
      return CollabKind::check_notice;
    case wire::Body::CHECK_FEEDBACKS:
      return CollabKind::check_feedback;
    case wire::Body::BIRTH_REGISTRATIONS:
      return CollabKind::birth_registration;
    case wire::Body::BIRTH_FEEDBACKS:
      return CollabKind::birth_feedback;
    case wire::Body::VERIFICATION_QUERIES:
      return CollabKind::query;
    case wire::Body::VERIFICATION_ANSWERS:
      return CollabKind::answer;
    default:
      return std::nullopt;
  }
}

void collab_items_to_body(CollabKind kind, const std::vector<CollabItem>& items,
                          wire::Body::Builder body) {
  const auto n = static_cast<unsigned>(items.size());
  // Each kind has its own struct type on the wire, with its own field names:
  // the lambdas take the list's element type as it comes.
  const auto fill_list = [&](auto list, auto fill_one) {
    for (unsigned i = 0; i < n; ++i) fill_one(items[i], list[i]);
  };
  switch (kind) {
    case CollabKind::check_notice:
      fill_list(body.initCheckNotices(n), [](const CollabItem& it, auto o) {
        o.setNoticeId(it.id);
        o.setRecordId(it.record_id);
        o.setResidenceProvince(code_of(it.residence_province));
        o.setHukouProvince(code_of(it.hukou_province));
        o.setSubjectIdNumber(it.subject_id_number);
        o.setSubjectName(it.subject_name);
        o.setCheckDate(it.date);
        o.setMethod(it.method);
        o.setResult(it.result);
        o.setRemarks(it.remarks);
        o.setOperatorId(it.operator_id);
      });
      return;
    case CollabKind::check_feedback:
      fill_list(body.initCheckFeedbacks(n), [](const CollabItem& it, auto o) {
        o.setNoticeId(it.id);
        feedback_to_wire(it, o);
      });
      return;
    case CollabKind::birth_registration:
      fill_list(body.initBirthRegistrations(n), [](const CollabItem& it, auto o) {
        o.setRegistrationId(it.id);
        o.setRecordId(it.record_id);
        o.setResidenceProvince(code_of(it.residence_province));
        o.setHukouProvince(code_of(it.hukou_province));
        o.setMotherIdNumber(it.subject_id_number);
        o.setMotherName(it.subject_name);
        o.setFatherIdNumber(it.father_id_number);
        o.setFatherName(it.father_name);
        o.setRegistrationDate(it.date);
        o.setExpectedBirthDate(it.expected_birth_date);
        o.setOperatorId(it.operator_id);
      });
      return;
    case CollabKind::birth_feedback:
      fill_list(body.initBirthFeedbacks(n), [](const CollabItem& it, auto o) {
        o.setRegistrationId(it.id);
        feedback_to_wire(it, o);
      });
      return;
    case CollabKind::query:
      fill_list(body.initVerificationQueries(n), [](const CollabItem& it, auto o) {
        o.setQueryId(it.id);
        o.setKind(query_kind(it.query_kind));
        o.setRecordId(it.record_id);
        o.setAskingProvince(code_of(it.residence_province));
        o.setAnsweringProvince(code_of(it.hukou_province));
        o.setSubjectIdNumber(it.subject_id_number);
        o.setSubjectName(it.subject_name);
        o.setAskedDate(it.date);
        o.setDueDate(it.due_date);
        o.setQuestion(it.question);
        o.setOperatorId(it.operator_id);
      });
      return;
    case CollabKind::answer:
      fill_list(body.initVerificationAnswers(n), [](const CollabItem& it, auto o) {
        o.setQueryId(it.id);
        o.setAnsweredDate(it.date);
        o.setFinding(query_finding(it.outcome));
        o.setDetails(it.remarks);
        o.setOperatorId(it.operator_id);
      });
      return;
  }
}

std::vector<CollabItem> collab_items_from_body(wire::Body::Reader body, domain::ProvinceCode author,
                                               domain::ProvinceCode destination) {
  std::vector<CollabItem> out;
  const auto read_list = [&](auto list, auto read_one) {
    for (auto o : list) out.push_back(read_one(o));
  };
  // Replies carry no province codes: the author answers the destination.
  const auto reply = [&](CollabKind kind) {
    CollabItem it;
    it.kind = kind;
    it.hukou_province = code2(author);
    it.residence_province = code2(destination);
    return it;
  };
  switch (body.which()) {
    case wire::Body::CHECK_NOTICES:
      read_list(body.getCheckNotices(), [](auto o) {
        CollabItem it;
        it.kind = CollabKind::check_notice;
        it.id = o.getNoticeId();
        it.record_id = o.getRecordId();
        it.residence_province = code2(o.getResidenceProvince());
        it.hukou_province = code2(o.getHukouProvince());
        it.subject_id_number = o.getSubjectIdNumber();
        it.subject_name = o.getSubjectName();
        it.date = o.getCheckDate();
        it.method = o.getMethod();
        it.result = o.getResult();
        it.remarks = o.getRemarks();
        it.operator_id = o.getOperatorId();
        return it;
      });
      break;
    case wire::Body::CHECK_FEEDBACKS:
      read_list(body.getCheckFeedbacks(), [&](auto o) {
        CollabItem it = reply(CollabKind::check_feedback);
        it.id = o.getNoticeId();
        feedback_from_wire(o, it);
        return it;
      });
      break;
    case wire::Body::BIRTH_REGISTRATIONS:
      read_list(body.getBirthRegistrations(), [](auto o) {
        CollabItem it;
        it.kind = CollabKind::birth_registration;
        it.id = o.getRegistrationId();
        it.record_id = o.getRecordId();
        it.residence_province = code2(o.getResidenceProvince());
        it.hukou_province = code2(o.getHukouProvince());
        it.subject_id_number = o.getMotherIdNumber();
        it.subject_name = o.getMotherName();
        it.father_id_number = o.getFatherIdNumber();
        it.father_name = o.getFatherName();
        it.date = o.getRegistrationDate();
        it.expected_birth_date = o.getExpectedBirthDate();
        it.operator_id = o.getOperatorId();
        return it;
      });
      break;
    case wire::Body::BIRTH_FEEDBACKS:
      read_list(body.getBirthFeedbacks(), [&](auto o) {
        CollabItem it = reply(CollabKind::birth_feedback);
        it.id = o.getRegistrationId();
        feedback_from_wire(o, it);
        return it;
      });
      break;
    case wire::Body::VERIFICATION_QUERIES:
      read_list(body.getVerificationQueries(), [](auto o) {
        CollabItem it;
        it.kind = CollabKind::query;
        it.id = o.getQueryId();
        it.query_kind = query_kind_name(o.getKind());
        it.record_id = o.getRecordId();
        it.residence_province = code2(o.getAskingProvince());
        it.hukou_province = code2(o.getAnsweringProvince());
        it.subject_id_number = o.getSubjectIdNumber();
        it.subject_name = o.getSubjectName();
        it.date = o.getAskedDate();
        it.due_date = o.getDueDate();
        it.question = o.getQuestion();
        it.operator_id = o.getOperatorId();
        return it;
      });
      break;
    case wire::Body::VERIFICATION_ANSWERS:
      read_list(body.getVerificationAnswers(), [&](auto o) {
        CollabItem it = reply(CollabKind::answer);
        it.id = o.getQueryId();
        it.date = o.getAnsweredDate();
        it.outcome = query_finding_name(o.getFinding());
        it.remarks = o.getDetails();
        it.operator_id = o.getOperatorId();
        return it;
      });
      break;
    default:
      break;
  }
  return out;
}

void tables_to_wire(const domain::QuarterlyTables& t, wire::QuarterlyStatistics::Builder out) {
  out.setProvince(t.province);
  out.setYear(static_cast<std::uint16_t>(t.year));
  out.setQuarter(static_cast<std::uint8_t>(t.quarter));
  out.setSnapshotDate(t.snapshot.yyyymmdd());
  auto tables = out.initTables(static_cast<unsigned>(t.tables.size()));
  for (unsigned i = 0; i < t.tables.size(); ++i) {
    const domain::StatTable& s = t.tables[i];
    auto o = tables[i];
    o.setDirection(s.direction == "outflow" ? wire::Direction::OUTFLOW : wire::Direction::INFLOW);
    o.setDimension(s.dimension);
    o.setTotal(s.total);
    auto cells = o.initCells(static_cast<unsigned>(s.cells.size()));
    unsigned k = 0;
    for (const auto& [key, count] : s.cells) {
      cells[k].setKey(key);
      cells[k].setCount(count);
      ++k;
    }
  }
}

domain::QuarterlyTables tables_from_wire(wire::QuarterlyStatistics::Reader in) {
  domain::QuarterlyTables t;
  t.province = in.getProvince();
  t.year = in.getYear();
  t.quarter = in.getQuarter();
  t.snapshot = domain::Date::parse_yyyymmdd(in.getSnapshotDate().cStr()).value_or(domain::Date{});
  for (auto s : in.getTables()) {
    domain::StatTable table;
    table.direction = s.getDirection() == wire::Direction::OUTFLOW ? "outflow" : "inflow";
    table.dimension = s.getDimension();
    table.total = s.getTotal();
    for (auto c : s.getCells()) table.cells[c.getKey()] += c.getCount();
    t.tables.push_back(std::move(table));
  }
  return t;
}

}  // namespace provnet::core
