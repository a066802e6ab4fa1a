/**
 * The reference gossip node (PROTOCOLS.md §1–§3): joins through the UDP bootstrap server
 * (INIT/POPULATE), keeps up to `degree` TCP links (CONNECT/DISCONNECT), learns peers with
 * NEIGHBORS and PULL/RESPONSE/PUSH, refills links when one drops, and disseminates ANNOUNCEd data
 * with SEND_CONTENT. Local modules use the API (api-server.ts): data goes on to other peers only
 * after every local subscriber validated it; invalid data stops here.
 *
 * Policies where the sources are silent (peerwire choices):
 * - ANNOUNCE without a prior NOTIFY is accepted (lenient, reference/gossip-tum.md §2.6).
 * - A node with no local subscriber for a data type relays it without validation.
 * - Subscribers that do not answer within `validationTimeoutMs` block forwarding (the item is dropped).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { isIP } from 'node:net';
import { decodeGossipOverlay, encodeGossipOverlay, MsgType as OverlayType, type Connect, type Neighbors, type PeerEntryInit, type Populate } from '../codecs/gossip/overlay.gen.ts';
import { encodeGossipPushpull, MsgType as PushpullType, type Pull, type Push, type Response, type SendContent } from '../codecs/gossip/pushpull.gen.ts';
import { MsgType as ApiType, type Announce, type Validation } from '../codecs/gossip/api.gen.ts';
import type { PeerAddrInit } from '../codecs/gossip/peer_addr.gen.ts';
import { DecodeError } from '../runtime/index.ts';
import { formatHostPort, fromPeerAddr, normalizeIp, toPeerAddr, type HostPort } from './addr.ts';
import { ApiServer, listen, type ApiConnection } from './api-server.ts';
import { shuffle } from './bootstrap-server.ts';
import { BoundedMap } from './cache.ts';
import type { GossipConfig } from './config.ts';
import { Counters, typeLabel } from './counters.ts';
import { contentDigest, MAX_P2P_DATA, nextTtl } from './dissemination.ts';
import { Logger } from './logger.ts';
import { P2PLink, type P2PMessage } from './p2p-link.ts';

export interface NodeOptions {
  logger?: Logger;
  counters?: Counters;
  /** NEIGHBORS to every link this often (default 10 s). */
  neighborsIntervalMs?: number;
  /** Refill links / PULL peers this often (default 2 s). */
  maintenanceIntervalMs?: number;
  /** Re-send INIT this often once joined, so the bootstrap keeps us (default 30 s). */
  reinitIntervalMs?: number;
  /** Re-send INIT this often until POPULATE arrives (default 1 s). */
  initRetryMs?: number;
  /** start() waits at most this long for POPULATE (default 3 s). */
  joinTimeoutMs?: number;
  connectTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Close a link that received nothing for this long (default 3 × NEIGHBORS interval + 5 s). */
  linkIdleTimeoutMs?: number;
  /** A started message must be complete within this (default 10 s). */
  slowSenderMs?: number;
  /** Local subscribers must validate within this, or the item is not forwarded (default 30 s). */
  validationTimeoutMs?: number;
  /** Most P2P links, inbound included (default max(2 × degree, degree + 8)). */
  maxLinks?: number;
  maxKnownPeers?: number;
  maxOutstandingNotifications?: number;
  maxApiConnections?: number;
  apiIdleTimeoutMs?: number;
  /** Most bytes queued towards one connection (default 4 MiB). */
  maxWriteBuffer?: number;
  /** Most peers in one RESPONSE / NEIGHBORS (default 32). */
  maxPeersPerMessage?: number;
  /** Only peers this accepts are remembered and dialled (e.g. loopback only in tests). */
  peerFilter?: ((addr: HostPort) => boolean) | null;
}

/** A link's PULLs are answered at most this often. */
const PULL_MIN_GAP_MS = 50;

interface KnownPeer {
  addr: HostPort;
  id: number;
  failures: number;
  nextTryAt: number;
}

