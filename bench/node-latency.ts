/**
 * Reference gossip node benchmark: in-process networks of N nodes on loopback (bootstrap
 * server + nodes, one validating subscriber module per node).
 *  - dissemination latency: one ANNOUNCE at a random node until every subscriber on every node
 *    has its NOTIFICATION (validation round-trips included), p50/p99 over many rounds;
 *  - announce throughput: one module announces a burst of items at one node; items per second
 *    until every subscriber on every node has all of them.
 * Prints a markdown table and writes bench/out/node.json.
 *
 *   npx tsx bench/node-latency.ts [--nodes 10,50] [--rounds 100] [--items 1000] [--degree 4]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../src/cli/args.ts';
import { ApiClient } from '../src/node/api-client.ts';
import { LocalNet } from '../src/node/local-net.ts';

const DATA_TYPE = 4711;

interface Row {
  nodes: number;
  degree: number;
  links: number;
  rounds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  items: number;
  itemBytes: number;
  throughputItemsPerS: number;
  deliveriesPerS: number;
  duplicatesSuppressed: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k]!;
}

const progress = (s: string) => process.stderr.write(s + '\n');

async function measure(n: number, degree: number, rounds: number, items: number): Promise<Row> {
  progress(`[N=${n}] starting bootstrap server and ${n} nodes (degree ${degree})`);
  const lan = await LocalNet.start({
    nodes: n,
    degree,
    cacheSize: Math.max(1000, items * 2 + rounds * 2),
    nodeOptions: { validationTimeoutMs: 20_000, neighborsIntervalMs: 1000 },
  });
  const clients: ApiClient[] = [];
  try {
    const settled = await lan.settle(2, 10_000);
    const links = lan.nodes.reduce((s, node) => s + node.linkedPeers().length, 0) / 2;
    progress(`[N=${n}] overlay ${settled ? 'settled' : 'NOT fully settled'}: ${links} links`);
    const subs = await Promise.all(lan.nodes.map((node) => ApiClient.connect(node.apiAddress, { autoValidate: true })));
    clients.push(...subs);
    for (const s of subs) s.notify(DATA_TYPE);
    const announcers = await Promise.all(lan.nodes.map((node) => ApiClient.connect(node.apiAddress)));
    clients.push(...announcers);
    await new Promise((r) => setTimeout(r, 100));

    // Latency rounds, one item at a time.
    const lat: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const origin = Math.floor(Math.random() * n);
      const before = subs.map((s) => s.notifications.length);
      const t0 = performance.now();
      announcers[origin]!.announce(DATA_TYPE, new TextEncoder().encode(`latency ${n} ${r} ${Math.random()}`), 0);
      await Promise.all(subs.map((s, k) => s.waitFor(before[k]! + 1, 10_000)));
      lat.push(Math.max(...subs.map((s, k) => s.notifications[before[k]!]!.at)) - t0);
      if ((r + 1) % 10 === 0) progress(`[N=${n}] latency round ${r + 1}/${rounds}`);
    }
    lat.sort((a, b) => a - b);

    // Throughput: a burst of items from one module at node 0.
    const itemBytes = 64;
    const before = subs.map((s) => s.notifications.length);
    const t0 = performance.now();
    for (let i = 0; i < items; i++) {
      const data = new Uint8Array(itemBytes);
      new DataView(data.buffer).setUint32(0, i);
      data.set(new TextEncoder().encode(`burst-${n}`), 4);
      announcers[0]!.announce(DATA_TYPE, data, 0);
      if (announcers[0]!.socket.writableLength > 256 * 1024) await new Promise((r) => announcers[0]!.socket.once('drain', r));
    }
    const timer = setInterval(() => {
      const done = Math.min(...subs.map((s, k) => s.notifications.length - before[k]!));
      progress(`[N=${n}] burst: slowest node has ${done}/${items}`);
    }, 2000);
    try {
      await Promise.all(subs.map((s, k) => s.waitFor(before[k]! + items, 120_000)));
    } finally {
      clearInterval(timer);
    }
    const last = Math.max(...subs.map((s) => s.notifications[s.notifications.length - 1]!.at));
    const secs = (last - t0) / 1000;
    const dups = lan.nodes.reduce((s, node) => s + node.counters.get('drop.duplicate'), 0);
    return {
      nodes: n,
      degree,
      links,
      rounds,
      p50Ms: +percentile(lat, 50).toFixed(2),
      p99Ms: +percentile(lat, 99).toFixed(2),
      maxMs: +lat[lat.length - 1]!.toFixed(2),
      items,
      itemBytes,
      throughputItemsPerS: Math.round(items / secs),
      deliveriesPerS: Math.round((items * n) / secs),
      duplicatesSuppressed: dups,
    };
  } finally {
    for (const c of clients) c.close();
    await lan.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs(process.argv.slice(2), { nodes: 'list', rounds: 'number', items: 'number', degree: 'number' });
  const sizes = ((values.nodes as string[] | undefined) ?? ['10', '50']).map(Number);
  const rounds = (values.rounds as number | undefined) ?? 100;
  const items = (values.items as number | undefined) ?? 1000;
  const degree = (values.degree as number | undefined) ?? 4;
  if (sizes.some((s) => !Number.isInteger(s) || s < 2 || s > 200) || rounds < 1 || items < 1 || degree < 1) {
    console.error('usage: tsx bench/node-latency.ts [--nodes 10,50] [--rounds 100] [--items 1000] [--degree 4] (2 ≤ nodes ≤ 200)');
    return 2;
  }
  const rows: Row[] = [];
  for (const n of sizes) rows.push(await measure(n, degree, rounds, items));

  const table = [
    '| nodes | degree | links | latency p50 | latency p99 | max | announce throughput (items/s, every subscriber) | deliveries/s | duplicates suppressed |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.nodes} | ${r.degree} | ${r.links} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.throughputItemsPerS} | ${r.deliveriesPerS} | ${r.duplicatesSuppressed} |`),
  ].join('\n');
  console.log(table);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
  mkdirSync(out, { recursive: true });
  const env = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', platform: `${os.platform()} ${os.arch()}` };
  writeFileSync(join(out, 'node.json'), JSON.stringify({ benchmark: 'node-latency', date: new Date().toISOString(), env, params: { rounds, items, degree }, rows }, null, 2) + '\n');
  progress(`wrote ${join(out, 'node.json')}`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? e.stack : String(e)}`);
    process.exitCode = 1;
  },
);
