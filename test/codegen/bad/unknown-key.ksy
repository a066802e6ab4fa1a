# expect: bad/unknown-key.ksy:10:5: error: /seq/0/sise: unsupported key 'sise'
meta:
  id: unknown_key
  endian: be
doc: A field with a misspelt key.
seq:
  - id: a
    type: u2
    doc: A.
    sise: 3
