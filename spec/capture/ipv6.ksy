meta:
  id: ipv6
  title: IPv6 packet with its extension-header chain (RFC 8200)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  An IPv6 packet: the 40-byte fixed header, then `payload_length` bytes holding a chain of
  extension headers (hop-by-hop 0, routing 43, fragment 44, destination options 60,
  authentication 51), each naming the next, and finally the upper-layer data, kept raw. After a
  fragment header the rest is fragment data and is not parsed further; the dissector
  reassembles it first. When the capture cut the packet short, `payload` holds what was captured.
  Source: RFC 8200, RFC 4302, reference/fuzzing-and-captures.md 3.4.
  peerwire-defined: the truncation handling of `payload`.
seq:
  - id: version
    type: b4
    doc: IP version, 6.
    valid: 6
  - id: traffic_class
    type: b8
    doc: Traffic class.
  - id: flow_label
    type: b20
    doc: Flow label.
  - id: payload_length
    type: u2
    doc: Length of everything after the fixed header, extension headers included.
  - id: next_header
    type: u1
    doc: Type of the first extension header or of the upper-layer data (6 TCP, 17 UDP, ...).
  - id: hop_limit
    type: u1
    doc: Hop limit.
  - id: src_addr
    size: 16
    doc: Source address.
  - id: dst_addr
    size: 16
    doc: Destination address.
  - id: payload
    size: 'payload_length <= _io.size - 40 ? payload_length : _io.size - 40'
    type: header_chain(next_header)
    doc: Extension headers and upper-layer data.
  - id: trailer
    size-eos: true
    doc: Bytes after `payload_length` (link-layer padding), normally empty.
instances:
  is_truncated:
    value: _io.size - 40 < payload_length
    doc: True when the capture holds fewer bytes than the packet.
types:
  header_chain:
    doc: The headers that follow a header whose next-header value is `next_header`.
    params:
      - id: next_header
        type: u1
        doc: The next-header value announcing this part of the chain.
    seq:
      - id: header
        size-eos: true
        doc: An extension header and the rest of the chain, or (any other value) the raw upper-layer data.
        type:
          switch-on: next_header
          cases:
            0: options_header
            60: options_header
            43: routing_header
            44: fragment_header
            51: auth_header
  options_header:
    doc: Hop-by-hop (0) or destination (60) options header.
    seq:
      - id: next_header
        type: u1
        doc: Type of the following header.
      - id: header_ext_length
        type: u1
        doc: Length in 8-byte units, not counting the first 8 bytes.
      - id: options
        size: header_ext_length * 8 + 6
        doc: Options (TLVs, kept raw).
      - id: next
        type: header_chain(next_header)
        size-eos: true
        doc: The rest of the chain.
  routing_header:
    doc: Routing header (43).
    seq:
      - id: next_header
        type: u1
        doc: Type of the following header.
      - id: header_ext_length
        type: u1
        doc: Length in 8-byte units, not counting the first 8 bytes.
      - id: routing_type
        type: u1
        doc: Routing variant.
      - id: segments_left
        type: u1
        doc: Route segments still to visit.
      - id: data
        size: header_ext_length * 8 + 4
        doc: Type-specific data.
      - id: next
        type: header_chain(next_header)
        size-eos: true
        doc: The rest of the chain.
  fragment_header:
    doc: Fragment header (44, 8 bytes); the rest of the packet is fragment data.
    seq:
      - id: next_header
        type: u1
        doc: Type of the first header of the fragmentable part.
      - id: reserved
        type: u1
        -default: 0
        doc: Reserved; written as zero.
      - id: fragment_offset
        type: b13
        doc: Offset of this fragment's data in 8-byte units.
      - id: reserved2
        type: b2
        -default: 0
        doc: Reserved bits; written as zero.
      - id: more_fragments
        type: b1
        doc: M flag; set on every fragment but the last.
      - id: identification
        type: u4
        doc: Identifies the fragments of one packet.
      - id: fragment_data
        size-eos: true
        doc: This fragment's part of the fragmentable data (raw).
  auth_header:
    doc: Authentication header (51, RFC 4302); its length counts 32-bit words minus 2.
    seq:
      - id: next_header
        type: u1
        doc: Type of the following header.
      - id: payload_length
        type: u1
        doc: Length in 32-bit words, minus 2.
      - id: data
        size: payload_length * 4 + 6
        doc: Reserved, SPI, sequence number and integrity check value.
      - id: next
        type: header_chain(next_header)
        size-eos: true
        doc: The rest of the chain.
