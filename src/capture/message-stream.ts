// One direction of a connection as a sequence of messages: the reassembled (and inflated) byte
// stream goes through the runtime's FrameReader with a link codec (link-codecs.ts).
//
// Missing data is never invented. When bytes are missing (a gap) in the middle of a message,
// that message is reported as incomplete; when the cut message's header was complete, its
// declared length says where the next message starts, otherwise the stream is scanned for the
// next position where a typical message decodes and the following header is plausible
// (resynchronisation). The same happens after a framing error (a length field out of range).
// Scanning is bounded: after `maxResyncBytes` without a message the rest of the direction is
// marked undecodable. Text protocols (no length framing) cannot resynchronise: the rest of
// the direction is marked undecodable after a gap or framing error.
import { FrameReader, PeerwireError, type ProtocolInfo } from '../runtime/index.ts';
import { probe, type FrameOutcome, type LinkCodec, type Probe } from './link-codecs.ts';

export interface StreamMessage {
  kind: 'message';
  proto: ProtocolInfo;
  value: unknown;
  /** Stream offset of the first byte. */
  offset: number;
  size: number;
  firstPacket: number;
  lastPacket: number;
}

/** A complete frame that does not decode, or a length field that breaks framing (a protocol error). */
export interface StreamMalformed {
  kind: 'malformed';
  proto: ProtocolInfo | undefined;
  offset: number;
  size: number;
  /** DecodeError code (`valid`, `eof`, `limit`, ...); `limit` for framing errors. */
  error: string;
  /** Stream offset of the field that failed. */
  errorOffset: number;
  path: string;
  reason: string;
  firstPacket: number;
  lastPacket: number;
}

/** Bytes that could not be decoded because of the capture: cut by a gap, skipped while resynchronising, stream ended early. */
export interface StreamIncomplete {
  kind: 'incomplete';
  offset: number;
  /** Captured bytes concerned (not counting missing ones). */
  size: number;
  reason: string;
  firstPacket: number;
  lastPacket: number;
}

export type StreamItem = StreamMessage | StreamMalformed | StreamIncomplete;

export interface MessageStreamOptions {
  /** Captured bytes scanned without finding a message before the direction is given up (default 1 MiB). */
  maxResyncBytes?: number;
  /** Start by resynchronising (the capture began mid-stream). */
  resyncAtStart?: boolean;
}

/** Longest message waited for while resynchronising (Wireshark treats Gnutella lengths above 4096 as not a message either). */
const RESYNC_LOOKAHEAD = 4096;

/** Largest message tail kept to decode with its message (P2P-DI file); a longer one is skipped and reported. */
const MAX_TAIL = 16 << 20;

/** Raw bytes that complete a text message (see LinkCodec.tailLength), being collected. */
interface Tail {
  /** The message's bytes before the tail (a copy). */
  head: Uint8Array;
  /** Stream offset of the message. */
  offset: number;
  need: number;
  got: number;
  /** The collected bytes; null when the tail is over MAX_TAIL and only skipped. */
  parts: Uint8Array[] | null;
}

/** Bytes to decode in sync mode from stream offset `offset` on. */
interface Resume { offset: number; bytes: Uint8Array }

interface Resync {
  buf: Uint8Array;
  len: number;
  /** Stream offset of buf[0]. */
  base: number;
  /** Next stream offset to try. */
  scan: number;
  /** Start of the bytes skipped so far (reported when a message is found). */
  skippedFrom: number;
  why: string;
  /**
   * The record of the bad header that started this resynchronisation: held back until the next
   * message is found, because that message may start inside the header's bytes (the record is
   * then cut short, so no byte is reported twice).
   */
  pending?: StreamMalformed | StreamIncomplete;
}

