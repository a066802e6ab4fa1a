/**
 * JsonWriter (the byte-level JSON text behind the generated writeJsonX functions and dissect
 * --json): every method writes exactly what JSON.stringify writes for the same value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiBytes, JsonWriter, jsonText } from '../../src/runtime/json-writer.ts';

const RUNS = Number(process.env.JSON_WRITER_RUNS ?? 300);

/** Text of what `write` puts into a fresh writer (a tiny one, so every write has to grow it). */
function written(write: (w: JsonWriter) => void): string {
  const w = new JsonWriter(1);
  write(w);
  return new TextDecoder().decode(w.buf.subarray(0, w.n));
}

describe('JsonWriter', () => {
  it('integers: every digit count, zero, -0, negatives and integers past 2^31 and 1e15', () => {
    const xs = [0, -0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 31), 1e15, 1e21];
    for (let p = 1; p < 1e16; p *= 10) xs.push(p - 1, p, p + 1);
    for (const x of xs) expect(written((w) => w.int(x)), String(x)).toBe(JSON.stringify(x));
    fc.assert(fc.property(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), (x) => written((w) => w.int(x)) === JSON.stringify(x)), { numRuns: RUNS });
  });

  it('floats: fractions, exponents, NaN and infinities (null)', () => {
    for (const x of [0.5, -1.25, 1e-7, 1.5e300, NaN, Infinity, -Infinity, 3]) expect(written((w) => w.num(x))).toBe(JSON.stringify(x));
    fc.assert(fc.property(fc.double(), (x) => written((w) => w.num(x)) === JSON.stringify(x)), { numRuns: RUNS });
  });

  it('strings: quotes, backslashes, control characters, non-ASCII and lone surrogates escaped as JSON.stringify does', () => {
    for (const s of ['', 'plain', 'a"b', 'back\\slash', 'line\r\n', '\u0000\u001f\u007f', 'é€😀', '\ud800', 'x\udc00y']) expect(written((w) => w.str(s))).toBe(JSON.stringify(s));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => written((w) => w.str(s)) === JSON.stringify(s)), { numRuns: RUNS });
  });

  it('bytes as quoted lowercase hex', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => written((w) => w.hex(b)) === JSON.stringify(Buffer.from(b).toString('hex'))), { numRuns: RUNS });
  });

  it('64-bit integers as decimal strings, booleans, labels, scalars', () => {
    expect(written((w) => w.big(18446744073709551615n))).toBe('"18446744073709551615"');
    expect(written((w) => w.bool(false))).toBe('false');
    expect(written((w) => (w.label('ping'), w.byte(44), w.label(undefined)))).toBe('"ping",null');
    const scalars: unknown[] = [7, 0.5, NaN, true, 'é"', -3n, new Uint8Array([0, 255]), null];
    for (const v of scalars) expect(written((w) => w.scalar(v))).toBe(JSON.stringify(v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? String(v) : v));
  });

  it('comma only after something in the object; raw and ascii copy bytes, short or long', () => {
    expect(written((w) => (w.ascii('{'), w.comma(), w.ascii('"a":1'), w.comma(), w.ascii('"b":2}')))).toBe('{"a":1,"b":2}');
    const long = 'x'.repeat(100);
    expect(written((w) => (w.raw(asciiBytes('ab')), w.raw(asciiBytes(long)), w.ascii(long)))).toBe('ab' + long + long);
  });

  it('jsonText gives the text of one value and leaves no state behind', () => {
    const write = (v: string, w: JsonWriter) => w.str(v);
    expect(jsonText(write, 'x'.repeat(3 << 20)).length).toBe((3 << 20) + 2);
    expect(jsonText(write, 'é')).toBe('"é"');
  });
});
