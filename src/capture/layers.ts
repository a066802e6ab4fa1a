// The per-packet layer decoding used by the dissector, behind one small interface.
//
// The layouts are specified in spec/capture/*.ksy. Once `npm run codegen` produces
// src/codecs/capture/*.gen.ts, `codecLayers` (to be written next to `minimalLayers`) maps the
// generated decoders' results onto the shapes below and replaces `minimalLayers` as the
// default; nothing else in src/capture reads packet headers.
//
// TEMPORARY: `minimalLayers` is a minimal hand-written adapter that reads only the header
// fields the dissector needs. It exists because the peerwire compiler is not ready yet; it is
// checked against the official Kaitai compiler's output for the same .ksy files in
// test/capture/layers.test.ts and must be deleted when the generated codecs land.

/** A layer could not be decoded. `offset` is relative to the bytes given to that layer. */
export class LayerError extends Error {
  readonly layer: string;
  readonly offset: number;
  readonly reason: string;
  constructor(layer: string, offset: number, reason: string) {
    super(`${layer} at byte ${offset}: ${reason}`);
    this.name = 'LayerError';
    this.layer = layer;
    this.offset = offset;
    this.reason = reason;
  }
}

export interface LinkInfo {
  /** EtherType of the network-layer packet (0x0800 IPv4, 0x86DD IPv6), undefined if not known. */
  etherType: number | undefined;
  /** VLAN ids from outermost to innermost (Ethernet only). */
  vlanIds: number[];
  /** The network-layer packet (may include link padding at the end). */
  payload: Uint8Array;
}

export interface Ipv4Info {
  headerLength: number;
  totalLength: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** Data up to the total length (or what was captured). */
  payload: Uint8Array;
  truncated: boolean;
}

export interface Ipv6Fragment {
  /** Offset in bytes. */
  offset: number;
  more: boolean;
  identification: number;
  /** Next header of the fragmentable part. */
  nextHeader: number;
}

export interface Ipv6Info {
  payloadLength: number;
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** Upper-layer protocol after the extension headers (or the fragment's next header). */
  protocol: number;
  /** Upper-layer data, or the fragment data when `fragment` is set. */
  payload: Uint8Array;
  fragment: Ipv6Fragment | undefined;
  truncated: boolean;
}

export interface TcpFlagsInfo { cwr: boolean; ece: boolean; urg: boolean; ack: boolean; psh: boolean; rst: boolean; syn: boolean; fin: boolean }

export interface TcpInfo {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  headerLength: number;
  flags: TcpFlagsInfo;
  window: number;
  /** Raw option bytes. */
  options: Uint8Array;
  payload: Uint8Array;
}

export interface UdpInfo {
  srcPort: number;
  dstPort: number;
  length: number;
  payload: Uint8Array;
  truncated: boolean;
}

/** What the dissector needs from each layer. Every method throws `LayerError` on bad input. */
export interface PacketLayers {
  /** Strip the link-layer header of a LINKTYPE_* frame. */
  link(linkType: number, frame: Uint8Array): LinkInfo;
  ipv4(packet: Uint8Array): Ipv4Info;
  ipv6(packet: Uint8Array): Ipv6Info;
  /** Walk an IPv6 extension-header chain (used after IPv6 reassembly). */
  ipv6Chain(nextHeader: number, bytes: Uint8Array): { protocol: number; payload: Uint8Array };
  tcp(segment: Uint8Array): TcpInfo;
  udp(datagram: Uint8Array): UdpInfo;
}

const ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd;
const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);

function need(layer: string, b: Uint8Array, n: number, at = 0): void {
  if (b.length < at + n) throw new LayerError(layer, at, `needs ${n} bytes, only ${Math.max(0, b.length - at)} left`);
}
const be16 = (b: Uint8Array, p: number) => (b[p]! << 8) | b[p + 1]!;
const be32 = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

function familyToEtherType(af: number): number | undefined {
  if (af === 2) return ETH_IPV4;
  if (af === 10 || af === 24 || af === 28 || af === 30) return ETH_IPV6;
  return undefined;
}

function rawIp(frame: Uint8Array): LinkInfo {
  need('raw_ip', frame, 1);
  const v = frame[0]! >> 4;
  return { etherType: v === 4 ? ETH_IPV4 : v === 6 ? ETH_IPV6 : undefined, vlanIds: [], payload: frame };
}

