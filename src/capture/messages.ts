// The message layer of the capture dissector: every TCP direction and UDP datagram of a capture
// is assigned a link codec (explicit `--map` entries, Gnutella handshake text, the default port
// map, then content heuristics; see link-codecs.ts) and decoded message by message with the
// generated codecs (message-stream.ts). Gnutella connections with a handshake go through the
// handshake tracker, so deflate-negotiated directions are inflated first, and G2 / TLS links are
// recognised and left undecoded.
//
// Output records: `message` (decoded), `malformed` (a protocol error: a frame that does not
// decode, a length field out of range, a connection closed inside a message), `incomplete`
// (bytes the capture does not let us decode: cut by missing data, skipped while
// resynchronising, capture ended inside a message) and `problem` (capture / packet problems).
import type { CaptureEvent } from './capture-reader.ts';
import { CaptureDissector, type DissectEvent, type DissectorOptions } from './dissector.ts';
import type { FlowEvent, TcpFlow } from './flow-table.ts';
import { isG2Handshake, type GnutellaEvent, type HandshakeBlock } from './gnutella-handshake.ts';
import {
  PortMap, detect, findLink, gnutellaText, isG2Datagram, link, type LinkCodec, type Transport,
} from './link-codecs.ts';
import { MessageStream, type StreamItem } from './message-stream.ts';
import type { StreamEvent } from './tcp-reassembly.ts';
import type { ProtocolInfo } from '../runtime/index.ts';
import { protocols } from '../codecs/index.gen.ts';

export interface RecordBase {
  transport: Transport;
  /** Flow number: TCP flows as tshark's tcp.stream (0-based, in order of appearance); UDP conversations numbered separately. */
  flow: number;
  /** 0 = client to server (TCP: the SYN sender; UDP: the first sender), 1 = the other way. */
  dir: 0 | 1;
  src: string;
  dst: string;
  /** Timestamp (ns since the epoch) of the frame that completed the record; undefined for pcapng Simple Packet Blocks. */
  timeNs: bigint | undefined;
  /** 1-based frame numbers of the earliest and latest packet that carried the bytes (with reordered segments the first bytes may come in the later frame). */
  frames: [number, number];
  /** Offset in the direction's byte stream (TCP), or 0 (UDP). In an inflated stream, the offset in the inflated bytes. */
  offset: number;
  size: number;
  /** The offset and size count inflated bytes (Gnutella deflate). */
  compressed?: boolean;
}

export interface MessageRecord extends RecordBase {
  kind: 'message';
  proto: ProtocolInfo;
  value: unknown;
}

export interface MalformedRecord extends RecordBase {
  kind: 'malformed';
  /** Protocol name (the link codec's name when the message's protocol is not known). */
  proto: string;
  error: string;
  errorOffset: number;
  path: string;
  reason: string;
}

export interface IncompleteRecord extends RecordBase {
  kind: 'incomplete';
  proto: string;
  reason: string;
}

export interface ProblemRecord {
  kind: 'problem';
  /** `capture` (file structure), `packet` (a layer of one packet), `flow` (TCP). */
  scope: 'capture' | 'packet' | 'flow';
  severity: 'warning' | 'error';
  /** 1-based frame number, when the problem belongs to a packet. */
  frame?: number;
  /** Byte offset in the file (capture) or in the frame (packet). */
  offset?: number;
  reason: string;
}

export type DissectRecord = MessageRecord | MalformedRecord | IncompleteRecord | ProblemRecord;

export interface MessageDissectorOptions {
  /** `--map` entries. */
  map?: ReadonlyArray<readonly [Transport, number, string]>;
  /** Use the default port map (default true). */
  defaultPorts?: boolean;
  /** Content heuristics for unmapped ports (default true). */
  heuristics?: boolean;
  /** Bytes held per TCP flow while its protocol is undecided (default 128 KiB). */
  maxDetectBytes?: number;
  maxResyncBytes?: number;
  dissector?: Omit<DissectorOptions, 'flowEvents'>;
}

