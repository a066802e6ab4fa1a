// Streaming reader for pcap and pcapng captures. It takes the file in chunks of any size and
// keeps at most one record (bounded by `maxRecordBytes`) plus one chunk in memory. The format is
// detected from the magic. Container framing is done here (a whole-buffer codec cannot stream or
// report a truncated last record); per-packet layers are decoded by layers.ts.
import { createReadStream } from 'node:fs';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CapturedPacket {
  kind: 'packet';
  /** 0-based number of the packet in the file (frame number - 1). */
  index: number;
  /** Byte offset of the record or block in the file. */
  offset: number;
  linkType: number;
  /** pcapng: index of the interface in its section; pcap: 0. */
  interfaceId: number;
  /** pcapng: 0-based section number; pcap: 0. */
  section: number;
  /** Nanoseconds since the epoch; undefined for pcapng Simple Packet Blocks. */
  timestampNs: bigint | undefined;
  capturedLength: number;
  originalLength: number;
  /**
   * The captured bytes: a view of the reader's buffer, which is never written again once a
   * packet points into it (no copy per packet; keeping a packet keeps its buffer alive).
   */
  data: Uint8Array;
}

export interface CaptureSection { kind: 'section'; offset: number; section: number; littleEndian: boolean; format: CaptureFormat; nanosecond?: boolean }
export interface CaptureInterface { kind: 'interface'; offset: number; section: number; interfaceId: number; linkType: number; snapLen: number; name?: string }
export interface CaptureSkipped { kind: 'skipped'; offset: number; blockType: number; length: number }
/** Non-fatal problem; reading continues. */
export interface CaptureWarning { kind: 'warning'; offset: number; reason: string }
/** The file ends inside a record or block. */
export interface CaptureTruncated { kind: 'truncated'; offset: number; what: string; needed: number; available: number }
/** Fatal: the framing is lost and reading stops here. */
export interface CaptureError { kind: 'error'; offset: number; reason: string }

export type CaptureEvent = CapturedPacket | CaptureSection | CaptureInterface | CaptureSkipped | CaptureWarning | CaptureTruncated | CaptureError;

export interface CaptureReaderOptions {
  /** Largest record or block accepted (default 64 MiB). */
  maxRecordBytes?: number;
}

const PCAP_MAGICS: Record<number, { le: boolean; ns: boolean }> = {
  0xa1b2c3d4: { le: false, ns: false },
  0xa1b23c4d: { le: false, ns: true },
  0xd4c3b2a1: { le: true, ns: false },
  0x4d3cb2a1: { le: true, ns: true },
};
const SHB = 0x0a0d0d0a;

interface NgInterface { linkType: number; snapLen: number; unitsPerSec: bigint; pow2: number; offsetNs: bigint }

/** Push-style parser: feed chunks, collect events. */
export class CaptureParser {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** File offset of buf[start]. */
  private pos = 0;
  private state: 'magic' | 'pcap-header' | 'pcap' | 'pcapng' | 'done' = 'magic';
  private le = false;
  private ns = false;
  private linkType = 0;
  private snapLen = 0;
  private packets = 0;
  private section = -1;
  private ifaces: NgInterface[] = [];
  private readonly max: number;
  format: CaptureFormat | undefined;

  constructor(o: CaptureReaderOptions = {}) {
    this.max = o.maxRecordBytes ?? 64 * 1024 * 1024;
  }

  get finished(): boolean { return this.state === 'done'; }

  push(chunk: Uint8Array): CaptureEvent[] {
    if (this.state === 'done') return [];
    this.append(chunk);
    const out: CaptureEvent[] = [];
    while (this.step(out));
    return out;
  }


  /** End of input: reports a truncated last record, if any. */
  finish(): CaptureEvent[] {
    const out: CaptureEvent[] = [];
    if (this.state === 'done') return out;
    const have = this.end - this.start;
    if (this.state === 'magic' && have === 0 && this.pos === 0) {
      out.push({ kind: 'error', offset: 0, reason: 'empty file' });
    } else if (have > 0) {
      const need = this.needed();
      out.push({ kind: 'truncated', offset: this.pos, what: this.what(), needed: need, available: have });
    }
    this.state = 'done';
    return out;
  }

