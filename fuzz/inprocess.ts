/**
 * In-process robustness fuzzing of every generated decoder. Properties checked per input:
 *  1. decode throws nothing but DecodeError, and its `offset` lies inside the input;
 *  2. it never reads outside its input: decoding a view embedded between sentinel bytes, or at
 *     an offset behind sentinel bytes, gives the same outcome, leaves every byte unchanged, and
 *     every byte field of the result is a view inside the input (or a copy);
 *  3. the consumed size is within the input, and decoded numbers are never NaN/undefined;
 *  4. for valid values: decode(encode(x)) consumes everything and re-encodes to the same bytes.
 */
import fc from 'fast-check';
import { readdirSync, existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DecodeError, fromHex, toHex } from '../src/runtime/index.ts';
import type { TypeInfo } from '../src/runtime/index.ts';
import { nestedSeeds, protocols, validArb, vectorValues } from './arbitraries.ts';
import { loadVectors } from './vectors.ts';
import { havocBytes, typeStrategies } from './mutations.ts';
import { reachableTypes } from './schema.ts';

export interface DecoderTarget {
  /** e.g. `gossip/api.ksy#announce`. */
  name: string;
  proto: string | undefined;
  info: TypeInfo;
}

export type Property = 'only-decode-error' | 'error-offset' | 'in-bounds' | 'no-mutation' | 'offset-param' | 'size-range' | 'no-nan' | 'round-trip';

export interface Violation {
  target: string;
  proto: string | undefined;
  property: Property;
  input: Uint8Array;
  detail: string;
}

const here = dirname(fileURLToPath(import.meta.url));
export const CRASHER_DIR = join(here, '..', 'test', 'vectors', 'fuzz-crashers');

function nameOf(t: TypeInfo): string {
  return `${t.spec.replace(/^spec\//, '')}#${t.id}`;
}

/** Every decoder: protocol entry points, their nested types, and the capture codecs. */
export async function decoderTargets(includeCapture = true): Promise<DecoderTarget[]> {
  const roots: TypeInfo[] = protocols.map((p) => p.codec.info);
  if (includeCapture) {
    const dir = join(here, '..', 'src', 'codecs', 'capture');
    if (existsSync(dir)) {
      for (const f of readdirSync(dir).filter((f) => f.endsWith('.gen.ts')).sort()) {
        const mod = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
        for (const [k, v] of Object.entries(mod)) if (k.endsWith('Codec') && v && typeof v === 'object' && 'info' in v) roots.push((v as { info: TypeInfo }).info);
      }
    }
  }
  const protoOf = new Map<TypeInfo, string>(protocols.map((p) => [p.codec.info, p.proto]));
  return reachableTypes(roots).filter((t) => t.decode).map((t) => ({ name: nameOf(t), proto: protoOf.get(t), info: t }));
}

// ---------------------------------------------------------------- property checks

const SENTINEL = 0xa5;
const PAD = 16;

function json(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? `#${toHex(x)}` : typeof x === 'bigint' ? `${x}n` : x === undefined ? '<undefined>' : typeof x === 'number' && Number.isNaN(x) ? '<NaN>' : x));
}

type Outcome = { ok: true; size: number; value: unknown } | { ok: false; error: unknown };

