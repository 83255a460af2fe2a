@0xaab5886d5229048a;
# Statistics: quarterly tables from each province and the national monthly
# summary of collaboration traffic (SPEC §2.4).
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

using Records = import "records.capnp";

struct StatCell {
  key @0 :Text;      # the dimension's value: "2" (female), "18-29", "44" ...
  count @1 :UInt64;
}

# One table: counts of one direction's records by one dimension
# (sex, ageBand, education, maritalStatus, migrationReason, partnerProvince).
struct StatTable {
  direction @0 :Records.Direction;
  dimension @1 :Text;
  cells @2 :List(StatCell);
  total @3 :UInt64;  # must equal the sum of cells
}

struct QuarterlyStatistics {
  province @0 :UInt8;
  year @1 :UInt16;
  quarter @2 :UInt8;        # 1..4
  snapshotDate @3 :Text;    # YYYYMMDD: 0331, 0630, 0930, 1231
  tables @4 :List(StatTable);
}

# Per province pair (from asks/notifies, to answers/receives).
struct PairFigures {
  fromProvince @0 :UInt8;
  toProvince @1 :UInt8;
  notices @2 :UInt32;
  feedbacks @3 :UInt32;
  queries @4 :UInt32;
  answeredOnTime @5 :UInt32;
  answeredLate @6 :UInt32;
  overdue @7 :UInt32;
}

struct MonthlySummary {
  year @0 :UInt16;
  month @1 :UInt8;
  pairs @2 :List(PairFigures);
}
