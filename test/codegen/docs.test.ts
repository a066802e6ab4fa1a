/** docs/protocols/*.md are generated from the specs and must be fresh (`npm run docs`). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSpecs } from '../../codegen/compile.ts';
import { diagram, emitDocs } from '../../codegen/emit-docs.ts';

const root = join(import.meta.dirname, '..', '..');

describe('protocol docs', () => {
  const docs = emitDocs(compileSpecs([join(root, 'spec')], root).schema);
  it('exist for every spec family and are fresh', () => {
    const families = readdirSync(join(root, 'spec'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `docs/protocols/${d.name}.md`);
    expect([...docs.keys()].sort()).toEqual(families.sort());
    for (const [path, text] of docs) {
      expect(existsSync(join(root, path)), `${path} missing: run npm run docs`).toBe(true);
      expect(readFileSync(join(root, path), 'utf8') === text, `${path} is stale: run npm run docs`).toBe(true);
    }
  });
  it('draws 32-bit rows with fields spanning rows', () => {
    const d = diagram([{ label: 'a', bits: 16 }, { label: 'b', bits: 32 }, { label: 'tail', bits: null }]);
    expect(d.slice(2)).toEqual([
      '+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+',
      '|               a               |               b               |',
      '+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+',
      '|           b (cont.)           |                               |',
      '+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+',
      '/                        tail (variable)                        /',
      '+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+',
    ]);
  });
});
