/**
 * The conformance vectors of test/vectors/<family>/*.json: golden data for the tests and seed
 * corpus for the fuzzer. A malformed vector file is an error, never skipped silently.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Vector {
  file: string;
  proto: string;
  description: string;
  source: string;
  hex: string;
  json?: Record<string, unknown>;
  error?: { code: string; path: string; offset: number };
  kaitaiError?: string;
  encode?: boolean;
}

export const vectorRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors');

let cache: Vector[] | undefined;

/** Every conformance vector (a decoded value or an expected error; fuzz findings have neither); [] when the folder is absent (an installed package). */
export function loadVectors(): Vector[] {
  if (cache) return cache;
  const out: Vector[] = [];
  if (existsSync(vectorRoot)) {
    for (const fam of readdirSync(vectorRoot, { withFileTypes: true })) {
      if (!fam.isDirectory()) continue;
      for (const f of readdirSync(join(vectorRoot, fam.name)).sort()) {
        if (!f.endsWith('.json')) continue;
        const file = `${fam.name}/${f}`;
        let v: Omit<Vector, 'file'>;
        try {
          v = JSON.parse(readFileSync(join(vectorRoot, file), 'utf8')) as Omit<Vector, 'file'>;
        } catch (e) {
          throw new Error(`test/vectors/${file}: not valid JSON: ${(e as Error).message}`);
        }
        if (!v.json && !v.error) continue;
        if (typeof v.proto !== 'string' || typeof v.hex !== 'string') throw new Error(`test/vectors/${file}: a vector needs "proto" and "hex"`);
        out.push({ ...v, file });
      }
    }
  }
  return (cache = out);
}
