// Properties of the message dissector on generated streams of each length-framed protocol, cut into random TCP
// segments that are then dropped, retransmitted and reordered at random: it never throws, every
// decoded message is made of the bytes that were sent at that stream offset (nothing invented,
// nothing shifted), records never overlap and every byte received is in one of them (nothing
// dropped silently), nothing before the first missing byte is lost, and an intact stream
// decodes to exactly the messages sent.
import fc from 'fast-check';
import { constants, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { validMessageArb } from '../../fuzz/arbitraries.ts';
import { protocols } from '../../src/codecs/index.gen.ts';
import { TcpConversation } from '../../src/capture/pcap-writer.ts';
import { CaptureBuilder, concat, conversation, dissectBytes, jsonOf, messages, streamRecords, type StreamRecord } from './helpers/dissect-fixtures.ts';

const streamArb = (valid: fc.Arbitrary<Uint8Array>) => fc.record({
  msgs: fc.array(valid, { minLength: 1, maxLength: 12 }),
  cuts: fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 40 }),
  drops: fc.array(fc.nat(), { maxLength: 3 }),
  dups: fc.array(fc.nat(), { maxLength: 3 }),
  swaps: fc.array(fc.nat(), { maxLength: 3 }),
});

type Damage = { cuts: number[]; drops: number[]; dups: number[]; swaps: number[] };

/** Offsets where each message starts in the concatenated stream. */
const startsOf = (msgs: Uint8Array[]): number[] => {
  const starts: number[] = [];
  msgs.reduce((o, m) => (starts.push(o), o + m.length), 0);
  return starts;
};

/**
 * `bytes` sent by the client of `c` from its next sequence number: cut at the given sizes
 * (cycled), each piece its own segment; then segments dropped, duplicated and swapped.
 * Returns the frames to capture and the stream ranges [from, to) that were dropped.
 */
function damagedSegments(c: TcpConversation, bytes: Uint8Array, d: Damage): { frames: Uint8Array[]; lost: Array<[number, number]> } {
  const base = c.nextSeq(0);
  const segs: { from: number; to: number; frame: Uint8Array }[] = [];
  for (let o = 0, k = 0; o < bytes.length; k++) {
    const to = Math.min(bytes.length, o + d.cuts[k % d.cuts.length]!);
    segs.push({ from: o, to, frame: c.segment(0, { ack: true, psh: true }, bytes.subarray(o, to), (base + o) >>> 0) });
    o = to;
  }
  const dropped = new Set(d.drops.map((x) => x % segs.length));
  const sent = segs.filter((_, i) => !dropped.has(i)).map((x) => x.frame);
  for (const x of d.dups) if (sent.length) sent.splice(x % sent.length, 0, sent[x % sent.length]!);
  for (const x of d.swaps) if (sent.length > 1) { const i = x % (sent.length - 1); [sent[i], sent[i + 1]] = [sent[i + 1]!, sent[i]!]; }
  return { frames: sent, lost: [...dropped].map((i) => [segs[i]!.from, segs[i]!.to]) };
}

/** The messages as one client stream to `port` decoded as `proto`, damaged: the client direction's records. */
async function dissectDamaged(msgs: Uint8Array[], damage: Damage, port: number, proto: string) {
  const bytes = concat(msgs);
  const c = new TcpConversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port });
  const open = c.open();
  const { frames, lost } = damagedSegments(c, bytes, damage);
  const rs = streamRecords(await dissectBytes(new CaptureBuilder().add(...open, ...frames).pcap(), { map: [['tcp', port, proto]] }), 0);
  return { bytes, starts: startsOf(msgs), lost, rs };
}

/** Records cover disjoint byte ranges of the stream, and every byte is in a record or in a dropped segment. */
function expectAccounted(bytes: Uint8Array, lost: Array<[number, number]>, rs: StreamRecord[]): void {
  const sorted = [...rs].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.offset).toBeGreaterThanOrEqual(sorted[i - 1]!.offset + sorted[i - 1]!.size);
  const covered = new Uint8Array(bytes.length);
  for (const r of rs) covered.fill(1, r.offset, r.offset + r.size);
  for (const [from, to] of lost) covered.fill(1, from, to);
  const hole = covered.indexOf(0);
  expect(hole, `byte ${hole} of ${bytes.length} in no record: ${JSON.stringify(rs.map((r) => [r.kind, r.offset, r.size]))} dropped ${JSON.stringify(lost)}`).toBe(-1);
}

