# expect: bad/pos-instance.ksy:11:3: error: /instances/later: positional instances (pos:/io:) are not supported; peerwire decodes in one forward pass
meta:
  id: pos_instance
  endian: be
doc: A positional instance.
seq:
  - id: a
    type: u1
    doc: A.
instances:
  later:
    pos: 4
    type: u1
