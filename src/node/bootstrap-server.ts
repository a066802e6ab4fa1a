/**
 * UDP bootstrap server (PROTOCOLS.md §2): a peer sends INIT (510) from the UDP port whose number
 * is also its P2P TCP port; the server registers it under a unique 16-bit id and answers
 * POPULATE (511) with up to `degree` other live peers. A peer that does not send INIT again
 * within `peerTimeoutMs` is forgotten. Malformed datagrams are dropped and counted.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { DecodeError } from '../runtime/index.ts';
import { decodeGossipOverlay, encodeGossipOverlay, MsgType, type Init, type PeerEntryInit } from '../codecs/gossip/overlay.gen.ts';
import { formatHostPort, normalizeIp, toPeerAddr, type HostPort } from './addr.ts';
import { Counters } from './counters.ts';
import { Logger } from './logger.ts';

export interface BootstrapOptions {
  /** Forget a peer that has not re-sent INIT for this long (default 90 s). */
  peerTimeoutMs?: number;
  /** Most entries in one POPULATE, whatever the degree asked (default 64). */
  maxEntries?: number;
  /** Most registered peers (default 16384; ids are 16-bit). */
  maxPeers?: number;
  logger?: Logger;
  counters?: Counters;
}

export interface RegisteredPeer {
  id: number;
  host: string;
  port: number;
  degree: number;
  lastSeen: number;
}

export class BootstrapServer {
  readonly counters: Counters;
  readonly log: Logger;
  private readonly peerTimeoutMs: number;
  private readonly maxEntries: number;
  private readonly maxPeers: number;
  private socket: dgram.Socket | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly byAddr = new Map<string, RegisteredPeer>();
  private readonly usedIds = new Set<number>();
  private nextId = 1;
  private bound: HostPort | null = null;

  constructor(opts: BootstrapOptions = {}) {
    this.peerTimeoutMs = opts.peerTimeoutMs ?? 90_000;
    this.maxEntries = opts.maxEntries ?? 64;
    this.maxPeers = Math.min(opts.maxPeers ?? 16384, 65535);
    this.log = opts.logger ?? new Logger({ name: 'bootstrap' });
    this.counters = opts.counters ?? new Counters();
  }

  get address(): HostPort {
    if (!this.bound) throw new Error('bootstrap server is not started');
    return this.bound;
  }

  /** Registered peers that are still live. */
  peers(): RegisteredPeer[] {
    const now = Date.now();
    return [...this.byAddr.values()].filter((p) => now - p.lastSeen <= this.peerTimeoutMs);
  }

  async start(listen: HostPort): Promise<HostPort> {
    const sock = dgram.createSocket({ type: isIP(listen.host) === 6 ? 'udp6' : 'udp4' });
    this.socket = sock;
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(listen.port, listen.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', (e) => {
      this.counters.inc('error.socket');
      this.log.warn('socket error', { error: e });
    });
    sock.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    const a = sock.address();
    this.bound = { host: normalizeIp(a.address), port: a.port };
    const every = Math.max(50, Math.min(5000, Math.floor(this.peerTimeoutMs / 2)));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
    this.log.info('bootstrap server listening', { address: formatHostPort(this.bound), peerTimeoutMs: this.peerTimeoutMs });
    return this.bound;
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.counters.inc('in.datagrams');
    const from = `${normalizeIp(rinfo.address)}:${rinfo.port}`;
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    let init: Init;
    try {
      const { value, size } = decodeGossipOverlay(bytes);
      if (size !== bytes.length || value.size !== bytes.length) return this.drop('size_mismatch', from, `datagram has ${bytes.length} bytes, message ${value.size}`);
      if (value.type !== MsgType.init) return this.drop('unexpected_type', from, `type ${value.type}`);
      init = value.body as Init;
    } catch (e) {
      if (e instanceof DecodeError) return this.drop('malformed', from, e.message);
      throw e;
    }
    this.counters.inc('in.init');
    const host = normalizeIp(rinfo.address);
    const now = Date.now();
    let peer = this.byAddr.get(from);
    if (peer && now - peer.lastSeen > this.peerTimeoutMs) {
      this.forget(peer, 'expired');
      peer = undefined;
    }
    if (!peer) {
      const id = this.allocateId();
      if (id < 0) return this.drop('full', from, `${this.byAddr.size} peers registered`);
      peer = { id, host, port: rinfo.port, degree: init.degree, lastSeen: now };
      this.byAddr.set(from, peer);
      this.usedIds.add(id);
      this.counters.inc('peers.registered');
      this.log.info('peer registered', { peer: from, id, degree: init.degree });
    } else {
      peer.lastSeen = now;
      peer.degree = init.degree;
    }
    const want = Math.min(init.degree, this.maxEntries);
    const others = this.peers().filter((p) => p !== peer);
    shuffle(others);
    const entries: PeerEntryInit[] = [];
    for (const p of others) {
      if (entries.length >= want) break;
      const addr = toPeerAddr(p);
      if (addr) entries.push({ id: p.id, addr });
    }
    const reply = encodeGossipOverlay({ type: MsgType.populate, body: { id: peer.id, entries } });
    this.socket?.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) {
        this.counters.inc('error.send');
        this.log.warn('cannot send POPULATE', { peer: from, error: err });
      }
    });
    this.counters.inc('out.populate');
    this.log.debug('POPULATE sent', { peer: from, id: peer.id, entries: entries.length });
  }

  private drop(reason: string, from: string, detail: string): void {
    this.counters.inc(`drop.${reason}`);
    this.log.debug('datagram dropped', { from, reason, detail });
  }

  private allocateId(): number {
    if (this.usedIds.size >= this.maxPeers) return -1;
    for (let n = 0; n < 65535; n++) {
      const id = this.nextId;
      this.nextId = this.nextId >= 65535 ? 1 : this.nextId + 1;
      if (!this.usedIds.has(id)) return id;
    }
    return -1;
  }

  private forget(peer: RegisteredPeer, why: string): void {
    this.byAddr.delete(`${peer.host}:${peer.port}`);
    this.usedIds.delete(peer.id);
    this.counters.inc(`peers.${why}`);
    this.log.info('peer forgotten', { peer: formatHostPort(peer), id: peer.id, why });
  }

  private sweep(): void {
    const now = Date.now();
    for (const p of [...this.byAddr.values()]) if (now - p.lastSeen > this.peerTimeoutMs) this.forget(p, 'expired');
  }
}

export function shuffle<T>(a: T[]): T[] {
  for (let k = a.length - 1; k > 0; k--) {
    const j = Math.floor(Math.random() * (k + 1));
    [a[k], a[j]] = [a[j]!, a[k]!];
  }
  return a;
}