/** Counters kept by the dissector (independent of any output filter). */
export interface DissectCounters {
  packets: number;
  capturedBytes: number;
  /** File offset of the last packet read (for progress). */
  fileOffset: number;
  firstTimeNs: bigint | undefined;
  lastTimeNs: bigint | undefined;
  tcpFlows: number;
  udpConversations: number;
  /** Flows / UDP conversations per `transport label` (label: link protocol name, `g2`, `tls`, `unknown`, `none`), e.g. `tcp gnutella`. */
  flowsByLabel: Record<string, number>;
  tcpPayloadBytes: number;
  udpPayloadBytes: number;
  gaps: number;
  gapBytes: number;
  conflicts: number;
  /** Stream bytes of recognised flows that could not be decoded (gaps, resync, abandoned), plus bytes of unrecognised flows. */
  undecodedBytes: number;
  problems: number;
}

type Held =
  | { kind: 'flow'; ev: FlowEvent }
  | { kind: 'gnutella'; ev: GnutellaEvent };

interface TcpState {
  flow: TcpFlow;
  /** Client and server as `ip:port` (formatted once per flow). */
  ends: [string, string];
  mode: 'pending' | 'raw' | 'tracked' | 'ignored';
  label: string;
  link: LinkCodec | undefined;
  /** `--map` named gnutella: still use the handshake tracker when the stream starts with one. */
  forced: string | undefined;
  held: Held[];
  heldBytes: number;
  /** First bytes of each direction (contiguous from offset 0), for detection. */
  prefix: [Uint8Array, Uint8Array];
  prefixDone: [boolean, boolean];
  ended: [boolean, boolean];
  streams: [MessageStream | undefined, MessageStream | undefined];
  /** Tracked Gnutella: stream offset where each direction's binary stream starts. */
  binaryBase: [number, number];
  compressed: [boolean, boolean];
  connect: HandshakeBlock | undefined;
  /** Tracked Gnutella: (offset, packet) of raw data while handshake text is expected. */
  rawSegs: [Array<[number, number]>, Array<[number, number]>];
  /** Tracked Gnutella: stream offset from which a direction is not decoded (its handshake broke), counted as undecoded. */
  brokenFrom: [number, number];
  /** Tracked Gnutella: stream offset after the last raw data seen per direction. */
  rawEnd: [number, number];
}

interface UdpConv { id: number; a: string; label: string }

/**
 * Frame numbers [first, last] of the packets that carried stream bytes [offset, end) of a tracked
 * Gnutella direction. `segs` are its raw data events in stream order, each with the packet that
 * carried it (with reordered segments a later offset can come from an earlier packet).
 */
function rawSpan(segs: ReadonlyArray<readonly [number, number]>, offset: number, end: number, lastPacket: number): [number, number] {
  let lo = lastPacket, hi = lastPacket;
  for (let i = 0; i < segs.length; i++) {
    const [off, pk] = segs[i]!;
    const next = i + 1 < segs.length ? segs[i + 1]![0] : Infinity;
    if (off < end && next > offset) {
      if (pk < lo) lo = pk;
      if (pk > hi) hi = pk;
    }
  }
  return [lo + 1, hi + 1];
}

const TS_RING = 1 << 18;
const HANDSHAKE = protocols.find((p) => p.proto === 'gnutella-handshake')!;
const EMPTY = new Uint8Array(0);

export class MessageDissector {
  private readonly inner: CaptureDissector;
  private readonly ports: PortMap;
  private readonly heuristics: boolean;
  private readonly maxDetect: number;
  private readonly maxResync: number | undefined;
  private readonly tcp = new Map<TcpFlow, TcpState>();
  private readonly udp = new Map<string, UdpConv>();
  private udpNext = 0;
  private curTs: bigint | undefined;
  private curPacket = 0;
  /** Timestamps of the last TS_RING packets (-1 = none), to time records by their last frame. */
  private readonly ts = new BigInt64Array(TS_RING).fill(-1n);
  private tsIndex = -1;
  private doomed: TcpFlow[] = [];
  readonly counters: DissectCounters = {
    packets: 0, capturedBytes: 0, fileOffset: 0, firstTimeNs: undefined, lastTimeNs: undefined, tcpFlows: 0, udpConversations: 0,
    flowsByLabel: {}, tcpPayloadBytes: 0, udpPayloadBytes: 0, gaps: 0, gapBytes: 0, conflicts: 0, undecodedBytes: 0, problems: 0,
  };

  constructor(o: MessageDissectorOptions = {}) {
    this.inner = new CaptureDissector({ ...o.dissector, flowEvents: true });
    this.ports = new PortMap(o.map ?? [], { defaults: o.defaultPorts ?? true });
    this.heuristics = o.heuristics ?? true;
    this.maxDetect = o.maxDetectBytes ?? 128 * 1024;
    this.maxResync = o.maxResyncBytes;
  }

