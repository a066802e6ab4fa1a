/**
 * Connections to a live target with a recorder of every byte exchanged (for the pcapng of a
 * failing case), and the execution of one fuzz case over TCP or UDP.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import { FrameReader, FramingError, PeerwireError } from '../../src/runtime/index.ts';
import type { ProtocolInfo } from '../../src/runtime/index.ts';
import { partialParts, type FuzzCase } from './case.ts';

export interface Endpoint { host: string; port: number }

export interface ConnRecord {
  id: number;
  transport: 'tcp' | 'udp';
  /** Local port the OS gave us. */
  localPort: number;
  /** Wall clock of the connection start, ns. */
  openedNs: bigint;
  /** Data in both directions: 0 = to the target, 1 = from it. */
  events: { tNs: bigint; dir: 0 | 1; data: Uint8Array }[];
  closedNs?: bigint;
  /** How it ended: we closed it, the target closed it, reset, or refused. */
  end?: 'local' | 'remote' | 'reset' | 'refused';
  /** Part of the liveness probe rather than of the case. */
  probe: boolean;
}

export class Recorder {
  readonly conns: ConnRecord[] = [];
  enabled: boolean;
  constructor(enabled = true) { this.enabled = enabled; }
  add(transport: 'tcp' | 'udp', probe: boolean): ConnRecord {
    const r: ConnRecord = { id: this.conns.length, transport, localPort: 0, openedNs: nowNs(), events: [], probe };
    if (this.enabled) this.conns.push(r);
    return r;
  }
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

export class ConnectError extends Error {
  readonly code: string;
  constructor(code: string, message: string) { super(message); this.code = code; }
}

/** One TCP connection with its received bytes. */
export class Conn {
  readonly socket: net.Socket;
  readonly rec: ConnRecord;
  private chunks: Uint8Array[] = [];
  private size = 0;
  private waiters: (() => void)[] = [];
  closed = false;
  error: Error | undefined;

  private constructor(socket: net.Socket, rec: ConnRecord) {
    this.socket = socket;
    this.rec = rec;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      const b = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      this.chunks.push(b);
      this.size += b.length;
      rec.events.push({ tNs: nowNs(), dir: 1, data: Uint8Array.from(b) });
      this.wake();
    });
    socket.on('error', (e) => { this.error = e; if ((e as NodeJS.ErrnoException).code === 'ECONNRESET') rec.end ??= 'reset'; });
    socket.on('close', () => {
      this.closed = true;
      rec.closedNs ??= nowNs();
      rec.end ??= 'remote';
      this.wake();
    });
  }

  static open(to: Endpoint, recorder: Recorder, probe: boolean, timeoutMs: number): Promise<Conn> {
    const rec = recorder.add('tcp', probe);
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: to.host, port: to.port });
      const timer = setTimeout(() => { s.destroy(); rec.end = 'refused'; reject(new ConnectError('ETIMEDOUT', `connect to ${to.host}:${to.port} timed out after ${timeoutMs} ms`)); }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        rec.localPort = s.localPort ?? 0;
        rec.openedNs = nowNs();
        resolve(new Conn(s, rec));
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        rec.end = 'refused';
        reject(new ConnectError(e.code ?? 'ERR', `connect to ${to.host}:${to.port}: ${e.message}`));
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Everything received so far. */
  received(): Uint8Array {
    if (this.chunks.length > 1) {
      this.chunks = [Buffer.concat(this.chunks)];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }

  get receivedLength(): number { return this.size; }

  write(b: Uint8Array): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.resolve();
    this.rec.events.push({ tNs: nowNs(), dir: 0, data: Uint8Array.from(b) });
    return new Promise((resolve) => {
      this.socket.write(b, () => resolve());
    });
  }

  /** Wait until `check` returns something (re-run on every arrival and on close), or time out. */
  async until<T>(check: () => T | undefined, timeoutMs: number): Promise<T | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = check();
      if (r !== undefined) return r;
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.waiters = this.waiters.filter((w) => w !== go); resolve(); }, left);
        const go = (): void => { clearTimeout(t); resolve(); };
        this.waiters.push(go);
      });
    }
  }

  close(): void {
    if (!this.closed) {
      this.rec.closedNs ??= nowNs();
      this.rec.end ??= 'local';
    }
    this.socket.destroy();
  }
}

/** Frames the target sent, and the first protocol error among them. */
export function checkReplies(p: ProtocolInfo, bytes: Uint8Array): { frames: unknown[]; error: string | undefined } {
  const reader = new FrameReader(p.codec.decode, p.frame);
  const frames: unknown[] = [];
  try {
    for (const f of reader.push(bytes)) {
      if (!f.ok) return { frames, error: `target sent a malformed ${p.proto} message at stream byte ${f.offset}: ${f.error.message}` };
      frames.push(f.value);
    }
  } catch (e) {
    if (e instanceof FramingError || e instanceof PeerwireError) return { frames, error: `target's ${p.proto} stream cannot be framed: ${e.message}` };
    throw e;
  }
  return { frames, error: undefined };
}

