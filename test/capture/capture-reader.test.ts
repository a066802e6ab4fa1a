import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CaptureParser, readCaptureBytes, type CaptureEvent, type CapturedPacket } from '../../src/capture/capture-reader.ts';
import { PcapWriter, PcapngWriter, LINKTYPE_ETHERNET, LINKTYPE_RAW } from '../../src/capture/pcap-writer.ts';

const pkt = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const packets = (evs: CaptureEvent[]) => evs.filter((e): e is CapturedPacket => e.kind === 'packet');

/** Feed the file in chunks of `size` bytes. */
function chunked(bytes: Uint8Array, size: number): CaptureEvent[] {
  const p = new CaptureParser();
  const out: CaptureEvent[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...p.push(bytes.subarray(i, i + size)));
  return [...out, ...p.finish()];
}

describe('pcap round trip', () => {
  for (const littleEndian of [true, false]) {
    for (const nanosecond of [false, true]) {
      it(`${littleEndian ? 'LE' : 'BE'} ${nanosecond ? 'ns' : 'µs'}`, () => {
        const w = new PcapWriter({ littleEndian, nanosecond, linkType: LINKTYPE_RAW, snapLen: 100 });
        w.packet({ timestampNs: 1_700_000_000_123_456_789n, data: pkt(60, 1) });
        w.packet({ timestampNs: 1_700_000_001_000_000_000n, data: pkt(150, 2) }); // cut to the snap length
        w.packet({ timestampNs: 5n, data: pkt(0, 0) });
        const bytes = w.toBytes();
        expect(Array.from(bytes.subarray(0, 4))).toEqual(
          littleEndian ? (nanosecond ? [0x4d, 0x3c, 0xb2, 0xa1] : [0xd4, 0xc3, 0xb2, 0xa1]) : (nanosecond ? [0xa1, 0xb2, 0x3c, 0x4d] : [0xa1, 0xb2, 0xc3, 0xd4]));
        const evs = readCaptureBytes(bytes);
        expect(evs.find((e) => e.kind === 'interface')).toMatchObject({ linkType: LINKTYPE_RAW, snapLen: 100 });
        const ps = packets(evs);
        expect(ps).toHaveLength(3);
        expect(ps[0]!.timestampNs).toBe(nanosecond ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n);
        expect(ps[0]!.data).toEqual(pkt(60, 1));
        expect(ps[1]).toMatchObject({ capturedLength: 100, originalLength: 150, index: 1, linkType: LINKTYPE_RAW });
        expect(ps[2]!.data.length).toBe(0);
        expect(evs.some((e) => e.kind === 'error' || e.kind === 'truncated' || e.kind === 'warning')).toBe(false);
        expect(chunked(bytes, 7)).toEqual(evs);
      });
    }
  }
});

/** Two sections (both byte orders), three interfaces, EPB, SPB and an unknown block. */
function pcapngFile(): Uint8Array {
  const w = new PcapngWriter({ littleEndian: true, userAppl: 'peerwire test' });
  const a = w.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'eth0' });
  const b = w.addInterface({ linkType: LINKTYPE_RAW, nanosecond: false, snapLen: 64 });
  w.packet({ interfaceId: a, timestampNs: 1_000_000_000_000_000_123n, data: pkt(61, 0xa), comment: 'first' });
  w.packet({ interfaceId: b, timestampNs: 2_000_000_000_000_001_999n, data: pkt(80, 0xb), flags: 1 });
  w.block(0x40000bad, Uint8Array.of(1, 2, 3, 4, 5)); // unknown (custom) block: skipped
  w.simplePacket(pkt(13, 0xc));
  w.section({ littleEndian: false }); // second section, other byte order, interfaces restart
  const c = w.addInterface({ linkType: LINKTYPE_RAW, snapLen: 5 });
  w.packet({ interfaceId: c, timestampNs: 3n, data: pkt(3, 0xd) });
  w.simplePacket(pkt(9, 0xe)); // cut to the snap length 5: SPB length = min(original, snap length)
  return w.toBytes();
}

describe('pcapng round trip', () => {

  it('reads two sections, two interfaces, EPB, SPB and skips unknown blocks', () => {
    const bytes = pcapngFile();
    const evs = readCaptureBytes(bytes);
    expect(evs.filter((e) => e.kind === 'section').map((e) => (e as { littleEndian: boolean }).littleEndian)).toEqual([true, false]);
    expect(evs.filter((e) => e.kind === 'interface')).toMatchObject([
      { section: 0, interfaceId: 0, linkType: 1, name: 'eth0' },
      { section: 0, interfaceId: 1, linkType: 101, snapLen: 64 },
      { section: 1, interfaceId: 0, linkType: 101, snapLen: 5 },
    ]);
    expect(evs.filter((e) => e.kind === 'skipped')).toMatchObject([{ blockType: 0x40000bad, length: 20 }]);
    const ps = packets(evs);
    expect(ps.map((p) => [p.section, p.interfaceId, p.linkType, p.capturedLength, p.originalLength])).toEqual([
      [0, 0, 1, 61, 61], [0, 1, 101, 64, 80], [0, 0, 1, 13, 13], [1, 0, 101, 3, 3], [1, 0, 101, 5, 9],
    ]);
    expect(ps[0]!.timestampNs).toBe(1_000_000_000_000_000_123n); // ns interface
    expect(ps[1]!.timestampNs).toBe(2_000_000_000_000_001_000n); // µs interface
    expect(ps[2]!.timestampNs).toBeUndefined(); // SPB
    expect(ps[0]!.data).toEqual(pkt(61, 0xa));
    expect(ps[2]!.data).toEqual(pkt(13, 0xc));
    expect(ps[4]!.data).toEqual(pkt(5, 0xe));
    expect(evs.some((e) => e.kind === 'error' || e.kind === 'truncated' || e.kind === 'warning')).toBe(false);
    expect(chunked(bytes, 1)).toEqual(evs);
    expect(chunked(bytes, 1000)).toEqual(evs);
  });

  it('reports a bad block length with its offset and stops', () => {
    const bytes = pcapngFile();
    const evs0 = readCaptureBytes(bytes);
    const second = evs0.filter((e) => e.kind === 'interface')[1]!.offset;
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(second + 4, 13, true);
    const evs = readCaptureBytes(bad);
    expect(evs.at(-1)).toMatchObject({ kind: 'error', offset: second + 4 });
    expect(packets(evs)).toHaveLength(0);
  });
});

