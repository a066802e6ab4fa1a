/**
 * fast-check arbitraries generated from TypeInfo descriptors: encoder-input values for every
 * message type. Derived fields are left out (the encoder computes them), defaulted (reserved)
 * fields too. Constraints the descriptor cannot express (`valid.expr`, sizes from expressions,
 * `repeat-until` conditions) are met by filtering on an encode → decode round trip; conformance
 * vectors serve as extra valid seeds for the types where generation rarely satisfies them.
 */
import fc from 'fast-check';
import { protocols } from '../src/codecs/index.gen.ts';
import { fromHex } from '../src/runtime/index.ts';
import type { FieldInfo, ProtocolInfo, TypeInfo } from '../src/runtime/index.ts';
import { loadVectors } from './vectors.ts';
import { getPath, keyOf, parseTernaryChain, reachableTypes, setPath, sites, switchKey } from './schema.ts';

export interface GenOptions {
  /** Longest variable-size byte/string field (default 48). */
  maxBytes?: number;
  /** Most elements of a repeated field (default 4). */
  maxItems?: number;
  /** Nesting limit for nested and recursive types (default 6). */
  maxDepth?: number;
}

type Obj = Record<string, unknown>;
const ROUND = Symbol('pending-switch');

interface Pending { [ROUND]: true; tag: unknown; tagKey: string | undefined; body: unknown }

function intArb(f: FieldInfo): fc.Arbitrary<number | bigint> {
  const w = f.width ?? 1;
  if (w >= 8) {
    const lo = f.signed ? -(1n << 63n) : 0n;
    const hi = f.signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
    return fc.oneof(fc.constantFrom(lo, hi, 0n, 1n), fc.bigInt({ min: lo, max: hi }));
  }
  let lo = f.signed ? -(2 ** (8 * w - 1)) : 0;
  let hi = f.signed ? 2 ** (8 * w - 1) - 1 : 2 ** (8 * w) - 1;
  const v = f.valid;
  if (typeof v?.eq === 'number') return fc.constant(v.eq);
  const anyOf = (v?.anyOf ?? []).filter((x): x is number => typeof x === 'number');
  if (anyOf.length > 0) return fc.constantFrom(...anyOf);
  if (v?.min !== undefined) lo = Math.max(lo, v.min);
  if (v?.max !== undefined) hi = Math.min(hi, v.max);
  const range = fc.integer({ min: lo, max: hi });
  const labels = f.enumLabels ? Object.keys(f.enumLabels).map(Number).filter((n) => n >= lo && n <= hi) : [];
  if (labels.length > 0) return v?.inEnum ? fc.constantFrom(...labels) : fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...labels) }, { weight: 1, arbitrary: range });
  return fc.oneof(fc.constantFrom(lo, hi), range);
}

function bitsArb(f: FieldInfo): fc.Arbitrary<number | boolean> {
  const n = f.bits ?? 1;
  if (n === 1) return fc.boolean();
  return fc.integer({ min: 0, max: 2 ** Math.min(n, 52) - 1 });
}

/** Characters allowed in a string field of `encoding`, never the terminator. */
function charArb(encoding: string | undefined, terminator: number | undefined): fc.Arbitrary<string> {
  const avoid = (c: string): boolean => c.charCodeAt(0) !== terminator;
  if (encoding === 'UTF-8') return fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' }) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }) }).filter(avoid);
  // ASCII fields get printable text mostly; ISO-8859-1 any byte.
  const top = encoding === 'ASCII' ? 0x7e : 0xff;
  return fc.integer({ min: encoding === 'ASCII' ? 0x20 : 0x01, max: top }).map((c) => String.fromCharCode(c)).filter(avoid);
}

