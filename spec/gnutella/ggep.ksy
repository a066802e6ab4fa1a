meta:
  id: ggep_block
  title: Gnutella Generic Extension Protocol (GGEP 0.5) block
  license: Apache-2.0
  endian: le
doc: |
  One GGEP block: the magic byte 0xC3, then extensions until the one whose flags have the
  "last" bit. Each extension: a flags byte (last, COBS-encoded, deflated, reserved, ID length
  1..15), the ID (1..15 non-NUL bytes), a length of 1-3 bytes (6 data bits per byte, most
  significant first; bit 7 = another byte follows, bit 6 = last byte; at most 3 bytes, so at most
  262143) and the data. The data is kept exactly as on the wire: when `is_cobs` / `is_deflated`
  are set the application undoes COBS first, then inflates (zlib); the codec does not.
  Several blocks may follow one another. Sources: reference/gnutella-napster.md section 1.8 (GGEP
  0.51 document); not a protocol entry point (imported by gnutella.ksy).
seq:
  - id: magic
    contents: [0xc3]
    doc: GGEP magic byte 0xC3.
  - id: extensions
    type: extension
    repeat: until
    repeat-until: _.is_last
    doc: The block's extensions; the last one has `is_last` set.
types:
  extension:
    doc: One GGEP extension (flags, ID, encoded length, data).
    seq:
      - id: is_last
        type: b1
        doc: Flags bit 7 (0x80); this is the last extension of the block.
      - id: is_cobs
        type: b1
        doc: Flags bit 6 (0x40); `data` is COBS-encoded (kept encoded here).
      - id: is_deflated
        type: b1
        doc: Flags bit 5 (0x20); `data` is deflated (zlib; kept compressed here).
      - id: reserved
        type: b1
        -default: 0
        doc: Flags bit 4 (0x10), reserved, must be zero; not checked on decode, written as zero.
      - id: id_len
        type: b4
        doc: Flags bits 3..0; length of `id`, 1..15 (never 0, so the flags byte is never 0x00).
        valid:
          min: 1
      - id: id
        type: str
        size: id_len
        encoding: ASCII
        doc: Extension ID, e.g. `H`, `GUE`, `DHTIPP` (case-sensitive ASCII, no NUL bytes).
      - id: len_chunks
        type: len_chunk(_index)
        repeat: until
        repeat-until: _.is_last
        doc: The encoded data length, 1-3 bytes; see `data_len` for the value.
      - id: data
        size: 'len_chunks.size == 1 ? len_chunks[0].value : (len_chunks.size == 2 ? (len_chunks[0].value << 6) | len_chunks[1].value : (len_chunks[0].value << 12) | (len_chunks[1].value << 6) | len_chunks[2].value)'
        doc: Extension data (`data_len` bytes), still COBS-encoded / deflated when the flags say so.
    instances:
      data_len:
        value: 'len_chunks.size == 1 ? len_chunks[0].value : (len_chunks.size == 2 ? (len_chunks[0].value << 6) | len_chunks[1].value : (len_chunks[0].value << 12) | (len_chunks[1].value << 6) | len_chunks[2].value)'
        doc: Decoded data length (0..262143) from `len_chunks`, most significant chunk first.
  len_chunk:
    doc: One byte of the GGEP length encoding.
    params:
      - id: idx
        type: u1
        doc: Index of this byte in the length (0..2).
    seq:
      - id: has_more
        type: b1
        doc: Bit 7 (0x80); another length byte follows.
      - id: is_last
        type: b1
        doc: |
          Bit 6 (0x40); this is the last length byte. Exactly one of bit 7 / bit 6 is set, and the
          third byte must be the last (a length of more than 3 bytes is rejected).
        valid:
          expr: _ != has_more and (_ or idx < 2)
      - id: value
        type: b6
        doc: Six data bits of the length, most significant chunk first.
