/**
 * The recorded exchange of a case as pcapng: one Ethernet/IPv4/TCP (or UDP) flow per
 * connection with handshake, data segments in arrival order and FIN/RST, built with the
 * capture package's packet builders so Wireshark and `peerwire dissect` read it.
 */
import { writeFileSync } from 'node:fs';
import { LINKTYPE_ETHERNET, PcapngWriter, TcpConversation, IPPROTO_UDP, ipFrame, udpDatagram } from '../../src/capture/pcap-writer.ts';
import type { ConnRecord, Endpoint } from './wire.ts';

export interface PcapOptions {
  target: Endpoint;
  /** Comment on the first packet (the case summary). */
  comment?: string;
}

function ipOf(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

/** pcapng bytes of the recorded connections (probe connections included, marked in comments). */
export function exchangeToPcapng(conns: readonly ConnRecord[], o: PcapOptions): Uint8Array {
  const w = new PcapngWriter({ userAppl: 'peerwire fuzz' });
  w.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'peerwire-fuzz', nanosecond: true });
  const server = { ip: ipOf(o.target.host), port: o.target.port };
  const packets: { t: bigint; data: Uint8Array; comment?: string; flags: number }[] = [];
  let first = true;
  for (const c of conns) {
    const client = { ip: server.ip.includes(':') ? '::1' : '127.0.0.1', port: c.localPort || 40000 + c.id };
    const label = `${c.probe ? 'liveness probe' : 'fuzz case'} connection ${c.id}`;
    const note = (): string | undefined => {
      const n = first && o.comment ? `${o.comment} — ${label}` : label;
      first = false;
      return n;
    };
    if (c.transport === 'udp') {
      c.events.forEach((e, k) => {
        const [src, dst] = e.dir === 0 ? [client, server] : [server, client];
        const udp = udpDatagram({ src: src.ip, dst: dst.ip, srcPort: src.port, dstPort: dst.port, payload: e.data });
        packets.push({ t: e.tNs, data: ipFrame(src.ip, dst.ip, IPPROTO_UDP, udp), comment: k === 0 ? note() : undefined, flags: e.dir === 0 ? 2 : 1 });
      });
      continue;
    }
    if (c.end === 'refused') {
      const conv = new TcpConversation(client, server);
      packets.push({ t: c.openedNs, data: conv.segment(0, { syn: true }), comment: `${note()}: connection refused`, flags: 2 });
      packets.push({ t: c.openedNs + 1000n, data: conv.segment(1, { rst: true, ack: true }), flags: 1 });
      continue;
    }
    const conv = new TcpConversation(client, server, [(c.id * 7919 + 1000) >>> 0, (c.id * 104729 + 5000) >>> 0]);
    const [syn, synAck, ack] = conv.open();
    // Writes queued before the connect callback are stamped before `openedNs`: start the
    // handshake before the first event and keep the connection's packets in order, or data
    // sorts ahead of its SYN in the file.
    const start = c.events.reduce((m, e) => (e.tNs < m ? e.tNs : m), c.openedNs);
    let last = start;
    const at = (t: bigint): bigint => (last = t > last ? t : last + 1n);
    packets.push({ t: start - 2000n, data: syn!, comment: note(), flags: 2 });
    packets.push({ t: start - 1000n, data: synAck!, flags: 1 });
    packets.push({ t: start, data: ack!, flags: 2 });
    for (const e of c.events) for (const seg of conv.send(e.dir, e.data)) packets.push({ t: at(e.tNs), data: seg, flags: e.dir === 0 ? 2 : 1 });
    const t = at(c.closedNs ?? last);
    if (c.end === 'reset') packets.push({ t, data: conv.segment(1, { rst: true, ack: true }), comment: 'reset by the target', flags: 1 });
    else {
      const dir = c.end === 'remote' ? 1 : 0;
      packets.push({ t, data: conv.fin(dir), flags: dir === 0 ? 2 : 1 });
      packets.push({ t: t + 1000n, data: conv.fin(dir === 0 ? 1 : 0), flags: dir === 0 ? 1 : 2 });
    }
  }
  packets.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  for (const p of packets) w.packet({ timestampNs: p.t, data: p.data, comment: p.comment, flags: p.flags });
  return w.toBytes();
}

export function writeExchangePcapng(file: string, conns: readonly ConnRecord[], o: PcapOptions): void {
  writeFileSync(file, exchangeToPcapng(conns, o));
}
