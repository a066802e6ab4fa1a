/**
 * Stream framing: split a TCP byte stream into messages, whatever the chunk boundaries.
 * Length-prefixed protocols use the FrameSpec generated from the header; others (text lines)
 * are framed by decoding: a decode that ends in `eof`/`term` waits for more bytes.
 * The maximum message size is enforced before buffering.
 */
import { DecodeError, PeerwireError, shiftError } from './errors.ts';
import type { Decoded } from './io.ts';
import type { FrameSpec } from './types.ts';

/** One message cut from the stream: its value or its error, its stream offset and size, and its bytes. */
export type Frame<T> = ({ ok: true; value: T; error?: undefined } | { ok: false; error: PeerwireError; value?: undefined }) & {
  /** Stream offset of the message's first byte. */
  readonly offset: number;
  readonly size: number;
  /** The message's bytes (a view, made when asked for). */
  readonly bytes: Uint8Array;
};

/** A frame that views its bytes in the buffer it was decoded from (no view is made per message). */
class FrameAt<T> {
  readonly ok: boolean;
  readonly value: T | undefined;
  readonly error: PeerwireError | undefined;
  readonly offset: number;
  readonly size: number;
  private readonly src: Uint8Array;
  private readonly start: number;

  constructor(ok: boolean, value: T | undefined, error: PeerwireError | undefined, offset: number, size: number, src: Uint8Array, start: number) {
    this.ok = ok;
    this.value = value;
    this.error = error;
    this.offset = offset;
    this.size = size;
    this.src = src;
    this.start = start;
  }

  get bytes(): Uint8Array {
    return this.src.subarray(this.start, this.start + this.size);
  }
}

function frameAt<T>(ok: boolean, value: T | undefined, error: PeerwireError | undefined, offset: number, size: number, src: Uint8Array, start: number): Frame<T> {
  return new FrameAt(ok, value, error, offset, size, src, start) as unknown as Frame<T>;
}

/** The stream cannot be split any more (a length field out of range, or a message over the limit). */
export class FramingError extends DecodeError {}

export interface FrameReaderOptions {
  /** Largest message accepted (default: the spec's maximum). */
  maxMessageSize?: number;
}

export class FrameReader<T> {
  private buf = new Uint8Array(0);
  private len = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private failed: FramingError | null = null;
  readonly maxMessageSize: number;

  private readonly decode: (bytes: Uint8Array, offset: number, end: number) => Decoded<T>;
  private readonly frame: FrameSpec | null;

  /** `decode(bytes, offset, end)`: one message from bytes[offset, end), like the generated decodeX. */
  constructor(decode: (bytes: Uint8Array, offset: number, end: number) => Decoded<T>, frame: FrameSpec | null, opts: FrameReaderOptions = {}) {
    this.decode = decode;
    this.frame = frame;
    this.maxMessageSize = opts.maxMessageSize ?? frame?.maxMessageSize ?? 65536;
  }

  /** Bytes buffered and not yet part of a complete message. */
  get pending(): number {
    return this.len;
  }

  /** Stream offset of the next byte to frame. */
  get offset(): number {
    return this.base;
  }

  /**
   * Add a chunk; returns the messages it completes (decoded, or with their DecodeError).
   * Throws FramingError when the stream is desynchronised; the reader then stays failed.
   * Messages that lie wholly inside the chunk are decoded in place (zero-copy): their values and
   * `bytes` view the chunk, so do not reuse a chunk's memory after pushing it.
   */
  push(chunk: Uint8Array): Frame<T>[] {
    if (this.failed) throw this.failed;
    const out: Frame<T>[] = [];
    if (this.len === 0) {
      const used = this.scan(chunk, chunk.length, false, out);
      this.base += used;
      if (used < chunk.length) this.append(chunk.subarray(used));
      return out;
    }
    this.append(chunk);
    this.consume(this.scan(this.buf, this.len, true, out));
    return out;
  }

  /** Frames src[0, end); `copy` when src is the reader's own buffer (it is overwritten later). Returns the bytes used. */
  private scan(src: Uint8Array, end: number, copy: boolean, out: Frame<T>[]): number {
    let p = 0;
    for (;;) {
      const avail = end - p;
      if (avail === 0) break;
      const n = this.frame ? this.lengthAt(src, p, avail) : this.decodeLength(src, p, end, copy, out);
      if (n < 0) break;
      if (this.frame) {
        // Decoded in place; a message in the reader's own buffer is copied out first (the buffer is reused).
        const bytes = copy ? src.slice(p, p + n) : src;
        const at = copy ? 0 : p;
        const offset = this.base + p;
        try {
          const { value, size } = this.decode(bytes, at, at + n);
          if (size !== n) out.push(frameAt<T>(false, undefined, new DecodeError('valid', offset + size, '', `message declares ${n} bytes but its fields end after ${size}`), offset, n, bytes, at));
          else out.push(frameAt(true, value, undefined, offset, n, bytes, at));
        } catch (e) {
          if (!(e instanceof PeerwireError)) throw e;
          out.push(frameAt<T>(false, undefined, shiftError(e, offset - at), offset, n, bytes, at));
        }
      }
      p += n;
    }
    return p;
  }

  /** Call at end of stream: leftover bytes are a truncated message. */
  end(): Frame<T>[] {
    if (this.failed || this.len === 0) return [];
    const bytes = this.buf.slice(0, this.len);
    const err = new DecodeError('eof', this.base, '', `stream ended inside a message (${this.len} bytes buffered)`);
    this.consume(this.len);
    return [frameAt<T>(false, undefined, err, this.base - bytes.length, bytes.length, bytes, 0)];
  }

  private lengthAt(src: Uint8Array, p: number, avail: number): number {
    const f = this.frame!;
    if (avail < f.headerSize) return -1;
    const n = f.frameLength(src, p);
    if (!Number.isInteger(n) || n < f.headerSize || n > this.maxMessageSize) {
      this.failed = new FramingError('limit', this.base + p, '', `frame length ${n} is outside ${f.headerSize}..${this.maxMessageSize}; stream desynchronised`);
      throw this.failed;
    }
    return avail < n ? -1 : n;
  }

  /** Decode-driven framing for protocols without a length header. */
  private decodeLength(src: Uint8Array, p: number, end: number, copy: boolean, out: Frame<T>[]): number {
    const avail = end - p;
    const view = src.subarray(p, end);
    try {
      const first = this.decode(view, 0, view.length);
      const size = first.size;
      if (size === 0) throw new FramingError('consume', this.base + p, '', 'message of zero bytes');
      // Values must not view the reader's own buffer (it is overwritten): decode an exact copy.
      const bytes = copy ? view.slice(0, size) : view;
      out.push(frameAt(true, copy ? this.decode(bytes, 0, size).value : first.value, undefined, this.base + p, size, bytes, 0));
      return size;
    } catch (e) {
      if (e instanceof FramingError) throw (this.failed = e);
      if (!(e instanceof PeerwireError)) throw e;
      const wait = e instanceof DecodeError && (e.code === 'eof' || e.code === 'term');
      if (wait && avail < this.maxMessageSize) return -1;
      this.failed = new FramingError(wait ? 'limit' : e.code as 'valid', this.base + p + Math.max(0, e.offset), e.path, wait ? `no complete message within ${this.maxMessageSize} bytes` : e.reason);
      throw this.failed;
    }
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      // Never buffer more than one maximal message plus the new chunk.
      const cap = Math.max(this.len + chunk.length, Math.min(this.buf.length * 2, this.maxMessageSize + chunk.length), 256);
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  private consume(n: number): void {
    if (n === 0) return;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.base += n;
  }
}
