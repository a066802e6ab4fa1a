# expect: bad/forward-ref.ksy:7:5: error: /seq/0: 'n' is read after this expression (forward reference) (in 'n')
meta:
  id: forward_ref
  endian: be
doc: A size that reads a field declared later.
seq:
  - id: data
    size: n
    doc: Data.
  - id: n
    type: u1
    doc: Length.
