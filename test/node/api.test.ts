// The API side of one node: the course client's behaviour, framing across segments, and
// malformed input closing only the offending connection (reference/gossip-tum.md §1, §2.3–2.4).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { LocalNet } from '../../src/node/local-net.ts';
import { ApiClient } from '../../src/node/api-client.ts';
import { decodeGossipApi, encodeGossipApi, type Notification } from '../../src/codecs/gossip/api.gen.ts';
import { encodeGossipOverlay } from '../../src/codecs/gossip/overlay.gen.ts';
import type { GossipNode } from '../../src/node/node.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Vectors from the course client (gossip-tum.md §1.9).
const NOTIFY_1337 = hex('00 08 01 f5 00 00 05 39');
const ANNOUNCE_DEADBEEF = hex('00 10 01 f4 04 00 05 39 64 65 61 64 62 65 65 66');

let lan: LocalNet;
let node: GossipNode;
const clients: ApiClient[] = [];

async function client(opts: ConstructorParameters<typeof Object>[0] = {}, n: GossipNode = node): Promise<ApiClient> {
  const c = await ApiClient.connect(n.apiAddress, opts as never);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  lan = await LocalNet.start({ nodes: 2, nodeOptions: { slowSenderMs: 300, apiIdleTimeoutMs: 400, maxApiConnections: 12 } });
  node = lan.nodes[0]!;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await lan.close();
});

