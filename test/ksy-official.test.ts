// Every .ksy under spec/ must compile with the official kaitai-struct-compiler 0.11 (npm), and
// every conformance vector must agree with the Kaitai-generated parser (the oracle): positive
// vectors decode to exactly their `json`, negative vectors fail at their `error.path` /
// `error.offset` with the recorded Kaitai error class.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { compileKsyWithKaitai, kaitaiDecode, listSpecs, specForProto, specRoot } from './support/kaitai-oracle.ts';

const vectorRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), 'vectors');

describe('official kaitai-struct-compiler 0.11', () => {
  const specs = listSpecs();

  it('finds the specs', () => {
    expect(specs.length).toBeGreaterThan(0);
  });

  for (const spec of specs) {
    it(`compiles ${path.relative(specRoot, spec)}`, async () => {
      const c = await compileKsyWithKaitai(spec);
      expect(typeof c.TopClass).toBe('function');
    });
  }
});

interface Vector {
  proto: string;
  description: string;
  source: string;
  hex: string;
  json?: unknown;
  error?: { code: string; path: string; offset: number };
  kaitaiError?: string;
  encode?: boolean;
}

function listVectors(): string[] {
  if (!fs.existsSync(vectorRoot)) return [];
  const out: string[] = [];
  for (const fam of fs.readdirSync(vectorRoot, { withFileTypes: true })) {
    if (!fam.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(vectorRoot, fam.name))) {
      if (!f.endsWith('.json')) continue;
      // Conformance vectors only: fuzz findings (test/vectors/fuzz-crashers) have neither json nor error.
      const v = JSON.parse(fs.readFileSync(path.join(vectorRoot, fam.name, f), 'utf8'));
      if (v.json || v.error) out.push(path.join(vectorRoot, fam.name, f));
    }
  }
  return out.sort();
}

describe('conformance vectors agree with the Kaitai oracle', () => {
  for (const file of listVectors()) {
    const rel = path.relative(vectorRoot, file);
    it(rel, async () => {
      const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Vector;
      expect(typeof v.proto).toBe('string');
      expect(typeof v.description).toBe('string');
      expect(typeof v.source).toBe('string');
      expect(v.hex).toMatch(/^([0-9a-f]{2})*$/);
      expect(v.json === undefined).not.toBe(v.error === undefined);
      const r = await kaitaiDecode(specForProto(v.proto), Buffer.from(v.hex, 'hex'));
      if (v.error) {
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect({ path: r.path, offset: r.offset }).toEqual({ path: v.error.path, offset: v.error.offset });
        expect(v.kaitaiError?.startsWith(r.error)).toBe(true);
        expect(['eof', 'valid', 'term', 'limit', 'encoding', 'process', 'consume']).toContain(v.error.code);
      } else {
        expect(r.ok ? r.json : r).toEqual(v.json);
      }
    });
  }
});
