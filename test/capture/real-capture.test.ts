// The real gtk-gnutella capture (see /work/shared/captures/README.md): the reader, TCP
// reassembly, handshake tracking and inflation must find the Gnutella 0.6 handshakes and
// produce well-framed descriptor streams.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '../../src/capture/capture-reader.ts';
import { dissect, type DissectEvent } from '../../src/capture/dissector.ts';
import type { GnutellaEvent } from '../../src/capture/gnutella-handshake.ts';

const FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures/gnutella-gtkg-2022.pcap');
const present = existsSync(FILE);
if (!present) console.log(`skipping real-capture tests: ${FILE} is absent`);

// Payload types of reference/gnutella-napster.md section 1.2.
const KNOWN_TYPES = new Set([0x00, 0x01, 0x02, 0x10, 0x30, 0x31, 0x32, 0x40, 0x41, 0x44, 0x80, 0x81, 0xcd]);

describe.skipIf(!present)('gnutella-gtkg-2022.pcap', () => {
  it('finds the handshakes and inflates well-framed descriptor streams', async () => {
    const events: DissectEvent[] = [];
    for await (const ev of dissect(readCaptureFile(FILE, { chunkSize: 64 * 1024 }))) events.push(ev);

    // Link type from the global header.
    expect(events.find((e) => e.kind === 'capture' && e.event.kind === 'interface')).toMatchObject({ event: { linkType: 1 } });
    // The first record holds only 4 bytes of a 60-byte frame: reported, not fatal.
    expect(events.filter((e) => e.kind === 'packet-problem')).toMatchObject([{ packetIndex: 0, layer: 'ethernet' }]);
    expect(events.some((e) => e.kind === 'capture' && (e.event.kind === 'error' || e.event.kind === 'truncated'))).toBe(false);

    const g: GnutellaEvent[] = events.flatMap((e) => (e.kind === 'gnutella' ? [e.event] : []));
    const blocks = g.filter((e) => e.kind === 'handshake-block');
    const connects = blocks.filter((e) => e.kind === 'handshake-block' && e.role === 'connect');
    expect(connects).toHaveLength(52);
    expect(connects.every((e) => e.kind === 'handshake-block' && e.block.startLine === 'GNUTELLA CONNECT/0.6')).toBe(true);
    const outcomes = g.flatMap((e) => (e.kind === 'handshake' ? [e.outcome] : []));
    expect(outcomes).toHaveLength(45); // 7 connection attempts got no answer
    expect(outcomes.filter((o) => o.statusCode === 503).length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.statusCode === 204)).toHaveLength(2);
    const accepted = outcomes.filter((o) => o.accepted);
    expect(accepted.length).toBe(9);
    expect(accepted.filter((o) => o.protocol === 'g2')).toHaveLength(2);

    // Inflated Gnutella (not G2) streams: group decoded bytes per flow direction.
    const g2Flows = new Set(g.flatMap((e) => (e.kind === 'handshake' && e.outcome.protocol === 'g2' ? [e.flow.id] : [])));
    const streams = new Map<string, Uint8Array[]>();
    for (const e of g) {
      if (e.kind !== 'stream' || !e.compressed || g2Flows.has(e.flow.id)) continue;
      const k = `${e.flow.id}/${e.dir}`;
      if (!streams.has(k)) streams.set(k, []);
      streams.get(k)!.push(e.bytes.slice());
    }
    expect(streams.size).toBe(6); // 3 gtk-gnutella <-> gtk-gnutella links, both directions deflated
    let total = 0, descriptors = 0;
    for (const [k, chunks] of streams) {
      const s = Buffer.concat(chunks);
      total += s.length;
      // Walk the whole stream by the 23-byte headers: every header must be plausible.
      let p = 0;
      while (p + 23 <= s.length) {
        const type = s[p + 16]!, ttl = s[p + 17]!, hops = s[p + 18]!, len = s.readUInt32LE(p + 19);
        expect(KNOWN_TYPES.has(type), `${k} @${p} type 0x${type.toString(16)}`).toBe(true);
        expect(len, `${k} @${p} payload length`).toBeLessThan(65536);
        expect(ttl + hops, `${k} @${p} ttl+hops`).toBeLessThanOrEqual(16);
        if (p + 23 + len > s.length) break; // the capture ends inside this descriptor
        p += 23 + len;
        descriptors++;
      }
      expect(s.length - p, `${k} trailing bytes`).toBeLessThan(65536 + 23);
    }
    expect(total).toBeGreaterThan(100_000); // ~107 KB inflated in the reference notes
    expect(descriptors).toBeGreaterThan(100);
    // TLS-upgraded links are recognised and left alone.
    expect(g.filter((e) => e.kind === 'stream-error' && /TLS/.test(e.reason)).length).toBeGreaterThan(0);
  });
});