export class MessageStream {
  readonly link: LinkCodec;
  private reader: FrameReader<FrameOutcome | unknown> | undefined;
  /** Stream offset of the reader's offset 0. */
  private readerBase = 0;
  /** Next stream offset expected. */
  private pos = 0;
  private state: 'sync' | 'resync' | 'dead';
  private rs: Resync | undefined;
  // Header walker (framed links): where the next message header starts.
  private hdr: Uint8Array;
  private hdrLen = 0;
  private msgStart = 0;
  private rem = 0;
  private curLen = 0;
  // (stream offset, packet index) of the chunks not yet fully framed.
  private segOff: number[] = [];
  private segPkt: number[] = [];
  private segHead = 0;
  private tail: Tail | undefined;
  /** Result of span(). */
  private lo = 0;
  private hi = 0;
  private readonly maxResync: number;
  private lastPacket = 0;
  /** Messages decoded since the last resynchronisation (Infinity when none happened). */
  private sinceResync = Infinity;
  /** Bytes of this direction not decoded (dead or skipped). */
  undecodedBytes = 0;
  /**
   * Bytes captured after the direction was given up (dead), not yet in a record: one
   * `incomplete` record per contiguous run, made at the next gap or at the end.
   */
  private afterDeath: { why: string; from: number; size: number; firstPacket: number; lastPacket: number } | undefined;
  private deathReason = '';

  constructor(l: LinkCodec, o: MessageStreamOptions = {}) {
    this.link = l;
    this.maxResync = o.maxResyncBytes ?? 1024 * 1024;
    this.hdr = new Uint8Array(l.frame?.headerSize ?? 0);
    if (o.resyncAtStart && l.frame) {
      this.state = 'resync';
      this.rs = { buf: new Uint8Array(1024), len: 0, base: 0, scan: 0, skippedFrom: 0, why: 'the capture starts mid-stream' };
    } else {
      this.state = 'sync';
      this.newReader(0);
    }
  }

  get dead(): boolean { return this.state === 'dead'; }

  private newReader(at: number): void {
    const l = this.link;
    this.reader = l.frame
      ? new FrameReader<FrameOutcome>((b, o, e) => ({ value: l.decodeFrame(b, o, e), size: e - o }), l.frame, { maxMessageSize: l.maxMessageSize })
      : new FrameReader<unknown>((b, o, e) => l.decodeText(b, o, e), null, { maxMessageSize: l.maxMessageSize });
    this.readerBase = at;
    this.hdrLen = 0; this.rem = 0; this.msgStart = at; this.curLen = 0;
  }

  /**
   * Sets lo/hi to the earliest and latest packet that carried stream bytes [offset, offset+size):
   * with reordered segments the first bytes may arrive last.
   */
  private span(offset: number, size: number): void {
    const last = offset + Math.max(size, 1) - 1;
    let h = this.segHead;
    while (h + 1 < this.segOff.length && this.segOff[h + 1]! <= offset) h++;
    let lo = this.segPkt[h] ?? this.lastPacket, hi = lo;
    for (let j = h + 1; j < this.segOff.length && this.segOff[j]! <= last; j++) {
      const pk = this.segPkt[j]!;
      if (pk < lo) lo = pk;
      if (pk > hi) hi = pk;
    }
    this.lo = lo; this.hi = hi;
    this.segHead = h;
    if (h > 256) { this.segOff = this.segOff.slice(h); this.segPkt = this.segPkt.slice(h); this.segHead = 0; }
  }

  private frames(offset: number, size: number): { firstPacket: number; lastPacket: number } {
    this.span(offset, size);
    return { firstPacket: this.lo, lastPacket: this.hi };
  }

