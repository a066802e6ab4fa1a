import { describe, it, expect, afterEach } from 'vitest';
import dgram from 'node:dgram';
import { BootstrapServer } from '../../src/node/bootstrap-server.ts';
import { Logger } from '../../src/node/logger.ts';
import { decodeGossipOverlay, encodeGossipOverlay, type Populate } from '../../src/codecs/gossip/overlay.gen.ts';
import { fromPeerAddr } from '../../src/node/addr.ts';

const silent = new Logger({ level: 'silent' });
const servers: BootstrapServer[] = [];
const sockets: dgram.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const b of servers.splice(0)) await b.close();
});

async function server(peerTimeoutMs = 10_000): Promise<BootstrapServer> {
  const b = new BootstrapServer({ peerTimeoutMs, logger: silent });
  await b.start({ host: '127.0.0.1', port: 0 });
  servers.push(b);
  return b;
}

async function peer(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  sockets.push(s);
  return s;
}

function exchange(s: dgram.Socket, b: BootstrapServer, bytes: Uint8Array, timeoutMs = 1000): Promise<Populate | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.off('message', on);
      resolve(null);
    }, timeoutMs);
    const on = (msg: Buffer) => {
      clearTimeout(t);
      s.off('message', on);
      resolve(decodeGossipOverlay(new Uint8Array(msg)).value.body as Populate);
    };
    s.on('message', on);
    s.send(bytes, b.address.port, '127.0.0.1');
  });
}

const init = (degree: number) => encodeGossipOverlay({ type: 510, body: { degree } });

describe('bootstrap server', () => {
  it('registers peers with unique ids and answers POPULATE with up to degree others', async () => {
    const b = await server();
    const peers = await Promise.all(Array.from({ length: 5 }, () => peer()));
    const ids: number[] = [];
    for (const p of peers) ids.push((await exchange(p, b, init(2)))!.id);
    expect(new Set(ids).size).toBe(5);
    const last = peers[4]!;
    const again = (await exchange(last, b, init(2)))!;
    expect(again.id).toBe(ids[4]); // same address keeps its id
    expect(again.entries.length).toBe(2);
    const own = last.address().port;
    for (const e of again.entries) {
      const a = fromPeerAddr(e.addr);
      expect(a.host).toBe('127.0.0.1');
      expect(a.port).not.toBe(own);
      expect(ids).toContain(e.id);
    }
    const all = (await exchange(peers[0]!, b, init(100)))!;
    expect(all.entries.length).toBe(4);
  });

  it('forgets a peer that does not re-send INIT', async () => {
    const b = await server(150);
    const p1 = await peer();
    await exchange(p1, b, init(5));
    expect(b.peers().length).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(b.peers().length).toBe(0);
    const p2 = await peer();
    expect((await exchange(p2, b, init(5)))!.entries.length).toBe(0);
    expect(b.counters.get('peers.expired')).toBeGreaterThanOrEqual(1);
  });

  it('drops and counts malformed datagrams', async () => {
    const b = await server();
    const p = await peer();
    const bad = [
      Uint8Array.of(0, 8, 1),                                  // truncated header
      Uint8Array.of(0, 9, 1, 0xfe, 0, 1, 0, 0),                // size says 9, datagram 8
      Uint8Array.of(0, 8, 1, 0xfe, 0, 1, 0, 0, 0),             // trailing byte
      encodeGossipOverlay({ type: 512, body: { id: 1 } }),      // CONNECT over UDP
      Uint8Array.of(0, 2, 1, 0xfe),                            // size below 4
    ];
    for (const d of bad) expect(await exchange(p, b, d, 150)).toBeNull();
    const c = b.counters.snapshot();
    expect((c['drop.malformed'] ?? 0) + (c['drop.size_mismatch'] ?? 0) + (c['drop.unexpected_type'] ?? 0)).toBe(5);
    expect(c['drop.unexpected_type']).toBe(1);
    expect((await exchange(p, b, init(3)))!.id).toBeGreaterThan(0); // still serving
  });
});