function strArb(f: FieldInfo, o: Required<GenOptions>): fc.Arbitrary<string> {
  // Text fields constrained to literals (e.g. a command word) take one of them.
  if (typeof f.valid?.eq === 'string') return fc.constant(f.valid.eq);
  const words = (f.valid?.anyOf ?? []).filter((x): x is string => typeof x === 'string');
  if (words.length > 0) return fc.constantFrom(...words);
  const ch = charArb(f.encoding, f.terminator);
  if (typeof f.size === 'number') {
    if (f.encoding === 'UTF-8') return fc.array(fc.integer({ min: 0x20, max: 0x7e }), { minLength: f.size, maxLength: f.size }).map((a) => String.fromCharCode(...a));
    return fc.array(ch, { minLength: f.size, maxLength: f.size }).map((a) => a.join(''));
  }
  return fc.array(ch, { maxLength: o.maxBytes }).map((a) => a.join(''));
}

function bytesArb(f: FieldInfo, o: Required<GenOptions>): fc.Arbitrary<Uint8Array> {
  if (typeof f.size === 'number') return fc.uint8Array({ minLength: f.size, maxLength: f.size });
  const term = f.terminator;
  const arb = f.size === 'expr'
    // Sizes from expressions are unknown here: favour address-like and small sizes.
    ? fc.oneof(fc.constantFrom(0, 1, 4, 16).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), fc.uint8Array({ maxLength: o.maxBytes }))
    : fc.uint8Array({ maxLength: o.maxBytes });
  return term === undefined ? arb : arb.map((b) => b.map((x) => (x === term ? (x + 1) & 0xff : x)));
}

function fieldArb(owner: TypeInfo, f: FieldInfo, o: Required<GenOptions>, depth: number): fc.Arbitrary<unknown> | null {
  const one = (): fc.Arbitrary<unknown> | null => {
    switch (f.kind) {
      case 'int': return intArb(f);
      case 'float': return f.width === 4 ? fc.float({ noNaN: true }) : fc.double({ noNaN: true });
      case 'bits': return bitsArb(f);
      case 'str': return strArb(f, o);
      case 'bytes': return bytesArb(f, o);
      case 'user': {
        if (!f.type) return null;
        return depth >= o.maxDepth ? null : typeArb(f.type(), o, depth + 1);
      }
      case 'switch': return switchArb(owner, f, o, depth);
      default: return null;
    }
  };
  const a = one();
  if (!a) return null;
  if (f.repeat) return fc.array(a, { maxLength: o.maxItems });
  return f.optional ? fc.option(a, { nil: undefined }) : a;
}

function switchArb(owner: TypeInfo, f: FieldInfo, o: Required<GenOptions>, depth: number): fc.Arbitrary<Pending> | null {
  if (depth >= o.maxDepth) return null;
  const key = switchKey(owner, f);
  const chain = key ? new Map() : parseTernaryChain(f.on ?? '');
  const options: fc.Arbitrary<Pending>[] = [];
  for (const c of f.cases ?? []) {
    const body = typeArb(c.type(), o, depth + 1);
    if (!body) continue;
    if (key) options.push(body.map((b) => ({ [ROUND]: true, tag: c.match, tagKey: key.name, body: b })));
    else {
      const lit = chain.get(Number(c.match));
      const k = lit ? keyOf(owner, lit.id) : undefined;
      options.push(body.map((b) => ({ [ROUND]: true, tag: lit?.literal, tagKey: k, body: b })));
    }
  }
  if (f.fallback && key) {
    const fb = typeArb(f.fallback(), o, depth + 1);
    const known = new Set((f.cases ?? []).map((c) => c.match));
    if (fb) options.push(fc.tuple(intArb(key).filter((t) => !known.has(t as number)), fb).map(([t, b]) => ({ [ROUND]: true, tag: t, tagKey: key.name, body: b })));
  } else if (key && f.size !== undefined) {
    // Unknown codes keep their raw bytes.
    const known = new Set((f.cases ?? []).map((c) => c.match));
    options.push(fc.tuple(intArb(key).filter((t) => !known.has(t as number)), fc.uint8Array({ maxLength: o.maxBytes })).map(([t, b]) => ({ [ROUND]: true, tag: t, tagKey: key.name, body: b })));
  }
  return options.length ? fc.oneof(...options) : null;
}

