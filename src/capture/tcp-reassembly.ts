// Reassembly of one direction of a TCP connection into an ordered byte stream.
//
// Sequence numbers are compared modulo 2^32 relative to the next expected byte. Out-of-order
// segments are buffered (bounded) and delivered in order; data already delivered is dropped
// (retransmissions, keep-alives); overlapping buffered data keeps the first copy and a
// different second copy is reported as a conflict. Missing data is never invented: when the
// buffer limit is hit or the stream ends with holes, a `gap` event says which byte range is
// missing and delivery continues after it, so the consumer can resynchronise or give up.

export type StreamEndReason = 'fin' | 'rst' | 'eof' | 'timeout' | 'evicted';

export type StreamEvent =
  /**
   * `bytes` (a view, valid during the callback) start at stream offset `offset`; `packetIndex` is
   * the packet that carried them (for buffered out-of-order data, not the packet that filled the hole).
   */
  | { kind: 'data'; offset: number; bytes: Uint8Array; packetIndex: number }
  /** Bytes [offset, offset + length) were not captured and are skipped. */
  | { kind: 'gap'; offset: number; length: number; packetIndex: number; reason: 'missing' | 'buffer-limit' }
  /** A retransmission carried different bytes for [offset, offset + length); the first copy was kept. */
  | { kind: 'conflict'; offset: number; length: number; packetIndex: number }
  /** The direction ended; `offset` is its final length. */
  | { kind: 'end'; offset: number; reason: StreamEndReason; packetIndex: number };

export interface HalfStreamOptions {
  /** Out-of-order bytes buffered at most (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Out-of-order segments buffered at most (default 4096). */
  maxBufferedSegments?: number;
}

export interface HalfStreamStats {
  segments: number;
  outOfOrder: number;
  retransmittedBytes: number;
  conflicts: number;
  gaps: number;
  gapBytes: number;
}

interface Piece { off: number; data: Uint8Array; packetIndex: number }

export interface SegmentFlags { syn?: boolean; fin?: boolean; rst?: boolean }

export class TcpHalfStream {
  /** Sequence number of stream offset 0 (ISN + 1 when the SYN was seen). */
  private base: number | undefined;
  /** Stream offset of the next byte to deliver (= bytes delivered + bytes skipped as gaps). */
  delivered = 0;
  /** True when the stream was picked up without its SYN. */
  midstream = false;
  ended = false;
  private pending: Piece[] = [];
  private pendingBytes = 0;
  private finOffset: number | undefined;
  private readonly maxBytes: number;
  private readonly maxSegments: number;
  readonly stats: HalfStreamStats = { segments: 0, outOfOrder: 0, retransmittedBytes: 0, conflicts: 0, gaps: 0, gapBytes: 0 };

  constructor(o: HalfStreamOptions = {}) {
    this.maxBytes = o.maxBufferedBytes ?? 1024 * 1024;
    this.maxSegments = o.maxBufferedSegments ?? 4096;
  }

  get started(): boolean { return this.base !== undefined; }
  get bufferedBytes(): number { return this.pendingBytes; }

  /** Stream offset of a sequence number (may be negative for old data). */
  offsetOf(seq: number): number {
    if (this.base === undefined) return 0;
    const next = (this.base + this.delivered) >>> 0;
    return this.delivered + ((seq - next) | 0);
  }

