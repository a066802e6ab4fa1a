/**
 * `npm run bench`: generated codecs vs the Kaitai-generated JS parser vs hand-written DataView
 * code, one sample message per family, decode and encode, all in one run. Each measurement runs
 * in its own process, implementations are interleaved and repeated, and the
 * best repetition is kept, so ratios compare like with like on a shared machine. Writes bench/out/codec.json
 * and the "Codecs" section of bench/RESULTS.md. Other sections (node, fuzzer, dissector) come from
 * their own scripts, run afterwards unless `--only codec`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { SAMPLES } from './samples.ts';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const REPS = Number(process.env.BENCH_REPS ?? 5);
const IMPLS = ['ours', 'kaitai', 'hand'] as const;

interface Row {
  proto: string;
  op: 'decode' | 'encode';
  rates: Record<string, number | null>;
}

function measure(proto: string, impl: string, op: string, file?: string): number | null {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'measure.ts'), proto, impl, op, ...(file ? [file] : [])], { cwd: root, encoding: 'utf8', env: process.env });
  const line = out.trim().split('\n').pop()!;
  return (JSON.parse(line) as { msgsPerSec: number | null }).msgsPerSec;
}

const fmt = (x: number | null) => (x === null ? '—' : `${(x / 1e6).toFixed(2)} M/s`);
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '—' : `${(a / b).toFixed(2)}×`);

function codecBench(): Row[] {
  const rows: Row[] = [];
  const protos = Object.keys(SAMPLES);
  const total = protos.length * 2 * REPS * IMPLS.length;
  let done = 0;
  for (const proto of protos) {
    for (const op of ['decode', 'encode'] as const) {
      const samples: Record<string, number[]> = { ours: [], kaitai: [], hand: [] };
      const unavailable = new Set<string>();
      for (let r = 0; r < REPS; r++) {
        for (const impl of IMPLS) {
          done++;
          if (unavailable.has(impl)) continue;
          process.stderr.write(`\r[${done}/${total}] ${proto} ${op} ${impl} (rep ${r + 1}/${REPS})`.padEnd(70));
          const v = measure(proto, impl, op);
          if (v === null) unavailable.add(impl);
          else samples[impl]!.push(v);
        }
      }
      const rates: Record<string, number | null> = {};
      // Best of the repetitions: on this JIT a process lands in a fast or a slow optimisation state
      // by timing luck (seen for every implementation, ~2× apart); noise only ever slows a run down.
      for (const impl of IMPLS) rates[impl] = samples[impl]!.length ? Math.max(...samples[impl]!) : null;
      rows.push({ proto, op, rates });
    }
  }
  process.stderr.write('\n');
  return rows;
}

/** Every gossip API message type decoded by the generated code and by Kaitai: where the ratio comes from. */
const API_TYPES = ['gossip/api-announce.json', 'gossip/api-notify.json', 'gossip/api-notification.json', 'gossip/api-validation-valid.json'];
function apiTypesBench(): { file: string; ours: number; kaitai: number }[] {
  const out: { file: string; ours: number; kaitai: number }[] = [];
  let done = 0;
  for (const file of API_TYPES) {
    const best: Record<string, number> = { ours: 0, kaitai: 0 };
    for (let r = 0; r < REPS; r++) {
      for (const impl of ['ours', 'kaitai']) {
        process.stderr.write(`\r[${++done}/${API_TYPES.length * REPS * 2}] gossip-api decode ${file} ${impl}`.padEnd(70));
        best[impl] = Math.max(best[impl]!, measure('gossip-api', impl, 'decode', file) ?? 0);
      }
    }
    out.push({ file, ours: best.ours!, kaitai: best.kaitai! });
  }
  process.stderr.write('\n');
  return out;
}

function table(rows: Row[]): string {
  const lines = [
    '| protocol (sample) | op | peerwire generated | Kaitai JS 0.11 | hand-written DataView | generated ÷ Kaitai | generated ÷ hand |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.proto} (${SAMPLES[r.proto]}) | ${r.op} | ${fmt(r.rates.ours!)} | ${fmt(r.rates.kaitai!)} | ${fmt(r.rates.hand!)} | ${ratio(r.rates.ours!, r.rates.kaitai!)} | ${ratio(r.rates.ours!, r.rates.hand!)} |`);
  }
  return lines.join('\n');
}

/** Replace one marked section of bench/RESULTS.md, keeping the others. */
export function writeSection(name: string, body: string): void {
  const file = join(root, 'bench', 'RESULTS.md');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\nAll figures are ratios measured side by side in one run on the same machine; absolute rates vary with load.\n';
  const block = `${start}\n${body.trim()}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `Node ${process.version}, ${cpus().length} × ${cpu}`;
}

function main(): void {
  mkdirSync(join(root, 'bench', 'out'), { recursive: true });
  if (!only || only === 'codec') {
    const rows = codecBench();
    const t = table(rows);
    console.log(t);
    writeFileSync(join(root, 'bench', 'out', 'codec.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), reps: REPS, rows }, null, 2));
    const types = apiTypesBench();
    const api = rows.filter((r) => r.proto === 'gossip-api');
    const dec = api.find((r) => r.op === 'decode')!.rates;
    const enc = api.find((r) => r.op === 'encode')!.rates;
    writeSection(
      'codec',
      [
        '## Codecs: generated vs Kaitai JS vs hand-written',
        '',
        `Command: \`npm run bench\` (or \`npx tsx bench/run.ts --only codec\`); ${machine()}; ${new Date().toISOString().slice(0, 10)}.`,
        `Method: one sample message per family (from test/vectors), 200,000 copies back to back; each implementation in its own node process, 7 timed rounds after a warm-up (median; no forced GC, collection cost counts), ${REPS} interleaved repetitions (best: V8 puts a process in a fast or a slow optimisation state by timing luck, about 2× apart, for every implementation alike). Decoded values escape into a 1024-slot ring so no implementation's allocations can be optimised away. Kaitai JS cannot encode.`,
        '',
        t,
        '',
        `Issue goals (gossip API): decode ≥ 8× Kaitai → **${ratio(dec.ours!, dec.kaitai!)}** (the hand-written decoder of the same message: ${ratio(dec.hand!, dec.kaitai!)} Kaitai); decode ≥ 0.7× hand → **${ratio(dec.ours!, dec.hand!)}**; encode ≥ 0.7× hand → **${ratio(enc.ours!, enc.hand!)}**.`,
        '',
        'Gossip API decode per message type (same method, generated vs Kaitai only). Messages with a data payload cost one Uint8Array view each in every implementation (Kaitai, hand-written and generated alike), and that allocation dominates a 16-byte decode; fixed-layout messages have none:',
        '',
        '| vector | peerwire generated | Kaitai JS 0.11 | generated ÷ Kaitai |',
        '|---|---|---|---|',
        ...types.map((x) => `| ${x.file} | ${fmt(x.ours)} | ${fmt(x.kaitai)} | ${ratio(x.ours, x.kaitai)} |`),
      ].join('\n'),
    );
  }
  // Sections owned by other benchmarks (each writes its own part of RESULTS.md).
  for (const [name, script] of [['node', 'node-latency.ts'], ['fuzz', 'fuzz-rate.ts'], ['dissect', 'dissect.ts']] as const) {
    if (only && only !== name) continue;
    if (!existsSync(join(root, 'bench', script))) continue;
    console.log(`\n== ${name} (bench/${script})`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', script)], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) console.error(`bench/${script} exited with ${r.status}`);
  }
}

main();
