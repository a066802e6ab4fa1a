// Awkward captures: out-of-order, retransmitted and overlapping segments, a message split over
// hundreds of segments, missing segments (inside a message, across a header), a capture that
// starts mid-stream, a framing error, a connection closed inside a message, a gap in a deflated
// direction. Decoded messages must be exactly the original ones at their original offsets
// (nothing invented), and everything else must be reported.
import { describe, it, expect } from 'vitest';
import { deflateSync, constants } from 'node:zlib';
import { protocols } from '../../src/codecs/index.gen.ts';
import { MessageDissector, type DissectRecord, type MessageRecord } from '../../src/capture/messages.ts';
import { readCaptureBytes } from '../../src/capture/capture-reader.ts';
import { MessageStream, type StreamItem } from '../../src/capture/message-stream.ts';
import { link } from '../../src/capture/link-codecs.ts';
import { TcpConversation } from '../../src/capture/pcap-writer.ts';
import { CaptureBuilder, concat, dissectBytes, jsonOf, messages, notOk, streamRecords, te, vectorMessages } from './helpers/dissect-fixtures.ts';

const P = (n: string) => protocols.find((p) => p.proto === n)!;
const gnutella = vectorMessages('gnutella');
const api = vectorMessages('gossip-api');

/** A stream of messages with the offset of each. */
function stream(msgs: Uint8Array[]): { bytes: Uint8Array; at: Map<number, Uint8Array> } {
  const at = new Map<number, Uint8Array>();
  let o = 0;
  for (const m of msgs) { at.set(o, m); o += m.length; }
  return { bytes: concat(msgs), at };
}

/** Every decoded message is an original message at its original offset. */
function expectGenuine(ms: MessageRecord[], s: ReturnType<typeof stream>, proto: string, base = 0) {
  for (const r of ms) {
    const m = s.at.get(r.offset - base);
    expect(m, `no message starts at ${r.offset}`).toBeDefined();
    expect(r.size).toBe(m!.length);
    expect(jsonOf(r)).toEqual(P(proto).codec.toJson(P(proto).codec.decode(m!, 0).value));
  }
}

const server = { ip: '10.0.0.2', port: 6346 };
const client = { ip: '10.0.0.1', port: 40000 };

function gnutellaCapture(edit: (segs: Uint8Array[], c: TcpConversation, bytes: Uint8Array) => Uint8Array[], msgs = [...gnutella, ...gnutella, ...gnutella], mss = 40, o: { open?: boolean; close?: boolean } = {}) {
  const s = stream(msgs);
  const c = new TcpConversation(client, server);
  const open = c.open();
  const segs = edit(c.send(0, s.bytes, mss), c, s.bytes);
  const frames = [...(o.open ?? true ? open : []), ...segs, ...(o.close ?? true ? c.close() : [])];
  return { s, pcap: new CaptureBuilder().add(...frames).pcap() };
}

const kinds = (rs: DissectRecord[]) => rs.filter((r) => r.kind !== 'message').map((r) => r.kind === 'problem' ? 'problem' : `${r.kind}: ${r.reason}`);