  /** Feed one segment of this direction. */
  segment(seq: number, flags: SegmentFlags, payload: Uint8Array, packetIndex: number): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (this.ended) {
      if (payload.length) this.stats.retransmittedBytes += payload.length;
      return out;
    }
    this.stats.segments++;
    let dataSeq = seq >>> 0;
    if (flags.syn) {
      dataSeq = (dataSeq + 1) >>> 0;
      if (this.base === undefined) this.base = dataSeq;
    }
    if (this.base === undefined) {
      if (payload.length === 0 && !flags.fin) {
        if (flags.rst) return this.finish('rst', packetIndex);
        return out;
      }
      this.base = dataSeq;
      this.midstream = true;
    }
    const off = this.offsetOf(dataSeq);
    if (payload.length) this.insert(off, payload, packetIndex, out);
    if (flags.fin && this.finOffset === undefined) this.finOffset = off + payload.length;
    if (flags.rst) return out.concat(this.finish('rst', packetIndex));
    if (this.finOffset !== undefined && this.delivered >= this.finOffset && this.pending.length === 0) {
      this.ended = true;
      out.push({ kind: 'end', offset: this.delivered, reason: 'fin', packetIndex });
    }
    return out;
  }

  private insert(off: number, data: Uint8Array, packetIndex: number, out: StreamEvent[]): void {
    const end = off + data.length;
    if (end <= this.delivered) { this.stats.retransmittedBytes += data.length; return; }
    if (off < this.delivered) {
      this.stats.retransmittedBytes += this.delivered - off;
      data = data.subarray(this.delivered - off);
      off = this.delivered;
    }
    if (off > this.delivered) this.stats.outOfOrder++;
    // Cut away what is already buffered (first copy wins).
    let parts: Piece[] = [{ off, data, packetIndex }];
    for (const p of this.pending) {
      if (p.off >= off + data.length) break;
      const next: Piece[] = [];
      for (const n of parts) {
        const a = Math.max(n.off, p.off), b = Math.min(n.off + n.data.length, p.off + p.data.length);
        if (a >= b) { next.push(n); continue; }
        this.stats.retransmittedBytes += b - a;
        for (let i = a; i < b; i++) {
          if (n.data[i - n.off] !== p.data[i - p.off]) {
            this.stats.conflicts++;
            out.push({ kind: 'conflict', offset: a, length: b - a, packetIndex });
            break;
          }
        }
        if (n.off < a) next.push({ off: n.off, data: n.data.subarray(0, a - n.off), packetIndex });
        if (b < n.off + n.data.length) next.push({ off: b, data: n.data.subarray(b - n.off), packetIndex });
      }
      parts = next;
    }
    for (const n of parts) {
      if (n.off === this.delivered) {
        out.push({ kind: 'data', offset: n.off, bytes: n.data, packetIndex });
        this.delivered += n.data.length;
        this.drain(packetIndex, out);
        continue;
      }
      // Make room by declaring the first hole missing, as often as needed.
      while (this.pending.length > 0 && (this.pendingBytes + n.data.length > this.maxBytes || this.pending.length >= this.maxSegments)) {
        this.skipTo(this.pending[0]!.off, packetIndex, 'buffer-limit', out);
        this.drain(packetIndex, out);
      }
      if (n.off < this.delivered) {
        // The forced skip moved past part of this piece: deliver only what is still new.
        if (n.off + n.data.length <= this.delivered) continue;
        n.data = n.data.subarray(this.delivered - n.off);
        n.off = this.delivered;
      }
      if (n.off === this.delivered) {
        out.push({ kind: 'data', offset: n.off, bytes: n.data, packetIndex });
        this.delivered += n.data.length;
        this.drain(packetIndex, out);
        continue;
      }
      if (n.data.length > this.maxBytes) {
        this.skipTo(n.off, packetIndex, 'buffer-limit', out);
        out.push({ kind: 'data', offset: n.off, bytes: n.data, packetIndex });
        this.delivered += n.data.length;
        continue;
      }
      const piece = { off: n.off, data: n.data.slice(), packetIndex };
      let i = this.pending.length;
      while (i > 0 && this.pending[i - 1]!.off > piece.off) i--;
      this.pending.splice(i, 0, piece);
      this.pendingBytes += piece.data.length;
    }
  }

  private skipTo(off: number, packetIndex: number, reason: 'missing' | 'buffer-limit', out: StreamEvent[]): void {
    if (off <= this.delivered) return;
    this.stats.gaps++;
    this.stats.gapBytes += off - this.delivered;
    out.push({ kind: 'gap', offset: this.delivered, length: off - this.delivered, packetIndex, reason });
    this.delivered = off;
  }

  private drain(packetIndex: number, out: StreamEvent[]): void {
    while (this.pending.length > 0 && this.pending[0]!.off <= this.delivered) {
      const p = this.pending.shift()!;
      this.pendingBytes -= p.data.length;
      if (p.off + p.data.length <= this.delivered) continue;
      const bytes = p.data.subarray(this.delivered - p.off);
      out.push({ kind: 'data', offset: this.delivered, bytes, packetIndex: p.packetIndex });
      this.delivered += bytes.length;
    }
  }

  /** End this direction: buffered data after holes is delivered behind gap markers. */
  finish(reason: StreamEndReason, packetIndex: number): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (this.ended) return out;
    while (this.pending.length > 0) {
      this.skipTo(this.pending[0]!.off, packetIndex, 'missing', out);
      this.drain(packetIndex, out);
    }
    if (this.finOffset !== undefined && this.finOffset > this.delivered) this.skipTo(this.finOffset, packetIndex, 'missing', out);
    this.ended = true;
    out.push({ kind: 'end', offset: this.delivered, reason: this.finOffset !== undefined && reason === 'eof' ? 'fin' : reason, packetIndex });
    return out;
  }
}
