// The per-packet layer decoding used by the dissector, behind one small interface.
//
// The layouts are specified in spec/capture/*.ksy and decoded by the codecs `npm run codegen`
// generates from them (src/codecs/capture/*.gen.ts). `codecLayers` only maps the generated
// decoders' results onto the shapes below (walking VLAN tags and IPv6 extension headers);
// nothing else in src/capture reads packet headers. It is checked against the official Kaitai
// compiler's output for the same .ksy files in test/capture/layers.test.ts.
import { DecodeError } from '../runtime/index.ts';
import { decodeEthernet, type VlanTagged } from '../codecs/capture/ethernet.gen.ts';
import { decodeIpv4 } from '../codecs/capture/ipv4.gen.ts';
import {
  decodeIpv6, decodeOptionsHeader, decodeRoutingHeader, decodeAuthHeader, decodeFragmentHeader, type HeaderChain,
} from '../codecs/capture/ipv6.gen.ts';
import { decodeLinuxSll } from '../codecs/capture/linux_sll.gen.ts';
import { decodeLinuxSll2 } from '../codecs/capture/linux_sll2.gen.ts';
import { decodeNullLoopback } from '../codecs/capture/null_loopback.gen.ts';
import { decodeTcp } from '../codecs/capture/tcp.gen.ts';
import { decodeUdp } from '../codecs/capture/udp.gen.ts';

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

function familyToEtherType(af: number): number | undefined {
  if (af === 2) return ETH_IPV4;
  if (af === 10 || af === 24 || af === 28 || af === 30) return ETH_IPV6;
  return undefined;
}

/** Run a generated decoder; its DecodeError becomes a LayerError of `layer`. */
function run<T>(layer: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) throw new LayerError(layer, e.offset, `${e.path}: ${e.reason} (${e.code})`);
    throw e;
  }
}

type ChainHeader = HeaderChain['header'];

/** Follow a decoded IPv6 header chain to the upper-layer data or a fragment header. */
function walkChain(nextHeader: number, header: ChainHeader): { protocol: number; payload: Uint8Array; fragment: Ipv6Fragment | undefined } {
  let nh = nextHeader;
  let h = header;
  for (;;) {
    if (h instanceof Uint8Array) return { protocol: nh, payload: h, fragment: undefined };
    if ('fragmentData' in h) {
      return {
        protocol: h.nextHeader, payload: h.fragmentData,
        fragment: { offset: h.fragmentOffset * 8, more: h.moreFragments, identification: h.identification, nextHeader: h.nextHeader },
      };
    }
    nh = h.nextHeader;
    h = h.next.header;
  }
}

/** Link, IP and transport layers decoded by the generated codecs of spec/capture/*.ksy. */
export const codecLayers: PacketLayers = {
  link(linkType, frame) {
    switch (linkType) {
      case 1: {
        const e = run('ethernet', () => decodeEthernet(frame).value);
        const vlanIds: number[] = [];
        let etherType = e.etherType;
        let body: VlanTagged | Uint8Array = e.body;
        while (!(body instanceof Uint8Array)) {
          vlanIds.push(body.vlanId);
          etherType = body.etherType;
          body = body.body;
        }
        return { etherType, vlanIds, payload: body };
      }
      case 0: case 108: {
        const n = run('null_loopback', () => decodeNullLoopback(frame).value);
        return { etherType: familyToEtherType(n.family), vlanIds: [], payload: n.body };
      }
      case 113: {
        const l = run('linux_sll', () => decodeLinuxSll(frame).value);
        return { etherType: l.protocol, vlanIds: [], payload: l.body };
      }
      case 276: {
        const l = run('linux_sll2', () => decodeLinuxSll2(frame).value);
        return { etherType: l.protocol, vlanIds: [], payload: l.body };
      }
      case 101: case 12: case 14: {
        // Raw IP: the version nibble picks IPv4 or IPv6 (no header of its own).
        if (frame.length < 1) throw new LayerError('raw_ip', 0, 'empty packet');
        const v = frame[0]! >> 4;
        return { etherType: v === 4 ? ETH_IPV4 : v === 6 ? ETH_IPV6 : undefined, vlanIds: [], payload: frame };
      }
      case 228: return { etherType: ETH_IPV4, vlanIds: [], payload: frame };
      case 229: return { etherType: ETH_IPV6, vlanIds: [], payload: frame };
      default: throw new LayerError('link', 0, `unsupported link type ${linkType}`);
    }
  },

  ipv4(b) {
    const ip = run('ipv4', () => decodeIpv4(b).value);
    return {
      headerLength: ip.headerLength, totalLength: ip.totalLength, identification: ip.identification,
      dontFragment: ip.dontFragment, moreFragments: ip.moreFragments, fragmentOffset: ip.fragmentOffset * 8,
      ttl: ip.ttl, protocol: ip.protocol, src: ip.srcAddr, dst: ip.dstAddr, payload: ip.body, truncated: ip.isTruncated,
    };
  },

  ipv6(b) {
    const ip = run('ipv6', () => decodeIpv6(b).value);
    return {
      payloadLength: ip.payloadLength, hopLimit: ip.hopLimit, src: ip.srcAddr, dst: ip.dstAddr,
      truncated: ip.isTruncated, ...walkChain(ip.nextHeader, ip.payload.header),
    };
  },

  ipv6Chain(nextHeader, bytes) {
    const header = run('ipv6', (): ChainHeader => {
      switch (nextHeader) {
        case 0: case 60: return decodeOptionsHeader(bytes).value;
        case 43: return decodeRoutingHeader(bytes).value;
        case 51: return decodeAuthHeader(bytes).value;
        case 44: return decodeFragmentHeader(bytes).value;
        default: return bytes;
      }
    });
    const r = walkChain(nextHeader, header);
    if (r.fragment) throw new LayerError('ipv6', 0, 'fragment header inside a reassembled packet');
    return { protocol: r.protocol, payload: r.payload };
  },

  tcp(b) {
    const t = run('tcp', () => decodeTcp(b).value);
    return {
      srcPort: t.srcPort, dstPort: t.dstPort, seq: t.seqNum, ack: t.ackNum, headerLength: t.dataOffset * 4,
      flags: { cwr: t.cwr, ece: t.ece, urg: t.urg, ack: t.ack, psh: t.psh, rst: t.rst, syn: t.syn, fin: t.fin },
      window: t.window, options: b.subarray(20, t.dataOffset * 4), payload: t.body,
    };
  },

  udp(b) {
    const u = run('udp', () => decodeUdp(b).value);
    return { srcPort: u.srcPort, dstPort: u.dstPort, length: u.length, payload: u.body, truncated: u.isTruncated };
  },
};

/** The layers the dissector uses unless told otherwise. */
export function defaultLayers(): PacketLayers {
  return codecLayers;
}
