@0xecd11b2e11e3f317;
# The envelope: every message between nodes is one Envelope, sent as one
# frame (a 4-byte big-endian length, then the Cap'n Proto message).
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
using Collab = import "collab.capnp";
using Reports = import "reports.capnp";
using Control = import "control.capnp";

struct Body {
  union {
    migrantBatch @0 :Records.MigrantBatch;
    checkNotices @1 :List(Collab.ContraceptionCheckNotice);
    checkFeedbacks @2 :List(Collab.ContraceptionCheckFeedback);
    birthRegistrations @3 :List(Collab.FirstBirthRegistration);
    birthFeedbacks @4 :List(Collab.FirstBirthFeedback);
    verificationQueries @5 :List(Collab.VerificationQuery);
    verificationAnswers @6 :List(Collab.VerificationAnswer);
    acknowledgements @7 :List(Control.Acknowledgement);
    rejection @8 :Control.Rejection;
    auditCheckpoint @9 :Control.AuditCheckpoint;
    quarterlyStatistics @10 :Reports.QuarterlyStatistics;
    monthlySummary @11 :Reports.MonthlySummary;
    signedDirectory @12 :Control.SignedDirectory;
    revocationNotice @13 :Control.RevocationNotice;
    # A node asks the national node for its directory (not stored, not
    # acknowledged: the answer is a signedDirectory envelope, or nothing).
    directoryRequest @14 :Control.DirectoryRequest;
    # Evidence of exchanges made directly inside a regional group, for the
    # national auditor (groups whose nationalCopy is evidenceOnly).
    exchangeEvidence @15 :List(Control.ExchangeEvidence);
    # Replies (signed envelopes, unchanged) that a relaying node forwards to
    # the author of the message they answer: a destination's rejection of a
    # record the national node relayed reaches the province that wrote it.
    forwardedReplies @16 :List(Data);
  }
}

struct Envelope {
  messageId @0 :UInt64;     # unique per author: (author, messageId) names a message
  author @1 :UInt8;         # the node that wrote and signed it (00 = national)
  destination @2 :UInt8;    # the node it is for; a sorter forwards it unchanged
  createdAtMs @3 :Int64;    # Unix ms at the author
  body @4 :Body;
  # The author's signature over the canonical Cap'n Proto encoding of this
  # envelope with `signature` empty: the body bytes and the header with them,
  # so neither can be swapped. Forwarding never re-signs.
  signature @5 :Data;
  signatureAlgorithm @6 :Control.SignatureAlgorithm;
  # The author's signing certificate (DER), chaining to the national CA and
  # naming the author's code: a receiver verifies a message relayed by the
  # national node without having met its author.
  signerCertificate @7 :Data;
}
