/**
 * Buffered line output for commands that print millions of lines (dissect --json): lines are
 * written straight into a byte buffer (a JsonWriter; no joined strings), which goes out in one
 * write once 1 MiB is waiting.
 * A regular file or character device (e.g. /dev/null) is written synchronously with the buffer
 * reused; a pipe or TTY goes through process.stdout with backpressure.
 */
import { fstatSync, writeSync } from 'node:fs';
import { JsonWriter } from '../runtime/json-writer.ts';

const SIZE = 1 << 20;

function isSyncTarget(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFile() || st.isCharacterDevice();
  } catch {
    return false;
  }
}

export class LineWriter {
  /** Lines are written into this buffer (by `line` or straight into it, ended with `endLine`). */
  readonly w = new JsonWriter(SIZE + (SIZE >> 2));
  private readonly sync: boolean;
  private readonly fd: number;

  constructor(fd = 1) {
    this.fd = fd;
    // A TTY is a character device too, but process.stdout handles it (and the progress bar shares it).
    this.sync = fd === 1 && !process.stdout.isTTY && isSyncTarget(fd);
  }

  /** Buffers a line; returns a promise only when it had to flush and the target applies backpressure. */
  line(s: string): Promise<void> | undefined {
    this.w.utf8(s);
    return this.endLine();
  }

  /** Ends the line written into `w`; flushes once a buffer's worth is waiting. */
  endLine(): Promise<void> | undefined {
    this.w.byte(10);
    return this.w.n >= SIZE ? this.flush() : undefined;
  }

  /** Writes out what is buffered. */
  flush(): Promise<void> | undefined {
    const w = this.w;
    if (w.n === 0) return undefined;
    const b = w.buf, n = w.n;
    w.n = 0;
    // An asynchronous write holds on to its buffer: take a fresh one. Drop one grown by a huge line.
    if (!this.sync || b.length > 4 * SIZE) w.buf = new Uint8Array(SIZE + (SIZE >> 2));
    return this.out(b, n);
  }

  private out(b: Uint8Array, n: number): Promise<void> | undefined {
    if (this.sync) {
      let off = 0;
      while (off < n) off += writeSync(this.fd, b, off, n - off);
      return undefined;
    }
    if (process.stdout.write(n === b.length ? b : b.subarray(0, n))) return undefined;
    return new Promise<void>((r) => process.stdout.once('drain', r));
  }
}
