// The capture pipeline: captured packets -> link/IP/transport layers (layers.ts) -> IPv4/IPv6
// fragment reassembly -> TCP flows and stream reassembly -> Gnutella handshake tracking and
// inflation. Problems with one packet or one flow are reported as events; nothing here throws
// on bad input.
import { formatIp } from './addresses.ts';
import type { CaptureEvent, CapturedPacket } from './capture-reader.ts';
import { FlowTable, type FlowEvent, type FlowTableOptions } from './flow-table.ts';
import { GnutellaTracker, type GnutellaEvent, type GnutellaTrackerOptions } from './gnutella-handshake.ts';
import { FragmentReassembler, type FragmentOptions } from './ip-fragments.ts';
import { LayerError, defaultLayers, type PacketLayers } from './layers.ts';

export interface UdpEvent {
  kind: 'udp';
  packetIndex: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  truncated: boolean;
}

export interface PacketProblem {
  kind: 'packet-problem';
  packetIndex: number;
  /** Layer that failed or was unusual (`ethernet`, `ipv4`, `tcp`, `fragments`, ...). */
  layer: string;
  /** Byte offset in the captured frame, when known. */
  offset: number | undefined;
  reason: string;
}

export type DissectEvent =
  | UdpEvent
  | PacketProblem
  | { kind: 'capture'; event: Exclude<CaptureEvent, CapturedPacket> }
  | { kind: 'flow'; event: FlowEvent }
  | { kind: 'gnutella'; event: GnutellaEvent };

export interface DissectorOptions {
  layers?: PacketLayers;
  fragments?: FragmentOptions;
  flows?: FlowTableOptions;
  gnutella?: GnutellaTrackerOptions | false;
  /** Emit every flow event (data, gaps, ends) as well; default false. */
  flowEvents?: boolean;
}

export class CaptureDissector {
  private readonly layers: PacketLayers;
  private readonly frags: FragmentReassembler;
  private readonly flows: FlowTable;
  private readonly gnutella: GnutellaTracker | undefined;
  private readonly flowEvents: boolean;
  private lastIndex = 0;

  constructor(o: DissectorOptions = {}) {
    this.layers = o.layers ?? defaultLayers();
    this.frags = new FragmentReassembler(o.fragments);
    this.flows = new FlowTable(o.flows);
    this.gnutella = o.gnutella === false ? undefined : new GnutellaTracker(o.gnutella);
    this.flowEvents = o.flowEvents ?? false;
  }

  /** Process one event of the capture reader. */
  async push(ev: CaptureEvent): Promise<DissectEvent[]> {
    if (ev.kind !== 'packet') return [{ kind: 'capture', event: ev }];
    const out: DissectEvent[] = [];
    this.lastIndex = ev.index;
    for (const fe of this.packet(ev, out)) await this.flowEvent(fe, out);
    return out;
  }

  /** End of the capture: flush fragments and flows. */
  async finish(): Promise<DissectEvent[]> {
    const out: DissectEvent[] = [];
    for (const d of this.frags.flush()) out.push({ kind: 'packet-problem', packetIndex: d.firstPacket, layer: 'fragments', offset: undefined, reason: `incomplete datagram ${d.key} dropped (${d.bytesHeld} bytes held)` });
    for (const fe of this.flows.flush(Math.max(0, this.lastIndex))) await this.flowEvent(fe, out);
    this.gnutella?.close();
    return out;
  }

  private async flowEvent(fe: FlowEvent, out: DissectEvent[]): Promise<void> {
    if (this.flowEvents) out.push({ kind: 'flow', event: fe });
    if (this.gnutella) for (const g of await this.gnutella.push(fe)) out.push({ kind: 'gnutella', event: g });
  }

