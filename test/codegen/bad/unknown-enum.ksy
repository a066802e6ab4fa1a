# expect: bad/unknown-enum.ksy:10:5: error: /seq/0/enum: unknown enum 'kinds'
meta:
  id: unknown_enum
  endian: be
doc: A field naming an enum that does not exist (the type has `kind`).
seq:
  - id: a
    type: u1
    doc: A.
    enum: kinds
enums:
  kind:
    0: zero
