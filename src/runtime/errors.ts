/** Error types shared by every generated codec. See docs/conventions.md#errors. */

export type DecodeErrorCode = 'eof' | 'valid' | 'term' | 'limit' | 'encoding' | 'process' | 'consume';

/** Base of all peerwire codec errors: where (byte offset, dotted field path) and why. */
export class PeerwireError extends Error {
  readonly code: string;
  /** Absolute byte offset in the decoded buffer (-1 when not applicable, e.g. encode). */
  readonly offset: number;
  /** Dotted ksy field path from the root type, e.g. `gossip_api.body.data_type`. */
  path: string;
  readonly reason: string;
  constructor(code: string, offset: number, path: string, reason: string) {
    super();
    this.code = code;
    this.offset = offset;
    this.path = path;
    this.reason = reason;
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }

  override get message(): string {
    const where = this.offset >= 0 ? ` at byte ${this.offset}` : '';
    return `${this.path || '(root)'}${where}: ${this.reason}`;
  }

  /** Prefix the path with the enclosing field (used while unwinding nested reads). */
  within(prefix: string): this {
    this.path = this.path ? `${prefix}.${this.path}` : prefix;
    return this;
  }
}

/** The bytes are not a valid message (or end too early). Decoders throw nothing else. */
export class DecodeError extends PeerwireError {
  declare readonly code: DecodeErrorCode;
  constructor(code: DecodeErrorCode, offset: number, path: string, reason: string) {
    super(code, offset, path, reason);
  }
}

/** The same error with its byte offset moved by `by` (to another origin: stream, message start). */
export function shiftError(e: PeerwireError, by: number): PeerwireError {
  if (e instanceof DecodeError && by !== 0) return new DecodeError(e.code, e.offset >= 0 ? e.offset + by : e.offset, e.path, e.reason);
  return e;
}

/** A value given to an encoder does not fit its field. */
export class EncodeError extends PeerwireError {
  constructor(path: string, reason: string) {
    super('encode', -1, path, reason);
  }
}

/** Prefix an error thrown by a nested read/write with the field that contains it (anything else passes untouched): `throw within(e, 'body')`. */
export function within(e: unknown, prefix: string): unknown {
  return e instanceof PeerwireError ? e.within(prefix) : e;
}
