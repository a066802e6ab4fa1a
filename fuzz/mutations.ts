/**
 * Malformed messages by named strategy. Each strategy is an arbitrary over (a valid value,
 * parameters) mapped to bytes, so fast-check shrinks both the message and the mutation. Value
 * level mutations override fields the encoder would otherwise compute or default (an explicit
 * value always wins); byte-level ones patch the encoding where the encoder cannot write the
 * malformation (missing terminators, invalid UTF-8).
 */
import fc from 'fast-check';
import type { FieldInfo, ProtocolInfo, TypeInfo } from '../src/runtime/index.ts';
import { validArb, validMessageArb, type GenOptions } from './arbitraries.ts';
import { caseType, constantOffset, getPath, setPath, sites, switchKey, type Site } from './schema.ts';

export const MUTATION_STRATEGIES = [
  'valid', 'size-lie', 'count-lie', 'type-confusion', 'truncate', 'trailing', 'enum-range',
  'reserved-bits', 'no-terminator', 'non-ascii', 'oversize', 'havoc',
] as const;
export type MutationStrategy = (typeof MUTATION_STRATEGIES)[number];

/** One message as sent: its bytes and how they were made. */
export interface Malformed {
  strategy: MutationStrategy;
  bytes: Uint8Array;
  /** Human-readable detail, e.g. `size=3 (true 12)`. */
  note: string;
}

export interface MutationOptions extends GenOptions {
  /** Largest oversize payload in bytes (default 131072). */
  maxOversize?: number;
}

type Obj = Record<string, unknown>;

interface Params { site: number; choice: number; rnd: number; extra: Uint8Array }
const paramsArb: fc.Arbitrary<Params> = fc.record({
  site: fc.nat(),
  choice: fc.nat(),
  rnd: fc.nat(),
  extra: fc.uint8Array({ minLength: 1, maxLength: 24 }),
});

function encodeOrNull(info: TypeInfo, v: unknown): Uint8Array | null {
  try { return info.encode!(v); } catch { return null; }
}

function decodeOrNull(info: TypeInfo, b: Uint8Array): Obj | null {
  try { return info.decode!(b, 0).value as Obj; } catch { return null; }
}

function pick<T>(arr: readonly T[], n: number): T | undefined {
  return arr.length ? arr[n % arr.length] : undefined;
}

function widthBits(f: FieldInfo): number {
  return f.kind === 'bits' ? (f.bits ?? 1) : (f.width ?? 1) * 8;
}

function maxOf(f: FieldInfo): number {
  return 2 ** Math.min(widthBits(f), 52) - 1;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Encode `v`; when a (derived) integer overflows its field, saturate that field and retry. */
function encodeSaturating(info: TypeInfo, v: Obj): Uint8Array | null {
  let cur: unknown = v;
  for (let k = 0; k < 4; k++) {
    try { return info.encode!(cur); } catch (e) {
      const m = e instanceof Error && /does not fit an unsigned (\d+)-bit field/.exec(String((e as { reason?: unknown }).reason));
      if (!m) return null;
      const keys = String((e as unknown as { path: string }).path).split('.').slice(1).map((s) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
      cur = setPath(cur, keys, 2 ** Number(m[1]) - 1);
    }
  }
  return null;
}

/** Raw bytes of a switch body (so the tag can change without the encoder switching writers). */
function rawBody(owner: TypeInfo, f: FieldInfo, parent: Obj): Uint8Array | null {
  const body = parent[f.name];
  if (body instanceof Uint8Array) return body;
  const t = caseType(owner, f, parent);
  return t?.encode ? encodeOrNull(t, body) : null;
}

/** Replace the switch body keyed on `keyField` (if any) in the object at `parentPath` by raw bytes. */
function rawifySwitchOn(v: Obj, s: Site): Obj {
  const sw = s.owner.fields.find((g) => g.kind === 'switch' && switchKey(s.owner, g) === s.field);
  if (!sw) return v;
  const parent = getPath(v, s.parent) as Obj;
  const raw = rawBody(s.owner, sw, parent);
  return raw ? (setPath(v, [...s.parent, sw.name], raw) as Obj) : v;
}

const MARK = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07];
function markerFor(f: FieldInfo, len: number): { value: string | Uint8Array; bytes: Uint8Array } {
  const bytes = new Uint8Array(len);
  for (let k = 0; k < len; k++) bytes[k] = MARK[k % MARK.length]!;
  return { value: f.kind === 'str' ? String.fromCharCode(...bytes) : bytes, bytes };
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let k = 0; k + needle.length <= hay.length; k++) {
    for (let j = 0; j < needle.length; j++) if (hay[k + j] !== needle[j]) continue outer;
    return k;
  }
  return -1;
}

