// The real gtk-gnutella capture (../shared/captures/gnutella-gtkg-2022.pcap): every Gnutella link
// (handshake text, deflate-compressed descriptor streams) and every Gnutella UDP datagram must
// decode with zero framing errors and nothing malformed or incomplete.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '../../src/capture/capture-reader.ts';
import { MessageDissector, type DissectRecord } from '../../src/capture/messages.ts';

const FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures/gnutella-gtkg-2022.pcap');
const present = existsSync(FILE);
if (!present) console.log(`skipping dissect real-capture test: ${FILE} is absent`);

describe.skipIf(!present)('dissect gnutella-gtkg-2022.pcap', () => {
  it('decodes every Gnutella link and datagram without framing errors', async () => {
    const d = new MessageDissector();
    const rs: DissectRecord[] = [];
    for await (const ev of readCaptureFile(FILE)) rs.push(...await d.push(ev));
    rs.push(...await d.finish());
    expect(rs.filter((r) => r.kind === 'malformed' || r.kind === 'incomplete')).toEqual([]);
    expect(rs.filter((r) => r.kind === 'problem')).toMatchObject([{ frame: 1, scope: 'packet' }]); // a 4-byte first record
    const count = (f: (r: Extract<DissectRecord, { kind: 'message' }>) => boolean) => rs.filter((r) => r.kind === 'message' && f(r)).length;
    // 52 CONNECT blocks, their answers and final blocks.
    expect(count((r) => r.proto.proto === 'gnutella-handshake')).toBeGreaterThanOrEqual(52 + 45);
    // The deflated links (3 gtk-gnutella <-> gtk-gnutella connections, both directions).
    const deflated = rs.filter((r) => r.kind === 'message' && r.compressed);
    expect(deflated.length).toBeGreaterThan(500);
    expect(new Set(deflated.map((r) => r.kind === 'message' && `${r.flow}/${r.dir}`)).size).toBe(6);
    // Gnutella UDP datagrams (ping, pong, query, vendor, Mojito DHT), one message each.
    expect(count((r) => r.transport === 'udp' && r.proto.proto === 'gnutella')).toBe(1016);
    expect(d.counters.flowsByLabel).toMatchObject({ 'tcp gnutella': 49, 'tcp g2': 3, 'tcp tls': 4 });
    expect(d.counters.flowsByLabel['udp g2']).toBeGreaterThan(100);
  });
});
