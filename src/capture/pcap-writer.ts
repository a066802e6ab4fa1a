// Writers for classic pcap and pcapng files. They collect the file in memory chunk by chunk
// (`toBytes()`), or hand each chunk to a sink (e.g. a file stream) as it is produced.
// The framing helpers that build checksummed packets live in packet-builder.ts and are
// re-exported here.
export * from './packet-builder.ts';
import { TcpConversation as Conversation, type Endpoint as ConvEndpoint } from './packet-builder.ts';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

type Sink = (chunk: Uint8Array) => void;

abstract class ChunkWriter {
  private readonly chunks: Uint8Array[] = [];
  private readonly sink: Sink | undefined;
  constructor(sink?: Sink) { this.sink = sink; }
  protected emit(chunk: Uint8Array): void {
    if (this.sink) this.sink(chunk); else this.chunks.push(chunk);
  }
  /** The whole file so far (only when no sink was given). */
  toBytes(): Uint8Array {
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let p = 0;
    for (const c of this.chunks) { out.set(c, p); p += c.length; }
    return out;
  }
}

export interface PcapWriterOptions {
  littleEndian?: boolean;
  nanosecond?: boolean;
  snapLen?: number;
  linkType?: number;
  sink?: Sink;
}

export interface PacketRecord {
  /** Nanoseconds since the epoch. */
  timestampNs: bigint;
  data: Uint8Array;
  /** Length on the wire; defaults to `data.length`. */
  originalLength?: number;
}

/** Classic pcap writer (one link type per file). */
export class PcapWriter extends ChunkWriter {
  private readonly le: boolean;
  private readonly ns: boolean;
  readonly snapLen: number;

  constructor(o: PcapWriterOptions = {}) {
    super(o.sink);
    this.le = o.littleEndian ?? true;
    this.ns = o.nanosecond ?? false;
    this.snapLen = o.snapLen ?? 262144;
    const h = new Uint8Array(24);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, this.ns ? 0xa1b23c4d : 0xa1b2c3d4, this.le);
    dv.setUint16(4, 2, this.le);
    dv.setUint16(6, 4, this.le);
    dv.setUint32(16, this.snapLen, this.le);
    dv.setUint32(20, o.linkType ?? LINKTYPE_ETHERNET, this.le);
    this.emit(h);
  }

  /** Append a record; data longer than the snap length is cut (the original length is kept). */
  packet(p: PacketRecord): this {
    const data = p.data.length > this.snapLen ? p.data.subarray(0, this.snapLen) : p.data;
    const h = new Uint8Array(16);
    const dv = new DataView(h.buffer);
    const unit = this.ns ? 1_000_000_000n : 1_000_000n;
    const sec = p.timestampNs / 1_000_000_000n;
    const frac = ((p.timestampNs % 1_000_000_000n) * unit) / 1_000_000_000n;
    dv.setUint32(0, Number(sec & 0xffffffffn), this.le);
    dv.setUint32(4, Number(frac), this.le);
    dv.setUint32(8, data.length, this.le);
    dv.setUint32(12, p.originalLength ?? p.data.length, this.le);
    this.emit(h);
    this.emit(data.slice());
    return this;
  }
}

export interface PcapngOption { code: number; value: Uint8Array | string }

export interface PcapngInterfaceOptions {
  linkType?: number;
  snapLen?: number;
  name?: string;
  /** Timestamp unit: nanoseconds (if_tsresol 9, the default) or microseconds (the format default 6). */
  nanosecond?: boolean;
  options?: PcapngOption[];
}

export interface PcapngPacket extends PacketRecord {
  interfaceId?: number;
  comment?: string;
  /** epb_flags (e.g. 1 = inbound, 2 = outbound). */
  flags?: number;
  options?: PcapngOption[];
}

/** pcapng writer: sections, interfaces, Enhanced / Simple Packet Blocks and arbitrary blocks. */
export class PcapngWriter extends ChunkWriter {
  private le: boolean;
  private ifaces: Array<{ nanosecond: boolean; snapLen: number }> = [];

  constructor(o: { littleEndian?: boolean; userAppl?: string; sink?: Sink } = {}) {
    super(o.sink);
    this.le = o.littleEndian ?? true;
    this.section({ littleEndian: this.le, userAppl: o.userAppl });
  }

  private opts(list: PcapngOption[]): Uint8Array {
    if (list.length === 0) return new Uint8Array(0);
    const enc = list.map((o) => (typeof o.value === 'string' ? new TextEncoder().encode(o.value) : o.value));
    const size = enc.reduce((n, v) => n + 4 + ((v.length + 3) & ~3), 4);
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    let p = 0;
    list.forEach((o, i) => {
      const v = enc[i]!;
      if (v.length > 0xffff) throw new Error('pcapng option value longer than 65535 bytes');
      dv.setUint16(p, o.code, this.le);
      dv.setUint16(p + 2, v.length, this.le);
      out.set(v, p + 4);
      p += 4 + ((v.length + 3) & ~3);
    });
    return out; // the last 4 zero bytes are opt_endofopt
  }

