// What to decode on a TCP connection or UDP port: "link codecs" built from the generated
// protocol registry, the port map (defaults + `--map`), and content heuristics.
//
// A link codec is one protocol (`gnutella`, `napster`, ...) or several protocols that share one
// message header on one link (`gossip-p2p`: overlay 510-514 + push-pull 504-507 on a P2P
// connection; `gossip`: every gossip family). Messages are framed with the generated FrameSpec;
// the codec for each message is picked by its decoded type field. No layout is read here by
// hand: lengths come from the generated `frameLength`, types from the generated decoders.
import { protocols } from '../codecs/index.gen.ts';
import { DecodeError, PeerwireError, shiftError, type FrameSpec, type ProtocolInfo } from '../runtime/index.ts';

export type Transport = 'tcp' | 'udp';

/** Result of decoding one framed message (never thrown: errors are values). */
export type FrameOutcome =
  | { ok: true; proto: ProtocolInfo; value: unknown }
  | { ok: false; proto: ProtocolInfo; error: PeerwireError };

export interface LinkCodec {
  /** Name users type in `--map` (`gnutella`, `gossip-p2p`, ...). */
  readonly name: string;
  readonly protos: readonly ProtocolInfo[];
  /** Length framing shared by every protocol of the link; null for text protocols. */
  readonly frame: FrameSpec | null;
  readonly maxMessageSize: number;
  /** Decode exactly one framed message, bytes[offset, end) (default: all of `bytes`); error offsets are relative to the message. */
  decodeFrame(bytes: Uint8Array, offset?: number, end?: number): FrameOutcome;
  /** Decode-driven framing (text protocols): throws DecodeError like the generated decoders. */
  decodeText(bytes: Uint8Array, offset?: number, end?: number): { value: unknown; size: number };
  /** A decoded message that looks like real traffic (known type, sane header values); used by detection and resynchronisation. */
  typical(proto: ProtocolInfo, value: unknown): boolean;
  /**
   * Raw bytes that follow a decoded text message and belong to it, by a rule the spec cannot
   * state (P2P-DI: a GetRFC 200 response's file, `length` bytes named inside its JSON); 0: none.
   */
  tailLength(value: unknown): number;
}

const byName = new Map(protocols.map((p) => [p.proto, p]));
const proto = (n: string): ProtocolInfo => {
  const p = byName.get(n);
  if (!p) throw new Error(`protocol ${n} is not in the generated registry`);
  return p;
};

function typeOf(p: ProtocolInfo, value: unknown): number | undefined {
  if (!p.typeField || !value || typeof value !== 'object') return undefined;
  const t = (value as Record<string, unknown>)[p.typeField];
  return typeof t === 'number' ? t : undefined;
}

/** The message's type number and label (label null when the value is not in the enum). */
export function messageType(p: ProtocolInfo, value: unknown): { name: string | null; value: number } | null {
  const t = typeOf(p, value);
  if (t === undefined) return null;
  return { name: p.typeLabels[t] ?? null, value: t };
}

const knownType = (p: ProtocolInfo, value: unknown): boolean => {
  const t = typeOf(p, value);
  return t !== undefined && p.typeLabels[t] !== undefined;
};

