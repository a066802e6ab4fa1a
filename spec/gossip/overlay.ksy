meta:
  id: gossip_overlay
  title: Gossip overlay maintenance (message types 510-514, seed 000 "Group 35")
  license: Apache-2.0
  endian: be
  imports:
    - peer_addr
  -peerwire:
    proto: gossip-overlay
    summary: Gossip overlay messages INIT/POPULATE (UDP, bootstrap) and CONNECT/DISCONNECT/NEIGHBORS (TCP, peer links).
doc: |
  One gossip overlay message. Same 4-byte header as the gossip API: `size` (whole message,
  header included) and `type`, both u16 big-endian; a TCP stream is framed by `size` only, a UDP
  datagram carries one message. Layouts of 510/512/513 and the id/reserved words of 511/514 are
  from seed 000 (Group 35 interim report); the entry format of 511/514 (PeerEntry = id + PeerAddr)
  is peerwire-defined. Sources: PROTOCOLS.md section 2, reference/gossip-tum.md section 4.1.
seq:
  - id: size
    type: u2
    doc: Length of the whole message in bytes, this header included (4..65535).
    valid:
      min: 4
      max: 65535
  - id: type
    type: u2
    enum: msg_type
    doc: Message type code.
  - id: body
    size: size - 4
    doc: Message body; its layout depends on `type`. Unknown types keep the raw bytes.
    type:
      switch-on: type
      cases:
        'msg_type::init': init
        'msg_type::populate': populate
        'msg_type::connect': connect
        'msg_type::disconnect': disconnect
        'msg_type::neighbors': neighbors
types:
  init:
    doc: |
      GOSSIP INIT (510), peer to bootstrap server over UDP at start-up: asks for peers. Size is
      exactly 8. The bootstrap learns the peer's address from the datagram source; the peer's P2P
      TCP port is the UDP source port (peerwire-defined: INIT has no port field).
    seq:
      - id: degree
        type: u2
        doc: Maximum number of peers the sender wants to connect to.
      - id: reserved
        type: u2
        -default: 0
        doc: Reserved; ignored on decode, written as zero.
        valid:
          expr: _io.size == 4
  populate:
    doc: |
      GOSSIP POPULATE (511), bootstrap server to a new peer over UDP: its assigned id and a list
      of online peers. The entry format is peerwire-defined (the seed shows only opaque data).
    seq:
      - id: id
        type: u2
        doc: Unique id the bootstrap server assigned to the receiver.
      - id: reserved
        type: u2
        -default: 0
        doc: Reserved; ignored on decode, written as zero.
      - id: entries
        type: peer_entry
        repeat: eos
        doc: Online peers (peerwire-defined PeerEntry list), until the end of the message.
  connect:
    doc: 'GOSSIP CONNECT (512), first message on a new TCP peer link; carries the sender''s id. Size is exactly 8.'
    seq:
      - id: id
        type: u2
        doc: The sender's bootstrap-assigned id.
      - id: reserved
        type: u2
        -default: 0
        doc: Reserved; ignored on decode, written as zero.
        valid:
          expr: _io.size == 4
  disconnect:
    doc: 'GOSSIP DISCONNECT (513), last message on a TCP peer link before it is closed. Size is exactly 8.'
    seq:
      - id: id
        type: u2
        doc: The sender's bootstrap-assigned id.
      - id: reserved
        type: u2
        -default: 0
        doc: Reserved; ignored on decode, written as zero.
        valid:
          expr: _io.size == 4
  neighbors:
    doc: |
      GOSSIP NEIGHBORS (514), periodic over TCP: the sender's current neighbour list. The entry
      format is peerwire-defined (the seed shows only opaque data).
    seq:
      - id: id
        type: u2
        doc: The sender's bootstrap-assigned id.
      - id: reserved
        type: u2
        -default: 0
        doc: Reserved; ignored on decode, written as zero.
      - id: entries
        type: peer_entry
        repeat: eos
        doc: The sender's neighbours (peerwire-defined PeerEntry list), until the end of the message.
  peer_entry:
    doc: 'PeerEntry (peerwire-defined): a peer''s bootstrap-assigned id followed by its PeerAddr. 10 or 22 bytes.'
    seq:
      - id: id
        type: u2
        doc: The peer's bootstrap-assigned id (peerwire-defined entry field).
      - id: addr
        type: peer_addr
        doc: Address of the peer's P2P TCP server (peerwire-defined PeerAddr, see peer_addr.ksy).
enums:
  msg_type:
    510: init
    511: populate
    512: connect
    513: disconnect
    514: neighbors
