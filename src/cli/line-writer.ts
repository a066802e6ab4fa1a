/**
 * Buffered line output for commands that print millions of lines (dissect --json): lines are
 * encoded straight into a 1 MiB byte buffer (no joined strings), which goes out in one write.
 * A regular file or character device (e.g. /dev/null) is written synchronously with the buffer
 * reused; a pipe or TTY goes through process.stdout with backpressure.
 */
import { fstatSync, writeSync } from 'node:fs';

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
  private buf = Buffer.allocUnsafe(SIZE);
  private n = 0;
  private readonly sync: boolean;
  private readonly fd: number;

  constructor(fd = 1) {
    this.fd = fd;
    // A TTY is a character device too, but process.stdout handles it (and the progress bar shares it).
    this.sync = fd === 1 && !process.stdout.isTTY && isSyncTarget(fd);
  }

  /** Buffers a line; returns a promise only when it had to flush and the target applies backpressure. */
  line(s: string): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (this.n + s.length * 3 + 1 > SIZE) {
      wait = this.flush();
      if (s.length * 3 + 1 > SIZE) {
        const big = Buffer.from(s + '\n', 'utf8');
        return wait ? wait.then(() => this.out(big, big.length)) : this.out(big, big.length);
      }
    }
    this.n += this.buf.write(s, this.n, 'utf8');
    this.buf[this.n++] = 10;
    return wait;
  }

  /** Writes out what is buffered. */
  flush(): Promise<void> | undefined {
    if (this.n === 0) return undefined;
    const n = this.n;
    const b = this.buf;
    this.n = 0;
    // An asynchronous write holds on to its buffer: take a fresh one.
    if (!this.sync) this.buf = Buffer.allocUnsafe(SIZE);
    return this.out(b, n);
  }

  private out(b: Buffer, n: number): Promise<void> | undefined {
    if (this.sync) {
      let off = 0;
      while (off < n) off += writeSync(this.fd, b, off, n - off);
      return undefined;
    }
    if (process.stdout.write(n === b.length ? b : b.subarray(0, n))) return undefined;
    return new Promise<void>((r) => process.stdout.once('drain', r));
  }
}
