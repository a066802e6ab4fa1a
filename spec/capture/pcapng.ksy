meta:
  id: pcapng
  title: PCAP Next Generation capture file (pcapng)
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  A pcapng file: a list of blocks, each `block_type` u4, `block_length` u4 (whole block, a
  multiple of 4, at least 12), a body padded to 32 bits and the length repeated. The first block
  is a Section Header Block (type 0x0A0D0D0A, the same in both byte orders) whose byte-order
  magic 0x1A2B3C4D tells the byte order of the section. Unknown block types are skipped by their
  length (their body stays raw bytes). Source: draft-ietf-opsawg-pcapng,
  reference/fuzzing-and-captures.md section 3.3.
  peerwire-defined simplification of this schema: the first section's byte order applies to every
  block of the file, so later sections must use the same byte order (their Section Header Blocks
  are ordinary entries of `blocks`). The streaming reader (src/capture/capture-reader.ts)
  follows the byte order of each section separately.
seq:
  - id: first_block_type
    contents: [0x0a, 0x0d, 0x0d, 0x0a]
    doc: Block type of the first Section Header Block.
  - id: first_block_length_raw
    type: u4
    doc: Total length of the first Section Header Block, read big-endian (byte-swap it for a little-endian file).
  - id: byte_order_magic
    type: u4
    doc: Byte-order magic read big-endian; 0x1A2B3C4D means a big-endian section, 0x4D3C2B1A little-endian.
    valid:
      any-of:
        - 0x1a2b3c4d
        - 0x4d3c2b1a
  - id: first_section
    size: '(byte_order_magic == 0x1a2b3c4d ? first_block_length_raw : (first_block_length_raw % 256) * 16777216 + (first_block_length_raw / 256 % 256) * 65536 + (first_block_length_raw / 65536 % 256) * 256 + first_block_length_raw / 16777216) - 16'
    type: section_header_rest
    doc: Rest of the first Section Header Block body (after the byte-order magic).
  - id: first_trailing_length_raw
    type: u4
    doc: Repeated total length of the first Section Header Block, read big-endian.
  - id: blocks
    type: block
    repeat: eos
    doc: All following blocks, including the Section Header Blocks of later sections.
instances:
  is_little_endian:
    value: byte_order_magic == 0x4d3c2b1a
    doc: True when the file's sections are little-endian.
types:
  block:
    doc: One generic block; its body layout depends on `block_type`.
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: block_type
        type: u4
        enum: block_type
        doc: Block type code; types with the most significant bit set are for local use.
      - id: block_length
        type: u4
        doc: Total length of the block in bytes, both length fields included.
        valid:
          expr: _ >= 12 and _ % 4 == 0
      - id: body
        size: block_length - 12
        doc: Block body, padded to 32 bits. Unknown block types keep the raw bytes.
        type:
          switch-on: block_type
          cases:
            'block_type::section_header': section_header
            'block_type::interface_description': interface_description
            'block_type::enhanced_packet': enhanced_packet
            'block_type::simple_packet': simple_packet
            'block_type::interface_statistics': interface_statistics
      - id: trailing_length
        type: u4
        doc: Copy of `block_length`.
        valid:
          expr: _ == block_length
  section_header:
    doc: Body of a Section Header Block that starts a later section.
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: byte_order_magic
        type: u4
        doc: 0x1A2B3C4D in the section's byte order.
        valid: 0x1a2b3c4d
      - id: rest
        type: section_header_rest
        size-eos: true
        doc: Version, section length and options.
  section_header_rest:
    doc: Section Header Block fields after the byte-order magic.
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: version_major
        type: u2
        doc: Major version, 1.
        valid: 1
      - id: version_minor
        type: u2
        doc: Minor version, 0.
      - id: section_length
        type: s8
        doc: Length of the section after this block in bytes; -1 when not known.
      - id: options
        type: options
        size-eos: true
        doc: Section options (shb_hardware 2, shb_os 3, shb_userappl 4, opt_comment 1).
  interface_description:
    doc: Interface Description Block (type 1); interface ids count IDBs from 0 in each section.
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: link_type
        type: u2
        doc: LINKTYPE_* value of this interface's packets.
      - id: reserved
        type: u2
        -default: 0
        doc: Reserved; written as zero.
      - id: snap_len
        type: u4
        doc: Maximum bytes stored per packet; 0 means no limit.
      - id: options
        type: options
        size-eos: true
        doc: Interface options; if_tsresol (9) sets the timestamp unit (default microseconds).
  enhanced_packet:
    doc: Enhanced Packet Block (type 6), one packet of a given interface.
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: interface_id
        type: u4
        doc: Index of the interface (IDB) in this section.
      - id: timestamp_high
        type: u4
        doc: Upper 32 bits of the 64-bit timestamp, in the interface's if_tsresol units.
      - id: timestamp_low
        type: u4
        doc: Lower 32 bits of the timestamp.
      - id: captured_length
        type: u4
        doc: Number of packet bytes stored.
      - id: original_length
        type: u4
        doc: Length of the packet on the wire.
      - id: data
        size: captured_length
        doc: Captured bytes, starting with the link-layer header.
      - id: padding
        size: (4 - captured_length % 4) % 4
        doc: Padding of the data to 32 bits.
      - id: options
        type: options
        size-eos: true
        doc: Packet options (epb_flags 2, epb_hash 3, epb_dropcount 4, ...).
  simple_packet:
    doc: Simple Packet Block (type 3); always interface 0, no timestamp.
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: original_length
        type: u4
        doc: Length of the packet on the wire.
      - id: data
        size: 'original_length <= _io.size - 4 ? original_length : _io.size - 4'
        doc: Captured bytes (min of the original length and what the block holds; a packet cut by the snap length keeps its padding bytes).
      - id: padding
        size-eos: true
        doc: Padding to 32 bits.
  interface_statistics:
    doc: Interface Statistics Block (type 5).
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: interface_id
        type: u4
        doc: Index of the interface the statistics are about.
      - id: timestamp_high
        type: u4
        doc: Upper 32 bits of the timestamp.
      - id: timestamp_low
        type: u4
        doc: Lower 32 bits of the timestamp.
      - id: options
        type: options
        size-eos: true
        doc: Statistics options (isb_starttime 2, isb_ifrecv 4, isb_ifdrop 5, ...).
  options:
    doc: A list of TLV options until the end of the block body.
    seq:
      - id: entries
        type: option
        repeat: eos
        doc: Options in order; the last one is normally opt_endofopt (code 0).
  option:
    doc: One option, value padded to 32 bits.
    meta:
      endian:
        switch-on: _root.byte_order_magic
        cases:
          0x1a2b3c4d: be
          0x4d3c2b1a: le
    seq:
      - id: code
        type: u2
        doc: Option code (0 opt_endofopt, 1 opt_comment, block-specific codes from 2).
      - id: length
        type: u2
        doc: Length of the value without padding.
      - id: value
        size: length
        doc: Option value.
      - id: padding
        size: (4 - length % 4) % 4
        doc: Padding to 32 bits.
enums:
  block_type:
    0x0a0d0d0a: section_header
    0x00000001: interface_description
    0x00000002: obsolete_packet
    0x00000003: simple_packet
    0x00000004: name_resolution
    0x00000005: interface_statistics
    0x00000006: enhanced_packet
    0x0000000a: decryption_secrets
    0x00000bad: custom_copyable
    0x40000bad: custom_no_copy
