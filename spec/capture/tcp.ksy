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
    doc: Header options (0 to 40 bytes), kept raw so a malformed option never hides the packet's data; decode them with the `options` type (peerwire choice).
  - id: body
    size-eos: true
    doc: Segment data.
types:
  options:
    doc: TCP options; after End of Option List the rest is padding.
    seq:
      - id: entries
        type: option
        repeat: eos
        doc: Options in order.
  option:
    doc: One option (2 MSS, 3 window scale, 4 SACK permitted, 5 SACK, 8 timestamps, ...).
    seq:
      - id: kind
        type: u1
        doc: Option kind.
      - id: body
        doc: Option length and data; absent for kind 1, the padding for kind 0.
        type:
          switch-on: kind
          cases:
            0: end_of_options
            1: no_operation
            _: tlv
  end_of_options:
    doc: End of Option List; the rest of the option area is padding.
    seq:
      - id: padding
        size-eos: true
        doc: Padding after the end of the list.
  no_operation:
    doc: No-Operation option (one byte, used for alignment).
  tlv:
    doc: Length byte (counting the kind and length bytes) and data.
    seq:
      - id: length
        type: u1
        doc: Length of the option including the kind and length bytes.
        valid:
          min: 2
      - id: data
        size: length - 2
        doc: Option data.