// Length-framed protocols, each on a port mapped to it (no handshake needed).
const FRAMED = [['gossip-api', 7001], ['gossip-overlay', 6001], ['gossip-pushpull', 6001], ['gnutella', 6346], ['napster', 8888]] as const;

describe('dissect properties (length-framed protocols over TCP)', () => {
  for (const [proto, port] of FRAMED) it(`${proto}: nothing invented or shifted, every byte in one record or a gap, nothing lost before the first gap`, async () => {
    const api = protocols.find((p) => p.proto === proto)!;
    // Valid by the spec and within the link's message size limit (a longer one is a framing error by design).
    const valid = validMessageArb(api)!.arb.map((v) => api.codec.encode(v as never)).filter((m) => m.length <= api.frame!.maxMessageSize);
    await fc.assert(
      fc.asyncProperty(streamArb(valid), async ({ msgs, ...damage }) => {
        const { bytes, starts, lost, rs } = await dissectDamaged(msgs, damage, port, proto);
        const firstMissing = lost.length ? Math.min(...lost.map(([from]) => from)) : bytes.length;
        // Nothing invented or shifted: a decoded message is what the sent bytes at its offset decode to.
        for (const r of messages(rs)) {
          expect(r.offset + r.size).toBeLessThanOrEqual(bytes.length);
          const original = api.codec.decode(bytes.subarray(r.offset, r.offset + r.size), 0);
          expect(original.size).toBe(r.size);
          expect(jsonOf(r)).toEqual(api.codec.toJson(original.value));
        }
        expectAccounted(bytes, lost, rs);
        // Every message that lies wholly before the first missing byte is decoded, at its offset.
        const got = new Set(messages(rs).map((r) => r.offset));
        msgs.forEach((m, i) => { if (starts[i]! + m.length <= firstMissing) expect(got.has(starts[i]!), `message at ${starts[i]} lost`).toBe(true); });
        // An intact stream (whatever the segmentation, duplicates and order): exactly the messages sent.
        if (lost.length === 0) {
          expect(rs.filter((r) => r.kind !== 'message')).toEqual([]);
          expect(messages(rs).map((r) => r.offset)).toEqual(starts);
        }
      }),
      { numRuns: Number(process.env.DISSECT_RUNS ?? 150) },
    );
  });
});

// A capture with every kind of link (gossip API, Gnutella 0.6 with a handshake, plain and
// deflated, Gnutella over UDP), then damaged at random: bytes of any frame overwritten (headers
// included), frames dropped, duplicated and swapped, the file cut short. Whatever the damage,
// the dissector does not throw and every record is well-formed: a range inside its stream, frame
// numbers of the capture in order, and no two records of one stream overlapping.
const api = protocols.find((p) => p.proto === 'gossip-api')!;
const gnutella = protocols.find((p) => p.proto === 'gnutella')!;

function mixedFrames(apiMsgs: Uint8Array[], gnuMsgs: Uint8Array[]): Uint8Array[] {
  const te = new TextEncoder();
  const hs = (deflate: boolean): Array<[0 | 1, Uint8Array, number?]> => [
    [0, te.encode(`GNUTELLA CONNECT/0.6\r\nUser-Agent: t\r\n${deflate ? 'Accept-Encoding: deflate\r\n' : ''}\r\n`)],
    [1, te.encode(`GNUTELLA/0.6 200 OK\r\n${deflate ? 'Accept-Encoding: deflate\r\nContent-Encoding: deflate\r\n' : ''}\r\n`)],
    [0, te.encode(`GNUTELLA/0.6 200 OK\r\n${deflate ? 'Content-Encoding: deflate\r\n' : ''}\r\n`)],
  ];
  const gnu = concat(gnuMsgs);
  const z = (b: Uint8Array) => new Uint8Array(deflateSync(b, { finishFlush: constants.Z_SYNC_FLUSH }));
  const b = new CaptureBuilder();
  b.add(...conversation({ ip: '10.0.0.1', port: 40001 }, { ip: '10.0.0.2', port: 7001 }, [[0, concat(apiMsgs), 30], [1, concat(apiMsgs.slice().reverse()), 50]]));
  b.add(...conversation({ ip: '10.0.0.3', port: 40002 }, { ip: '10.0.0.2', port: 6346 }, [...hs(false), [0, gnu, 40], [1, gnu, 64]]));
  b.add(...conversation({ ip: '10.0.0.4', port: 40003 }, { ip: '10.0.0.2', port: 6346 }, [...hs(true), [0, z(gnu), 30], [1, z(gnu), 25]]));
  for (const m of gnuMsgs.slice(0, 3)) b.udp({ ip: '10.0.0.5', port: 6346 }, { ip: '10.0.0.2', port: 6346 }, m);
  return b.frames;
}

