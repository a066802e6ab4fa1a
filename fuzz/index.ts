/**
 * `peerwire/fuzz`: fast-check arbitraries generated from the specs, for your own property tests
 * and for fuzzing live peers.
 *
 * ```ts
 * import fc from 'fast-check';
 * import { protocolByName, validMessageArb, malformedArb } from 'peerwire/fuzz';
 * const api = protocolByName('gossip-api')!;
 * fc.assert(fc.property(malformedArb(api, ['size-lie', 'truncate'])!, (m) => { myParser(m.bytes); }));
 * ```
 */
export { typeArb, validArb, validMessageArb, messageOfType, vectorValues, nestedSeeds, roundTrips, repair, protocolByName, protocols, type GenOptions, type ValidArb } from './arbitraries.ts';
export { MUTATION_STRATEGIES, strategyArb, protocolStrategies, typeStrategies, malformedArb, havocBytes, type Malformed, type MutationStrategy, type MutationOptions } from './mutations.ts';
export { DELIVERY_STRATEGIES, ALL_STRATEGIES, caseArb, deliveryArb, caseToJson, caseFromJson, caseBytes, describeDelivery, type FuzzCase, type FuzzCaseJson, type Delivery, type DeliveryKind, type CaseArbOptions } from './live/case.ts';
export { decoderTargets, checkDecode, checkRoundTrip, runInProcess, minimise, type DecoderTarget, type Violation, type Property, type InProcessOptions, type InProcessStats } from './inprocess.ts';
export { runCampaign, replayCase, type CampaignOptions, type Report, type FailureRecord, type CaseOutcome, type FailureKind, type Progress } from './live/campaign.ts';
export { PROBES, probeFor, type Probe, type ProbeResult } from './live/probes.ts';
export { SpawnedTarget } from './live/target.ts';
export { exchangeToPcapng } from './live/pcap.ts';
export { sites, getPath, setPath, reachableTypes, type Path, type Site } from './schema.ts';