describe('dissect: TCP reassembly and resynchronisation', () => {
  it('reorders, drops exact and overlapping retransmissions', async () => {
    const { s, pcap } = gnutellaCapture((segs, c, bytes) => {
      // A retransmission covering the end of segment 10 and the start of segment 11.
      const overlap = c.segment(0, { ack: true }, bytes.subarray(10 * 40 + 20, 10 * 40 + 60), 1001 + 10 * 40 + 20);
      const order = [0, 1, 2, 4, 3, 5, 6, 7, 6, 8, 9, 10, 11, -1, 12, 13, 14, 15, 16, 17, 18, 19, 24, 23, 22, 21, 20];
      for (let i = 25; i < segs.length; i++) order.push(i);
      return order.map((i) => (i < 0 ? overlap : segs[i]!));
    });
    const rs = await dissectBytes(pcap);
    expect(kinds(rs)).toEqual([]);
    const ms = messages(rs);
    expect(ms).toHaveLength(s.at.size);
    expectGenuine(ms, s, 'gnutella');
  });

  it('reassembles one message split over hundreds of segments (header split too)', async () => {
    const big = P('gnutella').codec.encode(P('gnutella').codec.fromJson({
      guid: '00112233445566778899aabbccddeeff', payloadType: 128, ttl: 7, hops: 0,
      payload: { minSpeedRaw: 0, criteria: 'x'.repeat(4000), extensions: '' },
    }));
    const msgs = [gnutella[0]!, big, gnutella[1]!];
    const { s, pcap } = gnutellaCapture((segs) => segs, msgs, 7);
    const rs = await dissectBytes(pcap);
    expect(kinds(rs)).toEqual([]);
    const ms = messages(rs);
    expectGenuine(ms, s, 'gnutella');
    expect(ms).toHaveLength(3);
    const r = ms[1]!;
    expect(r.size).toBe(big.length);
    // Frame numbers: 3 handshake packets, then 7-byte segments.
    const firstSeg = Math.floor(r.offset / 7), lastSeg = Math.floor((r.offset + r.size - 1) / 7);
    expect(r.frames).toEqual([4 + firstSeg, 4 + lastSeg]);
    expect(lastSeg - firstSeg).toBeGreaterThan(500);
  });

  it('a segment missing inside a message: that message is incomplete, the next one is found by its declared length', async () => {
    const { s, pcap } = gnutellaCapture((segs) => segs.filter((_, i) => i !== 5));
    const rs = await dissectBytes(pcap);
    const bad = notOk(rs);
    if (process.env.DEBUG_DISSECT) console.log(kinds(rs));
    expect(bad.every((r) => r.kind === 'incomplete')).toBe(true);
    expect(bad.length).toBeGreaterThanOrEqual(1);
    expect(bad[0]!.kind === 'incomplete' && bad[0]!.reason).toMatch(/cut by 40 missing bytes at offset 200/);
    const ms = messages(rs);
    expectGenuine(ms, s, 'gnutella');
    // Only messages touching the hole [200, 240) are lost.
    const touching = [...s.at].filter(([o, m]) => o < 240 && o + m.length > 200).length;
    expect(ms).toHaveLength(s.at.size - touching);
  });

  it('several missing segments across headers: resynchronises by scanning, reports skipped bytes, never invents', async () => {
    const { s, pcap } = gnutellaCapture((segs) => segs.filter((_, i) => ![3, 4, 9, 17].includes(i)), undefined, 23);
    const rs = await dissectBytes(pcap);
    if (process.env.DEBUG_DISSECT) console.log(JSON.stringify(notOk(rs), (_k, v) => typeof v === 'bigint' ? String(v) : v));
    expect(rs.filter((r) => r.kind === 'malformed')).toEqual([]);
    const ms = messages(rs);
    expectGenuine(ms, s, 'gnutella');
    expect(ms.length).toBeGreaterThan(s.at.size / 2);
    expect(notOk(rs).length).toBeGreaterThan(0);
  });

  it('a capture that starts mid-stream (no SYN, first bytes inside a message) resynchronises', async () => {
    const { s, pcap } = gnutellaCapture((segs) => segs.slice(2), undefined, 30, { open: false });
    const rs = await dissectBytes(pcap);
    if (process.env.DEBUG_DISSECT) console.log(JSON.stringify(notOk(rs), (_k, v) => typeof v === 'bigint' ? String(v) : v));
    expect(rs.filter((r) => r.kind === 'malformed')).toEqual([]);
    const ms = messages(rs);
    expect(ms.length).toBeGreaterThan(s.at.size - 4);
    // Offsets of a mid-stream capture count from the first captured byte (60 bytes later).
    expectGenuine(ms, s, 'gnutella', -60);
    expect(notOk(rs)).toMatchObject([{ kind: 'incomplete', offset: 0 }]);
  });

  it('a length field out of range is malformed; decoding resumes at the next message', async () => {
    const bad = api[0]!.slice();
    bad[0] = 0; bad[1] = 2; // size 2 < 4-byte header
    const msgs = [api[0]!, api[1]!, bad, api[2]!, api[3]!];
    const s = stream(msgs);
    const c = new TcpConversation(client, { ip: '10.0.0.2', port: 7001 });
    const pcap = new CaptureBuilder().add(...c.open(), ...c.send(0, s.bytes, 9), ...c.close()).pcap();
    const rs = await dissectBytes(pcap);
    const ms = messages(rs);
    expectGenuine(ms, s, 'gossip-api');
    expect(ms.map((r) => r.offset)).toEqual([0, api[0]!.length, ...[3, 4].map((k) => [...s.at.keys()][k]!)]);
    const mal = rs.filter((r) => r.kind === 'malformed');
    expect(mal).toMatchObject([{ proto: 'gossip-api', error: 'limit', offset: api[0]!.length + api[1]!.length, size: 4 }]);
    expect(notOk(rs)).toHaveLength(2); // the malformed header + the rest of the bad message skipped
  });

  it('a connection closed inside a message is malformed; a capture that ends inside one is incomplete', async () => {
    const m = api[0]!;
    const c = new TcpConversation(client, { ip: '10.0.0.2', port: 7001 });
    const closed = new CaptureBuilder().add(...c.open(), ...c.send(0, concat([m, m.subarray(0, 5)])), ...c.close()).pcap();
    const rs = await dissectBytes(closed);
    expect(messages(rs)).toHaveLength(1);
    expect(notOk(rs)).toMatchObject([{ kind: 'malformed', error: 'eof', offset: m.length, size: 5 }]);
    const c2 = new TcpConversation(client, { ip: '10.0.0.2', port: 7001 });
    const cut = new CaptureBuilder().add(...c2.open(), ...c2.send(0, concat([m, m.subarray(0, 5)]))).pcap();
    const rs2 = await dissectBytes(cut);
    expect(notOk(rs2)).toMatchObject([{ kind: 'incomplete', offset: m.length, size: 5 }]);
  });

  it('a gap in a deflated direction: messages before it decode, the rest is reported undecodable', async () => {
    const CONNECT = 'GNUTELLA CONNECT/0.6\r\nAccept-Encoding: deflate\r\n\r\n';
    const OK = 'GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n';
    const FINAL = 'GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n';
    const msgs = [...gnutella, ...gnutella];
    const s = stream(msgs);
    const c = new TcpConversation(client, { ip: '10.0.0.2', port: 30000 });
    const z = deflateSync(s.bytes, { finishFlush: constants.Z_SYNC_FLUSH, level: 0 });
    const hs = [...c.open(), ...c.send(0, te.encode(CONNECT)), ...c.send(1, te.encode(OK)), ...c.send(0, te.encode(FINAL))];
    const segs = c.send(0, z, 300);
    segs.splice(4, 1);
    const pcap = new CaptureBuilder().add(...hs, ...segs, ...c.close()).pcap();
    const rs = await dissectBytes(pcap);
    const ms = messages(rs).filter((r) => r.proto.proto === 'gnutella');
    expect(ms.length).toBeGreaterThan(3);
    expect(ms.length).toBeLessThan(msgs.length);
    expectGenuine(ms, s, 'gnutella');
    expect(rs.filter((r) => r.kind === 'malformed')).toEqual([]);
    expect(kinds(rs).some((k) => /deflate stream cannot continue/.test(k))).toBe(true);
  });
});

