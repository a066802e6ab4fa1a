/**
 * Error goldens: each bad .ksy states the exact compiler message it must produce in its leading
 * `# expect:` comments. A construct the compiler does not support is refused, naming file and line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSpecs, formatProblem } from '../../codegen/compile.ts';

const dir = join(import.meta.dirname, 'bad');

describe('compiler refuses what it cannot compile', () => {
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ksy'))) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
      expect(expected.length).toBeGreaterThan(0);
      const r = compileSpecs([join(dir, f)], import.meta.dirname);
      const errors = r.problems.filter((p) => p.severity === 'error').map(formatProblem);
      expect(errors).toEqual(expected);
      expect(r.files.size).toBe(0);
    });
  }
});
