/** Protocol lookup for the CLI: `--proto` names from the generated registry. */
import { protocols } from '../codecs/index.gen.ts';
import type { ProtocolInfo } from '../runtime/index.ts';
import { UsageError } from './args.ts';

export function findProtocol(name: unknown): ProtocolInfo {
  if (typeof name !== 'string' || !name) throw new UsageError(`--proto is required (one of: ${protocols.map((p) => p.proto).join(', ')})`);
  const p = protocols.find((x) => x.proto === name);
  if (!p) throw new UsageError(`unknown protocol '${name}' (known: ${protocols.map((x) => x.proto).join(', ')})`);
  return p;
}

export { protocols };
