/**
 * One TCP link between two gossip nodes. It carries overlay (510–514) and push-pull (504–507)
 * messages with the shared 4-byte header: frames are cut by `size`, then decoded by the
 * generated codec for their type range. The initiator sends CONNECT (its id) and PUSH (its P2P
 * server address) first; the acceptor answers the same way, so both sides know each other's
 * id and listening address. A link not CONNECTed within the handshake time is closed.
 */
import type net from 'node:net';
import { decodeGossipOverlay, encodeGossipOverlay, protocol as overlayProtocol, type GossipOverlay, type GossipOverlayInit } from '../codecs/gossip/overlay.gen.ts';
import { decodeGossipPushpull, encodeGossipPushpull, type GossipPushpull, type GossipPushpullInit } from '../codecs/gossip/pushpull.gen.ts';
import type { Decoded, Frame } from '../runtime/index.ts';
import { formatHostPort, type HostPort } from './addr.ts';
import { FramedConn } from './framed-conn.ts';

export type P2PMessage = GossipOverlay | GossipPushpull;

/** Decode one P2P message: overlay codec for 510–514, push-pull codec otherwise (unknown types keep raw bytes). */
export function decodeP2P(bytes: Uint8Array, offset = 0, end = bytes.length): Decoded<P2PMessage> {
  const type = end >= offset + 4 ? (bytes[offset + 2]! << 8) | bytes[offset + 3]! : -1;
  return type >= 510 && type <= 514 ? decodeGossipOverlay(bytes, offset, end) : decodeGossipPushpull(bytes, offset, end);
}

export function isOverlayType(type: number): boolean {
  return type >= 510 && type <= 514;
}

export interface P2PLinkOptions {
  idleTimeoutMs: number;
  slowSenderMs: number;
  handshakeTimeoutMs: number;
  maxWriteBuffer: number;
}

export interface P2PLinkHandlers {
  onMessage(link: P2PLink, msg: P2PMessage): void;
  onMalformed(link: P2PLink, reason: string): void;
  onClose(link: P2PLink, reason: string): void;
}

let nextLinkId = 1;

export class P2PLink {
  readonly id = nextLinkId++;
  readonly outbound: boolean;
  readonly conn: FramedConn<P2PMessage>;
  /** The remote node's bootstrap-assigned id, once its CONNECT arrived. */
  remoteId: number | null = null;
  /** The remote node's P2P server address: the dialled address, or the one its PUSH announced. */
  listenAddr: HostPort | null;
  /** CONNECT received from the remote side. */
  established = false;
  /** We sent DISCONNECT or received it. */
  disconnecting = false;
  readonly openedAt = Date.now();
  /** When this link's last PULL was answered (rate limit). */
  lastPullServedAt = 0;
  private handshakeTimer: NodeJS.Timeout | null = null;

  constructor(socket: net.Socket, outbound: boolean, target: HostPort | null, opts: P2PLinkOptions, handlers: P2PLinkHandlers) {
    this.outbound = outbound;
    this.listenAddr = target;
    this.conn = new FramedConn<P2PMessage>(
      socket,
      { decode: decodeP2P, frame: overlayProtocol.frame!, idleTimeoutMs: opts.idleTimeoutMs, slowSenderMs: opts.slowSenderMs, maxWriteBuffer: opts.maxWriteBuffer },
      {
        onFrame: (f: Frame<P2PMessage>) => {
          if (!f.ok) return handlers.onMalformed(this, f.error.message);
          handlers.onMessage(this, f.value);
        },
        onClose: (reason) => {
          if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
          handlers.onClose(this, reason);
        },
      },
    );
    if (opts.handshakeTimeoutMs > 0) {
      this.handshakeTimer = setTimeout(() => {
        if (!this.established) this.close(`no CONNECT within ${opts.handshakeTimeoutMs} ms`, false);
      }, opts.handshakeTimeoutMs);
      this.handshakeTimer.unref();
    }
  }

  /** Key of the remote P2P server address, or null while unknown. */
  get key(): string | null {
    return this.listenAddr ? formatHostPort(this.listenAddr) : null;
  }

  get label(): string {
    return `${this.outbound ? '→' : '←'}${this.key ?? this.conn.remote}${this.remoteId !== null ? `#${this.remoteId}` : ''}`;
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  markEstablished(remoteId: number): void {
    this.remoteId = remoteId;
    this.established = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  sendOverlay(msg: GossipOverlayInit): boolean {
    return this.conn.send(encodeGossipOverlay(msg));
  }

  sendPushpull(msg: GossipPushpullInit): boolean {
    return this.conn.send(encodeGossipPushpull(msg));
  }

  /** Send pre-encoded bytes (one message encoded once for many links). */
  sendRaw(bytes: Uint8Array): boolean {
    return this.conn.send(bytes);
  }

  close(reason: string, graceful = true): void {
    this.conn.close(reason, graceful);
  }
}
