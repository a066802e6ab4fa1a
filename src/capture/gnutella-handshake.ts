// Gnutella connection tracking on reassembled TCP streams: finds the 0.4 and 0.6 handshakes,
// follows each direction from its header blocks into the binary descriptor stream, and
// inflates the directions that announced `Content-Encoding: deflate`
// (reference/gnutella-napster.md sections 1.1 and 1.9).
//
// 0.6: the connecting side sends `GNUTELLA CONNECT/0.6` + headers, the other side answers
// `GNUTELLA/0.6 <code> <text>` + headers, the connecting side confirms with
// `GNUTELLA/0.6 200 OK` + headers; each direction's binary stream starts after its last header
// block, compressed when that block had `Content-Encoding: deflate`.
// 0.4: `GNUTELLA CONNECT/0.4\n\n` / `GNUTELLA OK\n\n`, never compressed.
import type { FlowEvent, TcpFlow } from './flow-table.ts';
import { StreamInflater } from './stream-inflater.ts';

export interface HandshakeBlock {
  /** Start line without its line end. */
  startLine: string;
  /** Header names in lower case; repeated headers joined with ", ", continuation lines unfolded. */
  headers: Record<string, string>;
  /** Stream offset of the block in its direction. */
  offset: number;
  length: number;
  packetIndex: number;
}

export interface HandshakeOutcome {
  version: '0.4' | '0.6';
  accepted: boolean;
  /** Status code of the responder (0.4 "GNUTELLA OK" counts as 200). */
  statusCode: number;
  statusText: string;
  /** Which directions are deflated: [connecting side to responder, responder to connecting side]. */
  deflate: [boolean, boolean];
  /** `gnutella` or `g2` (Content-Type / Accept application/x-gnutella2). */
  protocol: 'gnutella' | 'g2';
  /** Both sides offered `Upgrade: TLS/1.0`. */
  tlsUpgrade: boolean;
}

/** `dir` is the TCP direction of the flow (0 = TCP client to server). */
export type GnutellaEvent =
  /** `raw` is the block's bytes as sent (start line to blank line), for decoding with the `gnutella-handshake` codec. */
  | { kind: 'handshake-block'; flow: TcpFlow; dir: 0 | 1; role: 'connect' | 'response' | 'final'; block: HandshakeBlock; raw: Uint8Array }
  | { kind: 'handshake'; flow: TcpFlow; connectDir: 0 | 1; outcome: HandshakeOutcome; packetIndex: number }
  /**
   * Decoded (inflated when compressed) descriptor-stream bytes. `offset` counts decoded bytes from the
   * end of this direction's last header block; in an uncompressed direction it includes the bytes of
   * earlier non-fatal gaps, so it stays equal to the TCP stream offset minus that header length.
   */
  | { kind: 'stream'; flow: TcpFlow; dir: 0 | 1; offset: number; bytes: Uint8Array; compressed: boolean; packetIndex: number }
  /** Bytes are missing; a deflated direction cannot be decoded past this point. `offset` is where they start. */
  | { kind: 'stream-gap'; flow: TcpFlow; dir: 0 | 1; offset: number; length: number; fatal: boolean; packetIndex: number }
  /** This direction cannot be decoded any further (bad deflate data, TLS, header block too long, ...). */
  /** `text`: the handshake broke; its text seen so far (stream offset, length), and whether that is the peer's fault (else the capture's). */
  | { kind: 'stream-error'; flow: TcpFlow; dir: 0 | 1; reason: string; packetIndex: number; text?: { offset: number; length: number; protocolError: boolean } }
  | { kind: 'stream-end'; flow: TcpFlow; dir: 0 | 1; decodedBytes: number; compressedBytes: number; reason: string; packetIndex: number };

export interface GnutellaTrackerOptions {
  /** Longest header block accepted (default 16 KiB). */
  maxHeaderBytes?: number;
  /** Largest inflated output per direction (default 256 MiB). */
  maxInflatedBytes?: number;
}

type DirMode = 'header' | 'binary' | 'ignore';

interface DirState {
  mode: DirMode;
  text: Uint8Array;
  textStart: number;
  blocks: number;
  inflater: StreamInflater | undefined;
  decoded: number;
  firstBinary: boolean;
  /** The first binary bytes (with their packets), held until there are enough to tell TLS from Gnutella. */
  head: Array<[Uint8Array, number]>;
  headLen: number;
}

/** Bytes needed to recognise TLS: a record header (0x16, version 3.0-3.4, length) and the handshake type. */
const TLS_PROBE = 6;

