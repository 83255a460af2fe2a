@0xaab1acf0e8c828d3;
# Delivery control (acknowledgements, rejections), audit checkpoints, and the
# national node's signed directory and revocations.
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

# The receiver committed the message (and its effects), then sent this. A
# retry of a message already applied is acknowledged again with
# duplicate = true, never applied twice.
struct Acknowledgement {
  author @0 :UInt8;          # the acknowledged message's author
  messageId @1 :UInt64;      # and its id
  receivedAtMs @2 :Int64;
  duplicate @3 :Bool;
}

# A problem with one field of one item.
struct FieldError {
  field @0 :Text;      # our key, e.g. "birth_date"
  wisField @1 :Text;   # "WISField012", or empty
  found @2 :Text;
  expected @3 :Text;
  message @4 :Text;
}

struct ItemRejection {
  index @0 :UInt32;    # position of the item in the rejected message
  itemId @1 :Text;     # its record / notice / query id
  errors @2 :List(FieldError);
  version @3 :UInt32;  # the record version refused (0: not a record)
}

# The receiver refused a message, whole or in part. Items not listed were
# applied. A rejection is final: the sender removes the message from its
# outbox and reports the items back to its provincial system.
struct Rejection {
  author @0 :UInt8;
  messageId @1 :UInt64;
  reason @2 :Text;                 # for the message as a whole
  items @3 :List(ItemRejection);
  # Items that were NOT applied although nothing was wrong with them (a
  # relay forwards a signed message whole or not at all): the author sends
  # them again in a new message. Indexes into the rejected message.
  retryItems @4 :List(UInt32);
  # The body kind of the rejected message ("migrantBatch", "checkNotices",
  # ...): a rejection forwarded by a relay reaches an author that no longer
  # holds the message, and item ids are unique only within a kind.
  kind @5 :Text;
  # Record versions a relay withheld although nothing was wrong with them:
  # the author's certificate was revoked after the relay had accepted the
  # message, so its signature cannot be passed on. The author sends these
  # same versions again, signed with its current certificate (by id and
  # version: the author no longer holds the message). Receivers that
  # already hold a later version keep it waiting for them.
  resendItems @6 :List(ItemRejection);
}

enum HashAlgorithm {
  sha256 @0;
  sm3 @1;
}

struct LinkCount {
  peer @0 :UInt8;
  kind @1 :Text;           # body kind, e.g. "migrantBatch"
  sent @2 :UInt64;
  received @3 :UInt64;
  acknowledged @4 :UInt64;
  rejected @5 :UInt64;
}

# A node's signed statement of its audit chain (the envelope's signature
# makes it signed).
struct AuditCheckpoint {
  node @0 :UInt8;
  chainHead @1 :Data;
  entryCount @2 :UInt64;
  hashAlgorithm @3 :HashAlgorithm;
  takenAtMs @4 :Int64;
  counts @5 :List(LinkCount);
  # The chain's entries from firstSeq up to entryCount (audit.capnp
  # AuditEntry, as stored), so that the national node holds a verified copy
  # of every node's chain and can reconcile both ends of every link. A node
  # sends what the national node has not acknowledged yet, in parts.
  firstSeq @6 :UInt64;
  entries @7 :List(Data);
  # Every entry the node had when it took the checkpoint is in this part (or
  # an earlier one): the national node may judge this node's log complete up
  # to takenAtMs.
  complete @8 :Bool;
}

enum Role {
  province @0;
  national @1;
}

enum NationalCopy {
  full @0;          # the national node receives a full copy of direct exchanges
  evidenceOnly @1;  # only audit evidence (checkpoints) of direct exchanges
}

struct NodeEntry {
  code @0 :UInt8;
  name @1 :Text;
  address @2 :Text;                 # host:port of its peer listener
  role @3 :Role;
  groups @4 :List(Text);            # regional group ids
  certificateSerials @5 :List(Text);# hex serials of its valid certificates
}

struct RegionalGroup {
  id @0 :Text;                      # "yangtze", "pearl", "bohai", "northwest"
  name @1 :Text;
  members @2 :List(UInt8);
  nationalCopy @3 :NationalCopy;
}

struct Revocation {
  serial @0 :Text;          # hex certificate serial
  code @1 :UInt8;           # the node it was issued to
  reason @2 :Text;
  revokedAtMs @3 :Int64;
}

struct Directory {
  version @0 :UInt64;       # strictly increasing
  issuedAtMs @1 :Int64;
  validFromMs @2 :Int64;
  validUntilMs @3 :Int64;
  nodes @4 :List(NodeEntry);
  groups @5 :List(RegionalGroup);
  revocations @6 :List(Revocation);
}

enum SignatureAlgorithm {
  ecdsaP256Sha256 @0;
  sm2Sm3 @1;
}

# The directory as stored and fetched outside an envelope: the national
# node's signature over the exact bytes of `directory` (a serialized
# Directory message).
struct SignedDirectory {
  directory @0 :Data;
  signature @1 :Data;
  signatureAlgorithm @2 :SignatureAlgorithm;
  signerCertificate @3 :Data;  # DER, chains to the national CA
}

struct DirectoryRequest {
  haveVersion @0 :UInt64;   # the version the asking node holds (0: none)
}

# One message exchanged directly between two provinces of a group, as its
# author reports it to the national auditor once the destination
# acknowledged it.
struct ExchangeEvidence {
  author @0 :UInt8;
  messageId @1 :UInt64;
  destination @2 :UInt8;
  kind @3 :Text;                # body kind, e.g. "migrantBatch"
  envelopeSha256 @4 :Data;      # of the signed envelope as sent
  itemIds @5 :List(Text);       # record ids (never personal data)
  versions @6 :List(UInt32);    # the version of each item
  acknowledgedAtMs @7 :Int64;
  receipt @8 :Data;             # the destination's signed acknowledgement envelope
}

struct RevocationNotice {
  revocation @0 :Revocation;
  directoryVersion @1 :UInt64;  # the directory version that carries it
}
