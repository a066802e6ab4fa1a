/** Text encodings used by specs (`encoding:`), with one cached decoder/encoder per encoding. */
import { DecodeError, EncodeError } from './errors.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export type Encoding = 'ASCII' | 'UTF-8' | 'ISO-8859-1';

export function decodeText(b: Uint8Array, start: number, end: number, enc: Encoding, at: number, field: string): string {
  if (enc === 'UTF-8') {
    try {
      return utf8Decoder.decode(b.subarray(start, end));
    } catch {
      throw new DecodeError('encoding', at, field, 'invalid UTF-8');
    }
  }
  // ASCII and Latin-1: one byte per char. ASCII stays lenient on bytes >= 0x80 (decoded as Latin-1), as Kaitai's JS runtime does.
  let s = '';
  for (let k = start; k < end; k += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(k, Math.min(end, k + 4096)) as unknown as number[]);
  }
  return s;
}

export function encodeText(s: string, enc: Encoding, field: string): Uint8Array {
  if (typeof s !== 'string') throw new EncodeError(field, `expected a string, got ${s === null ? 'null' : typeof s}`);
  if (enc === 'UTF-8') return utf8Encoder.encode(s);
  const out = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c > 0xff) throw new EncodeError(field, `character U+${c.toString(16).padStart(4, '0')} at index ${k} is not ${enc}`);
    out[k] = c;
  }
  return out;
}

/** Encodes `s` into b at p (b has room: the length pass sized it); returns the position after it. */
export function writeText(b: Uint8Array, p: number, s: string, enc: Encoding, field: string): number {
  if (typeof s !== 'string') throw new EncodeError(field, `expected a string, got ${s === null ? 'null' : typeof s}`);
  if (enc === 'UTF-8') return p + utf8Encoder.encodeInto(s, b.subarray(p)).written;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c > 0xff) throw new EncodeError(field, `character U+${c.toString(16).padStart(4, '0')} at index ${k} is not ${enc}`);
    b[p + k] = c;
  }
  return p + s.length;
}

/** Encoded byte length without allocating (exact for the single-byte encodings). */
export function textLength(s: string, enc: Encoding, field: string): number {
  if (typeof s !== 'string') throw new EncodeError(field, `expected a string, got ${s === null ? 'null' : typeof s}`);
  if (enc !== 'UTF-8') return s.length;
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length) {
      n += 4;
      k++;
    } else n += 3;
  }
  return n;
}
