/**
 * `peerwire fuzz`: fuzz a live peer with malformed messages generated from the specs.
 *
 *   peerwire fuzz --proto <name> --target <ip:port> [--transport tcp|udp] [--runs N | --time S]
 *                 [--seed S] [--strategies a,b,…] [--report <file.json>] [--spawn "<command>"]
 *   peerwire fuzz replay <report.json> <case> [--target ip:port] [--spawn "<command>" | --no-spawn]
 *                 [--original] [--pcap <file>]
 *
 * Exit code 0 when nothing failed, 1 when a case failed (or the target was unusable), 2 on bad usage.
 */
import { parseArgs, UsageError } from '../args.ts';
import { readFileSync } from 'node:fs';
import { ALL_STRATEGIES, describeDelivery } from '../../../fuzz/live/case.ts';
import { replayCase, runCampaign, splitTarget, type Progress, type Report } from '../../../fuzz/live/campaign.ts';
import { PROBES } from '../../../fuzz/live/probes.ts';
import { protocols } from '../../../src/codecs/index.gen.ts';

const HELP = `usage: peerwire fuzz --proto <name> --target <ip:port> [options]
       peerwire fuzz replay <report.json> <case> [--target ip:port] [--spawn "<cmd>" | --no-spawn] [--original] [--pcap file]

Sends malformed messages generated from the protocol's spec to a live peer; after each case a
liveness probe checks the peer still answers. Failures are classified (crash, hang, protocol
violation), shrunk when the fuzzer started the target itself, and written with a pcapng of the
exchange next to the report.

options:
  --proto P            protocol (${protocols.map((p) => p.proto).join(', ')})
  --target IP:PORT     the peer to fuzz (loopback or a peer you are allowed to test)
  --transport T        tcp (default) or udp
  --runs N             number of cases (default 1000 unless --time is given)
  --time S             fuzz for S seconds (checked between cases: the case under way finishes)
  --seed S             fast-check seed (printed; same seed, same cases)
  --strategies LIST    comma-separated: ${ALL_STRATEGIES.join(', ')}
  --report FILE        write the JSON report (and FILE-case<N>.pcapng per failure)
  --spawn "CMD"        start the target with CMD (sh -c), restart it after a failure, shrink the case
  --probe-timeout MS   liveness probe deadline (default 1000)
  --shrink-time S      shrinking budget in seconds, checked between cases (default 30)
  --linger MS          wait for replies after each case (default 2)
  --silence MS         silence after a partial message before the probe (default 20)
  --probe-every N      run the probe after every N cases (default 1)
  --persistent         reuse one connection for consecutive whole-message cases
  --max-connections N  most connections of a 'parallel' case (default 8)

probes:
${Object.entries(PROBES).map(([k, v]) => `  ${k.padEnd(20)} ${v.description}`).join('\n')}
`;

