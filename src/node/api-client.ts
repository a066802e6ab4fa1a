/**
 * A small gossip API client (the module side of reference/gossip-tum.md §1), used by the demo,
 * the benchmark and the tests. It can answer every NOTIFICATION with a VALIDATION automatically,
 * like the course's `gossip_client.py -n`.
 */
import net from 'node:net';
import { decodeGossipApi, encodeGossipApi, MsgType, protocol as apiProtocol, type GossipApi, type Notification } from '../codecs/gossip/api.gen.ts';
import { FrameReader, FramingError } from '../runtime/index.ts';
import type { HostPort } from './addr.ts';

export interface ReceivedNotification extends Notification {
  /** performance.now() when it arrived. */
  at: number;
}

export interface ApiClientOptions {
  /** Answer each NOTIFICATION with VALIDATION(valid) automatically (default: no answer). */
  autoValidate?: boolean | ((n: Notification) => boolean);
}

export class ApiClient {
  readonly socket: net.Socket;
  readonly notifications: ReceivedNotification[] = [];
  /** Anything received that is not a NOTIFICATION (should stay empty). */
  readonly unexpected: GossipApi[] = [];
  closed = false;
  private readonly reader = new FrameReader(decodeGossipApi, apiProtocol.frame);
  private readonly waiters: { n: number; resolve: () => void }[] = [];
  private readonly closeWaiters: (() => void)[] = [];
  private readonly auto: ApiClientOptions['autoValidate'];
  onNotification: ((n: ReceivedNotification) => void) | null = null;

  private constructor(socket: net.Socket, opts: ApiClientOptions) {
    this.socket = socket;
    this.auto = opts.autoValidate;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  static connect(addr: HostPort, opts: ApiClientOptions = {}): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: addr.host, port: addr.port });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new ApiClient(s, opts));
      });
    });
  }

  notify(dataType: number): void {
    this.write(encodeGossipApi({ type: MsgType.notify, body: { dataType } }));
  }

  announce(dataType: number, data: Uint8Array, ttl = 0): void {
    this.write(encodeGossipApi({ type: MsgType.announce, body: { ttl, dataType, data } }));
  }

  validate(messageId: number, valid: boolean): void {
    this.write(encodeGossipApi({ type: MsgType.validation, body: { messageId, valid } }));
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Resolves once `count` notifications in total have arrived (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs = 5000): Promise<void> {
    if (this.notifications.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`got ${this.notifications.length} of ${count} notifications within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        n: count,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  /** Resolves when the server closes the connection (false after timeoutMs). */
  waitClosed(timeoutMs = 2000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      if (e instanceof FramingError) return void this.socket.destroy();
      throw e;
    }
    for (const f of frames) {
      if (!f.ok || f.value.type !== MsgType.notification) {
        if (f.ok) this.unexpected.push(f.value);
        continue;
      }
      const n = { ...(f.value.body as Notification), at: performance.now() };
      this.notifications.push(n);
      if (this.auto !== undefined && this.auto !== false) this.validate(n.messageId, this.auto === true ? true : this.auto(n));
      this.onNotification?.(n);
    }
    for (let k = this.waiters.length - 1; k >= 0; k--) {
      const w = this.waiters[k]!;
      if (this.notifications.length >= w.n) {
        this.waiters.splice(k, 1);
        w.resolve();
      }
    }
  }
}
