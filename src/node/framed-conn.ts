/**
 * A TCP connection carrying size-framed gossip messages, with the node's hardening rules:
 * the FrameReader bounds buffering by the 64 KiB message limit, an idle timer (no bytes
 * received), a slow-sender timer (a started message must complete in time) and a bound on
 * queued outgoing bytes (a peer that does not read is disconnected).
 */
import type net from 'node:net';
import { FrameReader, FramingError, type Frame, type FrameSpec, type Decoded } from '../runtime/index.ts';
import { normalizeIp } from './addr.ts';

export interface FramedConnOptions<T> {
  /** One message from bytes[offset, end), like the generated decodeX. */
  decode: (bytes: Uint8Array, offset: number, end: number) => Decoded<T>;
  frame: FrameSpec;
  /** Close when nothing is received for this long (0 = never). */
  idleTimeoutMs: number;
  /** Close when a partial message stays incomplete for this long (0 = never). */
  slowSenderMs: number;
  /** Close when more than this many bytes wait to be written. */
  maxWriteBuffer: number;
}

export interface FramedConnHandlers<T> {
  onFrame(frame: Frame<T>): void;
  onClose(reason: string): void;
}

export class FramedConn<T> {
  readonly socket: net.Socket;
  readonly remote: string;
  readonly remoteHost: string;
  private readonly reader: FrameReader<T>;
  private readonly opts: FramedConnOptions<T>;
  private readonly handlers: FramedConnHandlers<T>;
  private idleTimer: NodeJS.Timeout | null = null;
  private slowTimer: NodeJS.Timeout | null = null;
  private reason: string | null = null;
  private notified = false;
  bytesIn = 0;
  bytesOut = 0;

  constructor(socket: net.Socket, opts: FramedConnOptions<T>, handlers: FramedConnHandlers<T>) {
    this.socket = socket;
    this.opts = opts;
    this.handlers = handlers;
    this.remoteHost = normalizeIp(socket.remoteAddress ?? '?');
    this.remote = `${this.remoteHost}:${socket.remotePort ?? 0}`;
    this.reader = new FrameReader(opts.decode, opts.frame);
    socket.setNoDelay(true);
    if (opts.idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => this.close(`idle for ${opts.idleTimeoutMs} ms`, false), opts.idleTimeoutMs);
      this.idleTimer.unref();
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.reason ??= `socket error ${e.code ?? e.message}`;
    });
    socket.on('end', () => {
      this.reason ??= 'closed by peer';
      socket.end();
    });
    socket.on('close', () => this.finish());
  }

  get closed(): boolean {
    return this.reason !== null || this.socket.destroyed;
  }

  /** Stop the idle timer (e.g. an API connection that subscribed may stay quiet forever). */
  disableIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Bytes of an incomplete message buffered. */
  get pending(): number {
    return this.reader.pending;
  }

  /** Queue one encoded message; false (and the connection is closed) when it cannot be sent. */
  send(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.socket.writableLength + bytes.length > this.opts.maxWriteBuffer) {
      this.close(`peer not reading (${this.socket.writableLength} bytes queued)`, false);
      return false;
    }
    this.bytesOut += bytes.length;
    this.socket.write(bytes);
    return true;
  }

  /** Close with a reason; graceful flushes queued bytes first (bounded by a short grace period). */
  close(reason: string, graceful = true): void {
    if (this.reason === null) this.reason = reason;
    this.clearTimers();
    if (this.socket.destroyed) return this.finish();
    if (graceful) {
      this.socket.end();
      const t = setTimeout(() => this.socket.destroy(), 1000);
      t.unref();
    } else this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.reason !== null) return;
    this.bytesIn += chunk.length;
    this.idleTimer?.refresh();
    let frames: Frame<T>[];
    try {
      frames = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      if (e instanceof FramingError) return this.close(`unframeable stream: ${e.message}`, false);
      throw e;
    }
    for (const f of frames) {
      if (this.reason !== null) return;
      try {
        this.handlers.onFrame(f);
      } catch (e) {
        // A handler bug must cost this connection only, never the process.
        return this.close(`internal error while handling a message: ${e instanceof Error ? e.message : String(e)}`, false);
      }
    }
    if (this.reason !== null) return;
    if (this.reader.pending > 0 && this.opts.slowSenderMs > 0) {
      if (!this.slowTimer) {
        this.slowTimer = setTimeout(() => this.close(`message incomplete after ${this.opts.slowSenderMs} ms (${this.reader.pending} bytes)`, false), this.opts.slowSenderMs);
        this.slowTimer.unref();
      }
    } else if (this.slowTimer) {
      clearTimeout(this.slowTimer);
      this.slowTimer = null;
    }
  }

  private clearTimers(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.idleTimer = this.slowTimer = null;
  }

  private finish(): void {
    this.clearTimers();
    if (this.notified) return;
    if (!this.socket.destroyed) return;
    this.notified = true;
    this.handlers.onClose(this.reason ?? 'closed');
  }
}