function bar(p: Progress): string {
  const frac = p.timeSec ? p.elapsedMs / (p.timeSec * 1000) : p.runs ? p.cases / p.runs : 0;
  const f = Math.max(0, Math.min(1, frac));
  const width = 24;
  const filled = Math.round(f * width);
  const rate = p.elapsedMs ? Math.round((p.cases / p.elapsedMs) * 1000) : 0;
  const head = p.phase === 'fuzz' ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%` : `[${p.phase}${p.shrinks !== undefined ? ` ${p.shrinks} steps` : ''}]`;
  return `${head} ${p.cases} cases ${rate}/s ${p.failures} failures ${(p.elapsedMs / 1000).toFixed(1)}s`;
}

function table(title: string, rows: Record<string, { cases: number; failures: number }>): string[] {
  const out = [`| ${title} | cases | failures |`, '|---|---:|---:|'];
  for (const [k, v] of Object.entries(rows).sort((a, b) => b[1].cases - a[1].cases)) out.push(`| ${k} | ${v.cases} | ${v.failures} |`);
  return out;
}

export function summary(r: Report): string {
  const lines: string[] = [];
  lines.push(`peerwire fuzz ${r.proto} ${r.target} (${r.transport}) seed ${r.seed}: ${r.cases} cases in ${(r.durationMs / 1000).toFixed(1)} s (${r.casesPerSec}/s), ${r.failures.length} failure(s)${r.spawn ? `, ${r.restarts} restart(s)` : ''}`);
  lines.push(`liveness probe: ${r.probe}`, '');
  lines.push(...table('strategy', r.byStrategy), '', ...table('delivery', r.byDelivery));
  for (const f of r.failures) {
    const bytes = f.case.messages.map((m) => (m.length > 96 ? `${m.slice(0, 96)}…(${m.length / 2} bytes)` : m)).join(' | ');
    lines.push('', `FAILURE ${f.id}: ${f.kind.toUpperCase()} — ${f.detail}`);
    lines.push(`  strategy ${f.strategy}: ${f.case.note}; delivery: ${describeDelivery(f.case.delivery)}`);
    lines.push(`  messages: ${bytes}`);
    lines.push(`  ${f.shrunk ? `shrunk in ${f.shrinks} steps` : 'not shrunk'}${f.reproduced === null ? '' : f.reproduced ? ', reproduced on a fresh target' : ', NOT reproduced on a fresh target'}`);
    if (f.exit) lines.push(`  target exit: ${f.exit.signal ? `signal ${f.exit.signal}` : `code ${f.exit.code}`}`);
    if (f.pcap) lines.push(`  exchange: ${f.pcap}`);
  }
  if (r.replay.length) lines.push('', 'replay:', ...r.replay.map((c) => `  ${c}`));
  return lines.join('\n');
}

async function replay(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { target: 'string', spawn: 'string', 'no-spawn': 'boolean', original: 'boolean', pcap: 'string', 'probe-timeout': 'number', help: 'boolean' });
  if (a.values.help) { console.log(HELP); return 0; }
  const [file, id] = a.positional;
  if (!file || !id || !/^\d+$/.test(id)) throw new UsageError('usage: peerwire fuzz replay <report.json> <case>');
  let report: Report;
  try { report = JSON.parse(readFileSync(file, 'utf8')) as Report; } catch (e) { throw new UsageError(`cannot read report ${file}: ${(e as Error).message}`); }
  if (report.tool !== 'peerwire fuzz') throw new UsageError(`${file} is not a peerwire fuzz report`);
  const target = a.values.target ? splitTarget(String(a.values.target)) : undefined;
  const r = await replayCase({
    report,
    caseId: Number(id),
    target: target ? { host: target[0], port: target[1] } : undefined,
    spawn: a.values['no-spawn'] ? null : (a.values.spawn as string | undefined),
    original: !!a.values.original,
    probeTimeoutMs: a.values['probe-timeout'] as number | undefined,
    pcapPath: a.values.pcap as string | undefined,
  });
  const failed = r.outcome.kind !== 'pass';
  console.log(`case ${r.failure.id} (${r.failure.kind} when found): ${failed ? `${r.outcome.kind.toUpperCase()} — ${r.outcome.detail}` : 'passed (did not reproduce)'}`);
  if (r.pcap) console.log(`exchange: ${r.pcap}`);
  return failed ? 1 : 0;
}

export async function run(argv: string[]): Promise<number> {
  try {
    if (argv[0] === 'replay') return await replay(argv.slice(1));
    const a = parseArgs(argv, {
      proto: 'string', target: 'string', transport: 'string', runs: 'number', time: 'number', seed: 'number',
      strategies: 'list', report: 'string', spawn: 'string', 'probe-timeout': 'number', 'shrink-time': 'number',
      linger: 'number', silence: 'number', 'probe-every': 'number', persistent: 'boolean', 'max-connections': 'number', help: 'boolean',
    });
    if (a.values.help) { console.log(HELP); return 0; }
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    const proto = a.values.proto as string | undefined;
    if (!proto) throw new UsageError('--proto is required');
    if (!protocols.some((p) => p.proto === proto)) throw new UsageError(`unknown protocol '${proto}' (known: ${protocols.map((p) => p.proto).join(', ')})`);
    if (!a.values.target) throw new UsageError('--target <ip:port> is required');
    let host: string, port: number;
    try { [host, port] = splitTarget(String(a.values.target)); } catch (e) { throw new UsageError((e as Error).message); }
    const transport = (a.values.transport as string | undefined) ?? 'tcp';
    if (transport !== 'tcp' && transport !== 'udp') throw new UsageError('--transport must be tcp or udp');
    if (a.values.runs !== undefined && a.values.time !== undefined) throw new UsageError('give --runs or --time, not both');
    for (const k of ['runs', 'time', 'probe-timeout', 'probe-every', 'max-connections'] as const) {
      const v = a.values[k];
      if (v !== undefined && !((v as number) > 0)) throw new UsageError(`--${k} must be > 0`);
    }
    const strategies = a.values.strategies as string[] | undefined;
    for (const s of strategies ?? []) if (!ALL_STRATEGIES.includes(s)) throw new UsageError(`unknown strategy '${s}' (known: ${ALL_STRATEGIES.join(', ')})`);
    const seed = (a.values.seed as number | undefined) ?? Date.now() % 2 ** 31;
    const tty = !!process.stderr.isTTY;
    let lastLine = 0;
    const onProgress = (p: Progress): void => {
      if (tty) process.stderr.write(`\r${bar(p)}\x1b[K`);
      else if (Date.now() - lastLine >= 2000) { lastLine = Date.now(); process.stderr.write(`${bar(p)}\n`); }
    };
    console.error(`peerwire fuzz: ${proto} at ${host}:${port} (${transport}), seed ${seed}${a.values.spawn ? `, spawning: ${a.values.spawn}` : ''}`);
    let result;
    try {
      result = await runCampaign({
        proto, target: { host, port }, transport, seed, strategies,
        runs: a.values.runs as number | undefined, timeSec: a.values.time as number | undefined,
        spawn: a.values.spawn as string | undefined, reportPath: a.values.report as string | undefined,
        probeTimeoutMs: a.values['probe-timeout'] as number | undefined, shrinkTimeSec: a.values['shrink-time'] as number | undefined,
        lingerMs: a.values.linger as number | undefined, silenceMs: a.values.silence as number | undefined,
        probeEvery: a.values['probe-every'] as number | undefined, persistent: !!a.values.persistent,
        maxConnections: a.values['max-connections'] as number | undefined,
        onProgress,
        log: (l) => process.stderr.write(`${tty ? '\n' : ''}${l}\n`),
      });
    } finally {
      if (tty) process.stderr.write('\n');
    }
    const r = result.report;
    if (!result.reportPath && r.failures.length) r.replay = ['(give --report <file.json> to keep the case for `peerwire fuzz replay`)'];
    console.log(summary(r));
    if (result.reportPath) console.log(`\nreport: ${result.reportPath}`);
    return r.failures.length ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`peerwire fuzz: ${e.message}\n\n${HELP}`);
      return 2;
    }
    console.error(`peerwire fuzz: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