const INVALID_UTF8: readonly number[][] = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xc0, 0xaf], [0xe2, 0x82]];

/** A tiny deterministic PRNG (xorshift32) for byte-level havoc. */
function xorshift(seed: number): () => number {
  let x = (seed | 0) || 0x9e3779b9;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x >>> 0;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x0d, 0x20, 0x22, 0x3a, 0x40];

/** Byte-level havoc: a few random flips, interesting bytes, inserts, deletes and duplications. */
export function havocBytes(b: Uint8Array, seed: number, rounds = 1 + (seed % 4)): Uint8Array {
  const r = xorshift(seed);
  let cur: Uint8Array = Uint8Array.from(b);
  for (let k = 0; k < rounds; k++) {
    const op = r() % 7;
    const at = cur.length ? r() % cur.length : 0;
    if (op === 0 && cur.length) cur[at] = cur[at]! ^ (1 << (r() % 8));
    else if (op === 1 && cur.length) cur[at] = INTERESTING[r() % INTERESTING.length]!;
    else if (op === 2 && cur.length) cur[at] = r() & 0xff;
    else if (op === 3) cur = concat([cur.subarray(0, at), Uint8Array.of(r() & 0xff), cur.subarray(at)]);
    else if (op === 4 && cur.length) cur = concat([cur.subarray(0, at), cur.subarray(at + 1 + (r() % 4))]);
    else if (op === 5 && cur.length) { const n = 1 + (r() % 8); cur = concat([cur.subarray(0, at + n), cur.subarray(at, at + n), cur.subarray(at + n)]); }
    else if (op === 6 && cur.length >= 2) { const v = [0, 0xffff, 0x7fff, 0x8000, 1][r() % 5]!; const p = at % (cur.length - 1); cur[p] = v >> 8; cur[p + 1] = v & 0xff; }
  }
  return cur;
}

type Apply = (info: TypeInfo, v: Obj, prm: Params, o: Required<MutationOptions>, frameMax: number | undefined) => Malformed | null;

