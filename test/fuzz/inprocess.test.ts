import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { protocols, validMessageArb, roundTrips } from '../../fuzz/arbitraries.ts';
import { protocolStrategies, MUTATION_STRATEGIES } from '../../fuzz/mutations.ts';
import { caseArb } from '../../fuzz/live/case.ts';
import { CRASHER_DIR, checkDecode, decoderTargets, runInProcess, signature } from '../../fuzz/inprocess.ts';
import type { TypeInfo } from '../../src/runtime/index.ts';
import { DecodeError } from '../../src/runtime/index.ts';

function knownCrashers(): Set<string> {
  if (!existsSync(CRASHER_DIR)) return new Set();
  return new Set(readdirSync(CRASHER_DIR).filter((f) => f.endsWith('.json')).map((f) => (JSON.parse(readFileSync(join(CRASHER_DIR, f), 'utf8')) as { signature: string }).signature));
}

// Layouts whose only cross-field rules are derived lengths: every generated value must encode
// and decode. The generator filters values that do not, so without this a codec bug that made
// valid values undecodable would be filtered away instead of failing.
const UNCONSTRAINED = new Set(['gossip-api', 'gossip-overlay', 'gossip-pushpull']);

describe('arbitraries from TypeInfo', () => {
  for (const p of protocols) {
    it(`${p.proto}: valid values encode and decode to the same bytes`, () => {
      const v = validMessageArb(p);
      expect(v, `no valid generator for ${p.proto}`).not.toBeNull();
      if (UNCONSTRAINED.has(p.proto)) expect(v!.acceptance, 'share of generated values that round-trip').toBe(1);
      fc.assert(fc.property(v!.arb, (x) => {
        expect(roundTrips(p.codec.info, x)).toBe(true);
        const bytes = p.codec.encode(x as never);
        expect(p.codec.decode(bytes, 0).size).toBe(bytes.length);
      }), { numRuns: 40, seed: 1 });
    });
  }

  it('gossip-api gets every mutation strategy that its descriptor allows', () => {
    const api = protocols.find((p) => p.proto === 'gossip-api')!;
    const got = [...protocolStrategies(api).keys()].sort();
    expect(got).toEqual(['enum-range', 'havoc', 'oversize', 'reserved-bits', 'size-lie', 'trailing', 'truncate', 'type-confusion', 'valid'].sort());
    // No str/terminator or count fields in the gossip API.
    expect(got).not.toContain('no-terminator');
  });

  it('size lies write the lie into the header and the decoder rejects or re-frames it', () => {
    const api = protocols.find((p) => p.proto === 'gossip-api')!;
    const lies = protocolStrategies(api, ['size-lie']).get('size-lie')!;
    for (const m of fc.sample(lies, { numRuns: 200, seed: 3 })) {
      const size = (m.bytes[0]! << 8) | m.bytes[1]!;
      expect(size).not.toBe(m.bytes.length);
      expect(m.note).toMatch(/^size=\d+ \(true \d+\)$/);
      try { api.codec.decode(m.bytes, 0); } catch (e) { expect(e).toBeInstanceOf(DecodeError); }
    }
  });

  it('every strategy applies to at least one protocol, and cases carry their strategy', () => {
    const seen = new Set<string>();
    for (const p of protocols) for (const k of protocolStrategies(p).keys()) seen.add(k);
    expect([...seen].sort()).toEqual([...MUTATION_STRATEGIES].sort());
    const api = protocols.find((p) => p.proto === 'gossip-api')!;
    for (const c of fc.sample(caseArb(api, { strategies: ['type-confusion', 'partial', 'parallel'] }), { numRuns: 50, seed: 9 })) {
      expect(c.strategy).toBe('type-confusion');
      expect(['partial', 'parallel']).toContain(c.delivery.kind);
    }
  });
});

describe('in-process decoder fuzzing', () => {
  it('the bounds check catches a decoder that reads outside its input', () => {
    // A hand-made broken decoder: reads through the ArrayBuffer, ignoring the view's bounds.
    const leaky: TypeInfo = {
      id: 'leaky', name: 'Leaky', spec: 'spec/test/leaky.ksy', doc: '', fixedSize: null, minSize: 0, params: [], fields: [], instances: [],
      decode: (b, offset = 0) => {
        const all = new Uint8Array(b.buffer);
        return { value: { first: all[b.byteOffset + offset - 1] ?? 0, rest: all.subarray(b.byteOffset + offset, b.byteOffset + b.length + 2) }, size: b.length - offset };
      },
    };
    const v = checkDecode({ name: 'test#leaky', proto: undefined, info: leaky }, Uint8Array.of(1, 2, 3));
    expect(v?.property).toMatch(/in-bounds|offset-param/);
    const thrower: TypeInfo = { ...leaky, decode: () => { throw new RangeError('boom'); } };
    expect(checkDecode({ name: 'test#thrower', proto: undefined, info: thrower }, Uint8Array.of(1))?.property).toBe('only-decode-error');
  });

  it('fuzzes every protocol decoder for a few seconds; any violation is a recorded crasher vector', async () => {
    const targets = (await decoderTargets(false));
    expect(targets.length).toBeGreaterThan(40);
    const stats = await runInProcess({ timeSec: 4, seed: 4242, targets, writeCrashers: false });
    expect(stats.inputs).toBeGreaterThan(20_000);
    expect(stats.roundTrips).toBeGreaterThan(500);
    const known = knownCrashers();
    const unknown = stats.violations.filter((v) => !known.has(signature(v)));
    expect(unknown.map((v) => `${v.target} ${v.property}: ${v.detail} (hex ${Buffer.from(v.input).toString('hex')})`)).toEqual([]);
  }, 30_000);
});
