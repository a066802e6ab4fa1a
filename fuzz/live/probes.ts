/**
 * Liveness oracles: after each case, a fresh connection must get the protocol's expected
 * answer. A refused connection means the target crashed, a timeout means it hangs, and a wrong
 * or malformed answer is a protocol violation.
 *
 * | proto | probe |
 * |---|---|
 * | gossip-api | NOTIFY(t) on connection A; ANNOUNCE(t, ttl 1, random data) on connection B (repeated with new data, backoff 2 → 100 ms); a NOTIFICATION of type t with one of those data arrives on A (answered with VALIDATION valid=1) |
 * | gnutella | 0.6 handshake (`GNUTELLA CONNECT/0.6` → `GNUTELLA/0.6 200` → `GNUTELLA/0.6 200 OK`), then Ping (TTL 1) → a Pong with the Ping's GUID |
 * | gnutella-handshake | the 0.6 handshake up to the `GNUTELLA/0.6 200` answer |
 * | gossip-pushpull | PULL with our address → a RESPONSE (505) |
 * | gossip-overlay | TCP: CONNECT(id) then NEIGHBORS(id, no entries) → the connection stays open and anything sent back is well-formed for 150 ms; UDP: INIT(degree 4) → POPULATE (511) |
 * | napster | LOGIN (2) `peerwire-probe x 0 "peerwire 0.1" 0` → any well-formed reply of type 3 (login ack) or 0 (error) |
 * | p2pdi | `PQuery P2P-DI/1.0 peerwire-probe Linux` + `{}` → any well-formed response |
 * | seedgossip | `Liveness Request:<ts>:127.0.0.1` → a `Liveness Reply:<ts>:…` line |
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { ProtocolInfo } from '../../src/runtime/index.ts';
import { FrameReader, PeerwireError } from '../../src/runtime/index.ts';
import { protocolByName } from '../arbitraries.ts';
import { Conn, ConnectError, Recorder, checkReplies, nowNs, type Endpoint } from './wire.ts';

export type ProbeResult =
  | { ok: true; ms: number }
  | { ok: false; kind: 'crash' | 'hang' | 'violation'; detail: string };

export interface ProbeOptions {
  target: Endpoint;
  transport: 'tcp' | 'udp';
  timeoutMs: number;
  recorder: Recorder;
}

export interface Probe {
  description: string;
  run(p: ProtocolInfo, o: ProbeOptions): Promise<ProbeResult>;
}

const enc = new TextEncoder();
const dec = new TextDecoder('latin1');

function refused(e: unknown): ProbeResult {
  const code = e instanceof ConnectError ? e.code : '';
  if (code === 'ETIMEDOUT') return { ok: false, kind: 'hang', detail: `liveness probe: ${(e as Error).message}` };
  return { ok: false, kind: 'crash', detail: `liveness probe: ${e instanceof Error ? e.message : String(e)}` };
}

/** Incremental frames of one connection (from `skip` on). */
class Frames {
  private reader: FrameReader<unknown>;
  private fed = 0;
  readonly values: unknown[] = [];
  error: string | undefined;
  private readonly skip: number;
  constructor(p: ProtocolInfo, skip = 0) {
    this.reader = new FrameReader(p.codec.decode, p.frame);
    this.skip = skip;
  }
  feed(all: Uint8Array): void {
    if (this.error) return;
    const from = Math.max(this.fed, this.skip);
    if (all.length <= from) return;
    const chunk = all.subarray(from);
    this.fed = all.length;
    try {
      for (const f of this.reader.push(chunk)) {
        if (!f.ok) { this.error = `malformed reply: ${f.error.message}`; return; }
        this.values.push(f.value);
      }
    } catch (e) {
      this.error = `reply stream cannot be framed: ${e instanceof PeerwireError ? e.message : String(e)}`;
    }
  }
}

