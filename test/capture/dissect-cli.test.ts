// `peerwire dissect` end to end: table, --json, --stats, --filter, --map, exit codes, bad files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TcpConversation } from '../../src/capture/pcap-writer.ts';
import { CaptureBuilder, concat, conversation, vectorMessages } from './helpers/dissect-fixtures.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
function peerwire(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'dissect', ...args], { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('peerwire dissect', () => {
  let dir = '';
  let good = '', bad = '';
  const api = vectorMessages('gossip-api');
  const gnutella = vectorMessages('gnutella');
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'peerwire-dissect-cli-'));
    good = join(dir, 'good.pcap');
    writeFileSync(good, new CaptureBuilder()
      .add(...conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 7001 }, [[0, concat(api)]]))
      .add(...conversation({ ip: '10.0.0.1', port: 40001 }, { ip: '10.0.0.2', port: 9000 }, [[0, concat(gnutella)]])).pcap());
    const broken = api[0]!.slice();
    broken[0] = 0; broken[1] = 1;
    const c = new TcpConversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 7001 });
    bad = join(dir, 'bad.pcap');
    writeFileSync(bad, new CaptureBuilder().add(...c.open(), ...c.send(0, concat([api[0]!, broken, api[1]!])), ...c.close()).pcap());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: one object per message with flow, time, frames, proto, type and the conventions JSON; exit 0', () => {
    const r = peerwire(good, '--json', '--map', 'tcp:9000=gnutella');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(api.length + gnutella.length);
    expect(lines[0]).toMatchObject({ kind: 'message', transport: 'tcp', flow: 0, dir: 0, src: '10.0.0.1:40000', dst: '10.0.0.2:7001', time: '1700000000.003000000', frames: [4, 4], offset: 0, proto: 'gossip-api' });
    expect(lines[0]!.messageType).toEqual({ name: expect.any(String), value: expect.any(Number) });
    expect(lines[0]!.message).toHaveProperty('typeName');
    expect(lines.filter((l) => l.proto === 'gnutella')).toHaveLength(gnutella.length);
  });

  it('table, --filter and --stats; without --map the unmapped Gnutella port is still found by content', () => {
    const t = peerwire(good, '--filter', 'announce,ping');
    expect(t.code).toBe(0);
    const rows = t.out.trim().split('\n');
    expect(rows[0]).toMatch(/time\s+frames\s+flow/);
    expect(rows.slice(1).every((l) => /\b(announce|ping)\b/.test(l))).toBe(true);
    expect(rows.length).toBeGreaterThan(3);
    const s = peerwire(good, '--stats', '--json');
    const st = JSON.parse(s.out) as Record<string, any>;
    expect(st.kind).toBe('stats');
    expect(st.messages['gossip-api'].count).toBe(api.length);
    expect(st.messages['gnutella'].count).toBe(gnutella.length);
    expect(st.flows.byProtocol).toMatchObject({ 'tcp gossip-api': 1, 'tcp gnutella': 1 });
    const text = peerwire(good, '--stats');
    expect(text.out).toMatch(/gossip-api\s+\(all\)\s+\d+/);
    expect(text.out).toMatch(/malformed\s+none/);
  });

  it('malformed messages: reported with offset and reason, exit 1', () => {
    const r = peerwire(bad, '--json');
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.find((l) => l.kind === 'malformed')).toMatchObject({ proto: 'gossip-api', error: 'limit', offset: api[0]!.length, reason: expect.stringMatching(/frame length 1/) });
    expect(lines.filter((l) => l.kind === 'message').map((l) => l.offset)).toEqual([0, api[0]!.length + api[0]!.length]);
  });

  it('bad usage and bad files: exit 2 with a clear message, never a stack trace', () => {
    expect(peerwire().code).toBe(2);
    const m = peerwire(good, '--map', 'tcp:99999=gnutella');
    expect([m.code, m.err]).toEqual([2, expect.stringMatching(/port must be 1\.\.65535/)]);
    expect(peerwire(good, '--map', 'tcp:1=nope').err).toMatch(/unknown protocol 'nope'/);
    const missing = peerwire(join(dir, 'missing.pcap'));
    expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/cannot read .*missing\.pcap: ENOENT/)]);
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'this is not a capture at all');
    const j = peerwire(junk);
    expect([j.code, j.err]).toEqual([2, expect.stringMatching(/junk\.pcap: not a pcap or pcapng file: magic 0x74686973 \(at byte 0\)/)]);
    expect(peerwire(dir).code).toBe(2);
    // A truncated capture: what was read is decoded, the truncation is a warning.
    const full = new CaptureBuilder().add(...conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 7001 }, [[0, concat(api)]])).pcap();
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, full.subarray(0, full.length - 30));
    const c = peerwire(cut, '--json');
    expect(c.err).toMatch(/the file ends inside pcap record/);
    expect(c.err).not.toMatch(/\n\s+at /);
    expect(c.out.trim().split('\n').length).toBe(api.length);
  });
});
