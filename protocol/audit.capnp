@0x8ecfc37bfeec3f1b;
# The audit log: what a node sent, received, had acknowledged or rejected,
# and each change it made to a record, one entry at a time in a hash chain
# (ARCHITECTURE.md "Audit"). Entries are kept in the node's store and copied
# to the national node in audit checkpoints (control.capnp), which is why
# they are a schema: both ends must read the same bytes.
#
# An entry's hash is H(its canonical encoding), where H is the chain's hash
# algorithm (SHA-256, or SM3 where the node is configured for it); each entry
# carries the hash of the one before it (32 zero bytes for entry 1), so
# altering, removing or reordering an entry breaks every link after it.
#
# Entries hold ids, codes and digests only: never a name or an ID number.
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

enum AuditEvent {
  # This node committed a message to its outbox for `peer` (authored here,
  # or relayed by the national node): from then on it is sent until answered.
  queued @0;
  # This node applied a message from `peer` and acknowledged it.
  received @1;
  # This node refused a message from `peer`, whole or in part (`detail`).
  refused @2;
  # `peer` acknowledged a message this node had queued for it.
  acknowledged @3;
  # `peer` rejected a message this node had queued for it (`detail`).
  rejected @4;
  # A message queued for `peer` was moved to another link (a direct peer
  # unreachable: it goes through the national node instead).
  withdrawn @5;
  # This node changed a record or collaboration item (`kind`, `items`).
  changed @6;
}

struct AuditItem {
  id @0 :Text;          # record id, or the collaboration item's id
  version @1 :UInt32;   # the record version (0: not a record)
}

struct AuditEntry {
  seq @0 :UInt64;            # position in the chain, from 1
  prevHash @1 :Data;         # hash of entry seq-1 (32 zero bytes for entry 1)
  atMs @2 :Int64;            # Unix ms, this node's clock
  event @3 :AuditEvent;
  node @4 :UInt8;            # the node whose chain this is
  peer @5 :UInt8;            # the other end of the link (message events)
  author @6 :UInt8;          # the message's author (message events)
  messageId @7 :UInt64;
  destination @8 :UInt8;     # where the message is going in the end
  kind @9 :Text;             # body kind ("migrantBatch"...) or "record"
  envelopeHash @10 :Data;    # SHA-256 of the envelope's signing input (queued, received, refused):
                             # its signed content, the same after the author signs it again
  items @11 :List(AuditItem);
  detail @12 :Text;          # change kind, or why a message was refused/rejected
  operatorId @13 :Text;      # who made a change (changed)
}
