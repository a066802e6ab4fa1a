/** One sample message per protocol family, taken from the conformance vectors. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SAMPLES: Record<string, string> = {
  'gossip-api': 'gossip/api-announce.json',
  'gossip-overlay': 'gossip/overlay-populate.json',
  'gossip-pushpull': 'gossip/pushpull-response.json',
  gnutella: 'gnutella/pong.json',
  'gnutella-handshake': 'gnutella/handshake-connect-04.json',
  napster: 'napster/login.json',
  p2pdi: 'p2pdi/register-request.json',
  seedgossip: 'seedgossip/liveness-reply.json',
};

/** The family's sample, or the vector `file` (relative to test/vectors) when given. */
export function sample(proto: string, file = SAMPLES[proto]): { hex: string; json: Record<string, unknown>; description: string } {
  if (!file) throw new Error(`no sample for ${proto}`);
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'vectors', file), 'utf8'));
}