const apply: Record<MutationStrategy, Apply> = {
  valid(info, v) {
    const b = encodeOrNull(info, v);
    return b ? { strategy: 'valid', bytes: b, note: 'valid message' } : null;
  },

  'size-lie'(info, v, prm) {
    const d = decodeOrNull(info, encodeOrNull(info, v) ?? new Uint8Array(0));
    if (!d) return null;
    const ss = sites(info, v).filter((s) => typeof s.field.derived === 'object' && s.field.derived.kind === 'size-of');
    // Prefer the message header: the first site half of the time.
    const s = prm.site % 2 === 0 ? ss[0] : pick(ss, prm.site >> 1);
    if (!s) return null;
    const t = getPath(d, s.path);
    if (typeof t !== 'number') return null;
    const target = typeof s.field.derived === 'object' ? s.field.derived.target : '';
    const head = constantOffset(s.owner, target.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())) ?? 0;
    const max = maxOf(s.field);
    const options = [0, head - 1, t + 1, t - 1, max, 1, head, t + 2, max - 1, t + 1 + (prm.rnd % 4096), t - 1 - (prm.rnd % Math.max(1, t))]
      .filter((x) => x >= 0 && x <= max && x !== t);
    const lie = pick(options, prm.choice);
    if (lie === undefined) return null;
    const b = encodeOrNull(info, setPath(v, s.path, lie));
    return b ? { strategy: 'size-lie', bytes: b, note: `${s.path.join('.')}=${lie} (true ${t})` } : null;
  },

  'count-lie'(info, v, prm) {
    const d = decodeOrNull(info, encodeOrNull(info, v) ?? new Uint8Array(0));
    if (!d) return null;
    const s = pick(sites(info, v).filter((s) => typeof s.field.derived === 'object' && s.field.derived.kind === 'count-of'), prm.site);
    if (!s) return null;
    const t = getPath(d, s.path);
    if (typeof t !== 'number') return null;
    const max = maxOf(s.field);
    const lie = pick([t + 1, 0, t - 1, max, t + 2, t + 1 + (prm.rnd % 1000)].filter((x) => x >= 0 && x <= max && x !== t), prm.choice);
    if (lie === undefined) return null;
    const b = encodeOrNull(info, setPath(v, s.path, lie));
    return b ? { strategy: 'count-lie', bytes: b, note: `${s.path.join('.')}=${lie} (list has ${t})` } : null;
  },

  'type-confusion'(info, v, prm) {
    const ss = sites(info, v).filter((s) => s.field.kind === 'switch' && switchKey(s.owner, s.field));
    const s = prm.site % 2 === 0 ? ss[0] : pick(ss, prm.site >> 1);
    if (!s) return null;
    const key = switchKey(s.owner, s.field)!;
    const parent = getPath(v, s.parent) as Obj;
    const raw = rawBody(s.owner, s.field, parent);
    if (!raw) return null;
    const cur = parent[key.name];
    const others = (s.field.cases ?? []).map((c) => c.match).filter((m) => m !== cur);
    const known = new Set((s.field.cases ?? []).map((c) => c.match));
    const max = maxOf(key);
    let unknown = prm.rnd % (max + 1);
    while (known.has(unknown)) unknown = (unknown + 1) % (max + 1);
    const tag = prm.choice % 3 === 2 || others.length === 0 ? unknown : pick(others, prm.choice)!;
    const next = setPath(setPath(v, [...s.parent, key.name], tag), [...s.parent, s.field.name], raw);
    const b = encodeOrNull(info, next);
    return b ? { strategy: 'type-confusion', bytes: b, note: `${s.path.join('.')} of ${String(cur)} sent as ${key.name}=${String(tag)}${known.has(tag) ? '' : ' (unknown code)'}` } : null;
  },

  truncate(info, v, prm) {
    const b = encodeOrNull(info, v);
    if (!b || b.length === 0) return null;
    if (prm.choice % 2 === 1) {
      // Shorten the body but keep the size field consistent with it.
      const s = sites(info, v).find((s) => s.field.kind === 'switch' && s.depth === 0);
      if (s) {
        const raw = rawBody(s.owner, s.field, getPath(v, s.parent) as Obj);
        if (raw && raw.length > 0) {
          const cut = prm.rnd % raw.length;
          const bb = encodeOrNull(info, setPath(v, s.path, raw.slice(0, cut)));
          if (bb) return { strategy: 'truncate', bytes: bb, note: `body cut to ${cut} of ${raw.length} bytes, size consistent` };
        }
      }
    }
    const cut = prm.rnd % b.length;
    return { strategy: 'truncate', bytes: b.slice(0, cut), note: `message cut to ${cut} of ${b.length} bytes` };
  },

  trailing(info, v, prm) {
    const b = encodeOrNull(info, v);
    if (!b) return null;
    if (prm.choice % 2 === 1) {
      const s = sites(info, v).find((s) => s.field.kind === 'switch' && s.depth === 0);
      if (s) {
        const raw = rawBody(s.owner, s.field, getPath(v, s.parent) as Obj);
        if (raw) {
          const bb = encodeOrNull(info, setPath(v, s.path, concat([raw, prm.extra])));
          if (bb) return { strategy: 'trailing', bytes: bb, note: `${prm.extra.length} extra bytes inside the message, size consistent` };
        }
      }
    }
    return { strategy: 'trailing', bytes: concat([b, prm.extra]), note: `${prm.extra.length} bytes after the message` };
  },

  'enum-range'(info, v, prm) {
    const s = pick(sites(info, v).filter((s) => s.field.enumLabels && s.field.kind === 'int' && (s.field.width ?? 1) <= 4), prm.site);
    if (!s) return null;
    const labels = s.field.enumLabels!;
    const max = maxOf(s.field);
    let x = [max, 0, prm.rnd][prm.choice % 3]! % (max + 1);
    for (let k = 0; k <= max && labels[x] !== undefined; k++) x = (x + 1) % (max + 1);
    if (labels[x] !== undefined) return null;
    const b = encodeOrNull(info, setPath(rawifySwitchOn(v, s), s.path, x));
    return b ? { strategy: 'enum-range', bytes: b, note: `${s.path.join('.')}=${x} (not in the enum)` } : null;
  },

  'reserved-bits'(info, v, prm) {
    const s = pick(sites(info, v).filter((s) => s.field.defaultValue !== undefined && s.field.kind !== 'contents'), prm.site);
    if (!s) return null;
    const max = maxOf(s.field);
    const x: number | boolean = s.field.kind === 'bits' && (s.field.bits ?? 1) === 1 ? true : [max, 1][prm.choice % 2] ?? 1 + (prm.rnd % max);
    const b = encodeOrNull(info, setPath(v, s.path, x));
    return b ? { strategy: 'reserved-bits', bytes: b, note: `${s.path.join('.')}=${String(x)} (reserved, should be ${s.field.defaultValue})` } : null;
  },

  'no-terminator'(info, v, prm) {
    const s = pick(sites(info, v).filter((s) => s.field.terminator !== undefined && !s.field.repeat && (s.field.kind === 'str' || s.field.kind === 'bytes')), prm.site);
    if (!s) return null;
    const term = s.field.terminator!;
    const mk = markerFor(s.field, 5);
    const b = encodeOrNull(info, setPath(v, s.path, mk.value));
    if (!b) return null;
    const at = indexOf(b, mk.bytes);
    if (at < 0 || b[at + 5] !== term) return null;
    const out = prm.choice % 2 === 0 ? concat([b.subarray(0, at + 5), b.subarray(at + 6)]) : Uint8Array.from(b);
    if (prm.choice % 2 === 1) out[at + 5] = term === 0x41 ? 0x42 : 0x41;
    return { strategy: 'no-terminator', bytes: out, note: `${s.path.join('.')} without its terminator 0x${term.toString(16)} (${prm.choice % 2 === 0 ? 'removed' : 'replaced'})` };
  },

  'non-ascii'(info, v, prm) {
    const s = pick(sites(info, v).filter((s) => s.field.kind === 'str' && !s.field.repeat), prm.site);
    if (!s) return null;
    const len = typeof s.field.size === 'number' ? s.field.size : 2 + (prm.rnd % 6);
    if (len === 0) return null;
    const mk = markerFor(s.field, len);
    const b = encodeOrNull(info, setPath(v, s.path, mk.value));
    if (!b) return null;
    const at = indexOf(b, mk.bytes);
    if (at < 0) return null;
    const out = Uint8Array.from(b);
    const term = s.field.terminator;
    if (s.field.encoding === 'UTF-8') {
      const pat = pick(INVALID_UTF8, prm.choice)!;
      for (let k = 0; k < len; k++) out[at + k] = pat[k % pat.length]!;
    } else {
      const r = xorshift(prm.rnd + 1);
      for (let k = 0; k < len; k++) { let x = 0x80 | (r() & 0x7f); if (x === term) x ^= 1; out[at + k] = x; }
    }
    return { strategy: 'non-ascii', bytes: out, note: `${s.path.join('.')} holds ${s.field.encoding === 'UTF-8' ? 'invalid UTF-8' : 'bytes >= 0x80'} (${s.field.encoding})` };
  },

  oversize(info, v, prm, o, frameMax) {
    const s = pick(sites(info, v).filter((s) => (s.field.kind === 'bytes' || s.field.kind === 'str') && s.field.size === 'eos' && !s.field.repeat && s.depth <= 1), prm.site);
    if (!s) return null;
    const cur = getPath(v, s.path);
    const curLen = cur instanceof Uint8Array ? cur.length : typeof cur === 'string' ? cur.length : 0;
    const base = encodeOrNull(info, v);
    if (!base) return null;
    const exact = frameMax !== undefined ? frameMax - (base.length - curLen) : undefined;
    const lens = [exact, exact !== undefined ? exact + 1 : undefined, 65536, o.maxOversize, 65536 + (prm.rnd % 4096)]
      .filter((x): x is number => x !== undefined && x >= 0 && x <= o.maxOversize);
    const n = pick(lens, prm.choice);
    if (n === undefined) return null;
    const fill = 0x41 + (prm.rnd % 26);
    const big = s.field.kind === 'str' ? String.fromCharCode(fill).repeat(n) : new Uint8Array(n).fill(fill);
    const b = encodeSaturating(info, setPath(v, s.path, big) as Obj);
    return b ? { strategy: 'oversize', bytes: b, note: `${s.path.join('.')} of ${n} bytes (message ${b.length} bytes${frameMax !== undefined && b.length > frameMax ? `, over the ${frameMax} maximum` : ''})` } : null;
  },

  havoc(info, v, prm) {
    const b = encodeOrNull(info, v);
    if (!b) return null;
    return { strategy: 'havoc', bytes: havocBytes(b, prm.rnd + 1, 1 + (prm.choice % 6)), note: `byte-level havoc seed ${prm.rnd + 1}` };
  },
};

