// A 10-node gossip network on loopback: exactly-once delivery, TTL and validation rules,
// the overlay messages seen from a raw peer, and recovery after 3 nodes die.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { LocalNet } from '../../src/node/local-net.ts';
import { ApiClient } from '../../src/node/api-client.ts';
import { decodeP2P, type P2PMessage } from '../../src/node/p2p-link.ts';
import { formatHostPort, fromPeerAddr } from '../../src/node/addr.ts';
import { encodeGossipOverlay, protocol as overlayProtocol, type Connect, type Neighbors } from '../../src/codecs/gossip/overlay.gen.ts';
import { encodeGossipPushpull, type Response } from '../../src/codecs/gossip/pushpull.gen.ts';
import { FrameReader } from '../../src/runtime/index.ts';
import type { GossipNode } from '../../src/node/node.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (s: string) => new TextEncoder().encode(s);
const N = 10;

let lan: LocalNet;
const clients: ApiClient[] = [];

async function subscribeAll(dataType: number, valid: boolean, nodes: GossipNode[] = lan.nodes): Promise<ApiClient[]> {
  const subs = await Promise.all(nodes.map((n) => ApiClient.connect(n.apiAddress, { autoValidate: () => valid })));
  for (const s of subs) s.notify(dataType);
  clients.push(...subs);
  await sleep(30);
  return subs;
}

async function announcer(node: GossipNode): Promise<ApiClient> {
  const c = await ApiClient.connect(node.apiAddress);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  lan = await LocalNet.start({ nodes: N, degree: 3 });
  expect(await lan.settle(2, 5000)).toBe(true);
}, 15_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await lan.close();
});