/** A TLS handshake record (ClientHello or ServerHello) rather than Gnutella descriptors or a zlib stream. */
function looksLikeTls(b: Uint8Array): boolean {
  return b.length >= TLS_PROBE && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04 && (b[5] === 0x01 || b[5] === 0x02);
}

interface Conn {
  phase: 'detect' | 'response' | 'final' | 'done' | 'ignore';
  connectDir: 0 | 1 | undefined;
  version: '0.4' | '0.6';
  dirs: [DirState, DirState];
  response: HandshakeBlock | undefined;
  connect: HandshakeBlock | undefined;
}

const CONNECT = 'GNUTELLA CONNECT/';
const enc = new TextEncoder();
const CONNECT_BYTES = enc.encode(CONNECT);
const RESPONSE_BYTES = enc.encode('GNUTELLA/0.');
const latin1 = new TextDecoder('latin1');

function newDir(): DirState {
  return { mode: 'header', text: new Uint8Array(0), textStart: 0, blocks: 0, inflater: undefined, decoded: 0, firstBinary: true, head: [], headLen: 0 };
}

/** End of a header block: index after "\r\n\r\n" or "\n\n", or -1. */
function blockEnd(b: Uint8Array): number {
  for (let i = 0; i + 1 < b.length; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return i + 2;
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function parseBlock(raw: Uint8Array, offset: number, packetIndex: number): HandshakeBlock {
  const lines = latin1.decode(raw).split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const headers: Record<string, string> = {};
  let last: string | undefined;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && last) { headers[last] += ' ' + line.trim(); continue; }
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    last = name;
  }
  return { startLine, headers, offset, length: raw.length, packetIndex };
}

const hasToken = (v: string | undefined, token: string) => !!v && v.toLowerCase().split(',').some((t) => t.trim().startsWith(token));
const statusOf = (line: string): [number, string] => {
  const m = /^GNUTELLA\/\d+\.\d+\s+(\d{3})\s*(.*)$/.exec(line);
  if (m) return [Number(m[1]), m[2]!];
  if (/^GNUTELLA OK/.test(line)) return [200, 'OK'];
  return [0, line];
};

const isG2Headers = (h: Record<string, string>) => hasToken(h['content-type'], 'application/x-gnutella2') || hasToken(h['accept'], 'application/x-gnutella2');

/** The handshake selects Gnutella2 (G2): the response (and the connect block, when captured) names application/x-gnutella2. */
export function isG2Handshake(connect: HandshakeBlock | undefined, response: HandshakeBlock): boolean {
  return isG2Headers(response.headers) && (connect ? isG2Headers(connect.headers) : true);
}

export class GnutellaTracker {
  private readonly conns = new Map<TcpFlow, Conn>();
  private readonly maxHeader: number;
  private readonly maxInflated: number;

  constructor(o: GnutellaTrackerOptions = {}) {
    this.maxHeader = o.maxHeaderBytes ?? 16 * 1024;
    this.maxInflated = o.maxInflatedBytes ?? 256 * 1024 * 1024;
  }

  /** Feed one flow event (in capture order); returns the Gnutella events it caused. */
  async push(ev: FlowEvent): Promise<GnutellaEvent[]> {
    const out: GnutellaEvent[] = [];
    if (ev.kind === 'open') {
      this.conns.set(ev.flow, { phase: 'detect', connectDir: undefined, version: '0.6', dirs: [newDir(), newDir()], response: undefined, connect: undefined });
      return out;
    }
    const conn = this.conns.get(ev.flow);
    if (!conn) return out;
    const { flow, dir, event } = ev;
    const d = conn.dirs[dir];
    switch (event.kind) {
      case 'data':
        await this.data(conn, flow, dir, event.bytes, event.offset, event.packetIndex, out);
        break;
      case 'gap':
        if (conn.phase === 'ignore' || d.mode === 'ignore') break;
        await this.decideFirstBytes(conn, flow, dir, out);
        if ((d.mode as DirMode) === 'ignore') break; // the held bytes were TLS
        if (d.mode === 'header') {
          d.mode = 'ignore';
          // Reported once the handshake is known to be one (some of its text seen, or under way).
          if (d.text.length > 0 || conn.phase !== 'detect') {
            const text = { offset: d.text.length ? d.textStart : event.offset, length: d.text.length, protocolError: false };
            out.push({ kind: 'stream-error', flow, dir, reason: `handshake bytes missing at offset ${event.offset}; the rest of this direction is not decoded`, packetIndex: event.packetIndex, text });
          }
          if (conn.phase === 'detect') conn.phase = 'ignore';
        } else {
          const fatal = d.inflater !== undefined;
          out.push({ kind: 'stream-gap', flow, dir, offset: d.decoded, length: event.length, fatal, packetIndex: event.packetIndex });
          if (fatal) { d.mode = 'ignore'; d.inflater!.close(); } else d.decoded += event.length;
        }
        break;
      case 'end':
        if (d.mode === 'binary') await this.decideFirstBytes(conn, flow, dir, out);
        if (d.mode === 'binary' || (d.blocks > 0 && d.mode === 'ignore')) {
          out.push({ kind: 'stream-end', flow, dir, decodedBytes: d.decoded, compressedBytes: d.inflater?.inputBytes ?? 0, reason: event.reason, packetIndex: event.packetIndex });
        }
        d.inflater?.close();
        d.mode = 'ignore';
        if (conn.dirs[0].mode === 'ignore' && conn.dirs[1].mode === 'ignore') this.conns.delete(flow);
        break;
      default:
        break;
    }
    return out;
  }

