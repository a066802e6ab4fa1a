meta:
  id: null_loopback
  title: BSD loopback encapsulation (LINKTYPE_NULL 0 and LINKTYPE_LOOP 108)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  A 4-byte address family, then the network-layer packet. For LINKTYPE_NULL the family is in the
  byte order of the host that captured (not the file's); for LINKTYPE_LOOP it is big-endian.
  AF_INET is 2; AF_INET6 is 24, 28 or 30 on the BSDs and macOS, 10 on Linux. Families are small,
  so a value above 0xFFFF read big-endian means the host was little-endian.
  Source: reference/fuzzing-and-captures.md section 3.2.
seq:
  - id: family_raw
    type: u4
    doc: Address family as read big-endian.
  - id: body
    size-eos: true
    doc: The network-layer packet.
instances:
  family:
    value: 'family_raw > 0xffff ? (family_raw % 256) * 16777216 + (family_raw / 256 % 256) * 65536 + (family_raw / 65536 % 256) * 256 + family_raw / 16777216 : family_raw'
    doc: The address family in host order (byte-swapped when `family_raw` is above 0xFFFF).
