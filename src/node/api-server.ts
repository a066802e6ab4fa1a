/**
 * The gossip API server (reference/gossip-tum.md §1): one TCP connection per local module,
 * messages 500–503 framed by `size`. NOTIFY subscribes the connection to a data type until it
 * closes; ANNOUNCE and VALIDATION are handed to the node. A malformed or illegal message
 * (size mismatch, NOTIFICATION from a client, unknown type, empty ANNOUNCE) closes that
 * connection only, with a log line.
 */
import net from 'node:net';
import { decodeGossipApi, encodeGossipApi, MsgType, protocol as apiProtocol, type Announce, type GossipApi, type Notify, type Validation } from '../codecs/gossip/api.gen.ts';
import type { Frame } from '../runtime/index.ts';
import { formatHostPort, normalizeIp, type HostPort } from './addr.ts';
import { Counters, typeLabel } from './counters.ts';
import { FramedConn } from './framed-conn.ts';
import { Logger } from './logger.ts';

export interface ApiServerOptions {
  /** Most simultaneous API connections (default 64). */
  maxConnections?: number;
  /** Close a connection that has not subscribed and sent nothing for this long (default 5 min; 0 = never). */
  idleTimeoutMs?: number;
  /** A started message must be complete within this (default 10 s). */
  slowSenderMs?: number;
  /** Most bytes queued towards a module before it is considered stuck (default 4 MiB). */
  maxWriteBuffer?: number;
  logger?: Logger;
  counters?: Counters;
}

export interface ApiHandlers {
  onAnnounce(conn: ApiConnection, msg: Announce): void;
  onValidation(conn: ApiConnection, msg: Validation): void;
  onClose(conn: ApiConnection): void;
}

let nextConnId = 1;

export class ApiConnection {
  readonly id = nextConnId++;
  readonly subscriptions = new Set<number>();
  /** Message ids of NOTIFICATIONs sent here and not yet validated. */
  readonly outstanding = new Set<number>();
  readonly conn: FramedConn<GossipApi>;
  private readonly counters: Counters;

  constructor(conn: FramedConn<GossipApi>, counters: Counters) {
    this.conn = conn;
    this.counters = counters;
  }

  get remote(): string {
    return this.conn.remote;
  }

  /** Send one NOTIFICATION (in a single write, as the course client reads it in one recv). */
  notify(messageId: number, dataType: number, data: Uint8Array): boolean {
    const ok = this.conn.send(encodeGossipApi({ type: MsgType.notification, body: { messageId, dataType, data } }));
    if (ok) this.counters.inc('api.out.notification');
    return ok;
  }

  close(reason: string): void {
    this.conn.close(reason);
  }
}

export class ApiServer {
  readonly counters: Counters;
  readonly log: Logger;
  private readonly opts: Required<Omit<ApiServerOptions, 'logger' | 'counters'>>;
  private readonly handlers: ApiHandlers;
  private server: net.Server | null = null;
  private readonly conns = new Set<ApiConnection>();
  private readonly subs = new Map<number, Set<ApiConnection>>();
  private bound: HostPort | null = null;

  constructor(opts: ApiServerOptions, handlers: ApiHandlers) {
    this.opts = {
      maxConnections: opts.maxConnections ?? 64,
      idleTimeoutMs: opts.idleTimeoutMs ?? 300_000,
      slowSenderMs: opts.slowSenderMs ?? 10_000,
      maxWriteBuffer: opts.maxWriteBuffer ?? 4 * 1024 * 1024,
    };
    this.log = opts.logger ?? new Logger({ name: 'api' });
    this.counters = opts.counters ?? new Counters();
    this.handlers = handlers;
  }

  get address(): HostPort {
    if (!this.bound) throw new Error('API server is not started');
    return this.bound;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Connections subscribed to a data type. */
  subscribers(dataType: number): ApiConnection[] {
    return [...(this.subs.get(dataType) ?? [])].filter((c) => !c.conn.closed);
  }

  async start(addr: HostPort): Promise<HostPort> {
    const server = net.createServer((s) => this.accept(s));
    this.server = server;
    await listen(server, addr);
    const a = server.address() as net.AddressInfo;
    this.bound = { host: normalizeIp(a.address), port: a.port };
    this.log.info('API listening', { address: formatHostPort(this.bound) });
    return this.bound;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const c of [...this.conns]) c.conn.close('node shutting down', false);
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {});
    if (this.conns.size >= this.opts.maxConnections) {
      this.counters.inc('api.drop.connection_limit');
      this.log.warn('API connection refused: limit reached', { remote: `${socket.remoteAddress}:${socket.remotePort}`, limit: this.opts.maxConnections });
      socket.destroy();
      return;
    }
    let api: ApiConnection | null = null;
    const fc = new FramedConn<GossipApi>(
      socket,
      { decode: decodeGossipApi, frame: apiProtocol.frame!, idleTimeoutMs: this.opts.idleTimeoutMs, slowSenderMs: this.opts.slowSenderMs, maxWriteBuffer: this.opts.maxWriteBuffer },
      {
        onFrame: (f) => this.onFrame(api!, f),
        onClose: (reason) => this.onClose(api!, reason),
      },
    );
    api = new ApiConnection(fc, this.counters);
    this.conns.add(api);
    this.counters.inc('api.connections');
    this.log.debug('API connection opened', { conn: api.id, remote: api.remote });
  }

  private reject(c: ApiConnection, reason: string, counter: string): void {
    this.counters.inc(`api.drop.${counter}`);
    this.log.warn('API connection closed: bad message', { conn: c.id, remote: c.remote, reason });
    c.conn.close(reason, false);
  }

  private onFrame(c: ApiConnection, f: Frame<GossipApi>): void {
    if (!f.ok) return this.reject(c, `malformed message: ${f.error.message}`, 'malformed');
    const m = f.value;
    this.counters.inc(`api.in.${typeLabel(m.type)}`);
    switch (m.type) {
      case MsgType.announce: {
        const a = m.body as Announce;
        if (a.data.length === 0) return this.reject(c, 'ANNOUNCE without data', 'empty_announce');
        return this.handlers.onAnnounce(c, a);
      }
      case MsgType.notify: {
        const n = m.body as Notify;
        c.conn.disableIdle();
        if (!c.subscriptions.has(n.dataType)) {
          c.subscriptions.add(n.dataType);
          let set = this.subs.get(n.dataType);
          if (!set) this.subs.set(n.dataType, (set = new Set()));
          set.add(c);
          this.log.debug('subscribed', { conn: c.id, dataType: n.dataType });
        }
        return;
      }
      case MsgType.notification:
        return this.reject(c, 'NOTIFICATION (502) is illegal from a client', 'illegal_type');
      case MsgType.validation:
        return this.handlers.onValidation(c, m.body as Validation);
      default:
        return this.reject(c, `unknown message type ${m.type}`, 'unknown_type');
    }
  }

  private onClose(c: ApiConnection, reason: string): void {
    if (!this.conns.delete(c)) return;
    for (const t of c.subscriptions) {
      const set = this.subs.get(t);
      set?.delete(c);
      if (set && set.size === 0) this.subs.delete(t);
    }
    this.log.debug('API connection closed', { conn: c.id, remote: c.remote, reason });
    this.handlers.onClose(c);
  }
}

/** Listen on host:port, rejecting with the socket error (e.g. EADDRINUSE). */
export function listen(server: net.Server, addr: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const onErr = (e: Error) => reject(e);
    server.once('error', onErr);
    server.listen(addr.port, addr.host, () => {
      server.off('error', onErr);
      resolve();
    });
  });
}
