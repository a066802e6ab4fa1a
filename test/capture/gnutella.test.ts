import { describe, it, expect } from 'vitest';
import { deflateSync, constants } from 'node:zlib';
import { CaptureDissector, type DissectEvent } from '../../src/capture/dissector.ts';
import { readCaptureBytes } from '../../src/capture/capture-reader.ts';
import { PcapngWriter, TcpConversation } from '../../src/capture/pcap-writer.ts';
import type { GnutellaEvent } from '../../src/capture/gnutella-handshake.ts';
import { StreamInflater } from '../../src/capture/stream-inflater.ts';

const te = new TextEncoder();
const CONNECT = 'GNUTELLA CONNECT/0.6\r\nUser-Agent: peerwire-test\r\nAccept-Encoding: deflate\r\nX-Ultrapeer: False\r\n\r\n';
const OK_DEFLATE = 'GNUTELLA/0.6 200 OK\r\nUser-Agent: other\r\nAccept-Encoding: deflate\r\nContent-Encoding: deflate\r\n\r\n';
const FINAL_DEFLATE = 'GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n';

/** n Gnutella descriptors (23-byte header + payload) as one stream. */
function descriptors(n: number, seed: number): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = (i * 37 + seed) % 90;
    const h = new Uint8Array(23 + len);
    for (let j = 0; j < 16; j++) h[j] = (seed + i * 16 + j) & 0xff;
    h[16] = [0x00, 0x01, 0x80, 0x81, 0x31][i % 5]!; h[17] = 3; h[18] = 1;
    new DataView(h.buffer).setUint32(19, len, true);
    for (let j = 0; j < len; j++) h[23 + j] = (i + j) & 0xff;
    parts.push(...h);
  }
  return Uint8Array.from(parts);
}

async function dissectFrames(frames: Uint8Array[]): Promise<GnutellaEvent[]> {
  const w = new PcapngWriter();
  w.addInterface();
  frames.forEach((f, i) => w.packet({ timestampNs: BigInt(i) * 1_000_000n, data: f }));
  const d = new CaptureDissector();
  const out: DissectEvent[] = [];
  for (const ev of readCaptureBytes(w.toBytes())) out.push(...await d.push(ev));
  out.push(...await d.finish());
  return out.flatMap((e) => (e.kind === 'gnutella' ? [e.event] : []));
}

function streamOf(evs: GnutellaEvent[], dir: 0 | 1): Uint8Array {
  const chunks = evs.flatMap((e) => (e.kind === 'stream' && e.dir === dir ? [e] : []));
  let expectOff = 0;
  for (const c of chunks) { expect(c.offset).toBe(expectOff); expectOff += c.bytes.length; }
  return Uint8Array.from(chunks.flatMap((c) => [...c.bytes]));
}

const conv = () => new TcpConversation({ ip: '10.0.0.2', port: 50000 }, { ip: '203.0.113.9', port: 6346 });

