/** `peerwire encode --proto P --json '<object or array>'`: prints hex; derived fields may be omitted. */
import { readFileSync } from 'node:fs';
import { PeerwireError, toHex } from '../../runtime/index.ts';
import { parseArgs, UsageError } from '../args.ts';
import { findProtocol } from '../protocols.ts';

export async function run(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { proto: 'string', json: 'string', file: 'string', concat: 'boolean', help: 'boolean' });
  if (a.values.help) {
    console.log("usage: peerwire encode --proto <name> (--json '<object or array>' | --file <file.json>) [--concat]");
    return 0;
  }
  const p = findProtocol(a.values.proto);
  const text = typeof a.values.json === 'string' ? a.values.json : typeof a.values.file === 'string' ? readFileSync(a.values.file, 'utf8') : null;
  if (text === null) throw new UsageError('--json or --file is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--json is not valid JSON: ${(e as Error).message}`);
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const parts: string[] = [];
  for (const [k, item] of items.entries()) {
    // Accept the `decode` output objects too ({message: {...}}).
    const msg = item && typeof item === 'object' && 'message' in item && 'proto' in item ? (item as { message: unknown }).message : item;
    try {
      parts.push(toHex(p.codec.encode(p.codec.fromJson(msg))));
    } catch (e) {
      if (e instanceof PeerwireError) {
        console.error(`peerwire encode: item ${k}: ${e.message}`);
        return 1;
      }
      throw e;
    }
  }
  if (a.values.concat) console.log(parts.join(''));
  else for (const h of parts) console.log(h);
  return 0;
}
