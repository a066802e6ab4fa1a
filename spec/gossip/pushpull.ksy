meta:
  id: gossip_pushpull
  title: Gossip push-pull membership and dissemination (message types 504-507, seed 001)
  license: Apache-2.0
  endian: be
  imports:
    - peer_addr
    - api
  -peerwire:
    proto: gossip-pushpull
    summary: Gossip P2P messages PULL/RESPONSE/PUSH (membership) and SEND_CONTENT (dissemination).
doc: |
  One gossip push-pull message. Same 4-byte header as the gossip API: `size` (whole message,
  header included) and `type`, both u16 big-endian; a TCP stream is framed by `size` only. Seed
  001 gives only the names, purposes and the ID-count header; every body layout here is
  peerwire-defined (PROTOCOLS.md section 3). A message longer than 65535 cannot be expressed
  (seed 001: messageLengthExceeded).
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
        'msg_type::pull': pull
        'msg_type::response': response
        'msg_type::push': push
        'msg_type::send_content': send_content
types:
  pull:
    doc: 'GOSSIP PULL (504): asks the receiver for its peer list. Body (peerwire-defined): exactly one PeerAddr.'
    seq:
      - id: addr
        type: peer_addr
        doc: Address of the requester's P2P server (peerwire-defined), filling the whole body.
        valid:
          expr: _io.eof
  response:
    doc: 'GOSSIP RESPONSE (505): answer to PULL. Body (peerwire-defined after the seed''s ID count): count, then exactly count PeerAddr entries.'
    seq:
      - id: count
        type: u2
        doc: Number of PeerAddr entries that follow (the seed's "total ID count", 2 bytes).
        valid:
          expr: count != 0 or _io.eof
      - id: peers
        type: peer_addr
        repeat: expr
        repeat-expr: count
        doc: The responder's known peers (peerwire-defined PeerAddr list); must end the message.
        valid:
          expr: _index + 1 < count or _io.eof
  push:
    doc: 'GOSSIP PUSH (506): announces the sender to the receiver. Body (peerwire-defined): exactly one PeerAddr.'
    seq:
      - id: addr
        type: peer_addr
        doc: Address of the sender's P2P server (peerwire-defined), filling the whole body.
        valid:
          expr: _io.eof
  send_content:
    doc: |
      GOSSIP SEND_CONTENT (507): disseminates one data item. Body (peerwire-defined): one whole
      embedded gossip message, header included (normally an ANNOUNCE, 500), filling the body
      exactly. The receiver delivers it to its API subscribers and forwards it with the TTL
      decremented (TTL 1: not forwarded; TTL 0: unlimited, forwarded unchanged).
    seq:
      - id: content
        type: gossip_api
        doc: The embedded gossip API message (see api.ksy); its `size` must equal the body length.
        valid:
          expr: _io.eof
enums:
  msg_type:
    504: pull
    505: response
    506: push
    507: send_content