describe('dissect properties (damaged mixed capture)', () => {
  it('never throws; every record is a well-formed range of its stream; records of a stream never overlap', async () => {
    const apiArb = validMessageArb(api)!.arb.map((v) => api.codec.encode(v as never));
    const gnuArb = validMessageArb(gnutella)!.arb.map((v) => gnutella.codec.encode(v as never));
    await fc.assert(
      fc.asyncProperty(
        fc.array(apiArb, { minLength: 1, maxLength: 6 }), fc.array(gnuArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 3 }), fc.nat({ max: 200 }),
        async (apiMsgs, gnuMsgs, flips, drops, dups, swaps, cut) => {
          let frames = mixedFrames(apiMsgs, gnuMsgs).map((f) => f.slice());
          for (const [fi, bi, v] of flips) { const f = frames[fi % frames.length]!; f[bi % f.length] = v; }
          const gone = new Set(drops.map((d) => d % frames.length));
          frames = frames.filter((_, i) => !gone.has(i));
          for (const d of dups) frames.splice(d % frames.length, 0, frames[d % frames.length]!);
          for (const s of swaps) { const i = s % (frames.length - 1); [frames[i], frames[i + 1]] = [frames[i + 1]!, frames[i]!]; }
          const pcap = new CaptureBuilder().add(...frames).pcap();
          const rs = await dissectBytes(pcap.subarray(0, pcap.length - cut));
          const byStream = new Map<string, StreamRecord[]>();
          for (const r of rs) {
            if (r.kind === 'problem') continue;
            expect(Number.isInteger(r.offset) && r.offset >= 0 && Number.isInteger(r.size) && r.size >= 0, `${r.kind} at ${r.offset}+${r.size}`).toBe(true);
            expect(r.frames[0] >= 1 && r.frames[0] <= r.frames[1] && r.frames[1] <= frames.length, `frames ${r.frames}`).toBe(true);
            const k = `${r.transport} ${r.flow} ${r.dir} ${r.compressed === true}`;
            if (r.transport === 'tcp') byStream.set(k, [...(byStream.get(k) ?? []), r]);
          }
          for (const [k, list] of byStream) {
            const sorted = list.filter((r) => r.size > 0).sort((a, b) => a.offset - b.offset);
            for (let i = 1; i < sorted.length; i++) {
              const a = sorted[i - 1]!, b = sorted[i]!;
              expect(b.offset, `${k}: ${a.kind} ${a.offset}+${a.size} overlaps ${b.kind} ${b.offset}+${b.size}`).toBeGreaterThanOrEqual(a.offset + a.size);
            }
          }
        },
      ),
      { numRuns: Number(process.env.DISSECT_RUNS ?? 150) / 3 },
    );
  });
});

// Text protocols (framed by their terminators, not by a length): the same segmentation,
// retransmission and reordering give exactly the messages sent; after a missing segment nothing
// is invented (a text stream cannot resynchronise: the rest is reported, not guessed).
const TEXT = [['seedgossip', 5000], ['p2pdi', 5001]] as const;

