meta:
  id: napster
  title: Napster / OpenNap client-server message
  license: Apache-2.0
  endian: le
  -peerwire:
    proto: napster
    summary: One Napster/OpenNap client-server message (length, type, ASCII text data).
doc: |
  One Napster/OpenNap message: `length` (u16 LE, counts the data only, header excluded), `type`
  (u16 LE), then `length` bytes of ASCII text with fields separated by single spaces and file
  names / client info in double quotes (quotes inside quotes are not escaped; a quoted field ends
  at the first `"`). No CR/LF terminator. Messages are back to back on the TCP stream (server
  ports 8888/7777). Login, login ack, add file, search, search result, end of search, download
  request and download ack are split into named fields; the last field of a message runs to the
  end (`size-eos`), so an optional trailing field stays inside it. Every other type keeps its
  text whole. Numbers stay text (decimal digits). The Beta 10.3+ big-endian header variant is not
  covered. Sources: PROTOCOLS.md section 5, reference/gnutella-napster.md section 3 (napster.txt,
  nap.txt, OpenNap).
seq:
  - id: length
    type: u2
    doc: Length of `data` in bytes (the 4-byte header is not counted).
  - id: type
    type: u2
    enum: msg_type
    doc: Message type number.
  - id: data
    size: length
    doc: Message data; its fields depend on `type`. Types without a layout here keep their text whole.
    type:
      switch-on: type
      cases:
        'msg_type::login': login
        'msg_type::login_ack': login_ack
        'msg_type::add_file': add_file
        'msg_type::search': search
        'msg_type::search_result': search_result
        'msg_type::search_end': empty
        'msg_type::download_request': download_request
        'msg_type::download_ack': download_ack
        _: raw_text
