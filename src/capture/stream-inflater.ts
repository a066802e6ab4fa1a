// Incremental zlib (RFC 1950) inflation of one compressed byte stream, e.g. a Gnutella 0.6
// direction after `Content-Encoding: deflate`. Each `write` returns the bytes the input made
// available (sync flush), so output is in step with the packets. A corrupt stream is reported
// once and the inflater stays failed; it never throws.
import { createInflate, constants, type Inflate } from 'node:zlib';

export interface InflateResult {
  output: Uint8Array[];
  /** Set once the stream is found to be corrupt (or over the output limit). */
  error?: string;
}

export class StreamInflater {
  private readonly z: Inflate;
  private out: Uint8Array[] = [];
  private failed: string | undefined;
  private total = 0;
  private readonly maxOutput: number;
  /** Compressed bytes accepted so far. */
  inputBytes = 0;

  constructor(o: { maxOutputBytes?: number } = {}) {
    this.maxOutput = o.maxOutputBytes ?? 256 * 1024 * 1024;
    this.z = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
    this.z.on('data', (d: Buffer) => {
      this.total += d.length;
      if (this.total > this.maxOutput) {
        this.failed ??= `inflated output exceeds ${this.maxOutput} bytes`;
        this.z.destroy();
        return;
      }
      this.out.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    });
    this.z.on('error', (e: Error) => { this.failed ??= `bad deflate stream: ${e.message}`; });
  }

  get error(): string | undefined { return this.failed; }
  get outputBytes(): number { return this.total; }

  /** Inflate the next compressed bytes. */
  write(bytes: Uint8Array): Promise<InflateResult> {
    if (this.failed) return Promise.resolve({ output: [], error: this.failed });
    this.inputBytes += bytes.length;
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.z.off('error', finish);
        this.z.off('close', finish);
        const output = this.out;
        this.out = [];
        resolve(this.failed ? { output, error: this.failed } : { output });
      };
      this.z.once('error', finish);
      this.z.once('close', finish);
      this.z.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      this.z.flush(constants.Z_SYNC_FLUSH, finish);
    });
  }

  /** Release the zlib handle. */
  close(): void {
    if (!this.z.destroyed) this.z.destroy();
  }
}
