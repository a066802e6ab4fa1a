// The .ksy specs compile with the official Kaitai compiler, and the codec-backed layers in
// src/capture/layers.ts agree with what Kaitai decodes from the same specs.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { captureSpecs, compileSpec, loadKaitai, kaitaiStream, SPEC_DIR } from './helpers/ksc.ts';
import fc from 'fast-check';
import { codecLayers as L, LayerError } from '../../src/capture/layers.ts';
import { decodePcap } from '../../src/codecs/capture/pcap.gen.ts';
import { decodePcapng } from '../../src/codecs/capture/pcapng.gen.ts';
import {
  ethernetFrame, ipv4Packet, ipv6Packet, tcpSegment, udpDatagram, PcapWriter, PcapngWriter, LINKTYPE_RAW,
} from '../../src/capture/pcap-writer.ts';

const K: Record<string, any> = {};
const decode = (name: string, bytes: Uint8Array) => new K[name]!(kaitaiStream(bytes));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

beforeAll(async () => {
  for (const f of captureSpecs()) K[f.replace('.ksy', '')] = await loadKaitai(f);
}, 60_000);

describe('spec/capture/*.ksy', () => {
  it('all compile with kaitai-struct-compiler 0.11 and follow the conventions', async () => {
    expect(captureSpecs().length).toBeGreaterThanOrEqual(10);
    for (const f of captureSpecs()) {
      await expect(compileSpec(f), f).resolves.toBeTypeOf('object');
      const y = YAML.parse(readFileSync(join(SPEC_DIR, f), 'utf8'));
      expect(y.meta.endian, f).toBeDefined();
      expect(y.meta['-peerwire']?.layer, f).toBe('capture');
      const types: Array<[string, any]> = [[y.meta.id, y], ...Object.entries<any>(y.types ?? {})];
      for (const [name, t] of types) {
        expect(t.doc, `${f} ${name}`).toBeTruthy();
        for (const a of [...(t.seq ?? []), ...Object.values<any>(t.instances ?? {})]) expect(a.doc, `${f} ${name}.${a.id ?? ''}`).toBeTruthy();
      }
    }
  });
});