  /** Bytes starting at stream offset `offset` (contiguous with the previous data unless a gap was reported). */
  data(offset: number, bytes: Uint8Array, packetIndex: number, out: StreamItem[]): void {
    this.lastPacket = packetIndex;
    if (bytes.length === 0) return;
    if (offset > this.pos) this.gap(this.pos, offset - this.pos, packetIndex, out);
    else if (offset < this.pos) {
      // Overlap with what was already delivered: keep only the new part.
      if (offset + bytes.length <= this.pos) return;
      bytes = bytes.subarray(this.pos - offset);
      offset = this.pos;
    }
    this.pos = offset + bytes.length;
    if (this.state === 'dead') {
      this.undecodedBytes += bytes.length;
      const a = this.afterDeath;
      if (a) { a.size += bytes.length; a.lastPacket = Math.max(a.lastPacket, packetIndex); a.firstPacket = Math.min(a.firstPacket, packetIndex); }
      else this.afterDeath = { why: this.deathReason, from: offset, size: bytes.length, firstPacket: packetIndex, lastPacket: packetIndex };
      return;
    }
    this.segOff.push(offset); this.segPkt.push(packetIndex);
    this.drive(this.state === 'resync' ? this.resyncData(offset, bytes, out) : { offset, bytes }, out);
  }

  /**
   * Decodes in sync mode from `next` on, through as many framing errors and resynchronisations
   * as the bytes hold. A loop, not recursion: a crafted stream can force any number of them.
   */
  private drive(next: Resume | undefined, out: StreamItem[]): void {
    while (next) next = this.syncData(next.offset, next.bytes, out);
  }

  /** Returns where to continue in sync mode when a framing error led to a resynchronisation that already succeeded. */
  private syncData(offset: number, bytes: Uint8Array, out: StreamItem[]): Resume | undefined {
    const f = this.link.frame;
    if (!f) { this.textData(bytes, out); return; }
    // Walk the headers to find a framing error before the FrameReader does (it would throw and
    // lose the messages completed earlier in the same chunk).
    let i = 0;
    const H = f.headerSize;
    while (i < bytes.length) {
      if (this.rem > 0) {
        const k = Math.min(this.rem, bytes.length - i);
        i += k; this.rem -= k;
        if (this.rem === 0) { this.msgStart += this.curLen; this.curLen = 0; }
        continue;
      }
      let n: number;
      if (this.hdrLen === 0 && bytes.length - i >= H) {
        // The whole header is in this chunk (the common case): read it in place.
        n = f.frameLength(bytes, i);
        i += H;
        if (!Number.isInteger(n) || n < H || n > this.link.maxMessageSize) this.hdr.set(bytes.subarray(i - H, i));
      } else {
        const k = Math.min(H - this.hdrLen, bytes.length - i);
        this.hdr.set(bytes.subarray(i, i + k), this.hdrLen);
        this.hdrLen += k; i += k;
        if (this.hdrLen < H) break;
        n = f.frameLength(this.hdr, 0);
        this.hdrLen = 0;
      }
      if (!Number.isInteger(n) || n < H || n > this.link.maxMessageSize) {
        // Frame everything before the bad header, then resynchronise from the byte after it.
        const badAt = this.msgStart;
        const before = badAt - offset;
        if (before > 0) this.pushReader(bytes.subarray(0, before), out);
        const lp = this.frames(badAt, H);
        const reason = `frame length ${n} is outside ${H}..${this.link.maxMessageSize}; stream desynchronised`;
        // Right after a resynchronisation, the resync point was more likely wrong than the peer.
        const pending: StreamMalformed | StreamIncomplete = this.sinceResync < 4
          ? { kind: 'incomplete', offset: badAt, size: H, reason: `${reason} (probably a false resynchronisation)`, ...lp }
          : { kind: 'malformed', proto: this.link.protos.length === 1 ? this.link.protos[0] : undefined, offset: badAt, size: H, error: 'limit', errorOffset: badAt, path: '', reason, ...lp };
        const tail = bytes.subarray(i);
        const buf = new Uint8Array(Math.max(1024, H + tail.length));
        buf.set(this.hdr, 0); buf.set(tail, H);
        this.reader = undefined;
        this.state = 'resync';
        this.rs = { buf, len: H + tail.length, base: badAt, scan: badAt + 1, skippedFrom: badAt + H, why: 'a framing error', pending };
        return this.runResync(false, out);
      }
      this.curLen = n;
      this.rem = n - H;
      if (this.rem === 0) { this.msgStart += n; this.curLen = 0; }
    }
    this.pushReader(bytes, out);
  }

