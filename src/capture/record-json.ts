/** The JSON Lines form of dissector records (`peerwire dissect --json`). Hot path: one call per message of a capture. */
import { asciiBytes, type JsonWriter, type ProtocolInfo } from '../runtime/index.ts';
import { messageType } from './link-codecs.ts';
import type { DissectRecord, MessageRecord } from './messages.ts';

const NULL = asciiBytes('null');
let lastNs: bigint | undefined, lastText = NULL;
/** `"seconds.nanoseconds"` of a timestamp (or null); records of one packet share it, so the last one is remembered. */
function timeText(ns: bigint | undefined): Uint8Array {
  if (ns === undefined) return NULL;
  if (ns === lastNs) return lastText;
  const s = ns / 1_000_000_000n, f = ns % 1_000_000_000n;
  lastNs = ns;
  return (lastText = asciiBytes(`"${s}.${f.toString().padStart(9, '0')}"`));
}

// Records of one packet (and of one flow direction) come in runs: the JSON of what they share
// is built once per run. This is the hot path of --json.
let headKey: DissectRecord | undefined, head = NULL;
const protoJson = new Map<ProtocolInfo, Map<number, Uint8Array>>();

/** `,"proto":…,"messageType":…,"message":` of a message: one string per protocol and type, made once. */
function messageHeadJson(r: MessageRecord): Uint8Array {
  const mt = messageType(r.proto, r.value);
  let byType = protoJson.get(r.proto);
  if (!byType) protoJson.set(r.proto, (byType = new Map()));
  const key = mt === null ? -1 : mt.value;
  let text = byType.get(key);
  if (text === undefined) {
    const type = mt === null ? 'null' : `{"name":${mt.name === null ? 'null' : JSON.stringify(mt.name)},"value":${mt.value}}`;
    byType.set(key, (text = asciiBytes(`,"proto":${JSON.stringify(r.proto.proto)},"messageType":${type},"message":`)));
  }
  return text;
}

/** Writes the JSON Lines object of a record (message, malformed, incomplete) into `w`, without the line feed. */
export function writeRecordJson(r: Exclude<DissectRecord, { kind: 'problem' }>, w: JsonWriter): void {
  // Addresses are IP literals and never need escaping.
  const k = headKey as typeof r | undefined;
  if (k === undefined || k.kind !== r.kind || k.flow !== r.flow || k.dir !== r.dir || k.transport !== r.transport || k.src !== r.src || k.dst !== r.dst) {
    headKey = r;
    head = asciiBytes(`{"kind":"${r.kind}","transport":"${r.transport}","flow":${r.flow},"dir":${r.dir},"src":"${r.src}","dst":"${r.dst}","time":`);
  }
  w.raw(head);
  w.raw(timeText(r.timeNs));
  w.ascii(',"frames":[');
  w.int(r.frames[0]);
  w.byte(44);
  w.int(r.frames[1]);
  w.ascii('],"offset":');
  w.int(r.offset);
  w.ascii(',"size":');
  w.int(r.size);
  if (r.compressed) w.ascii(',"compressed":true');
  if (r.kind === 'message') {
    w.raw(messageHeadJson(r));
    r.proto.codec.writeJson(r.value, w);
  } else if (r.kind === 'malformed') {
    w.utf8(`,"proto":${JSON.stringify(r.proto)},"error":${JSON.stringify(r.error)},"errorOffset":${r.errorOffset},"path":${JSON.stringify(r.path)},"reason":${JSON.stringify(r.reason)}`);
  } else {
    w.utf8(`,"proto":${JSON.stringify(r.proto)},"reason":${JSON.stringify(r.reason)}`);
  }
  w.byte(125);
}