types:
  raw_text:
    doc: Message text kept whole (types without a field layout here).
    seq:
      - id: text
        type: str
        encoding: ASCII
        size-eos: true
        doc: The whole data text.
  empty:
    doc: Data of a message that carries none (e.g. 202 end of search); must be empty.
    seq:
      - id: rest
        size-eos: true
        doc: Must be empty.
        valid:
          expr: _.size == 0
  login:
    doc: '2, client login: `<nick> <password> <port> "<client-info>" <link-type> [<build>]`.'
    seq:
      - id: nick
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: User nick.
      - id: password
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Password.
      - id: port
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Client data port (decimal; 0 = firewalled, push only).
      - id: client_info_open
        contents: [0x22]
        doc: Opening quote of the client info.
      - id: client_info
        type: str
        encoding: ASCII
        terminator: 0x22
        doc: Client name and version, e.g. `nap v0.8` (up to the closing quote).
      - id: sep
        contents: [0x20]
        doc: Space after the closing quote.
      - id: link_type
        type: str
        encoding: ASCII
        size-eos: true
        doc: Link type code 0..10 (decimal); later clients append ` <build>`, which stays in this field.
  login_ack:
    doc: '3, server login ack: `<email>` (a dummy value when the nick is not registered).'
    seq:
      - id: email
        type: str
        encoding: ASCII
        size-eos: true
        doc: E-mail address of the account.
  add_file:
    doc: '100, client shares a file: `"<filename>" <md5> <size> <bitrate> <freq> <seconds>`.'
    seq:
      - id: file_name_open
        contents: [0x22]
        doc: Opening quote of the file name.
      - id: file_name
        type: str
        encoding: ASCII
        terminator: 0x22
        doc: File name (up to the closing quote).
      - id: sep
        contents: [0x20]
        doc: Space after the closing quote.
      - id: md5
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: MD5 field (32 hex digits, `md5-size`, `WMA-FILE`, ...).
      - id: file_size
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: File size in bytes (decimal).
      - id: bitrate
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Bit rate in kbps (decimal).
      - id: freq
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Sample rate in Hz (decimal).
      - id: seconds
        type: str
        encoding: ASCII
        size-eos: true
        doc: Duration in seconds (decimal).
  search:
    doc: |
      200, client search: keyword clauses such as `FILENAME CONTAINS "x" MAX_RESULTS <n>
      LINESPEED "AT LEAST" <n>`; the clause grammar has optional parts in any order, so it is kept
      as one text.
    seq:
      - id: query
        type: str
        encoding: ASCII
        size-eos: true
        doc: The search clauses.
  search_result:
    doc: '201, server search result: `"<filename>" <md5> <size> <bitrate> <freq> <seconds> <nick> <ip> <link-type> [<weight>]`.'
    seq:
      - id: file_name_open
        contents: [0x22]
        doc: Opening quote of the file name.
      - id: file_name
        type: str
        encoding: ASCII
        terminator: 0x22
        doc: File name (up to the closing quote).
      - id: sep
        contents: [0x20]
        doc: Space after the closing quote.
      - id: md5
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: MD5 field.
      - id: file_size
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: File size in bytes (decimal).
      - id: bitrate
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Bit rate in kbps (decimal).
      - id: freq
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Sample rate in Hz (decimal).
      - id: seconds
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Duration in seconds (decimal).
      - id: nick
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Nick of the user sharing the file.
      - id: ip
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: 'Sharer''s IPv4 address as a decimal "unsigned long": a + b*2^8 + c*2^16 + d*2^24 for a.b.c.d.'
      - id: link_type
        type: str
        encoding: ASCII
        size-eos: true
        doc: Sharer's link type (decimal); an optional ` <weight>` stays in this field.
  download_request:
    doc: '203, client download request: `<nick> "<filename>"`.'
    seq:
      - id: nick
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Nick of the user sharing the file.
      - id: file_name_open
        contents: [0x22]
        doc: Opening quote of the file name.
      - id: file_name
        type: str
        encoding: ASCII
        terminator: 0x22
        doc: File name (up to the closing quote, which ends the message).
        valid:
          expr: _io.eof
  download_ack:
    doc: '204, server download ack: `<nick> <ip> <port> "<filename>" <md5> <linespeed>`.'
    seq:
      - id: nick
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Nick of the user sharing the file.
      - id: ip
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: 'Uploader''s IPv4 address as a decimal "unsigned long" (a + b*2^8 + c*2^16 + d*2^24).'
      - id: port
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: Uploader's data port (decimal; 0 = firewalled, use 500).
      - id: file_name_open
        contents: [0x22]
        doc: Opening quote of the file name.
      - id: file_name
        type: str
        encoding: ASCII
        terminator: 0x22
        doc: File name (up to the closing quote).
      - id: sep
        contents: [0x20]
        doc: Space after the closing quote.
      - id: md5
        type: str
        encoding: ASCII
        terminator: 0x20
        doc: MD5 field.
      - id: link_speed
        type: str
        encoding: ASCII
        size-eos: true
        doc: Uploader's link type (decimal).
enums:
  msg_type:
    0: error
    2: login
    3: login_ack
    4: version_check
    5: auto_upgrade
    6: login_register
    7: nick_check
    8: nick_free
    9: nick_taken
    10: nick_invalid
    11: password_check
    12: password_ok
    13: echo
    14: login_options
    15: login_options2
    100: add_file
    102: remove_file
    110: unshare_all
    200: search
    201: search_result
    202: search_end
    203: download_request
    204: download_ack
    205: private_message
    206: get_error
    207: add_hotlist
    208: initial_hotlist
    209: user_signon
    210: user_signoff
    211: browse
    212: browse_response
    213: browse_end
    214: server_stats
    215: resume_request
    216: resume_match
    217: resume_end
    218: download_start
    219: download_end
    220: upload_start
    221: upload_end
    400: channel_join
    401: channel_part
    402: channel_message_client
    403: channel_message_server
    404: channel_error
    405: channel_join_ack
    406: channel_user_joined
    407: channel_user_parted
    408: channel_user_list
    409: channel_user_list_end
    410: channel_topic
    500: alt_download_request
    501: alt_download_ack
    607: upload_request
    608: upload_accept
    609: upload_accept_failed
    640: direct_browse_request
    641: direct_browse_accept
    642: direct_browse_error
    750: server_ping
    751: ping_user
    752: pong
    870: add_files_by_dir
    920: socket_test
    10300: share_generic_file
