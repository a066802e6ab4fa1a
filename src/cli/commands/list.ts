/** `peerwire list [--json]`: protocols and their message types. */
import { parseArgs } from '../args.ts';
import { protocols } from '../protocols.ts';

export async function run(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { json: 'boolean', help: 'boolean' });
  if (a.values.help) {
    console.log('usage: peerwire list [--json]');
    return 0;
  }
  if (a.values.json) {
    for (const p of protocols) {
      const types = Object.entries(p.typeLabels).map(([value, name]) => ({ value: Number(value), name }));
      console.log(JSON.stringify({ proto: p.proto, summary: p.summary, spec: p.spec, framing: p.frame ? 'length' : 'decode', messageTypes: types }));
    }
    return 0;
  }
  for (const p of protocols) {
    console.log(`${p.proto}  — ${p.summary}`);
    console.log(`  spec ${p.spec}; framing: ${p.frame ? `length field (header ${p.frame.headerSize} bytes, max ${p.frame.maxMessageSize})` : 'by decoding (text)'}`);
    const types = Object.entries(p.typeLabels);
    if (types.length) console.log(`  types: ${types.map(([v, n]) => `${n} (${v})`).join(', ')}`);
    console.log('');
  }
  return 0;
}
