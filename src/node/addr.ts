/** Host/port parsing and conversion to and from the peerwire-defined PeerAddr (PROTOCOLS.md §2). */
import { isIP, isIPv4 } from 'node:net';
import type { PeerAddr, PeerAddrInit } from '../codecs/gossip/peer_addr.gen.ts';

export interface HostPort {
  host: string;
  port: number;
}

/** Parse `ip:port`, `[ipv6]:port` or `hostname:port`; throws an Error saying what is wrong. */
export function parseHostPort(s: string): HostPort {
  const t = s.trim();
  let host: string;
  let portStr: string;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0 || t[close + 1] !== ':') throw new Error(`'${s}' is not [ipv6]:port`);
    host = t.slice(1, close);
    portStr = t.slice(close + 2);
    if (isIP(host) !== 6) throw new Error(`'${host}' is not an IPv6 address`);
  } else {
    const colon = t.lastIndexOf(':');
    if (colon <= 0) throw new Error(`'${s}' is not host:port`);
    host = t.slice(0, colon);
    portStr = t.slice(colon + 1);
    if (host.includes(':')) throw new Error(`'${s}': write IPv6 addresses as [addr]:port`);
    if (!isIP(host) && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw new Error(`'${host}' is neither an IP address nor a host name`);
  }
  if (!/^\d{1,5}$/.test(portStr)) throw new Error(`port '${portStr}' is not a number`);
  const port = Number(portStr);
  if (port > 65535) throw new Error(`port ${port} is above 65535`);
  return { host: normalizeIp(host), port };
}

export function formatHostPort(h: HostPort): string {
  return isIP(h.host) === 6 ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; other strings unchanged. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

/** PeerAddr encoder input for an IP literal; null for host names. */
export function toPeerAddr(h: HostPort): PeerAddrInit | null {
  const ip = normalizeIp(h.host);
  if (isIPv4(ip)) return { port: h.port, isIpv6: false, address: Uint8Array.from(ip.split('.').map(Number)) };
  if (isIP(ip) === 6) {
    const bytes = ipv6Bytes(ip);
    return bytes ? { port: h.port, isIpv6: true, address: bytes } : null;
  }
  return null;
}

export function fromPeerAddr(a: PeerAddr): HostPort {
  if (!a.isIpv6) return { host: Array.from(a.address).join('.'), port: a.port };
  const words: string[] = [];
  for (let k = 0; k < 16; k += 2) words.push(((a.address[k]! << 8) | a.address[k + 1]!).toString(16));
  return { host: normalizeIp(compressV6(words)), port: a.port };
}

function compressV6(words: string[]): string {
  // Longest run of zero words becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (words[k] !== '0') {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && words[e] === '0') e++;
    if (e - k > bestLen) {
      best = k;
      bestLen = e - k;
    }
    k = e;
  }
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

function ipv6Bytes(ip: string): Uint8Array | null {
  let s = ip;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const parts = v4[1]!.split('.').map(Number);
    tail.push((parts[0]! << 8) | parts[1]!, (parts[2]! << 8) | parts[3]!);
    s = s.slice(0, s.length - v4[1]!.length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string | undefined) => (h ? h.split(':').filter((x) => x !== '').map((x) => parseInt(x, 16)) : []);
  const head = parse(halves[0]);
  const rest = [...parse(halves[1]), ...tail];
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const words = [...head, ...new Array<number>(fill).fill(0), ...rest];
  const out = new Uint8Array(16);
  words.forEach((w, k) => {
    out[2 * k] = (w >> 8) & 0xff;
    out[2 * k + 1] = w & 0xff;
  });
  return out;
}