/** Gnutella 0.6 handshake as the connecting side; returns the bytes of the reply headers. */
export async function gnutellaHandshake(c: Conn, timeoutMs: number, finish = true): Promise<{ ok: true; skip: number } | { ok: false; kind: 'hang' | 'violation'; detail: string }> {
  await c.write(enc.encode('GNUTELLA CONNECT/0.6\r\nUser-Agent: peerwire-fuzz/0.1\r\nX-Ultrapeer: False\r\n\r\n'));
  const end = await c.until(() => {
    const s = dec.decode(c.received());
    const k = s.indexOf('\r\n\r\n');
    if (k >= 0) return k + 4;
    if (c.closed) return -1;
    return undefined;
  }, timeoutMs);
  if (end === 'timeout') return { ok: false, kind: 'hang', detail: 'liveness probe: no Gnutella handshake reply' };
  if (end < 0) return { ok: false, kind: 'violation', detail: 'liveness probe: target closed the connection during the Gnutella handshake' };
  const head = dec.decode(c.received().subarray(0, end));
  if (!/^GNUTELLA\/0\.6 200/.test(head)) return { ok: false, kind: 'violation', detail: `liveness probe: handshake answered ${JSON.stringify(head.split('\r\n')[0])}` };
  if (finish) await c.write(enc.encode('GNUTELLA/0.6 200 OK\r\n\r\n'));
  return { ok: true, skip: end };
}

function u16(n: number): number[] { return [(n >> 8) & 0xff, n & 0xff]; }

const gossipApiProbe: Probe = {
  description: 'NOTIFY on one connection, ANNOUNCE of that type on another → NOTIFICATION',
  async run(p, o) {
    const t0 = Date.now();
    const dataType = 0x4000 + (randomBytes(2).readUInt16BE() & 0x3fff);
    let a: Conn | undefined, b: Conn | undefined;
    try {
      a = await Conn.open(o.target, o.recorder, true, o.timeoutMs);
      b = await Conn.open(o.target, o.recorder, true, o.timeoutMs);
    } catch (e) {
      a?.close();
      return refused(e);
    }
    try {
      await a.write(Uint8Array.from([0, 8, ...u16(501), 0, 0, ...u16(dataType)]));
      const sent = new Set<string>();
      const fa = new Frames(p);
      const fb = new Frames(p);
      const deadline = t0 + o.timeoutMs;
      // The NOTIFY may be handled after the first ANNOUNCE (two connections): re-announce with backoff.
      let wait = 2;
      while (Date.now() < deadline) {
        const data = randomBytes(8);
        sent.add(data.toString('hex'));
        await b.write(Uint8Array.from([0, 16, ...u16(500), 1, 0, ...u16(dataType), ...data]));
        const r = await a.until(() => {
          fa.feed(a!.received());
          fb.feed(b!.received());
          if (fa.error) return { err: `on the NOTIFY connection: ${fa.error}` };
          if (fb.error) return { err: `on the ANNOUNCE connection: ${fb.error}` };
          for (const v of fa.values as { type: number; body: { dataType?: number; data?: Uint8Array; messageId?: number } }[]) {
            if (v.type === 502 && v.body.dataType === dataType) {
              const hex = v.body.data ? Buffer.from(v.body.data).toString('hex') : '';
              if (!sent.has(hex)) return { err: `NOTIFICATION carries data ${hex}, none of the announced ${[...sent].join(',')}` };
              return { id: v.body.messageId ?? 0 };
            }
          }
          if (a!.closed) return { err: 'target closed the NOTIFY connection' };
          if (b!.closed) return { err: 'target closed the ANNOUNCE connection' };
          return undefined;
        }, Math.min(wait, Math.max(1, deadline - Date.now())));
        wait = Math.min(100, wait * 2);
        if (r === 'timeout') continue;
        if ('err' in r) return { ok: false, kind: 'violation', detail: `liveness probe: ${r.err}` };
        await a.write(Uint8Array.from([0, 8, ...u16(503), ...u16(r.id), 0, 1]));
        return { ok: true, ms: Date.now() - t0 };
      }
      return { ok: false, kind: 'hang', detail: `liveness probe: no NOTIFICATION for data type ${dataType} within ${o.timeoutMs} ms` };
    } finally {
      a.close();
      b.close();
    }
  },
};