type ItemState = 'validating' | 'forwarded' | 'invalid' | 'expired';

interface Item {
  key: string;
  dataType: number;
  data: Uint8Array;
  /** TTL to send with, or null: deliver locally only. */
  forwardTtl: number | null;
  source: P2PLink | null;
  pending: Set<number>;
  state: ItemState;
  timer: NodeJS.Timeout | null;
}

export interface NodeStatus {
  id: number;
  p2p: string;
  api: string;
  links: { peer: string; id: number | null; outbound: boolean }[];
  knownPeers: number;
  items: number;
  apiConnections: number;
}

export class GossipNode {
  readonly config: GossipConfig;
  readonly log: Logger;
  readonly counters: Counters;
  /** Bootstrap-assigned id (0 until POPULATE arrives). */
  id = 0;
  private readonly o: Required<Omit<NodeOptions, 'logger' | 'counters'>>;
  private readonly api: ApiServer;
  private p2pServer: net.Server | null = null;
  private udp: dgram.Socket | null = null;
  private p2pBound: HostPort | null = null;
  private readonly links = new Set<P2PLink>();
  private readonly linksByKey = new Map<string, P2PLink>();
  private readonly dialing = new Set<string>();
  private readonly dialSockets = new Set<net.Socket>();
  private readonly known = new Map<string, KnownPeer>();
  private readonly selfKeys = new Set<string>();
  private readonly items: BoundedMap<string, Item>;
  private readonly notifications = new Map<number, { conn: ApiConnection; item: Item }>();
  private timers: NodeJS.Timeout[] = [];
  private initTimer: NodeJS.Timeout | null = null;
  private joined = false;
  private joinWaiters: (() => void)[] = [];
  private closing = false;
  private lastPullAt = 0;

  constructor(config: GossipConfig, opts: NodeOptions = {}) {
    this.config = config;
    const neighborsIntervalMs = opts.neighborsIntervalMs ?? 10_000;
    this.o = {
      neighborsIntervalMs,
      maintenanceIntervalMs: opts.maintenanceIntervalMs ?? 2_000,
      reinitIntervalMs: opts.reinitIntervalMs ?? 30_000,
      initRetryMs: opts.initRetryMs ?? 1_000,
      joinTimeoutMs: opts.joinTimeoutMs ?? 3_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 3_000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 5_000,
      linkIdleTimeoutMs: opts.linkIdleTimeoutMs ?? 3 * neighborsIntervalMs + 5_000,
      slowSenderMs: opts.slowSenderMs ?? 10_000,
      validationTimeoutMs: opts.validationTimeoutMs ?? 30_000,
      maxLinks: opts.maxLinks ?? Math.max(2 * config.degree, config.degree + 8),
      maxKnownPeers: opts.maxKnownPeers ?? 512,
      maxOutstandingNotifications: opts.maxOutstandingNotifications ?? 4096,
      maxApiConnections: opts.maxApiConnections ?? 64,
      apiIdleTimeoutMs: opts.apiIdleTimeoutMs ?? 300_000,
      maxWriteBuffer: opts.maxWriteBuffer ?? 4 * 1024 * 1024,
      maxPeersPerMessage: opts.maxPeersPerMessage ?? 32,
      peerFilter: opts.peerFilter ?? null,
    };
    this.log = opts.logger ?? new Logger({ name: 'node' });
    this.counters = opts.counters ?? new Counters();
    this.items = new BoundedMap(config.cacheSize);
    this.items.onEvict = (_k, item) => this.retire(item, item.state === 'validating' ? 'expired' : item.state);
    this.api = new ApiServer(
      {
        maxConnections: this.o.maxApiConnections,
        idleTimeoutMs: this.o.apiIdleTimeoutMs,
        slowSenderMs: this.o.slowSenderMs,
        maxWriteBuffer: this.o.maxWriteBuffer,
        logger: this.log,
        counters: this.counters,
      },
      {
        onAnnounce: (c, a) => this.onApiAnnounce(c, a),
        onValidation: (c, v) => this.onApiValidation(c, v),
        onClose: (c) => this.onApiClose(c),
      },
    );
  }