describe('dissect: resynchronisation is iterative', () => {
  it('a chunk that forces 20,000 framing errors and resynchronisations decodes without exhausting the stack', () => {
    // Two valid NOTIFYs (enough to resynchronise on), then a header whose size is below 4.
    const notify = Uint8Array.of(0, 8, 0x01, 0xf5, 0, 0, 0x05, 0x39);
    const cycle = concat([notify, notify, Uint8Array.of(0, 0, 0, 0)]);
    const n = 20_000;
    const bytes = new Uint8Array(cycle.length * n);
    for (let k = 0; k < n; k++) bytes.set(cycle, k * cycle.length);
    const s = new MessageStream(link('gossip-api'));
    const out: StreamItem[] = [];
    s.data(0, bytes, 0, out);
    s.end('eof', false, 1, out);
    expect(out.filter((r) => r.kind === 'message')).toHaveLength(2 * n);
    expect(out.filter((r) => r.kind !== 'message').length).toBeGreaterThanOrEqual(n);
    // Every byte is accounted for exactly once.
    const covered = out.reduce((sum, r) => sum + r.size, 0);
    expect(covered).toBe(bytes.length);
  });
});

describe('dissect: a Gnutella handshake that never ends', () => {
  it('is reported as a malformed handshake, not dropped silently', async () => {
    const hs = te.encode('GNUTELLA CONNECT/0.6\r\nUser-Agent: x');
    const frames = new TcpConversation(client, server);
    const pcap = new CaptureBuilder().add(...frames.open(), ...frames.send(0, concat([hs, new Uint8Array(200_000).fill(0x41)]), 1460)).pcap();
    const rs = await dissectBytes(pcap);
    expect(messages(rs)).toEqual([]);
    const bad = notOk(rs);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ kind: 'malformed', proto: 'gnutella-handshake', error: 'limit', offset: 0, dir: 0 });
    expect(bad[0]!.size).toBeGreaterThan(16 * 1024);
    expect((bad[0] as { reason: string }).reason).toMatch(/handshake block longer than 16384 bytes/);
  });
});