/** The arbitrary of one strategy over valid values `valid` of `info`, or null if it never applies. */
export function strategyArb(info: TypeInfo, valid: fc.Arbitrary<Obj>, strategy: MutationStrategy, opts: MutationOptions = {}, frameMax?: number): fc.Arbitrary<Malformed> | null {
  const o: Required<MutationOptions> = { maxBytes: opts.maxBytes ?? 48, maxItems: opts.maxItems ?? 4, maxDepth: opts.maxDepth ?? 6, maxOversize: opts.maxOversize ?? 131072 };
  const f = apply[strategy];
  const mapped = fc.tuple(valid, paramsArb).map(([v, prm]) => f(info, v, prm, o, frameMax));
  const sample = fc.sample(mapped, { numRuns: 60, seed: 11 });
  const ok = sample.filter((x) => x !== null).length / sample.length;
  if (ok < 0.05) return null;
  return mapped.filter((x): x is Malformed => x !== null);
}

/** Every applicable strategy of a protocol's message type, by name. */
export function protocolStrategies(p: ProtocolInfo, only?: readonly string[], opts: MutationOptions = {}): Map<MutationStrategy, fc.Arbitrary<Malformed>> {
  const v = validMessageArb(p, opts);
  const out = new Map<MutationStrategy, fc.Arbitrary<Malformed>>();
  if (!v) return out;
  for (const s of MUTATION_STRATEGIES) {
    if (only && !only.includes(s)) continue;
    const a = strategyArb(p.codec.info, v.arb, s, opts, p.frame?.maxMessageSize);
    if (a) out.set(s, a);
  }
  return out;
}

/** Strategies for any type with a decoder (nested types included); `seeds` are extra valid values. */
export function typeStrategies(info: TypeInfo, seeds: Obj[] = [], opts: MutationOptions = {}): Map<MutationStrategy, fc.Arbitrary<Malformed>> {
  const v = validArb(info, seeds, opts);
  const out = new Map<MutationStrategy, fc.Arbitrary<Malformed>>();
  if (!v) return out;
  for (const s of MUTATION_STRATEGIES) {
    const a = strategyArb(info, v.arb, s, opts);
    if (a) out.set(s, a);
  }
  return out;
}

/** Malformed (or valid) messages of a protocol from any of the given strategies. */
export function malformedArb(p: ProtocolInfo, strategies?: readonly string[], opts: MutationOptions = {}): fc.Arbitrary<Malformed> | null {
  const m = protocolStrategies(p, strategies, opts);
  return m.size ? fc.oneof(...m.values()) : null;
}