  private packet(p: CapturedPacket, out: DissectEvent[]): FlowEvent[] {
    const problem = (layer: string, reason: string, offset?: number) =>
      out.push({ kind: 'packet-problem', packetIndex: p.index, layer, offset, reason });
    const frameBase = (inner: Uint8Array) => inner.byteOffset - p.data.byteOffset;
    if (this.frags.size > 0) { this.frags.expire(p.index); this.reportDropped(out); }
    let at: Uint8Array = p.data;
    try {
      const link = this.layers.link(p.linkType, p.data);
      at = link.payload;
      let src: Uint8Array, dst: Uint8Array, protocol: number, l4: Uint8Array;
      if (link.etherType === 0x0800) {
        const ip = this.layers.ipv4(link.payload);
        if (ip.truncated) problem('ipv4', `packet cut by the capture: ${link.payload.length} of ${ip.totalLength} bytes`, frameBase(link.payload));
        src = ip.src; dst = ip.dst; protocol = ip.protocol; l4 = ip.payload;
        if (ip.moreFragments || ip.fragmentOffset > 0) {
          if (ip.truncated) return [];
          const key = `4|${formatIp(ip.src)}|${formatIp(ip.dst)}|${ip.protocol}|${ip.identification}`;
          const r = this.frags.add(key, ip.fragmentOffset, ip.moreFragments, ip.payload, p.index);
          this.reportDropped(out);
          if (r.kind === 'invalid') { problem('fragments', r.reason); return []; }
          if (r.kind === 'pending') return [];
          if (r.conflict) problem('fragments', 'overlapping fragments with different bytes (first copy kept)');
          l4 = r.payload;
        }
      } else if (link.etherType === 0x86dd) {
        const ip = this.layers.ipv6(link.payload);
        if (ip.truncated) problem('ipv6', `packet cut by the capture: ${link.payload.length} of ${40 + ip.payloadLength} bytes`, frameBase(link.payload));
        src = ip.src; dst = ip.dst; protocol = ip.protocol; l4 = ip.payload;
        if (ip.fragment) {
          if (ip.truncated) return [];
          const f = ip.fragment;
          const key = `6|${formatIp(ip.src)}|${formatIp(ip.dst)}|${f.identification}`;
          const r = this.frags.add(key, f.offset, f.more, ip.payload, p.index);
          this.reportDropped(out);
          if (r.kind === 'invalid') { problem('fragments', r.reason); return []; }
          if (r.kind === 'pending') return [];
          const chain = this.layers.ipv6Chain(f.nextHeader, r.payload);
          protocol = chain.protocol; l4 = chain.payload;
        }
      } else {
        return [];
      }
      at = l4;
      if (protocol === 6) {
        const t = this.layers.tcp(l4);
        return this.flows.tcp(p.index, src, dst, t);
      }
      if (protocol === 17) {
        const u = this.layers.udp(l4);
        out.push({ kind: 'udp', packetIndex: p.index, src: formatIp(src), dst: formatIp(dst), srcPort: u.srcPort, dstPort: u.dstPort, payload: u.payload, truncated: u.truncated });
      }
      return [];
    } catch (e) {
      if (e instanceof LayerError) {
        const base = at.buffer === p.data.buffer ? frameBase(at) : undefined;
        problem(e.layer, e.reason, base === undefined ? undefined : base + e.offset);
        return [];
      }
      throw e;
    }
  }

  private reportDropped(out: DissectEvent[]): void {
    for (const d of this.frags.takeDropped()) {
      out.push({ kind: 'packet-problem', packetIndex: d.firstPacket, layer: 'fragments', offset: undefined, reason: `incomplete datagram ${d.key} dropped after ${d.reason} (${d.bytesHeld} bytes held)` });
    }
  }
}

/** Run a whole capture through a dissector. */
export async function* dissect(events: AsyncIterable<CaptureEvent> | Iterable<CaptureEvent>, o: DissectorOptions = {}): AsyncGenerator<DissectEvent> {
  const d = new CaptureDissector(o);
  for await (const ev of events) yield* await d.push(ev);
  yield* await d.finish();
}
