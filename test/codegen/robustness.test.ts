/**
 * Decoder robustness on arbitrary and mutated bytes, for every generated type that can be decoded
 * on its own: only DecodeError is thrown; nothing outside the input is read (decoding a view inside
 * a larger buffer gives exactly what decoding a copy gives); whatever decodes has canonical bytes
 * (derived fields recomputed) that decode to the same value and re-encode to themselves; the
 * JSON text writer (writeJsonX, through toJsonText) gives exactly JSON.stringify of the JSON form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protocols } from '../../src/codecs/index.gen.ts';
import { typeArb } from '../../fuzz/arbitraries.ts';
import { DecodeError, EncodeError, fromHex, toHex, withoutDerived, type TypeInfo } from '../../src/runtime/index.ts';
import { mutatedArb } from '../support/mutate.ts';
import { loadVectors } from '../../fuzz/vectors.ts';

const RUNS = Number(process.env.ROBUST_RUNS ?? 300);
const vectors = loadVectors();

/** Every type reachable from the protocol roots that has a standalone decoder. */
function reachable(): Map<string, TypeInfo> {
  const out = new Map<string, TypeInfo>();
  const visit = (t: TypeInfo) => {
    const key = `${t.spec}#${t.name}`;
    if (out.has(key)) return;
    out.set(key, t);
    for (const f of t.fields) {
      if (f.type) visit(f.type());
      for (const c of f.cases ?? []) visit(c.type());
      if (f.fallback) visit(f.fallback());
    }
  };
  for (const p of protocols) visit(p.codec.info);
  return out;
}


type Result = { ok: true; json: unknown; text: string; size: number } | { ok: false; err: string };

function run(t: TypeInfo, bytes: Uint8Array): Result {
  try {
    const { value, size } = t.decode!(bytes, 0);
    return { ok: true, json: t.toJson!(value), text: t.toJsonText!(value), size };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`${t.name}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} (only DecodeError allowed)`);
    return { ok: false, err: `${e.code} ${e.path} @${e.offset}` };
  }
}

describe('decoder robustness', () => {
  for (const [key, t] of reachable()) {
    if (!t.decode) continue;
    const proto = protocols.find((p) => p.spec === t.spec);
    const seeds = vectors.filter((v) => v.proto === proto?.proto && !v.error).map((v) => fromHex(v.hex));
    it(`${key}: only DecodeError, in-bounds reads, canonical re-encode`, () => {
      fc.assert(
        fc.property(seeds.length ? mutatedArb(seeds) : fc.uint8Array({ maxLength: 96 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (bytes, pad) => {
          const exact = run(t, bytes);
          // The same bytes as a view into a buffer with garbage around them.
          const big = new Uint8Array(pad.length + bytes.length + pad.length);
          big.set(pad, 0);
          big.set(bytes, pad.length);
          big.set(pad, pad.length + bytes.length);
          const view = run(t, big.subarray(pad.length, pad.length + bytes.length));
          expect(view).toEqual(exact);
          if (!exact.ok) return;
          expect(exact.text).toBe(JSON.stringify(exact.json));
          expect(exact.size).toBeLessThanOrEqual(bytes.length);
          // Canonical bytes: encode the decoded value with derived fields left to the encoder.
          // They decode to the same value (modulo derived fields), and encode∘decode is the
          // identity on them.
          const canonical = t.encode!(t.fromJson!(withoutDerived(exact.json, t)));
          const round = run(t, canonical);
          expect(round.ok, `canonical bytes do not decode: ${JSON.stringify(round)}`).toBe(true);
          const roundJson = (round as { json: unknown }).json;
          expect(withoutDerived(roundJson, t)).toEqual(withoutDerived(exact.json, t));
          expect((round as { size: number }).size).toBe(canonical.length);
          expect(toHex(t.encode!(t.fromJson!(roundJson)))).toBe(toHex(canonical));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('encoder robustness', () => {
  // Schema-shaped but unconstrained inputs (lists of any length, any numbers in range): an
  // encoder either writes bytes or throws EncodeError naming the field, never a TypeError.
  for (const [key, t] of reachable()) {
    if (!t.encode) continue;
    const gen = typeArb(t);
    if (!gen) continue;
    it(`${key}: only EncodeError`, () => {
      fc.assert(
        fc.property(gen, (v) => {
          try {
            t.encode!(v);
          } catch (e) {
            if (!(e instanceof EncodeError)) throw new Error(`${t.name}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} (only EncodeError allowed)`);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('JSON input robustness', () => {
  // What `peerwire encode --json` receives: any JSON at all. fromJson and encode either work or
  // throw EncodeError with a path, never a TypeError. Values are shaped like the protocol's JSON
  // form (its vectors) with random parts replaced, plus arbitrary JSON.
  for (const p of protocols) {
    const seeds = vectors.filter((v) => v.proto === p.proto && v.json).map((v) => v.json as unknown);
    const json = fc.jsonValue({ maxDepth: 4 });
    const mutate = (j: unknown, picks: number[], values: unknown[]): unknown => {
      if (!picks.length || j === null || typeof j !== 'object') return picks.length ? values[0] : j;
      const keys = Object.keys(j as object);
      if (!keys.length) return j;
      const k = keys[picks[0]! % keys.length]!;
      const copy: Record<string, unknown> = Array.isArray(j) ? ([...j] as unknown as Record<string, unknown>) : { ...(j as Record<string, unknown>) };
      copy[k] = picks.length > 1 && Math.random() < 2 ? mutate(copy[k], picks.slice(1), values.slice(1).length ? values.slice(1) : values) : values[0];
      return copy;
    };
    const input = seeds.length
      ? fc.oneof(json, fc.tuple(fc.constantFrom(...seeds), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.array(json, { minLength: 1, maxLength: 4 })).map(([s, picks, values]) => mutate(s, picks, values)))
      : json;
    it(`${p.proto}: fromJson and encode throw only EncodeError`, () => {
      fc.assert(
        fc.property(input, (j) => {
          try {
            p.codec.encode(p.codec.fromJson(j));
          } catch (e) {
            if (!(e instanceof EncodeError)) throw new Error(`${p.proto}: ${JSON.stringify(j)?.slice(0, 300)} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});