export interface ExecOptions {
  target: Endpoint;
  transport: 'tcp' | 'udp';
  recorder: Recorder;
  connectTimeoutMs: number;
  /** Time to collect replies after the last write (ms). */
  lingerMs: number;
  /** Silence after a partial message before the liveness check (ms). */
  silenceMs: number;
  /** Bytes sent one per write at most (bytewise delivery). */
  bytewiseLimit: number;
  /** Bytes sent before the case on each connection (e.g. the Gnutella handshake). */
  prelude?: (c: Conn) => Promise<number>;
  /** Reuse this connection for `whole` delivery (persistent mode). */
  persistent?: { conn: Conn | undefined };
}

export interface ExecResult {
  /** A reply that is not a well-formed message. */
  violation?: string;
  /** The case could not even connect (the target is gone). */
  refused?: string;
  /** Connections left open on purpose (partial delivery); close them after the liveness check. */
  held: Conn[];
}

async function sendAll(c: Conn, parts: readonly Uint8Array[], bytewise: boolean, limit: number): Promise<void> {
  if (!bytewise) {
    for (const m of parts) await c.write(m);
    return;
  }
  const all = Buffer.concat(parts);
  const n = Math.min(all.length, limit);
  for (let k = 0; k < n; k++) {
    if (c.closed) return;
    await c.write(all.subarray(k, k + 1));
  }
  if (n < all.length) await c.write(all.subarray(n));
}

/** Run one case against the target. */
export async function execute(p: ProtocolInfo, c: FuzzCase, o: ExecOptions): Promise<ExecResult> {
  if (o.transport === 'udp') return executeUdp(p, c, o);
  const d = c.delivery;
  const nConn = d.kind === 'parallel' ? d.connections : 1;
  const conns: Conn[] = [];
  const skip: number[] = [];
  try {
    const reuse = o.persistent && d.kind === 'whole' && o.persistent.conn && !o.persistent.conn.closed ? o.persistent.conn : undefined;
    if (reuse) { conns.push(reuse); skip.push(reuse.receivedLength); }
    else {
      const opened = await Promise.all(Array.from({ length: nConn }, () => Conn.open(o.target, o.recorder, false, o.connectTimeoutMs)));
      for (const cn of opened) {
        conns.push(cn);
        skip.push(o.prelude ? await o.prelude(cn) : 0);
      }
      if (o.persistent && d.kind === 'whole') o.persistent.conn = opened[0];
    }
  } catch (e) {
    for (const cn of conns) cn.close();
    return { refused: e instanceof Error ? e.message : String(e), held: [] };
  }
  const parts = d.kind === 'partial' ? partialParts(c.messages, d.cut)
    : d.kind === 'batch' ? [Buffer.concat(Array.from({ length: d.copies }, () => c.messages).flat())]
      : c.messages;
  await Promise.all(conns.map((cn) => sendAll(cn, parts, d.kind === 'bytewise', o.bytewiseLimit)));
  if (d.kind === 'partial') await new Promise((r) => setTimeout(r, o.silenceMs));
  else if (o.lingerMs > 0) await conns[0]!.until(() => (conns.every((x) => x.closed) ? true : undefined), o.lingerMs);
  let violation: string | undefined;
  conns.forEach((cn, k) => {
    const got = cn.received().subarray(skip[k] ?? 0);
    if (!violation && got.length) violation = checkReplies(p, got).error;
  });
  if (d.kind === 'partial') return { violation, held: conns };
  for (const cn of conns) if (!o.persistent || cn !== o.persistent.conn) cn.close();
  if (o.persistent?.conn?.closed) o.persistent.conn = undefined;
  return { violation, held: [] };
}

async function executeUdp(p: ProtocolInfo, c: FuzzCase, o: ExecOptions): Promise<ExecResult> {
  const sock = dgram.createSocket(o.target.host.includes(':') ? 'udp6' : 'udp4');
  const rec = o.recorder.add('udp', false);
  let violation: string | undefined;
  let refused: string | undefined;
  sock.on('message', (m) => {
    const b = new Uint8Array(m);
    rec.events.push({ tNs: nowNs(), dir: 1, data: b });
    violation ??= checkReplies(p, b).error;
  });
  sock.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'ECONNREFUSED') refused = e.message; });
  await new Promise<void>((r) => sock.bind(0, r));
  rec.localPort = sock.address().port;
  sock.connect(o.target.port, o.target.host);
  await new Promise<void>((r) => sock.once('connect', r));
  const d = c.delivery;
  const copies = d.kind === 'batch' ? d.copies : d.kind === 'parallel' ? d.connections : 1;
  const msgs = d.kind === 'partial' ? partialParts(c.messages, d.cut) : c.messages;
  for (let k = 0; k < copies; k++) {
    for (const m of msgs) {
      rec.events.push({ tNs: nowNs(), dir: 0, data: Uint8Array.from(m) });
      await new Promise<void>((r) => sock.send(m, () => r()));
    }
  }
  await new Promise((r) => setTimeout(r, Math.max(o.lingerMs, d.kind === 'partial' ? o.silenceMs : 0)));
  sock.close();
  rec.closedNs = nowNs();
  rec.end = 'local';
  return { violation, refused, held: [] };
}
