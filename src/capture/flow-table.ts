// TCP flows keyed by their 4-tuple, with one TcpHalfStream per direction. Direction 0 is
// client to server: the sender of the SYN, or of the first packet seen when the capture
// starts mid-connection. Bounded in flows, with an idle timeout counted in packets.
import { formatIp } from './addresses.ts';
import type { TcpInfo } from './layers.ts';
import { TcpHalfStream, type HalfStreamOptions, type StreamEvent } from './tcp-reassembly.ts';

export interface FlowEndpoint { ip: string; port: number }

export interface TcpFlow {
  /** 0-based, in order of creation (like tshark's tcp.stream). */
  id: number;
  client: FlowEndpoint;
  server: FlowEndpoint;
  /** [client to server, server to client]. */
  halves: [TcpHalfStream, TcpHalfStream];
  /** True when the client's SYN was seen. */
  sawSyn: boolean;
  firstPacket: number;
  lastPacket: number;
}

export type FlowEvent =
  | { kind: 'open'; flow: TcpFlow; packetIndex: number }
  | { kind: 'stream'; flow: TcpFlow; dir: 0 | 1; event: StreamEvent };

export interface FlowTableOptions extends HalfStreamOptions {
  /** Flows tracked at once (default 65536); the oldest is ended beyond it. */
  maxFlows?: number;
  /** Flows without packets for this many packets are ended (default 200000). */
  idleTimeoutPackets?: number;
}

/** IPv4 text by address value: a capture has few distinct hosts and formatting is per packet. */
const v4Text = new Map<number, string>();
function ipText(b: Uint8Array): string {
  if (b.length !== 4) return formatIp(b);
  const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  let t = v4Text.get(n);
  if (t === undefined) {
    if (v4Text.size >= 65536) v4Text.clear();
    v4Text.set(n, (t = formatIp(b)));
  }
  return t;
}

export class FlowTable {
  private readonly flows = new Map<string, TcpFlow>();
  private nextId = 0;
  private readonly o: FlowTableOptions;
  private lastSweep = 0;

  constructor(o: FlowTableOptions = {}) { this.o = o; }

  get size(): number { return this.flows.size; }

  /** Feed one TCP segment carried from `src` to `dst`. */
  tcp(packetIndex: number, src: Uint8Array, dst: Uint8Array, t: TcpInfo): FlowEvent[] {
    const out: FlowEvent[] = [];
    this.sweep(packetIndex, out);
    const s = ipText(src), d = ipText(dst);
    const fwd = `${s}|${t.srcPort}|${d}|${t.dstPort}`;
    const rev = `${d}|${t.dstPort}|${s}|${t.srcPort}`;
    let flow = this.flows.get(fwd);
    let dir: 0 | 1 = 0;
    let key = fwd;
    if (!flow) {
      flow = this.flows.get(rev);
      if (flow) { dir = 1; key = rev; }
    }
    const isNewSyn = t.flags.syn && !t.flags.ack;
    if (flow && isNewSyn && dir === 0 && flow.halves[0].started && flow.halves[0].offsetOf((t.seq + 1) >>> 0) !== 0) {
      // A new connection reusing the 4-tuple: end the old flow first.
      this.end(flow, 'eof', packetIndex, out);
      this.flows.delete(key);
      flow = undefined;
    }
    if (!flow) {
      if (!t.flags.syn && t.payload.length === 0) return out; // stray ACK/FIN/RST of an unknown flow
      const clientIsDst = t.flags.syn && t.flags.ack;
      const client = { ip: clientIsDst ? d : s, port: clientIsDst ? t.dstPort : t.srcPort };
      const server = { ip: clientIsDst ? s : d, port: clientIsDst ? t.srcPort : t.dstPort };
      flow = {
        id: this.nextId++, client, server,
        halves: [new TcpHalfStream(this.o), new TcpHalfStream(this.o)],
        sawSyn: isNewSyn, firstPacket: packetIndex, lastPacket: packetIndex,
      };
      key = `${client.ip}|${client.port}|${server.ip}|${server.port}`;
      dir = clientIsDst ? 1 : 0;
      if (this.flows.size >= (this.o.maxFlows ?? 65536)) {
        const [oldKey, old] = this.flows.entries().next().value as [string, TcpFlow];
        this.end(old, 'evicted', packetIndex, out);
        this.flows.delete(oldKey);
      }
      this.flows.set(key, flow);
      out.push({ kind: 'open', flow, packetIndex });
    }
    flow.lastPacket = packetIndex;
    const f = flow;
    for (const event of f.halves[dir].segment(t.seq, t.flags, t.payload, packetIndex)) out.push({ kind: 'stream', flow: f, dir, event });
    if (t.flags.rst) {
      // A reset ends both directions.
      const other = (dir ^ 1) as 0 | 1;
      for (const event of f.halves[other].finish('rst', packetIndex)) out.push({ kind: 'stream', flow: f, dir: other, event });
    }
    return out;
  }

  private end(flow: TcpFlow, reason: 'eof' | 'timeout' | 'evicted', packetIndex: number, out: FlowEvent[]): void {
    for (const dir of [0, 1] as const) {
      for (const event of flow.halves[dir].finish(reason, packetIndex)) out.push({ kind: 'stream', flow, dir, event });
    }
  }

  private sweep(packetIndex: number, out: FlowEvent[]): void {
    if (packetIndex - this.lastSweep < 4096) return;
    this.lastSweep = packetIndex;
    const limit = this.o.idleTimeoutPackets ?? 200000;
    for (const [k, f] of this.flows) {
      if (packetIndex - f.lastPacket > limit) {
        this.end(f, 'timeout', packetIndex, out);
        this.flows.delete(k);
      }
    }
  }

  /** End of capture: end every flow. */
  flush(packetIndex: number): FlowEvent[] {
    const out: FlowEvent[] = [];
    for (const f of this.flows.values()) this.end(f, 'eof', packetIndex, out);
    this.flows.clear();
    return out;
  }
}
