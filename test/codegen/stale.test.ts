/** Generated code is reproducible: regenerating from spec/ must give exactly the checked-in files. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSpecs } from '../../codegen/compile.ts';

const root = join(import.meta.dirname, '..', '..');

function listGenerated(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listGenerated(p));
    else if (e.name.endsWith('.gen.ts')) out.push(relative(root, p).split('\\').join('/'));
  }
  return out;
}

describe('generated codecs', () => {
  const r = compileSpecs([join(root, 'spec')], root, 'src/codecs');
  it('compile without errors', () => {
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
  it('are fresh (run `npm run codegen` if this fails)', () => {
    for (const [path, content] of r.files) {
      const abs = join(root, path);
      expect(existsSync(abs), `${path} is missing`).toBe(true);
      expect(readFileSync(abs, 'utf8') === content, `${path} is stale`).toBe(true);
    }
    expect(listGenerated(join(root, 'src/codecs')).sort()).toEqual([...r.files.keys()].sort());
  });
});