  async push(ev: CaptureEvent): Promise<DissectRecord[]> {
    const out: DissectRecord[] = [];
    if (ev.kind === 'packet') {
      const c = this.counters;
      c.packets++;
      c.capturedBytes += ev.capturedLength;
      c.fileOffset = ev.offset;
      this.curPacket = ev.index;
      this.tsIndex = ev.index;
      this.ts[ev.index & (TS_RING - 1)] = ev.timestampNs ?? -1n;
      if (ev.timestampNs !== undefined) {
        this.curTs = ev.timestampNs;
        c.firstTimeNs ??= ev.timestampNs;
        c.lastTimeNs = ev.timestampNs;
      }
    }
    for (const d of await this.inner.push(ev)) this.event(d, out);
    if (this.doomed.length) {
      for (const f of this.doomed) this.tcp.delete(f);
      this.doomed = [];
    }
    return out;
  }

  async finish(): Promise<DissectRecord[]> {
    const out: DissectRecord[] = [];
    for (const d of await this.inner.finish()) this.event(d, out);
    // Flows still undecided at the end: decide on what was seen.
    for (const st of this.tcp.values()) if (st.mode === 'pending') this.decide(st, true, out);
    this.tcp.clear();
    return out;
  }

  private event(d: DissectEvent, out: DissectRecord[]): void {
    switch (d.kind) {
      case 'flow': this.flowEvent(d.event, out); break;
      case 'gnutella': this.gnutellaEvent(d.event, out); break;
      case 'udp': this.udpEvent(d, out); break;
      case 'packet-problem':
        this.problem(out, { kind: 'problem', scope: 'packet', severity: 'warning', frame: d.packetIndex + 1, ...(d.offset !== undefined ? { offset: d.offset } : {}), reason: `${d.layer}: ${d.reason}` });
        break;
      case 'capture': {
        const e = d.event;
        if (e.kind === 'warning') this.problem(out, { kind: 'problem', scope: 'capture', severity: 'warning', offset: e.offset, reason: e.reason });
        else if (e.kind === 'truncated') this.problem(out, { kind: 'problem', scope: 'capture', severity: 'warning', offset: e.offset, reason: `the file ends inside ${e.what}: ${e.available} of ${e.needed} bytes` });
        else if (e.kind === 'error') this.problem(out, { kind: 'problem', scope: 'capture', severity: 'error', offset: e.offset, reason: e.reason });
        break;
      }
    }
  }

  private problem(out: DissectRecord[], p: ProblemRecord): void {
    this.counters.problems++;
    out.push(p);
  }

  private label(l: string, t: Transport = 'tcp'): void {
    const k = `${t} ${l}`;
    this.counters.flowsByLabel[k] = (this.counters.flowsByLabel[k] ?? 0) + 1;
  }

  // ---- TCP ----

  private flowEvent(fe: FlowEvent, out: DissectRecord[]): void {
    if (fe.kind === 'open') {
      this.open(fe.flow);
      return;
    }
    const st = this.tcp.get(fe.flow);
    if (!st) return;
    const e = fe.event;
    if (e.kind === 'data') this.counters.tcpPayloadBytes += e.bytes.length;
    else if (e.kind === 'gap') { this.counters.gaps++; this.counters.gapBytes += e.length; }
    else if (e.kind === 'conflict') { this.counters.conflicts++; return; }
    if (e.kind === 'end') st.ended[fe.dir] = true;
    switch (st.mode) {
      case 'pending': {
        if (e.kind === 'data') {
          const copy = e.bytes.slice();
          st.held.push({ kind: 'flow', ev: { ...fe, event: { ...e, bytes: copy } } });
          st.heldBytes += copy.length;
          if (!st.prefixDone[fe.dir]) {
            if (e.offset === st.prefix[fe.dir].length) st.prefix[fe.dir] = concat(st.prefix[fe.dir], copy);
            else st.prefixDone[fe.dir] = true;
            if (st.prefix[fe.dir].length >= this.maxDetect) st.prefixDone[fe.dir] = true;
          }
        } else {
          st.held.push({ kind: 'flow', ev: fe });
          if (e.kind === 'gap' && st.prefix[fe.dir].length === 0) st.prefixDone[fe.dir] = true;
        }
        this.decide(st, false, out);
        break;
      }
      case 'raw': this.rawEvent(st, fe.dir, e, out); break;
      case 'tracked':
        if (e.kind === 'data' && st.rawSegs[fe.dir].length < 64) st.rawSegs[fe.dir].push([e.offset, e.packetIndex]);
        if (e.kind === 'data') {
          this.counters.undecodedBytes += Math.max(0, e.offset + e.bytes.length - Math.max(e.offset, st.brokenFrom[fe.dir]));
          st.rawEnd[fe.dir] = Math.max(st.rawEnd[fe.dir], e.offset + e.bytes.length);
        }
        break;
      case 'ignored':
        if (e.kind === 'data') this.counters.undecodedBytes += e.bytes.length;
        break;
    }
    // Forget the flow once both directions ended (after this packet: tracker events may follow).
    if (st.ended[0] && st.ended[1] && st.mode !== 'pending') this.doomed.push(fe.flow);
  }

