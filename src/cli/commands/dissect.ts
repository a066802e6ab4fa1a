/**
 * `peerwire dissect <capture>`: decode every message of a pcap/pcapng capture with the generated
 * codecs (TCP reassembly, IP defragmentation, Gnutella handshake + deflate, gap resynchronisation).
 * Output: a table (default), JSON Lines (--json) or a summary (--stats). Exit codes: 0 when
 * everything decoded, 1 when malformed messages (protocol errors) were found or the file's
 * structure broke off midway, 2 on bad usage or a file that cannot be read as a capture.
 */
import { statSync } from 'node:fs';
import { readCaptureChunks, readCaptureFile, type CaptureEvent } from '../../capture/capture-reader.ts';
import { MapSpecError, linkNames, messageType, parseMapSpec, type Transport } from '../../capture/link-codecs.ts';
import { MessageDissector, type DissectCounters, type DissectRecord, type MessageRecord } from '../../capture/messages.ts';
import { writeRecordJson } from '../../capture/record-json.ts';
import { parseArgs, UsageError } from '../args.ts';
import { LineWriter } from '../line-writer.ts';

const HELP = `usage: peerwire dissect <capture.pcap|capture.pcapng|-> [options]

Decodes every message in a capture: TCP streams are reassembled (out-of-order, retransmitted and
missing segments handled; missing bytes are never invented), IPv4/IPv6 fragments rejoined,
Gnutella handshakes followed and deflated links inflated. '-' reads the capture from stdin.

options:
  --json                one JSON object per line: every decoded message ("kind":"message": flow,
                        direction, src, dst, time, frames, stream offset, size, proto, messageType,
                        message in the conventions JSON form), every malformed message
                        ("kind":"malformed": error code, errorOffset, path, reason) and every byte
                        range the capture did not let us decode ("kind":"incomplete": reason)
  --stats               print a summary instead of the messages: packets, flows per protocol,
                        messages and bytes per protocol and type, malformed and incomplete counts
                        (with --json: one JSON object)
  --map tcp:PORT=PROTO  decode that port as PROTO (repeatable, or comma-separated); overrides the
  --map udp:PORT=PROTO  default map and the content heuristics. PROTO: ${linkNames().join(', ')}
                        (gossip-p2p = overlay + push-pull on one link, chosen by message type;
                        none = do not decode)
  --filter <terms>      only show messages matching any term: a protocol (gnutella), a link
                        (gossip-p2p), a message type (query, announce, 128) or proto:type, or the
                        word malformed / incomplete (repeatable, or comma-separated)
  --no-heuristics       decode only mapped ports (and Gnutella handshakes)
  --progress / --no-progress   progress bar on stderr (default: when stderr is a terminal and
                        the file is larger than 16 MB)

Default port map: tcp 7001 gossip-api, tcp 6001 gossip-p2p, udp 6001 gossip-overlay, tcp/udp 6346
gnutella, tcp 8888/7777 napster. Other ports: a stream starting with a Gnutella handshake line is
Gnutella; a gossip header with a known type and a sane size, a Gnutella descriptor header, or a
P2P-DI header line (Command P2P-DI/1.0 ...) is recognised by content; the seed gossip needs --map.
G2 and TLS links are recognised and not decoded.

Exit status: 0 all decoded; 1 malformed messages (kind "malformed") were found or the capture file
is corrupt after its start; 2 bad usage, unreadable file or not a capture.`;

interface Filter { test(r: DissectRecord): boolean }

function makeFilter(terms: string[]): Filter | undefined {
  const t = terms.map((s) => s.trim()).filter(Boolean);
  if (t.length === 0) return undefined;
  const set = new Set(t.map((s) => s.toLowerCase()));
  const P2P = new Set(['gossip-overlay', 'gossip-pushpull']);
  const GOSSIP = new Set(['gossip-api', 'gossip-overlay', 'gossip-pushpull']);
  const protoMatch = (p: string) => set.has(p) || (set.has('gossip-p2p') && P2P.has(p)) || (set.has('gossip') && GOSSIP.has(p));
  return {
    test(r) {
      if (r.kind === 'problem') return true;
      if (r.kind !== 'message') return set.has(r.kind) || protoMatch(r.proto);
      const p = r.proto.proto;
      if (protoMatch(p)) return true;
      const mt = messageType(r.proto, r.value);
      if (!mt) return false;
      return (mt.name !== null && (set.has(mt.name) || set.has(`${p}:${mt.name}`))) || set.has(String(mt.value)) || set.has(`${p}:${mt.value}`);
    },
  };
}

