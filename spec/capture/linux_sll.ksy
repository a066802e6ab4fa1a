meta:
  id: linux_sll
  title: Linux "cooked" capture header, version 1 (LINKTYPE_LINUX_SLL, 113)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  The 16-byte pseudo link-layer header of `tcpdump -i any` on older libpcap, big-endian.
  Source: reference/fuzzing-and-captures.md section 3.2 (tcpdump.org LINKTYPE_LINUX_SLL).
seq:
  - id: packet_type
    type: u2
    doc: 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us.
  - id: arphrd_type
    type: u2
    doc: ARPHRD_* device type (1 Ethernet, 772 loopback, ...).
  - id: address_length
    type: u2
    doc: Number of meaningful bytes in `address`.
  - id: address
    size: 8
    doc: Link-layer source address, zero-padded to 8 bytes.
  - id: protocol
    type: u2
    doc: EtherType of the body (0x0800 IPv4, 0x86DD IPv6) for ordinary devices.
  - id: body
    size-eos: true
    doc: The network-layer packet.
