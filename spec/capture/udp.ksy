meta:
  id: udp
  title: UDP datagram (RFC 768)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  A UDP datagram: 8-byte header and `length - 8` bytes of data. When the capture cut the
  datagram short, `body` holds what was captured.
  Source: RFC 768, reference/fuzzing-and-captures.md section 3.4.
  peerwire-defined: the truncation handling of `body`.
seq:
  - id: src_port
    type: u2
    doc: Source port.
  - id: dst_port
    type: u2
    doc: Destination port.
  - id: length
    type: u2
    doc: Length of header and data in bytes.
    valid:
      min: 8
  - id: checksum
    type: u2
    doc: Checksum over a pseudo-header, header and data; 0 means none (IPv4 only).
  - id: body
    size: 'length <= _io.size ? length - 8 : _io.size - 8'
    doc: Datagram data.
  - id: trailer
    size-eos: true
    doc: Bytes after `length` inside the IP payload, normally empty.
instances:
  is_truncated:
    value: _io.size < length
    doc: True when the capture holds fewer bytes than `length`.
