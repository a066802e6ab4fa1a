/**
 * A fuzz campaign against a live peer: fast-check generates cases, each case is sent and then
 * the liveness oracle checks the target. A failure is classified (crash, hang, protocol
 * violation); with a spawned target it is shrunk (fast-check replays the failing path, then
 * shrinks, restarting the target after every failing attempt) and replayed once more on a
 * fresh process while recording the exchange as pcapng.
 */
import fc from 'fast-check';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProtocolInfo } from '../../src/runtime/index.ts';
import { protocolByName } from '../arbitraries.ts';
import { caseArb, caseFromJson, caseToJson, type CaseArbOptions, type FuzzCase, type FuzzCaseJson } from './case.ts';
import { exchangeToPcapng } from './pcap.ts';
import { preludeFor, probeFor, type ProbeResult } from './probes.ts';
import { SpawnedTarget, type ExitInfo } from './target.ts';
import { Conn, Recorder, execute, type ConnRecord, type Endpoint } from './wire.ts';

export type FailureKind = 'crash' | 'hang' | 'violation';

export interface CaseOutcome {
  kind: 'pass' | FailureKind;
  detail: string;
  exit?: ExitInfo;
}

export interface CampaignOptions extends CaseArbOptions {
  proto: string;
  target: Endpoint;
  transport?: 'tcp' | 'udp';
  runs?: number;
  timeSec?: number;
  seed?: number;
  spawn?: string;
  probeTimeoutMs?: number;
  connectTimeoutMs?: number;
  lingerMs?: number;
  silenceMs?: number;
  bytewiseLimit?: number;
  /** Time for shrinking a failure (s, default 30). */
  shrinkTimeSec?: number;
  /** Time for the spawned target to answer the probe (ms, default 15000). */
  startTimeoutMs?: number;
  /** Run the liveness probe after every N cases (default 1). */
  probeEvery?: number;
  /** Reuse one connection across `whole` cases. */
  persistent?: boolean;
  /** Base path for the report (`.json`) and the pcapng of each failure. */
  reportPath?: string;
  onProgress?: (p: Progress) => void;
  /** Print lines about phases (shrinking, restarts). */
  log?: (line: string) => void;
}

export interface Progress {
  phase: 'fuzz' | 'shrink' | 'replay';
  cases: number;
  failures: number;
  elapsedMs: number;
  timeSec?: number;
  runs?: number;
  shrinks?: number;
}

export interface FailureRecord {
  id: number;
  kind: FailureKind;
  detail: string;
  strategy: string;
  case: FuzzCaseJson;
  /** The case as first found, before shrinking. */
  original: FuzzCaseJson;
  originalDetail: string;
  shrunk: boolean;
  shrinks: number;
  /** fast-check replay data of the original failure. */
  seed: number;
  path: string | null;
  /** The shrunk case failed again the same way on a fresh target. */
  reproduced: boolean | null;
  exit?: ExitInfo;
  targetOutput?: string;
  pcap?: string;
}

export interface StrategyStats { cases: number; failures: number }

export interface Report {
  tool: 'peerwire fuzz';
  version: 1;
  proto: string;
  target: string;
  transport: 'tcp' | 'udp';
  spawn: string | null;
  seed: number;
  strategies: string[];
  startedAt: string;
  durationMs: number;
  cases: number;
  casesPerSec: number;
  restarts: number;
  probe: string;
  byStrategy: Record<string, StrategyStats>;
  byDelivery: Record<string, StrategyStats>;
  failures: FailureRecord[];
  replay: string[];
}

class Runner {
  readonly p: ProtocolInfo;
  readonly o: CampaignOptions;
  readonly spawned: SpawnedTarget | undefined;
  private needRestart = false;
  private sinceProbe = 0;
  private persistent: { conn: Conn | undefined } | undefined;
  cases = 0;
  recorder = new Recorder(false);

  constructor(p: ProtocolInfo, o: CampaignOptions) {
    this.p = p;
    this.o = o;
    this.spawned = o.spawn ? new SpawnedTarget(o.spawn) : undefined;
    this.persistent = o.persistent ? { conn: undefined } : undefined;
  }

  get transport(): 'tcp' | 'udp' { return this.o.transport ?? 'tcp'; }

