meta:
  id: tcp
  title: TCP segment header with options (RFC 9293)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  A TCP segment: fixed 20-byte header, `data_offset * 4 - 20` bytes of options, then the data.
  Options are a TLV list in which End of Option List (0) and No-Operation (1) are single bytes.
  Source: RFC 9293, reference/fuzzing-and-captures.md section 3.4.
seq:
  - id: src_port
    type: u2
    doc: Source port.
  - id: dst_port
    type: u2
    doc: Destination port.
  - id: seq_num
    type: u4
    doc: Sequence number of the first data byte (the ISN on a SYN).
  - id: ack_num
    type: u4
    doc: Next sequence number expected from the peer (valid with `ack`).
  - id: data_offset
    type: b4
    doc: Header length in 32-bit words (5..15).
    valid:
      min: 5
  - id: reserved
    type: b4
    -default: 0
    doc: Reserved bits; written as zero.
  - id: cwr
    type: b1
    doc: Congestion window reduced.
  - id: ece
    type: b1
    doc: ECN echo.
  - id: urg
    type: b1
    doc: Urgent pointer is significant.
  - id: ack
    type: b1
    doc: Acknowledgment number is significant.
  - id: psh
    type: b1
    doc: Push.
  - id: rst
    type: b1
    doc: Reset the connection.
  - id: syn
    type: b1
    doc: Synchronise sequence numbers (opens a direction).
  - id: fin
    type: b1
    doc: No more data from the sender (closes a direction).
  - id: window
    type: u2
    doc: Receive window.
  - id: checksum
    type: u2
    doc: Checksum over a pseudo-header, header and data (not verified on decode).
  - id: urgent_pointer
    type: u2
    doc: Urgent pointer.
  - id: options
    size: data_offset * 4 - 20
    doc: Header options (0 to 40 bytes), kept raw so a malformed option never hides the packet's data; decode them with tlv_options.ksy (peerwire choice).
  - id: body
    size-eos: true
    doc: Segment data.
