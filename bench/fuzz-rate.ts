/**
 * Fuzzer throughput: cases per second in-process (all protocol decoders, every property check)
 * and against a loopback peer (test/fixtures/broken-peer.ts in `healthy` mode, a separate
 * process): one persistent connection vs a new connection per case, and the default campaign
 * (new connections, every delivery strategy, liveness probe after every case).
 *
 *   npx tsx bench/fuzz-rate.ts [--time S]     (default 8 s per row)
 *
 * Prints a markdown table and writes bench/out/fuzz.json.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decoderTargets, runInProcess } from '../fuzz/inprocess.ts';
import { runCampaign } from '../fuzz/live/campaign.ts';

const here = dirname(fileURLToPath(import.meta.url));
const k = process.argv.indexOf('--time');
const T = k >= 0 ? Number(process.argv[k + 1]) : 8;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface Row { mode: string; cases: number; seconds: number; perSec: number; notes: string }
const rows: Row[] = [];

// In-process.
{
  const targets = await decoderTargets(false);
  const s = await runInProcess({ timeSec: T, seed: 1, targets, writeCrashers: false });
  rows.push({ mode: 'in-process, all protocol decoders', cases: s.inputs, seconds: s.elapsedMs / 1000, perSec: Math.round(s.inputs / (s.elapsedMs / 1000)), notes: `${targets.length} decoders; 3 decodes per input (bare, between sentinels, at an offset) + ${s.roundTrips} round trips` });
  const api = targets.filter((t) => t.proto === 'gossip-api');
  const s2 = await runInProcess({ timeSec: Math.max(2, T / 2), seed: 2, targets: api, writeCrashers: false });
  rows.push({ mode: 'in-process, gossip-api decoder only', cases: s2.inputs, seconds: s2.elapsedMs / 1000, perSec: Math.round(s2.inputs / (s2.elapsedMs / 1000)), notes: 'same checks' });
}

// Loopback peer.
const port = await freePort();
const child = spawn(process.execPath, ['--import', 'tsx', join(here, '..', 'test', 'fixtures', 'broken-peer.ts'), '--port', String(port), '--mode', 'healthy'], { stdio: 'ignore' });
try {
  await new Promise((r) => setTimeout(r, 1500));
  const target = { host: '127.0.0.1', port };
  const live = async (mode: string, notes: string, o: Parameters<typeof runCampaign>[0]): Promise<void> => {
    const { report } = await runCampaign(o);
    if (report.failures.length) throw new Error(`${mode}: unexpected failure ${report.failures[0]!.detail}`);
    rows.push({ mode, cases: report.cases, seconds: report.durationMs / 1000, perSec: Math.round(report.cases / (report.durationMs / 1000)), notes });
  };
  await live('loopback, persistent connection', 'whole-message cases on one connection (reconnect when the peer closes it), probe every 100 cases', { proto: 'gossip-api', target, timeSec: T, seed: 3, strategies: ['valid', 'reserved-bits', 'whole'], persistent: true, probeEvery: 100, lingerMs: 0 });
  await live('loopback, reconnect per case', 'whole-message cases, new connection each, probe every 100 cases', { proto: 'gossip-api', target, timeSec: T, seed: 3, strategies: ['valid', 'reserved-bits', 'whole'], probeEvery: 100, lingerMs: 0 });
  await live('loopback, default campaign', 'all mutation + delivery strategies, new connections, 2 ms linger, probe after every case', { proto: 'gossip-api', target, timeSec: T, seed: 4 });
} finally {
  child.kill('SIGKILL');
}

const env = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', date: new Date().toISOString(), secondsPerRow: T };
console.log(`\n| mode | cases | s | cases/s | notes |\n|---|---:|---:|---:|---|`);
for (const r of rows) console.log(`| ${r.mode} | ${r.cases} | ${r.seconds.toFixed(1)} | ${r.perSec.toLocaleString('en-US')} | ${r.notes} |`);
console.log(`\n${env.node}, ${env.cpus} × ${env.cpu}`);
const out = join(here, 'out', 'fuzz.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ env, rows }, null, 2) + '\n');
console.log(`written ${out}`);
