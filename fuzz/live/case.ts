/**
 * A live fuzz case: the messages to send and how to deliver them. Cases are plain data, so
 * reports store them as JSON and `peerwire fuzz replay` runs them again.
 */
import fc from 'fast-check';
import type { ProtocolInfo } from '../../src/runtime/index.ts';
import { validMessageArb, type GenOptions } from '../arbitraries.ts';
import { MUTATION_STRATEGIES, protocolStrategies, type Malformed, type MutationOptions, type MutationStrategy } from '../mutations.ts';

export const DELIVERY_STRATEGIES = ['whole', 'bytewise', 'batch', 'partial', 'parallel'] as const;
export type DeliveryKind = (typeof DELIVERY_STRATEGIES)[number];

export type Delivery =
  /** Each message in its own write. */
  | { kind: 'whole' }
  /** One byte per write (the first `bytewiseLimit` bytes; the rest in one write). */
  | { kind: 'bytewise' }
  /** All messages, `copies` times over, in a single write. */
  | { kind: 'batch'; copies: number }
  /** Everything but the last message, then `cut` bytes of it; the connection then stays silent and open during the liveness check. */
  | { kind: 'partial'; cut: number }
  /** The messages sent on `connections` connections at once. */
  | { kind: 'parallel'; connections: number };

export interface FuzzCase {
  proto: string;
  /** Mutation strategy of the fuzzed message. */
  strategy: MutationStrategy;
  note: string;
  /** Messages in sending order (valid neighbours and the fuzzed one). */
  messages: Uint8Array[];
  delivery: Delivery;
}

export interface FuzzCaseJson {
  proto: string;
  strategy: MutationStrategy;
  note: string;
  messages: string[];
  delivery: Delivery;
}

export const ALL_STRATEGIES: readonly string[] = [...MUTATION_STRATEGIES, ...DELIVERY_STRATEGIES];

export function caseToJson(c: FuzzCase): FuzzCaseJson {
  return { proto: c.proto, strategy: c.strategy, note: c.note, messages: c.messages.map((m) => Buffer.from(m).toString('hex')), delivery: c.delivery };
}

export function caseFromJson(j: FuzzCaseJson): FuzzCase {
  return { proto: j.proto, strategy: j.strategy, note: j.note, messages: j.messages.map((h) => new Uint8Array(Buffer.from(h, 'hex'))), delivery: j.delivery };
}

/** Bytes a case puts on the wire per connection (for `partial`, what is sent before the silence). */
export function caseBytes(c: FuzzCase): Uint8Array {
  const parts = c.delivery.kind === 'partial' ? partialParts(c.messages, c.delivery.cut) : c.delivery.kind === 'batch' ? Array.from({ length: c.delivery.copies }, () => c.messages).flat() : c.messages;
  return Buffer.concat(parts);
}

export function partialParts(messages: readonly Uint8Array[], cut: number): Uint8Array[] {
  const last = messages[messages.length - 1];
  if (!last) return [];
  const n = last.length <= 1 ? last.length : 1 + (cut % (last.length - 1));
  return [...messages.slice(0, -1), last.subarray(0, n)];
}

export function describeDelivery(d: Delivery): string {
  switch (d.kind) {
    case 'whole': return 'one write per message';
    case 'bytewise': return '1-byte writes';
    case 'batch': return `${d.copies}× in one write`;
    case 'partial': return 'partial message, then silence';
    case 'parallel': return `${d.connections} connections at once`;
  }
}

export interface CaseArbOptions extends MutationOptions {
  /** Mutation and delivery strategies to use (default: all that apply). */
  strategies?: readonly string[];
  /** Most parallel connections (default 8). */
  maxConnections?: number;
}

export function deliveryArb(kinds: readonly DeliveryKind[], maxConnections = 8): fc.Arbitrary<Delivery> {
  const parts: fc.Arbitrary<Delivery>[] = [];
  for (const k of kinds) {
    if (k === 'whole') parts.push(fc.constant({ kind: 'whole' }));
    if (k === 'bytewise') parts.push(fc.constant({ kind: 'bytewise' }));
    if (k === 'batch') parts.push(fc.integer({ min: 2, max: 64 }).map((copies) => ({ kind: 'batch', copies })));
    if (k === 'partial') parts.push(fc.nat().map((cut) => ({ kind: 'partial', cut })));
    if (k === 'parallel') parts.push(fc.integer({ min: 2, max: Math.max(2, maxConnections) }).map((connections) => ({ kind: 'parallel', connections })));
  }
  return fc.oneof(...parts);
}

/**
 * Cases for a protocol: one fuzzed message (a named mutation, or a valid one), optionally
 * between valid neighbours, delivered by one of the delivery strategies. `whole` delivery is
 * always possible, and so is `valid` (when only delivery strategies are asked for).
 */
export function caseArb(p: ProtocolInfo, o: CaseArbOptions = {}): fc.Arbitrary<FuzzCase> {
  const want = o.strategies?.length ? o.strategies : ALL_STRATEGIES;
  for (const s of want) if (!ALL_STRATEGIES.includes(s)) throw new Error(`unknown strategy '${s}' (known: ${ALL_STRATEGIES.join(', ')})`);
  let mutations = want.filter((s): s is MutationStrategy => (MUTATION_STRATEGIES as readonly string[]).includes(s));
  let deliveries = want.filter((s): s is DeliveryKind => (DELIVERY_STRATEGIES as readonly string[]).includes(s));
  if (mutations.length === 0) mutations = ['valid'];
  if (deliveries.length === 0) deliveries = ['whole'];
  const strategies = protocolStrategies(p, mutations, o);
  if (strategies.size === 0) throw new Error(`none of the strategies ${mutations.join(', ')} applies to ${p.proto}`);
  const fuzzed = fc.oneof(...strategies.values());
  const valid = validMessageArb(p, o as GenOptions);
  const neighbour: fc.Arbitrary<Uint8Array[]> = valid
    ? fc.array(valid.arb.map((v) => p.codec.encode(v)), { maxLength: 2 })
    : fc.constant([]);
  return fc.record({ m: fuzzed, delivery: deliveryArb(deliveries, o.maxConnections), before: neighbour, after: neighbour })
    .map(({ before, m, after, delivery }: { before: Uint8Array[]; m: Malformed; after: Uint8Array[]; delivery: Delivery }) => ({
      proto: p.proto,
      strategy: m.strategy,
      note: m.note,
      messages: delivery.kind === 'partial' ? [...before, m.bytes] : [...before, m.bytes, ...after],
      delivery,
    }));
}
