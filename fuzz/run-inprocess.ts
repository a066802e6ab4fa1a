/**
 * `npm run fuzz [-- --time S] [--seed N] [--only <substring>] [--no-write] [--no-capture]`:
 * fuzz every generated decoder in-process for S seconds (default 60). Prints a progress line,
 * then a table per decoder; new robustness violations are written to
 * test/vectors/fuzz-crashers/. Exit code 1 when a violation was found, 2 on bad usage.
 */
import { decoderTargets, runInProcess, type InProcessStats } from './inprocess.ts';

function parse(argv: string[]): { time: number; seed: number; only: string | undefined; write: boolean; capture: boolean } {
  const o = { time: 60, seed: Date.now() % 1_000_000, only: undefined as string | undefined, write: true, capture: true };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const val = (): string => {
      const v = argv[++k];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--time') o.time = Number(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--only') o.only = val();
    else if (a === '--no-write') o.write = false;
    else if (a === '--no-capture') o.capture = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run fuzz -- [--time S] [--seed N] [--only <decoder substring>] [--no-write] [--no-capture]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!(o.time > 0) || !Number.isFinite(o.seed)) throw new Error('--time must be > 0 and --seed a number');
  return o;
}

function line(s: InProcessStats): string {
  const rate = s.elapsedMs ? Math.round((s.inputs / s.elapsedMs) * 1000) : 0;
  return `[fuzz] ${(s.elapsedMs / 1000).toFixed(0)}s  ${s.inputs.toLocaleString('en-US')} inputs (${rate.toLocaleString('en-US')}/s), ${s.roundTrips.toLocaleString('en-US')} round trips, ${s.targets} decoders, ${s.violations.length} violations`;
}

async function main(): Promise<number> {
  let o;
  try { o = parse(process.argv.slice(2)); } catch (e) {
    console.error(`fuzz: ${(e as Error).message}`);
    return 2;
  }
  let targets = await decoderTargets(o.capture);
  if (o.only) targets = targets.filter((t) => t.name.includes(o.only!));
  if (targets.length === 0) { console.error('fuzz: no decoder matches'); return 2; }
  console.log(`[fuzz] ${targets.length} decoders, ${o.time}s, seed ${o.seed}`);
  const tty = process.stdout.isTTY;
  const stats = await runInProcess({
    timeSec: o.time,
    seed: o.seed,
    targets,
    writeCrashers: o.write,
    onProgress: (s) => (tty ? process.stdout.write(`\r${line(s)}   `) : console.log(line(s))),
    onViolation: (v, file) => console.log(`${tty ? '\n' : ''}[fuzz] VIOLATION ${v.property} in ${v.target}: ${v.detail.slice(0, 300)}\n       input ${Buffer.from(v.input).toString('hex').slice(0, 160)}${file ? `\n       written to ${file}` : ''}`),
  });
  if (tty) process.stdout.write('\n');
  console.log(line(stats));
  console.log('\n| decoder | inputs | violations |\n|---|---:|---:|');
  for (const [name, s] of [...stats.perTarget].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`| ${name} | ${s.inputs} | ${s.violations} |`);
  if (stats.violations.length) {
    console.log(`\n${stats.violations.length} distinct violation(s):`);
    for (const v of stats.violations) console.log(`- ${v.target} ${v.property}: ${v.detail.slice(0, 200)} (hex ${Buffer.from(v.input).toString('hex').slice(0, 80)})`);
  }
  return stats.violations.length ? 1 : 0;
}

main().then((c) => (process.exitCode = c), (e: unknown) => { console.error(e); process.exitCode = 2; });