const SKIP_KEYS = new Set(['size', 'length', 'type', 'typeName', 'payloadType', 'payloadTypeName', 'payloadLength', 'guid']);

function short(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') {
    const s = v.replace(/[\r\n]+$/, '');
    return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.length}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 || 'text' in o) return short(o['text'] ?? o[keys[0]!]);
    return '{…}';
  }
  return undefined;
}

/** A few key fields of a message, for the table. */
export function keyFields(r: MessageRecord, max = 5): string {
  const json = r.proto.codec.toJson(r.value);
  const parts: string[] = [];
  const walk = (o: Record<string, unknown>, depth: number) => {
    for (const [k, v] of Object.entries(o)) {
      if (parts.length >= max) return;
      if (SKIP_KEYS.has(k) || k.endsWith('Name')) continue;
      if (v && typeof v === 'object' && !Array.isArray(v) && depth === 0 && !('text' in (v as object))) { walk(v as Record<string, unknown>, 1); continue; }
      const s = short(v);
      if (s !== undefined && s !== '""' && s !== '[0]') parts.push(`${k}=${s}`);
    }
  };
  walk(json, 0);
  return parts.join(' ');
}

interface Stats {
  /** Per protocol; types keyed by type number (-1: no type field), labelled when printed. */
  messages: Map<string, { count: number; bytes: number; types: Map<number, { label: string; count: number; bytes: number }> }>;
  malformed: Map<string, { count: number; firstFrame: number; example: string }>;
  incomplete: { count: number; bytes: number };
}

function addStats(s: Stats, r: DissectRecord): void {
  if (r.kind === 'message') {
    const p = r.proto.proto;
    let e = s.messages.get(p);
    if (!e) s.messages.set(p, (e = { count: 0, bytes: 0, types: new Map() }));
    e.count++; e.bytes += r.size;
    const mt = messageType(r.proto, r.value);
    const key = mt ? mt.value : -1;
    let t = e.types.get(key);
    if (!t) e.types.set(key, (t = { label: mt ? `${mt.name ?? '?'} (${mt.value})` : '-', count: 0, bytes: 0 }));
    t.count++; t.bytes += r.size;
  } else if (r.kind === 'malformed') {
    const k = `${r.proto}\t${r.error}`;
    const e = s.malformed.get(k);
    if (e) e.count++;
    else s.malformed.set(k, { count: 1, firstFrame: r.frames[1], example: r.reason });
  } else if (r.kind === 'incomplete') {
    s.incomplete.count++; s.incomplete.bytes += r.size;
  }
}

function statsJson(file: string, c: DissectCounters, s: Stats): Record<string, unknown> {
  const dur = c.firstTimeNs !== undefined && c.lastTimeNs !== undefined ? Number(c.lastTimeNs - c.firstTimeNs) / 1e9 : null;
  return {
    kind: 'stats', file, packets: c.packets, capturedBytes: c.capturedBytes, durationSeconds: dur,
    flows: { tcp: c.tcpFlows, udp: c.udpConversations, byProtocol: c.flowsByLabel },
    payloadBytes: { tcp: c.tcpPayloadBytes, udp: c.udpPayloadBytes, undecoded: c.undecodedBytes },
    tcp: { gaps: c.gaps, gapBytes: c.gapBytes, conflictingRetransmissions: c.conflicts },
    messages: Object.fromEntries([...s.messages].map(([p, e]) => [p, { count: e.count, bytes: e.bytes, types: Object.fromEntries([...e.types.values()].map((v) => [v.label, { count: v.count, bytes: v.bytes }])) }])),
    malformed: [...s.malformed].map(([k, v]) => { const [proto, error] = k.split('\t'); return { proto, error, count: v.count, firstFrame: v.firstFrame, example: v.example }; }),
    incomplete: s.incomplete,
    captureProblems: c.problems,
  };
}