  private pushReader(bytes: Uint8Array, out: StreamItem[]): void {
    const frames = this.reader!.push(bytes);
    for (const fr of frames) this.emitFrame(fr, out);
  }

  private emitFrame(fr: ReturnType<FrameReader<unknown>['push']>[number], out: StreamItem[]): void {
    const offset = this.readerBase + fr.offset;
    const size = fr.size;
    this.sinceResync++;
    this.span(offset, size);
    const firstPacket = this.lo, lastPacket = this.hi;
    if (fr.ok) {
      if (this.link.frame) {
        const o = fr.value as FrameOutcome;
        if (o.ok) out.push({ kind: 'message', proto: o.proto, value: o.value, offset, size, firstPacket, lastPacket });
        else out.push(malformed(o.proto, o.error, offset, size, { firstPacket, lastPacket }));
      } else {
        const need = this.link.tailLength(fr.value);
        // A message with a tail goes out when the tail is complete (textData feeds it); one with
        // a tail too long to keep goes out now, and the tail is skipped and reported.
        if (need > 0) this.tail = { head: fr.bytes.slice(), offset, need, got: 0, parts: need <= MAX_TAIL ? [] : null };
        if (need === 0 || need > MAX_TAIL) out.push({ kind: 'message', proto: this.link.protos[0]!, value: fr.value, offset, size, firstPacket, lastPacket });
      }
    } else {
      out.push(malformed(this.link.protos[0], fr.error, offset, size, { firstPacket, lastPacket }));
    }
  }

  /** Text protocols: feed line by line so a framing error loses nothing decoded before it. */
  private textData(bytes: Uint8Array, out: StreamItem[]): void {
    let start = 0;
    while (start < bytes.length) {
      if (this.tail) {
        start = this.feedTail(bytes, start, out);
        continue;
      }
      let end = bytes.indexOf(0x0a, start);
      end = end < 0 ? bytes.length : end + 1;
      try {
        this.pushReader(bytes.subarray(start, end), out);
      } catch (e) {
        if (!(e instanceof PeerwireError)) throw e;
        const at = this.readerBase + (e.offset >= 0 ? e.offset : this.reader!.offset);
        const lp = this.frames(at, 1);
        out.push({ kind: 'malformed', proto: this.link.protos[0], offset: at, size: this.pos - at, error: e.code, errorOffset: at, path: e.path, reason: e.reason, ...lp });
        this.kill(this.pos, 'text protocol cannot resynchronise', out, false);
        return;
      }
      start = end;
    }
  }

  /** Takes tail bytes from bytes[start..]; when the tail is complete, emits its message. Returns where the rest starts. */
  private feedTail(bytes: Uint8Array, start: number, out: StreamItem[]): number {
    const t = this.tail!;
    const k = Math.min(t.need - t.got, bytes.length - start);
    t.parts?.push(bytes.slice(start, start + k));
    t.got += k;
    if (t.got < t.need) return start + k;
    this.tail = undefined;
    const tailAt = t.offset + t.head.length;
    this.newReader(tailAt + t.need); // the frame reader resumes after the tail
    if (!t.parts) {
      const lp = this.frames(tailAt, t.need);
      out.push({ kind: 'incomplete', offset: tailAt, size: t.need, reason: `${t.need} bytes of data after the message not decoded (over the ${MAX_TAIL}-byte limit)`, ...lp });
      this.undecodedBytes += t.need;
      return start + k;
    }
    const whole = new Uint8Array(t.head.length + t.need);
    whole.set(t.head, 0);
    let o = t.head.length;
    for (const part of t.parts) { whole.set(part, o); o += part.length; }
    const lp = this.frames(t.offset, whole.length);
    try {
      const { value, size } = this.link.decodeText(whole, 0);
      if (size === whole.length) out.push({ kind: 'message', proto: this.link.protos[0]!, value, offset: t.offset, size, ...lp });
      else out.push({ kind: 'malformed', proto: this.link.protos[0], offset: t.offset, size: whole.length, error: 'valid', errorOffset: t.offset + size, path: '', reason: `message with its ${t.need}-byte tail decodes to ${size} bytes`, ...lp });
    } catch (e) {
      if (!(e instanceof PeerwireError)) throw e;
      out.push(malformed(this.link.protos[0], e, t.offset, whole.length, lp));
    }
    return start + k;
  }

