/**
 * Byte cursors used by generated codecs. One DataView per buffer; nested types receive
 * offsets, never sub-streams (that allocation is why Kaitai's JS output is slow).
 */
import { DecodeError, EncodeError } from './errors.ts';

/** Read position over one input buffer; `pos` is an absolute index into `b`. Integers up to 32 bits are read bytewise; the DataView is made on first use. */
export class Input {
  readonly b: Uint8Array;
  pos: number;
  private view: DataView | undefined;
  constructor(b: Uint8Array, pos = 0) {
    this.b = b;
    this.pos = pos;
  }
  get dv(): DataView {
    return (this.view ??= new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength));
  }
}

let lastInput: Input | undefined;

/**
 * The Input for a top-level decode. Decoding is synchronous and never re-entered from outside,
 * so the cursor of the previous call is reused when it reads the same buffer (a stream decoded
 * message after message), sparing one allocation per message.
 */
export function inputFor(b: Uint8Array, pos: number): Input {
  const last = lastInput;
  if (last !== undefined && last.b === b) {
    last.pos = pos;
    return last;
  }
  return (lastInput = new Input(b, pos));
}

const views = new WeakMap<Uint8Array, DataView>();

/** A DataView over `b` (64-bit and float writes only; integers up to 32 bits are written bytewise). */
export function dataView(b: Uint8Array): DataView {
  let v = views.get(b);
  if (!v) views.set(b, (v = new DataView(b.buffer, b.byteOffset, b.byteLength)));
  return v;
}

/** Result of a decode: the value and how many bytes it consumed. */
export interface Decoded<T> {
  value: T;
  size: number;
}

/**
 * Throw the end-of-input error for a run of fixed-size fields checked at once.
 * `layout` is [relativeOffset, fieldId, relativeOffset, fieldId, ...]; the error names the first field that does not fit.
 */
export function eofInRun(start: number, end: number, layout: readonly (string | number)[], total: number): never {
  let field = String(layout[1] ?? '');
  let at = start;
  for (let k = 0; k < layout.length; k += 2) {
    const rel = layout[k] as number;
    const next = k + 2 < layout.length ? (layout[k + 2] as number) : total;
    if (start + next > end) {
      field = layout[k + 1] as string;
      at = start + rel;
      break;
    }
  }
  throw new DecodeError('eof', at, field, `needs ${total} bytes from offset ${start}, only ${Math.max(0, end - start)} left`);
}

export function eof(at: number, end: number, field: string, need: number): never {
  throw new DecodeError('eof', at, field, `needs ${need} bytes, only ${Math.max(0, end - at)} left`);
}

/** Index of `term` in b[from, end), or -1. */
export function findByte(b: Uint8Array, from: number, end: number, term: number): number {
  const i = b.indexOf(term, from);
  return i >= 0 && i < end ? i : -1;
}

/** Make sure an encoded integer fits its field; returns it unchanged. */
export function checkUint(v: number, bits: number, field: string): number {
  if (v === undefined || v === null) throw new EncodeError(field, 'is required');
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) {
    throw new EncodeError(field, `${v} does not fit an unsigned ${bits}-bit field`);
  }
  return v;
}

export function checkSint(v: number, bits: number, field: string): number {
  if (v === undefined || v === null) throw new EncodeError(field, 'is required');
  if (!Number.isInteger(v) || v < -(2 ** (bits - 1)) || v > 2 ** (bits - 1) - 1) {
    throw new EncodeError(field, `${v} does not fit a signed ${bits}-bit field`);
  }
  return v;
}

export function checkBigUint(v: bigint, field: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(field, `${String(v)} does not fit u8`);
  return v;
}

export function checkBigSint(v: bigint, field: string): bigint {
  if (typeof v !== 'bigint' || v < -(2n ** 63n) || v > 2n ** 63n - 1n) throw new EncodeError(field, `${String(v)} does not fit s8`);
  return v;
}

export function requireBytes(v: unknown, field: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new EncodeError(field, `expected bytes (Uint8Array), got ${describe(v)}`);
  return v;
}

export function requireValue<T>(v: T | undefined, field: string): T {
  if (v === undefined || v === null) throw new EncodeError(field, 'is required');
  return v;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return `array(${v.length})`;
  return typeof v;
}

/** Kaitai-style integer division and modulo (floor semantics). */
export function idiv(a: number, b: number): number {
  return Math.floor(a / b);
}
export function imod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

export function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const d = (a[k] as number) - (b[k] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A sized field does not fit: negative size, or more than the bytes left. */
export function sizeOut(at: number, end: number, field: string, n: number): never {
  if (!Number.isFinite(n) || n < 0) throw new DecodeError('limit', at, field, `size ${n} is not a valid length`);
  throw new DecodeError('eof', at, field, `size ${n} exceeds the ${Math.max(0, end - at)} bytes left`);
}

/** A repeat count cannot be satisfied by the bytes left (checked before any allocation). */
export function countOut(at: number, end: number, field: string, n: number, minSize: number): never {
  if (!Number.isFinite(n) || n < 0) throw new DecodeError('limit', at, field, `count ${n} is not a valid count`);
  throw new DecodeError('limit', at, field, `count ${n} needs at least ${n * minSize} bytes, only ${Math.max(0, end - at)} left`);
}

export function badValue(at: number, field: string, reason: string): never {
  throw new DecodeError('valid', at, field, reason);
}

export function noTerminator(at: number, end: number, field: string, term: number): never {
  throw new DecodeError('term', at, field, `terminator 0x${term.toString(16).padStart(2, '0')} not found in the ${Math.max(0, end - at)} bytes left`);
}

export function noProgress(at: number, field: string): never {
  throw new DecodeError('consume', at, field, 'repeated element consumed no bytes');
}

/**
 * Element `i` of a list named in a spec expression (`len_chunks[2]`, `.first`, `.last`). A list
 * given to an encoder may be too short for the expression: that is an input error, not a crash.
 */
export function listItem<T>(list: readonly T[], i: number, expr: string): T {
  const v = list[i];
  if (v === undefined) throw new EncodeError('', `${expr}: the list has ${list.length} element(s), no [${i}]`);
  return v;
}

/** listItem while decoding: the input's list is too short for the spec's expression. */
export function listItemAt<T>(list: readonly T[], i: number, expr: string, at: number): T {
  const v = list[i];
  if (v === undefined) throw new DecodeError('valid', at, '', `${expr}: the list has ${list.length} element(s), no [${i}]`);
  return v;
}

export function requireArray<T>(v: readonly T[] | undefined, field: string): readonly T[] {
  if (!Array.isArray(v)) throw new EncodeError(field, `expected a list, got ${describe(v)}`);
  return v;
}

/** Zero-fill (or fill with `pad`) from p up to `to`; returns the new position. */
export function padTo(b: Uint8Array, p: number, to: number, pad: number): number {
  if (to > p) b.fill(pad, p, to);
  return Math.max(p, to);
}

/** Drop trailing `pad` bytes (ksy pad-right). */
export function stripRight(b: Uint8Array, pad: number): Uint8Array {
  let n = b.length;
  while (n > 0 && b[n - 1] === pad) n--;
  return b.subarray(0, n);
}

/** The top of a `_parent` chain (ksy `_root`). */
export function rootOf(ctx: { _parent?: unknown } | undefined): any {
  let c: any = ctx;
  while (c && c._parent) c = c._parent;
  return c;
}