function makeLink(name: string, protos: ProtocolInfo[], typical?: (p: ProtocolInfo, v: unknown) => boolean, tail?: (v: unknown) => number): LinkCodec {
  const first = protos[0]!;
  const frame = first.frame;
  if (protos.some((p) => (p.frame === null) !== (frame === null) || (p.frame && frame && p.frame.headerSize !== frame.headerSize))) {
    throw new Error(`link ${name}: protocols with different framing`);
  }
  return {
    name,
    protos,
    frame,
    maxMessageSize: frame ? Math.max(...protos.map((p) => p.frame!.maxMessageSize)) : 65536,
    decodeFrame(bytes: Uint8Array, offset = 0, end = bytes.length): FrameOutcome {
      let fallback: FrameOutcome | undefined;
      const length = end - offset;
      for (const p of protos) {
        let value: unknown, size: number;
        try {
          ({ value, size } = p.codec.decode(bytes, offset, end));
        } catch (e) {
          if (!(e instanceof PeerwireError)) throw e;
          // A codec that cannot even read the shared header speaks for all of them.
          return { ok: false, proto: p, error: shiftError(e, -offset) };
        }
        if (protos.length > 1 && !knownType(p, value)) {
          fallback ??= size === length ? { ok: true, proto: p, value } : { ok: false, proto: p, error: mismatch(length, size) };
          continue;
        }
        if (size !== length) return { ok: false, proto: p, error: mismatch(length, size) };
        return { ok: true, proto: p, value };
      }
      return fallback!;
    },
    decodeText: (bytes, offset, end) => first.codec.decode(bytes, offset, end),
    typical: (p, v) => knownType(p, v) && (typical ? typical(p, v) : true),
    tailLength: tail ?? (() => 0),
  };
}

const mismatch = (n: number, size: number) => new DecodeError('valid', size, '', `message declares ${n} bytes but its fields end after ${size}`);

/** TTL + hops within the usual bounds, and a GUID that is not all zeros (runs of zero bytes would otherwise read as pings). */
const gnutellaTypical = (_p: ProtocolInfo, v: unknown): boolean => {
  const m = v as { ttl?: unknown; hops?: unknown; guid?: unknown };
  if (typeof m.ttl !== 'number' || typeof m.hops !== 'number' || m.ttl + m.hops > 16) return false;
  return m.guid instanceof Uint8Array && m.guid.some((x) => x !== 0);
};

/** P2P-DI (PROTOCOLS.md section 6): a `200` response whose JSON has a `length` member is followed by that many raw file bytes. */
const p2pdiFileLength = (v: unknown): number => {
  const m = v as { command?: unknown; data?: unknown; rest?: Uint8Array };
  if (m.command !== '200' || typeof m.data !== 'string' || !m.data.includes('"length"') || (m.rest?.length ?? 0) > 0) return 0;
  try {
    const n = (JSON.parse(m.data) as { length?: unknown }).length;
    return Number.isSafeInteger(n) && (n as number) > 0 ? (n as number) : 0;
  } catch {
    return 0;
  }
};

const LINKS = new Map<string, LinkCodec>();
for (const p of protocols) {
  LINKS.set(p.proto, makeLink(p.proto, [p], p.proto === 'gnutella' ? gnutellaTypical : undefined, p.proto === 'p2pdi' ? p2pdiFileLength : undefined));
}
LINKS.set('gossip-p2p', makeLink('gossip-p2p', [proto('gossip-overlay'), proto('gossip-pushpull')]));
LINKS.set('gossip', makeLink('gossip', [proto('gossip-api'), proto('gossip-overlay'), proto('gossip-pushpull')]));

/** Names accepted by `--map` (plus `none`: do not decode). */
export function linkNames(): string[] {
  return [...LINKS.keys(), 'none'];
}

export function findLink(name: string): LinkCodec | undefined {
  return LINKS.get(name);
}

export function link(name: string): LinkCodec {
  const l = LINKS.get(name);
  if (!l) throw new Error(`unknown link protocol ${name}`);
  return l;
}

/** Default port assignments (reference/gossip-tum.md: API 7001, P2P 6001; Gnutella 6346; OpenNap 8888/7777). */
export const DEFAULT_PORTS: ReadonlyArray<readonly [Transport, number, string]> = [
  ['tcp', 7001, 'gossip-api'],
  ['tcp', 6001, 'gossip-p2p'],
  ['udp', 6001, 'gossip-overlay'],
  ['tcp', 6346, 'gnutella'],
  ['udp', 6346, 'gnutella'],
  ['tcp', 8888, 'napster'],
  ['tcp', 7777, 'napster'],
];