  private open(flow: TcpFlow): void {
    this.counters.tcpFlows++;
    const st: TcpState = {
      flow, ends: [endpoint(flow.client.ip, flow.client.port), endpoint(flow.server.ip, flow.server.port)], mode: 'pending', label: 'unknown', link: undefined, forced: undefined, held: [], heldBytes: 0,
      prefix: [EMPTY, EMPTY], prefixDone: [false, false], ended: [false, false], streams: [undefined, undefined],
      binaryBase: [0, 0], compressed: [false, false], connect: undefined, rawSegs: [[], []], brokenFrom: [Infinity, Infinity], rawEnd: [0, 0],
    };
    this.tcp.set(flow, st);
    const { explicit } = this.ports.lookup('tcp', flow.server.port, flow.client.port);
    if (explicit) {
      if (explicit.name === 'none') this.setMode(st, 'ignored', 'none');
      else if (explicit.name === 'gnutella') st.forced = 'gnutella';
      else this.setRaw(st, link(explicit.name), []);
    }
  }

  private setMode(st: TcpState, mode: TcpState['mode'], label: string): void {
    st.mode = mode;
    st.label = label;
    this.label(label);
  }

  /** Decide the protocol of a pending flow from what was held so far. */
  private decide(st: TcpState, final: boolean, out: DissectRecord[]): void {
    let wait = false;
    // 1. Gnutella handshake text at the start of either direction.
    for (const d of [0, 1] as const) {
      const g = gnutellaText(st.prefix[d]);
      if (g === 'yes') { this.setTracked(st, out); return; }
      if (g === 'more' && st.prefix[d].length > 0 && !st.ended[d] && !st.prefixDone[d] && !final) wait = true;
    }
    if (wait) return;
    // 2. Explicit gnutella (no handshake text), then the default port map.
    const name = st.forced ?? this.ports.lookup('tcp', st.flow.server.port, st.flow.client.port).fallback?.name;
    if (name) {
      if (st.prefix[0].length === 0 && st.prefix[1].length === 0 && !final && st.heldBytes === 0) return; // nothing seen yet
      this.setRaw(st, link(name), out);
      return;
    }
    // 3. Content heuristics.
    if (this.heuristics) {
      let seen = false;
      for (const d of [0, 1] as const) {
        const p = st.prefix[d];
        if (p.length === 0) continue;
        seen = true;
        const r = detect(p, final || st.ended[d] || st.prefixDone[d] || p.length >= this.maxDetect);
        if (r === 'more') wait = true;
        else if (r !== 'no') { this.setRaw(st, r.link, out); return; }
      }
      if ((wait || !seen) && !final && st.heldBytes < this.maxDetect) return;
    } else if (!final && st.heldBytes === 0) return;
    this.setMode(st, 'ignored', 'unknown');
    for (const h of st.held) if (h.kind === 'flow' && h.ev.kind === 'stream' && h.ev.event.kind === 'data') this.counters.undecodedBytes += h.ev.event.bytes.length;
    st.held = [];
  }

  private setRaw(st: TcpState, l: LinkCodec, out: DissectRecord[]): void {
    this.setMode(st, 'raw', l.name);
    st.link = l;
    const held = st.held;
    st.held = [];
    st.prefix = [EMPTY, EMPTY];
    for (const h of held) if (h.kind === 'flow' && h.ev.kind === 'stream') this.rawEvent(st, h.ev.dir, h.ev.event, out);
  }

