meta:
  id: p2pdi
  title: P2P-DI (RFC index with a registration server), peerwire text wire form
  license: Apache-2.0
  endian: be
  -peerwire:
    proto: p2pdi
    summary: One P2P-DI request or response (header line, JSON data line, optional raw file bytes).
doc: |
  One P2P-DI message in the peerwire-defined wire form (PROTOCOLS.md section 6; the seed
  serialised Python objects with pickle, which peerwire never reproduces and never decodes):
  a header line `<Command or Status> SP P2P-DI/1.0 SP <Hostname> SP <OS> LF` (at most 8 KiB),
  then the data object as one line of compact JSON + LF (at most 64 KiB). The JSON is kept as
  text, never evaluated. Commands: Register, Leave, PQuery, KeepAlive (to the registration
  server), RFCQuery, GetRFC (to a peer); statuses 100 Not Found, 200 Found, 201 Updated,
  300 Bad Request. A GetRFC 200 response is followed by exactly `length` raw file bytes, where
  `length` is a member of the JSON object: ksy cannot size a field from inside JSON, so every
  byte after the JSON line is kept in `rest` and the application checks its length.
seq:
  - id: command
    type: str
    terminator: 0x20
    encoding: ASCII
    doc: Command (request) or status code (response).
    valid:
      any-of:
        - '"Register"'
        - '"Leave"'
        - '"PQuery"'
        - '"KeepAlive"'
        - '"RFCQuery"'
        - '"GetRFC"'
        - '"100"'
        - '"200"'
        - '"201"'
        - '"300"'
  - id: version
    type: str
    terminator: 0x20
    encoding: ASCII
    doc: Protocol version, always `P2P-DI/1.0`.
    valid:
      eq: '"P2P-DI/1.0"'
  - id: hostname
    type: str
    terminator: 0x20
    encoding: UTF-8
    doc: Sender's host name (contains no spaces).
  - id: os
    type: str
    terminator: 0x0a
    encoding: UTF-8
    doc: Sender's operating system string (no spaces); ends the header line, which is at most 8192 bytes.
    valid:
      expr: _io.pos <= 8192
  - id: data
    type: str
    terminator: 0x0a
    encoding: UTF-8
    doc: |
      The data object as one line of compact JSON (kept as text, never evaluated), e.g.
      `{"cookie":1}`. At most 65536 characters (the check counts characters; equal to bytes for
      ASCII JSON, which escapes other characters as \u sequences).
    valid:
      expr: _.length <= 65536
  - id: rest
    size-eos: true
    doc: |
      Bytes after the JSON line: the raw file of a GetRFC 200 response (exactly the JSON's
      `length` bytes, checked by the application); empty for every other message.