  /** `timeoutMs` defaults to the per-case probe deadline. */
  async probe(rec = new Recorder(false), timeoutMs = this.o.probeTimeoutMs ?? 1000): Promise<ProbeResult> {
    const probe = probeFor(this.p.proto);
    if (!probe) {
      // No protocol probe: a connection must at least open.
      try {
        const c = await Conn.open(this.o.target, rec, true, timeoutMs);
        c.close();
        return { ok: true, ms: 0 };
      } catch (e) { return { ok: false, kind: 'crash', detail: (e as Error).message }; }
    }
    return probe.run(this.p, { target: this.o.target, transport: this.transport, timeoutMs, recorder: rec });
  }

  /**
   * Readiness of a freshly started target: it may still be warming up, and a probe abandoned
   * mid-exchange can itself upset a fragile target, so readiness probes get a longer deadline.
   */
  private ready = async (): Promise<boolean> => (await this.probe(new Recorder(false), Math.max(this.o.probeTimeoutMs ?? 1000, 3000))).ok;

  async start(): Promise<void> {
    if (this.spawned) {
      this.spawned.start();
      const ok = await this.spawned.waitReady(this.ready, this.o.startTimeoutMs ?? 15000);
      if (!ok) {
        const out = this.spawned.output();
        await this.spawned.stop();
        throw new Error(`the spawned target did not answer the liveness probe within ${this.o.startTimeoutMs ?? 15000} ms${out ? `; its output:\n${out}` : ''}`);
      }
    } else {
      const r = await this.probe();
      if (!r.ok) throw new Error(`the target does not pass the liveness probe before fuzzing: ${r.detail}`);
    }
  }

  async stop(): Promise<void> {
    this.persistent?.conn?.close();
    await this.spawned?.stop();
  }

  /** Make sure a spawned target is fresh after a failure. */
  async ensureUp(): Promise<void> {
    if (!this.spawned) return;
    if (!this.needRestart && this.spawned.running) return;
    this.persistent?.conn?.close();
    if (this.persistent) this.persistent.conn = undefined;
    const ok = await this.spawned.restart(this.ready, this.o.startTimeoutMs ?? 15000);
    if (!ok) throw new Error(`the target did not come back after a restart; its output:\n${this.spawned.output()}`);
    this.needRestart = false;
    this.sinceProbe = 0;
  }

  /** Send one case and run the oracle. */
  async runCase(c: FuzzCase, record = false): Promise<{ outcome: CaseOutcome; conns: ConnRecord[] }> {
    await this.ensureUp();
    this.cases++;
    const rec = new Recorder(record);
    const r = await execute(this.p, c, {
      target: this.o.target,
      transport: this.transport,
      recorder: rec,
      connectTimeoutMs: this.o.connectTimeoutMs ?? this.o.probeTimeoutMs ?? 1000,
      lingerMs: this.o.lingerMs ?? 2,
      silenceMs: this.o.silenceMs ?? 20,
      bytewiseLimit: this.o.bytewiseLimit ?? 512,
      prelude: preludeFor(this.p.proto, this.o.probeTimeoutMs ?? 1000),
      persistent: this.persistent,
    });
    let outcome: CaseOutcome = { kind: 'pass', detail: '' };
    try {
      if (r.refused) outcome = { kind: 'crash', detail: `case connection: ${r.refused}` };
      else {
        this.sinceProbe++;
        const every = this.o.probeEvery ?? 1;
        const mustProbe = r.violation !== undefined || this.sinceProbe >= every || c.delivery.kind === 'partial' || record;
        if (mustProbe) {
          this.sinceProbe = 0;
          const pr = await this.probe(rec);
          if (!pr.ok) outcome = { kind: pr.kind, detail: pr.detail };
          else if (r.violation) outcome = { kind: 'violation', detail: r.violation };
        }
      }
    } finally {
      for (const h of r.held) h.close();
    }
    if (outcome.kind === 'violation' || outcome.kind === 'hang') {
      // A dying process may still accept connections for a moment: confirm it is still there.
      await new Promise((res) => setTimeout(res, 100));
      try { (await Conn.open(this.o.target, new Recorder(false), true, this.o.connectTimeoutMs ?? 1000)).close(); } catch (e) {
        outcome = { kind: 'crash', detail: `${(e as Error).message} (after: ${outcome.detail})` };
      }
    }
    if (this.spawned) {
      // A process that exits is a crash whatever the probe saw.
      const exit = await this.spawned.exitedWithin(outcome.kind === 'pass' ? 0 : 100);
      if (exit) outcome = { kind: 'crash', detail: `target exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})${outcome.kind !== 'pass' ? `; ${outcome.detail}` : ''}`, exit };
      if (outcome.kind !== 'pass') this.needRestart = true;
    }
    return { outcome, conns: rec.conns };
  }
}

const REPORT_VERSION = 1 as const;