  private setTracked(st: TcpState, out: DissectRecord[]): void {
    this.setMode(st, 'tracked', 'gnutella');
    const held = st.held;
    st.held = [];
    st.prefix = [EMPTY, EMPTY];
    for (const h of held) {
      if (h.kind === 'flow' && h.ev.kind === 'stream' && h.ev.event.kind === 'data' && st.rawSegs[h.ev.dir].length < 64) st.rawSegs[h.ev.dir].push([h.ev.event.offset, h.ev.event.packetIndex]);
      if (h.kind === 'gnutella') this.gnutellaEvent(h.ev, out);
    }
  }

  private stream(st: TcpState, dir: 0 | 1, l: LinkCodec): MessageStream {
    let s = st.streams[dir];
    if (!s) {
      const half = st.flow.halves[dir];
      s = new MessageStream(l, { resyncAtStart: st.mode === 'raw' && half.midstream, ...(this.maxResync !== undefined ? { maxResyncBytes: this.maxResync } : {}) });
      st.streams[dir] = s;
    }
    return s;
  }

  private rawEvent(st: TcpState, dir: 0 | 1, e: StreamEvent, out: DissectRecord[]): void {
    const s = this.stream(st, dir, st.link!);
    const items: StreamItem[] = [];
    const before = s.undecodedBytes;
    if (e.kind === 'data') s.data(e.offset, e.bytes, e.packetIndex, items);
    else if (e.kind === 'gap') s.gap(e.offset, e.length, e.packetIndex, items);
    else if (e.kind === 'end') s.end(e.reason, e.reason === 'fin' || e.reason === 'rst', e.packetIndex, items);
    this.counters.undecodedBytes += s.undecodedBytes - before;
    this.emitTcp(st, dir, items, 0, false, out);
  }

  private emitTcp(st: TcpState, dir: 0 | 1, items: StreamItem[], base: number, compressed: boolean, out: DissectRecord[]): void {
    if (items.length === 0) return;
    const id = st.flow.id;
    const src = st.ends[dir], dst = st.ends[1 - dir]!;
    const comp = compressed || undefined;
    const linkName = st.link?.name ?? st.label;
    // One object shape per record kind, every field present (the output loop stays monomorphic).
    for (const it of items) {
      const frames: [number, number] = [it.firstPacket + 1, it.lastPacket + 1];
      const offset = it.offset + base;
      const timeNs = this.timeOf(it.lastPacket);
      if (it.kind === 'message') out.push({ kind: 'message', transport: 'tcp', flow: id, dir, src, dst, compressed: comp, timeNs, frames, offset, size: it.size, proto: it.proto, value: it.value });
      else if (it.kind === 'malformed') out.push({ kind: 'malformed', transport: 'tcp', flow: id, dir, src, dst, compressed: comp, timeNs, frames, offset, size: it.size, proto: it.proto?.proto ?? linkName, error: it.error, errorOffset: it.errorOffset + base, path: it.path, reason: it.reason });
      else out.push({ kind: 'incomplete', transport: 'tcp', flow: id, dir, src, dst, compressed: comp, timeNs, frames, offset, size: it.size, proto: linkName, reason: it.reason });
    }
  }