export class MapSpecError extends Error {}

/** Parse `tcp:PORT=PROTO` or `udp:PORT=PROTO`. */
export function parseMapSpec(spec: string): [Transport, number, string] {
  const m = /^(tcp|udp):(\d{1,5})=([a-z0-9-]+)$/.exec(spec.trim());
  if (!m) throw new MapSpecError(`--map ${JSON.stringify(spec)}: expected tcp:PORT=PROTO or udp:PORT=PROTO`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new MapSpecError(`--map ${JSON.stringify(spec)}: port must be 1..65535`);
  const name = m[3]!;
  if (name !== 'none' && !LINKS.has(name)) throw new MapSpecError(`--map ${JSON.stringify(spec)}: unknown protocol '${name}' (known: ${linkNames().join(', ')})`);
  return [m[1] as Transport, port, name];
}

export interface PortChoice { name: string; explicit: boolean }

/** Port → protocol, explicit entries (`--map`) before the defaults. */
export class PortMap {
  private readonly explicit = new Map<string, string>();
  private readonly defaults = new Map<string, string>();

  constructor(entries: ReadonlyArray<readonly [Transport, number, string]> = [], o: { defaults?: boolean } = {}) {
    if (o.defaults ?? true) for (const [t, p, n] of DEFAULT_PORTS) this.defaults.set(`${t}:${p}`, n);
    for (const [t, p, n] of entries) this.explicit.set(`${t}:${p}`, n);
  }

  /** `serverPort` is looked up before `clientPort` (for UDP: destination before source). */
  lookup(t: Transport, serverPort: number, clientPort: number): { explicit: PortChoice | undefined; fallback: PortChoice | undefined } {
    const e = this.explicit.get(`${t}:${serverPort}`) ?? this.explicit.get(`${t}:${clientPort}`);
    const d = this.defaults.get(`${t}:${serverPort}`) ?? this.defaults.get(`${t}:${clientPort}`);
    return { explicit: e === undefined ? undefined : { name: e, explicit: true }, fallback: d === undefined ? undefined : { name: d, explicit: false } };
  }
}

/**
 * Link codecs tried, in order, by the content heuristic. Napster is not among them: its 4-byte
 * little-endian header with ~100 known types matches too much other traffic (DNS, DHCP,
 * BitTorrent were taken for Napster on the real capture); use its ports or `--map`.
 */
export const HEURISTIC_LINKS: readonly string[] = ['gossip', 'gnutella', 'p2pdi'];

export type Probe = { verdict: 'yes'; size: number; outcome: FrameOutcome & { ok: true } } | { verdict: 'no' } | { verdict: 'more' };

/**
 * Does a typical message of `l` start at b[p]? `more` when the bytes end first (and `final` is
 * false). Used by the content heuristic and by resynchronisation after gaps.
 */
export function probe(l: LinkCodec, b: Uint8Array, p: number, end: number, final: boolean): Probe {
  const f = l.frame;
  if (!f) return l.name === 'p2pdi' ? probeP2pdi(l, b, p, end, final) : { verdict: 'no' };
  if (end - p < f.headerSize) return final ? { verdict: 'no' } : { verdict: 'more' };
  const n = f.frameLength(b, p);
  if (!Number.isInteger(n) || n < f.headerSize || n > l.maxMessageSize) return { verdict: 'no' };
  if (end - p < n) return final ? { verdict: 'no' } : { verdict: 'more' };
  const o = l.decodeFrame(b, p, p + n);
  if (!o.ok || !l.typical(o.proto, o.value)) return { verdict: 'no' };
  return { verdict: 'yes', size: n, outcome: o };
}

// The header line's first two fields and what the spec allows in them (its `valid` rules).
const p2pdiField = (id: string) => proto('p2pdi').codec.info.fields.find((f) => f.id === id)!.valid!;
const P2PDI_COMMANDS = (p2pdiField('command').anyOf ?? []).map(String);
const P2PDI_VERSION = `${String(p2pdiField('version').eq)} `;

/**
 * P2P-DI, a text protocol, is recognised by its header line: a command or status, then
 * `P2P-DI/1.0` (the spec's `valid` rules make that exact), and the whole message must decode.
 * `more` only while the bytes can still become such a line, so other traffic is not held.
 */
function probeP2pdi(l: LinkCodec, b: Uint8Array, p: number, end: number, final: boolean): Probe {
  const n = Math.min(end - p, 32);
  let head = '';
  for (let i = 0; i < n; i++) head += String.fromCharCode(b[p + i]!);
  const sp = head.indexOf(' ');
  const word = sp < 0 ? head : head.slice(0, sp);
  const after = head.slice(sp + 1);
  const plausible = sp < 0
    ? P2PDI_COMMANDS.some((c) => c.startsWith(word))
    : P2PDI_COMMANDS.includes(word) && (P2PDI_VERSION.startsWith(after) || after.startsWith(P2PDI_VERSION));
  if (!plausible) return { verdict: 'no' };
  try {
    const { value, size } = l.decodeText(b.subarray(p, end), 0);
    return { verdict: 'yes', size, outcome: { ok: true, proto: l.protos[0]!, value } };
  } catch (e) {
    if (!(e instanceof PeerwireError)) throw e;
    const waiting = e instanceof DecodeError && (e.code === 'eof' || e.code === 'term');
    return waiting && !final && end - p < l.maxMessageSize ? { verdict: 'more' } : { verdict: 'no' };
  }
}

/**
 * Content heuristic on the first bytes of a stream (`final`: no more bytes will come) or on one
 * datagram (`datagram`: it must be exactly one message): which link codec fits.
 */
export function detect(b: Uint8Array, final: boolean, o: { datagram?: boolean; candidates?: readonly string[] } = {}): { link: LinkCodec } | 'more' | 'no' {
  const candidates = o.candidates ?? HEURISTIC_LINKS;
  let more = false;
  for (const name of candidates) {
    const l = LINKS.get(name);
    if (!l) continue;
    const r = probe(l, b, 0, b.length, final);
    if (r.verdict === 'yes') {
      if (o.datagram ? r.size !== b.length : final && r.size !== b.length && l.frame !== null && !isStreamTail(l, b, r.size)) continue;
      return { link: pickNarrow(l, r.outcome.proto) };
    }
    if (r.verdict === 'more') more = true;
  }
  return more ? 'more' : 'no';
}

/** After the first message of a finished stream, the next one must start plausibly too. */
function isStreamTail(l: LinkCodec, b: Uint8Array, at: number): boolean {
  const f = l.frame!;
  if (b.length - at < f.headerSize) return false;
  const n = f.frameLength(b, at);
  return Number.isInteger(n) && n >= f.headerSize && n <= l.maxMessageSize;
}

/** `gossip` matched: keep the API alone when it was an API message, else the P2P pair. */
function pickNarrow(l: LinkCodec, p: ProtocolInfo): LinkCodec {
  if (l.name !== 'gossip') return l;
  return p.proto === 'gossip-api' ? link('gossip-api') : link('gossip-p2p');
}

const GNUTELLA = new TextEncoder().encode('GNUTELLA');
/** `yes` when bytes start with `GNUTELLA` (a 0.4/0.6 handshake line), `more` when they are a shorter prefix of it. */
export function gnutellaText(b: Uint8Array): 'yes' | 'no' | 'more' {
  const n = Math.min(b.length, GNUTELLA.length);
  for (let i = 0; i < n; i++) if (b[i] !== GNUTELLA[i]) return 'no';
  return n === GNUTELLA.length ? 'yes' : 'more';
}

/** Gnutella2 (G2) UDP datagrams start with "GND" (not decoded: no spec). */
export function isG2Datagram(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x47 && b[1] === 0x4e && b[2] === 0x44;
}
