/**
 * Dissemination rules (PROTOCOLS.md §3): TTL handling and content identity. No message id exists
 * on the wire, so an item is identified by a digest of its data type and data.
 */
import { createHash } from 'node:crypto';

/** TTL to forward with, or null when the item must not travel further (0 = unlimited stays 0; 1 = last hop). */
export function nextTtl(ttl: number): number | null {
  if (ttl === 0) return 0;
  if (ttl === 1) return null;
  return ttl - 1;
}

/** Content digest used for duplicate suppression: SHA-256 over data type (u16 BE) and data, first 16 bytes, hex. */
export function contentDigest(dataType: number, data: Uint8Array): string {
  const h = createHash('sha256');
  h.update(Uint8Array.of((dataType >> 8) & 0xff, dataType & 0xff));
  h.update(data);
  return h.digest('hex').slice(0, 32);
}

/** Largest ANNOUNCE data that fits a SEND_CONTENT: 65535 − 4 (outer header) − 8 (ANNOUNCE header and fields). */
export const MAX_P2P_DATA = 65535 - 4 - 8;