  /** Write a block of any type: the body is padded to 32 bits and framed by the two lengths. */
  block(type: number, body: Uint8Array): this {
    const len = 12 + ((body.length + 3) & ~3);
    const out = new Uint8Array(len);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, type, this.le);
    dv.setUint32(4, len, this.le);
    out.set(body, 8);
    dv.setUint32(len - 4, len, this.le);
    this.emit(out);
    return this;
  }

  /** Start a new section (interface ids restart at 0); it may use another byte order. */
  section(o: { littleEndian?: boolean; userAppl?: string } = {}): this {
    this.le = o.littleEndian ?? this.le;
    this.ifaces = [];
    const opts = this.opts(o.userAppl ? [{ code: 4, value: o.userAppl }] : []);
    const body = new Uint8Array(16 + opts.length);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 0x1a2b3c4d, this.le);
    dv.setUint16(4, 1, this.le);
    dv.setUint16(6, 0, this.le);
    dv.setBigInt64(8, -1n, this.le);
    body.set(opts, 16);
    return this.block(0x0a0d0d0a, body);
  }

  /** Add an interface to the current section; returns its id. */
  addInterface(o: PcapngInterfaceOptions = {}): number {
    const nanosecond = o.nanosecond ?? true;
    const list: PcapngOption[] = [...(o.options ?? [])];
    if (o.name) list.push({ code: 2, value: o.name });
    if (nanosecond) list.push({ code: 9, value: Uint8Array.of(9) });
    const opts = this.opts(list);
    const body = new Uint8Array(8 + opts.length);
    const dv = new DataView(body.buffer);
    dv.setUint16(0, o.linkType ?? LINKTYPE_ETHERNET, this.le);
    const snapLen = o.snapLen ?? 262144;
    dv.setUint32(4, snapLen, this.le);
    body.set(opts, 8);
    this.block(1, body);
    this.ifaces.push({ nanosecond, snapLen });
    return this.ifaces.length - 1;
  }

  /** Enhanced Packet Block. */
  packet(p: PcapngPacket): this {
    const id = p.interfaceId ?? 0;
    const iface = this.ifaces[id];
    if (!iface) throw new Error(`pcapng interface ${id} not defined in this section`);
    const data = iface.snapLen && p.data.length > iface.snapLen ? p.data.subarray(0, iface.snapLen) : p.data;
    const list: PcapngOption[] = [...(p.options ?? [])];
    if (p.comment) list.push({ code: 1, value: p.comment });
    if (p.flags !== undefined) {
      const v = new Uint8Array(4);
      new DataView(v.buffer).setUint32(0, p.flags, this.le);
      list.push({ code: 2, value: v });
    }
    const opts = this.opts(list);
    const padded = (data.length + 3) & ~3;
    const body = new Uint8Array(20 + padded + opts.length);
    const dv = new DataView(body.buffer);
    const ts = iface.nanosecond ? p.timestampNs : p.timestampNs / 1000n;
    dv.setUint32(0, id, this.le);
    dv.setUint32(4, Number((ts >> 32n) & 0xffffffffn), this.le);
    dv.setUint32(8, Number(ts & 0xffffffffn), this.le);
    dv.setUint32(12, data.length, this.le);
    dv.setUint32(16, p.originalLength ?? p.data.length, this.le);
    body.set(data, 20);
    body.set(opts, 20 + padded);
    return this.block(6, body);
  }

  /** Simple Packet Block (interface 0 of the section, no timestamp). */
  simplePacket(data: Uint8Array, originalLength = data.length): this {
    const iface = this.ifaces[0];
    if (!iface) throw new Error('pcapng simple packet needs interface 0');
    const d = iface.snapLen && data.length > iface.snapLen ? data.subarray(0, iface.snapLen) : data;
    const body = new Uint8Array(4 + d.length);
    new DataView(body.buffer).setUint32(0, originalLength, this.le);
    body.set(d, 4);
    return this.block(3, body);
  }
}

export interface ExchangeMessage {
  /** 0 = client to server, 1 = server to client. */
  dir: 0 | 1;
  bytes: Uint8Array;
  /** Shown by Wireshark as the packet comment of the message's first segment. */
  comment?: string;
}

export interface ExchangeOptions {
  client?: ConvEndpoint;
  server?: ConvEndpoint;
  /** Timestamp of the first packet (ns since the epoch); packets are 1 ms apart. */
  startNs?: bigint;
  mss?: number;
  /** Close with FIN from both sides (default true). */
  close?: boolean;
  userAppl?: string;
}

/**
 * A TCP exchange (e.g. a failing fuzz case) as a pcapng file that opens in Wireshark:
 * three-way handshake, each message in segments of at most `mss` bytes, then FINs.
 */
export function exchangeToPcapng(messages: readonly ExchangeMessage[], o: ExchangeOptions = {}): Uint8Array {
  const conv = new Conversation(o.client ?? { ip: '10.0.0.1', port: 40000 }, o.server ?? { ip: '10.0.0.2', port: 6346 });
  const w = new PcapngWriter({ userAppl: o.userAppl ?? 'peerwire' });
  w.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'peerwire' });
  let t = o.startNs ?? BigInt(Date.now()) * 1_000_000n;
  const put = (data: Uint8Array, comment?: string) => {
    w.packet({ timestampNs: t, data, ...(comment ? { comment } : {}) });
    t += 1_000_000n;
  };
  for (const f of conv.open()) put(f);
  for (const m of messages) conv.send(m.dir, m.bytes, o.mss ?? 1460).forEach((f, i) => put(f, i === 0 ? m.comment : undefined));
  if (o.close ?? true) for (const f of conv.close()) put(f);
  return w.toBytes();
}