  private gnutellaEvent(g: GnutellaEvent, out: DissectRecord[]): void {
    const st = this.tcp.get(g.flow);
    if (!st) return;
    if (st.mode === 'pending') { st.held.push({ kind: 'gnutella', ev: g }); return; }
    if (st.mode !== 'tracked') return;
    switch (g.kind) {
      case 'handshake-block': {
        if (g.role === 'connect') st.connect = g.block;
        if (g.role === 'response' && isG2Handshake(st.connect, g.block)) { this.relabel(st, 'g2'); }
        st.binaryBase[g.dir] = g.block.offset + g.block.length;
        const frames = rawSpan(st.rawSegs[g.dir], g.block.offset, g.block.offset + g.block.length, g.block.packetIndex);
        const common = { transport: 'tcp' as const, flow: st.flow.id, dir: g.dir, src: st.ends[g.dir], dst: st.ends[1 - g.dir]!, timeNs: this.timeOf(g.block.packetIndex), frames, offset: g.block.offset, size: g.raw.length };
        try {
          const { value, size } = HANDSHAKE.codec.decode(g.raw, 0);
          if (size === g.raw.length) out.push({ kind: 'message', ...common, proto: HANDSHAKE, value });
          else out.push({ kind: 'malformed', ...common, proto: HANDSHAKE.proto, error: 'valid', errorOffset: g.block.offset + size, path: '', reason: `handshake block of ${g.raw.length} bytes decodes to ${size}` });
        } catch (e) {
          const err = e as { code?: string; offset?: number; path?: string; reason?: string };
          out.push({ kind: 'malformed', ...common, proto: HANDSHAKE.proto, error: err.code ?? 'valid', errorOffset: g.block.offset + Math.max(0, err.offset ?? 0), path: err.path ?? '', reason: err.reason ?? String(e) });
        }
        break;
      }
      case 'handshake':
        if (g.outcome.protocol === 'g2') this.relabel(st, 'g2');
        break;
      case 'stream': {
        if (st.label !== 'gnutella') { this.counters.undecodedBytes += g.bytes.length; break; } // G2: recognised, not decoded
        st.compressed[g.dir] = g.compressed;
        this.trackedItems(st, g.dir, (s, items) => s.data(g.offset, g.bytes, g.packetIndex, items));
        this.flushTracked(st, g.dir, out);
        break;
      }
      case 'stream-gap':
        if (st.label !== 'gnutella') break;
        this.trackedItems(st, g.dir, (s, items) => {
          if (g.fatal) s.abandon(`${g.length} compressed bytes missing; a deflate stream cannot continue after a gap`, g.packetIndex, items);
          else s.gap(g.offset, g.length, g.packetIndex, items);
        });
        this.flushTracked(st, g.dir, out);
        break;
      case 'stream-error':
        if (/TLS/.test(g.reason)) {
          // Recognised, not decoded: from where the binary stream starts, every byte counts as not decoded.
          this.relabel(st, 'tls');
          this.counters.undecodedBytes += Math.max(0, st.rawEnd[g.dir] - st.binaryBase[g.dir]);
          st.brokenFrom[g.dir] = Math.max(st.binaryBase[g.dir], st.rawEnd[g.dir]);
          break;
        }
        if (st.label !== 'gnutella') break;
        if (g.text) {
          // The handshake broke: its text seen so far is one record (malformed: too long; incomplete:
          // bytes missing), and the rest of this direction counts as not decoded.
          const t = g.text;
          const base = { transport: 'tcp' as const, flow: st.flow.id, dir: g.dir, src: st.ends[g.dir], dst: st.ends[1 - g.dir]!, compressed: undefined, timeNs: this.timeOf(g.packetIndex), frames: rawSpan(st.rawSegs[g.dir], t.offset, t.offset + t.length, g.packetIndex), offset: t.offset, size: t.length, proto: HANDSHAKE.proto };
          if (t.protocolError) out.push({ kind: 'malformed', ...base, error: 'limit', errorOffset: t.offset + t.length, path: '', reason: g.reason });
          else out.push({ kind: 'incomplete', ...base, reason: g.reason });
          this.counters.undecodedBytes += t.length;
          st.brokenFrom[g.dir] = t.offset + t.length;
          break;
        }
        this.trackedItems(st, g.dir, (s, items) => s.abandon(g.reason, g.packetIndex, items));
        this.flushTracked(st, g.dir, out);
        break;
      case 'stream-end':
        if (st.label !== 'gnutella') break;
        this.trackedItems(st, g.dir, (s, items) => s.end(g.reason, g.reason === 'fin' || g.reason === 'rst', g.packetIndex, items));
        this.flushTracked(st, g.dir, out);
        break;
    }
  }

  private pendingItems: StreamItem[] = [];

  private trackedItems(st: TcpState, dir: 0 | 1, fn: (s: MessageStream, items: StreamItem[]) => void): void {
    const s = this.stream(st, dir, link('gnutella'));
    const before = s.undecodedBytes;
    fn(s, this.pendingItems);
    this.counters.undecodedBytes += s.undecodedBytes - before;
  }

  private flushTracked(st: TcpState, dir: 0 | 1, out: DissectRecord[]): void {
    const items = this.pendingItems;
    this.pendingItems = [];
    const compressed = st.compressed[dir];
    this.emitTcp(st, dir, items, compressed ? 0 : st.binaryBase[dir], compressed, out);
  }

  private relabel(st: TcpState, label: string): void {
    if (st.label === label) return;
    const c = this.counters.flowsByLabel;
    const k = `tcp ${st.label}`;
    c[k] = (c[k] ?? 1) - 1;
    if (c[k] === 0) delete c[k];
    st.label = label;
    this.label(label);
  }

