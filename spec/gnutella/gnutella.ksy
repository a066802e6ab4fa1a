meta:
  id: gnutella
  title: Gnutella 0.4/0.6 descriptor (message)
  license: Apache-2.0
  endian: le
  imports:
    - ggep
  -peerwire:
    proto: gnutella
    summary: One Gnutella 0.4/0.6 binary message (23-byte descriptor header + payload).
doc: |
  One Gnutella message: the 23-byte descriptor header (GUID, payload type, TTL, hops, payload
  length) and the payload. All integers are little-endian except IPv4 addresses (4 raw bytes,
  network order) and the Query flags word (big-endian when bit 15 is set). A TCP stream (after
  the handshake, after inflating when deflate was negotiated) carries messages back to back,
  framed only by `payload_length`; a UDP datagram carries one message. Unknown payload types keep
  their raw bytes. Sources: PROTOCOLS.md section 4, reference/gnutella-napster.md section 1
  (Clip2 0.4, RFC-0.6 draft, gtk-gnutella, LimeWire).
seq:
  - id: guid
    size: 16
    doc: Descriptor/message ID (GUID); opaque, kept unchanged when forwarding.
  - id: payload_type
    type: u1
    enum: payload_type
    doc: Payload type ("function") code.
  - id: ttl
    type: u1
    doc: Remaining hops; decremented before forwarding, not forwarded when it reaches 0.
  - id: hops
    type: u1
    doc: Hops taken so far (TTL + hops = initial TTL).
  - id: payload_length
    type: u4
    doc: Length of the payload in bytes (u32 LE); the only framing on a stream.
  - id: payload
    size: payload_length
    doc: The payload; its layout depends on `payload_type`. Unknown types keep the raw bytes.
    type:
      switch-on: payload_type
      cases:
        'payload_type::ping': ping
        'payload_type::pong': pong
        'payload_type::bye': bye
        'payload_type::qrp': qrp
        'payload_type::vendor': vendor_msg
        'payload_type::vendor_std': vendor_msg
        'payload_type::push': push
        'payload_type::query': query
        'payload_type::query_hit': query_hit
        'payload_type::hsep': hsep
