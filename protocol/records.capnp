@0x9326043e59e476a3;
# Cross-province migrant records (SPEC §2.1) and their versions.
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

enum Direction {
  inflow @0;   # reported by the current-residence province, sorted to the hukou province
  outflow @1;  # reported by the hukou province, sorted to the current-residence province
}

enum SpouseMigrates {
  notApplicable @0;  # not married (interchange: null)
  yes @1;
  no @2;
}

# The 11 basic and 2 household items of the data standard, with its code
# values kept as text exactly as the standard writes them ("21", "0").
struct MigrantRecord {
  recordId @0 :Text;            # "<reporting province>-<local id>", globally unique
  direction @1 :Direction;
  reportingProvince @2 :UInt8;
  name @3 :Text;                # WISField001
  sex @4 :Text;                 # WISField002
  currentAddress @5 :Text;      # WISField003
  currentAddressCode @6 :Text;  # WISField004, 12 digits
  hukouAddress @7 :Text;        # WISField005
  hukouAddressCode @8 :Text;    # WISField006, 12 digits
  idNumber @9 :Text;            # WISField011, GB 11643
  birthDate @10 :Text;          # WISField012, YYYYMMDD
  education @11 :Text;          # WISField014
  hukouType @12 :Text;          # WISField015
  migrationReason @13 :Text;    # data/migration_reasons.csv
  moveDate @14 :Text;           # YYYYMMDD
  maritalStatus @15 :Text;      # WISField016
  familyMigrates @16 :Bool;
  spouseMigrates @17 :SpouseMigrates;
  ethnicGroup @18 :Text;        # WISField013, optional
  householdCode @19 :Text;      # WISField000, optional
}

enum ChangeKind {
  created @0;    # first report of the record
  updated @1;    # an item changed (moved on, married ...)
  returned @2;   # the migrant returned to the hukou place
  left @3;       # the migrant left the reporting province
  corrected @4;  # the correction procedure fixed a wrong item
}

# One version of a record. History is never overwritten: every change is a
# new version with who, when and why.
struct RecordVersion {
  record @0 :MigrantRecord;
  version @1 :UInt32;        # 1, 2, ... per record id; no gaps
  change @2 :ChangeKind;
  authorNode @3 :UInt8;      # the node that made this version
  operatorId @4 :Text;       # the operator (API user) who made it
  changedAtMs @5 :Int64;     # Unix ms
  reason @6 :Text;           # why, in the operator's words
  # The version a receiver holds just before this one, plus one: 0 (unset,
  # older senders) means version - 1; 1 means none (every earlier version
  # was refused on its way); k + 1 means version k. A receiver hands
  # versions to its provincial system in order and waits for this one's
  # predecessor; a refused version never arrives, so it is skipped here.
  predecessor @7 :UInt32;
}

struct MigrantBatch {
  versions @0 :List(RecordVersion);
}
