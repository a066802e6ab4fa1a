/** The JSON Lines form of dissector records (`peerwire dissect --json`). Hot path: one call per message of a capture. */
import type { ProtocolInfo } from '../runtime/index.ts';
import { messageType } from './link-codecs.ts';
import type { DissectRecord, MessageRecord } from './messages.ts';

let lastNs: bigint | undefined, lastText: string | null = null;
/** `seconds.nanoseconds` of a timestamp; records of one packet share it, so the last one is remembered. */
function timeText(ns: bigint | undefined): string | null {
  if (ns === undefined) return null;
  if (ns === lastNs) return lastText;
  const s = ns / 1_000_000_000n, f = ns % 1_000_000_000n;
  lastNs = ns;
  return (lastText = `${s}.${f.toString().padStart(9, '0')}`);
}

// Records of one packet (and of one flow direction) come in runs: the JSON of what they share
// is built once per run. This is the hot path of --json.
let headKey: DissectRecord | undefined, headText = '';
const typeJson = new Map<ProtocolInfo, Map<number, string>>();

/** `"messageType":…` of a message: one string per protocol and type, made once. */
function messageTypeJson(r: MessageRecord): string {
  const mt = messageType(r.proto, r.value);
  if (mt === null) return 'null';
  let byType = typeJson.get(r.proto);
  if (!byType) typeJson.set(r.proto, (byType = new Map()));
  let text = byType.get(mt.value);
  if (text === undefined) byType.set(mt.value, (text = `{"name":${mt.name === null ? 'null' : JSON.stringify(mt.name)},"value":${mt.value}}`));
  return text;
}

/** One JSON Lines object per record (messages, malformed, incomplete). */
export function recordJson(r: Exclude<DissectRecord, { kind: 'problem' }>): string {
  // Addresses are IP literals and never need escaping.
  const k = headKey as typeof r | undefined;
  if (k === undefined || k.kind !== r.kind || k.flow !== r.flow || k.dir !== r.dir || k.transport !== r.transport || k.src !== r.src || k.dst !== r.dst) {
    headKey = r;
    headText = `{"kind":"${r.kind}","transport":"${r.transport}","flow":${r.flow},"dir":${r.dir},"src":"${r.src}","dst":"${r.dst}","time":`;
  }
  const t = timeText(r.timeNs);
  const head = `${headText}${t === null ? 'null' : `"${t}"`},"frames":[${r.frames[0]},${r.frames[1]}],"offset":${r.offset},"size":${r.size}${r.compressed ? ',"compressed":true' : ''}`;
  if (r.kind === 'message') return `${head},"proto":"${r.proto.proto}","messageType":${messageTypeJson(r)},"message":${r.proto.codec.toJsonText(r.value)}}`;
  if (r.kind === 'malformed') return `${head},"proto":${JSON.stringify(r.proto)},"error":${JSON.stringify(r.error)},"errorOffset":${r.errorOffset},"path":${JSON.stringify(r.path)},"reason":${JSON.stringify(r.reason)}}`;
  return `${head},"proto":${JSON.stringify(r.proto)},"reason":${JSON.stringify(r.reason)}}`;
}