describe(`${N}-node network`, () => {
  it('every bootstrap id is unique and every node is linked', () => {
    const ids = lan.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(N);
    expect(ids.every((id) => id > 0)).toBe(true);
    for (const n of lan.nodes) expect(n.linkedPeers().length).toBeGreaterThanOrEqual(2);
  });

  it('one ANNOUNCE reaches every subscribed module on every node exactly once', async () => {
    const subs = await subscribeAll(1, true);
    const second = await subscribeAll(1, true, lan.nodes.slice(0, 3)); // two modules on some nodes
    const a = await announcer(lan.nodes[4]!);
    a.announce(1, text('to everyone'), 0);
    await Promise.all([...subs, ...second].map((s) => s.waitFor(1, 4000)));
    await sleep(300); // room for any duplicate
    expect([...subs, ...second].map((s) => s.notifications.length)).toEqual(new Array(N + 3).fill(1));
    expect(a.notifications.length).toBe(0);
    const dups = lan.nodes.reduce((s, n) => s + n.counters.get('drop.duplicate'), 0);
    expect(dups).toBeGreaterThan(0); // flooding met already-seen copies and suppressed them
  });

  it('TTL 1 reaches only the direct neighbours', async () => {
    const subs = await subscribeAll(2, true);
    const origin = lan.nodes[0]!;
    const neighbours = new Set(origin.linkedPeers());
    const a = await announcer(origin);
    a.announce(2, text('one hop'), 1);
    await sleep(600);
    const got = lan.nodes.filter((_, k) => subs[k]!.notifications.length > 0).map((n) => formatHostPort(n.p2pAddress));
    expect(new Set(got)).toEqual(new Set([formatHostPort(origin.p2pAddress), ...neighbours]));
    expect(subs.every((s) => s.notifications.length <= 1)).toBe(true);
  });

  it('VALIDATION valid=0 stops the spread', async () => {
    // A local subscriber rejects: nothing leaves the node.
    const subs = await subscribeAll(3, false);
    const origin = lan.nodes[1]!;
    const a = await announcer(origin);
    a.announce(3, text('rejected at home'), 0);
    await sleep(500);
    expect(subs.map((s) => s.notifications.length)).toEqual(lan.nodes.map((n) => (n === origin ? 1 : 0)));

    // The origin has no subscriber (relays); every other node rejects: only direct neighbours see it.
    const others = lan.nodes.filter((n) => n !== origin);
    const subs4 = await subscribeAll(4, false, others);
    const neighbours = new Set(origin.linkedPeers());
    a.announce(4, text('rejected by neighbours'), 0);
    await sleep(600);
    const got = others.filter((_, k) => subs4[k]!.notifications.length > 0).map((n) => formatHostPort(n.p2pAddress));
    expect(new Set(got)).toEqual(neighbours);
    expect(lan.nodes.reduce((s, n) => s + n.counters.get('dissem.invalid'), 0)).toBeGreaterThanOrEqual(1 + neighbours.size);
  });

  it('speaks CONNECT, PUSH, NEIGHBORS, PULL/RESPONSE, SEND_CONTENT and DISCONNECT with a raw peer', async () => {
    const node = lan.nodes[5]!;
    const sub = (await subscribeAll(6, true, [node]))[0]!;
    const fake = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    const fakePort = (fake.address() as net.AddressInfo).port;
    const raw = await RawPeer.connect(node.p2pAddress.port);
    try {
      raw.send(encodeGossipOverlay({ type: 512, body: { id: 999 } }));
      raw.send(encodeGossipPushpull({ type: 506, body: { addr: { port: fakePort, isIpv6: false, address: Uint8Array.of(127, 0, 0, 1) } } }));
      const connect = await raw.next(512);
      expect((connect.body as Connect).id).toBe(node.id);
      await raw.next(506);
      await waitUntil(() => node.linkedPeers().includes(`127.0.0.1:${fakePort}`));
      // Periodic NEIGHBORS lists the node's other links.
      const nb = (await raw.next(514, 2000)).body as Neighbors;
      expect(nb.id).toBe(node.id);
      expect(nb.entries.length).toBeGreaterThan(0);
      // NEIGHBORS from us teaches the node a peer; PULL shows it in the RESPONSE.
      raw.send(encodeGossipOverlay({ type: 514, body: { id: 999, entries: [{ id: 4242, addr: { port: 1, isIpv6: false, address: Uint8Array.of(127, 0, 0, 9) } }] } }));
      await sleep(50);
      raw.send(encodeGossipPushpull({ type: 504, body: { addr: { port: fakePort, isIpv6: false, address: Uint8Array.of(127, 0, 0, 1) } } }));
      const resp = (await raw.next(505)).body as Response;
      const listed = resp.peers.map((p) => formatHostPort(fromPeerAddr(p)));
      expect(listed).toContain('127.0.0.9:1');
      expect(listed).not.toContain(`127.0.0.1:${fakePort}`);
      // SEND_CONTENT from us is delivered to the node's subscriber and forwarded (not back to us).
      raw.send(encodeGossipPushpull({ type: 507, body: { content: { type: 500, body: { ttl: 2, dataType: 6, data: text('from raw') } } } }));
      await sub.waitFor(1, 2000);
      await waitUntil(() => node.counters.get('dissem.forwarded') > 0);
      // DISCONNECT: the node closes the link and forgets it as a neighbour.
      raw.send(encodeGossipOverlay({ type: 513, body: { id: 999 } }));
      expect(await raw.closed(2000)).toBe(true);
      await waitUntil(() => !node.linkedPeers().includes(`127.0.0.1:${fakePort}`));
      expect(raw.received.filter((m) => m.type === 507).length).toBe(0);
    } finally {
      raw.destroy();
      fake.close();
    }
  });

  it('closes a P2P link on malformed or out-of-order input and keeps working', async () => {
    const node = lan.nodes[6]!;
    const cases = [
      Uint8Array.of(0, 2, 1, 0xfe),                                          // unframeable
      encodeGossipPushpull({ type: 504, body: { addr: { port: 1, isIpv6: false, address: Uint8Array.of(1, 2, 3, 4) } } }), // PULL before CONNECT
    ];
    for (const bytes of cases) {
      const raw = await RawPeer.connect(node.p2pAddress.port);
      raw.send(bytes);
      expect(await raw.closed(2000)).toBe(true);
    }
    const raw = await RawPeer.connect(node.p2pAddress.port);
    raw.send(encodeGossipOverlay({ type: 512, body: { id: 77 } }));
    raw.send(Uint8Array.of(0, 9, 2, 0, 0, 1, 0, 0, 0)); // CONNECT with a trailing byte: malformed
    expect(await raw.closed(2000)).toBe(true);
    expect(node.counters.get('p2p.drop.malformed') + node.counters.get('p2p.drop.before_connect')).toBeGreaterThanOrEqual(2);
    expect(node.linkedPeers().length).toBeGreaterThanOrEqual(2);
  });

  it('killing 3 nodes leaves the rest connected and delivering', async () => {
    const dead = lan.nodes.slice(7);
    const alive = lan.nodes.slice(0, 7);
    await Promise.all(dead.map((n) => n.kill()));
    const deadKeys = new Set(dead.map((n) => formatHostPort(n.p2pAddress)));
    await waitUntil(() => alive.every((n) => n.linkedPeers().every((p) => !deadKeys.has(p))), 3000);
    expect(await lan.settle(1, 5000, alive)).toBe(true);
    const subs = await subscribeAll(7, true, alive);
    const a = await announcer(alive[2]!);
    a.announce(7, text('after the crash'), 0);
    await Promise.all(subs.map((s) => s.waitFor(1, 5000)));
    await sleep(200);
    expect(subs.map((s) => s.notifications.length)).toEqual(new Array(alive.length).fill(1));
  });
});

/** A hand-driven P2P peer: frames with the shared header and decodes with the generated codecs. */
class RawPeer {
  readonly received: P2PMessage[] = [];
  private readonly reader = new FrameReader(decodeP2P, overlayProtocol.frame);
  private readonly socket: net.Socket;
  private isClosed = false;
  private wake: (() => void) | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('error', () => {});
    socket.on('data', (c: Buffer) => {
      try {
        for (const f of this.reader.push(new Uint8Array(c))) if (f.ok) this.received.push(f.value);
      } catch {
        socket.destroy();
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.isClosed = true;
      this.wake?.();
    });
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('error', reject);
      s.once('connect', () => resolve(new RawPeer(s)));
    });
  }

  send(b: Uint8Array): void {
    this.socket.write(b);
  }

  /** The first not yet consumed message of a type. */
  async next(type: number, timeoutMs = 1500): Promise<P2PMessage> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const k = this.received.findIndex((m) => m.type === type);
      if (k >= 0) return this.received.splice(k, 1)[0]!;
      if (Date.now() > until || this.isClosed) throw new Error(`no message of type ${type}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
  }

  async closed(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.isClosed && Date.now() < until) await sleep(20);
    return this.isClosed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function waitUntil(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}