describe('Gnutella handshake tracking and inflation', () => {
  it('follows a 0.6 handshake and inflates both deflated directions, despite reordering', async () => {
    const c = conv();
    const up = descriptors(40, 1), down = descriptors(60, 2);
    const zUp = deflateSync(up), zDown = deflateSync(down, { level: 1 });
    const frames = [
      ...c.open(),
      ...c.send(0, te.encode(CONNECT), 17), // handshake split over small segments
      ...c.send(1, te.encode(OK_DEFLATE)),
      ...c.send(0, te.encode(FINAL_DEFLATE)),
    ];
    const dataUp = c.send(0, zUp, 100);
    const dataDown = c.send(1, zDown, 150);
    // swap two segments and duplicate one
    [dataUp[1], dataUp[2]] = [dataUp[2]!, dataUp[1]!];
    frames.push(...dataUp, dataDown[0]!, ...dataDown, ...c.close());
    const evs = await dissectFrames(frames);
    const hs = evs.filter((e) => e.kind === 'handshake');
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ connectDir: 0, outcome: { version: '0.6', accepted: true, statusCode: 200, deflate: [true, true], protocol: 'gnutella' } });
    expect(evs.filter((e) => e.kind === 'handshake-block').map((e) => e.kind === 'handshake-block' && [e.role, e.dir, e.block.offset])).toEqual([
      ['connect', 0, 0], ['response', 1, 0], ['final', 0, CONNECT.length],
    ]);
    expect(streamOf(evs, 0)).toEqual(up);
    expect(streamOf(evs, 1)).toEqual(down);
    expect(evs.filter((e) => e.kind === 'stream-end')).toMatchObject([
      { dir: 0, decodedBytes: up.length, compressedBytes: zUp.length, reason: 'fin' },
      { dir: 1, decodedBytes: down.length, compressedBytes: zDown.length, reason: 'fin' },
    ]);
  });

  it('binary data in the same segment as the last header block is kept', async () => {
    const c = conv();
    const up = descriptors(3, 5);
    const z = deflateSync(up);
    const both = new Uint8Array(FINAL_DEFLATE.length + z.length);
    both.set(te.encode(FINAL_DEFLATE)); both.set(z, FINAL_DEFLATE.length);
    const evs = await dissectFrames([...c.open(), ...c.send(0, te.encode(CONNECT)), ...c.send(1, te.encode(OK_DEFLATE)), ...c.send(0, both)]);
    expect(streamOf(evs, 0)).toEqual(up);
  });

  it('reports a bad deflate stream for that direction only', async () => {
    const c = conv();
    const down = descriptors(10, 3);
    const garbage = Uint8Array.from({ length: 200 }, (_, i) => (i * 91 + 17) & 0xff);
    const evs = await dissectFrames([
      ...c.open(), ...c.send(0, te.encode(CONNECT)), ...c.send(1, te.encode(OK_DEFLATE)), ...c.send(0, te.encode(FINAL_DEFLATE)),
      ...c.send(0, garbage), ...c.send(1, deflateSync(down)), ...c.close(),
    ]);
    const errs = evs.filter((e) => e.kind === 'stream-error');
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ dir: 0 });
    expect(errs[0]!.kind === 'stream-error' && errs[0]!.reason).toMatch(/bad deflate stream/);
    expect(streamOf(evs, 1)).toEqual(down);
  });

  it('marks a deflated direction undecodable after missing data', async () => {
    const c = conv();
    const up = descriptors(200, 4);
    const hs = [...c.open(), ...c.send(0, te.encode(CONNECT)), ...c.send(1, te.encode(OK_DEFLATE)), ...c.send(0, te.encode(FINAL_DEFLATE))];
    const segs = c.send(0, deflateSync(up, { level: 0 }), 500);
    segs.splice(3, 1);
    const evs = await dissectFrames([...hs, ...segs, ...c.close()]);
    const gap = evs.find((e) => e.kind === 'stream-gap');
    expect(gap).toMatchObject({ dir: 0, fatal: true, length: 500 });
    const got = streamOf(evs, 0);
    expect(got.length).toBeLessThan(up.length);
    expect(got).toEqual(up.subarray(0, got.length)); // nothing invented
  });

  it('passes gaps through in an uncompressed stream, and tracks 0.4 and refusals', async () => {
    const c = conv();
    const up = descriptors(5, 6);
    const hs = [...c.open(), ...c.send(0, te.encode('GNUTELLA CONNECT/0.4\n\n')), ...c.send(1, te.encode('GNUTELLA OK\n\n'))];
    const segs = c.send(0, up, 40);
    segs.splice(1, 1);
    const evs = await dissectFrames([...hs, ...segs, ...c.close()]);
    expect(evs.find((e) => e.kind === 'handshake')).toMatchObject({ outcome: { version: '0.4', accepted: true, deflate: [false, false] } });
    expect(evs.find((e) => e.kind === 'stream-gap')).toMatchObject({ dir: 0, offset: 40, length: 40, fatal: false });

    const r = conv();
    const evs2 = await dissectFrames([...r.open(), ...r.send(0, te.encode(CONNECT)), ...r.send(1, te.encode('GNUTELLA/0.6 503 Too many leaf connections\r\nX-Try-Ultrapeers: 1.2.3.4:6346\r\n\r\n')), ...r.close()]);
    expect(evs2.find((e) => e.kind === 'handshake')).toMatchObject({ outcome: { accepted: false, statusCode: 503, statusText: 'Too many leaf connections' } });
    expect(evs2.find((e) => e.kind === 'handshake-block' && e.role === 'response')).toMatchObject({ block: { headers: { 'x-try-ultrapeers': '1.2.3.4:6346' } } });
  });

  it('ignores flows that are not Gnutella', async () => {
    const c = conv();
    const evs = await dissectFrames([...c.open(), ...c.send(0, te.encode('GET / HTTP/1.1\r\n\r\n')), ...c.send(1, te.encode('HTTP/1.1 200 OK\r\n\r\n')), ...c.close()]);
    expect(evs).toEqual([]);
  });
});

describe('StreamInflater', () => {
  it('inflates a sync-flushed stream fed byte by byte', async () => {
    const data = descriptors(20, 9);
    const z = deflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
    const inf = new StreamInflater();
    const out: number[] = [];
    for (let i = 0; i < z.length; i += 1) for (const c of (await inf.write(z.subarray(i, i + 1))).output) out.push(...c);
    expect(Uint8Array.from(out)).toEqual(data);
    inf.close();
  });

  it('stops at an output limit (deflate bomb)', async () => {
    const inf = new StreamInflater({ maxOutputBytes: 10_000 });
    const r = await inf.write(deflateSync(new Uint8Array(1_000_000)));
    expect(r.error).toMatch(/exceeds 10000/);
    expect((await inf.write(Uint8Array.of(1))).error).toBeDefined();
  });
});