const gnutellaProbe: Probe = {
  description: 'Gnutella 0.6 handshake, then Ping (TTL 1) → Pong with the same GUID',
  async run(p, o) {
    const t0 = Date.now();
    let c: Conn;
    try { c = await Conn.open(o.target, o.recorder, true, o.timeoutMs); } catch (e) { return refused(e); }
    try {
      const h = await gnutellaHandshake(c, o.timeoutMs);
      if (!h.ok) return h;
      const guid = randomBytes(16);
      await c.write(Uint8Array.from([...guid, 0x00, 1, 0, 0, 0, 0, 0]));
      const f = new Frames(p, h.skip);
      const r = await c.until(() => {
        f.feed(c.received());
        if (f.error) return { err: f.error };
        for (const v of f.values as { guid: Uint8Array; payloadType: number }[]) if (v.payloadType === 1 && Buffer.from(v.guid).equals(guid)) return { ok: true };
        if (c.closed) return { err: 'target closed the connection before answering the Ping' };
        return undefined;
      }, Math.max(1, o.timeoutMs - (Date.now() - t0)));
      if (r === 'timeout') return { ok: false, kind: 'hang', detail: `liveness probe: no Pong within ${o.timeoutMs} ms` };
      if ('err' in r) return { ok: false, kind: 'violation', detail: `liveness probe: ${r.err}` };
      return { ok: true, ms: Date.now() - t0 };
    } finally { c.close(); }
  },
};

const handshakeProbe: Probe = {
  description: 'Gnutella 0.6 handshake → GNUTELLA/0.6 200',
  async run(_p, o) {
    const t0 = Date.now();
    let c: Conn;
    try { c = await Conn.open(o.target, o.recorder, true, o.timeoutMs); } catch (e) { return refused(e); }
    try {
      const h = await gnutellaHandshake(c, o.timeoutMs);
      return h.ok ? { ok: true, ms: Date.now() - t0 } : h;
    } finally { c.close(); }
  },
};

/** Send `request`, accept the first well-formed reply message that `accept` likes. */
function requestProbe(description: string, request: () => Uint8Array[], accept: (v: unknown) => boolean | 'bad', waitMs?: number): Probe {
  return {
    description,
    async run(p, o) {
      const t0 = Date.now();
      if (o.transport === 'udp') return udpRequest(p, o, request(), accept);
      let c: Conn;
      try { c = await Conn.open(o.target, o.recorder, true, o.timeoutMs); } catch (e) { return refused(e); }
      try {
        for (const m of request()) await c.write(m);
        const f = new Frames(p);
        const r = await c.until(() => {
          f.feed(c.received());
          if (f.error) return { err: f.error };
          for (const v of f.values) {
            const a = accept(v);
            if (a === 'bad') return { err: `unexpected reply ${JSON.stringify(p.codec.toJson(v as never)).slice(0, 200)}` };
            if (a) return { ok: true };
          }
          if (c.closed) return waitMs !== undefined ? { err: 'target closed the probe connection' } : { err: 'target closed the connection without answering' };
          return undefined;
        }, waitMs ?? o.timeoutMs);
        if (r === 'timeout') return waitMs !== undefined ? { ok: true, ms: Date.now() - t0 } : { ok: false, kind: 'hang', detail: `liveness probe: no answer within ${o.timeoutMs} ms` };
        if ('err' in r) return { ok: false, kind: 'violation', detail: `liveness probe: ${r.err}` };
        return { ok: true, ms: Date.now() - t0 };
      } finally { c.close(); }
    },
  };
}