  private async data(conn: Conn, flow: TcpFlow, dir: 0 | 1, bytes: Uint8Array, offset: number, packetIndex: number, out: GnutellaEvent[]): Promise<void> {
    if (conn.phase === 'ignore') return;
    const d = conn.dirs[dir];
    if (d.mode === 'ignore') return;
    if (d.mode === 'binary') { await this.binary(conn, flow, dir, bytes, packetIndex, out); return; }
    if (d.text.length === 0) d.textStart = offset;
    // Header mode: accumulate up to the end of the block.
    const joined = new Uint8Array(d.text.length + bytes.length);
    joined.set(d.text); joined.set(bytes, d.text.length);
    if (conn.phase === 'detect') {
      // The connecting side's `GNUTELLA CONNECT/`, or (capture started after it) a 0.6 response
      // `GNUTELLA/0.` from the other side.
      const isPrefix = (sig: Uint8Array) => {
        const n = Math.min(joined.length, sig.length);
        for (let i = 0; i < n; i++) if (joined[i] !== sig[i]) return false;
        return true;
      };
      if (!isPrefix(CONNECT_BYTES) && !(d.textStart === 0 && isPrefix(RESPONSE_BYTES))) { conn.phase = 'ignore'; return; }
    }
    const end = blockEnd(joined);
    if (end < 0) {
      if (joined.length > this.maxHeader) {
        // The handshake signature matched (or the handshake is under way): a block that does not
        // end is a protocol error, reported with its text's place in the stream.
        d.mode = 'ignore';
        if (conn.phase === 'detect') conn.phase = 'ignore';
        out.push({ kind: 'stream-error', flow, dir, reason: `handshake block longer than ${this.maxHeader} bytes (no empty line ends it)`, packetIndex, text: { offset: d.textStart, length: joined.length, protocolError: true } });
        return;
      }
      d.text = joined;
      return;
    }
    const raw = joined.slice(0, end);
    const block = parseBlock(raw, d.textStart, packetIndex);
    const rest = joined.subarray(end);
    d.text = new Uint8Array(0);
    d.textStart = d.textStart + end;
    d.blocks++;
    if (conn.phase === 'detect' && block.startLine.startsWith('GNUTELLA/0.')) {
      // Response first: the connect block was not captured.
      conn.connectDir = (dir ^ 1) as 0 | 1;
      conn.phase = 'response';
    }
    if (conn.phase === 'detect') {
      conn.connectDir = dir;
      conn.connect = block;
      conn.version = /CONNECT\/0\.4/.test(block.startLine) ? '0.4' : '0.6';
      conn.phase = 'response';
      out.push({ kind: 'handshake-block', flow, dir, role: 'connect', block, raw });
      if (conn.version === '0.4') d.mode = 'binary';
    } else if (conn.phase === 'response' && dir !== conn.connectDir) {
      conn.response = block;
      out.push({ kind: 'handshake-block', flow, dir, role: 'response', block, raw });
      const [code, text] = statusOf(block.startLine);
      if (conn.version === '0.4') {
        d.mode = code === 200 ? 'binary' : 'ignore';
        conn.phase = 'done';
        out.push({ kind: 'handshake', flow, connectDir: conn.connectDir!, outcome: { version: '0.4', accepted: code === 200, statusCode: code, statusText: text, deflate: [false, false], protocol: 'gnutella', tlsUpgrade: false }, packetIndex });
        if (code !== 200) conn.dirs[conn.connectDir!].mode = 'ignore';
      } else if (code === 200) {
        conn.phase = 'final';
        this.startBinary(d, block);
      } else {
        conn.phase = 'done';
        d.mode = 'ignore';
        conn.dirs[conn.connectDir!].mode = 'ignore';
        out.push({ kind: 'handshake', flow, connectDir: conn.connectDir!, outcome: this.outcome(conn, block, false), packetIndex });
      }
    } else if (conn.phase === 'final' && dir === conn.connectDir) {
      out.push({ kind: 'handshake-block', flow, dir, role: 'final', block, raw });
      const [code] = statusOf(block.startLine);
      conn.phase = 'done';
      const accepted = code === 200;
      out.push({ kind: 'handshake', flow, connectDir: conn.connectDir!, outcome: this.outcome(conn, block, accepted), packetIndex });
      if (accepted) this.startBinary(d, block);
      else { d.mode = 'ignore'; conn.dirs[dir ^ 1]!.mode = 'ignore'; }
    } else {
      // A header block where none is expected (e.g. the responder talks first): stop following this side.
      d.mode = 'ignore';
      return;
    }
    if (rest.length > 0) await this.data(conn, flow, dir, rest, d.textStart, packetIndex, out);
  }

