// tshark / capinfos (Wireshark 4.x) read the files our writer makes: pcap in both byte orders
// and resolutions, pcapng with two sections of different byte order, two interfaces, a Simple
// Packet Block and an unknown block; checksums of the built packets are valid.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureBytes, readCaptureFile, type CapturedPacket } from '../../src/capture/capture-reader.ts';
import { dissect } from '../../src/capture/dissector.ts';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  PcapWriter, PcapngWriter, TcpConversation, udpDatagram, fragmentIpv4, ethernetFrame, ipv4Packet,
  IPPROTO_UDP, ETHERTYPE_IPV4, LINKTYPE_RAW, exchangeToPcapng,
} from '../../src/capture/pcap-writer.ts';

const have = (cmd: string) => spawnSync(cmd, ['-v'], { stdio: 'ignore' }).status === 0;
const tshark = have('tshark');
const capinfos = have('capinfos');
if (!tshark && process.env.CI) throw new Error('tshark is required in CI');
if (!tshark) console.log('skipping tshark tests: tshark is not installed (apt-get install -y tshark)');

const te = new TextEncoder();
const T0 = 1_700_000_000_000_000_000n;

function frames(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const c = new TcpConversation({ ip: '10.0.0.2', port: 50000 }, { ip: '10.0.0.9', port: 6346 });
  out.push(...c.open(), ...c.send(0, te.encode('GNUTELLA CONNECT/0.6\r\n\r\n'), 10), ...c.send(1, te.encode('GNUTELLA/0.6 200 OK\r\n\r\n')), ...c.close());
  const c6 = new TcpConversation({ ip: '2001:db8::1', port: 1111 }, { ip: '2001:db8::2', port: 2222 });
  out.push(...c6.open(), ...c6.send(0, new Uint8Array(3000).fill(7), 1400));
  const u = udpDatagram({ src: '10.0.0.2', dst: '10.0.0.9', srcPort: 7, dstPort: 6346, payload: new Uint8Array(3000).fill(1) });
  out.push(...fragmentIpv4({ src: '10.0.0.2', dst: '10.0.0.9', protocol: IPPROTO_UDP, payload: u, identification: 9 }, 1480)
    .map((p) => ethernetFrame({ etherType: ETHERTYPE_IPV4, payload: p })));
  out.push(ethernetFrame({ etherType: ETHERTYPE_IPV4, vlanIds: [5, 6], tpid: 0x88a8, payload: ipv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', protocol: IPPROTO_UDP, payload: udpDatagram({ src: '1.1.1.1', dst: '2.2.2.2', srcPort: 9, dstPort: 10, payload: Uint8Array.of(1) }) }) }));
  return out;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

describe.skipIf(!tshark)('tshark reads our writer\'s files', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'peerwire-tshark-')); });

  for (const [littleEndian, nanosecond] of [[true, false], [false, true]] as const) {
    it(`pcap ${littleEndian ? 'LE' : 'BE'} ${nanosecond ? 'ns' : 'µs'}: packets, timestamps, checksums, reassembly`, () => {
      const fs = frames();
      const w = new PcapWriter({ littleEndian, nanosecond });
      fs.forEach((f, i) => w.packet({ timestampNs: T0 + BigInt(i) * 1_000_001n, data: f }));
      const file = join(dir, `t-${littleEndian}-${nanosecond}.pcap`);
      writeFileSync(file, w.toBytes());
      const rows = run('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
        '-T', 'fields', '-E', 'separator=;', '-e', 'frame.time_epoch', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status',
        '-e', 'udp.checksum.status', '-e', 'ip.fragment.count', '-e', 'vlan.id', '-e', '_ws.malformed', '-e', 'ieee8021ad.id']).trim().split('\n').map((l) => l.split(';'));
      expect(rows).toHaveLength(fs.length);
      expect(rows[1]![0]).toBe(nanosecond ? '1700000000.001000001' : '1700000000.001000000');
      for (const r of rows) {
        expect(r[1]).not.toBe('0'); // 0 = bad checksum
        expect(r[2]).not.toBe('0');
        expect(r[3]).not.toBe('0');
        expect(r[6]).toBe('');
      }
      expect(rows.filter((r) => r[2] === '1').length).toBeGreaterThan(10); // TCP checksums verified good
      expect(rows.some((r) => r[4] === '3' && r[3] === '1')).toBe(true); // 3 fragments reassembled, UDP checksum good
      expect([rows.at(-1)![7], rows.at(-1)![5]]).toEqual(['5', '6']); // 802.1ad outer tag, 802.1Q inner tag
    });
  }

  it('pcapng: two sections (LE then BE), two interfaces, comment, SPB, unknown block', () => {
    const fs = frames();
    const w = new PcapngWriter({ littleEndian: true, userAppl: 'peerwire' });
    w.addInterface({ name: 'eth0' });
    w.addInterface({ linkType: LINKTYPE_RAW, nanosecond: false });
    w.packet({ interfaceId: 0, timestampNs: T0, data: fs[0]!, comment: 'hello' });
    w.packet({ interfaceId: 1, timestampNs: T0 + 1000n, data: ipv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', protocol: IPPROTO_UDP, payload: udpDatagram({ src: '1.1.1.1', dst: '2.2.2.2', srcPort: 1, dstPort: 2, payload: Uint8Array.of(1, 2, 3) }) }) });
    w.block(0x80000123, Uint8Array.of(1, 2, 3)); // local-use block type: skipped by readers
    w.simplePacket(fs[1]!);
    w.section({ littleEndian: false });
    w.addInterface();
    w.packet({ timestampNs: T0 + 2000n, data: fs[2]! });
    const file = join(dir, 't.pcapng');
    writeFileSync(file, w.toBytes());
    const rows = run('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=;', '-e', 'frame.len', '-e', 'frame.comment', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', '_ws.malformed'])
      .trim().split('\n').map((l) => l.split(';'));
    expect(rows).toEqual([
      ['54', 'hello', '1700000000.000000000', '10.0.0.2', ''],
      ['31', '', '1700000000.000001000', '1.1.1.1', ''],
      ['54', '', '', '10.0.0.9', ''],
      ['54', '', '1700000000.000002000', '10.0.0.2', ''],
    ]);
    if (capinfos) expect(run('capinfos', ['-M', '-c', file])).toMatch(/Number of packets:\s+4/);
  });

  it('an exchange written for the fuzzer opens and reassembles in tshark', () => {
    const file = join(dir, 'exchange.pcapng');
    writeFileSync(file, exchangeToPcapng([
      { dir: 0, bytes: te.encode('GNUTELLA CONNECT/0.6\r\n\r\n'), comment: 'fuzz step 1' },
      { dir: 1, bytes: te.encode('GNUTELLA/0.6 200 OK\r\n\r\n') },
      { dir: 0, bytes: new Uint8Array(4000).fill(0x61) },
    ], { startNs: T0, mss: 1000 }));
    const rows = run('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=;', '-e', 'frame.comment', '-e', 'tcp.checksum.status', '-e', '_ws.malformed', '-e', 'tcp.analysis.flags'])
      .trim().split('\n').map((l) => l.split(';'));
    expect(rows.length).toBe(3 + 1 + 1 + 4 + 3);
    expect(rows[3]![0]).toBe('fuzz step 1');
    for (const r of rows) expect([r[1], r[2], r[3]]).toEqual(['1', '', '']);
    const follow = run('tshark', ['-r', file, '-q', '-z', 'follow,tcp,raw,0']);
    expect(follow.replace(/\s/g, '')).toContain('61'.repeat(4000));
  });

  const REAL = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures/gnutella-gtkg-2022.pcap');
  it.skipIf(!existsSync(REAL) || !have('editcap'))('reads the pcapng that editcap makes of the real capture like the original', () => {
    const ng = join(dir, 'real.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', REAL, ng], { stdio: 'ignore' });
    const pk = (f: string) => readCaptureBytes(readFileSync(f)).filter((e): e is CapturedPacket => e.kind === 'packet');
    const a = pk(REAL), b = pk(ng);
    expect(b.length).toBe(a.length);
    expect(a.length).toBe(3905);
    for (let i = 0; i < a.length; i++) {
      expect([b[i]!.timestampNs, b[i]!.originalLength, b[i]!.linkType]).toEqual([a[i]!.timestampNs, a[i]!.originalLength, a[i]!.linkType]);
      expect(Buffer.compare(Buffer.from(a[i]!.data), Buffer.from(b[i]!.data))).toBe(0);
    }
  });

  it.skipIf(!existsSync(REAL))('TCP reassembly of the real capture equals tshark "follow tcp" on the largest flows', async () => {
    const streams = new Map<number, { name: [string, string]; dirs: [number[][], number[][]] }>();
    for await (const e of dissect(readCaptureFile(REAL), { flowEvents: true, gnutella: false })) {
      if (e.kind !== 'flow' || e.event.kind !== 'stream') continue;
      const { flow, dir, event } = e.event;
      let s = streams.get(flow.id);
      if (!s) streams.set(flow.id, s = { name: [`${flow.client.ip}:${flow.client.port}`, `${flow.server.ip}:${flow.server.port}`], dirs: [[], []] });
      if (event.kind === 'gap') throw new Error(`unexpected gap in flow ${flow.id}`);
      if (event.kind === 'data') s.dirs[dir].push(Array.from(event.bytes));
    }
    const size = (s: { dirs: [number[][], number[][]] }) => s.dirs.flat().reduce((n, c) => n + c.length, 0);
    const biggest = [...streams.values()].sort((a, b) => size(b) - size(a)).slice(0, 5);
    for (const s of biggest) {
      const out = run('tshark', ['-r', REAL, '-q', '-z', `follow,tcp,raw,${s.name[0]},${s.name[1]}`]);
      const node0 = /Node 0: (\S+)/.exec(out)![1];
      const theirs: [string, string] = ['', ''];
      for (const line of out.split('\n')) {
        if (!/^\t?[0-9a-f]+$/.test(line)) continue;
        const fromNode1 = line.startsWith('\t');
        const dir = (fromNode1 ? 1 : 0) ^ (node0 === s.name[0] ? 0 : 1);
        theirs[dir] += line.trim();
      }
      const ours = s.dirs.map((d) => Buffer.from(d.flat()).toString('hex'));
      expect(ours[0]!.length, s.name.join(' ')).toBeGreaterThan(0);
      expect(ours, s.name.join(' ')).toEqual(theirs);
    }
  });
});