/** TEMPORARY minimal adapter (see the file comment). */
export const minimalLayers: PacketLayers = {
  link(linkType, frame) {
    switch (linkType) {
      case 1: { // ethernet.ksy
        need('ethernet', frame, 14);
        let p = 12;
        let type = be16(frame, p);
        const vlanIds: number[] = [];
        while (VLAN_TPIDS.has(type)) {
          need('ethernet', frame, 4, p + 2);
          vlanIds.push(be16(frame, p + 2) & 0x0fff);
          p += 4;
          type = be16(frame, p);
        }
        return { etherType: type, vlanIds, payload: frame.subarray(p + 2) };
      }
      case 0: case 108: { // null_loopback.ksy
        need('null_loopback', frame, 4);
        let af = be32(frame, 0);
        if (af > 0xffff) af = ((af & 0xff) << 24 | (af & 0xff00) << 8 | (af >>> 8) & 0xff00 | af >>> 24) >>> 0;
        return { etherType: familyToEtherType(af), vlanIds: [], payload: frame.subarray(4) };
      }
      case 113: // linux_sll.ksy
        need('linux_sll', frame, 16);
        return { etherType: be16(frame, 14), vlanIds: [], payload: frame.subarray(16) };
      case 276: // linux_sll2.ksy
        need('linux_sll2', frame, 20);
        return { etherType: be16(frame, 0), vlanIds: [], payload: frame.subarray(20) };
      case 101: case 12: case 14: return rawIp(frame);
      case 228: return { etherType: ETH_IPV4, vlanIds: [], payload: frame };
      case 229: return { etherType: ETH_IPV6, vlanIds: [], payload: frame };
      default: throw new LayerError('link', 0, `unsupported link type ${linkType}`);
    }
  },

  ipv4(b) { // ipv4.ksy
    need('ipv4', b, 20);
    if (b[0]! >> 4 !== 4) throw new LayerError('ipv4', 0, `version ${b[0]! >> 4} is not 4`);
    const hl = (b[0]! & 0x0f) * 4;
    if (hl < 20) throw new LayerError('ipv4', 0, `header length ${hl} below 20`);
    need('ipv4', b, hl);
    const total = be16(b, 2);
    if (total < hl) throw new LayerError('ipv4', 2, `total length ${total} below header length ${hl}`);
    const frag = be16(b, 6);
    const end = Math.min(total, b.length);
    return {
      headerLength: hl, totalLength: total, identification: be16(b, 4),
      dontFragment: (frag & 0x4000) !== 0, moreFragments: (frag & 0x2000) !== 0, fragmentOffset: (frag & 0x1fff) * 8,
      ttl: b[8]!, protocol: b[9]!, src: b.subarray(12, 16), dst: b.subarray(16, 20),
      payload: b.subarray(hl, end), truncated: b.length < total,
    };
  },

  ipv6(b) { // ipv6.ksy
    need('ipv6', b, 40);
    if (b[0]! >> 4 !== 6) throw new LayerError('ipv6', 0, `version ${b[0]! >> 4} is not 6`);
    const plen = be16(b, 4);
    const body = b.subarray(40, 40 + plen);
    const base = { payloadLength: plen, hopLimit: b[7]!, src: b.subarray(8, 24), dst: b.subarray(24, 40), truncated: b.length < 40 + plen };
    let nh = b[6]!;
    let p = 0;
    for (let guard = 0; guard < 64; guard++) {
      switch (nh) {
        case 0: case 60: case 43: {
          need('ipv6', body, 2, p);
          const len = body[p + 1]! * 8 + 8;
          need('ipv6', body, len, p);
          nh = body[p]!; p += len; continue;
        }
        case 51: {
          need('ipv6', body, 2, p);
          const len = body[p + 1]! * 4 + 8;
          need('ipv6', body, len, p);
          nh = body[p]!; p += len; continue;
        }
        case 44: {
          need('ipv6', body, 8, p);
          const fo = be16(body, p + 2);
          const fragment = { offset: fo & 0xfff8, more: (fo & 1) === 1, identification: be32(body, p + 4), nextHeader: body[p]! };
          return { ...base, protocol: body[p]!, payload: body.subarray(p + 8), fragment };
        }
        default:
          return { ...base, protocol: nh, payload: body.subarray(p), fragment: undefined };
      }
    }
    throw new LayerError('ipv6', p, 'extension header chain too long');
  },

  ipv6Chain(nextHeader, body) {
    let nh = nextHeader, p = 0;
    for (let guard = 0; guard < 64; guard++) {
      if (nh !== 0 && nh !== 60 && nh !== 43 && nh !== 51) return { protocol: nh, payload: body.subarray(p) };
      need('ipv6', body, 2, p);
      const len = nh === 51 ? body[p + 1]! * 4 + 8 : body[p + 1]! * 8 + 8;
      need('ipv6', body, len, p);
      nh = body[p]!; p += len;
    }
    throw new LayerError('ipv6', p, 'extension header chain too long');
  },

  tcp(b) { // tcp.ksy
    need('tcp', b, 20);
    const hl = (b[12]! >> 4) * 4;
    if (hl < 20) throw new LayerError('tcp', 12, `data offset ${hl / 4} below 5`);
    need('tcp', b, hl);
    const f = b[13]!;
    return {
      srcPort: be16(b, 0), dstPort: be16(b, 2), seq: be32(b, 4), ack: be32(b, 8), headerLength: hl,
      flags: {
        cwr: (f & 0x80) !== 0, ece: (f & 0x40) !== 0, urg: (f & 0x20) !== 0, ack: (f & 0x10) !== 0,
        psh: (f & 0x08) !== 0, rst: (f & 0x04) !== 0, syn: (f & 0x02) !== 0, fin: (f & 0x01) !== 0,
      },
      window: be16(b, 14), options: b.subarray(20, hl), payload: b.subarray(hl),
    };
  },

  udp(b) { // udp.ksy
    need('udp', b, 8);
    const len = be16(b, 4);
    if (len < 8) throw new LayerError('udp', 4, `length ${len} below 8`);
    return { srcPort: be16(b, 0), dstPort: be16(b, 2), length: len, payload: b.subarray(8, Math.min(len, b.length)), truncated: b.length < len };
  },
};

/** The layers the dissector uses unless told otherwise. */
export function defaultLayers(): PacketLayers {
  return minimalLayers;
}