describe('dissect properties (text protocols over TCP)', () => {
  for (const [proto, port] of TEXT) it(`${proto}: exact messages when intact, nothing invented after a gap`, async () => {
    const p = protocols.find((x) => x.proto === proto)!;
    // P2P-DI (PROTOCOLS.md section 6): raw bytes follow a message only as the file of a 200
    // response, exactly as many as the `length` in its JSON.
    const fileLength = (v: { command?: string; data?: string }): number => {
      try { return v.command === '200' ? Number((JSON.parse(v.data ?? '') as { length?: unknown }).length) || 0 : 0; } catch { return 0; }
    };
    const consistent = (v: Record<string, unknown>) => (proto === 'p2pdi' ? { ...v, rest: new Uint8Array(fileLength(v)).fill(0x0a) } : v);
    const valid = validMessageArb(p)!.arb.map((v) => p.codec.encode(consistent(v) as never));
    await fc.assert(
      fc.asyncProperty(streamArb(valid), async ({ msgs, ...damage }) => {
        const { bytes, starts, lost, rs } = await dissectDamaged(msgs, damage, port, proto);
        for (const r of messages(rs)) {
          const original = p.codec.decode(bytes.subarray(r.offset, r.offset + r.size), 0);
          expect(jsonOf(r)).toEqual(p.codec.toJson(original.value));
        }
        // As for the framed protocols: records are disjoint, every byte is in a record or a
        // dropped segment, and every message wholly before the first missing byte is decoded.
        expectAccounted(bytes, lost, rs);
        const firstMissing = lost.length ? Math.min(...lost.map(([from]) => from)) : bytes.length;
        const got = new Set(messages(rs).map((r) => r.offset));
        msgs.forEach((m, i) => { if (starts[i]! + m.length <= firstMissing) expect(got.has(starts[i]!), `message at ${starts[i]} lost`).toBe(true); });
        if (lost.length === 0) {
          expect(rs.filter((r) => r.kind !== 'message').map((r) => (r as { reason?: string }).reason)).toEqual([]);
          expect(messages(rs).map((r) => r.offset)).toEqual(starts);
          expect(messages(rs).map((r) => jsonOf(r))).toEqual(msgs.map((m) => p.codec.toJson(p.codec.decode(m, 0).value)));
        }
      }),
      { numRuns: Number(process.env.DISSECT_RUNS ?? 150) / 3 },
    );
  });
});

// Gnutella 0.6 with deflate negotiated: the compressed stream cut at random, segments dropped,
// retransmitted and reordered. Messages are reported at their offsets in the inflated stream and
// are exactly the ones sent; nothing after a gap in the compressed bytes is guessed.
describe('dissect properties (deflated Gnutella)', () => {
  it('inflated messages are exactly the sent ones at their offsets; intact streams decode completely', async () => {
    const valid = validMessageArb(gnutella)!.arb.map((v) => gnutella.codec.encode(v as never));
    const te = new TextEncoder();
    await fc.assert(
      fc.asyncProperty(streamArb(valid), async ({ msgs, ...damage }) => {
        const plain = concat(msgs);
        const starts = startsOf(msgs);
        const z = new Uint8Array(deflateSync(plain, { finishFlush: constants.Z_SYNC_FLUSH }));
        const c = new TcpConversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 6346 });
        const head = [
          ...c.open(),
          ...c.send(0, te.encode('GNUTELLA CONNECT/0.6\r\nAccept-Encoding: deflate\r\n\r\n')),
          ...c.send(1, te.encode('GNUTELLA/0.6 200 OK\r\nAccept-Encoding: deflate\r\nContent-Encoding: deflate\r\n\r\n')),
          ...c.send(0, te.encode('GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n')),
        ];
        const { frames, lost } = damagedSegments(c, z, damage);
        const rs = streamRecords(await dissectBytes(new CaptureBuilder().add(...head, ...frames).pcap()), 0).filter((r) => r.compressed === true);
        for (const r of messages(rs)) {
          expect(starts).toContain(r.offset);
          const original = gnutella.codec.decode(plain.subarray(r.offset, r.offset + r.size), 0);
          expect(original.size).toBe(r.size);
          expect(jsonOf(r)).toEqual(gnutella.codec.toJson(original.value));
        }
        if (lost.length === 0) {
          expect(rs.filter((r) => r.kind !== 'message').map((r) => (r as { reason?: string }).reason)).toEqual([]);
          expect(messages(rs).map((r) => r.offset)).toEqual(starts);
        }
      }),
      { numRuns: Number(process.env.DISSECT_RUNS ?? 150) / 3 },
    );
  });
});