const typeCache = new WeakMap<TypeInfo, Map<string, fc.Arbitrary<Obj> | null>>();

/** Encoder input values for one type (not yet filtered for validity). */
export function typeArb(info: TypeInfo, opts: GenOptions = {}, depth = 0): fc.Arbitrary<Obj> | null {
  const o: Required<GenOptions> = { maxBytes: opts.maxBytes ?? 48, maxItems: opts.maxItems ?? 4, maxDepth: opts.maxDepth ?? 6 };
  const ck = `${o.maxBytes}/${o.maxItems}/${o.maxDepth}/${depth}`;
  let m = typeCache.get(info);
  if (!m) typeCache.set(info, (m = new Map()));
  if (m.has(ck)) return m.get(ck)!;
  m.set(ck, null); // recursion guard
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of info.fields) {
    if (f.kind === 'contents' || f.derived !== undefined || f.defaultValue !== undefined) continue;
    const a = fieldArb(info, f, o, depth);
    if (!a) {
      if (f.optional) continue;
      m.set(ck, null);
      return null;
    }
    parts[f.name] = a;
  }
  const arb = fc.record(parts).map((r) => {
    const out: Obj = { ...r };
    for (const [k, v] of Object.entries(r)) {
      if (v && typeof v === 'object' && ROUND in v) {
        const p = v as Pending;
        out[k] = p.body;
        if (p.tagKey && p.tag !== undefined) out[p.tagKey] = p.tag;
      }
    }
    return out;
  });
  m.set(ck, arb);
  return arb;
}