function statsText(file: string, c: DissectCounters, s: Stats): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines: string[] = [];
  const dur = c.firstTimeNs !== undefined && c.lastTimeNs !== undefined ? `${(Number(c.lastTimeNs - c.firstTimeNs) / 1e9).toFixed(3)} s` : 'unknown';
  lines.push(`capture   ${file}: ${n(c.packets)} packets, ${n(c.capturedBytes)} bytes captured, duration ${dur}`);
  const by = (t: Transport) => Object.entries(c.flowsByLabel).filter(([k]) => k.startsWith(t + ' ')).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k.slice(4)} ${n(v)}`).join(', ');
  lines.push(`flows     tcp ${n(c.tcpFlows)}${c.tcpFlows ? ` (${by('tcp')})` : ''}; udp conversations ${n(c.udpConversations)}${c.udpConversations ? ` (${by('udp')})` : ''}`);
  lines.push(`payload   tcp ${n(c.tcpPayloadBytes)} bytes, udp ${n(c.udpPayloadBytes)} bytes; not decoded ${n(c.undecodedBytes)} bytes`);
  lines.push(`tcp       ${n(c.gaps)} gaps (${n(c.gapBytes)} bytes missing), ${n(c.conflicts)} conflicting retransmissions`);
  lines.push('');
  const rows: string[][] = [['protocol', 'message type', 'messages', 'bytes']];
  let total = 0;
  for (const [p, e] of [...s.messages].sort((a, b) => a[0].localeCompare(b[0]))) {
    for (const v of [...e.types.values()].sort((a, b) => b.count - a.count)) rows.push([p, v.label, n(v.count), n(v.bytes)]);
    rows.push([p, '(all)', n(e.count), n(e.bytes)]);
    total += e.count;
  }
  rows.push(['total', '', n(total), '']);
  lines.push(table(rows, [false, false, true, true]));
  lines.push('');
  if (s.malformed.size === 0) lines.push('malformed  none');
  else {
    const mrows: string[][] = [['protocol', 'error', 'count', 'first frame', 'first reason']];
    for (const [k, v] of s.malformed) { const [p, e] = k.split('\t'); mrows.push([p!, e!, n(v.count), String(v.firstFrame), v.example.slice(0, 70)]); }
    lines.push('malformed');
    lines.push(table(mrows, [false, false, true, true, false]));
  }
  lines.push(`incomplete ${n(s.incomplete.count)} (${n(s.incomplete.bytes)} bytes the capture did not let us decode)`);
  if (c.problems) lines.push(`capture problems ${n(c.problems)} (see stderr)`);
  return lines.join('\n');
}

function table(rows: string[][], right: boolean[]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (right[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n');
}

class Progress {
  private last = 0;
  private shown = false;
  private readonly total: number;
  constructor(total: number) { this.total = total; }
  update(offset: number, packets: number): void {
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const f = Math.min(1, offset / this.total);
    const width = 30;
    const done = Math.round(f * width);
    process.stderr.write(`\r[${'#'.repeat(done)}${' '.repeat(width - done)}] ${(f * 100).toFixed(0).padStart(3)}%  ${(offset / 1e6).toFixed(0)}/${(this.total / 1e6).toFixed(0)} MB  ${packets.toLocaleString('en-US')} packets`);
    this.shown = true;
  }
  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}

export async function run(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { json: 'boolean', stats: 'boolean', map: 'list', filter: 'list', 'no-heuristics': 'boolean', progress: 'boolean', 'no-progress': 'boolean', help: 'boolean' });
  if (a.values.help) { console.log(HELP); return 0; }
  if (a.positional.length !== 1) throw new UsageError(a.positional.length ? `one capture file expected, got ${a.positional.length}` : 'a capture file is required (peerwire dissect <capture>; --help for options)');
  const file = a.positional[0]!;
  let map: Array<[Transport, number, string]>;
  try {
    map = ((a.values.map as string[] | undefined) ?? []).map(parseMapSpec);
  } catch (e) {
    if (e instanceof MapSpecError) throw new UsageError(e.message);
    throw e;
  }
  const filter = makeFilter((a.values.filter as string[] | undefined) ?? []);
  const json = a.values.json === true;
  const statsOnly = a.values.stats === true;

  let size = 0;
  let events: AsyncIterable<CaptureEvent>;
  if (file === '-') {
    events = readCaptureChunks(process.stdin as AsyncIterable<Uint8Array>);
  } else {
    try {
      const st = statSync(file);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      size = st.size;
    } catch (e) {
      console.error(`peerwire dissect: cannot read ${file}: ${(e as Error).message}`);
      return 2;
    }
    events = readCaptureFile(file, { chunkSize: 1 << 20 });
  }
  const wantProgress = a.values['no-progress'] ? false : a.values.progress ? true : process.stderr.isTTY === true && size > 16e6;
  const progress = wantProgress && size > 0 ? new Progress(size) : undefined;

  const d = new MessageDissector({ map, heuristics: a.values['no-heuristics'] !== true });
  const out = new LineWriter();
  const stats: Stats = { messages: new Map(), malformed: new Map(), incomplete: { count: 0, bytes: 0 } };
  let malformed = 0;
  let fatal: string | undefined;
  let problemsShown = 0;
  const handle = (r: DissectRecord): Promise<void> | undefined => {
    if (r.kind === 'problem') {
      if (r.scope === 'capture' && r.severity === 'error') fatal = `${r.reason} (at byte ${r.offset ?? 0})`;
      else if (problemsShown++ < 20) {
        progress?.clear();
        console.error(`peerwire dissect: ${file}: ${r.frame !== undefined ? `frame ${r.frame}: ` : ''}${r.reason}${r.scope === 'capture' && r.offset !== undefined ? ` (at byte ${r.offset})` : ''}`);
      }
      return;
    }
    if (filter && !filter.test(r)) return;
    if (r.kind === 'malformed') malformed++;
    if (statsOnly) { addStats(stats, r); return; }
    if (!json && !headShown) {
      // The header goes out with the first row, so a file that is not a capture prints only the error.
      headShown = true;
      out.line(TABLE_HEAD);
    }
    if (!json) return out.line(tableRow(r, d.counters.firstTimeNs));
    writeRecordJson(r, out.w);
    return out.endLine();
  };
  let headShown = false;
  try {
    for await (const ev of events) {
      for (const r of await d.push(ev)) {
        const wait = handle(r);
        if (wait) await wait;
      }
      if (progress && ev.kind === 'packet') progress.update(ev.offset, d.counters.packets);
    }
    for (const r of await d.finish()) await handle(r);
  } catch (e) {
    progress?.clear();
    await out.flush();
    const err = e as NodeJS.ErrnoException;
    console.error(err.code ? `peerwire dissect: cannot read ${file}: ${err.message}` : `peerwire dissect: ${file}: ${err.message}`);
    return 2;
  }
  progress?.clear();
  if (fatal !== undefined && d.counters.packets === 0) {
    await out.flush();
    console.error(`peerwire dissect: ${file}: ${fatal}`);
    return 2;
  }
  if (statsOnly) await out.line(json ? JSON.stringify(statsJson(file, d.counters, stats)) : statsText(file, d.counters, stats));
  await out.flush();
  if (problemsShown > 20) console.error(`peerwire dissect: ${file}: ${problemsShown - 20} more capture problems not shown`);
  if (fatal !== undefined) {
    console.error(`peerwire dissect: ${file}: ${fatal}; stopped after ${d.counters.packets} packets`);
    return 1;
  }
  return malformed > 0 ? 1 : 0;
}

const TABLE_HEAD = `${'time'.padStart(12)}  ${'frames'.padEnd(11)}  ${'flow'.padEnd(8)}  ${'source → destination'.padEnd(45)}  ${'protocol'.padEnd(18)}  ${'type'.padEnd(14)}  fields`;

function tableRow(r: Exclude<DissectRecord, { kind: 'problem' }>, first: bigint | undefined): string {
  const t = r.timeNs !== undefined && first !== undefined ? (Number(r.timeNs - first) / 1e9).toFixed(6) : '-';
  const frames = r.frames[0] === r.frames[1] ? String(r.frames[0]) : `${r.frames[0]}-${r.frames[1]}`;
  const flow = `${r.transport}/${r.flow}`;
  const way = `${r.src} → ${r.dst}`;
  let proto: string, type: string, fields: string;
  if (r.kind === 'message') {
    proto = r.proto.proto;
    const mt = messageType(r.proto, r.value);
    type = mt ? (mt.name ?? String(mt.value)) : '';
    fields = keyFields(r);
  } else {
    proto = r.proto;
    type = r.kind === 'malformed' ? 'MALFORMED' : '(incomplete)';
    fields = r.kind === 'malformed' ? `${r.error}${r.path ? ` ${r.path}` : ''} @${r.errorOffset}: ${r.reason}` : `@${r.offset}+${r.size}: ${r.reason}`;
  }
  return `${t.padStart(12)}  ${frames.padEnd(11)}  ${flow.padEnd(8)}  ${way.padEnd(45)}  ${proto.padEnd(18)}  ${type.padEnd(14)}  ${fields}`;
}