describe('damaged files', () => {
  const w = new PcapWriter();
  for (let i = 0; i < 3; i++) w.packet({ timestampNs: BigInt(i), data: pkt(100, i) });
  const full = w.toBytes();

  it('reports a truncated last record and keeps the complete ones', () => {
    const evs = readCaptureBytes(full.subarray(0, full.length - 30));
    expect(packets(evs)).toHaveLength(2);
    expect(evs.at(-1)).toEqual({ kind: 'truncated', offset: 24 + 2 * 116, what: 'pcap record 3', needed: 116, available: 86 });
  });

  it('reports a truncated record header and a truncated file header', () => {
    expect(readCaptureBytes(full.subarray(0, 24 + 116 + 5)).at(-1)).toMatchObject({ kind: 'truncated', needed: 16, available: 5 });
    expect(readCaptureBytes(full.subarray(0, 10)).at(-1)).toMatchObject({ kind: 'truncated', what: 'pcap file header' });
  });

  it('rejects unknown magic, empty input and absurd record lengths without allocating them', () => {
    expect(readCaptureBytes(Uint8Array.of(1, 2, 3, 4, 5))).toEqual([{ kind: 'error', offset: 0, reason: 'not a pcap or pcapng file: magic 0x01020304' }]);
    expect(readCaptureBytes(new Uint8Array(0))).toEqual([{ kind: 'error', offset: 0, reason: 'empty file' }]);
    const huge = full.slice(0, 24 + 16);
    new DataView(huge.buffer).setUint32(24 + 8, 0xfffffff0, true);
    expect(readCaptureBytes(huge, { maxRecordBytes: 1 << 20 }).at(-1)).toMatchObject({ kind: 'error', offset: 32 });
  });

  it('survives random corruption without throwing', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const ng = new PcapngWriter();
    ng.addInterface();
    for (let i = 0; i < 5; i++) ng.packet({ timestampNs: BigInt(i), data: pkt(40 + i, i) });
    for (const base of [full, ng.toBytes()]) {
      for (let k = 0; k < 300; k++) {
        const b = base.slice();
        for (let j = 0; j < 4; j++) b[rnd() % b.length] = rnd() & 0xff;
        const evs = readCaptureBytes(b.subarray(0, rnd() % (b.length + 1)), { maxRecordBytes: 1 << 16 });
        expect(Array.isArray(evs)).toBe(true);
      }
    }
  });
});

describe('capture reader properties', () => {
  const pcap = (() => {
    const w = new PcapWriter({ nanosecond: true });
    for (let i = 0; i < 12; i++) w.packet({ timestampNs: BigInt(i) * 1000n, data: pkt(20 + i * 7, i) });
    return w.toBytes();
  })();
  const files = [pcapngFile(), pcap];

  it('events do not depend on chunk boundaries; a file cut anywhere yields exactly the packets before the cut', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), fc.nat(), (bytes, sizes, cutAt) => {
        const whole = readCaptureBytes(bytes);
        // Arbitrary chunk sizes (cycled) give the same events.
        const p = new CaptureParser();
        const got: CaptureEvent[] = [];
        for (let o = 0, k = 0; o < bytes.length; k++) {
          const n = sizes[k % sizes.length]!;
          got.push(...p.push(bytes.subarray(o, o + n)));
          o += n;
        }
        got.push(...p.finish());
        expect(got).toEqual(whole);
        // Cut anywhere: the packets whose records lie before the cut, no more and no fewer.
        const cut = cutAt % (bytes.length + 1);
        const before = packets(readCaptureBytes(bytes.subarray(0, cut)));
        expect(before).toEqual(packets(whole).slice(0, before.length));
        const next = packets(whole)[before.length];
        if (next) {
          // The first packet left out really was cut: its record ends after the cut (where the
          // next block starts, or at the end of the file).
          const later = whole.map((e) => (e as { offset?: number }).offset).filter((o): o is number => typeof o === 'number' && o > next.offset);
          expect(Math.min(bytes.length, ...later)).toBeGreaterThan(cut);
        }
      }),
      { numRuns: Number(process.env.READER_RUNS ?? 300) },
    );
  });
});
