/**
 * `peerwire decode --proto P (--hex H | --file F | stdin)`: JSON Lines, one object per message.
 * Input is a stream of messages; everything well-formed before a malformed message is printed,
 * then one object with `error`, `offset` and `reason`, and the exit code is 1.
 */
import { readFileSync } from 'node:fs';
import { FrameReader, fromHex, PeerwireError } from '../../runtime/index.ts';
import { parseArgs, UsageError } from '../args.ts';
import { findProtocol } from '../protocols.ts';

const HELP = 'usage: peerwire decode --proto <name> (--hex <hex> | --file <path> | < stdin) [--hex-stdin]';

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export async function run(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { proto: 'string', hex: 'string', file: 'string', 'hex-stdin': 'boolean', help: 'boolean' });
  if (a.values.help) {
    console.log(HELP);
    return 0;
  }
  const p = findProtocol(a.values.proto);
  let bytes: Uint8Array;
  if (typeof a.values.hex === 'string') {
    try {
      bytes = fromHex(a.values.hex);
    } catch (e) {
      throw new UsageError(`--hex: ${(e as Error).message}`);
    }
  } else if (typeof a.values.file === 'string') {
    try {
      bytes = new Uint8Array(readFileSync(a.values.file));
    } catch (e) {
      throw new UsageError(`--file: ${(e as Error).message}`);
    }
  } else {
    const raw = await readStdin();
    bytes = a.values['hex-stdin'] ? fromHex(Buffer.from(raw).toString('utf8')) : raw;
  }
  return decodeStream(p, bytes, (line) => console.log(line));
}

/** Decodes a byte stream of messages; returns the exit code. */
export function decodeStream(p: ReturnType<typeof findProtocol>, bytes: Uint8Array, out: (line: string) => void): number {
  const typeField = p.typeField;
  const emit = (value: unknown, offset: number, size: number) => {
    const json = p.codec.toJson(value);
    const typeValue = typeField ? (json[typeField] as number) : null;
    out(JSON.stringify({ proto: p.proto, offset, size, messageType: typeValue === null ? null : { name: p.typeLabels[typeValue] ?? null, value: typeValue }, message: json }));
  };
  const fail = (e: PeerwireError, at: number) => {
    out(JSON.stringify({ proto: p.proto, error: e.code, offset: e.offset >= 0 ? e.offset : at, path: e.path, reason: e.reason }));
    return 1;
  };
  if (p.frame) {
    const r = new FrameReader((b, o, e) => p.codec.decode(b, o, e), p.frame);
    try {
      for (const f of [...r.push(bytes), ...r.end()]) {
        if (!f.ok) return fail(f.error, f.offset);
        emit(f.value, f.offset, f.bytes.length);
      }
    } catch (e) {
      if (e instanceof PeerwireError) return fail(e, r.offset);
      throw e;
    }
    return 0;
  }
  // Text protocols: decode message after message.
  let pos = 0;
  while (pos < bytes.length) {
    try {
      const { value, size } = p.codec.decode(bytes, pos);
      if (size === 0) return fail(new PeerwireError('consume', pos, '', 'message of zero bytes'), pos);
      emit(value, pos, size);
      pos += size;
    } catch (e) {
      if (e instanceof PeerwireError) return fail(e, pos);
      throw e;
    }
  }
  return 0;
}
