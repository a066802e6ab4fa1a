import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { deflateSync } from 'node:zlib';
import { CaptureDissector, dissect, type DissectEvent } from '../../src/capture/dissector.ts';
import { readCaptureBytes, readCaptureChunks } from '../../src/capture/capture-reader.ts';
import { FlowTable, type FlowEvent } from '../../src/capture/flow-table.ts';
import { codecLayers } from '../../src/capture/layers.ts';
import { PcapWriter, TcpConversation, exchangeToPcapng, tcpSegment, ipFrame, IPPROTO_TCP } from '../../src/capture/pcap-writer.ts';

const te = new TextEncoder();

async function all(bytes: Uint8Array, o = {}): Promise<DissectEvent[]> {
  const out: DissectEvent[] = [];
  for await (const e of dissect(readCaptureBytes(bytes), o)) out.push(e);
  return out;
}

function tcpOf(frame: Uint8Array) {
  const l = codecLayers.link(1, frame);
  const ip = codecLayers.ipv4(l.payload);
  return { src: ip.src, dst: ip.dst, t: codecLayers.tcp(ip.payload) };
}

describe('FlowTable', () => {
  it('ends both directions on RST and starts a new flow when the 4-tuple is reused', () => {
    const ft = new FlowTable();
    const ev: FlowEvent[] = [];
    const feed = (frames: Uint8Array[]) => frames.forEach((f) => { const { src, dst, t } = tcpOf(f); ev.push(...ft.tcp(ev.length, src, dst, t)); });
    const a = new TcpConversation({ ip: '10.0.0.1', port: 1000 }, { ip: '10.0.0.2', port: 80 }, [100, 200]);
    feed([...a.open(), ...a.send(0, te.encode('hello')), a.segment(1, { rst: true, ack: true })]);
    const ends = ev.filter((e) => e.kind === 'stream' && e.event.kind === 'end');
    expect(ends.map((e) => e.kind === 'stream' && [e.dir, e.event.kind === 'end' && e.event.reason])).toEqual([[1, 'rst'], [0, 'rst']]);
    const b = new TcpConversation({ ip: '10.0.0.1', port: 1000 }, { ip: '10.0.0.2', port: 80 }, [9000, 9500]);
    feed([...b.open(), ...b.send(1, te.encode('again'))]);
    const opens = ev.filter((e) => e.kind === 'open');
    expect(opens.map((e) => e.flow.id)).toEqual([0, 1]);
    expect(opens[1]!.flow.client).toEqual({ ip: '10.0.0.1', port: 1000 });
    const data = ev.filter((e) => e.kind === 'stream' && e.flow.id === 1 && e.event.kind === 'data');
    expect(data.map((e) => e.kind === 'stream' && e.dir)).toEqual([1]);
  });

  it('orients a flow seen from its SYN-ACK, and ignores stray ACKs of unknown flows', () => {
    const ft = new FlowTable();
    const a = new TcpConversation({ ip: '10.0.0.1', port: 1000 }, { ip: '10.0.0.2', port: 80 });
    const [, synAck, ack] = a.open();
    let r = tcpOf(ack!);
    expect(ft.tcp(0, r.src, r.dst, r.t)).toEqual([]);
    r = tcpOf(synAck!);
    const ev = ft.tcp(1, r.src, r.dst, r.t);
    expect(ev[0]).toMatchObject({ kind: 'open', flow: { client: { ip: '10.0.0.1', port: 1000 }, server: { ip: '10.0.0.2', port: 80 } } });
  });

  it('bounds the number of flows', () => {
    const ft = new FlowTable({ maxFlows: 3 });
    for (let i = 0; i < 10; i++) {
      const c = new TcpConversation({ ip: '10.0.0.1', port: 2000 + i }, { ip: '10.0.0.2', port: 80 });
      const { src, dst, t } = tcpOf(c.open()[0]!);
      ft.tcp(i, src, dst, t);
    }
    expect(ft.size).toBe(3);
  });
});