  /** The stream ends or breaks inside a tail: report the message and what came of its tail. */
  private cutTail(reason: string, protocolError: boolean, out: StreamItem[]): void {
    const t = this.tail!;
    this.tail = undefined;
    const size = t.head.length + t.got;
    const lp = this.frames(t.offset, size);
    const text = `${reason} after ${t.got} of the ${t.need} bytes that follow the message`;
    if (protocolError) out.push({ kind: 'malformed', proto: this.link.protos[0], offset: t.offset, size, error: 'eof', errorOffset: t.offset + size, path: '', reason: text, ...lp });
    else out.push({ kind: 'incomplete', offset: t.offset, size, reason: text, ...lp });
    this.undecodedBytes += size;
  }

  /** `length` bytes are missing at stream offset `offset`. */
  gap(offset: number, length: number, packetIndex: number, out: StreamItem[]): void {
    this.lastPacket = packetIndex;
    if (length <= 0) return;
    const gapEnd = offset + length;
    if (offset < this.pos) return; // already covered
    this.pos = gapEnd;
    if (this.state === 'dead') { this.reportAfterDeath(out); return; }
    if (this.state === 'resync') {
      const rs = this.rs!;
      this.emitPending(out);
      // Nothing before the gap can complete any more.
      const skipped = rs.base + rs.len - rs.skippedFrom;
      if (skipped > 0) {
        const lp = this.frames(rs.skippedFrom, skipped);
        out.push({ kind: 'incomplete', offset: rs.skippedFrom, size: skipped, reason: `${skipped} bytes skipped while resynchronising after ${rs.why}, then ${length} bytes missing`, ...lp });
        this.undecodedBytes += skipped;
      }
      this.resetResync(gapEnd, Math.max(gapEnd, rs.scan), rs.why);
      return;
    }
    if (!this.link.frame) {
      if (this.tail) this.cutTail(`${length} bytes missing at offset ${offset}`, false, out);
      // The start of a message (an unfinished line) before the gap can never complete.
      const pending = this.reader?.pending ?? 0;
      if (pending > 0) {
        const start = this.readerBase + this.reader!.offset;
        out.push({ kind: 'incomplete', offset: start, size: pending, reason: `message cut by ${length} missing bytes at offset ${offset}`, ...this.frames(start, pending) });
        this.undecodedBytes += pending;
      }
      this.kill(offset, `${length} bytes missing at offset ${offset}; a text protocol cannot resynchronise`, out, true);
      return;
    }
    // Sync: a message cut by the gap?
    const pending = this.reader!.pending;
    let next = gapEnd;
    if (pending > 0) {
      const start = this.readerBase + this.reader!.offset;
      const known = this.curLen > 0;
      const lp = this.frames(start, pending);
      // The record spans the whole declared message when its length is known: the bytes after
      // the gap up to its end are skipped as part of it.
      out.push({ kind: 'incomplete', offset: start, size: known ? Math.max(this.curLen, pending) : pending, reason: `message cut by ${length} missing bytes at offset ${offset}${known ? ` (declared length ${this.curLen})` : ''}`, ...lp });
      this.undecodedBytes += pending;
      if (known && start + this.curLen > gapEnd) next = start + this.curLen;
    }
    this.reader = undefined;
    this.state = 'resync';
    this.resetResync(gapEnd, next, `${length} missing bytes at offset ${offset}`);
  }