  private what(): string {
    switch (this.state) {
      case 'magic': return 'file magic';
      case 'pcap-header': return 'pcap file header';
      case 'pcap': return `pcap record ${this.packets + 1}`;
      default: return 'pcapng block';
    }
  }

  /** Bytes the current unit needs in total (as far as known). */
  private needed(): number {
    const have = this.end - this.start;
    switch (this.state) {
      case 'magic': return 4;
      case 'pcap-header': return 24;
      case 'pcap': return have < 16 ? 16 : 16 + this.u32(8);
      case 'pcapng': {
        if (have < 8) return 12;
        const t = this.u32(0);
        if (t === SHB && have < 12) return 28;
        const le = t === SHB ? this.shbLe() ?? this.le : this.le;
        return this.u32(4, le);
      }
      default: return 0;
    }
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buf.length) {
      // A new buffer, never a compaction of the old one: packets handed out view the old one.
      const live = this.end - this.start;
      const need = live + chunk.length;
      const next = new Uint8Array(Math.max(need, Math.min(2 * this.buf.length, need + 65536)));
      next.set(this.buf.subarray(this.start, this.end));
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private u32(off: number, le = this.le): number {
    const b = this.buf, p = this.start + off;
    return le
      ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0
      : ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  private u16(off: number, le = this.le): number {
    const b = this.buf, p = this.start + off;
    return le ? b[p]! | (b[p + 1]! << 8) : (b[p]! << 8) | b[p + 1]!;
  }

  private consume(n: number): void {
    this.start += n;
    this.pos += n;
    // No rewind to 0 when all is consumed: packets handed out still view those bytes.
  }

  private fail(out: CaptureEvent[], reason: string, offset = this.pos): false {
    out.push({ kind: 'error', offset, reason });
    this.state = 'done';
    return false;
  }

  private shbLe(): boolean | undefined {
    const bom = this.u32(8, false);
    if (bom === 0x1a2b3c4d) return false;
    if (bom === 0x4d3c2b1a) return true;
    return undefined;
  }

  /** Parse one unit if enough bytes are buffered; false when more input is needed or parsing stopped. */
  private step(out: CaptureEvent[]): boolean {
    const have = this.end - this.start;
    switch (this.state) {
      case 'magic': {
        if (have < 4) return false;
        const m = this.u32(0, false);
        const pm = PCAP_MAGICS[m];
        if (pm) {
          this.format = 'pcap';
          this.le = pm.le; this.ns = pm.ns;
          this.state = 'pcap-header';
          return true;
        }
        if (m === SHB) { this.format = 'pcapng'; this.state = 'pcapng'; return true; }
        return this.fail(out, `not a pcap or pcapng file: magic 0x${m.toString(16).padStart(8, '0')}`);
      }
      case 'pcap-header': {
        if (have < 24) return false;
        const major = this.u16(4);
        if (major !== 2) return this.fail(out, `unsupported pcap version ${major}.${this.u16(6)} at offset 4`);
        this.snapLen = this.u32(16);
        this.linkType = this.u32(20) & 0xffff;
        out.push({ kind: 'section', offset: 0, section: 0, littleEndian: this.le, format: 'pcap', nanosecond: this.ns });
        out.push({ kind: 'interface', offset: 0, section: 0, interfaceId: 0, linkType: this.linkType, snapLen: this.snapLen });
        this.section = 0;
        this.consume(24);
        this.state = 'pcap';
        return true;
      }
      case 'pcap': {
        if (have < 16) return false;
        const incl = this.u32(8);
        if (incl > this.max) {
          return this.fail(out, `pcap record ${this.packets + 1}: captured length ${incl} exceeds the maximum ${this.max}`, this.pos + 8);
        }
        if (have < 16 + incl) return false;
        const orig = this.u32(12);
        if (this.snapLen && incl > this.snapLen) {
          out.push({ kind: 'warning', offset: this.pos + 8, reason: `pcap record ${this.packets + 1}: captured length ${incl} exceeds the snap length ${this.snapLen}` });
        }
        const sec = BigInt(this.u32(0));
        const frac = BigInt(this.u32(4));
        out.push({
          kind: 'packet', index: this.packets++, offset: this.pos, linkType: this.linkType, interfaceId: 0, section: 0,
          timestampNs: sec * 1_000_000_000n + (this.ns ? frac : frac * 1000n),
          capturedLength: incl, originalLength: orig,
          data: this.buf.subarray(this.start + 16, this.start + 16 + incl),
        });
        this.consume(16 + incl);
        return true;
      }
      case 'pcapng': return this.ngBlock(out, have);
      default: return false;
    }
  }

  private ngBlock(out: CaptureEvent[], have: number): boolean {
    if (have < 8) return false;
    const rawType = this.u32(0, false);
    let le = this.le;
    if (rawType === SHB) {
      if (have < 12) return false;
      const sle = this.shbLe();
      if (sle === undefined) return this.fail(out, `pcapng section header: bad byte-order magic 0x${this.u32(8, false).toString(16)}`, this.pos + 8);
      le = sle;
    } else if (this.section < 0) {
      return this.fail(out, 'pcapng: first block is not a section header');
    }
    const type = this.u32(0, le);
    const len = this.u32(4, le);
    if (len < 12 || len % 4 !== 0 || (type === SHB && len < 28)) {
      return this.fail(out, `pcapng block type 0x${type.toString(16)}: bad block length ${len}`, this.pos + 4);
    }
    if (len > this.max) return this.fail(out, `pcapng block type 0x${type.toString(16)}: length ${len} exceeds the maximum ${this.max}`, this.pos + 4);
    if (have < len) return false;
    if (this.u32(len - 4, le) !== len) {
      return this.fail(out, `pcapng block type 0x${type.toString(16)}: trailing length ${this.u32(len - 4, le)} differs from ${len}`, this.pos + len - 4);
    }
    const offset = this.pos;
    const body = this.buf.subarray(this.start + 8, this.start + len - 4);
    const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const warn = (reason: string) => out.push({ kind: 'warning', offset, reason: `pcapng block type ${type}: ${reason}` });
    switch (type) {
      case SHB: {
        this.le = le;
        this.section++;
        this.ifaces = [];
        const major = dv.getUint16(4, le);
        if (major !== 1) warn(`section version ${major}.${dv.getUint16(6, le)}`);
        out.push({ kind: 'section', offset, section: this.section, littleEndian: le, format: 'pcapng' });
        break;
      }
      case 1: {
        if (body.length < 8) { warn('interface description too short'); break; }
        const iface: NgInterface = { linkType: dv.getUint16(0, le), snapLen: dv.getUint32(4, le), unitsPerSec: 1_000_000n, pow2: 0, offsetNs: 0n };
        let name: string | undefined;
        forEachOption(body, 8, le, (code, v) => {
          if (code === 9 && v.length >= 1) {
            const r = v[0]!;
            if (r & 0x80) { iface.pow2 = r & 0x7f; iface.unitsPerSec = 0n; } else { iface.unitsPerSec = 10n ** BigInt(r); }
          } else if (code === 14 && v.length >= 8) {
            iface.offsetNs = new DataView(v.buffer, v.byteOffset, 8).getBigInt64(0, le) * 1_000_000_000n;
          } else if (code === 2) {
            name = new TextDecoder().decode(v);
          }
        }, warn);
        if (iface.pow2 > 64 || (iface.unitsPerSec === 0n && iface.pow2 === 0) || iface.unitsPerSec > 10n ** 30n) {
          warn('unusable if_tsresol; using microseconds'); iface.unitsPerSec = 1_000_000n; iface.pow2 = 0;
        }
        this.ifaces.push(iface);
        out.push({ kind: 'interface', offset, section: this.section, interfaceId: this.ifaces.length - 1, linkType: iface.linkType, snapLen: iface.snapLen, ...(name !== undefined ? { name } : {}) });
        break;
      }
      case 6:
      case 2: {
        // Enhanced Packet Block (6) or obsolete Packet Block (2, interface id u16 + drops u16).
        if (body.length < 20) { warn('packet block too short'); break; }
        const id = type === 6 ? dv.getUint32(0, le) : dv.getUint16(0, le);
        const iface = this.ifaces[id];
        if (!iface) { warn(`packet for undefined interface ${id}`); break; }
        const caplen = dv.getUint32(12, le);
        if (caplen > body.length - 20) { warn(`captured length ${caplen} exceeds the block (${body.length - 20} bytes)`); break; }
        const ts = (BigInt(dv.getUint32(4, le)) << 32n) | BigInt(dv.getUint32(8, le));
        const tsNs = iface.unitsPerSec ? (ts * 1_000_000_000n) / iface.unitsPerSec : (ts * 1_000_000_000n) >> BigInt(iface.pow2);
        out.push({
          kind: 'packet', index: this.packets++, offset, linkType: iface.linkType, interfaceId: id, section: this.section,
          timestampNs: tsNs + iface.offsetNs, capturedLength: caplen, originalLength: dv.getUint32(16, le),
          data: body.subarray(20, 20 + caplen),
        });
        break;
      }
      case 3: {
        const iface = this.ifaces[0];
        if (!iface) { warn('simple packet without interface 0'); break; }
        if (body.length < 4) { warn('simple packet block too short'); break; }
        const orig = dv.getUint32(0, le);
        let caplen = Math.min(orig, body.length - 4);
        if (iface.snapLen) caplen = Math.min(caplen, iface.snapLen);
        out.push({
          kind: 'packet', index: this.packets++, offset, linkType: iface.linkType, interfaceId: 0, section: this.section,
          timestampNs: undefined, capturedLength: caplen, originalLength: orig, data: body.subarray(4, 4 + caplen),
        });
        break;
      }
      default:
        out.push({ kind: 'skipped', offset, blockType: type, length: len });
    }
    this.consume(len);
    return true;
  }
}

/** Walk pcapng TLV options from `start` in `body`; stops at opt_endofopt or a malformed option. */
function forEachOption(body: Uint8Array, start: number, le: boolean, fn: (code: number, value: Uint8Array) => void, warn: (r: string) => void): void {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let p = start;
  while (p + 4 <= body.length) {
    const code = dv.getUint16(p, le), len = dv.getUint16(p + 2, le);
    if (code === 0) return;
    if (p + 4 + len > body.length) { warn(`option ${code} of ${len} bytes overruns the block`); return; }
    fn(code, body.subarray(p + 4, p + 4 + len));
    p += 4 + ((len + 3) & ~3);
  }
}

/** Read a whole in-memory capture (tests, small files). */
export function readCaptureBytes(bytes: Uint8Array, o: CaptureReaderOptions = {}): CaptureEvent[] {
  const p = new CaptureParser(o);
  return [...p.push(bytes), ...p.finish()];
}

/** Stream events from any async source of chunks. */
export async function* readCaptureChunks(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, o: CaptureReaderOptions = {}): AsyncGenerator<CaptureEvent> {
  const p = new CaptureParser(o);
  for await (const chunk of source) {
    yield* p.push(chunk);
    if (p.finished) return;
  }
  yield* p.finish();
}

/** Stream events from a capture file, reading it in chunks of `chunkSize` bytes. */
export function readCaptureFile(path: string, o: CaptureReaderOptions & { chunkSize?: number } = {}): AsyncGenerator<CaptureEvent> {
  const stream = createReadStream(path, { highWaterMark: o.chunkSize ?? 256 * 1024 });
  return readCaptureChunks(stream as AsyncIterable<Uint8Array>, o);
}
