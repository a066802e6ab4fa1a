/** The benchmark's hand-written baselines decode (and encode) their samples exactly like the generated codecs. */
import { describe, expect, it } from 'vitest';
import { hand } from '../bench/handwritten.ts';
import { sample, SAMPLES } from '../bench/samples.ts';
import { protocols } from '../src/codecs/index.gen.ts';
import { fromHex, toHex } from '../src/runtime/index.ts';

/** Plain comparable form: bytes as hex, only the keys the baseline produces. */
function norm(v: unknown, like: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map((x, k) => norm(x, Array.isArray(like) ? like[k] : undefined));
  if (v && typeof v === 'object') {
    const keys = like && typeof like === 'object' ? Object.keys(like) : Object.keys(v);
    return Object.fromEntries(keys.map((k) => [k, norm((v as Record<string, unknown>)[k], (like as Record<string, unknown> | undefined)?.[k])]));
  }
  return v;
}

describe('benchmark baselines', () => {
  for (const proto of Object.keys(SAMPLES)) {
    it(`${proto}: hand-written decoder agrees with the generated one`, () => {
      const p = protocols.find((x) => x.proto === proto)!;
      const bytes = fromHex(sample(proto).hex);
      const ours = p.codec.decode(bytes).value;
      const theirs = hand[proto]!.decode(bytes, new DataView(bytes.buffer, bytes.byteOffset), 0, bytes.length);
      expect(norm(ours, theirs)).toEqual(norm(theirs, theirs));
      const enc = hand[proto]!.encode;
      if (enc) expect(toHex(enc(ours))).toBe(sample(proto).hex);
    });
  }
});