  private resetResync(base: number, scan: number, why: string): void {
    this.rs = { buf: this.rs?.buf ?? new Uint8Array(1024), len: 0, base, scan, skippedFrom: scan, why };
  }

  private resyncData(offset: number, bytes: Uint8Array, out: StreamItem[]): Resume | undefined {
    const rs = this.rs!;
    if (rs.len === 0) rs.base = offset;
    if (rs.len + bytes.length > rs.buf.length) {
      const nb = new Uint8Array(Math.max(rs.len + bytes.length, rs.buf.length * 2));
      nb.set(rs.buf.subarray(0, rs.len));
      rs.buf = nb;
    }
    rs.buf.set(bytes, rs.len);
    rs.len += bytes.length;
    return this.runResync(false, out);
  }

  /** Scans for the next message; when found, returns where sync mode resumes (see drive). */
  private runResync(final: boolean, out: StreamItem[]): Resume | undefined {
    const rs = this.rs!;
    const l = this.link;
    const end = rs.base + rs.len;
    const H = l.frame!.headerSize;
    // A candidate (or its successor) longer than the lookahead is not waited for: a false
    // header with a large length would stall the scan.
    const tooLong = (at: number) => rs.len - at >= H && l.frame!.frameLength(rs.buf, at) > RESYNC_LOOKAHEAD;
    while (rs.scan < end) {
      const p = rs.scan - rs.base;
      if (p < 0) { rs.scan = rs.base; continue; }
      const r = tooLong(p) ? { verdict: 'no' as const } : probe(l, rs.buf, p, rs.len, final);
      if (r.verdict === 'more') break;
      if (r.verdict === 'yes') {
        // Two in a row: the message after the candidate must decode as a typical message too.
        // At the end of the stream the candidate may also be the last message.
        const q = p + r.size;
        let next: Probe['verdict'];
        if (q >= rs.len) next = final ? 'yes' : 'more';
        else next = tooLong(q) ? 'no' : probe(l, rs.buf, q, rs.len, final).verdict;
        if (next === 'more') break;
        if (next === 'yes') return this.resynced(out);
      }
      rs.scan++;
    }
    // Drop what can no longer start a message.
    const drop = Math.min(rs.scan, end) - rs.base;
    if (drop > 0) {
      rs.buf.copyWithin(0, drop, rs.len);
      rs.len -= drop;
      rs.base += drop;
    }
    const skipped = rs.scan - rs.skippedFrom;
    if (final) {
      this.emitPending(out);
      if (end > rs.skippedFrom) {
        const lp = this.frames(rs.skippedFrom, end - rs.skippedFrom);
        out.push({ kind: 'incomplete', offset: rs.skippedFrom, size: end - rs.skippedFrom, reason: `${end - rs.skippedFrom} bytes after ${rs.why} not decoded: no message found before the end of the stream`, ...lp });
        this.undecodedBytes += end - rs.skippedFrom;
      }
      return;
    }
    if (skipped > this.maxResync) {
      this.emitPending(out);
      this.undecodedBytes += rs.len;
      this.kill(rs.skippedFrom, `no decodable message within ${skipped} bytes after ${rs.why}; the rest of this direction is not decoded`, out, true);
    }
  }

  /** Emit the held-back bad-header record, cut short when the next message starts inside it (at `nextAt`). */
  private emitPending(out: StreamItem[], nextAt = Infinity): void {
    const p = this.rs?.pending;
    if (!p) return;
    this.rs!.pending = undefined;
    if (nextAt < p.offset + p.size) p.size = nextAt - p.offset;
    out.push(p);
  }

