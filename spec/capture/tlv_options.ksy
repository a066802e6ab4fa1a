meta:
  id: tlv_options
  title: IPv4 and TCP header options (shared kind/length/data format)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  The option area of an IPv4 header (RFC 791) or a TCP header (RFC 9293): a list of options in
  which End of Option List (0) and No-Operation (1) are single bytes and every other kind is
  followed by a length byte (counting the kind and length bytes) and data. Both protocols use the
  same format, so it is written once here; ipv4.ksy and tcp.ksy keep their option bytes raw
  (peerwire choice: a malformed option never hides a packet's data) and this type decodes them.
seq:
  - id: entries
    type: option
    repeat: eos
    doc: Options in order.
types:
  option:
    doc: 'One option (IPv4: copied flag, class and number in the kind byte; TCP: 2 MSS, 3 window scale, 4 SACK permitted, 5 SACK, 8 timestamps, ...).'
    seq:
      - id: kind
        type: u1
        doc: Option kind (IPv4 option type byte).
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