export interface CampaignResult {
  report: Report;
  reportPath: string | undefined;
}

/**
 * A time limit checked at the start of each case: once it has passed, fast-check stops (an
 * interrupting precondition failure). fast-check's own interruptAfterTimeLimit abandons the case
 * under way instead, which then keeps talking to the target in the background while the campaign
 * restarts it for the next phase: with the hang-partial test peer, the abandoned case locked the
 * fresh process and the restart "never came back". A phase may overrun by at most one case.
 */
function betweenCases(ms: number): () => void {
  const stopAt = Date.now() + ms;
  return () => {
    if (Date.now() >= stopAt) throw new fc.PreconditionFailure(true);
  };
}

/** Run a campaign; resolves with the report (also written to `reportPath` when given). */
export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const p = protocolByName(o.proto);
  if (!p) throw new Error(`unknown protocol '${o.proto}'`);
  const arb = caseArb(p, o);
  const seed = o.seed ?? Date.now() % 2 ** 31;
  const runner = new Runner(p, o);
  const started = Date.now();
  const byStrategy: Record<string, StrategyStats> = {};
  const byDelivery: Record<string, StrategyStats> = {};
  const bump = (c: FuzzCase, failed: boolean): void => {
    const s = (byStrategy[c.strategy] ??= { cases: 0, failures: 0 });
    const d = (byDelivery[c.delivery.kind] ??= { cases: 0, failures: 0 });
    s.cases++; d.cases++;
    if (failed) { s.failures++; d.failures++; }
  };
  let lastProgress = 0;
  let failuresSoFar = 0;
  const progress = (phase: Progress['phase'], extra: Partial<Progress> = {}, force = false): void => {
    const now = Date.now();
    if (!o.onProgress || (!force && now - lastProgress < 200)) return;
    lastProgress = now;
    o.onProgress({ phase, cases: runner.cases, failures: failuresSoFar, elapsedMs: now - started, timeSec: o.timeSec, runs: o.runs, ...extra });
  };

  const failures: FailureRecord[] = [];
  await runner.start();
  try {
    // 1. Find: stop at the first failure (a crash without --spawn ends the campaign anyway).
    let first: { c: FuzzCase; outcome: CaseOutcome; conns: ConnRecord[] } | undefined;
    const findTime = betweenCases(o.timeSec !== undefined ? o.timeSec * 1000 : Infinity);
    const found = await fc.check(fc.asyncProperty(arb, async (c) => {
      findTime();
      const { outcome, conns } = await runner.runCase(c, !o.spawn);
      bump(c, outcome.kind !== 'pass');
      progress('fuzz');
      if (outcome.kind === 'pass') return true;
      failuresSoFar++;
      first = { c, outcome, conns };
      return false;
    }), { seed, numRuns: o.runs ?? (o.timeSec !== undefined ? Number.MAX_SAFE_INTEGER : 1000), endOnFailure: true });
    progress('fuzz', {}, true);
    if (found.failed && !first && found.errorInstance) throw found.errorInstance;

    if (first) {
      const f = first as { c: FuzzCase; outcome: CaseOutcome; conns: ConnRecord[] };
      const rec: FailureRecord = {
        id: 1,
        kind: f.outcome.kind as FailureKind,
        detail: f.outcome.detail,
        strategy: f.c.strategy,
        case: caseToJson(f.c),
        original: caseToJson(f.c),
        originalDetail: f.outcome.detail,
        shrunk: false,
        shrinks: 0,
        seed,
        path: found.counterexamplePath,
        reproduced: null,
        exit: f.outcome.exit ?? runner.spawned?.lastExit,
        targetOutput: runner.spawned?.output() || undefined,
      };
      let conns = f.conns;
      if (runner.spawned && found.counterexamplePath) {
        // 2. Shrink: replay the failing path, then let fast-check shrink; only the same kind of failure counts.
        o.log?.(`[fuzz] ${rec.kind} found after ${runner.cases} cases: ${rec.detail}; shrinking (up to ${o.shrinkTimeSec ?? 30} s)…`);
        let best: { c: FuzzCase; outcome: CaseOutcome } = { c: f.c, outcome: f.outcome };
        let shrinkSteps = 0;
        const shrinkTime = betweenCases((o.shrinkTimeSec ?? 30) * 1000);
        const shrink = await fc.check(fc.asyncProperty(arb, async (c) => {
          shrinkTime();
          const { outcome } = await runner.runCase(c);
          progress('shrink', { shrinks: shrinkSteps });
          if (outcome.kind === rec.kind) {
            shrinkSteps++;
            best = { c, outcome };
            return false;
          }
          return true;
        }), { seed, path: found.counterexamplePath, endOnFailure: false, numRuns: 1 });
        const bestCase = (shrink.counterexample as [FuzzCase] | null)?.[0] ?? best.c;
        rec.case = caseToJson(bestCase);
        rec.strategy = bestCase.strategy;
        rec.shrinks = shrink.numShrinks;
        rec.shrunk = shrink.numShrinks > 0;
        rec.detail = best.outcome.detail;
        // 3. Replay the minimal case on a fresh target, recording the exchange.
        progress('replay', {}, true);
        const again = await runner.runCase(bestCase, true);
        rec.reproduced = again.outcome.kind === rec.kind;
        if (again.outcome.kind !== 'pass') rec.detail = again.outcome.detail;
        rec.exit = again.outcome.exit ?? rec.exit;
        rec.targetOutput = runner.spawned.output() || rec.targetOutput;
        conns = again.conns;
      }
      if (o.reportPath) {
        const file = o.reportPath.replace(/\.json$/i, '') + `-case${rec.id}.pcapng`;
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, exchangeToPcapng(conns, { target: o.target, comment: `peerwire fuzz ${p.proto} case ${rec.id}: ${rec.kind} — ${rec.case.note}` }));
        rec.pcap = file;
      }
      failures.push(rec);
    }
  } finally {
    await runner.stop();
  }
  const durationMs = Date.now() - started;
  const report: Report = {
    tool: 'peerwire fuzz',
    version: REPORT_VERSION,
    proto: p.proto,
    target: `${o.target.host}:${o.target.port}`,
    transport: runner.transport,
    spawn: o.spawn ?? null,
    seed,
    strategies: [...(o.strategies ?? [])],
    startedAt: new Date(started).toISOString(),
    durationMs,
    cases: runner.cases,
    casesPerSec: Math.round((runner.cases / Math.max(1, durationMs)) * 1000),
    restarts: runner.spawned?.restarts ?? 0,
    probe: probeFor(p.proto)?.description ?? 'TCP connect only (no protocol probe)',
    byStrategy,
    byDelivery,
    failures,
    replay: o.reportPath ? failures.map((f) => `peerwire fuzz replay ${o.reportPath} ${f.id}`) : [],
  };
  if (o.reportPath) {
    mkdirSync(dirname(o.reportPath), { recursive: true });
    writeFileSync(o.reportPath, JSON.stringify(report, null, 2) + '\n');
  }
  return { report, reportPath: o.reportPath };
}