describe('exchangeToPcapng', () => {
  it('writes an exchange that reads back as the same two streams', async () => {
    const msgs = [
      { dir: 0 as const, bytes: te.encode('GNUTELLA CONNECT/0.6\r\n\r\n'), comment: 'step 1' },
      { dir: 1 as const, bytes: te.encode('GNUTELLA/0.6 200 OK\r\n\r\n') },
      { dir: 0 as const, bytes: te.encode('GNUTELLA/0.6 200 OK\r\n\r\n') },
      { dir: 0 as const, bytes: new Uint8Array(5000).fill(3) },
    ];
    const file = exchangeToPcapng(msgs, { startNs: 1_000_000_000n, mss: 1000 });
    const evs = await all(file, { flowEvents: true });
    const streams: number[][] = [[], []];
    for (const e of evs) if (e.kind === 'flow' && e.event.kind === 'stream' && e.event.event.kind === 'data') streams[e.event.dir]!.push(...e.event.event.bytes);
    expect(Uint8Array.from(streams[0]!)).toEqual(Uint8Array.from([...msgs[0]!.bytes, ...msgs[2]!.bytes, ...msgs[3]!.bytes]));
    expect(Uint8Array.from(streams[1]!)).toEqual(msgs[1]!.bytes);
    expect(evs.filter((e) => e.kind === 'gnutella' && e.event.kind === 'handshake')).toHaveLength(1);
  });
});

describe('dissector on hostile captures', () => {
  // A capture with a deflated Gnutella link, then random byte corruption of its frames.
  const c = new TcpConversation({ ip: '10.0.0.2', port: 50000 }, { ip: '10.0.0.9', port: 6346 });
  const frames = [
    ...c.open(),
    ...c.send(0, te.encode('GNUTELLA CONNECT/0.6\r\nAccept-Encoding: deflate\r\n\r\n')),
    ...c.send(1, te.encode('GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n')),
    ...c.send(0, te.encode('GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n')),
    ...c.send(0, deflateSync(new Uint8Array(4000).fill(0x41)), 200),
    ...c.send(1, deflateSync(new Uint8Array(3000).fill(0x42)), 200),
    ...c.close(),
  ];

  it('property: corrupted frames, reordering and truncation never throw', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      fc.nat(),
      async (flips, swaps, cut) => {
        const fs = frames.map((f) => f.slice());
        for (const [fi, bi, v] of flips) { const f = fs[fi % fs.length]!; f[bi % f.length] = v; }
        for (const s of swaps) { const i = s % (fs.length - 1); [fs[i], fs[i + 1]] = [fs[i + 1]!, fs[i]!]; }
        const w = new PcapWriter();
        fs.forEach((f, i) => w.packet({ timestampNs: BigInt(i), data: f }));
        const bytes = w.toBytes();
        const evs = await all(bytes.subarray(0, bytes.length - (cut % 50)));
        expect(Array.isArray(evs)).toBe(true);
      },
    ), { numRuns: 60 });
  });

  it('a wild sequence number does not allocate or hang', async () => {
    const d = new CaptureDissector({ flowEvents: true });
    const w = new PcapWriter();
    const conv = new TcpConversation({ ip: '1.1.1.1', port: 1 }, { ip: '2.2.2.2', port: 2 });
    for (const f of conv.open()) w.packet({ timestampNs: 0n, data: f });
    const far = ipFrame('1.1.1.1', '2.2.2.2', IPPROTO_TCP, tcpSegment({ src: '1.1.1.1', dst: '2.2.2.2', srcPort: 1, dstPort: 2, seq: (conv.nextSeq(0) + 0x7fff0000) >>> 0, flags: { ack: true }, payload: Uint8Array.of(1) }));
    w.packet({ timestampNs: 1n, data: far });
    const out: DissectEvent[] = [];
    for await (const ev of readCaptureChunks([w.toBytes()])) out.push(...await d.push(ev));
    out.push(...await d.finish());
    const gap = out.find((e) => e.kind === 'flow' && e.event.kind === 'stream' && e.event.event.kind === 'gap');
    expect(gap).toMatchObject({ event: { dir: 0, event: { kind: 'gap', offset: 0, length: 0x7fff0000 } } });
  });
});