describe('dissect: bytes missing inside a Gnutella handshake', () => {
  it('the handshake text seen is one incomplete record; nothing after the gap is guessed', async () => {
    const c = new TcpConversation(client, server);
    const open = c.open();
    const hs = te.encode('GNUTELLA CONNECT/0.6\r\nUser-Agent: abcdefghijklmnopqrstuvwxyz\r\n\r\n');
    const segs = c.send(0, concat([hs, ...gnutella.slice(0, 5)]), 20);
    segs.splice(1, 1); // bytes 20..40 of the CONNECT block are lost
    const rs = await dissectBytes(new CaptureBuilder().add(...open, ...segs, ...c.send(1, te.encode('GNUTELLA/0.6 200 OK\r\n\r\n'))).pcap());
    const dir0 = streamRecords(rs, 0);
    expect(messages(dir0)).toEqual([]);
    expect(dir0).toHaveLength(1);
    expect(dir0[0]).toMatchObject({ kind: 'incomplete', proto: 'gnutella-handshake', offset: 0, size: 20 });
    expect((dir0[0] as { reason: string }).reason).toMatch(/handshake bytes missing at offset 20/);
  });
});

describe('dissect: a Gnutella stream that starts with byte 0x16 (a TLS record type)', () => {
  it('is Gnutella when its first bytes are not a TLS handshake record, whatever the segment sizes', async () => {
    // Found by the handshake property: a ping whose GUID starts with 0x16, sent one byte per
    // segment, was taken for TLS on its first byte and nothing after the handshake was decoded.
    const ping = gnutella.find((m) => m[16] === 0)!.slice();
    ping[0] = 0x16;
    for (const size of [1, 2, 5, 100]) {
      const c = new TcpConversation(client, server);
      const frames = [
        ...c.open(),
        ...c.send(0, te.encode('GNUTELLA CONNECT/0.6\r\n\r\n')),
        ...c.send(1, te.encode('GNUTELLA/0.6 200 OK\r\n\r\n')),
        ...c.send(0, te.encode('GNUTELLA/0.6 200 OK\r\n\r\n')),
        ...c.send(0, concat([ping, ping]), size),
      ];
      const rs = await dissectBytes(new CaptureBuilder().add(...frames).pcap());
      expect(messages(rs).filter((r) => r.proto.proto === 'gnutella').map((r) => r.size), `segments of ${size}`).toEqual([ping.length, ping.length]);
      expect(notOk(rs)).toEqual([]);
    }
  });
});

