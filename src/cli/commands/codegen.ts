/** `peerwire codegen <spec files or folders> --out <folder>` */
import { compileToDisk, formatProblem } from '../../../codegen/compile.ts';
import { CompileError } from '../../../codegen/ir.ts';
import { parseArgs } from '../args.ts';

export async function run(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { out: 'string', quiet: 'boolean', help: 'boolean' });
  if (a.values.help || !a.positional.length) {
    console.log('usage: peerwire codegen <spec files or folders…> --out <folder> [--quiet]');
    return a.values.help ? 0 : 2;
  }
  const out = (a.values.out as string | undefined) ?? 'src/codecs';
  try {
    const { written, warnings } = compileToDisk(a.positional, out);
    if (!a.values.quiet) {
      for (const w of warnings) console.error(formatProblem(w));
      console.error(`peerwire codegen: ${written.length} file(s) in ${out}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof CompileError) {
      for (const p of e.problems) console.error(formatProblem(p));
      console.error(`peerwire codegen: ${e.problems.length} error(s); nothing written`);
      return 1;
    }
    throw e;
  }
}
