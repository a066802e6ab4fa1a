// Builders for valid, checksummed Ethernet / IPv4 / IPv6 / TCP / UDP packets, and a TCP
// conversation helper that keeps sequence numbers right. Used by tests and by the fuzzer to
// turn payload chunks into captures (see pcap-writer.ts).
import { parseIp } from './addresses.ts';
import { internetChecksum, pseudoHeader } from './checksum.ts';

export type Address = string | Uint8Array;
const addr = (a: Address): Uint8Array => (typeof a === 'string' ? parseIp(a) : a);

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export interface EthernetOptions {
  dst?: Uint8Array;
  src?: Uint8Array;
  etherType: number;
  /** VLAN tags from outermost to innermost; the outermost uses `tpid` (default 0x8100). */
  vlanIds?: number[];
  tpid?: number;
  payload: Uint8Array;
}

export function ethernetFrame(o: EthernetOptions): Uint8Array {
  const tags = o.vlanIds ?? [];
  const out = new Uint8Array(14 + 4 * tags.length + o.payload.length);
  const dv = new DataView(out.buffer);
  out.set(o.dst ?? Uint8Array.of(0x02, 0, 0, 0, 0, 2), 0);
  out.set(o.src ?? Uint8Array.of(0x02, 0, 0, 0, 0, 1), 6);
  let p = 12;
  tags.forEach((vid, i) => {
    dv.setUint16(p, i === 0 ? (o.tpid ?? 0x8100) : 0x8100);
    dv.setUint16(p + 2, vid & 0x0fff);
    p += 4;
  });
  dv.setUint16(p, o.etherType);
  out.set(o.payload, p + 2);
  return out;
}

export interface Ipv4Options {
  src: Address;
  dst: Address;
  protocol: number;
  payload: Uint8Array;
  ttl?: number;
  identification?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  /** Raw option bytes, padded here to a multiple of 4. */
  options?: Uint8Array;
  /** Override the total length field (to build malformed packets). */
  totalLength?: number;
}

export function ipv4Packet(o: Ipv4Options): Uint8Array {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  if (optLen > 40) throw new Error('IPv4 options longer than 40 bytes');
  const hl = 20 + optLen;
  const total = hl + o.payload.length;
  if (total > 0xffff) throw new Error(`IPv4 packet of ${total} bytes exceeds 65535`);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out[0] = 0x40 | (hl / 4);
  dv.setUint16(2, o.totalLength ?? total);
  dv.setUint16(4, o.identification ?? 0);
  const off = o.fragmentOffset ?? 0;
  if (off % 8 !== 0) throw new Error('fragment offset must be a multiple of 8');
  dv.setUint16(6, (o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0) | (off / 8));
  out[8] = o.ttl ?? 64;
  out[9] = o.protocol;
  out.set(addr(o.src), 12);
  out.set(addr(o.dst), 16);
  if (o.options) out.set(o.options, 20);
  dv.setUint16(10, internetChecksum(out.subarray(0, hl)));
  out.set(o.payload, hl);
  return out;
}

/** Split an IP payload into IPv4 fragments of at most `maxFragmentPayload` bytes (rounded down to 8). */
export function fragmentIpv4(o: Ipv4Options, maxFragmentPayload: number): Uint8Array[] {
  const step = Math.max(8, maxFragmentPayload & ~7);
  const out: Uint8Array[] = [];
  for (let off = 0; off < o.payload.length || off === 0; off += step) {
    const last = off + step >= o.payload.length;
    out.push(ipv4Packet({ ...o, payload: o.payload.subarray(off, off + step), fragmentOffset: off, moreFragments: !last }));
    if (last) break;
  }
  return out;
}

export interface Ipv6Options {
  src: Address;
  dst: Address;
  /** Next header of the last extension header (or of the fixed header when there are none). */
  nextHeader: number;
  payload: Uint8Array;
  hopLimit?: number;
  /** Extension headers as [type, body without the first two bytes]; bodies are padded to 8n+6. */
  extensionHeaders?: Array<[number, Uint8Array]>;
}

export function ipv6Packet(o: Ipv6Options): Uint8Array {
  const exts = o.extensionHeaders ?? [];
  const parts: Uint8Array[] = [];
  exts.forEach(([type, body], i) => {
    const next = i + 1 < exts.length ? exts[i + 1]![0] : o.nextHeader;
    if (type === 44) {
      const h = new Uint8Array(8);
      h.set(body.subarray(0, 6), 2);
      h[0] = next;
      parts.push(h);
    } else {
      const len = Math.max(6, Math.ceil((body.length - 6) / 8) * 8 + 6);
      const h = new Uint8Array(2 + len);
      h[0] = next; h[1] = (len - 6) / 8;
      h.set(body, 2);
      parts.push(h);
    }
  });
  parts.push(o.payload);
  const plen = parts.reduce((n, p) => n + p.length, 0);
  if (plen > 0xffff) throw new Error('IPv6 payload exceeds 65535 bytes');
  const out = new Uint8Array(40 + plen);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, plen);
  out[6] = exts.length ? exts[0]![0] : o.nextHeader;
  out[7] = o.hopLimit ?? 64;
  out.set(addr(o.src), 8);
  out.set(addr(o.dst), 24);
  let p = 40;
  for (const part of parts) { out.set(part, p); p += part.length; }
  return out;
}

export interface TcpFlags { syn?: boolean; ack?: boolean; fin?: boolean; rst?: boolean; psh?: boolean; urg?: boolean; ece?: boolean; cwr?: boolean }

export interface TcpOptions {
  /** Addresses of the enclosing IP packet, for the checksum pseudo-header. */
  src: Address;
  dst: Address;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags?: TcpFlags;
  window?: number;
  /** Raw option bytes, padded here to a multiple of 4 with End of Option List. */
  options?: Uint8Array;
  payload?: Uint8Array;
}

