meta:
  id: seedgossip
  title: Seed/peer gossip network (seed 003), colon-separated text lines
  license: Apache-2.0
  endian: be
  -peerwire:
    proto: seedgossip
    summary: One seed/peer gossip text message (one LF-terminated line).
doc: |
  One message of the seed/peer gossip network (PROTOCOLS.md section 7, seed 003): one line of
  ASCII text, colon-separated. The original sends one message per TCP connection; peerwire ends
  every message with LF (peerwire-defined) so a connection may carry several, and this type
  decodes exactly one LF-terminated line, so a stream of lines frames message by message. Forms:
  `<ip>:<port>` (register, peer to seed); `<ip>:<port>,<ip>:<port>,...` (peer list, seed to peer;
  the last entry is the requester as the seed saw it); `New Connect Request From:<ip>:<port>`;
  `New Connect Accepted`; `Liveness Request:<timestamp>:<ip>`;
  `Liveness Reply:<timestamp>:<ip>:<replier ip>`; `<timestamp>:<ip>:<port>:GOSSIP<n>` (gossip);
  `Dead Node:<ip>:<port>:<timestamp>:<reporter ip>`. What ksy can express (peerwire-defined
  structure): the text before the first colon is `head`; when it names a message kind the rest
  is split into that kind's named fields, otherwise (register, peer list, gossip, whose head is
  an address or a timestamp) the rest is split at every colon into `fields`.
seq:
  - id: line
    type: message
    terminator: 0x0a
    doc: The message line up to the LF that ends it (peerwire-defined framing; the LF is consumed, not part of the line).
types:
  message:
    doc: One message line (without LF).
    seq:
      - id: head
        type: str
        terminator: 0x3a
        eos-error: false
        -terminator-optional: true
        encoding: ASCII
        doc: |
          Text before the first colon: the message kind (`New Connect Request From`,
          `Liveness Request`, `Liveness Reply`, `Dead Node`), the whole line for
          `New Connect Accepted`, or the first address / timestamp of other forms.
      - id: body
        size-eos: true
        doc: The rest of the line, split according to `head`.
        type:
          switch-on: 'head == "New Connect Request From" ? 1 : (head == "Liveness Request" ? 2 : (head == "Liveness Reply" ? 3 : (head == "Dead Node" ? 4 : (head == "New Connect Accepted" ? 5 : 0))))'
          cases:
            1: connect_request
            2: liveness_request
            3: liveness_reply
            4: dead_node
            5: connect_accepted
            0: fields
  connect_request:
    doc: '`New Connect Request From:<ip>:<port>`, peer to peer.'
    seq:
      - id: ip
        type: str
        terminator: 0x3a
        encoding: ASCII
        doc: Requesting peer's IPv4 address (dotted).
      - id: port
        type: str
        size-eos: true
        encoding: ASCII
        doc: Requesting peer's listening port (decimal).
  connect_accepted:
    doc: '`New Connect Accepted`, reply to a connect request; nothing follows.'
    seq:
      - id: rest
        size-eos: true
        doc: Must be empty.
        valid:
          expr: _.size == 0
  liveness_request:
    doc: '`Liveness Request:<timestamp>:<ip>`, peer to peer.'
    seq:
      - id: timestamp
        type: str
        terminator: 0x3a
        encoding: ASCII
        doc: Sender's timestamp (text as sent).
      - id: ip
        type: str
        size-eos: true
        encoding: ASCII
        doc: Sender's IPv4 address.
  liveness_reply:
    doc: '`Liveness Reply:<timestamp>:<ip>:<replier ip>`, answer to a liveness request.'
    seq:
      - id: timestamp
        type: str
        terminator: 0x3a
        encoding: ASCII
        doc: Timestamp echoed from the request.
      - id: ip
        type: str
        terminator: 0x3a
        encoding: ASCII
        doc: Requester's IPv4 address echoed from the request.
      - id: replier_ip
        type: str
        size-eos: true
        encoding: ASCII
        doc: Replying peer's IPv4 address.
  dead_node:
    doc: '`Dead Node:<ip>:<port>:<timestamp>:<reporter ip>`, peer to its seeds after 3 unanswered liveness requests.'
    seq:
      - id: ip
        type: str
        terminator: 0x3a
        encoding: ASCII
        doc: Dead peer's IPv4 address.
      - id: port
        type: str
        terminator: 0x3a
        encoding: ASCII
        doc: Dead peer's port.
      - id: timestamp
        type: str
        terminator: 0x3a
        encoding: ASCII
        doc: Reporter's timestamp.
      - id: reporter_ip
        type: str
        size-eos: true
        encoding: ASCII
        doc: Reporting peer's IPv4 address.
  fields:
    doc: |
      The colon-separated remainder of a register (`<port>`), peer list (`<port>,<ip>:<port>,...`)
      or gossip message (`<ip>`, `<port>`, `GOSSIP<n>`); empty when the line had no colon.
    seq:
      - id: items
        type: str
        terminator: 0x3a
        eos-error: false
        -terminator-optional: true
        encoding: ASCII
        repeat: eos
        doc: Texts between colons, in order.
