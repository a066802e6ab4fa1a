/** Lowercase hex <-> bytes, for JSON output and the CLI. */

const HEX = Array.from({ length: 256 }, (_, k) => k.toString(16).padStart(2, '0'));

/** Node's native encoder where there is one (much faster on long arrays); the table loop elsewhere. */
const NodeBuffer = (globalThis as { Buffer?: { from(ab: ArrayBufferLike, off: number, len: number): { toString(enc: 'hex'): string } } }).Buffer;

export function toHex(b: Uint8Array): string {
  if (b.length > 24 && NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
  let s = '';
  for (let k = 0; k < b.length; k++) s += HEX[b[k] as number];
  return s;
}

/** Parse hex; whitespace, `:` and an optional `0x` prefix are ignored. Throws RangeError with the offending position. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0) throw new RangeError(`hex string has an odd number of digits (${clean.length})`);
  const out = new Uint8Array(clean.length / 2);
  for (let k = 0; k < out.length; k++) {
    const v = parseInt(clean.substr(k * 2, 2), 16);
    if (!/^[0-9a-fA-F]{2}$/.test(clean.substr(k * 2, 2))) throw new RangeError(`invalid hex digits '${clean.substr(k * 2, 2)}' at digit ${k * 2}`);
    out[k] = v;
  }
  return out;
}
