// Loopback traffic of the reference gossip node (bootstrap server + 3 nodes + API clients),
// captured with tcpdump on lo, must dissect with every gossip family recognised by content
// (no --map) and nothing malformed. Skipped with a reason when tcpdump, root or the node
// commands are not available.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '../../src/capture/capture-reader.ts';
import { MessageDissector, type DissectRecord, type MessageRecord } from '../../src/capture/messages.ts';
import { messageType } from '../../src/capture/link-codecs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const haveTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
const root = process.getuid?.() === 0;
const haveNode = existsSync(join(ROOT, 'src/cli/commands/node.ts')) && existsSync(join(ROOT, 'src/cli/commands/bootstrap.ts')) && existsSync(join(ROOT, 'src/node/api-client.ts'));
const reason = !haveTcpdump ? 'tcpdump is not installed' : !root ? 'capturing on lo needs root' : !haveNode ? '`peerwire node`/`bootstrap` are not available yet' : '';
if (reason) console.log(`skipping dissect loopback test: ${reason}`);

const cli = (args: string[]): ChildProcess => spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
const exited = (p: ChildProcess, ms: number) => new Promise<void>((res) => {
  if (p.exitCode !== null || p.signalCode !== null) { res(); return; }
  const t = setTimeout(() => { p.kill('SIGKILL'); res(); }, ms);
  p.once('exit', () => { clearTimeout(t); res(); });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!!reason)('dissect: loopback capture of the reference gossip node', () => {
  it('recognises API, P2P and bootstrap traffic by content and decodes it all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerwire-dissect-lo-'));
    const base = 21000 + (process.pid % 400) * 10;
    const boot = base, p2p = [base + 1, base + 2, base + 3], api = [base + 5, base + 6, base + 7];
    const pcap = join(dir, 'lo.pcap');
    const procs: ChildProcess[] = [];
    try {
      const filter = `host 127.0.0.1 and (port ${[boot, ...p2p, ...api].join(' or port ')})`;
      const dump = spawn('tcpdump', ['-i', 'lo', '-U', '-s', '0', '-w', pcap, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
      procs.push(dump);
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error('tcpdump did not start')), 10_000);
        dump.stderr!.on('data', (d: Buffer) => { if (/listening on/.test(d.toString())) { clearTimeout(t); res(); } });
      });
      procs.push(cli(['bootstrap', '--listen', `127.0.0.1:${boot}`, '--log-level', 'warn']));
      await sleep(1500);
      for (let i = 0; i < 3; i++) {
        const ini = join(dir, `n${i}.ini`);
        writeFileSync(ini, `[gossip]\ncache_size = 50\ndegree = 2\nbootstrapper = 127.0.0.1:${boot}\np2p_address = 127.0.0.1:${p2p[i]}\napi_address = 127.0.0.1:${api[i]}\n`);
        procs.push(cli(['node', '--config', ini, '--log-level', 'warn', '--neighbors-interval', '500']));
      }
      await sleep(3000);
      const { ApiClient } = await import('../../src/node/api-client.ts');
      const sub = await ApiClient.connect({ host: '127.0.0.1', port: api[2]! }, { autoValidate: true });
      sub.notify(1337);
      await sleep(300);
      const pub = await ApiClient.connect({ host: '127.0.0.1', port: api[0]! });
      pub.announce(1337, new TextEncoder().encode('hello over loopback'), 0);
      await sub.waitFor(1, 8000).catch(() => undefined);
      await sleep(500);
      sub.close(); pub.close();
      for (const p of procs.slice(1).reverse()) { p.kill('SIGTERM'); await exited(p, 5000); }
      await sleep(300);
      dump.kill('SIGINT');
      await exited(dump, 5000);

      const d = new MessageDissector();
      const rs: DissectRecord[] = [];
      for await (const ev of readCaptureFile(pcap)) rs.push(...await d.push(ev));
      rs.push(...await d.finish());
      expect(rs.filter((r) => r.kind === 'malformed')).toEqual([]);
      const ms = rs.filter((r): r is MessageRecord => r.kind === 'message');
      const seen = new Set(ms.map((r) => `${r.transport} ${r.proto.proto}:${messageType(r.proto, r.value)?.name}`));
      for (const k of ['udp gossip-overlay:init', 'udp gossip-overlay:populate', 'tcp gossip-overlay:connect', 'tcp gossip-api:notify', 'tcp gossip-api:announce']) {
        expect(seen, `${k} in ${[...seen].join(', ')}`).toContain(k);
      }
      if (sub.notifications.length > 0) expect(seen).toContain('tcp gossip-api:notification');
    } finally {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