  private outcome(conn: Conn, final: HandshakeBlock, accepted: boolean): HandshakeOutcome {
    const r = conn.response!;
    const [code, text] = statusOf(r.startLine);
    return {
      version: '0.6',
      accepted: accepted && code === 200,
      statusCode: code,
      statusText: text,
      deflate: [hasToken(final.headers['content-encoding'], 'deflate') && accepted, hasToken(r.headers['content-encoding'], 'deflate') && code === 200],
      protocol: isG2Handshake(conn.connect, r) ? 'g2' : 'gnutella',
      tlsUpgrade: hasToken(conn.connect?.headers['upgrade'], 'tls') && hasToken(r.headers['upgrade'], 'tls'),
    };
  }

  private startBinary(d: DirState, block: HandshakeBlock): void {
    d.mode = 'binary';
    if (hasToken(block.headers['content-encoding'], 'deflate')) d.inflater = new StreamInflater({ maxOutputBytes: this.maxInflated });
  }

  private async binary(conn: Conn, flow: TcpFlow, dir: 0 | 1, bytes: Uint8Array, packetIndex: number, out: GnutellaEvent[]): Promise<void> {
    const d = conn.dirs[dir];
    if (d.firstBinary && bytes.length > 0) {
      // Hold the first bytes until TLS can be told apart (a single segment may carry one byte).
      d.head.push([bytes, packetIndex]);
      d.headLen += bytes.length;
      if (d.headLen >= TLS_PROBE) await this.decideFirstBytes(conn, flow, dir, out);
      return;
    }
    if (!d.inflater) {
      out.push({ kind: 'stream', flow, dir, offset: d.decoded, bytes, compressed: false, packetIndex });
      d.decoded += bytes.length;
      return;
    }
    const r = await d.inflater.write(bytes);
    for (const chunk of r.output) {
      out.push({ kind: 'stream', flow, dir, offset: d.decoded, bytes: chunk, compressed: true, packetIndex });
      d.decoded += chunk.length;
    }
    if (r.error) {
      d.mode = 'ignore';
      d.inflater.close();
      out.push({ kind: 'stream-error', flow, dir, reason: r.error, packetIndex });
    }
  }

  /**
   * Decide on the held first bytes of a direction: TLS (the rest is not decoded) or Gnutella (the
   * bytes go on, segment by segment). Called with fewer than TLS_PROBE bytes when the direction has
   * a gap or ends: too short for TLS.
   */
  private async decideFirstBytes(conn: Conn, flow: TcpFlow, dir: 0 | 1, out: GnutellaEvent[]): Promise<void> {
    const d = conn.dirs[dir];
    if (!d.firstBinary || d.head.length === 0) return;
    const held = d.head;
    const first = new Uint8Array(Math.min(TLS_PROBE, d.headLen));
    d.firstBinary = false;
    d.head = [];
    d.headLen = 0;
    for (let k = 0, o = 0; o < first.length; k++) {
      const b = held[k]![0].subarray(0, first.length - o);
      first.set(b, o);
      o += b.length;
    }
    if (looksLikeTls(first)) {
      d.mode = 'ignore';
      d.inflater?.close();
      out.push({ kind: 'stream-error', flow, dir, reason: 'stream continues as TLS', packetIndex: held[held.length - 1]![1] });
      return;
    }
    for (const [b, pk] of held) await this.binary(conn, flow, dir, b, pk, out);
  }

  /** Release every inflater (after the flows were flushed). */
  close(): void {
    for (const c of this.conns.values()) for (const d of c.dirs) d.inflater?.close();
    this.conns.clear();
  }
}