describe('gossip API (one node)', () => {
  it('interoperates with the course client: NOTIFY+ANNOUNCE in one write, notify-mode answers VALIDATION', async () => {
    // `gossip_client.py -n`: NOTIFY, then read one whole 502 per recv and answer VALIDATION(valid).
    const listener = await client({ autoValidate: true });
    listener.write(NOTIFY_1337);
    await sleep(30);
    // `gossip_client.py -a`: NOTIFY and ANNOUNCE arrive in one segment, then the client closes.
    const a = await client();
    a.write(new Uint8Array([...NOTIFY_1337, ...ANNOUNCE_DEADBEEF]));
    a.socket.end();
    await listener.waitFor(1, 2000);
    const n = listener.notifications[0]!;
    expect([n.dataType, Buffer.from(n.data).toString()]).toEqual([1337, 'deadbeef']);
    expect(listener.unexpected).toEqual([]);
    // The wire bytes are exactly the course vector with a fresh id.
    const bytes = encodeGossipApi({ type: 502, body: { messageId: n.messageId, dataType: 1337, data: n.data } });
    expect(Buffer.from(bytes.subarray(0, 4)).toString('hex')).toBe('001001f6');
    // The VALIDATION was accepted and the item forwarded to the other node.
    const remote = await client({ autoValidate: true }, lan.nodes[1]!);
    remote.notify(1337);
    await sleep(50);
    expect(listener.closed).toBe(false);
    await waitUntil(() => node.counters.get('dissem.forwarded') >= 1);
    expect(node.counters.get('api.in.validation')).toBeGreaterThanOrEqual(1);
  });

  it('delivers a local ANNOUNCE to the other local subscribers, not to the announcer', async () => {
    const s1 = await client({ autoValidate: true });
    const s2 = await client({ autoValidate: true });
    const announcer = await client();
    for (const c of [s1, s2, announcer]) c.notify(2001);
    await sleep(30);
    announcer.announce(2001, new TextEncoder().encode('local'), 3);
    await Promise.all([s1.waitFor(1), s2.waitFor(1)]);
    await sleep(50);
    expect(announcer.notifications.length).toBe(0);
    expect(s1.notifications[0]!.messageId).not.toBe(s2.notifications[0]!.messageId);
  });

  it('frames back-to-back messages in one segment and one message split over many', async () => {
    const sub = await client({ autoValidate: true });
    // NOTIFY for three types, one byte per write.
    const notifies = [2101, 2102, 2103].map((t) => encodeGossipApi({ type: 501, body: { dataType: t } }));
    for (const b of notifies) for (const byte of b) {
      sub.write(Uint8Array.of(byte));
      await sleep(1);
    }
    await sleep(30);
    const a = await client();
    const batch = [2101, 2102, 2103].map((t) => encodeGossipApi({ type: 500, body: { ttl: 1, dataType: t, data: new TextEncoder().encode(`b2b-${t}`) } }));
    a.write(Uint8Array.from(batch.flatMap((b) => [...b])));
    // One more ANNOUNCE split in three pieces.
    const split = encodeGossipApi({ type: 500, body: { ttl: 1, dataType: 2101, data: new Uint8Array(3000).fill(7) } });
    a.write(split.subarray(0, 3));
    await sleep(20);
    a.write(split.subarray(3, 1500));
    await sleep(20);
    a.write(split.subarray(1500));
    await sub.waitFor(4, 2000);
    expect(sub.notifications.map((n) => n.dataType).sort()).toEqual([2101, 2101, 2102, 2103]);
    expect(sub.notifications.find((n) => n.data.length === 3000)).toBeDefined();
  });

  it('closes only the connection that sends a malformed or illegal message', async () => {
    const good = await client({ autoValidate: true });
    good.notify(2201);
    const cases: [string, Uint8Array][] = [
      ['NOTIFY with size 9', hex('00 09 01 f5 00 00 05 39 00')],
      ['VALIDATION with size 12', hex('00 0c 01 f7 00 01 00 01 00 00 00 00')],
      ['NOTIFICATION from a client', hex('00 10 01 f6 85 ca 05 39 64 65 61 64 62 65 65 66')],
      ['unknown type 600', hex('00 08 02 58 00 00 00 00')],
      ['size below 4', hex('00 02 01 f4')],
      ['empty ANNOUNCE', hex('00 08 01 f4 04 00 05 39')],
      ['ANNOUNCE shorter than its fields', hex('00 06 01 f4 04 00')],
    ];
    const before = node.counters.snapshot();
    for (const [what, bytes] of cases) {
      const bad = await client();
      bad.write(bytes);
      expect(await bad.waitClosed(1500), what).toBe(true);
    }
    const after = node.counters.snapshot();
    const drops = Object.keys(after).filter((k) => k.startsWith('api.drop.')).reduce((s, k) => s + (after[k]! - (before[k] ?? 0)), 0);
    // The framing error (size below 4) closes without a decoded message; the other six are counted.
    expect(drops).toBeGreaterThanOrEqual(6);
    // The well-behaved connection is untouched and still served.
    const a = await client();
    a.announce(2201, new TextEncoder().encode('still here'), 1);
    await good.waitFor(1, 2000);
    expect(good.closed).toBe(false);
  });

  it('ignores a VALIDATION for an id that is not outstanding (lenient)', async () => {
    const c = await client();
    c.notify(2301);
    c.validate(4242, true);
    await sleep(100);
    expect(c.closed).toBe(false);
    expect(node.counters.get('api.drop.validation_unknown_id')).toBeGreaterThanOrEqual(1);
  });

  it('closes slow senders and idle unsubscribed connections, keeps quiet subscribers', async () => {
    const slow = await client();
    slow.notify(2401);
    slow.write(hex('00 10 01')); // a header that never completes
    const idle = await client();
    const quiet = await client();
    quiet.notify(2402);
    expect(await slow.waitClosed(1500)).toBe(true);
    expect(await idle.waitClosed(1500)).toBe(true);
    await sleep(200);
    expect(quiet.closed).toBe(false);
  });

  it('refuses connections beyond the limit', async () => {
    for (const c of clients) c.close();
    await sleep(100);
    const held: ApiClient[] = [];
    for (let k = 0; k < 12; k++) {
      const c = await client();
      c.notify(2501);
      held.push(c);
    }
    const extra = await client();
    expect(await extra.waitClosed(1000)).toBe(true);
    expect(held.every((c) => !c.closed)).toBe(true);
    expect(node.counters.get('api.drop.connection_limit')).toBeGreaterThanOrEqual(1);
    for (const c of held) c.close();
    await sleep(100);
  });

  it('delivers a maximal 65535-byte ANNOUNCE locally and keeps it off the P2P links', async () => {
    const sub = await client({ autoValidate: true });
    sub.notify(2601);
    await sleep(30);
    const a = await client();
    a.announce(2601, new Uint8Array(65535 - 8).fill(0xab), 0);
    await sub.waitFor(1, 3000);
    const n: Notification = sub.notifications[0]!;
    expect(n.data.length).toBe(65527);
    await waitUntil(() => node.counters.get('drop.too_large_for_p2p') >= 1);
  });

  it('survives raw garbage on the API port', async () => {
    const s = net.connect(node.apiAddress.port, '127.0.0.1');
    s.on('error', () => {}); // the node resets the connection
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.alloc(70_000, 0xff));
    await new Promise((r) => s.once('close', r));
    const c = await client();
    c.notify(2701);
    await sleep(30);
    expect(c.closed).toBe(false);
    expect(decodeGossipApi(NOTIFY_1337).size).toBe(8);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('robustness', () => {
  it('random well-framed messages on the API and P2P ports never crash the node', async () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const message = (types: number[]) => {
      const len = rnd(4) === 0 ? rnd(40) : rnd(12);
      const b = new Uint8Array(4 + len);
      b[0] = (b.length >> 8) & 0xff;
      b[1] = b.length & 0xff;
      const t = types[rnd(types.length)]!;
      b[2] = t >> 8;
      b[3] = t & 0xff;
      for (let k = 4; k < b.length; k++) b[k] = rnd(4) === 0 ? 0 : rnd(256);
      return b;
    };
    const target = lan.nodes[1]!;
    const open = (port: number) =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
      });
    const apiTypes = [500, 501, 502, 503, 504, 510];
    const p2pTypes = [504, 505, 506, 507, 510, 511, 512, 513, 514, 500];
    for (let round = 0; round < 20; round++) {
      const a = await open(target.apiAddress.port);
      const p = await open(target.p2pAddress.port);
      p.write(encodeGossipOverlay({ type: 512, body: { id: 900 + round } })); // past the handshake, so the random messages are handled
      for (let k = 0; k < 10; k++) {
        a.write(message(apiTypes));
        p.write(message(p2pTypes));
      }
      await sleep(5);
      a.destroy();
      p.destroy();
    }
    await sleep(100);
    const sub = await client({ autoValidate: true }, target);
    sub.notify(2801);
    await sleep(30);
    const ann = await client({}, target);
    ann.announce(2801, new TextEncoder().encode('alive'), 1);
    await sub.waitFor(1, 2000);
    const c = target.counters.snapshot();
    expect((c['p2p.drop.malformed'] ?? 0) + (c['p2p.in.neighbors'] ?? 0)).toBeGreaterThan(0);
  });
});