export interface ReplayOptions {
  report: Report;
  caseId: number;
  target?: Endpoint;
  spawn?: string | null;
  probeTimeoutMs?: number;
  /** Replay the original (unshrunk) case. */
  original?: boolean;
  pcapPath?: string;
}

/** Run one case of a report again; resolves with its outcome. */
export async function replayCase(o: ReplayOptions): Promise<{ outcome: CaseOutcome; failure: FailureRecord; pcap?: string }> {
  const f = o.report.failures.find((x) => x.id === o.caseId);
  if (!f) throw new Error(`report has no case ${o.caseId} (cases: ${o.report.failures.map((x) => x.id).join(', ') || 'none'})`);
  const p = protocolByName(o.report.proto);
  if (!p) throw new Error(`unknown protocol '${o.report.proto}'`);
  const [host, port] = splitTarget(o.report.target);
  const spawn = o.spawn === undefined ? o.report.spawn ?? undefined : o.spawn ?? undefined;
  const runner = new Runner(p, { proto: p.proto, target: o.target ?? { host, port }, transport: o.report.transport, spawn, probeTimeoutMs: o.probeTimeoutMs });
  await runner.start();
  try {
    const c = caseFromJson(o.original ? f.original : f.case);
    const { outcome, conns } = await runner.runCase(c, true);
    let pcap: string | undefined;
    if (o.pcapPath) {
      writeFileSync(o.pcapPath, exchangeToPcapng(conns, { target: runner.o.target, comment: `peerwire fuzz replay case ${f.id}: ${c.note}` }));
      pcap = o.pcapPath;
    }
    return { outcome, failure: f, pcap };
  } finally {
    await runner.stop();
  }
}

export function splitTarget(s: string): [string, number] {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s);
  if (!m) throw new Error(`target must be <ip>:<port>, got '${s}'`);
  const port = Number(m[2]);
  if (!(port > 0 && port < 65536)) throw new Error(`bad port in '${s}'`);
  return [m[1]!, port];
}
