/** Loads the conformance vectors of test/vectors/<family>/*.json. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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

export const vectorRoot = join(import.meta.dirname, '..', 'vectors');

export function loadVectors(): Vector[] {
  const out: Vector[] = [];
  for (const fam of readdirSync(vectorRoot, { withFileTypes: true })) {
    if (!fam.isDirectory()) continue;
    for (const f of readdirSync(join(vectorRoot, fam.name)).sort()) {
      if (!f.endsWith('.json')) continue;
      const v = JSON.parse(readFileSync(join(vectorRoot, fam.name, f), 'utf8')) as Omit<Vector, 'file'>;
      // Only conformance vectors (a decoded value or an expected error); fuzz findings have neither.
      if (!v.json && !v.error) continue;
      out.push({ ...v, file: `${fam.name}/${f}` });
    }
  }
  return out;
}
