/** Minimal, strict option parser: unknown options are an error (exit 2), never ignored. */

export class UsageError extends Error {}

export type OptSpec = Record<string, 'string' | 'boolean' | 'number' | 'list'>;

export interface ParsedArgs {
  values: Record<string, string | boolean | number | string[] | undefined>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: OptSpec): ParsedArgs {
  const values: ParsedArgs['values'] = {};
  const positional: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    if (arg === '--') {
      positional.push(...argv.slice(k + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name} (known: ${Object.keys(spec).map((s) => '--' + s).join(', ')})`);
    if (kind === 'boolean') {
      values[name] = true;
      continue;
    }
    const v = eq >= 0 ? arg.slice(eq + 1) : argv[++k];
    if (v === undefined) throw new UsageError(`option --${name} needs a value`);
    if (kind === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new UsageError(`option --${name} needs a number, got '${v}'`);
      values[name] = n;
    } else if (kind === 'list') values[name] = [...((values[name] as string[] | undefined) ?? []), ...v.split(',')];
    else values[name] = v;
  }
  return { values, positional };
}