describe('codec-backed layers match Kaitai on the same specs', () => {
  const payload = Uint8Array.from({ length: 33 }, (_, i) => i);

  it('Ethernet with QinQ tags', () => {
    const ip = ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, payload });
    const f = ethernetFrame({ etherType: 0x0800, vlanIds: [100, 200], tpid: 0x88a8, payload: ip });
    const k = decode('ethernet', f);
    const m = L.link(1, f);
    expect(k.etherType).toBe(0x88a8);
    expect([k.body.vlanId, k.body.body.vlanId]).toEqual(m.vlanIds);
    expect(k.body.body.etherType).toBe(m.etherType);
    expect(hex(k.body.body.body)).toBe(hex(m.payload));
  });

  it('IPv4 with options, link padding and truncation', () => {
    const opts = Uint8Array.of(1, 1, 0x44, 8, 5, 0, 0, 0, 0, 0, 0, 0);
    const p = ipv4Packet({ src: '192.168.1.2', dst: '10.9.8.7', protocol: 6, payload, identification: 4660, moreFragments: true, fragmentOffset: 64, options: opts });
    const padded = new Uint8Array(p.length + 6); padded.set(p);
    for (const bytes of [padded, p.subarray(0, p.length - 10)]) {
      const k = decode('ipv4', bytes);
      const m = L.ipv4(bytes);
      expect([k.ihl * 4, k.totalLength, k.identification, k.moreFragments, k.fragmentOffset * 8, k.protocol, k.isTruncated])
        .toEqual([m.headerLength, m.totalLength, m.identification, m.moreFragments, m.fragmentOffset, m.protocol, m.truncated]);
      expect([hex(k.srcAddr), hex(k.dstAddr), hex(k.body)]).toEqual([hex(m.src), hex(m.dst), hex(m.payload)]);
      // Options stay raw in the packet; the spec's `options` type parses them on demand.
      expect(new K.tlv_options!(kaitaiStream(k.options)).entries.map((o: any) => o.kind)).toEqual([1, 1, 0x44, 0]);
    }
    expect(() => L.ipv4(p.subarray(0, 25))).toThrow(/ipv4 at byte 20: ipv4.options/);
  });

  it('IPv6 with hop-by-hop, destination options and a fragment header', () => {
    const p = ipv6Packet({
      src: '2001:db8::1', dst: 'fe80::2', nextHeader: 6, payload,
      extensionHeaders: [[0, new Uint8Array(6)], [60, new Uint8Array(14)], [44, Uint8Array.of(0, 8, 0, 0, 0x12, 0x34)]],
    });
    const k = decode('ipv6', p);
    const m = L.ipv6(p);
    const hbh = k.payload.header;
    const dst = hbh.next.header;
    const frag = dst.next.header;
    expect([k.nextHeader, hbh.nextHeader, dst.nextHeader, frag.nextHeader]).toEqual([0, 60, 44, 6]);
    expect(m.fragment).toEqual({ offset: frag.fragmentOffset * 8, more: frag.moreFragments, identification: frag.identification, nextHeader: 6 });
    expect(hex(frag.fragmentData)).toBe(hex(m.payload));
    expect(hex(k.srcAddr)).toBe(hex(m.src));
    const plain = ipv6Packet({ src: '::1', dst: '::2', nextHeader: 17, payload });
    expect(hex(decode('ipv6', plain).payload.header)).toBe(hex(L.ipv6(plain).payload));
  });

  it('TCP with options', () => {
    const opts = Uint8Array.of(2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2);
    const t = tcpSegment({ src: '1.2.3.4', dst: '5.6.7.8', srcPort: 6346, dstPort: 50000, seq: 0xfffffff0, ack: 77, flags: { syn: true, ack: true, ece: true }, options: opts, payload });
    const k = decode('tcp', t);
    const m = L.tcp(t);
    expect([k.srcPort, k.dstPort, k.seqNum, k.ackNum, k.dataOffset * 4, k.window]).toEqual([m.srcPort, m.dstPort, m.seq, m.ack, m.headerLength, m.window]);
    expect({ cwr: k.cwr, ece: k.ece, urg: k.urg, ack: k.ack, psh: k.psh, rst: k.rst, syn: k.syn, fin: k.fin }).toEqual(m.flags);
    expect(new K.tlv_options!(kaitaiStream(k.options)).entries.map((o: any) => o.kind)).toEqual([2, 1, 3, 4, 8]);
    expect(hex(k.body)).toBe(hex(m.payload));
  });

  it('UDP, also truncated', () => {
    const u = udpDatagram({ src: '1.2.3.4', dst: '5.6.7.8', srcPort: 1, dstPort: 2, payload });
    for (const b of [u, u.subarray(0, 20)]) {
      const k = decode('udp', b);
      const m = L.udp(b);
      expect([k.srcPort, k.dstPort, k.length, hex(k.body), k.isTruncated]).toEqual([m.srcPort, m.dstPort, m.length, hex(m.payload), m.truncated]);
    }
  });

  it('Linux SLL, SLL2 and BSD loopback', () => {
    const ip = ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, payload });
    const sll = new Uint8Array(16 + ip.length); sll.set([0, 4, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00]); sll.set(ip, 16);
    const sll2 = new Uint8Array(20 + ip.length); sll2.set([0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 4, 6]); sll2.set(ip, 20);
    expect(decode('linux_sll', sll).protocol).toBe(L.link(113, sll).etherType);
    expect(hex(decode('linux_sll', sll).body)).toBe(hex(L.link(113, sll).payload));
    expect(decode('linux_sll2', sll2).protocol).toBe(L.link(276, sll2).etherType);
    expect(hex(decode('linux_sll2', sll2).body)).toBe(hex(L.link(276, sll2).payload));
    for (const fam of [[2, 0, 0, 0], [0, 0, 0, 2], [30, 0, 0, 0], [0, 0, 0, 24]]) {
      const f = new Uint8Array(4 + ip.length); f.set(fam); f.set(ip, 4);
      const k = decode('null_loopback', f);
      const m = L.link(0, f);
      expect(m.etherType).toBe(k.family === 2 ? 0x0800 : 0x86dd);
      expect(hex(k.body)).toBe(hex(m.payload));
    }
    expect(L.link(101, ip).etherType).toBe(0x0800);
  });
});