  get p2pAddress(): HostPort {
    if (!this.p2pBound) throw new Error('node is not started');
    return this.p2pBound;
  }

  get apiAddress(): HostPort {
    return this.api.address;
  }

  status(): NodeStatus {
    return {
      id: this.id,
      p2p: this.p2pBound ? formatHostPort(this.p2pBound) : '-',
      api: formatHostPort(this.api.address),
      links: [...this.links].filter((l) => l.established).map((l) => ({ peer: l.key ?? l.conn.remote, id: l.remoteId, outbound: l.outbound })),
      knownPeers: this.known.size,
      items: this.items.size,
      apiConnections: this.api.connectionCount,
    };
  }

  /** Established links (peer P2P addresses). */
  linkedPeers(): string[] {
    return [...this.linksByKey.keys()];
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    await this.api.start(this.config.apiAddress);
    await this.startP2P();
    this.log.info('P2P listening', { address: formatHostPort(this.p2pAddress), degree: this.config.degree, cacheSize: this.config.cacheSize });
    this.sendInit();
    this.every(this.o.maintenanceIntervalMs, () => this.maintain());
    this.every(this.o.neighborsIntervalMs, () => this.sendNeighbors());
    if (!this.joined) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.log.warn('no POPULATE from the bootstrap server yet; continuing and retrying', { bootstrapper: formatHostPort(this.config.bootstrapper) });
          resolve();
        }, this.o.joinTimeoutMs);
        t.unref();
        this.joinWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Graceful stop: DISCONNECT on every link, close servers, wait (bounded) for sockets to close. */
  async close(): Promise<void> {
    await this.shutdown(true);
  }

  /** Abrupt stop, as if the process died: sockets destroyed, no DISCONNECT. */
  async kill(): Promise<void> {
    await this.shutdown(false);
  }

  private async shutdown(graceful: boolean): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.initTimer) clearTimeout(this.initTimer);
    for (const item of this.items.values()) if (item.timer) clearTimeout(item.timer);
    for (const s of this.dialSockets) s.destroy();
    const closed = [...this.links].map((l) => new Promise<void>((resolve) => (l.conn.socket.destroyed ? resolve() : l.conn.socket.once('close', () => resolve()))));
    for (const l of this.links) {
      if (graceful && l.established) {
        l.disconnecting = true;
        l.sendOverlay({ type: OverlayType.disconnect, body: { id: this.id } });
        l.close('node shutting down', true);
      } else l.close('node shutting down', false);
    }
    const srv = this.p2pServer;
    this.p2pServer = null;
    const udp = this.udp;
    this.udp = null;
    await Promise.all([
      this.api.close(),
      srv ? new Promise<void>((r) => srv.close(() => r())) : Promise.resolve(),
      udp ? new Promise<void>((r) => udp.close(() => r())) : Promise.resolve(),
      Promise.race([Promise.all(closed), new Promise<void>((r) => setTimeout(r, 1500).unref())]),
    ]);
    this.log.info('node stopped', { graceful });
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (e) {
        this.log.error('periodic task failed', { error: e });
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private async startP2P(): Promise<void> {
    const want = this.config.p2pAddress;
    for (let attempt = 0; ; attempt++) {
      const server = net.createServer((s) => this.acceptLink(s));
      await listen(server, want);
      const port = (server.address() as net.AddressInfo).port;
      const udp = dgram.createSocket({ type: isIP(want.host) === 6 ? 'udp6' : 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, want.host, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        await new Promise<void>((r) => server.close(() => r()));
        udp.close();
        // With an ephemeral port the UDP number may be taken; try another pair.
        if (want.port === 0 && attempt < 5) continue;
        throw new Error(`cannot bind UDP ${formatHostPort({ host: want.host, port })} for INIT: ${(e as Error).message}`);
      }
      server.on('error', (e) => this.log.error('P2P server error', { error: e }));
      udp.on('error', (e) => this.log.warn('UDP socket error', { error: e }));
      udp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
      this.p2pServer = server;
      this.udp = udp;
      this.p2pBound = { host: normalizeIp(want.host), port };
      this.selfKeys.add(formatHostPort(this.p2pBound));
      return;
    }
  }

  // ------------------------------------------------------------------ bootstrap

  private sendInit(): void {
    if (this.closing || !this.udp) return;
    const bytes = encodeGossipOverlay({ type: OverlayType.init, body: { degree: Math.min(this.config.degree, 65535) } });
    const b = this.config.bootstrapper;
    this.udp.send(bytes, b.port, b.host, (err) => {
      if (err) {
        this.counters.inc('error.init_send');
        this.log.warn('cannot send INIT', { bootstrapper: formatHostPort(b), error: err });
      }
    });
    this.counters.inc('p2p.out.init');
    this.initTimer = setTimeout(() => this.sendInit(), this.joined ? this.o.reinitIntervalMs : this.o.initRetryMs);
    this.initTimer.unref();
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const b = this.config.bootstrapper;
    const from = `${normalizeIp(rinfo.address)}:${rinfo.port}`;
    if (rinfo.port !== b.port || (isIP(b.host) && normalizeIp(rinfo.address) !== b.host)) {
      this.counters.inc('drop.datagram_foreign');
      this.log.debug('datagram from a non-bootstrap address dropped', { from });
      return;
    }
    let populate: Populate;
    try {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      const { value, size } = decodeGossipOverlay(bytes);
      if (size !== bytes.length) throw new DecodeError('valid', size, '', `datagram has ${bytes.length} bytes, message ${size}`);
      if (value.type !== OverlayType.populate) {
        this.counters.inc('drop.datagram_type');
        return;
      }
      populate = value.body as Populate;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.counters.inc('drop.datagram_malformed');
      this.log.warn('malformed datagram from the bootstrap server', { from, error: e });
      return;
    }
    this.counters.inc('p2p.in.populate');
    if (populate.id !== this.id) this.log.info('joined', { id: populate.id, peers: populate.entries.length });
    this.id = populate.id;
    for (const e of populate.entries) this.addKnown(fromPeerAddr(e.addr), e.id);
    if (!this.joined) {
      this.joined = true;
      if (this.initTimer) clearTimeout(this.initTimer);
      this.initTimer = setTimeout(() => this.sendInit(), this.o.reinitIntervalMs);
      this.initTimer.unref();
      for (const w of this.joinWaiters.splice(0)) w();
    }
    this.refill();
  }

  // ------------------------------------------------------------------ membership

  private addKnown(addr: HostPort, id: number): void {
    const key = formatHostPort(addr);
    if (this.selfKeys.has(key) || (this.id !== 0 && id === this.id) || addr.port === 0) return;
    if (this.o.peerFilter && !this.o.peerFilter(addr)) {
      this.counters.inc('peers.filtered');
      return;
    }
    const k = this.known.get(key);
    if (k) {
      if (id) k.id = id;
      return;
    }
    if (this.known.size >= this.o.maxKnownPeers) {
      // Evict the oldest entry we are not linked to.
      for (const [kk] of this.known) {
        if (!this.linksByKey.has(kk)) {
          this.known.delete(kk);
          this.counters.inc('peers.evicted');
          break;
        }
      }
      if (this.known.size >= this.o.maxKnownPeers) return;
    }
    this.known.set(key, { addr, id, failures: 0, nextTryAt: 0 });
  }

  private maintain(): void {
    if (this.closing) return;
    this.refill();
    const candidates = this.candidates().length;
    if (candidates < this.config.degree) this.sendPull();
  }

  private candidates(): KnownPeer[] {
    const now = Date.now();
    return [...this.known.entries()].filter(([k, p]) => !this.linksByKey.has(k) && !this.dialing.has(k) && p.nextTryAt <= now).map(([, p]) => p);
  }

  private refill(): void {
    if (this.closing) return;
    let have = this.links.size + this.dialing.size;
    if (have >= this.config.degree) return;
    const c = shuffle(this.candidates());
    for (const p of c) {
      if (have >= this.config.degree) break;
      this.dial(p);
      have++;
    }
    if (have < this.config.degree && this.links.size > 0 && c.length === 0) this.sendPull();
  }

  /** PULL a random link for more peers, at most once per maintenance interval. */
  private sendPull(): void {
    if (Date.now() - this.lastPullAt < this.o.maintenanceIntervalMs) return;
    const est = [...this.links].filter((l) => l.established);
    if (est.length === 0) return;
    const link = est[Math.floor(Math.random() * est.length)]!;
    const me = this.ownPeerAddr(link);
    if (!me) return;
    this.lastPullAt = Date.now();
    if (link.sendPushpull({ type: PushpullType.pull, body: { addr: me } })) this.counters.inc('p2p.out.pull');
  }

  private ownPeerAddr(link: P2PLink): PeerAddrInit | null {
    const local = normalizeIp(link.conn.socket.localAddress ?? this.p2pAddress.host);
    return toPeerAddr({ host: local, port: this.p2pAddress.port });
  }

  private dial(p: KnownPeer): void {
    const key = formatHostPort(p.addr);
    this.dialing.add(key);
    this.counters.inc('p2p.dials');
    const socket = net.connect({ host: p.addr.host, port: p.addr.port });
    this.dialSockets.add(socket);
    const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), this.o.connectTimeoutMs);
    timer.unref();
    const fail = (e: Error) => {
      clearTimeout(timer);
      this.dialSockets.delete(socket);
      this.dialing.delete(key);
      this.dialFailed(key, e.message);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      this.dialSockets.delete(socket);
      this.dialing.delete(key);
      if (this.closing) return void socket.destroy();
      const link = this.newLink(socket, true, p.addr);
      this.selfKeys.add(formatHostPort({ host: normalizeIp(socket.localAddress ?? ''), port: this.p2pAddress.port }));
      link.sendOverlay({ type: OverlayType.connect, body: { id: this.id } });
      const me = this.ownPeerAddr(link);
      if (me) link.sendPushpull({ type: PushpullType.push, body: { addr: me } });
      this.counters.inc('p2p.out.connect');
      this.counters.inc('p2p.out.push');
    });
  }

  private dialFailed(key: string, why: string): void {
    this.counters.inc('p2p.dial_failures');
    const p = this.known.get(key);
    if (p) {
      p.failures++;
      p.nextTryAt = Date.now() + Math.min(30_000, this.o.maintenanceIntervalMs * 2 ** p.failures);
      if (p.failures >= 3) {
        this.known.delete(key);
        this.log.debug('peer forgotten after failed dials', { peer: key });
      }
    }
    this.log.debug('dial failed', { peer: key, error: why });
    if (!this.closing) setImmediate(() => this.refill());
  }

  private acceptLink(socket: net.Socket): void {
    socket.on('error', () => {});
    if (this.closing || this.links.size >= this.o.maxLinks) {
      this.counters.inc('p2p.drop.link_limit');
      this.log.debug('P2P connection refused: link limit', { remote: `${socket.remoteAddress}:${socket.remotePort}` });
      socket.destroy();
      return;
    }
    if (socket.localAddress) this.selfKeys.add(formatHostPort({ host: normalizeIp(socket.localAddress), port: this.p2pAddress.port }));
    this.newLink(socket, false, null);
  }

  private newLink(socket: net.Socket, outbound: boolean, target: HostPort | null): P2PLink {
    const link = new P2PLink(
      socket,
      outbound,
      target,
      { idleTimeoutMs: this.o.linkIdleTimeoutMs, slowSenderMs: this.o.slowSenderMs, handshakeTimeoutMs: this.o.handshakeTimeoutMs, maxWriteBuffer: this.o.maxWriteBuffer },
      {
        onMessage: (l, m) => this.onLinkMessage(l, m),
        onMalformed: (l, reason) => {
          this.counters.inc('p2p.drop.malformed');
          this.log.warn('P2P link closed: malformed message', { link: l.label, reason });
          l.close(`malformed message: ${reason}`, false);
        },
        onClose: (l, reason) => this.onLinkClose(l, reason),
      },
    );
    this.links.add(link);
    return link;
  }

  private register(link: P2PLink): void {
    const key = link.key;
    if (!key || !link.established || link.closed) return;
    if (this.selfKeys.has(key)) {
      this.known.delete(key);
      return link.close('link to self', false);
    }
    const existing = this.linksByKey.get(key);
    if (existing && existing !== link && !existing.closed) {
      // Both sides dialled each other: keep the link opened by the node with the lower id.
      const initiator = (l: P2PLink) => (l.outbound ? this.id : (l.remoteId ?? 0));
      const keepNew = initiator(link) < initiator(existing);
      const drop = keepNew ? existing : link;
      this.counters.inc('p2p.duplicate_links');
      if (keepNew) this.linksByKey.set(key, link);
      drop.disconnecting = true;
      drop.close('duplicate link', true);
      return;
    }
    this.linksByKey.set(key, link);
    const k = this.known.get(key);
    if (k) {
      k.failures = 0;
      if (link.remoteId) k.id = link.remoteId;
    } else this.addKnown(link.listenAddr!, link.remoteId ?? 0);
    this.log.info('link up', { link: link.label, links: this.linksByKey.size });
  }

  private onLinkClose(link: P2PLink, reason: string): void {
    if (!this.links.delete(link)) return;
    const key = link.key;
    if (key && this.linksByKey.get(key) === link) {
      this.linksByKey.delete(key);
      if (!this.closing) this.log.info('link down', { link: link.label, reason, links: this.linksByKey.size });
    } else this.log.debug('link closed', { link: link.label, reason });
    if (key && !link.disconnecting && !this.closing) {
      const p = this.known.get(key);
      if (p) p.nextTryAt = Date.now() + this.o.maintenanceIntervalMs;
    }
    if (!this.closing) setImmediate(() => this.refill());
  }

  private sendNeighbors(): void {
    if (this.closing) return;
    const est = [...this.linksByKey.values()].filter((l) => !l.closed);
    for (const l of est) {
      const entries: PeerEntryInit[] = [];
      for (const o of est) {
        if (o === l || entries.length >= this.o.maxPeersPerMessage) continue;
        const addr = o.listenAddr && toPeerAddr(o.listenAddr);
        if (addr) entries.push({ id: o.remoteId ?? 0, addr });
      }
      if (l.sendOverlay({ type: OverlayType.neighbors, body: { id: this.id, entries } })) this.counters.inc('p2p.out.neighbors');
    }
  }

  private onLinkMessage(link: P2PLink, msg: P2PMessage): void {
    this.counters.inc(`p2p.in.${typeLabel(msg.type)}`);
    if (!link.established && msg.type !== OverlayType.connect) {
      this.counters.inc('p2p.drop.before_connect');
      this.log.warn('P2P link closed: first message is not CONNECT', { link: link.label, type: msg.type });
      return link.close(`${typeLabel(msg.type)} before CONNECT`, false);
    }
    switch (msg.type) {
      case OverlayType.connect: {
        const c = msg.body as Connect;
        if (link.established) {
          this.counters.inc('p2p.drop.repeated_connect');
          return;
        }
        if (this.id !== 0 && c.id === this.id && link.outbound) {
          if (link.key) this.selfKeys.add(link.key);
          this.known.delete(link.key ?? '');
          return link.close('connected to self', false);
        }
        link.markEstablished(c.id);
        if (!link.outbound) {
          link.sendOverlay({ type: OverlayType.connect, body: { id: this.id } });
          const me = this.ownPeerAddr(link);
          if (me) link.sendPushpull({ type: PushpullType.push, body: { addr: me } });
          this.counters.inc('p2p.out.connect');
          this.counters.inc('p2p.out.push');
        }
        return this.register(link);
      }
      case OverlayType.disconnect:
        link.disconnecting = true;
        return link.close('DISCONNECT received', true);
      case OverlayType.neighbors: {
        const n = msg.body as Neighbors;
        for (const e of n.entries.slice(0, this.o.maxPeersPerMessage * 2)) this.addKnown(fromPeerAddr(e.addr), e.id);
        return;
      }
      case PushpullType.push: {
        const addr = fromPeerAddr((msg.body as Push).addr);
        if (!link.outbound && !link.listenAddr) {
          // Trust the port, but take the host from the socket (a peer cannot claim someone else's IP).
          link.listenAddr = { host: link.conn.remoteHost, port: addr.port };
          this.register(link);
        } else this.addKnown(addr, 0);
        return;
      }
      case PushpullType.pull: {
        const now = Date.now();
        if (now - link.lastPullServedAt < PULL_MIN_GAP_MS) {
          this.counters.inc('p2p.drop.pull_rate');
          return;
        }
        link.lastPullServedAt = now;
        const req = fromPeerAddr((msg.body as Pull).addr);
        const reqKey = formatHostPort(req);
        const peers: PeerAddrInit[] = [];
        const pool = shuffle([...new Set([...this.linksByKey.keys(), ...this.known.keys()])]);
        for (const k of pool) {
          if (peers.length >= this.o.maxPeersPerMessage) break;
          if (k === reqKey || k === link.key) continue;
          const hp = this.linksByKey.get(k)?.listenAddr ?? this.known.get(k)?.addr;
          const a = hp && toPeerAddr(hp);
          if (a) peers.push(a);
        }
        if (link.sendPushpull({ type: PushpullType.response, body: { peers } })) this.counters.inc('p2p.out.response');
        return;
      }
      case PushpullType.response: {
        for (const a of (msg.body as Response).peers.slice(0, this.o.maxPeersPerMessage * 2)) this.addKnown(fromPeerAddr(a), 0);
        this.refill();
        return;
      }
      case PushpullType.send_content:
        return this.onSendContent(link, msg.body as SendContent);
      case OverlayType.init:
      case OverlayType.populate:
        this.counters.inc('p2p.drop.unexpected_type');
        return;
      default:
        this.counters.inc('p2p.drop.unknown_type');
        this.log.debug('unknown P2P message type ignored', { link: link.label, type: msg.type });
    }
  }

  // ------------------------------------------------------------------ dissemination

  private onSendContent(link: P2PLink, sc: SendContent): void {
    const m = sc.content;
    if (m.type !== ApiType.announce) {
      this.counters.inc('drop.content_not_announce');
      return;
    }
    const a = m.body as Announce;
    const key = contentDigest(a.dataType, a.data);
    if (this.items.has(key)) {
      this.counters.inc('drop.duplicate');
      return;
    }
    this.counters.inc('dissem.received');
    this.startItem({ key, dataType: a.dataType, data: a.data, forwardTtl: nextTtl(a.ttl), source: link, pending: new Set(), state: 'validating', timer: null }, null);
  }

  private onApiAnnounce(conn: ApiConnection, a: Announce): void {
    const key = contentDigest(a.dataType, a.data);
    if (this.items.has(key)) {
      this.counters.inc('drop.duplicate_announce');
      this.log.debug('ANNOUNCE of data already seen ignored', { conn: conn.id, dataType: a.dataType });
      return;
    }
    this.counters.inc('dissem.announced');
    this.startItem({ key, dataType: a.dataType, data: a.data, forwardTtl: a.ttl, source: null, pending: new Set(), state: 'validating', timer: null }, conn);
  }

  /** Notify local subscribers (except the announcer); forward once all have validated. */
  private startItem(item: Item, announcer: ApiConnection | null): void {
    this.items.set(item.key, item);
    for (const sub of this.api.subscribers(item.dataType)) {
      if (sub === announcer) continue;
      const id = this.allocateMessageId();
      if (id < 0) {
        this.counters.inc('drop.notification_limit');
        continue;
      }
      if (!sub.notify(id, item.dataType, item.data)) continue;
      this.notifications.set(id, { conn: sub, item });
      sub.outstanding.add(id);
      item.pending.add(id);
    }
    if (item.pending.size === 0) return this.forward(item);
    item.timer = setTimeout(() => {
      if (item.state !== 'validating') return;
      this.counters.inc('drop.validation_timeout');
      this.log.warn('validation timed out; item not forwarded', { dataType: item.dataType, waiting: item.pending.size });
      this.retire(item, 'expired');
    }, this.o.validationTimeoutMs);
    item.timer.unref();
  }

  private allocateMessageId(): number {
    if (this.notifications.size >= this.o.maxOutstandingNotifications) return -1;
    for (let n = 0; n < 32; n++) {
      const id = Math.floor(Math.random() * 65536);
      if (!this.notifications.has(id)) return id;
    }
    for (let id = 0; id < 65536; id++) if (!this.notifications.has(id)) return id;
    return -1;
  }

  private onApiValidation(conn: ApiConnection, v: Validation): void {
    const n = this.notifications.get(v.messageId);
    if (!n || n.conn !== conn) {
      this.counters.inc('api.drop.validation_unknown_id');
      this.log.debug('VALIDATION for an id not outstanding on this connection ignored', { conn: conn.id, messageId: v.messageId });
      return;
    }
    this.notifications.delete(v.messageId);
    conn.outstanding.delete(v.messageId);
    const item = n.item;
    item.pending.delete(v.messageId);
    if (item.state !== 'validating') return;
    if (!v.valid) {
      this.counters.inc('dissem.invalid');
      this.log.info('data validated invalid; not forwarded', { dataType: item.dataType, conn: conn.id });
      return this.retire(item, 'invalid');
    }
    if (item.pending.size === 0) this.forward(item);
  }

  private onApiClose(conn: ApiConnection): void {
    for (const id of conn.outstanding) {
      const n = this.notifications.get(id);
      this.notifications.delete(id);
      if (!n) continue;
      n.item.pending.delete(id);
      if (n.item.state === 'validating' && n.item.pending.size === 0) this.forward(n.item);
    }
    conn.outstanding.clear();
  }

  /** Item leaves the validating state without being forwarded; its outstanding ids are released. */
  private retire(item: Item, state: ItemState): void {
    if (item.timer) clearTimeout(item.timer);
    item.timer = null;
    if (item.state === 'validating') item.state = state;
    for (const id of item.pending) {
      const n = this.notifications.get(id);
      if (n && n.item === item) {
        this.notifications.delete(id);
        n.conn.outstanding.delete(id);
      }
    }
    item.pending.clear();
  }

  private forward(item: Item): void {
    if (item.timer) clearTimeout(item.timer);
    item.timer = null;
    item.state = 'forwarded';
    if (this.closing) return;
    if (item.forwardTtl === null) {
      this.counters.inc('dissem.ttl_expired');
      return;
    }
    if (item.data.length > MAX_P2P_DATA) {
      this.counters.inc('drop.too_large_for_p2p');
      this.log.warn('data too large for SEND_CONTENT; delivered locally only', { bytes: item.data.length });
      return;
    }
    const bytes = encodeGossipPushpull({
      type: PushpullType.send_content,
      body: { content: { type: ApiType.announce, body: { ttl: item.forwardTtl, dataType: item.dataType, data: item.data } } },
    });
    let sent = 0;
    // Every established link, including one whose peer never PUSHed its address.
    for (const l of this.links) {
      if (l === item.source || l.closed || !l.established || l.disconnecting) continue;
      if (l.sendRaw(bytes)) sent++;
    }
    if (sent) this.counters.inc('p2p.out.send_content', sent);
    this.counters.inc('dissem.forwarded');
  }
}
