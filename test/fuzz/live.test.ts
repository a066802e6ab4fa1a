import { describe, it, expect, afterAll } from 'vitest';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCampaign, replayCase } from '../../fuzz/live/campaign.ts';
import { run as fuzzCli } from '../../src/cli/commands/fuzz.ts';
import { readCaptureBytes, dissect } from '../../src/capture/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const peer = (port: number, mode: string): string => `exec node --import tsx ${join(root, 'test/fixtures/broken-peer.ts')} --port ${port} --mode ${mode}`;
const work = mkdtempSync(join(tmpdir(), 'peerwire-fuzz-'));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const c of started) if (c.pid && c.exitCode === null) { try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ } }
  rmSync(work, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function sizeField(hex: string): number {
  return parseInt(hex.slice(0, 4), 16);
}

async function capturedClientBytes(file: string): Promise<string[]> {
  const events = readCaptureBytes(new Uint8Array(readFileSync(file)));
  expect(events.some((e) => e.kind === 'error')).toBe(false);
  expect(events.filter((e) => e.kind === 'packet').length).toBeGreaterThan(3);
  const out: string[] = [];
  for await (const ev of dissect(events, { flowEvents: true, gnutella: false })) {
    if (ev.kind === 'flow' && ev.event.kind === 'stream' && ev.event.dir === 0 && ev.event.event.kind === 'data') out.push(Buffer.from(ev.event.event.bytes).toString('hex'));
  }
  return out;
}

function tsharkReads(file: string): boolean | undefined {
  const r = spawnSync('tshark', ['-r', file, '-c', '50'], { encoding: 'utf8', timeout: 15_000 });
  if (r.error) return undefined; // tshark not installed
  return r.status === 0;
}

describe('live fuzzer against broken peers (loopback)', () => {
  it('finds, shrinks and replays the crash on size 3', async () => {
    const port = await freePort();
    const report = join(work, 'crash.json');
    const { report: r } = await runCampaign({
      proto: 'gossip-api', target: { host: '127.0.0.1', port }, spawn: peer(port, 'crash-size'),
      timeSec: 12, seed: 42, probeTimeoutMs: 300, shrinkTimeSec: 7, reportPath: report,
    });
    expect(r.failures).toHaveLength(1);
    const f = r.failures[0]!;
    expect(f.kind).toBe('crash');
    expect(f.exit?.code).toBe(1);
    // The minimal case still carries a header claiming 3 bytes, and is no bigger than the original.
    expect(f.case.messages.some((m) => sizeField(m) === 3)).toBe(true);
    const len = (c: { messages: string[] }): number => c.messages.join('').length;
    expect(len(f.case)).toBeLessThanOrEqual(len(f.original));
    expect(f.shrunk).toBe(true);
    expect(f.reproduced).toBe(true);
    expect(r.replay[0]).toBe(`peerwire fuzz replay ${report} 1`);
    // The exchange opens in the capture reader/dissector (and tshark when installed) with the bytes sent.
    expect(existsSync(f.pcap!)).toBe(true);
    const sent = (await capturedClientBytes(f.pcap!)).join('');
    expect(sent).toContain(f.case.messages.find((m) => sizeField(m) === 3)!.slice(0, 8));
    expect(tsharkReads(f.pcap!)).not.toBe(false);
    // Replay from the report crashes a fresh target again.
    const again = await replayCase({ report: JSON.parse(readFileSync(report, 'utf8')), caseId: 1, probeTimeoutMs: 300 });
    expect(again.outcome.kind).toBe('crash');
  }, 45_000);

  it('finds and shrinks the hang after a partial message', { timeout: 45_000 }, async () => {
    const port = await freePort();
    const { report: r } = await runCampaign({
      proto: 'gossip-api', target: { host: '127.0.0.1', port }, spawn: peer(port, 'hang-partial'),
      timeSec: 10, seed: 7, probeTimeoutMs: 400, shrinkTimeSec: 8, reportPath: join(work, 'hang.json'),
    });
    expect(r.failures).toHaveLength(1);
    const f = r.failures[0]!;
    expect(f.kind).toBe('hang');
    expect(f.detail).toMatch(/no NOTIFICATION/);
    expect(f.shrunk).toBe(true);
    expect(f.reproduced).toBe(true);
    const len = (c: { messages: string[] }): number => c.messages.join('').length;
    expect(len(f.case)).toBeLessThanOrEqual(len(f.original));
  });

  it('without --spawn a crash ends the campaign with the unshrunk case', async () => {
    const port = await freePort();
    const child = spawn(peer(port, 'crash-size'), { shell: true, detached: true, stdio: 'ignore' });
    started.push(child);
    const { report: r } = await runCampaign({
      proto: 'gossip-api', target: { host: '127.0.0.1', port }, timeSec: 10, seed: 42, probeTimeoutMs: 300,
      strategies: ['size-lie', 'whole'], reportPath: join(work, 'nospawn.json'),
    }).catch(async (e: unknown) => {
      // The peer may still be starting: retry once after a moment.
      await new Promise((res) => setTimeout(res, 1000));
      if (String(e).includes('liveness')) return runCampaign({ proto: 'gossip-api', target: { host: '127.0.0.1', port }, timeSec: 10, seed: 42, probeTimeoutMs: 300, strategies: ['size-lie', 'whole'], reportPath: join(work, 'nospawn.json') });
      throw e;
    });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.kind).toBe('crash');
    expect(r.failures[0]!.shrunk).toBe(false);
    expect(r.failures[0]!.case).toEqual(r.failures[0]!.original);
    expect(existsSync(r.failures[0]!.pcap!)).toBe(true);
  }, 30_000);

  it('CLI: bad usage exits 2', async () => {
    const err = console.error;
    console.error = () => {};
    try {
      expect(await fuzzCli(['--proto', 'gossip-api'])).toBe(2);
      expect(await fuzzCli(['--proto', 'nope', '--target', '127.0.0.1:1'])).toBe(2);
      expect(await fuzzCli(['--proto', 'gossip-api', '--target', '127.0.0.1:1', '--strategies', 'bogus'])).toBe(2);
      expect(await fuzzCli(['replay'])).toBe(2);
    } finally { console.error = err; }
  });
});

