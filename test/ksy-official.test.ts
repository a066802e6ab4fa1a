// Every .ksy under spec/ must compile with the official kaitai-struct-compiler 0.11 (npm), and
// every conformance vector must agree with the Kaitai-generated parser (the oracle): positive
// vectors decode to exactly their `json`, negative vectors fail at their `error.path` /
// `error.offset` with the recorded Kaitai error class.

import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { compileKsyWithKaitai, kaitaiDecode, listSpecs, specForProto, specRoot } from './support/kaitai-oracle.ts';
import { loadVectors } from '../fuzz/vectors.ts';

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


describe('conformance vectors agree with the Kaitai oracle', () => {
  for (const v of loadVectors()) {
    it(v.file, async () => {
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
