meta:
  id: ipv4
  title: IPv4 packet header with options (RFC 791)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  An IPv4 packet. The header is `ihl` 32-bit words (20..60 bytes, options included); the packet
  ends at `total_length`, so link-layer padding after it is left in `trailer`. When the capture
  cut the packet short, `body` holds what was captured and `is_truncated` is true. The body is
  kept raw: a fragment carries only part of the transport data, so the dissector reassembles
  fragments before decoding TCP or UDP. Source: RFC 791, reference/fuzzing-and-captures.md 3.4.
  peerwire-defined: the truncation handling of `body` (Kaitai would fail on a cut packet).
seq:
  - id: version
    type: b4
    doc: IP version, 4.
    valid: 4
  - id: ihl
    type: b4
    doc: Header length in 32-bit words, options included (5..15).
    valid:
      min: 5
  - id: dscp
    type: b6
    doc: Differentiated services code point.
  - id: ecn
    type: b2
    doc: Explicit congestion notification.
  - id: total_length
    type: u2
    doc: Length of the whole packet (header and data) in bytes.
    valid:
      expr: _ >= ihl * 4
  - id: identification
    type: u2
    doc: Identifies the fragments of one datagram.
  - id: reserved_flag
    type: b1
    doc: Reserved flag bit, zero.
  - id: dont_fragment
    type: b1
    doc: DF flag.
  - id: more_fragments
    type: b1
    doc: MF flag; set on every fragment but the last.
  - id: fragment_offset
    type: b13
    doc: Offset of this fragment's data in the datagram, in 8-byte units.
  - id: ttl
    type: u1
    doc: Time to live.
  - id: protocol
    type: u1
    enum: ip_protocol
    doc: Protocol of the data (6 TCP, 17 UDP, ...).
  - id: header_checksum
    type: u2
    doc: One's-complement checksum of the header (not verified on decode).
  - id: src_addr
    size: 4
    doc: Source address.
  - id: dst_addr
    size: 4
    doc: Destination address.
  - id: options
    size: ihl * 4 - 20
    doc: Header options (0 to 40 bytes), kept raw so a malformed option never hides the packet's data; decode them with tlv_options.ksy (peerwire choice).
  - id: body
    size: 'total_length <= _io.size ? total_length - ihl * 4 : _io.size - ihl * 4'
    doc: Packet data up to `total_length`, or up to the end of the capture when it was cut.
  - id: trailer
    size-eos: true
    doc: Bytes after `total_length` (link-layer padding), normally empty.
instances:
  header_length:
    value: ihl * 4
    doc: Header length in bytes.
  is_truncated:
    value: _io.size < total_length
    doc: True when the capture holds fewer bytes than `total_length`.
enums:
  ip_protocol:
    0: hop_by_hop
    1: icmp
    2: igmp
    4: ipv4
    6: tcp
    17: udp
    41: ipv6
    43: ipv6_routing
    44: ipv6_fragment
    47: gre
    50: esp
    51: ah
    58: icmpv6
    59: ipv6_no_next
    60: ipv6_dest_options
    132: sctp