describe('container specs read what the writer writes', () => {
  it('pcap.ksy (little-endian, ns)', () => {
    const w = new PcapWriter({ nanosecond: true, linkType: LINKTYPE_RAW });
    w.packet({ timestampNs: 1_000_000_007n, data: Uint8Array.of(0x45, 1, 2) });
    w.packet({ timestampNs: 2_000_000_000n, data: Uint8Array.of(9) });
    const k = decode('pcap', w.toBytes());
    expect(k.isNanosecond).toBe(true);
    expect(k.header.linkType).toBe(101);
    expect(k.records.map((r: any) => [r.tsSec, r.tsFrac, hex(r.data)])).toEqual([[1, 7, '450102'], [2, 0, '09']]);
  });

  it('pcapng.ksy (two sections of one byte order, EPB, SPB, unknown block)', () => {
    for (const littleEndian of [true, false]) {
      const w = new PcapngWriter({ littleEndian });
      w.addInterface({ linkType: LINKTYPE_RAW, name: 'x' });
      w.packet({ timestampNs: 5n, data: Uint8Array.of(1, 2, 3, 4, 5), comment: 'c' });
      w.block(0x40000bad, Uint8Array.of(7, 7));
      w.section();
      w.addInterface({ linkType: 1 });
      w.simplePacket(Uint8Array.of(6, 6, 6));
      const k = decode('pcapng', w.toBytes());
      expect(k.isLittleEndian).toBe(littleEndian);
      expect(k.blocks.map((b: any) => b.blockType)).toEqual([1, 6, 0x40000bad, 0x0a0d0d0a, 1, 3]);
      expect(hex(k.blocks[1].body.data)).toBe('0102030405');
      expect(k.blocks[1].body.options.entries[0].code).toBe(1);
      expect(hex(k.blocks[2].body)).toBe('07070000');
      expect(hex(k.blocks[5].body.data)).toBe('060606');
    }
  });
});

describe('generated container codecs read what the writer writes', () => {
  it('pcap (big-endian, µs)', () => {
    const w = new PcapWriter({ littleEndian: false, linkType: LINKTYPE_RAW });
    w.packet({ timestampNs: 3_000_004_000n, data: Uint8Array.of(0x45, 1) });
    const p = decodePcap(w.toBytes()).value;
    expect(p.header.linkType).toBe(101);
    expect(p.records.map((r) => [r.tsSec, r.tsFrac, hex(r.data)])).toEqual([[3, 4, '4501']]);
  });

  // Regression: inside `blocks`, the `option` reader reaches `_root.byte_order_magic` through
  // the `options` type (the parent context is passed down through types that do not use it).
  it('pcapng (big- and little-endian)', () => {
    for (const littleEndian of [true, false]) {
      const n = new PcapngWriter({ littleEndian });
      n.addInterface({ linkType: LINKTYPE_RAW });
      n.packet({ timestampNs: 5n, data: Uint8Array.of(1, 2, 3) });
      n.block(0x80000123, Uint8Array.of(9));
      n.simplePacket(Uint8Array.of(4, 4));
      const g = decodePcapng(n.toBytes()).value;
      expect(g.isLittleEndian).toBe(littleEndian);
      expect(g.blocks.map((b) => b.blockType)).toEqual([1, 6, 0x80000123, 3]);
      const epb = g.blocks[1]!.body as { data: Uint8Array };
      expect(hex(epb.data)).toBe('010203');
    }
  });
});

describe('layers on hostile input', () => {
  it('property: random bytes give a result or a LayerError, never another exception', () => {
    const linkTypes = [0, 1, 101, 108, 113, 228, 229, 276, 9999];
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(...linkTypes), (b, lt) => {
      for (const f of [() => L.link(lt, b), () => L.ipv4(b), () => L.ipv6(b), () => L.tcp(b), () => L.udp(b), () => L.ipv6Chain(b[0] ?? 0, b)]) {
        try { f(); } catch (e) { expect(e).toBeInstanceOf(LayerError); }
      }
    }), { numRuns: 2000 });
  });

  it('property: header-shaped random packets decode or fail cleanly', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 100 }), fc.nat(15), fc.nat(100), (b, ihl, total) => {
      const v4 = b.slice(); v4[0] = 0x40 | ihl; v4[2] = 0; v4[3] = total;
      const v6 = b.slice(); v6[0] = 0x60; v6[4] = 0; v6[5] = total;
      const t = b.slice(); t[12] = ihl << 4;
      for (const f of [() => L.ipv4(v4), () => L.ipv6(v6), () => L.tcp(t)]) {
        try {
          const r = f();
          expect(r.payload.byteOffset + r.payload.length).toBeLessThanOrEqual(b.byteOffset + b.length);
        } catch (e) { expect(e).toBeInstanceOf(LayerError); }
      }
    }), { numRuns: 2000 });
  });
});
