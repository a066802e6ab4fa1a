// Properties of the message dissector on generated streams of each length-framed protocol, cut into random TCP
// segments that are then dropped, retransmitted and reordered at random: it never throws, every
// decoded message is made of the bytes that were sent at that stream offset (nothing invented,
// nothing shifted), records never overlap and every byte received is in one of them (nothing
// dropped silently), nothing before the first missing byte is lost, and an intact stream
// decodes to exactly the messages sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validMessageArb } from '../../fuzz/arbitraries.ts';
import { protocols } from '../../src/codecs/index.gen.ts';
import { TcpConversation } from '../../src/capture/pcap-writer.ts';
import type { DissectRecord } from '../../src/capture/messages.ts';
import { CaptureBuilder, concat, dissectBytes, jsonOf, messages } from './helpers/dissect-fixtures.ts';

const streamArb = (valid: fc.Arbitrary<Uint8Array>) => fc.record({
  msgs: fc.array(valid, { minLength: 1, maxLength: 12 }),
  cuts: fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 40 }),
  drops: fc.array(fc.nat(), { maxLength: 3 }),
  dups: fc.array(fc.nat(), { maxLength: 3 }),
  swaps: fc.array(fc.nat(), { maxLength: 3 }),
});

type Ranged = Exclude<DissectRecord, { kind: 'problem' }>;

// Length-framed protocols, each on a port mapped to it (no handshake needed).
const FRAMED = [['gossip-api', 7001], ['gossip-overlay', 6001], ['gossip-pushpull', 6001], ['gnutella', 6346], ['napster', 8888]] as const;

describe('dissect properties (length-framed protocols over TCP)', () => {
  for (const [proto, port] of FRAMED) it(`${proto}: nothing invented or shifted, every byte in one record or a gap, nothing lost before the first gap`, async () => {
    const api = protocols.find((p) => p.proto === proto)!;
    const valid = validMessageArb(api)!.arb.map((v) => api.codec.encode(v as never));
    await fc.assert(
      fc.asyncProperty(streamArb(valid), async ({ msgs, cuts, drops, dups, swaps }) => {
        const bytes = concat(msgs);
        const starts: number[] = [];
        msgs.reduce((o, m) => (starts.push(o), o + m.length), 0);
        // Segments: the stream cut at the given sizes (cycled), each sent at its own sequence number.
        const c = new TcpConversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port });
        const open = c.open();
        const base = c.nextSeq(0);
        const segs: { from: number; to: number; frame: Uint8Array }[] = [];
        for (let o = 0, k = 0; o < bytes.length; k++) {
          const to = Math.min(bytes.length, o + cuts[k % cuts.length]!);
          segs.push({ from: o, to, frame: c.segment(0, { ack: true, psh: true }, bytes.subarray(o, to), (base + o) >>> 0) });
          o = to;
        }
        const dropped = new Set(drops.map((d) => d % segs.length));
        let sent = segs.filter((_, i) => !dropped.has(i));
        for (const d of dups) if (sent.length) sent.splice(d % sent.length, 0, sent[d % sent.length]!);
        for (const s of swaps) if (sent.length > 1) { const i = s % (sent.length - 1); [sent[i], sent[i + 1]] = [sent[i + 1]!, sent[i]!]; }
        const firstMissing = dropped.size ? Math.min(...[...dropped].map((i) => segs[i]!.from)) : bytes.length;
        const pcap = new CaptureBuilder().add(...open, ...sent.map((s) => s.frame)).pcap();

        const rs = (await dissectBytes(pcap, { map: [['tcp', port, proto]] })).filter((r): r is Ranged => r.kind !== 'problem' && r.dir === 0);
        // Nothing invented or shifted: a decoded message is what the sent bytes at its offset decode to.
        for (const r of messages(rs)) {
          expect(r.offset + r.size).toBeLessThanOrEqual(bytes.length);
          const original = api.codec.decode(bytes.subarray(r.offset, r.offset + r.size), 0);
          expect(original.size).toBe(r.size);
          expect(jsonOf(r)).toEqual(api.codec.toJson(original.value));
        }
        // Records cover disjoint byte ranges of the stream.
        const sorted = [...rs].sort((a, b) => a.offset - b.offset);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.offset).toBeGreaterThanOrEqual(sorted[i - 1]!.offset + sorted[i - 1]!.size);
        // Coverage: every byte is in a record or in a dropped segment.
        const covered = new Uint8Array(bytes.length);
        for (const r of rs) covered.fill(1, r.offset, r.offset + r.size);
        for (const i of dropped) covered.fill(1, segs[i]!.from, segs[i]!.to);
        const hole = covered.indexOf(0);
        expect(hole, `byte ${hole} of ${bytes.length} in no record: ${JSON.stringify(rs.map((r) => [r.kind, r.offset, r.size]))} dropped ${JSON.stringify([...dropped].map((i) => [segs[i]!.from, segs[i]!.to]))}`).toBe(-1);
        // Every message that lies wholly before the first missing byte is decoded, at its offset.
        const got = new Set(messages(rs).map((r) => r.offset));
        msgs.forEach((m, i) => { if (starts[i]! + m.length <= firstMissing) expect(got.has(starts[i]!), `message at ${starts[i]} lost`).toBe(true); });
        // An intact stream (whatever the segmentation, duplicates and order): exactly the messages sent.
        if (dropped.size === 0) {
          expect(rs.filter((r) => r.kind !== 'message')).toEqual([]);
          expect(messages(rs).map((r) => r.offset)).toEqual(starts);
        }
      }),
      { numRuns: Number(process.env.DISSECT_RUNS ?? 150) },
    );
  });
});
