// IP fragment reassembly (IPv4, and IPv6 fragment headers), bounded in datagrams and bytes,
// with a timeout counted in packets. Overlapping fragments keep the bytes that came first;
// overlaps with different bytes are reported.

export interface FragmentOptions {
  /** Datagrams under reassembly at once (default 256); the oldest is dropped beyond it. */
  maxDatagrams?: number;
  /** Largest reassembled datagram payload (default 65535). */
  maxBytes?: number;
  /** A datagram not completed within this many packets is dropped (default 2000). */
  timeoutPackets?: number;
}

export type FragmentResult =
  | { kind: 'pending' }
  | { kind: 'complete'; payload: Uint8Array; fragments: number; firstPacket: number; conflict: boolean }
  | { kind: 'invalid'; reason: string };

export interface FragmentDropped { key: string; reason: 'timeout' | 'evicted'; bytesHeld: number; firstPacket: number }

interface Piece { off: number; data: Uint8Array }
interface Datagram { pieces: Piece[]; total: number | undefined; held: number; firstPacket: number; lastPacket: number; conflict: boolean }

export class FragmentReassembler {
  private readonly pending = new Map<string, Datagram>();
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly timeout: number;
  /** Datagrams dropped since the last `takeDropped()`. */
  private dropped: FragmentDropped[] = [];

  constructor(o: FragmentOptions = {}) {
    this.maxDatagrams = o.maxDatagrams ?? 256;
    this.maxBytes = o.maxBytes ?? 65535;
    this.timeout = o.timeoutPackets ?? 2000;
  }

  get size(): number { return this.pending.size; }

  /**
   * Add one fragment. `key` identifies the datagram (addresses, protocol, id); `offset` is in
   * bytes; `more` is the MF/M flag. Returns the payload when the datagram is complete.
   */
  add(key: string, offset: number, more: boolean, data: Uint8Array, packetIndex: number): FragmentResult {
    this.expire(packetIndex);
    const end = offset + data.length;
    if (end > this.maxBytes) return { kind: 'invalid', reason: `fragment ends at ${end}, beyond the maximum ${this.maxBytes}` };
    if (more && data.length % 8 !== 0) return { kind: 'invalid', reason: `non-final fragment of ${data.length} bytes is not a multiple of 8` };
    let d = this.pending.get(key);
    if (!d) {
      if (this.pending.size >= this.maxDatagrams) {
        const [oldKey, old] = this.pending.entries().next().value as [string, Datagram];
        this.pending.delete(oldKey);
        this.dropped.push({ key: oldKey, reason: 'evicted', bytesHeld: old.held, firstPacket: old.firstPacket });
      }
      d = { pieces: [], total: undefined, held: 0, firstPacket: packetIndex, lastPacket: packetIndex, conflict: false };
      this.pending.set(key, d);
    }
    d.lastPacket = packetIndex;
    if (!more) {
      if (d.total !== undefined && d.total !== end) {
        this.pending.delete(key);
        return { kind: 'invalid', reason: `two last fragments end at ${d.total} and ${end}` };
      }
      d.total = end;
    }
    if (d.total !== undefined && d.pieces.some((p) => p.off + p.data.length > d!.total!)) {
      this.pending.delete(key);
      return { kind: 'invalid', reason: `fragment data beyond the datagram end ${d.total}` };
    }
    // First wins: keep only the parts of the new fragment that are not covered yet.
    let parts: Piece[] = [{ off: offset, data }];
    for (const p of d.pieces) {
      const next: Piece[] = [];
      for (const n of parts) {
        const a = Math.max(n.off, p.off), b = Math.min(n.off + n.data.length, p.off + p.data.length);
        if (a >= b) { next.push(n); continue; }
        for (let i = a; i < b; i++) if (n.data[i - n.off] !== p.data[i - p.off]) { d.conflict = true; break; }
        if (n.off < a) next.push({ off: n.off, data: n.data.subarray(0, a - n.off) });
        if (b < n.off + n.data.length) next.push({ off: b, data: n.data.subarray(b - n.off) });
      }
      parts = next;
    }
    for (const n of parts) {
      if (n.data.length === 0) continue;
      d.pieces.push({ off: n.off, data: n.data.slice() });
      d.held += n.data.length;
    }
    if (d.total === undefined || d.held < d.total) return { kind: 'pending' };
    // Pieces never overlap, so held === total means full coverage.
    const out = new Uint8Array(d.total);
    for (const p of d.pieces) out.set(p.data, p.off);
    this.pending.delete(key);
    return { kind: 'complete', payload: out, fragments: d.pieces.length, firstPacket: d.firstPacket, conflict: d.conflict };
  }

  /** Drop datagrams idle for more than the timeout. */
  expire(packetIndex: number): void {
    for (const [k, d] of this.pending) {
      if (packetIndex - d.lastPacket > this.timeout) {
        this.pending.delete(k);
        this.dropped.push({ key: k, reason: 'timeout', bytesHeld: d.held, firstPacket: d.firstPacket });
      }
    }
  }

  /** Datagrams dropped (timeout or eviction) since the last call. */
  takeDropped(): FragmentDropped[] {
    const d = this.dropped;
    this.dropped = [];
    return d;
  }

  /** End of capture: every incomplete datagram is dropped. */
  flush(): FragmentDropped[] {
    for (const [k, d] of this.pending) this.dropped.push({ key: k, reason: 'timeout', bytesHeld: d.held, firstPacket: d.firstPacket });
    this.pending.clear();
    return this.takeDropped();
  }
}
