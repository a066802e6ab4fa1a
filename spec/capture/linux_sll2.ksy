meta:
  id: linux_sll2
  title: Linux "cooked" capture header, version 2 (LINKTYPE_LINUX_SLL2, 276)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  The 20-byte pseudo link-layer header of `tcpdump -i any` on libpcap 1.10+, big-endian.
  Source: reference/fuzzing-and-captures.md section 3.2 (tcpdump.org LINKTYPE_LINUX_SLL2).
seq:
  - id: protocol
    type: u2
    doc: EtherType of the body (0x0800 IPv4, 0x86DD IPv6).
  - id: reserved
    type: u2
    -default: 0
    doc: Reserved; written as zero.
  - id: interface_index
    type: u4
    doc: Index of the interface the packet was captured on.
  - id: arphrd_type
    type: u2
    doc: ARPHRD_* device type.
  - id: packet_type
    type: u1
    doc: 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us.
  - id: address_length
    type: u1
    doc: Number of meaningful bytes in `address`.
  - id: address
    size: 8
    doc: Link-layer source address, zero-padded to 8 bytes.
  - id: body
    size-eos: true
    doc: The network-layer packet.