export function tcpSegment(o: TcpOptions): Uint8Array {
  const payload = o.payload ?? new Uint8Array(0);
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  if (optLen > 40) throw new Error('TCP options longer than 40 bytes');
  const hl = 20 + optLen;
  const out = new Uint8Array(hl + payload.length);
  const dv = new DataView(out.buffer);
  const f = o.flags ?? {};
  dv.setUint16(0, o.srcPort);
  dv.setUint16(2, o.dstPort);
  dv.setUint32(4, o.seq >>> 0);
  dv.setUint32(8, (o.ack ?? 0) >>> 0);
  out[12] = (hl / 4) << 4;
  out[13] = (f.cwr ? 0x80 : 0) | (f.ece ? 0x40 : 0) | (f.urg ? 0x20 : 0) | (f.ack ? 0x10 : 0)
    | (f.psh ? 0x08 : 0) | (f.rst ? 0x04 : 0) | (f.syn ? 0x02 : 0) | (f.fin ? 0x01 : 0);
  dv.setUint16(14, o.window ?? 65535);
  if (o.options) out.set(o.options, 20);
  out.set(payload, hl);
  const s = addr(o.src), d = addr(o.dst);
  dv.setUint16(16, internetChecksum(pseudoHeader(s, d, IPPROTO_TCP, out.length), out));
  return out;
}

export interface UdpOptions { src: Address; dst: Address; srcPort: number; dstPort: number; payload: Uint8Array }

export function udpDatagram(o: UdpOptions): Uint8Array {
  const out = new Uint8Array(8 + o.payload.length);
  if (out.length > 0xffff) throw new Error('UDP datagram exceeds 65535 bytes');
  const dv = new DataView(out.buffer);
  dv.setUint16(0, o.srcPort);
  dv.setUint16(2, o.dstPort);
  dv.setUint16(4, out.length);
  out.set(o.payload, 8);
  const c = internetChecksum(pseudoHeader(addr(o.src), addr(o.dst), IPPROTO_UDP, out.length), out);
  dv.setUint16(6, c === 0 ? 0xffff : c);
  return out;
}

/** Wrap a transport segment in IPv4 or IPv6 (by address family) and Ethernet. */
export function ipFrame(src: Address, dst: Address, protocol: number, payload: Uint8Array, extra: Partial<Ipv4Options> = {}): Uint8Array {
  const s = addr(src), d = addr(dst);
  if (s.length === 4) {
    return ethernetFrame({ etherType: ETHERTYPE_IPV4, payload: ipv4Packet({ ...extra, src: s, dst: d, protocol, payload }) });
  }
  return ethernetFrame({ etherType: ETHERTYPE_IPV6, payload: ipv6Packet({ src: s, dst: d, nextHeader: protocol, payload }) });
}

export interface Endpoint { ip: Address; port: number }

/**
 * A TCP connection between a client and a server that produces Ethernet frames with correct
 * sequence and acknowledgment numbers. `send` splits data into segments; callers may reorder,
 * duplicate or drop the frames it returns to build awkward captures.
 */
export class TcpConversation {
  private seq: [number, number];
  private readonly ends: [Endpoint, Endpoint];

  constructor(client: Endpoint, server: Endpoint, isn: [number, number] = [1000, 5000]) {
    this.ends = [client, server];
    this.seq = [isn[0] >>> 0, isn[1] >>> 0];
  }

  /** Current next sequence number of direction 0 (client to server) or 1. */
  nextSeq(dir: 0 | 1): number { return this.seq[dir]; }

  /** Moves direction `dir`'s next sequence number on by `n` (after building its segments by hand with `segment`). */
  advance(dir: 0 | 1, n: number): void { this.seq[dir] = (this.seq[dir] + n) >>> 0; }

  segment(dir: 0 | 1, flags: TcpFlags, payload: Uint8Array = new Uint8Array(0), seq = this.seq[dir]): Uint8Array {
    const from = this.ends[dir], to = this.ends[dir ^ 1]!;
    const tcp = tcpSegment({
      src: from.ip, dst: to.ip, srcPort: from.port, dstPort: to.port,
      seq, ack: flags.syn && !flags.ack ? 0 : this.seq[dir ^ 1], flags, payload,
    });
    return ipFrame(from.ip, to.ip, IPPROTO_TCP, tcp);
  }

  /** SYN, SYN-ACK, ACK. */
  open(): Uint8Array[] {
    const a = this.segment(0, { syn: true });
    this.seq[0] = (this.seq[0] + 1) >>> 0;
    const b = this.segment(1, { syn: true, ack: true });
    this.seq[1] = (this.seq[1] + 1) >>> 0;
    return [a, b, this.segment(0, { ack: true })];
  }

  /** Data from `dir`, in segments of at most `mss` bytes. */
  send(dir: 0 | 1, data: Uint8Array, mss = 1460): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let off = 0; off < data.length; off += mss) {
      const chunk = data.subarray(off, off + mss);
      out.push(this.segment(dir, { ack: true, psh: off + mss >= data.length }, chunk));
      this.seq[dir] = (this.seq[dir] + chunk.length) >>> 0;
    }
    return out;
  }

  /** FIN from `dir`. */
  fin(dir: 0 | 1): Uint8Array {
    const f = this.segment(dir, { fin: true, ack: true });
    this.seq[dir] = (this.seq[dir] + 1) >>> 0;
    return f;
  }

  /** FIN from both sides. */
  close(): Uint8Array[] { return [this.fin(0), this.fin(1), this.segment(0, { ack: true })]; }
}
