meta:
  id: peer_addr
  title: peerwire gossip PeerAddr (shared by overlay 511/514 entries and push-pull 504-506)
  license: Apache-2.0
  endian: be
doc: |
  PeerAddr, peerwire-defined (PROTOCOLS.md section 2; no source gives a layout): the address of a
  peer's P2P TCP server. `port` u16, `flags` (bit 0: 0 = IPv4, 1 = IPv6; bits 7..1 reserved),
  one reserved byte, then the address: 4 bytes (IPv4) or 16 bytes (IPv6). 8 or 20 bytes in all.
  All integers big-endian. This file is not a protocol entry point; it is imported by
  `overlay.ksy` and `pushpull.ksy` so the layout is written once.
seq:
  - id: port
    type: u2
    doc: TCP port of the peer's P2P server (peerwire-defined field).
  - id: reserved_flags
    type: b7
    -default: 0
    doc: Flag bits 7..1, reserved (peerwire-defined); ignored on decode, written as zero.
  - id: is_ipv6
    type: b1
    doc: Flag bit 0 (peerwire-defined); false = `address` is IPv4 (4 bytes), true = IPv6 (16 bytes).
  - id: reserved
    type: u1
    -default: 0
    doc: Reserved byte (peerwire-defined); ignored on decode, written as zero.
  - id: address
    size: 'is_ipv6 ? 16 : 4'
    doc: IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order (peerwire-defined field).