  /** Timestamp of a packet still in the ring (else the current one). */
  private timeOf(packetIndex: number): bigint | undefined {
    if (packetIndex > this.tsIndex || this.tsIndex - packetIndex >= TS_RING) return this.curTs;
    const t = this.ts[packetIndex & (TS_RING - 1)]!;
    return t < 0n ? undefined : t;
  }

  // ---- UDP ----

  private udpEvent(u: Extract<DissectEvent, { kind: 'udp' }>, out: DissectRecord[]): void {
    this.counters.udpPayloadBytes += u.payload.length;
    const a = endpoint(u.src, u.srcPort), b = endpoint(u.dst, u.dstPort);
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let conv = this.udp.get(key);
    const { explicit, fallback } = this.ports.lookup('udp', u.dstPort, u.srcPort);
    let l: LinkCodec | undefined;
    let label: string;
    let mapped = false;
    if (explicit) {
      label = explicit.name;
      l = findLink(explicit.name);
      mapped = true;
    } else if (isG2Datagram(u.payload)) {
      label = 'g2';
    } else if (fallback) {
      label = fallback.name;
      l = link(fallback.name);
      mapped = true;
    } else if (this.heuristics) {
      const r = detect(u.payload, true, { datagram: true });
      if (typeof r === 'object') { l = r.link; label = l.name; } else label = 'unknown';
    } else label = 'unknown';
    if (!conv) {
      if (this.udp.size >= 65536) this.udp.clear();
      conv = { id: this.udpNext++, a, label };
      this.udp.set(key, conv);
      this.counters.udpConversations++;
      this.label(label, 'udp');
    }
    const dir: 0 | 1 = conv.a === a ? 0 : 1;
    const frame = this.curPacket + 1;
    const common = { transport: 'udp' as const, flow: conv.id, dir, src: a, dst: b, timeNs: this.curTs, frames: [frame, frame] as [number, number], offset: 0 };
    if (!l) { this.counters.undecodedBytes += u.payload.length; return; }
    const p = u.payload;
    if (u.truncated) {
      out.push({ kind: 'incomplete', ...common, size: p.length, proto: l.name, reason: 'datagram cut by the capture (snap length)' });
      this.counters.undecodedBytes += p.length;
      return;
    }
    const bad = (proto: string, error: string, errorOffset: number, path: string, reason: string) =>
      out.push({ kind: 'malformed', ...common, size: p.length, proto, error, errorOffset, path, reason });
    const f = l.frame;
    if (f) {
      if (p.length < f.headerSize) { bad(l.name, 'eof', 0, '', `datagram of ${p.length} bytes is shorter than the ${f.headerSize}-byte header`); return; }
      const n = f.frameLength(p, 0);
      if (!Number.isInteger(n) || n < f.headerSize || n > l.maxMessageSize) { bad(l.name, 'limit', 0, '', `frame length ${n} is outside ${f.headerSize}..${l.maxMessageSize}`); return; }
      if (n > p.length) { bad(l.name, 'eof', p.length, '', `message declares ${n} bytes but the datagram has ${p.length}`); return; }
      const o = l.decodeFrame(p, 0, n);
      if (o.ok) out.push({ kind: 'message', ...common, size: n, proto: o.proto, value: o.value });
      else bad(o.proto.proto, o.error.code, Math.max(0, o.error.offset), o.error.path, o.error.reason);
      if (n < p.length) bad(o.proto.proto, 'valid', n, '', `${p.length - n} bytes after the message in the datagram (one message per datagram)`);
      return;
    }
    try {
      const { value, size } = l.decodeText(p, 0);
      out.push({ kind: 'message', ...common, size, proto: l.protos[0]!, value });
      if (size < p.length) bad(l.name, 'valid', size, '', `${p.length - size} bytes after the message in the datagram`);
    } catch (e) {
      const err = e as { code?: string; offset?: number; path?: string; reason?: string };
      if (mapped || explicit) bad(l.name, err.code ?? 'valid', Math.max(0, err.offset ?? 0), err.path ?? '', err.reason ?? String(e));
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a); out.set(b, a.length);
  return out;
}

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Run a whole capture through the message dissector. */
export async function* dissectMessages(events: AsyncIterable<CaptureEvent> | Iterable<CaptureEvent>, o: MessageDissectorOptions = {}): AsyncGenerator<DissectRecord> {
  const d = new MessageDissector(o);
  for await (const ev of events) yield* await d.push(ev);
  yield* await d.finish();
}

