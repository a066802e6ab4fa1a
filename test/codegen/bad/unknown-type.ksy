# expect: bad/unknown-type.ksy:9:5: error: /seq/0/type: unknown type 'nope'
meta:
  id: unknown_type
  endian: be
doc: A reference to a type that does not exist.
seq:
  - id: a
    doc: A.
    type: nope
