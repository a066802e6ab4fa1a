/** FrameReader: output independent of TCP chunk boundaries; limits checked before buffering. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protocols } from '../../src/codecs/index.gen.ts';
import { decodeGossipApi, encodeGossipApi, protocol as api } from '../../src/codecs/gossip/api.gen.ts';
import { FrameReader, FramingError, fromHex, toHex, type Frame } from '../../src/runtime/index.ts';
import { loadVectors } from '../../fuzz/vectors.ts';

const vectors = loadVectors();

function summary(frames: Frame<unknown>[]): string[] {
  return frames.map((f) => `${f.offset}:${toHex(f.bytes)}:${f.ok ? 'ok' : (f.error as { code: string }).code}`);
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

describe('FrameReader', () => {
  for (const p of protocols.filter((x) => x.frame)) {
    // Only messages that frame exactly (declared length == bytes) make a valid stream.
    const msgs = vectors.filter((v) => v.proto === p.proto && !v.error).map((v) => fromHex(v.hex));
    it(`${p.proto}: same frames whatever the chunk boundaries`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: msgs.length - 1 }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (picks, cuts) => {
          const stream = Uint8Array.from(picks.flatMap((i) => [...msgs[i]!]));
          const whole = new FrameReader(p.codec.decode, p.frame);
          const expected = summary([...whole.push(stream), ...whole.end()]);
          const chunked = new FrameReader(p.codec.decode, p.frame);
          const got: Frame<unknown>[] = [];
          for (const c of splitAt(stream, cuts)) got.push(...chunked.push(c));
          got.push(...chunked.end());
          expect(summary(got)).toEqual(expected);
          expect(expected.length).toBe(picks.length);
          expect(chunked.pending).toBe(0);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('splits back-to-back messages in one chunk and joins one message over many (course client)', () => {
    const r = new FrameReader(decodeGossipApi, api.frame);
    const notify = encodeGossipApi({ type: 501, body: { dataType: 1337 } });
    const announce = encodeGossipApi({ type: 500, body: { ttl: 4, dataType: 1337, data: new TextEncoder().encode('deadbeef') } });
    const both = Uint8Array.from([...notify, ...announce]);
    expect(toHex(both)).toBe('000801f500000539' + '001001f4040005396465616462656566');
    const one = r.push(both);
    expect(one.map((f) => f.ok && (f.value as { type: number }).type)).toEqual([501, 500]);
    const parts: Frame<unknown>[] = [];
    for (const byte of announce) parts.push(...r.push(Uint8Array.of(byte)));
    expect(parts).toHaveLength(1);
    expect(parts[0]!.offset).toBe(both.length);
  });

  it('reports a malformed message with its stream offset and keeps framing', () => {
    const r = new FrameReader(decodeGossipApi, api.frame);
    const frames = r.push(fromHex('000901f50000053900' + '000801f500000539'));
    expect(frames[0]!.ok).toBe(false);
    expect(frames[0]!.ok || { code: frames[0]!.error.code, path: frames[0]!.error.path, offset: frames[0]!.error.offset }).toEqual({ code: 'valid', path: 'gossip_api.body.data_type', offset: 6 });
    expect(frames[1]!.ok).toBe(true);
    expect(frames[1]!.offset).toBe(9);
  });

  it('fails on a length below the header (desynchronised) and stays failed', () => {
    const r = new FrameReader(decodeGossipApi, api.frame);
    r.push(fromHex('000801f500000539'));
    expect(() => r.push(fromHex('000201f5'))).toThrow(FramingError);
    expect(() => r.push(fromHex('000801f5'))).toThrow(/frame length 2 is outside 4..65535/);
  });

  it('enforces the maximum message size before buffering the body', () => {
    const r = new FrameReader(decodeGossipApi, api.frame, { maxMessageSize: 100 });
    expect(() => r.push(fromHex('ffff01f4'))).toThrow(/frame length 65535 is outside 4..100/);
    expect(r.pending).toBeLessThanOrEqual(4);
  });

  it('reports a stream that ends inside a message', () => {
    const r = new FrameReader(decodeGossipApi, api.frame);
    expect(r.push(fromHex('001001f40400'))).toEqual([]);
    const end = r.end();
    expect(end).toHaveLength(1);
    expect(end[0]!.ok).toBe(false);
  });

  it('frames text protocols by decoding, waiting for the terminator', () => {
    const p = protocols.find((x) => x.proto === 'seedgossip')!;
    const r = new FrameReader(p.codec.decode, p.frame, { maxMessageSize: 64 });
    const line = new TextEncoder().encode('New Connect Accepted\nLiveness Request:1709288400:10.0.0.5\n');
    const frames: Frame<unknown>[] = [];
    for (const c of splitAt(line, [3, 21, 30])) frames.push(...r.push(c));
    expect(frames.filter((f) => f.ok)).toHaveLength(2);
  });
});

describe('FrameReader buffer ownership', () => {
  it('decoded values stay intact after the reader reuses its buffer (length and text framing)', () => {
    const api = protocols.find((x) => x.proto === 'gossip-api')!;
    const r = new FrameReader(api.codec.decode, api.frame);
    const a = fromHex('001001f4040005396465616462656566');
    const first = [...r.push(a.subarray(0, 5)), ...r.push(a.subarray(5))];
    r.push(fromHex('001001f40400053900000000'));
    r.push(fromHex('00000000'));
    expect(toHex((first[0]!.ok && (first[0]!.value as { body: { data: Uint8Array } }).body.data) as Uint8Array)).toBe('6465616462656566');

    const p2pdi = protocols.find((x) => x.proto === 'seedgossip')!;
    const t = new FrameReader(p2pdi.codec.decode, p2pdi.frame, { maxMessageSize: 1024 });
    const line = new TextEncoder().encode('Liveness Request:1709288400:10.0.0.5\n');
    const got = [...t.push(line.subarray(0, 10)), ...t.push(line.subarray(10))];
    t.push(new TextEncoder().encode('XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'));
    expect(p2pdi.codec.toJson(got[0]!.ok ? got[0]!.value : null)).toEqual({ line: { head: 'Liveness Request', body: { timestamp: '1709288400', ip: '10.0.0.5' } } });
  });
});