types:
  ping:
    doc: Ping (0x00). Empty in 0.4; in 0.6 it may carry GGEP blocks.
    seq:
      - id: ggep
        type: ggep_block
        repeat: eos
        doc: GGEP blocks (none for an empty ping), until the end of the payload.
  pong:
    doc: Pong (0x01), reply to a Ping; 14-byte fixed part then optional GGEP blocks.
    seq:
      - id: port
        type: u2
        doc: Listening port of the described host (u16 LE); 0 marks a firewalled host.
      - id: ip
        size: 4
        doc: IPv4 address of the described host (network byte order, a.b.c.d).
      - id: num_files
        type: u4
        doc: Number of files shared.
      - id: num_kbytes
        type: u4
        doc: Number of kilobytes shared.
      - id: ggep
        type: ggep_block
        repeat: eos
        doc: GGEP blocks (0.6), until the end of the payload.
  bye:
    doc: Bye (0x02), sent with TTL 1 / hops 0 before closing; not forwarded.
    seq:
      - id: code
        type: u2
        doc: Reason code (2xx normal close, 4xx peer misbehaved, 5xx local error).
      - id: reason
        type: strz
        encoding: ISO-8859-1
        doc: Reason text, NUL-terminated; may contain HTTP-style header lines. ISO-8859-1 keeps any byte.
  qrp:
    doc: Query Routing Protocol route table update (0x30); reset or patch variant.
    seq:
      - id: variant
        type: u1
        enum: qrp_variant
        doc: Message variant (0 reset, 1 patch).
      - id: body
        size-eos: true
        doc: Variant body; unknown variants keep the raw bytes.
        type:
          switch-on: variant
          cases:
            'qrp_variant::reset': qrp_reset
            'qrp_variant::patch': qrp_patch
  qrp_reset:
    doc: QRP RESET body (exactly 5 bytes after the variant byte).
    seq:
      - id: table_length
        type: u4
        doc: Number of entries of the route table.
      - id: infinity
        type: u1
        doc: The "infinity" value of the table.
        valid:
          expr: _io.eof
  qrp_patch:
    doc: QRP PATCH body; the patch data of one message is one fragment of the whole patch.
    seq:
      - id: seq_no
        type: u1
        doc: Number of this fragment (1-based).
      - id: seq_size
        type: u1
        doc: Total number of fragments of the patch.
      - id: compressor
        type: u1
        doc: Compression of the patch data (0 none, 1 zlib).
      - id: entry_bits
        type: u1
        doc: Bits per patch entry.
      - id: data
        size-eos: true
        doc: Patch data fragment, kept as on the wire (still compressed when `compressor` says so).
  vendor_msg:
    doc: |
      Vendor message (0x31) or standard vendor message (0x32): vendor ID, sub-selector, version,
      then vendor data (kept raw, including the all-zero vendor's "Messages Supported" list).
    seq:
      - id: vendor
        type: str
        size: 4
        encoding: ASCII
        doc: Vendor ID (4 ASCII characters, case-sensitive, e.g. `BEAR`, `GTKG`, `LIME`; all NUL for the standard set).
      - id: selector
        type: u2
        doc: Message sub-selector within the vendor's set.
      - id: version
        type: u2
        doc: Version of this vendor message.
      - id: data
        size-eos: true
        doc: Message data, raw.
  push:
    doc: Push (0x40), asks a firewalled servent to connect back; routed by servent ID.
    seq:
      - id: servent_id
        size: 16
        doc: Servent identifier of the host that should push (from its QueryHit).
      - id: file_index
        type: u4
        doc: Index of the requested file (from the QueryHit record).
      - id: ip
        size: 4
        doc: IPv4 address to connect back to (network byte order).
      - id: port
        type: u2
        doc: Port to connect back to (u16 LE).
      - id: ggep
        type: ggep_block
        repeat: eos
        doc: GGEP blocks (0.6), until the end of the payload.
  query:
    doc: |
      Query (0x80). The first word is a u16 LE minimum speed in 0.4; modern servents set bit 15
      and write it big-endian as flags. The raw little-endian reading is kept (`min_speed_raw`)
      and the flag reading is exposed as value instances.
    seq:
      - id: min_speed_raw
        type: u2
        doc: The 2-byte speed/flags word read little-endian, exactly as on the wire.
      - id: criteria
        type: strz
        encoding: ISO-8859-1
        doc: |
          Search criteria (keywords separated by spaces), NUL-terminated. The charset is not
          specified (old clients ISO-8859-1, newer UTF-8); ISO-8859-1 keeps every byte.
      - id: extensions
        size-eos: true
        doc: |
          Extension area, raw: HUGE `urn:` items, XML (`<` or `{`) and a GGEP block (0xC3, last),
          separated by 0x1C; a trailing NUL is sometimes present and kept.
    instances:
      is_flags:
        value: (min_speed_raw & 0x80) != 0
        doc: Bit 15 of the word read big-endian (MSB of the first byte); the word holds flags, not a speed.
      flags_be:
        value: ((min_speed_raw & 0xff) << 8) | (min_speed_raw >> 8)
        doc: The word read big-endian.
      min_speed:
        value: 'is_flags ? 0 : min_speed_raw'
        doc: Minimum speed in kb/s (0.4 meaning); 0 when the word holds flags.
      firewalled:
        value: is_flags and (flags_be & 0x4000) != 0
        doc: Flag 0x4000, the querying host is firewalled.
      wants_xml:
        value: is_flags and (flags_be & 0x2000) != 0
        doc: Flag 0x2000, XML metadata wanted in the hits.
      leaf_guided:
        value: is_flags and (flags_be & 0x1000) != 0
        doc: Flag 0x1000, leaf-guided dynamic query.
      ggep_h:
        value: is_flags and (flags_be & 0x0800) != 0
        doc: Flag 0x0800, the querying host understands GGEP `H`.
      oob_reply:
        value: is_flags and (flags_be & 0x0400) != 0
        doc: Flag 0x0400, out-of-band replies wanted (reply address in the GUID).
      fw_to_fw:
        value: is_flags and (flags_be & 0x0200) != 0
        doc: Flag 0x0200, firewall-to-firewall transfers supported.
      sr_udp:
        value: is_flags and (flags_be & 0x0100) != 0
        doc: Flag 0x0100 (gtk-gnutella QUERY_F_SR_UDP).
      max_hits:
        value: 'is_flags ? flags_be & 0xff : 0'
        doc: Low 8 bits of the flags, maximum number of hits wanted (0 when not flags).
  query_hit:
    doc: |
      QueryHit (0x81): header, `num_hits` result records, an optional QHD trailer, and the
      servent ID, which is always the last 16 bytes of the payload.
    seq:
      - id: num_hits
        type: u1
        doc: Number of result records.
      - id: port
        type: u2
        doc: HTTP download port of the responding host (u16 LE).
      - id: ip
        size: 4
        doc: IPv4 address of the responding host (network byte order).
      - id: speed
        type: u4
        doc: Speed of the responding host in kb/s. The payload must leave 16 bytes for the servent ID.
        valid:
          expr: _io.size - _io.pos >= 16
      - id: results
        type: query_hit_result
        repeat: expr
        repeat-expr: num_hits
        doc: Result records; each must leave 16 bytes for the servent ID.
        valid:
          expr: _io.size - _io.pos >= 16
      - id: trailer
        size: _io.size - _io.pos - 16
        type: query_hit_trailer
        doc: Everything between the records and the servent ID (QHD/EQHD trailer, possibly empty).
      - id: servent_id
        size: 16
        doc: Servent identifier (client GUID) of the responding host; last 16 bytes of the payload.
  query_hit_result:
    doc: One QueryHit result record.
    seq:
      - id: file_index
        type: u4
        doc: File index (used in GET /get/<index>/ and in Push).
      - id: file_size
        type: u4
        doc: File size in bytes.
      - id: file_name
        type: strz
        encoding: ISO-8859-1
        doc: File name, NUL-terminated (charset unspecified; ISO-8859-1 keeps every byte).
      - id: extensions
        terminator: 0
        doc: |
          Extension area up to its NUL (HUGE `urn:sha1:...`, GGEP, plain text, separated by 0x1C;
          empty for a record ending in a double NUL), kept raw.
  query_hit_trailer:
    doc: The bytes between the result records and the servent ID.
    seq:
      - id: qhd
        size-eos: true
        doc: The QHD/EQHD trailer when at least 7 bytes are present, else the raw bytes (usually none).
        type:
          switch-on: '_io.size >= 7 ? 1 : 0'
          cases:
            1: qhd
  qhd:
    doc: QHD/EQHD ("BearShare") trailer.
    seq:
      - id: vendor_code
        type: str
        size: 4
        encoding: ASCII
        doc: Vendor code, e.g. `LIME`, `BEAR`, `GTKG`, `RAZA`.
      - id: open_data_size
        type: u1
        doc: Size of the open data (2 in basic servents, 4 when the XML length is present).
      - id: open_data
        size: open_data_size
        type: qhd_open_data
        doc: Open data (flag bytes, optional XML length).
      - id: private_area
        size-eos: true
        doc: |
          Private area, raw: vendor bytes, then a GGEP block (the first 0xC3, when the GGEP flag is
          set), then the XML block (the last `open_data.xml_len` bytes, NUL included).
  qhd_open_data:
    doc: QHD open data. Push's value is in byte 1 (meaningful bit in byte 2); busy/uploaded/speed the other way round.
    seq:
      - id: flags1
        type: qhd_flag_bits
        doc: Flags byte 1 ("enabler"; holds the push value).
      - id: flags2
        type: qhd_flag_bits
        doc: Flags byte 2 ("setter"; holds the busy/uploaded/speed values).
      - id: extra
        size-eos: true
        doc: Remaining open data; with open data size 4 the XML block length (u16 LE, NUL included).
    instances:
      firewalled:
        value: flags1.push and flags2.push
        doc: Push needed (the responder is firewalled), and the bit is meaningful.
      busy:
        value: flags1.busy and flags2.busy
        doc: All upload slots busy, and the bit is meaningful.
      have_uploaded:
        value: flags1.have_uploaded and flags2.have_uploaded
        doc: The responder has completed an upload, and the bit is meaningful.
      upload_speed:
        value: flags1.upload_speed and flags2.upload_speed
        doc: The speed field is a measured upload speed, and the bit is meaningful.
      has_ggep:
        value: flags1.ggep and flags2.ggep
        doc: A GGEP block is present in the private area.
      xml_len:
        value: 'extra.size >= 2 ? extra[0] | (extra[1] << 8) : 0'
        doc: Length of the XML block at the end of the private area (NUL included); 0 when absent.
  qhd_flag_bits:
    doc: One QHD flags byte.
    seq:
      - id: reserved_hi
        type: b2
        doc: Bits 7..6, unused; kept as read.
      - id: ggep
        type: b1
        doc: Bit 5 (0x20), GGEP present in the private area.
      - id: upload_speed
        type: b1
        doc: Bit 4 (0x10), upload speed is measured.
      - id: have_uploaded
        type: b1
        doc: Bit 3 (0x08), have uploaded.
      - id: busy
        type: b1
        doc: Bit 2 (0x04), busy.
      - id: reserved_lo
        type: b1
        doc: Bit 1 (0x02), unused; kept as read.
      - id: push
        type: b1
        doc: Bit 0 (0x01), push / firewalled.
  hsep:
    doc: HSEP (0xCD) horizon size estimation data; one triple per hop count.
    seq:
      - id: triples
        type: hsep_triple
        repeat: eos
        doc: Triples for 1, 2, 3, ... hops (24 bytes each).
  hsep_triple:
    doc: Hosts, files and kilobytes reachable within a number of hops.
    seq:
      - id: nodes
        type: u8
        doc: Number of nodes.
      - id: files
        type: u8
        doc: Number of files.
      - id: kbytes
        type: u8
        doc: Number of KiB shared.
enums:
  payload_type:
    0x00: ping
    0x01: pong
    0x02: bye
    0x10: ibcm
    0x30: qrp
    0x31: vendor
    0x32: vendor_std
    0x40: push
    0x41: rudp
    0x44: dht
    0x80: query
    0x81: query_hit
    0xcd: hsep
  qrp_variant:
    0: reset
    1: patch
