// Differential test against Wireshark's Gnutella dissector: generated Gnutella 0.4 captures
// (descriptor types tshark decodes: ping, pong, push, query, query hit; payloads under its
// 4096-byte limit), decoded by tshark with `-d tcp.port==N,gnutella` and by us with
// `--map tcp:N=gnutella`: the same messages, in the same frames, with the same field values.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageRecord } from '../../src/capture/messages.ts';
import { TcpConversation } from '../../src/capture/pcap-writer.ts';
import { CaptureBuilder, concat, dissectBytes, jsonOf, messages, notOk, vectorMessages } from './helpers/dissect-fixtures.ts';

const tshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
if (!tshark && process.env.CI) throw new Error('tshark is required in CI (.ci/run installs it)');
if (!tshark) console.log('skipping dissect-vs-tshark tests: tshark is not installed (apt-get install -y tshark)');

const PORT = 7000;
const TYPES = [0x00, 0x01, 0x40, 0x80, 0x81];
const corpus = vectorMessages('gnutella').filter((m) => TYPES.includes(m[16]!) && m.length - 23 <= 4096);

type Fields = Record<string, string | string[]>;
const colons = (hex: string) => hex.match(/../g)!.join(':');
const dotted = (hex: string) => hex.match(/../g)!.map((h) => parseInt(h, 16)).join('.');

/** Our decoded message projected onto tshark's gnutella.* fields. */
function ours(r: MessageRecord): Fields {
  const j = jsonOf(r) as Record<string, any>;
  const f: Fields = {
    'gnutella.header.id': colons(j.guid), 'gnutella.header.payload': String(j.payloadType), 'gnutella.header.ttl': String(j.ttl),
    'gnutella.header.hops': String(j.hops), 'gnutella.header.size': String(j.payloadLength),
  };
  const p = j.payload;
  if (j.payloadType === 0x01) Object.assign(f, { 'gnutella.pong.port': String(p.port), 'gnutella.pong.ip': dotted(p.ip), 'gnutella.pong.files': String(p.numFiles), 'gnutella.pong.kbytes': String(p.numKbytes) });
  if (j.payloadType === 0x40) Object.assign(f, { 'gnutella.push.servent_id': colons(p.serventId), 'gnutella.push.index': String(p.fileIndex), 'gnutella.push.ip': dotted(p.ip), 'gnutella.push.port': String(p.port) });
  if (j.payloadType === 0x80) Object.assign(f, { 'gnutella.query.min_speed': String(p.minSpeedRaw), 'gnutella.query.search': p.criteria });
  if (j.payloadType === 0x81) {
    Object.assign(f, { 'gnutella.queryhit.count': String(p.numHits), 'gnutella.queryhit.port': String(p.port), 'gnutella.queryhit.ip': dotted(p.ip), 'gnutella.queryhit.speed': String(p.speed), 'gnutella.queryhit.servent_id': colons(p.serventId) });
    f['hits'] = (p.results as Array<Record<string, any>>).map((h) => `${h.fileIndex}/${h.fileSize}/${h.fileName}`);
  }
  return f;
}

/** tshark's gnutella fields, flattened, one entry per message, with the frame that completed it. */
function theirs(file: string, extra: string[] = []): Array<{ frame: number; f: Fields }> {
  const out = execFileSync('tshark', ['-r', file, '-n', '-d', `tcp.port==${PORT},gnutella`, ...extra, '-T', 'json', '-J', 'frame gnutella', '--no-duplicate-keys', '-Y', 'gnutella'],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const rows: Array<{ frame: number; f: Fields }> = [];
  for (const pkt of JSON.parse(out) as Array<{ _source: { layers: Record<string, any> } }>) {
    const l = pkt._source.layers;
    const frame = Number(l['frame']['frame.number']);
    const gs = Array.isArray(l['gnutella']) ? l['gnutella'] : [l['gnutella']];
    for (const g of gs) {
      const headers = Array.isArray(g['gnutella.header']) ? g['gnutella.header'] : [g['gnutella.header']];
      for (const h of headers) {
        const f: Fields = {};
        const walk = (o: Record<string, any>) => {
          for (const [k, v] of Object.entries(o)) {
            if (k === 'gnutella.queryhit.hit') {
              f['hits'] = (Array.isArray(v) ? v : [v]).map((x: Record<string, string>) => `${x['gnutella.queryhit.hit.index']}/${x['gnutella.queryhit.hit.size']}/${x['gnutella.queryhit.hit.name']}`);
            } else if (v && typeof v === 'object') walk(v);
            else if (k !== 'gnutella.queryhit.extra') f[k] = v as string;
          }
        };
        walk(h);
        if (f['gnutella.header.payload'] === '129' && !f['hits']) f['hits'] = [];
        rows.push({ frame, f });
      }
    }
  }
  return rows;
}

describe.skipIf(!tshark)('dissect vs tshark on generated Gnutella 0.4 captures', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'peerwire-dissect-tshark-')); return () => rmSync(dir, { recursive: true, force: true }); });

  // [name, segments, tshark options, compare frame numbers]. With reordering, tshark names the frame
  // that arrived last (it completed the reassembly); we name the frame carrying the last byte.
  const cases: Array<[string, (c: TcpConversation, msgs: Uint8Array[]) => Uint8Array[], string[], boolean]> = [
    ['in order: small segments (messages and headers split) and big ones (several messages per segment)', (c, msgs) => [
      ...c.send(0, concat(msgs), 17), ...c.send(1, concat([...msgs].reverse()), 700), ...c.send(0, concat(msgs.slice(0, 5)), 1460),
    ], [], true],
    ['out of order and retransmitted segments (tshark with tcp.reassemble_out_of_order)', (c, msgs) => {
      const segs = c.send(0, concat([...msgs, ...msgs]), 60);
      const out = [...segs];
      [out[2], out[3]] = [out[3]!, out[2]!];
      [out[10], out[12]] = [out[12]!, out[10]!];
      out.splice(7, 0, segs[5]!);
      return out;
    }, ['-o', 'tcp.reassemble_out_of_order:TRUE'], false],
  ];

  for (const [name, build, extra, withFrames] of cases) {
    it(name, async () => {
      expect(corpus.length).toBeGreaterThanOrEqual(10);
      const c = new TcpConversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: PORT });
      const frames = [...c.open(), ...build(c, corpus), ...c.close()];
      const pcap = new CaptureBuilder().add(...frames).pcap();
      const file = join(dir, `${name.length}.pcap`);
      writeFileSync(file, pcap);
      const rs = await dissectBytes(pcap, { map: [['tcp', PORT, 'gnutella']] });
      expect(notOk(rs)).toEqual([]);
      const mine = messages(rs).map((r) => ({ frame: r.frames[1], f: ours(r) }));
      const ref = theirs(file, extra);
      expect(mine.length).toBeGreaterThanOrEqual(corpus.length);
      // tshark lists messages per frame; within a frame (and across directions) order by frame, then stream order.
      const key = (x: { frame: number; f: Fields }) => `${withFrames ? String(x.frame).padStart(6, '0') : ''} ${JSON.stringify(Object.fromEntries(Object.entries(x.f).sort()))}`;
      expect(mine.map(key).sort()).toEqual(ref.map(key).sort());
    });
  }
});
