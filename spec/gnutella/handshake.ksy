meta:
  id: gnutella_handshake
  title: Gnutella 0.4/0.6 connection handshake block
  license: Apache-2.0
  endian: le
  -peerwire:
    proto: gnutella-handshake
    summary: One Gnutella handshake block (request/status line, header lines, blank line).
doc: |
  One block of the Gnutella connect handshake: a request or status line, then header lines,
  then an empty line. 0.4: `GNUTELLA CONNECT/0.4` LF LF, answered by `GNUTELLA OK` LF LF.
  0.6: three blocks with CRLF line ends (`GNUTELLA CONNECT/0.6`, `GNUTELLA/0.6 <code> <text>`,
  `GNUTELLA/0.6 200 OK`), each with RFC 822 style headers. Every line is read up to its LF; a
  CRLF line keeps its CR as the last character of `text`, so LF and CRLF variants both round-trip.
  Header lines are not split into name and value (continuation lines start with a space or tab).
  Binary messages (gnutella.ksy) follow the last block. Sources: PROTOCOLS.md section 4,
  reference/gnutella-napster.md section 1.1.
seq:
  - id: start_line
    type: line
    doc: 'Request or status line, e.g. `GNUTELLA CONNECT/0.6`, `GNUTELLA/0.6 503 Too many leaf connections (300 max)`, `GNUTELLA OK`.'
  - id: headers
    type: line
    repeat: until
    repeat-until: _.is_blank
    doc: "Header lines (`Name: value`), ending with (and including) the empty line that ends the block."
types:
  line:
    doc: One text line up to LF (the LF is consumed, a CR before it stays in `text`).
    seq:
      - id: text
        type: str
        terminator: 0x0a
        encoding: ISO-8859-1
        doc: Line content without the LF; ends with CR for CRLF lines. ISO-8859-1 keeps every byte.
    instances:
      is_blank:
        value: text == "" or text == "\r"
        doc: This is the empty line that ends a handshake block.