function run(t: TypeInfo, b: Uint8Array, offset = 0): Outcome {
  try {
    const r = t.decode!(b, offset);
    return { ok: true, size: r.size, value: r.value };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Walk a decoded value; report byte views outside [lo, hi) of `buffer`, and NaN numbers. */
function scan(v: unknown, buffer: ArrayBufferLike, lo: number, hi: number, path: string, out: string[], depth = 0): void {
  if (out.length > 0 || depth > 64) return;
  if (v instanceof Uint8Array) {
    if (v.buffer === buffer && (v.byteOffset < lo || v.byteOffset + v.byteLength > hi)) out.push(`in-bounds:${path} is a view of bytes ${v.byteOffset - lo}..${v.byteOffset + v.byteLength - lo} outside the input (0..${hi - lo})`);
    return;
  }
  if (typeof v === 'number' && Number.isNaN(v)) { out.push(`no-nan:${path} is NaN (a read past the end of a typed array?)`); return; }
  if (Array.isArray(v)) { v.forEach((x, k) => scan(x, buffer, lo, hi, `${path}[${k}]`, out, depth + 1)); return; }
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) scan(x, buffer, lo, hi, `${path}.${k}`, out, depth + 1);
}

function sameOutcome(a: Outcome, b: Outcome, shift: number): string | null {
  if (a.ok !== b.ok) return `decode ${a.ok ? 'succeeded' : 'failed'} on the bare input but ${b.ok ? 'succeeded' : 'failed'} when embedded`;
  if (a.ok && b.ok) {
    if (a.size !== b.size) return `size ${a.size} vs ${b.size} when embedded`;
    const ja = json(a.value), jb = json(b.value);
    if (ja !== jb) return `value differs when embedded: ${ja.slice(0, 200)} vs ${jb.slice(0, 200)}`;
    return null;
  }
  const ea = (a as { error: unknown }).error, eb = (b as { error: unknown }).error;
  if (ea instanceof DecodeError && eb instanceof DecodeError) {
    if (ea.code !== eb.code || ea.path !== eb.path || ea.offset + shift !== eb.offset) return `error ${ea.code} ${ea.path}@${ea.offset} vs ${eb.code} ${eb.path}@${eb.offset - shift} when embedded`;
  }
  return null;
}

/** Check every decode property on one input; null when all hold. */
export function checkDecode(target: DecoderTarget, input: Uint8Array): Violation | null {
  const t = target.info;
  const v = (property: Property, detail: string): Violation => ({ target: target.name, proto: target.proto, property, input: Uint8Array.from(input), detail });
  const bare = Uint8Array.from(input);
  const a = run(t, bare);
  if (!a.ok) {
    if (!(a.error instanceof DecodeError)) return v('only-decode-error', describeError(a.error));
    if (a.error.offset < -1 || a.error.offset > input.length) return v('error-offset', `DecodeError offset ${a.error.offset} outside the input of ${input.length} bytes (${a.error.message})`);
  } else {
    if (!(a.size >= 0 && a.size <= input.length)) return v('size-range', `consumed ${a.size} of ${input.length} bytes`);
    const bad: string[] = [];
    scan(a.value, bare.buffer, bare.byteOffset, bare.byteOffset + bare.length, t.id, bad);
    if (bad.length) return v(bad[0]!.startsWith('no-nan') ? 'no-nan' : 'in-bounds', bad[0]!.slice(bad[0]!.indexOf(':') + 1));
  }
  for (let k = 0; k < input.length; k++) if (bare[k] !== input[k]) return v('no-mutation', `decode changed input byte ${k}`);

  // Embedded between sentinels.
  const big = new Uint8Array(PAD + input.length + PAD).fill(SENTINEL);
  big.set(input, PAD);
  const view = big.subarray(PAD, PAD + input.length);
  const b = run(t, view);
  if (!b.ok && !(b.error instanceof DecodeError)) return v('only-decode-error', describeError(b.error));
  for (let k = 0; k < big.length; k++) {
    const expect = k < PAD || k >= PAD + input.length ? SENTINEL : input[k - PAD];
    if (big[k] !== expect) return v('no-mutation', `decode wrote byte ${k - PAD} relative to the input`);
  }
  if (b.ok) {
    const bad: string[] = [];
    scan(b.value, big.buffer, PAD, PAD + input.length, t.id, bad);
    if (bad.length) return v('in-bounds', bad[0]!.slice(bad[0]!.indexOf(':') + 1));
  }
  const d1 = sameOutcome(a, b, 0);
  if (d1) return v('in-bounds', d1);

  // At an offset behind sentinels (the `offset` argument).
  const pre = new Uint8Array(PAD + input.length).fill(SENTINEL);
  pre.set(input, PAD);
  const c = run(t, pre, PAD);
  if (!c.ok && !(c.error instanceof DecodeError)) return v('only-decode-error', describeError(c.error));
  if (c.ok) {
    const bad: string[] = [];
    scan(c.value, pre.buffer, PAD, PAD + input.length, t.id, bad);
    if (bad.length) return v('offset-param', bad[0]!.slice(bad[0]!.indexOf(':') + 1));
  }
  const d2 = sameOutcome(a, c, PAD);
  if (d2) return v('offset-param', d2);
  return null;
}

/** decode(encode(x)) consumes all bytes, and the decoded value re-encodes to the same bytes. */
export function checkRoundTrip(target: DecoderTarget, value: unknown): Violation | null {
  const t = target.info;
  let bytes: Uint8Array;
  try { bytes = t.encode!(value); } catch { return null; }
  const v = (detail: string): Violation => ({ target: target.name, proto: target.proto, property: 'round-trip', input: bytes, detail });
  let d;
  try { d = t.decode!(bytes, 0); } catch (e) { return v(`encoded value does not decode: ${describeError(e)}`); }
  if (d.size !== bytes.length) return v(`decode consumed ${d.size} of ${bytes.length} encoded bytes`);
  if (!t.toJson || !t.fromJson) return null;
  let again: Uint8Array;
  try { again = t.encode!(t.fromJson(t.toJson(d.value))); } catch (e) { return v(`decoded value does not re-encode via JSON: ${describeError(e)}`); }
  if (toHex(again) !== toHex(bytes)) return v(`decode(encode(x)) re-encodes to different bytes (${again.length} vs ${bytes.length}) :: ${toHex(again).slice(0, 120)}`);
  return null;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? ` @ ${e.stack.split('\n').slice(1, 3).map((s) => s.trim()).join(' ; ')}` : ''}`;
  return `non-Error thrown: ${String(e)}`;
}

// ---------------------------------------------------------------- minimisation and crasher files

/** Shrink an input while `stillFails` holds (chunk deletion, then byte simplification). */
export function minimise(input: Uint8Array, stillFails: (b: Uint8Array) => boolean, budget = 2000): Uint8Array {
  let cur = input;
  let calls = 0;
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1 && calls < budget; chunk >>= 1) {
    for (let at = 0; at + chunk <= cur.length && calls < budget;) {
      const next = new Uint8Array(cur.length - chunk);
      next.set(cur.subarray(0, at));
      next.set(cur.subarray(at + chunk), at);
      calls++;
      if (stillFails(next)) cur = next; else at += chunk;
    }
  }
  for (let k = 0; k < cur.length && calls < budget; k++) {
    if (cur[k] === 0) continue;
    const next = Uint8Array.from(cur);
    next[k] = 0;
    calls++;
    if (stillFails(next)) cur = next;
  }
  return cur;
}

export function signature(v: Violation): string {
  return `${v.target}|${v.property}|${v.detail.replace(/ @ .*$/, '').replace(/ :: .*$/, '').replace(/\d+/g, 'N')}`;
}

/** Write a crasher vector file (json with hex and the error); returns its path, or null if one with the same signature exists. */
export function writeCrasher(v: Violation, dir = CRASHER_DIR): string | null {
  mkdirSync(dir, { recursive: true });
  const sig = signature(v);
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    try { if ((JSON.parse(readFileSync(join(dir, f), 'utf8')) as { signature?: string }).signature === sig) return null; } catch { /* ignore */ }
  }
  const h = createHash('sha256').update(sig).digest('hex').slice(0, 10);
  const file = join(dir, `${v.target.replace(/[^a-z0-9]+/gi, '-')}-${v.property}-${h}.json`);
  const body = {
    proto: v.proto ?? null,
    type: v.target,
    description: `fuzz crasher: ${v.property} violated by ${v.target}`,
    source: 'fuzz/run-inprocess.ts (peerwire in-process decoder fuzzer)',
    hex: toHex(v.input),
    fuzzError: { property: v.property, detail: v.detail },
    signature: sig,
  };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

// ---------------------------------------------------------------- the campaign

export interface InProcessOptions {
  timeSec: number;
  seed?: number;
  targets?: DecoderTarget[];
  /** Called about every second. */
  onProgress?: (s: InProcessStats) => void;
  /** Write crasher files (default true). */
  writeCrashers?: boolean;
  crasherDir?: string;
  /** Log each new violation. */
  onViolation?: (v: Violation, file: string | null) => void;
}

export interface InProcessStats {
  inputs: number;
  roundTrips: number;
  targets: number;
  elapsedMs: number;
  violations: Violation[];
  perTarget: Map<string, { inputs: number; violations: number }>;
}

interface Pool { target: DecoderTarget; seeds: Uint8Array[]; values: fc.Arbitrary<Record<string, unknown>> | null; malformed: fc.Arbitrary<{ bytes: Uint8Array }> | null }

function buildPools(targets: DecoderTarget[]): Pool[] {
  const nested = nestedSeeds();
  const hexByProto = new Map<string, Uint8Array[]>();
  for (const v of loadVectors()) {
    const list = hexByProto.get(v.proto) ?? [];
    try { list.push(fromHex(v.hex)); } catch { /* skip */ }
    hexByProto.set(v.proto, list);
  }
  return targets.map((target) => {
    const proto = target.proto ? protocols.find((p) => p.proto === target.proto) : undefined;
    const seedsV = proto ? vectorValues(proto) : (nested.get(target.info) ?? []);
    const valid = target.info.encode ? validArb(target.info, seedsV) : null;
    const strategies = target.info.encode ? typeStrategies(target.info, seedsV) : new Map<string, fc.Arbitrary<{ bytes: Uint8Array }>>();
    const seeds: Uint8Array[] = [...(target.proto ? hexByProto.get(target.proto) ?? [] : [])];
    for (const s of seedsV) { try { seeds.push(target.info.encode!(s)); } catch { /* skip */ } }
    if (seeds.length === 0) seeds.push(new Uint8Array(target.info.minSize));
    return { target, seeds, values: valid?.arb ?? null, malformed: strategies.size ? fc.oneof(...strategies.values()) : null };
  });
}

/** Run the in-process campaign for `timeSec` seconds over all targets (round robin). */
export async function runInProcess(o: InProcessOptions): Promise<InProcessStats> {
  const targets = o.targets ?? (await decoderTargets());
  const pools = buildPools(targets);
  const stats: InProcessStats = { inputs: 0, roundTrips: 0, targets: targets.length, elapsedMs: 0, violations: [], perTarget: new Map() };
  for (const t of targets) stats.perTarget.set(t.name, { inputs: 0, violations: 0 });
  const seen = new Set<string>();
  const start = Date.now();
  const deadline = start + o.timeSec * 1000;
  let seed = (o.seed ?? 1) >>> 0;
  let lastProgress = start;
  let round = 0;
  const report = (v: Violation): void => {
    const sig = signature(v);
    const pt = stats.perTarget.get(v.target)!;
    pt.violations++;
    if (seen.has(sig)) return;
    seen.add(sig);
    const t = targets.find((x) => x.name === v.target)!;
    if (v.property !== 'round-trip') {
      v.input = minimise(v.input, (b) => { const w = checkDecode(t, b); return !!w && signature(w) === sig; });
      const again = checkDecode(t, v.input);
      if (again) v.detail = again.detail;
    }
    stats.violations.push(v);
    const file = o.writeCrashers === false ? null : writeCrasher(v, o.crasherDir);
    o.onViolation?.(v, file);
  };
  while (Date.now() < deadline) {
    for (const pool of pools) {
      const pt = stats.perTarget.get(pool.target.name)!;
      // Structured inputs: valid values (round trip) and named malformations.
      seed = (seed * 1103515245 + 12345) >>> 0;
      if (pool.values && round % 2 === 0) {
        for (const x of fc.sample(pool.values, { numRuns: 20, seed })) {
          stats.roundTrips++;
          const w = checkRoundTrip(pool.target, x);
          if (w) report(w);
          try { const b = pool.target.info.encode!(x); if (pool.seeds.length < 256) pool.seeds.push(b); else pool.seeds[seed % 256] = b; } catch { /* skip */ }
        }
      }
      if (pool.malformed) {
        for (const m of fc.sample(pool.malformed, { numRuns: 20, seed: seed ^ 0x5bd1e995 })) {
          if (m.bytes.length > 4096) continue; // oversize cases belong to the live fuzzer
          stats.inputs++; pt.inputs++;
          const w = checkDecode(pool.target, m.bytes);
          if (w) report(w);
          if (pool.seeds.length < 256) pool.seeds.push(m.bytes);
        }
      }
      // Byte-level havoc on the pool.
      for (let k = 0; k < 400; k++) {
        seed = (seed * 1664525 + 1013904223) >>> 0;
        const base = pool.seeds[seed % pool.seeds.length]!;
        const input = k % 50 === 0 ? base.subarray(0, seed % (base.length + 1)) : havocBytes(base, seed);
        stats.inputs++; pt.inputs++;
        const w = checkDecode(pool.target, input);
        if (w) report(w);
      }
      if (Date.now() >= deadline) break;
    }
    round++;
    const now = Date.now();
    if (o.onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      stats.elapsedMs = now - start;
      o.onProgress(stats);
    }
    await new Promise((r) => setImmediate(r));
  }
  stats.elapsedMs = Date.now() - start;
  return stats;
}
