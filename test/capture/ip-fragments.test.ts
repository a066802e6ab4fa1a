import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FragmentReassembler } from '../../src/capture/ip-fragments.ts';
import { CaptureDissector, type DissectEvent } from '../../src/capture/dissector.ts';
import { readCaptureBytes } from '../../src/capture/capture-reader.ts';
import {
  PcapWriter, ethernetFrame, fragmentIpv4, ipv6Packet, udpDatagram, ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_UDP,
} from '../../src/capture/pcap-writer.ts';

const data = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

async function run(frames: Uint8Array[], opts = {}): Promise<DissectEvent[]> {
  const w = new PcapWriter();
  frames.forEach((f, i) => w.packet({ timestampNs: BigInt(i) * 1000n, data: f }));
  const d = new CaptureDissector(opts);
  const out: DissectEvent[] = [];
  for (const ev of readCaptureBytes(w.toBytes())) out.push(...await d.push(ev));
  return [...out, ...await d.finish()];
}

function udpFragments(payload: Uint8Array, size: number, id = 0x1234): Uint8Array[] {
  const u = udpDatagram({ src: '10.1.1.1', dst: '10.2.2.2', srcPort: 4000, dstPort: 6346, payload });
  return fragmentIpv4({ src: '10.1.1.1', dst: '10.2.2.2', protocol: IPPROTO_UDP, identification: id, payload: u }, size)
    .map((p) => ethernetFrame({ etherType: ETHERTYPE_IPV4, payload: p }));
}

describe('FragmentReassembler', () => {
  it('property: any order with duplicates reassembles the datagram', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 60 }), fc.array(fc.nat(), { maxLength: 5 }), fc.infiniteStream(fc.nat()),
      (len, step8, dups, order) => {
        const payload = data(len);
        const step = step8 * 8;
        const frags: Array<[number, boolean, Uint8Array]> = [];
        for (let off = 0; off < len; off += step) frags.push([off, off + step < len, payload.subarray(off, off + step)]);
        for (const d of dups) frags.push(frags[d % frags.length]!);
        const it = order[Symbol.iterator]();
        const shuffled = frags.map((f) => ({ f, k: it.next().value as number })).sort((a, b) => a.k - b.k).map((x) => x.f);
        const r = new FragmentReassembler();
        const results = shuffled.map(([off, more, b], i) => r.add('k', off, more, b, i));
        const done = results.filter((x) => x.kind === 'complete');
        expect(done.length).toBeGreaterThanOrEqual(1);
        expect(done[0]!.kind === 'complete' && done[0]!.payload).toEqual(payload);
      }), { numRuns: 200 });
  });

  it('reports conflicting overlaps, keeps the first copy, rejects oversize and bad lengths', () => {
    const r = new FragmentReassembler();
    expect(r.add('a', 0, true, new Uint8Array(16).fill(1), 0).kind).toBe('pending');
    const res = r.add('a', 8, false, new Uint8Array(16).fill(2), 1);
    expect(res.kind).toBe('complete');
    if (res.kind === 'complete') {
      expect(res.conflict).toBe(true);
      expect(Array.from(res.payload)).toEqual([...new Array(16).fill(1), ...new Array(8).fill(2)]);
    }
    expect(r.add('b', 65530, false, new Uint8Array(16), 2)).toMatchObject({ kind: 'invalid' });
    expect(r.add('c', 0, true, new Uint8Array(5), 3)).toMatchObject({ kind: 'invalid' });
  });

  it('times out by packet count and bounds the datagrams held', () => {
    const r = new FragmentReassembler({ timeoutPackets: 10, maxDatagrams: 2 });
    r.add('x', 0, true, new Uint8Array(8), 0);
    r.add('y', 0, true, new Uint8Array(8), 1);
    r.add('z', 0, true, new Uint8Array(8), 2); // evicts x
    expect(r.takeDropped()).toMatchObject([{ key: 'x', reason: 'evicted' }]);
    r.expire(50);
    expect(r.takeDropped().map((d) => d.key)).toEqual(['y', 'z']);
    expect(r.size).toBe(0);
  });
});

describe('dissector: IP fragments', () => {
  it('reassembles an IPv4-fragmented UDP datagram delivered out of order', async () => {
    const payload = data(3000);
    const frames = udpFragments(payload, 1480);
    expect(frames).toHaveLength(3);
    const evs = await run([frames[2]!, frames[0]!, frames[0]!, frames[1]!]);
    const udp = evs.filter((e) => e.kind === 'udp');
    expect(udp).toHaveLength(1);
    expect(udp[0]).toMatchObject({ src: '10.1.1.1', dst: '10.2.2.2', srcPort: 4000, dstPort: 6346, packetIndex: 3 });
    expect(udp[0]!.kind === 'udp' && udp[0]!.payload).toEqual(payload);
  });

  it('reports a datagram with a missing fragment when it times out or the capture ends', async () => {
    const frames = udpFragments(data(3000), 1480);
    const evs = await run([frames[0]!, frames[2]!]);
    expect(evs.filter((e) => e.kind === 'udp')).toHaveLength(0);
    expect(evs.filter((e) => e.kind === 'packet-problem' && e.layer === 'fragments')).toHaveLength(1);
    const filler = ethernetFrame({ etherType: 0x0806, payload: new Uint8Array(28) });
    const evs2 = await run([frames[0]!, ...new Array(20).fill(filler), frames[1]!, frames[2]!], { fragments: { timeoutPackets: 10 } });
    expect(evs2.filter((e) => e.kind === 'udp')).toHaveLength(0);
    expect(evs2.find((e) => e.kind === 'packet-problem')).toMatchObject({ layer: 'fragments', packetIndex: 0 });
  });

  it('reassembles IPv6 fragments (with a hop-by-hop header before the fragment header)', async () => {
    const payload = data(2000);
    const u = udpDatagram({ src: '2001:db8::1', dst: '2001:db8::2', srcPort: 5, dstPort: 6, payload });
    const frames = [0, 1].map((i) => {
      const part = i === 0 ? u.subarray(0, 1232) : u.subarray(1232);
      const fh = Uint8Array.of(0, 0, 0, 0, 0, 0);
      new DataView(fh.buffer).setUint16(0, (i === 0 ? 0 : 1232) | (i === 0 ? 1 : 0));
      new DataView(fh.buffer).setUint32(2, 0xabcdef);
      return ethernetFrame({ etherType: ETHERTYPE_IPV6, payload: ipv6Packet({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: IPPROTO_UDP, payload: part, extensionHeaders: [[0, new Uint8Array(6)], [44, fh]] }) });
    });
    const evs = await run([frames[1]!, frames[0]!]);
    const udp = evs.filter((e) => e.kind === 'udp');
    expect(udp).toHaveLength(1);
    expect(udp[0]!.kind === 'udp' && udp[0]!.payload).toEqual(payload);
  });

  it('reports undecodable packets with the layer and frame offset, and goes on', async () => {
    const good = udpFragments(data(10), 1480)[0]!;
    const badIhl = good.slice(); badIhl[14] = 0x43; // IHL 3
    const short = good.subarray(0, 20);
    const evs = await run([badIhl, short, good]);
    expect(evs.filter((e) => e.kind === 'packet-problem')).toMatchObject([
      { packetIndex: 0, layer: 'ipv4', offset: 14 },
      { packetIndex: 1, layer: 'ipv4', offset: 20 }, // the field that ran out: identification at IPv4 byte 6
    ]);
    expect(evs.filter((e) => e.kind === 'udp')).toHaveLength(1);
  });
});
