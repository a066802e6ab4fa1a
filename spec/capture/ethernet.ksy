meta:
  id: ethernet
  title: Ethernet II frame with optional 802.1Q / 802.1ad (QinQ) VLAN tags
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  LINKTYPE_ETHERNET (1): destination and source MAC, then an EtherType. A VLAN TPID (0x8100
  802.1Q, 0x88A8 802.1ad, 0x9100 legacy QinQ) is followed by a 16-bit tag and the next EtherType;
  tags nest. The innermost body is the network-layer packet. Short frames are padded to 60 bytes,
  so the IP total length, not the frame length, tells where the packet ends.
  Source: IEEE 802.3 / 802.1Q, reference/fuzzing-and-captures.md section 3.2.
seq:
  - id: dst_mac
    size: 6
    doc: Destination MAC address.
  - id: src_mac
    size: 6
    doc: Source MAC address.
  - id: ether_type
    type: u2
    enum: ether_type
    doc: EtherType of the body, or a VLAN TPID when a tag follows.
  - id: body
    size-eos: true
    doc: A VLAN tag and its inner frame, or (any other EtherType) the raw network-layer packet.
    type:
      switch-on: ether_type
      cases:
        'ether_type::vlan_8021q': vlan_tagged
        'ether_type::vlan_8021ad': vlan_tagged
        'ether_type::vlan_qinq_legacy': vlan_tagged
types:
  vlan_tagged:
    doc: One VLAN tag control word and the EtherType it carries.
    seq:
      - id: priority
        type: b3
        doc: Priority code point (PCP).
      - id: drop_eligible
        type: b1
        doc: Drop eligible indicator (DEI).
      - id: vlan_id
        type: b12
        doc: VLAN identifier.
      - id: ether_type
        type: u2
        enum: ether_type
        doc: EtherType of the inner body, or another TPID.
      - id: body
        size-eos: true
        doc: A further VLAN tag, or the raw network-layer packet.
        type:
          switch-on: ether_type
          cases:
            'ether_type::vlan_8021q': vlan_tagged
            'ether_type::vlan_8021ad': vlan_tagged
            'ether_type::vlan_qinq_legacy': vlan_tagged
enums:
  ether_type:
    0x0800: ipv4
    0x0806: arp
    0x86dd: ipv6
    0x8100: vlan_8021q
    0x88a8: vlan_8021ad
    0x9100: vlan_qinq_legacy