  private resynced(out: StreamItem[]): Resume {
    const rs = this.rs!;
    const at = rs.scan;
    this.emitPending(out, at);
    if (at > rs.skippedFrom) {
      const lp = this.frames(rs.skippedFrom, at - rs.skippedFrom);
      out.push({ kind: 'incomplete', offset: rs.skippedFrom, size: at - rs.skippedFrom, reason: `${at - rs.skippedFrom} bytes skipped to resynchronise after ${rs.why}`, ...lp });
      this.undecodedBytes += at - rs.skippedFrom;
    }
    const rest = rs.buf.slice(at - rs.base, rs.len);
    this.rs = undefined;
    this.state = 'sync';
    this.sinceResync = 0;
    this.newReader(at);
    return { offset: at, bytes: rest };
  }

  private kill(at: number, reason: string, out: StreamItem[], record: boolean): void {
    this.deathReason = reason;
    if (record) {
      const lp = this.frames(at, 1);
      out.push({ kind: 'incomplete', offset: at, size: Math.max(0, this.pos - at), reason, ...lp });
    }
    this.state = 'dead';
    this.reader = undefined;
    this.rs = undefined;
  }

  /** Stop decoding: the rest of this direction cannot be decoded (`reason` is reported once). */
  abandon(reason: string, packetIndex: number, out: StreamItem[]): void {
    this.lastPacket = packetIndex;
    if (this.state === 'dead') return;
    this.flushPartial(`${reason}`, false, out);
    this.kill(this.pos, reason, out, true);
  }

  /** End of the direction. `closed`: the peer closed it (FIN/RST), so a partial message is a protocol error. */
  end(reason: string, closed: boolean, packetIndex: number, out: StreamItem[]): void {
    this.lastPacket = packetIndex;
    if (this.state === 'dead') { this.reportAfterDeath(out); return; }
    this.flushPartial(reason, closed, out);
    this.state = 'dead';
    this.deathReason = `it had ended (${reason})`;
  }

  /** The bytes captured since the direction was given up (or since the last gap after that): one record. */
  private reportAfterDeath(out: StreamItem[]): void {
    const a = this.afterDeath;
    if (!a) return;
    this.afterDeath = undefined;
    out.push({ kind: 'incomplete', offset: a.from, size: a.size, reason: `${a.size} bytes not decoded: the direction was given up (${a.why})`, firstPacket: a.firstPacket, lastPacket: a.lastPacket });
  }

  private flushPartial(reason: string, closed: boolean, out: StreamItem[]): void {
    // A final resynchronisation can find a message, decode on and hit another framing error,
    // which starts a new resynchronisation: finish that one too.
    while (this.state === 'resync') {
      const rs = this.rs;
      const next = this.runResync(true, out);
      if (next) this.drive(next, out);
      else if (this.rs === rs) break;
    }
    if (this.tail) this.cutTail(`stream ended (${reason})`, closed, out);
    if (this.state !== 'sync' || !this.reader) return;
    const pending = this.reader.pending;
    if (pending === 0) return;
    const start = this.readerBase + this.reader.offset;
    const lp = this.frames(start, pending);
    const need = this.curLen > 0 ? ` of ${this.curLen}` : '';
    const text = `stream ended (${reason}) inside a message: ${pending}${need} bytes`;
    if (closed) out.push({ kind: 'malformed', proto: this.link.protos.length === 1 ? this.link.protos[0] : undefined, offset: start, size: pending, error: 'eof', errorOffset: start + pending, path: '', reason: text, ...lp });
    else out.push({ kind: 'incomplete', offset: start, size: pending, reason: text, ...lp });
    this.undecodedBytes += pending;
    this.reader.end();
  }
}

function malformed(proto: ProtocolInfo | undefined, e: PeerwireError, offset: number, size: number, lp: { firstPacket: number; lastPacket: number }): StreamMalformed {
  return { kind: 'malformed', proto, offset, size, error: e.code, errorOffset: offset + Math.max(0, e.offset), path: e.path, reason: e.reason, ...lp };
}
