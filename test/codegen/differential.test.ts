/**
 * Differential test: our generated decoders against the parser the official Kaitai compiler
 * generates from the same .ksy, on valid and mutated inputs: same accept/reject, same values.
 * Accepted differences (test/codegen/known-differences.md) are normalised, never skipped wholesale.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protocols } from '../../src/codecs/index.gen.ts';
import { DecodeError, fromHex } from '../../src/runtime/index.ts';
import { kaitaiDecode, specForProto } from '../support/kaitai-oracle.ts';
import { mutatedArb } from '../support/mutate.ts';
import { loadVectors } from '../../fuzz/vectors.ts';

const RUNS = Number(process.env.DIFF_RUNS ?? 150);
const vectors = loadVectors();

/**
 * Known difference (test/codegen/known-differences.md): Kaitai's JS runtime reads u8/s8 as a JS
 * number, so values above 2^53 lose precision; compare 64-bit values at that precision.
 */
function atKaitaiPrecision(ours: unknown, kaitai: unknown): unknown {
  if (typeof ours === 'string' && typeof kaitai === 'string' && ours !== kaitai && /^-?[0-9]{16,}$/.test(ours) && Number(ours) === Number(kaitai)) return kaitai;
  if (Array.isArray(ours) && Array.isArray(kaitai)) return ours.map((x, k) => atKaitaiPrecision(x, kaitai[k]));
  if (ours && kaitai && typeof ours === 'object' && typeof kaitai === 'object') {
    return Object.fromEntries(Object.entries(ours).map(([k, x]) => [k, atKaitaiPrecision(x, (kaitai as Record<string, unknown>)[k])]));
  }
  return ours;
}

type Outcome = { ok: true; json: unknown } | { ok: false; code: string };

function ours(codec: (typeof protocols)[number]['codec'], bytes: Uint8Array): Outcome {
  try {
    return { ok: true, json: codec.toJson(codec.decode(bytes).value) };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, code: e.code };
    throw e;
  }
}

describe('differential: generated decoders vs Kaitai-generated parser', () => {
  for (const p of protocols) {
    const seeds = vectors.filter((v) => v.proto === p.proto && !v.error).map((v) => fromHex(v.hex));
    if (!seeds.length) continue;
    it(`${p.proto}: same accept/reject and values on valid and mutated input`, async () => {
      const spec = specForProto(p.proto);
      await fc.assert(
        fc.asyncProperty(mutatedArb(seeds), async (bytes) => {
          const a = ours(p.codec, bytes);
          const k = await kaitaiDecode(spec, bytes);
          // Known difference: invalid UTF-8 is an error for us, replacement characters for Kaitai.
          if (!a.ok && a.code === 'encoding' && k.ok) return;
          expect(a.ok, `accept/reject differs: ours ${JSON.stringify(a)}, kaitai ${JSON.stringify(k)}`).toBe(k.ok);
          if (a.ok && k.ok) expect(atKaitaiPrecision(a.json, k.json)).toEqual(k.json);
        }),
        { numRuns: RUNS },
      );
    }, 60_000);
  }
});
