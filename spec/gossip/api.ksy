meta:
  id: gossip_api
  title: TUM VoidPhone gossip module API (message types 500-503)
  license: Apache-2.0
  endian: be
  -peerwire:
    proto: gossip-api
    summary: API between a local application module and its gossip module (TCP, default port 7001).
doc: |
  One message of the gossip API. Every gossip-family message starts with the same 4-byte
  header: `size` (the whole message length, header included) and `type`. A TCP stream carries
  messages back to back, framed only by `size`. Sources: PROTOCOLS.md section 1,
  reference/gossip-tum.md section 1.
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
        'msg_type::announce': announce
        'msg_type::notify': notify
        'msg_type::notification': notification
        'msg_type::validation': validation
types:
  announce:
    doc: 'GOSSIP ANNOUNCE (500), module to gossip: spread `data` to the network.'
    seq:
      - id: ttl
        type: u1
        doc: Hops the data may travel; 0 means unlimited.
      - id: reserved
        type: u1
        -default: 0
        doc: Reserved; ignored on decode, written as zero.
      - id: data_type
        type: u2
        doc: Application data type (distinct from the message type).
      - id: data
        size-eos: true
        doc: The data item to spread (rest of the message).
  notify:
    doc: 'GOSSIP NOTIFY (501), module to gossip: subscribe this connection to `data_type`. Size is exactly 8.'
    seq:
      - id: reserved
        type: u2
        -default: 0
        doc: Reserved; ignored on decode, written as zero.
      - id: data_type
        type: u2
        doc: Data type to be notified about.
        valid:
          expr: _io.size == 4
  notification:
    doc: 'GOSSIP NOTIFICATION (502), gossip to module: data of a subscribed type arrived.'
    seq:
      - id: message_id
        type: u2
        doc: Random id; the module's VALIDATION echoes it.
      - id: data_type
        type: u2
        doc: Application data type.
      - id: data
        size-eos: true
        doc: The data item.
  validation:
    doc: 'GOSSIP VALIDATION (503), module to gossip: whether the notified data is well-formed. Size is exactly 8.'
    seq:
      - id: message_id
        type: u2
        doc: Echo of the NOTIFICATION's message id.
      - id: reserved
        type: b15
        -default: 0
        doc: Reserved bits 15..1 of the last 16-bit word; ignored on decode, written as zero.
      - id: valid
        type: b1
        doc: V bit (bit 0 of the last byte); true = well-formed, may be propagated.
        valid:
          expr: _io.size == 4
enums:
  msg_type:
    500: announce
    501: notify
    502: notification
    503: validation
