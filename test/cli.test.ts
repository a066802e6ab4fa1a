/** The CLI contract of issue 2: list, decode (JSON Lines, errors, exit codes), encode, codegen. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function cli(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'peerwire.mjs'), ...args], { cwd: root, input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const lines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('peerwire CLI', () => {
  it('list shows every protocol with its message types', () => {
    const r = cli(['list', '--json']);
    expect(r.code).toBe(0);
    const protos = lines(r.out);
    expect(protos.map((p) => p.proto)).toEqual(expect.arrayContaining(['gossip-api', 'gossip-overlay', 'gossip-pushpull', 'gnutella', 'gnutella-handshake', 'napster', 'p2pdi', 'seedgossip']));
    const api = protos.find((p) => p.proto === 'gossip-api')!;
    expect(api.messageTypes).toEqual([{ value: 500, name: 'announce' }, { value: 501, name: 'notify' }, { value: 502, name: 'notification' }, { value: 503, name: 'validation' }]);
  });

  it('decode prints one JSON line per message, type by name and number, bytes as hex', () => {
    const r = cli(['decode', '--proto', 'gossip-api', '--hex', '000801f500000539001001f4040005396465616462656566']);
    expect(r.code).toBe(0);
    const [a, b] = lines(r.out);
    expect(a).toMatchObject({ offset: 0, size: 8, messageType: { name: 'notify', value: 501 }, message: { size: 8, type: 501, typeName: 'notify', body: { dataType: 1337 } } });
    expect(b).toMatchObject({ offset: 8, messageType: { name: 'announce', value: 500 }, message: { body: { ttl: 4, dataType: 1337, data: '6465616462656566' } } });
  });

  it('decode keeps the good messages before a malformed one, then reports it and exits 1', () => {
    const r = cli(['decode', '--proto', 'gossip-api', '--hex', '000801f500000539' + '000901f50000053900']);
    expect(r.code).toBe(1);
    const out = lines(r.out);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ messageType: { name: 'notify' } });
    expect(out[1]).toEqual({ proto: 'gossip-api', error: 'valid', offset: 14, path: 'gossip_api.body.data_type', reason: '1337 fails (_io.size == 4)' });
  });

  it('decode reads a file and stdin; a stream of Gnutella descriptors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerwire-cli-'));
    const pong = '000102030405060708090a0b0c0d0e0f0106010e000000ca18c0a801020a00000000080000';
    writeFileSync(join(dir, 's.bin'), Buffer.from(pong + pong, 'hex'));
    const f = cli(['decode', '--proto', 'gnutella', '--file', join(dir, 's.bin')]);
    expect(f.code).toBe(0);
    expect(lines(f.out).map((l) => (l.messageType as { name: string }).name)).toEqual(['pong', 'pong']);
    const s = cli(['decode', '--proto', 'gnutella', '--hex-stdin'], pong);
    expect(lines(s.out)[0]).toMatchObject({ message: { payload: { port: 6346, ip: 'c0a80102' } } });
  });

  it('encode derives lengths and accepts decode output back', () => {
    const r = cli(['encode', '--proto', 'gossip-api', '--json', '[{"type":501,"body":{"dataType":1337}},{"type":500,"body":{"ttl":4,"dataType":1337,"data":"6465616462656566"}}]']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['000801f500000539', '001001f4040005396465616462656566']);
    const forced = cli(['encode', '--proto', 'gossip-api', '--json', '{"size":9,"type":501,"body":{"dataType":1337}}']);
    expect(forced.out.trim()).toBe('000901f500000539');
  });

  it('bad usage exits 2 with a message; bad values exit 1 naming the field', () => {
    expect(cli(['nope']).code).toBe(2);
    const u = cli(['decode', '--proto', 'nope', '--hex', '00']);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/unknown protocol 'nope'/);
    expect(cli(['decode', '--proto', 'gossip-api', '--hex', 'zz']).code).toBe(2);
    expect(cli(['decode', '--proto', 'gossip-api', '--bogus']).code).toBe(2);
    const e = cli(['encode', '--proto', 'gossip-api', '--json', '{"type":500,"body":{"ttl":300,"dataType":1,"data":""}}']);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/gossip_api\.body\.ttl: 300 does not fit an unsigned 8-bit field/);
  });

  it('codegen writes modules and refuses a bad spec with file:line', () => {
    const out = mkdtempSync(join(tmpdir(), 'peerwire-gen-'));
    const ok = cli(['codegen', 'spec/gossip', '--out', out, '--quiet']);
    expect(ok.code).toBe(0);
    expect(readdirSync(join(out, 'gossip')).sort()).toEqual(['api.gen.ts', 'overlay.gen.ts', 'peer_addr.gen.ts', 'pushpull.gen.ts']);
    const bad = cli(['codegen', 'test/codegen/bad/unknown-key.ksy', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown-key\.ksy:10:5: error: \/seq\/0\/sise: unsupported key 'sise'/);
  });
});