describe('campaign time limits', () => {
  it('stop between cases: no case is left talking to the target when the campaign returns', async () => {
    // A correct but slow gossip-API peer: every NOTIFICATION leaves 400 ms after its ANNOUNCE, so
    // nearly all of a case's time is spent in its probe and the time limit falls inside a case.
    const open = new Set<net.Socket>();
    const subscribed = new Map<number, Set<net.Socket>>();
    const server = net.createServer((sock) => {
      open.add(sock);
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= buf.readUInt16BE(0)) {
          const size = buf.readUInt16BE(0);
          if (size < 4) { sock.destroy(); return; }
          const [type, body] = [buf.readUInt16BE(2), buf.subarray(4, size)];
          buf = buf.subarray(size);
          if (type === 501 && body.length === 4) {
            const dt = body.readUInt16BE(2);
            if (!subscribed.has(dt)) subscribed.set(dt, new Set());
            subscribed.get(dt)!.add(sock);
          } else if (type === 500 && body.length >= 4) {
            const dt = body.readUInt16BE(2);
            const note = Buffer.concat([Buffer.from([0, 8 + body.length - 4, 0x01, 0xf6, 0, 1]), body.subarray(2)]);
            setTimeout(() => { for (const s of subscribed.get(dt) ?? []) if (!s.destroyed) s.write(note); }, 400);
          }
        }
      });
      sock.on('error', () => {});
      sock.on('close', () => { open.delete(sock); for (const set of subscribed.values()) set.delete(sock); });
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const { report: r } = await runCampaign({
        proto: 'gossip-api', target: { host: '127.0.0.1', port }, timeSec: 1, seed: 3, probeTimeoutMs: 3000, strategies: ['valid'],
      });
      expect(r.failures).toEqual([]);
      expect(r.cases).toBeGreaterThan(0);
      // fast-check's own interruptAfterTimeLimit returned here with a probe still waiting for its NOTIFICATION.
      await new Promise((res) => setTimeout(res, 100));
      expect(open.size).toBe(0);
    } finally {
      for (const s of open) s.destroy();
      server.close();
    }
  }, 20_000);
});