// Gnutella 0.6 found by its handshake (no port map), the handshake and the messages that follow
// cut into segments anywhere (inside header lines too), retransmitted and reordered: the three
// handshake blocks and every message come out exactly.
describe('dissect properties (Gnutella handshake, any segmentation)', () => {
  it('handshake blocks and messages are exact whatever the segment boundaries', async () => {
    const valid = validMessageArb(gnutella)!.arb.map((v) => gnutella.codec.encode(v as never));
    const te = new TextEncoder();
    const connect = te.encode('GNUTELLA CONNECT/0.6\r\nUser-Agent: t\r\nX-Ultrapeer: False\r\n\r\n');
    const ok = te.encode('GNUTELLA/0.6 200 OK\r\n\r\n');
    await fc.assert(
      fc.asyncProperty(streamArb(valid), async ({ msgs, cuts, dups, swaps }) => {
        const c = new TcpConversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 23456 });
        const open = c.open();
        const first = damagedSegments(c, connect, { cuts, drops: [], dups, swaps }).frames;
        c.advance(0, connect.length);
        const answer = c.send(1, ok);
        const rest = concat([ok, ...msgs]);
        const then = damagedSegments(c, rest, { cuts, drops: [], dups, swaps }).frames;
        const rs = streamRecords(await dissectBytes(new CaptureBuilder().add(...open, ...first, ...answer, ...then).pcap()), 0);
        expect(rs.filter((r) => r.kind !== 'message').map((r) => (r as { reason?: string }).reason)).toEqual([]);
        const ms = messages(rs);
        expect(ms.map((r) => r.proto.proto)).toEqual(['gnutella-handshake', 'gnutella-handshake', ...msgs.map(() => 'gnutella')]);
        const base = connect.length + ok.length;
        expect(ms.slice(2).map((r) => r.offset)).toEqual(startsOf(msgs).map((o) => o + base));
        expect(ms.slice(2).map((r) => jsonOf(r))).toEqual(msgs.map((m) => gnutella.codec.toJson(gnutella.codec.decode(m, 0).value)));
      }),
      { numRuns: Number(process.env.DISSECT_RUNS ?? 150) / 3 },
    );
  });
});

// Datagram protocols: one message per datagram. Valid datagrams decode exactly, in capture order;
// a datagram cut short or with bytes appended is reported (malformed), never decoded into
// something that was not sent.
const DATAGRAM = [['gnutella', 6346], ['gossip-overlay', 6001]] as const;

describe('dissect properties (UDP)', () => {
  for (const [proto, port] of DATAGRAM) it(`${proto}: each datagram is its message, or reported`, async () => {
    const p = protocols.find((x) => x.proto === proto)!;
    const valid = validMessageArb(p)!.arb.map((v) => p.codec.encode(v as never));
    const edit = fc.oneof(fc.constant({ kind: 'none' as const }), fc.nat().map((n) => ({ kind: 'cut' as const, n })), fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => ({ kind: 'append' as const, b })));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(valid, edit), { minLength: 1, maxLength: 10 }), async (items) => {
        const b = new CaptureBuilder();
        const sent = items.map(([m, e]) => (e.kind === 'cut' ? m.subarray(0, e.n % m.length) : e.kind === 'append' ? concat([m, e.b]) : m));
        for (const d of sent) b.udp({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port }, d);
        const rs = streamRecords(await dissectBytes(b.pcap(), { map: [['udp', port, proto]] }));
        for (const r of rs) expect(r.frames[0]).toBe(r.frames[1]);
        items.forEach(([m, e], i) => {
          const mine = rs.filter((r) => r.frames[0] === i + 1);
          const ms = messages(mine);
          if (e.kind === 'cut') {
            // Some truncations still decode (a shorter valid message): then it is exactly those bytes.
            for (const r of ms) expect(jsonOf(r)).toEqual(p.codec.toJson(p.codec.decode(sent[i]!, 0).value));
            if (!ms.length) expect(mine.length, `datagram ${i + 1} cut to ${sent[i]!.length} bytes: not reported`).toBeGreaterThan(0);
          } else {
            expect(ms.map((r) => jsonOf(r))).toEqual([p.codec.toJson(p.codec.decode(m, 0).value)]);
            expect(mine.filter((r) => r.kind !== 'message').length).toBe(e.kind === 'append' ? 1 : 0);
          }
        });
      }),
      { numRuns: Number(process.env.DISSECT_RUNS ?? 150) / 3 },
    );
  });
});
