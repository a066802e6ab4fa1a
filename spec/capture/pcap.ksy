meta:
  id: pcap
  title: Classic libpcap capture file (pcap), either byte order, micro- or nanosecond timestamps
  license: Apache-2.0
  endian: be
  -peerwire:
    layer: capture
doc: |
  A classic pcap file: a 24-byte file header followed by packet records until the end of the
  file. The writer's byte order is found by reading the first four bytes as a big-endian u4:
  0xA1B2C3D4 / 0xA1B23C4D mean big-endian, their byte-swapped forms 0xD4C3B2A1 / 0x4D3CB2A1 mean
  little-endian; the 0x3C4D forms mean nanosecond timestamps. Records are not padded.
  Source: draft-ietf-opsawg-pcap, reference/fuzzing-and-captures.md section 3.1.
  peerwire-defined: the streaming reader (src/capture/capture-reader.ts) frames records itself so
  that a truncated last record is reported instead of failing the whole file.
seq:
  - id: magic
    type: u4
    enum: magic
    doc: File magic read big-endian; selects byte order and timestamp resolution.
    valid:
      any-of:
        - magic::be_micro
        - magic::be_nano
        - magic::le_micro
        - magic::le_nano
  - id: header
    type: file_header
    doc: Rest of the 24-byte file header, in the file's byte order.
  - id: records
    type: record
    repeat: eos
    doc: Packet records until the end of the file.
instances:
  is_nanosecond:
    value: magic == magic::be_nano or magic == magic::le_nano
    doc: True when the sub-second timestamp field counts nanoseconds instead of microseconds.
types:
  file_header:
    doc: File header after the magic (20 bytes), in the byte order the magic selects.
    meta:
      endian:
        switch-on: _root.magic
        cases:
          'magic::be_micro': be
          'magic::be_nano': be
          'magic::le_micro': le
          'magic::le_nano': le
    seq:
      - id: version_major
        type: u2
        doc: Major version, always 2.
        valid: 2
      - id: version_minor
        type: u2
        doc: Minor version, normally 4.
      - id: reserved1
        type: u4
        doc: Formerly thiszone; written as zero and ignored on read.
      - id: reserved2
        type: u4
        doc: Formerly sigfigs; written as zero and ignored on read.
      - id: snap_len
        type: u4
        doc: Maximum number of bytes stored per packet.
      - id: link_type_and_fcs
        type: u4
        doc: LinkType in the low 16 bits; bit 26 says an FCS length is present, bits 28-31 hold it in 16-bit words.
    instances:
      link_type:
        value: link_type_and_fcs & 0xffff
        doc: LINKTYPE_* value of every record (1 Ethernet, 101 raw IP, 113 Linux SLL, 276 SLL2, ...).
      fcs_present:
        value: (link_type_and_fcs & 0x4000000) != 0
        doc: True when the frames end with a frame check sequence of `fcs_length` 16-bit words.
      fcs_length:
        value: (link_type_and_fcs >> 28) & 0xf
        doc: FCS length in 16-bit words (valid when `fcs_present`).
  record:
    doc: One packet record (16-byte header and the captured bytes, unpadded).
    meta:
      endian:
        switch-on: _root.magic
        cases:
          'magic::be_micro': be
          'magic::be_nano': be
          'magic::le_micro': le
          'magic::le_nano': le
    seq:
      - id: ts_sec
        type: u4
        doc: Timestamp, seconds since 1970-01-01 UTC.
      - id: ts_frac
        type: u4
        doc: Sub-second part of the timestamp in microseconds or nanoseconds (see `is_nanosecond`).
      - id: captured_length
        type: u4
        doc: Number of bytes stored in this record (at most the snap length).
      - id: original_length
        type: u4
        doc: Length of the packet on the wire; larger than `captured_length` when it was cut.
      - id: data
        size: captured_length
        doc: The captured bytes, starting with the link-layer header.
enums:
  magic:
    0xa1b2c3d4: be_micro
    0xa1b23c4d: be_nano
    0xd4c3b2a1: le_micro
    0x4d3cb2a1: le_nano
