@0xcf6c479c264f8f26;
# Networked collaboration between residence and hukou provinces (SPEC §2.2)
# and verification queries with deadlines (SPEC §2.3).
#
# Evolution rules (binding for every schema in protocol/):
#  - Field and enumerant ordinals (@N) are append-only: a new field takes the
#    next free ordinal; existing ordinals never change meaning or type.
#  - Never reuse an ordinal or a name, even of a field nobody sends any more:
#    rename it to obsoleteXxx and leave it in place.
#  - New union members go at the end of the union with the next ordinal.
#  - Changing a field between Text and Data, or a scalar width, is a new field.
#  - The file ids (@0x...) never change; structs are never moved between files.
# Older nodes ignore fields they do not know; newer nodes see defaults for
# fields older nodes do not send, so every new field needs a safe default.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("provnet::wire");

enum FeedbackOutcome {
  confirmed @0;    # the hukou province's records agree
  discrepancy @1;  # they disagree; see remarks
  notFound @2;     # no such person in the hukou province's records
}

# Residence province -> hukou province: a contraception check it performed
# for a migrant married woman of childbearing age.
struct ContraceptionCheckNotice {
  noticeId @0 :Text;          # "<residence province>-<local id>"
  recordId @1 :Text;          # the migrant record it concerns
  residenceProvince @2 :UInt8;
  hukouProvince @3 :UInt8;
  subjectIdNumber @4 :Text;
  subjectName @5 :Text;
  checkDate @6 :Text;         # YYYYMMDD
  method @7 :Text;            # contraceptive method in use
  result @8 :Text;            # the check's finding
  remarks @9 :Text;
  operatorId @10 :Text;
}

struct ContraceptionCheckFeedback {
  noticeId @0 :Text;
  feedbackDate @1 :Text;      # YYYYMMDD
  outcome @2 :FeedbackOutcome;
  remarks @3 :Text;
  operatorId @4 :Text;
}

# Residence province -> hukou province: a first-child birth service
# registration made for a migrant couple.
struct FirstBirthRegistration {
  registrationId @0 :Text;
  recordId @1 :Text;
  residenceProvince @2 :UInt8;
  hukouProvince @3 :UInt8;
  motherIdNumber @4 :Text;
  motherName @5 :Text;
  fatherIdNumber @6 :Text;
  fatherName @7 :Text;
  registrationDate @8 :Text;  # YYYYMMDD
  expectedBirthDate @9 :Text; # YYYYMMDD, may be empty
  operatorId @10 :Text;
}

struct FirstBirthFeedback {
  registrationId @0 :Text;
  feedbackDate @1 :Text;
  outcome @2 :FeedbackOutcome;
  remarks @3 :Text;
  operatorId @4 :Text;
}

enum QueryKind {
  pregnancy @0;                  # answer within 15 working days
  noCertificate @1;              # no marriage-and-childbearing certificate: 30 calendar days
  noLongActingContraception @2;  # 30 calendar days
}

struct VerificationQuery {
  queryId @0 :Text;            # "<asking province>-<local id>"
  kind @1 :QueryKind;
  recordId @2 :Text;
  askingProvince @3 :UInt8;    # the residence province
  answeringProvince @4 :UInt8; # the hukou province
  subjectIdNumber @5 :Text;
  subjectName @6 :Text;
  askedDate @7 :Text;          # YYYYMMDD
  dueDate @8 :Text;            # YYYYMMDD, from the holiday calendar
  question @9 :Text;
  operatorId @10 :Text;
}

enum QueryFinding {
  confirmed @0;
  notConfirmed @1;
  unknownPerson @2;
}

struct VerificationAnswer {
  queryId @0 :Text;
  answeredDate @1 :Text;       # YYYYMMDD
  finding @2 :QueryFinding;
  details @3 :Text;
  operatorId @4 :Text;
}