async function udpRequest(p: ProtocolInfo, o: ProbeOptions, msgs: Uint8Array[], accept: (v: unknown) => boolean | 'bad'): Promise<ProbeResult> {
  const t0 = Date.now();
  const sock = dgram.createSocket(o.target.host.includes(':') ? 'udp6' : 'udp4');
  const rec = o.recorder.add('udp', true);
  try {
    const r = await new Promise<ProbeResult>((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, kind: 'hang', detail: `liveness probe: no UDP answer within ${o.timeoutMs} ms` }), o.timeoutMs);
      sock.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); resolve({ ok: false, kind: 'crash', detail: `liveness probe: ${e.message}` }); });
      sock.on('message', (m) => {
        const b = new Uint8Array(m);
        rec.events.push({ tNs: nowNs(), dir: 1, data: b });
        const c = checkReplies(p, b);
        clearTimeout(timer);
        if (c.error) return resolve({ ok: false, kind: 'violation', detail: `liveness probe: ${c.error}` });
        for (const v of c.frames) {
          const a = accept(v);
          if (a === 'bad') return resolve({ ok: false, kind: 'violation', detail: 'liveness probe: unexpected reply' });
          if (a) return resolve({ ok: true, ms: Date.now() - t0 });
        }
      });
      sock.bind(0, () => {
        rec.localPort = sock.address().port;
        for (const m of msgs) {
          rec.events.push({ tNs: nowNs(), dir: 0, data: m });
          sock.send(m, o.target.port, o.target.host);
        }
      });
    });
    return r;
  } finally { sock.close(); }
}

function gossipMsg(type: number, body: number[]): Uint8Array {
  return Uint8Array.from([...u16(body.length + 4), ...u16(type), ...body]);
}

const text = (s: string): Uint8Array => enc.encode(s);

export const PROBES: Record<string, Probe> = {
  'gossip-api': gossipApiProbe,
  gnutella: gnutellaProbe,
  'gnutella-handshake': handshakeProbe,
  'gossip-pushpull': requestProbe('PULL with our address → RESPONSE (505)',
    () => [gossipMsg(504, [...u16(4242), 0, 0, 127, 0, 0, 1])],
    (v) => (v as { type: number }).type === 505),
  'gossip-overlay': {
    description: 'TCP: CONNECT + NEIGHBORS, the connection stays open and replies are well-formed; UDP: INIT → POPULATE',
    run(p, o) {
      if (o.transport === 'udp') return requestProbe('', () => [gossipMsg(510, [0, 4, 0, 0])], (v) => (v as { type: number }).type === 511).run(p, o);
      const id = randomBytes(2).readUInt16BE();
      return requestProbe('', () => [gossipMsg(512, [...u16(id), 0, 0]), gossipMsg(514, [...u16(id), 0, 0])], () => false, 150).run(p, o);
    },
  },
  napster: requestProbe('LOGIN → login ack (3) or error (0)',
    () => { const d = text('peerwire-probe x 0 "peerwire 0.1" 0'); return [Uint8Array.from([d.length & 0xff, d.length >> 8, 2, 0, ...d])]; },
    (v) => [0, 3].includes((v as { type: number }).type)),
  p2pdi: requestProbe('PQuery → any well-formed response', () => [text('PQuery P2P-DI/1.0 peerwire-probe Linux\n{}\n')], () => true),
  seedgossip: requestProbe('Liveness Request → Liveness Reply',
    () => [text(`Liveness Request:${Date.now()}:127.0.0.1\n`)],
    (v) => (v as { line?: { head?: string } }).line?.head === 'Liveness Reply'),
};

export function probeFor(proto: string): Probe | undefined {
  return PROBES[proto];
}

/** Bytes to send before each case on a fresh connection (Gnutella needs its handshake first). */
export function preludeFor(proto: string, timeoutMs: number): ((c: Conn) => Promise<number>) | undefined {
  if (proto !== 'gnutella') return undefined;
  return async (c) => {
    const h = await gnutellaHandshake(c, timeoutMs);
    return h.ok ? h.skip : c.receivedLength;
  };
}

export { protocolByName };
