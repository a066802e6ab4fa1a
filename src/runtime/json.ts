/** Conversions between the JSON form (docs/conventions.md) and encoder input, with field paths in errors. */
import { EncodeError } from './errors.ts';
import { fromHex, toHex } from './hex.ts';
import type { TypeInfo } from './types.ts';

export function jsonObject(j: unknown, path: string): Record<string, unknown> {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new EncodeError(path, `expected an object, got ${Array.isArray(j) ? 'array' : j === null ? 'null' : typeof j}`);
  return j as Record<string, unknown>;
}

export function jsonUnknownKeys(j: Record<string, unknown>, known: string[], path: string): void {
  for (const k of Object.keys(j)) {
    if (!known.includes(k)) throw new EncodeError(`${path}.${k}`, `unknown field (known: ${known.filter((x) => !x.endsWith('Name')).join(', ')})`);
  }
}

export function jsonInt(j: unknown, path: string, float = false): number | undefined {
  if (j === undefined) return undefined;
  const v = typeof j === 'string' && j.trim() !== '' ? Number(j) : j;
  if (typeof v !== 'number' || Number.isNaN(v) || (!float && !Number.isInteger(v))) throw new EncodeError(path, `expected ${float ? 'a number' : 'an integer'}, got ${JSON.stringify(j)}`);
  return v;
}

export function jsonBig(j: unknown, path: string): bigint | undefined {
  if (j === undefined) return undefined;
  try {
    if (typeof j === 'number' && Number.isInteger(j)) return BigInt(j);
    if (typeof j === 'string') return BigInt(j);
  } catch {
    /* fall through */
  }
  throw new EncodeError(path, `expected a 64-bit integer (number or decimal string), got ${JSON.stringify(j)}`);
}

export function jsonBytes(j: unknown, path: string): Uint8Array | undefined {
  if (j === undefined) return undefined;
  if (typeof j !== 'string') throw new EncodeError(path, `expected a hex string, got ${JSON.stringify(j)}`);
  try {
    return fromHex(j);
  } catch (e) {
    throw new EncodeError(path, (e as Error).message);
  }
}

export function jsonStr(j: unknown, path: string): string | undefined {
  if (j === undefined) return undefined;
  if (typeof j !== 'string') throw new EncodeError(path, `expected a string, got ${JSON.stringify(j)}`);
  return j;
}

export function jsonBool(j: unknown, path: string): boolean | undefined {
  if (j === undefined) return undefined;
  if (typeof j !== 'boolean') throw new EncodeError(path, `expected true or false, got ${JSON.stringify(j)}`);
  return j;
}

export function jsonArray(j: unknown, path: string): unknown[] {
  if (!Array.isArray(j)) throw new EncodeError(path, `expected a list, got ${JSON.stringify(j)}`);
  return j;
}

/** JSON form of a scalar value (value instances). */
export function jsonScalar(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return String(v);
  return v;
}

/** Index of the descriptor whose field names match the keys of `v` best (-1 if none fits). */
export function pickByShape(v: unknown, infos: readonly { fields: readonly { name: string; kind: string }[] }[]): number {
  if (typeof v !== 'object' || v === null) return -1;
  const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined && !k.endsWith('Name'));
  let best = -1;
  let bestScore = -1;
  infos.forEach((info, k) => {
    const names = new Set(info.fields.filter((f) => f.kind !== 'contents').map((f) => f.name));
    if (!keys.every((key) => names.has(key))) return;
    const score = keys.length;
    if (score > bestScore) (best = k), (bestScore = score);
  });
  return best;
}

/**
 * The JSON form without its derived fields (lengths, counts): what a user writes to get canonical
 * bytes, since the encoder then computes those fields itself. Also drops instances and `…Name` keys.
 */
export function withoutDerived(json: unknown, t: TypeInfo): unknown {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return json;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    const f = t.fields.find((x) => x.name === k);
    if (!f || f.derived) continue;
    const sub = (x: unknown): unknown => {
      if (f.type) return withoutDerived(x, f.type());
      if (f.cases && x && typeof x === 'object') {
        const types = [...f.cases.map((c) => c.type()), ...(f.fallback ? [f.fallback()] : [])];
        const i = pickByShape(x, types);
        return i >= 0 ? withoutDerived(x, types[i]!) : x;
      }
      return x;
    };
    out[k] = Array.isArray(v) ? v.map(sub) : sub(v);
  }
  return out;
}
