/**
 * `process:` helpers a spec can name. Each has a decode direction (wire -> content) used by
 * decoders and an encode direction used by encoders. Bad input is a DecodeError with code `process`.
 */
import { deflateRawSync, deflateSync, inflateRawSync, inflateSync } from 'node:zlib';
import { DecodeError, EncodeError } from './errors.ts';

/** Upper bound on inflated output, so a small bomb cannot exhaust memory. */
export const MAX_INFLATED_BYTES = 1 << 20;

export function runProcess(name: string, data: Uint8Array, at: number, field: string, ...args: unknown[]): Uint8Array {
  switch (name) {
    case 'xor':
      return xor(data, args[0]);
    case 'zlib':
    case 'peerwire_deflate':
      try {
        return new Uint8Array(name === 'zlib' ? inflateSync(data, { maxOutputLength: MAX_INFLATED_BYTES }) : inflateAny(data));
      } catch (e) {
        throw new DecodeError('process', at, field, `inflate failed: ${(e as Error).message}`);
      }
    case 'peerwire_cobs':
      return cobsDecode(data, at, field);
    default:
      throw new DecodeError('process', at, field, `unknown process '${name}'`);
  }
}

export function unProcess(name: string, data: Uint8Array, field: string, ...args: unknown[]): Uint8Array {
  switch (name) {
    case 'xor':
      return xor(data, args[0]);
    case 'zlib':
      return new Uint8Array(deflateSync(data));
    case 'peerwire_deflate':
      return new Uint8Array(deflateSync(data));
    case 'peerwire_cobs':
      return cobsEncode(data);
    default:
      throw new EncodeError(field, `unknown process '${name}'`);
  }
}

/** GGEP deflate data is zlib-wrapped in practice; accept raw deflate as well. */
function inflateAny(data: Uint8Array): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch {
    return inflateRawSync(data, { maxOutputLength: MAX_INFLATED_BYTES });
  }
}
void deflateRawSync;

function xor(data: Uint8Array, key: unknown): Uint8Array {
  const k = typeof key === 'number' ? new Uint8Array([key]) : key instanceof Uint8Array ? key : new Uint8Array([0]);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) ^ (k[i % k.length] as number);
  return out;
}

/** Consistent Overhead Byte Stuffing decode (GGEP 'COBS' flag): removes all zero bytes on the wire. */
export function cobsDecode(data: Uint8Array, at: number, field: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const code = data[i]!;
    if (code === 0) throw new DecodeError('process', at + i, field, 'COBS data contains a zero byte');
    if (i + code > data.length + 0 && i + code - 1 > data.length) throw new DecodeError('process', at + i, field, `COBS block of ${code - 1} bytes runs past the end`);
    for (let k = 1; k < code; k++) {
      const v = data[i + k];
      if (v === undefined) throw new DecodeError('process', at + i, field, `COBS block of ${code - 1} bytes runs past the end`);
      if (v === 0) throw new DecodeError('process', at + i + k, field, 'COBS data contains a zero byte');
      out.push(v);
    }
    i += code;
    if (code < 0xff && i < data.length) out.push(0);
  }
  return new Uint8Array(out);
}

export function cobsEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [0];
  let codeAt = 0;
  let code = 1;
  for (const v of data) {
    if (v === 0) {
      out[codeAt] = code;
      codeAt = out.length;
      out.push(0);
      code = 1;
    } else {
      out.push(v);
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = out.length;
        out.push(0);
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return new Uint8Array(out);
}