/** Key path of an EncodeError path such as `gnutella.payload.ggep[0].extensions[1].data` (root id dropped). */
export function errorPathToKeys(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.').slice(1)) {
    const m = /^([A-Za-z0-9_]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [];
    out.push(m[1]!.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
    for (const ix of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(ix[1]));
  }
  return out;
}

/**
 * Encoder-guided repair: when the encoder says a byte field "has N bytes, the field size is M"
 * (a size from an expression the descriptor does not carry), resize that field and retry.
 */
export function repair(info: TypeInfo, v: Obj, rounds = 4): Obj {
  let cur = v;
  for (let k = 0; k < rounds && info.encode; k++) {
    try { info.encode(cur); return cur; } catch (e) {
      const m = e instanceof Error && 'reason' in e ? /has \d+ bytes, the field size is (\d+)$/.exec(String((e as { reason: unknown }).reason)) : null;
      if (!m) return cur;
      const keys = errorPathToKeys(String((e as unknown as { path: string }).path));
      const old = getPath(cur, keys);
      const n = Number(m[1]);
      if (!(old instanceof Uint8Array) || n > 1 << 20) return cur;
      const next = new Uint8Array(n);
      next.set(old.subarray(0, n));
      cur = setPath(cur, keys, next) as Obj;
    }
  }
  return cur;
}

/** Encode, decode and compare sizes; true when `v` is a valid message of `info`. */
export function roundTrips(info: TypeInfo, v: unknown): boolean {
  if (!info.encode || !info.decode) return false;
  let bytes: Uint8Array;
  try { bytes = info.encode(v); } catch { return false; }
  try { return info.decode(bytes, 0).size === bytes.length; } catch { return false; }
}

// ---------------------------------------------------------------- vectors as seeds

/** Valid encoder inputs taken from positive conformance vectors of `proto`. */
export function vectorValues(p: ProtocolInfo): Obj[] {
  const out: Obj[] = [];
  for (const v of loadVectors()) {
    if (v.proto !== p.proto || v.json === undefined) continue;
    try {
      const bytes = fromHex(v.hex);
      const d = p.codec.decode(bytes, 0);
      if (d.size !== bytes.length) continue;
      const init = p.codec.fromJson(p.codec.toJson(d.value)) as Obj;
      if (roundTrips(p.codec.info, init)) out.push(init);
    } catch { /* skip */ }
  }
  return out;
}

// ---------------------------------------------------------------- valid arbitraries

export interface ValidArb {
  arb: fc.Arbitrary<Obj>;
  /** Share of generated values that passed the round-trip filter when measured. */
  acceptance: number;
  seeds: number;
}

const validCache = new Map<TypeInfo, ValidArb | null>();

/**
 * Valid encoder inputs for `info`: generated values that survive encode → decode, mixed with
 * the given seeds (vector values). Null when neither works.
 */
export function validArb(info: TypeInfo, seeds: Obj[] = [], opts: GenOptions = {}): ValidArb | null {
  const cacheable = seeds.length === 0 && Object.keys(opts).length === 0;
  if (cacheable && validCache.has(info)) return validCache.get(info)!;
  const gen = typeArb(info, opts);
  const raw = gen ? gen.map((v) => repair(info, v)) : null;
  let acceptance = 0;
  if (raw) {
    const sample = fc.sample(raw, { numRuns: 200, seed: 7 });
    acceptance = sample.filter((v) => roundTrips(info, v)).length / sample.length;
  }
  const parts: fc.Arbitrary<Obj>[] = [];
  // A filter below ~2% acceptance would spin; fall back to seeds only.
  if (raw && acceptance >= 0.02) parts.push(raw.filter((v) => roundTrips(info, v)));
  if (seeds.length) parts.push(fc.constantFrom(...seeds));
  const res = parts.length ? { arb: parts.length === 1 ? parts[0]! : fc.oneof(...parts), acceptance, seeds: seeds.length } : null;
  if (cacheable) validCache.set(info, res);
  return res;
}

/** Valid messages of a protocol (generated + vector seeds). */
export function validMessageArb(p: ProtocolInfo, opts: GenOptions = {}): ValidArb | null {
  return validArb(p.codec.info, vectorValues(p), opts);
}

/** Valid values of every nested type with a decoder, cut out of the protocols' vector values. */
export function nestedSeeds(): Map<TypeInfo, Obj[]> {
  const out = new Map<TypeInfo, Obj[]>();
  for (const p of protocols) {
    for (const v of vectorValues(p)) {
      for (const s of sites(p.codec.info, v)) {
        const val = getPath(v, s.path);
        const types = s.field.kind === 'user' && s.field.type ? [s.field.type()] : s.field.kind === 'switch' ? reachableTypes([]).concat((s.field.cases ?? []).map((c) => c.type())) : [];
        const items = Array.isArray(val) ? val : [val];
        for (const t of types) {
          if (!t.decode) continue;
          for (const it of items) {
            if (!it || typeof it !== 'object' || it instanceof Uint8Array) continue;
            if (!roundTrips(t, it)) continue;
            const list = out.get(t) ?? [];
            if (list.length < 32) list.push(it as Obj);
            out.set(t, list);
          }
        }
      }
    }
  }
  return out;
}

/** Valid messages of one type code of a protocol (e.g. gossip-api 500), by number or label. */
export function messageOfType(p: ProtocolInfo, type: number | string, opts: GenOptions = {}): fc.Arbitrary<Obj> | null {
  const code = typeof type === 'number' ? type : Number(Object.entries(p.typeLabels).find(([, l]) => l === type)?.[0]);
  const v = validMessageArb(p, opts);
  if (!v || !p.typeField || Number.isNaN(code)) return null;
  const key = p.typeField;
  return v.arb.filter((m) => m[key] === code);
}

export function protocolByName(name: string): ProtocolInfo | undefined {
  return protocols.find((p) => p.proto === name);
}

export { protocols };
