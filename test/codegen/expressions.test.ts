/** Expression language: parsing, precedence, translation to TypeScript, and inversion of length expressions. */
import { describe, expect, it } from 'vitest';
import { solveFor } from '../../codegen/derive.ts';
import { ExprSyntaxError, parseExpr, showExpr } from '../../codegen/expr.ts';
import type { Schema, TypeIR } from '../../codegen/ir.ts';
import { translate, type Scope } from '../../codegen/translate.ts';

const type: TypeIR = {
  key: 't.ksy#t', id: 't', name: 'T', file: 't.ksy', doc: '', origin: { file: 't.ksy', path: '/', line: 1, col: 1 }, params: [], instances: [], endian: { kind: 'none' }, usesParent: false, parentKey: null,
  seq: ['len', 'count', 'flags', 'name', 'data'].map((id) => ({
    id, name: id, doc: '', origin: { file: 't.ksy', path: '/', line: 1, col: 1 },
    type: id === 'name' ? { kind: 'str' as const, encoding: 'ASCII' as const } : id === 'data' ? { kind: 'bytes' as const } : { kind: 'int' as const, width: 2 as const, signed: false, endian: 'be' as const },
    extent: { kind: 'none' as const }, repeat: { kind: 'none' as const }, cond: null, contents: null, padRight: null, valid: null, enumKey: null, defaultValue: null, process: null, derive: null,
  })),
};
const schema: Schema = { files: [], types: new Map([[type.key, type]]), enums: new Map([['t.ksy#t::kind', { key: 't.ksy#t::kind', id: 'kind', name: 'Kind', file: 't.ksy', values: [{ value: 500n, label: 'announce', doc: '' }] }]]) };
const scope: Scope = { schema, type, parent: 'parent', io: { start: 's', end: 'e', pos: 'p' }, name: (id) => (type.seq.some((a) => a.id === id) ? `_${id}` : null) };
const ts = (src: string) => translate(parseExpr(src), scope);

describe('expressions', () => {
  it.each([
    ['len - 4', '(_len - 4)'],
    ['(len - 4) / 6', 'idiv((_len - 4), 6)'],
    ['len % 4', 'imod(_len, 4)'],
    ['flags & 0x80 != 0', '((_flags & 128) !== 0)'],
    ['flags >> 4', '(_flags >>> 4)'],
    ['a_or_b', 'unknown'],
    ['not (len == 1) and count > 2 or flags < 3', '((!((_len === 1)) && (_count > 2)) || (_flags < 3))'],
    ['len > 4 ? len : 4', '((_len > 4) ? _len : 4)'],
    ['kind::announce', '500'],
    ['_io.size - _io.pos', '((e - s) - (p - s))'],
    ['_io.eof', '(p >= e)'],
    ['data == [1, 2]', 'bytesEqual(_data, new Uint8Array([1, 2]))'],
    ['name == "GNUTELLA"', '(_name === "GNUTELLA")'],
    ['data.size + name.length', '(_data.length + _name.length)'],
    ['_parent.len', 'parent.len'],
    ['-1 + len', '((-1) + _len)'],
  ])('%s -> %s', (src, out) => {
    if (out === 'unknown') expect(() => ts(src)).toThrow(/unknown name 'a_or_b'/);
    else expect(ts(src)).toBe(out);
  });

  it('rejects bad syntax with a column', () => {
    expect(() => parseExpr('len +')).toThrow(ExprSyntaxError);
    expect(() => parseExpr('len $ 2')).toThrow(/column 5/);
    expect(() => parseExpr('(len')).toThrow(/expected '\)'/);
  });

  it.each([
    ['len', 'len', '$len'],
    ['len - 4', 'len', '($len + 4)'],
    ['4 + len', 'len', '($len - 4)'],
    ['(len - 4) / 6', 'len', '(($len * 6) + 4)'],
    ['count * 6', 'count', '($len / 6)'],
    ['100 - len', 'len', '(100 - $len)'],
    ['len <= _io.size ? len - 8 : _io.size - 8', 'len', '($len + 8)'],
    ['len & 15', 'len', null],
    ['len * len', 'len', null],
  ])('inverts size %s for %s', (src, field, expected) => {
    const r = solveFor(parseExpr(src), field, { k: 'name', id: '$len' });
    expect(r === null ? null : showExpr(r)).toBe(expected);
  });
});
