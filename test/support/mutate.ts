/**
 * Byte-level mutations of valid messages for differential and robustness properties: they keep
 * most of the structure (headers, lengths nearby) so decoders are driven deep, unlike random bytes.
 */
import fc from 'fast-check';

export type Mutation =
  | { k: 'set'; at: number; v: number }
  | { k: 'flip'; at: number; bit: number }
  | { k: 'truncate'; at: number }
  | { k: 'insert'; at: number; bytes: number[] }
  | { k: 'delete'; at: number; n: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('set' as const), at: fc.nat(), v: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ k: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
);

export function applyMutations(seed: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Array.from(seed);
  for (const m of ms) {
    const at = b.length ? m.at % (b.length + (m.k === 'insert' ? 1 : 0)) : 0;
    switch (m.k) {
      case 'set':
        if (b.length) b[at] = m.v;
        break;
      case 'flip':
        if (b.length) b[at] = (b[at]! ^ (1 << m.bit)) & 0xff;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert':
        b.splice(at, 0, ...m.bytes);
        break;
      case 'delete':
        b.splice(at, m.n);
        break;
    }
  }
  return new Uint8Array(b);
}

/** A seed message and some mutations of it (or raw random bytes, 1 in 8). */
export function mutatedArb(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const fromSeed = fc.tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutationArb, { minLength: 0, maxLength: 4 })).map(([i, ms]) => applyMutations(seeds[i]!, ms));
  return fc.oneof({ weight: 7, arbitrary: fromSeed }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) });
}