const nodeReady = existsSync(join(root, 'src/node/node.ts')) && existsSync(join(root, 'src/cli/commands/node.ts'));
if (!nodeReady) console.log('live.test: skipping the reference gossip node test: src/node is not there yet');

describe.skipIf(!nodeReady)('live fuzzer against the reference gossip node', () => {
  it('finds no failures', async () => {
    const [boot, p2p, api] = [await freePort(), await freePort(), await freePort()];
    const ini = join(work, 'node.ini');
    writeFileSync(ini, `[gossip]\ncache_size = 50\ndegree = 4\nbootstrapper = 127.0.0.1:${boot}\np2p_address = 127.0.0.1:${p2p}\napi_address = 127.0.0.1:${api}\n`);
    const b = spawn(`exec node --import tsx ${join(root, 'src/cli/main.ts')} bootstrap --listen 127.0.0.1:${boot}`, { shell: true, detached: true, stdio: 'ignore' });
    started.push(b);
    const { report: r } = await runCampaign({
      proto: 'gossip-api', target: { host: '127.0.0.1', port: api },
      spawn: `exec node --import tsx ${join(root, 'src/cli/main.ts')} node --config ${ini} --log-level error --validation-timeout 500`,
      runs: 400, seed: 11, probeTimeoutMs: 1000, reportPath: join(work, 'node.json'),
    });
    expect(r.failures.map((f) => `${f.kind}: ${f.detail} (${f.case.note}, ${f.case.delivery.kind})`)).toEqual([]);
    expect(r.cases).toBe(400);
  }, 40_000);
});

describe('exchange pcapng', () => {
  it('opens each connection with its handshake even when writes were stamped before the connect callback', async () => {
    const { exchangeToPcapng } = await import('../../fuzz/live/pcap.ts');
    const { codecLayers } = await import('../../src/capture/layers.ts');
    // Byte-wise delivery queued before 'connect' fired (seen in a seed-13 campaign under load).
    const bytes = Buffer.from('000a01f42a00ffff9ac3000301f404000539', 'hex');
    const events = [...bytes].map((b, k) => ({ tNs: 4_000_000n + BigInt(k), dir: 0 as const, data: Uint8Array.of(b) }));
    const pc = exchangeToPcapng([{ id: 0, transport: 'tcp', localPort: 40001, openedNs: 4_000_005n, events, probe: false, end: 'local', closedNs: 6_000_000n } as never], { target: { host: '127.0.0.1', port: 7001 } });
    const kinds = readCaptureBytes(pc)
      .filter((e) => e.kind === 'packet')
      .map((e) => {
        const tcp = codecLayers.tcp(codecLayers.ipv4(codecLayers.link(1, (e as { data: Uint8Array }).data).payload).payload);
        return tcp.flags.syn ? (tcp.flags.ack ? 'syn-ack' : 'syn') : tcp.flags.fin ? 'fin' : tcp.payload.length ? 'data' : 'ack';
      });
    expect(kinds.slice(0, 4)).toEqual(['syn', 'syn-ack', 'ack', 'data']);
    expect(kinds.filter((k) => k === 'data')).toHaveLength(bytes.length);
    const file = join(work, 'order.pcapng');
    writeFileSync(file, pc);
    expect((await capturedClientBytes(file)).join('')).toBe(bytes.toString('hex'));
  });
});
