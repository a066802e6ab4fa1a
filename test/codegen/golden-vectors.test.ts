/** Every conformance vector, both ways, through the generated codecs. */
import { describe, expect, it } from 'vitest';
import { protocols } from '../../src/codecs/index.gen.ts';
import { DecodeError, fromHex, toHex } from '../../src/runtime/index.ts';
import { loadVectors } from '../../fuzz/vectors.ts';

const vectors = loadVectors();
const byProto = new Map(protocols.map((p) => [p.proto, p]));

describe('conformance vectors', () => {
  it('exist for every protocol', () => {
    for (const p of protocols) expect(vectors.filter((v) => v.proto === p.proto).length, p.proto).toBeGreaterThan(0);
  });

  for (const v of vectors) {
    const p = byProto.get(v.proto);
    it(`${v.file}: ${v.description}`, () => {
      expect(p, `unknown proto ${v.proto}`).toBeDefined();
      const bytes = fromHex(v.hex);
      if (v.error) {
        let err: unknown;
        try {
          const r = p!.codec.decode(bytes);
          // A message that decodes but leaves bytes over is malformed on a stream too.
          if (r.size !== bytes.length) err = new DecodeError('valid', r.size, '', 'trailing bytes');
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DecodeError);
        const e = err as DecodeError;
        expect({ code: e.code, path: e.path, offset: e.offset }).toEqual(v.error);
        return;
      }
      const { value, size } = p!.codec.decode(bytes);
      expect(size).toBe(bytes.length);
      expect(p!.codec.toJson(value)).toEqual(v.json);
      // The text writer gives the same JSON, byte for byte what JSON.stringify makes of toJson.
      const text = p!.codec.toJsonText(value);
      expect(text).toBe(JSON.stringify(p!.codec.toJson(value)));
      expect(JSON.parse(text)).toEqual(v.json);
      // Decoded in place inside a larger buffer: the same value; `end` is a hard limit (bytes
      // after it are never read, whatever they hold).
      const inside = new Uint8Array(bytes.length + 7).fill(0xff);
      inside.set(bytes, 3);
      const there = p!.codec.decode(inside, 3, 3 + bytes.length);
      expect(there.size).toBe(bytes.length);
      expect(p!.codec.toJson(there.value)).toEqual(v.json);
      for (const cut of [0, 1, bytes.length >> 1, bytes.length - 1]) {
        let size = -1;
        try {
          size = p!.codec.decode(inside, 3, 3 + cut).size;
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
        expect(size).toBeLessThanOrEqual(cut);
      }
      expect(() => p!.codec.decode(bytes, 0, bytes.length + 1)).toThrow(RangeError);
      if (v.encode !== false) {
        const init = p!.codec.fromJson(v.json);
        expect(toHex(p!.codec.encode(init))).toBe(v.hex.toLowerCase());
        // encodeInto writes the same bytes at an offset and touches nothing else.
        expect(p!.codec.encodedLength(init)).toBe(bytes.length);
        const buf = new Uint8Array(bytes.length + 6).fill(0xee);
        expect(p!.codec.encodeInto(init, buf, 3)).toBe(bytes.length);
        expect(toHex(buf)).toBe('eeeeee' + v.hex.toLowerCase() + 'eeeeee');
        expect(() => p!.codec.encodeInto(init, new Uint8Array(bytes.length - 1), 0)).toThrow(/needs \d+ bytes at offset 0/);
      }
    });
  }
});
