# expect: bad/no-derive.ksy:7:5: error: /seq/0: cannot work out how to derive 'n' from 'data' (size: (n & 15)); add '-derive: <expression>' (or '-default') to the length field
meta:
  id: no_derive
  endian: be
doc: A length that is not a linear expression.
seq:
  - id: n
    type: u1
    doc: Length in the low nibble.
  - id: data
    size: n & 0x0f
    doc: Data.
