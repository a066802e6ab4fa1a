// RFC 1071 Internet checksum (IPv4 header, TCP, UDP).

/** One's-complement sum of 16-bit big-endian words over several byte ranges, not yet inverted. */
export function onesComplementSum(parts: readonly Uint8Array[], initial = 0): number {
  let sum = initial;
  let odd = -1; // pending high byte when a part has an odd length
  for (const p of parts) {
    let i = 0;
    if (odd >= 0 && p.length > 0) { sum += (odd << 8) | p[0]!; odd = -1; i = 1; }
    for (; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (i < p.length) odd = p[i]!;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum (inverted one's-complement sum) over the given byte ranges. */
export function internetChecksum(...parts: Uint8Array[]): number {
  return ~onesComplementSum(parts) & 0xffff;
}

/** Pseudo-header for TCP/UDP checksums: IPv4 (12 bytes) or IPv6 (40 bytes). */
export function pseudoHeader(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): Uint8Array {
  if (src.length === 4) {
    const h = new Uint8Array(12);
    h.set(src, 0); h.set(dst, 4);
    h[9] = protocol;
    h[10] = length >> 8; h[11] = length & 0xff;
    return h;
  }
  const h = new Uint8Array(40);
  h.set(src, 0); h.set(dst, 16);
  new DataView(h.buffer).setUint32(32, length);
  h[39] = protocol;
  return h;
}
