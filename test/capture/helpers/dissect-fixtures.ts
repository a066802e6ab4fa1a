// Shared fixtures for the dissect tests: message corpora from the conformance vectors, a small
// capture builder on top of the project's writers, and a runner for the message dissector.
import { loadVectors } from '../../../fuzz/vectors.ts';
import { readCaptureBytes } from '../../../src/capture/capture-reader.ts';
import { dissectMessages, type DissectRecord, type MessageDissectorOptions, type MessageRecord } from '../../../src/capture/messages.ts';
import { PcapWriter, TcpConversation, ipFrame, udpDatagram, IPPROTO_UDP, type Endpoint } from '../../../src/capture/pcap-writer.ts';
import { fromHex } from '../../../src/runtime/index.ts';

/** Well-formed messages of one protocol (hex of every positive conformance vector). */
export function vectorMessages(proto: string): Uint8Array[] {
  return loadVectors().filter((v) => v.proto === proto && v.json !== undefined && !v.error).map((v) => fromHex(v.hex));
}

export const te = new TextEncoder();
export const T0 = 1_700_000_000_000_000_000n;

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Collects frames into a pcap, 1 ms apart. */
export class CaptureBuilder {
  readonly frames: Uint8Array[] = [];
  add(...fs: Uint8Array[]): this { this.frames.push(...fs); return this; }
  udp(from: Endpoint, to: Endpoint, payload: Uint8Array): this {
    const src = from.ip as string, dst = to.ip as string;
    return this.add(ipFrame(src, dst, IPPROTO_UDP, udpDatagram({ src, dst, srcPort: from.port, dstPort: to.port, payload })));
  }
  pcap(): Uint8Array {
    const w = new PcapWriter({ nanosecond: true });
    this.frames.forEach((f, i) => w.packet({ timestampNs: T0 + BigInt(i) * 1_000_000n, data: f }));
    return w.toBytes();
  }
}

/** A TCP connection: open, then each item is [dir, bytes, mss?], then close. */
export function conversation(client: Endpoint, server: Endpoint, items: Array<[0 | 1, Uint8Array, number?]>, o: { close?: boolean; open?: boolean } = {}): Uint8Array[] {
  const c = new TcpConversation(client, server);
  const out: Uint8Array[] = [];
  if (o.open ?? true) out.push(...c.open());
  for (const [dir, bytes, mss] of items) out.push(...c.send(dir, bytes, mss ?? 1460));
  if (o.close ?? true) out.push(...c.close());
  return out;
}

export async function dissectBytes(bytes: Uint8Array, o: MessageDissectorOptions = {}): Promise<DissectRecord[]> {
  const out: DissectRecord[] = [];
  for await (const r of dissectMessages(readCaptureBytes(bytes), o)) out.push(r);
  return out;
}

/** A record that names a range of one stream direction (anything but a capture problem). */
export type StreamRecord = Exclude<DissectRecord, { kind: 'problem' }>;
/** The stream records, of one direction when `dir` is given. */
export const streamRecords = (rs: DissectRecord[], dir?: 0 | 1): StreamRecord[] =>
  rs.filter((r): r is StreamRecord => r.kind !== 'problem' && (dir === undefined || r.dir === dir));
export const messages = (rs: DissectRecord[]) => rs.filter((r): r is MessageRecord => r.kind === 'message');
export const notOk = (rs: DissectRecord[]) => rs.filter((r) => r.kind === 'malformed' || r.kind === 'incomplete');
/** Hex of the bytes a record covers, re-encoded from its decoded value is not needed: compare JSON forms. */
export const jsonOf = (r: MessageRecord) => r.proto.codec.toJson(r.value);
