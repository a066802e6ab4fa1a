/**
 * JSON text written straight into a byte buffer: the generated `writeJsonX` functions and the
 * dissector's --json records use it, so millions of messages become UTF-8 JSON without building
 * strings, objects or hex strings first. Every method reserves its own room; the buffer grows.
 * What it writes equals JSON.stringify of the conventions JSON form (docs/conventions.md).
 */

const HEX_DIGITS = new Uint8Array(512);
for (let k = 0; k < 256; k++) {
  const s = k.toString(16).padStart(2, '0');
  HEX_DIGITS[2 * k] = s.charCodeAt(0);
  HEX_DIGITS[2 * k + 1] = s.charCodeAt(1);
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const QUOTE = 34, BACKSLASH = 92, COMMA = 44, OPEN_BRACE = 123;

export class JsonWriter {
  buf: Uint8Array;
  /** Bytes written so far (buf[0, n)). */
  n = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for k more bytes. */
  reserve(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  /** Text known to be ASCII and to need no escaping (keys, punctuation, numbers, labels). */
  ascii(s: string): void {
    this.reserve(s.length);
    const b = this.buf;
    let n = this.n;
    for (let k = 0; k < s.length; k++) b[n++] = s.charCodeAt(k);
    this.n = n;
  }

  /** Bytes of JSON text made earlier (e.g. cached with asciiBytes). */
  raw(v: Uint8Array): void {
    const len = v.length;
    this.reserve(len);
    if (len > 32) this.buf.set(v, this.n);
    else for (let k = 0, b = this.buf, n = this.n; k < len; k++) b[n + k] = v[k]!;
    this.n += len;
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.n++] = c;
  }

  /** A comma unless the object just opened (keys whose presence is known only at run time). */
  comma(): void {
    if (this.buf[this.n - 1] !== OPEN_BRACE) this.byte(COMMA);
  }

  /** An integer (decoded integer fields are always safe integers). */
  int(x: number): void {
    if (x < 0 || x >= 1e15 || x !== Math.floor(x)) return this.ascii(JSON.stringify(x));
    this.reserve(16);
    const b = this.buf;
    if (x < 10) {
      b[this.n++] = 48 + x;
      return;
    }
    let digits = 1;
    for (let p = 10; p <= x; p *= 10) digits++;
    let e = (this.n += digits);
    if (x < 0x80000000) {
      // Small integer arithmetic (most fields are 8..32 bits wide).
      let y = x | 0;
      while (y >= 10) {
        const q = (y / 10) | 0;
        b[--e] = 48 + y - q * 10;
        y = q;
      }
      b[--e] = 48 + y;
      return;
    }
    while (x >= 10) {
      const q = Math.floor(x / 10);
      b[--e] = 48 + x - q * 10;
      x = q;
    }
    b[--e] = 48 + x;
  }

  /** A float: non-finite values become null, as in JSON.stringify. */
  num(x: number): void {
    if (Number.isInteger(x)) this.int(x);
    else this.ascii(Number.isFinite(x) ? '' + x : 'null');
  }

  bool(x: boolean): void {
    this.ascii(x ? 'true' : 'false');
  }

  /** A 64-bit integer, as a decimal string (JSON numbers lose precision past 2^53). */
  big(x: bigint): void {
    this.ascii('"' + x + '"');
  }

  /** Bytes as a quoted lowercase hex string. */
  hex(v: Uint8Array): void {
    const len = v.length;
    this.reserve(2 * len + 2);
    const b = this.buf;
    let n = this.n;
    b[n++] = QUOTE;
    for (let k = 0; k < len; k++) {
      const i = v[k]! << 1;
      b[n++] = HEX_DIGITS[i]!;
      b[n++] = HEX_DIGITS[i + 1]!;
    }
    b[n++] = QUOTE;
    this.n = n;
  }

  /** A JSON string, escaped exactly as JSON.stringify does. */
  str(s: string): void {
    this.reserve(s.length + 2);
    const b = this.buf;
    let n = this.n;
    b[n++] = QUOTE;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      // Anything outside printable ASCII, or a quote or backslash: let JSON.stringify decide.
      if (c < 32 || c > 126 || c === QUOTE || c === BACKSLASH) return this.utf8(JSON.stringify(s));
      b[n++] = c;
    }
    b[n++] = QUOTE;
    this.n = n;
  }

  /** An enum label (labels are identifiers), or null for a value the enum does not name. */
  label(l: string | undefined): void {
    if (l === undefined) return this.ascii('null');
    this.byte(QUOTE);
    this.ascii(l);
    this.byte(QUOTE);
  }

  /** A value instance, as jsonScalar + JSON.stringify would write it. */
  scalar(v: unknown): void {
    if (typeof v === 'number') this.num(v);
    else if (typeof v === 'boolean') this.bool(v);
    else if (v instanceof Uint8Array) this.hex(v);
    else if (typeof v === 'bigint') this.big(v);
    else if (typeof v === 'string') this.str(v);
    else this.utf8(JSON.stringify(v) ?? 'null');
  }

  /** Any text, UTF-8 encoded. */
  utf8(s: string): void {
    this.reserve(s.length * 3);
    this.n += utf8.encodeInto(s, this.buf.subarray(this.n)).written;
  }

  /** The text written so far. */
  text(): string {
    return utf8Decoder.decode(this.buf.subarray(0, this.n));
  }
}

/** The bytes of an ASCII text, for JsonWriter.raw. */
export function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) b[k] = s.charCodeAt(k);
  return b;
}

const scratch = new JsonWriter();

/** JSON text of a value from its generated `writeJsonX` (the codecs' `toJsonText`). */
export function jsonText<T>(write: (v: T, w: JsonWriter) => void, v: T): string {
  const w = scratch;
  w.n = 0;
  write(v, w);
  const s = w.text();
  // Do not keep a buffer grown by one huge message.
  if (w.buf.length > 1 << 20) w.buf = new Uint8Array(1 << 16);
  return s;
}