describe('dissect: a text stream with bytes missing', () => {
  it('reports the unfinished line before the gap and every byte captured after it', async () => {
    // Found by the text-protocol property once it checked that every byte is in a record or a gap.
    const c = new TcpConversation(client, { ip: '10.0.0.2', port: 5000 });
    const open = c.open();
    const lines = te.encode('Liveness Request:1709288400:10.0.0.5\nLiveness Request:1709288401:10.0.0.5\nDead Node:10.0.0.9:5001:1709288402:10.0.0.5\n');
    const segs = c.send(0, lines, 50); // 50 | 50 | 18 bytes; the first line ends at 37
    expect(segs.length).toBe(3);
    const rs = streamRecords(await dissectBytes(new CaptureBuilder().add(...open, segs[0]!, segs[2]!, ...c.close()).pcap(), { map: [['tcp', 5000, 'seedgossip']] }), 0);
    expect(rs.map((r) => [r.kind, r.offset, r.size])).toEqual([
      ['message', 0, 37],
      ['incomplete', 37, 13], // the second line, cut by the gap
      ['incomplete', 50, 50], // the missing bytes
      ['incomplete', 100, 18], // captured after the gap: not decoded, but reported
    ]);
    expect((rs[3] as { reason: string }).reason).toMatch(/18 bytes not decoded: the direction was given up \(50 bytes missing at offset 50/);
    expect(rs[3]!.frames).toEqual([5, 5]); // 3 frames open the connection, then the two segments sent
  });
});

describe('dissect: Gnutella handshake segments out of order', () => {
  it('the handshake record names the earliest and the latest packet that carried it', async () => {
    // Found by the damaged-capture property (a swapped pair of frames gave frames [27, 26]).
    const c = new TcpConversation(client, server);
    const open = c.open();
    const segs = c.send(0, te.encode('GNUTELLA CONNECT/0.6\r\nUser-Agent: abcdefghijklmnopqrstuvwxyz\r\n\r\n'), 20);
    expect(segs.length).toBe(4);
    // Frames after the 3 of the opening: the first segment comes last.
    const rs = await dissectBytes(new CaptureBuilder().add(...open, segs[1]!, segs[2]!, segs[3]!, segs[0]!).pcap());
    const hs = messages(rs).filter((r) => r.dir === 0);
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ proto: { proto: 'gnutella-handshake' }, offset: 0, frames: [4, 7] });
  });
});

describe('dissect: links recognised and not decoded are counted as such', () => {
  const run = async (headers: string, payload: Uint8Array) => {
    const c = new TcpConversation(client, server);
    const frames = [
      ...c.open(),
      ...c.send(0, te.encode(`GNUTELLA CONNECT/0.6\r\n${headers}\r\n`)),
      ...c.send(1, te.encode(`GNUTELLA/0.6 200 OK\r\n${headers}\r\n`)),
      ...c.send(0, te.encode('GNUTELLA/0.6 200 OK\r\n\r\n')),
      ...c.send(0, payload, 100),
    ];
    const d = new MessageDissector();
    for (const ev of readCaptureBytes(new CaptureBuilder().add(...frames).pcap())) await d.push(ev);
    await d.finish();
    return d.counters;
  };

  it('G2 after a Gnutella handshake: its bytes count as not decoded', async () => {
    const g2 = await run('Accept: application/x-gnutella2\r\nContent-Type: application/x-gnutella2\r\n', new Uint8Array(1000).fill(0x42));
    expect(g2.flowsByLabel['tcp g2']).toBe(1);
    expect(g2.undecodedBytes).toBe(1000);
  });

  it('TLS after a Gnutella handshake: its bytes count as not decoded', async () => {
    const tls = new Uint8Array(600).fill(0x17);
    tls.set([0x16, 0x03, 0x01, 0x02, 0x00, 0x01], 0); // a TLS record header (handshake, TLS 1.0, 512 bytes): ClientHello
    const t = await run('Upgrade: TLS/1.0\r\n', tls);
    expect(t.flowsByLabel['tcp tls']).toBe(1);
    expect(t.undecodedBytes).toBe(600);
  });
});
