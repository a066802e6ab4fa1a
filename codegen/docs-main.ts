/** `npm run docs`: write docs/protocols/<family>.md from the specs (a test keeps them fresh). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileSpecs, formatProblem } from './compile.ts';
import { emitDocs } from './emit-docs.ts';

const root = join(import.meta.dirname, '..');
const r = compileSpecs([join(root, 'spec')], root);
const errors = r.problems.filter((p) => p.severity === 'error');
if (errors.length) {
  for (const p of errors) console.error(formatProblem(p));
  process.exit(1);
}
for (const [path, text] of emitDocs(r.schema)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
