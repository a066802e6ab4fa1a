// Every protocol family, in captures made with the project's own writers: the dissector must
// find the protocol (port map, --map, handshake text, content heuristics) and decode every
// message exactly as the codec decodes the original bytes, with nothing malformed.
import { describe, it, expect } from 'vitest';
import { deflateSync, constants } from 'node:zlib';
import { protocols } from '../../src/codecs/index.gen.ts';
import type { MessageRecord } from '../../src/capture/messages.ts';
import { CaptureBuilder, concat, conversation, dissectBytes, jsonOf, messages, notOk, te, vectorMessages } from './helpers/dissect-fixtures.ts';

const P = (n: string) => protocols.find((p) => p.proto === n)!;
const expected = (proto: string, m: Uint8Array) => P(proto).codec.toJson(P(proto).codec.decode(m, 0).value);
const cli = { ip: '10.0.0.1', port: 40000 };
/** On a P2P link the codec is chosen by type; unknown types stay with the link's first codec (overlay). */
const p2pProto = (m: Uint8Array) => {
  const t = (m[2]! << 8) | m[3]!;
  return t >= 504 && t <= 507 ? 'gossip-pushpull' : 'gossip-overlay';
};

function expectStream(got: MessageRecord[], proto: string | ((m: Uint8Array) => string), msgs: Uint8Array[], base = 0) {
  expect(got.map((r) => r.proto.proto)).toEqual(msgs.map((m) => (typeof proto === 'string' ? proto : proto(m))));
  let off = base;
  got.forEach((r, i) => {
    const m = msgs[i]!;
    expect(jsonOf(r)).toEqual(expected(r.proto.proto, m));
    expect([r.offset, r.size]).toEqual([off, m.length]);
    off += m.length;
  });
}

describe('dissect: protocol families', () => {
  const api = vectorMessages('gossip-api');
  const overlay = vectorMessages('gossip-overlay');
  const pushpull = vectorMessages('gossip-pushpull');
  const gnutella = vectorMessages('gnutella');
  const napster = vectorMessages('napster');

  it('has a corpus for every family', () => {
    for (const c of [api, overlay, pushpull, gnutella, napster]) expect(c.length).toBeGreaterThan(4);
  });

  it('gossip API on 7001 and overlay + push-pull on one P2P link (6001), picked by type; INIT/POPULATE over UDP 6001', async () => {
    const p2p = [...overlay, ...pushpull].sort((a, b) => a[3]! - b[3]!); // interleave by type byte
    const b = new CaptureBuilder()
      .add(...conversation(cli, { ip: '10.0.0.2', port: 7001 }, [[0, concat(api.slice(0, 3))], [1, concat(api.slice(3))]]))
      .add(...conversation({ ip: '10.0.0.3', port: 41000 }, { ip: '10.0.0.4', port: 6001 }, [[0, concat(p2p), 7]]))
      .udp({ ip: '10.0.0.3', port: 6101 }, { ip: '10.0.0.9', port: 6001 }, overlay[0]!)
      .udp({ ip: '10.0.0.9', port: 6001 }, { ip: '10.0.0.3', port: 6101 }, overlay.find((m) => m[3] === 0xff)!);
    const rs = await dissectBytes(b.pcap());
    expect(notOk(rs)).toEqual([]);
    const ms = messages(rs);
    const apiUp = ms.filter((r) => r.transport === 'tcp' && r.flow === 0 && r.dir === 0);
    const apiDown = ms.filter((r) => r.transport === 'tcp' && r.flow === 0 && r.dir === 1);
    expectStream(apiUp, 'gossip-api', api.slice(0, 3));
    expectStream(apiDown, 'gossip-api', api.slice(3));
    const link = ms.filter((r) => r.transport === 'tcp' && r.flow === 1);
    expectStream(link, p2pProto, p2p);
    const udp = ms.filter((r) => r.transport === 'udp');
    expect(udp.map((r) => [r.proto.proto, r.dir, r.flow])).toEqual([['gossip-overlay', 0, 0], ['gossip-overlay', 1, 0]]);
  });

  it('Napster on 8888 and 7777, and a --map for another port', async () => {
    const half = Math.ceil(napster.length / 2);
    const b = new CaptureBuilder()
      .add(...conversation(cli, { ip: '10.0.0.2', port: 8888 }, [[0, concat(napster.slice(0, half))], [1, concat(napster.slice(half))]]))
      .add(...conversation({ ip: '10.0.0.1', port: 40001 }, { ip: '10.0.0.2', port: 7777 }, [[0, concat(napster)]]))
      .add(...conversation({ ip: '10.0.0.1', port: 40002 }, { ip: '10.0.0.2', port: 9999 }, [[0, concat(napster)]]));
    const plain = await dissectBytes(b.pcap());
    expect(notOk(plain)).toEqual([]);
    expect(messages(plain).filter((r) => r.flow === 2)).toEqual([]); // port 9999: no heuristic for Napster
    const rs = await dissectBytes(b.pcap(), { map: [['tcp', 9999, 'napster']] });
    expect(notOk(rs)).toEqual([]);
    const ms = messages(rs);
    expectStream(ms.filter((r) => r.flow === 0 && r.dir === 0), 'napster', napster.slice(0, half));
    expectStream(ms.filter((r) => r.flow === 0 && r.dir === 1), 'napster', napster.slice(half));
    expectStream(ms.filter((r) => r.flow === 1), 'napster', napster);
    expectStream(ms.filter((r) => r.flow === 2), 'napster', napster);
  });

  it('Gnutella 0.6 with deflate on both directions, on an unmapped port (found by its handshake line)', async () => {
    const CONNECT = 'GNUTELLA CONNECT/0.6\r\nUser-Agent: peerwire\r\nAccept-Encoding: deflate\r\n\r\n';
    const OK = 'GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\nAccept-Encoding: deflate\r\n\r\n';
    const FINAL = 'GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n';
    const up = concat(gnutella), down = concat([...gnutella].reverse());
    const z = (b: Uint8Array) => deflateSync(b, { finishFlush: constants.Z_SYNC_FLUSH });
    const b = new CaptureBuilder().add(...conversation(cli, { ip: '10.0.0.2', port: 23456 }, [
      [0, te.encode(CONNECT)], [1, te.encode(OK)], [0, te.encode(FINAL)], [0, z(up), 100], [1, z(down), 333],
    ]));
    const rs = await dissectBytes(b.pcap());
    expect(notOk(rs)).toEqual([]);
    const ms = messages(rs);
    expect(ms.filter((r) => r.proto.proto === 'gnutella-handshake').map((r) => [r.dir, r.offset, r.size])).toEqual([
      [0, 0, CONNECT.length], [1, 0, OK.length], [0, CONNECT.length, FINAL.length],
    ]);
    const g = ms.filter((r) => r.proto.proto === 'gnutella');
    expect(g.every((r) => r.compressed)).toBe(true);
    expectStream(g.filter((r) => r.dir === 0), 'gnutella', gnutella);
    expectStream(g.filter((r) => r.dir === 1), 'gnutella', [...gnutella].reverse());
  });

  it('Gnutella 0.4 on 6346 (plain, offsets are TCP stream offsets), mid-handshake capture start, and UDP datagrams', async () => {
    const C04 = 'GNUTELLA CONNECT/0.4\n\n', OK04 = 'GNUTELLA OK\n\n';
    const OK06 = 'GNUTELLA/0.6 200 OK\r\n\r\n';
    const b = new CaptureBuilder()
      .add(...conversation(cli, { ip: '10.0.0.2', port: 6346 }, [[0, te.encode(C04)], [1, te.encode(OK04)], [0, concat(gnutella), 50], [1, concat(gnutella.slice(0, 3))]]))
      // The capture misses the CONNECT block: the response comes first.
      .add(...conversation({ ip: '10.0.0.1', port: 40001 }, { ip: '10.0.0.2', port: 6346 }, [[1, te.encode(OK06)], [0, te.encode(OK06)], [0, concat(gnutella.slice(0, 4))]]))
      .udp({ ip: '10.0.0.5', port: 28681 }, { ip: '10.0.0.2', port: 6346 }, gnutella[0]!)
      .udp({ ip: '10.0.0.5', port: 28681 }, { ip: '10.0.0.6', port: 31000 }, gnutella.find((m) => m[16] === 0x01 && m[17]! + m[18]! <= 16)!) // heuristic
      .udp({ ip: '10.0.0.5', port: 28681 }, { ip: '10.0.0.2', port: 6346 }, te.encode('GND\x02\x00\x00\x00\x00PI')); // G2: not decoded
    const rs = await dissectBytes(b.pcap());
    expect(notOk(rs)).toEqual([]);
    const ms = messages(rs);
    const f0 = ms.filter((r) => r.flow === 0 && r.transport === 'tcp' && r.proto.proto === 'gnutella');
    expectStream(f0.filter((r) => r.dir === 0), 'gnutella', gnutella, C04.length);
    expectStream(f0.filter((r) => r.dir === 1), 'gnutella', gnutella.slice(0, 3), OK04.length);
    const f1 = ms.filter((r) => r.flow === 1 && r.transport === 'tcp');
    expect(f1.map((r) => r.proto.proto)).toEqual(['gnutella-handshake', 'gnutella-handshake', 'gnutella', 'gnutella', 'gnutella', 'gnutella']);
    expectStream(f1.slice(2), 'gnutella', gnutella.slice(0, 4), OK06.length);
    expect(ms.filter((r) => r.transport === 'udp').map((r) => r.proto.proto)).toEqual(['gnutella', 'gnutella']);
  });

  it('P2P-DI: a GetRFC 200 response keeps its file bytes (length from its JSON) with the message, even with line feeds inside', async () => {
    const p2pdi = P('p2pdi');
    const msg = (head: string, json: string, file = new Uint8Array(0)) => concat([te.encode(`${head}\n${json}\n`), file]);
    const file = Uint8Array.from({ length: 3000 }, (_, k) => (k % 97 === 0 ? 0x0a : (k * 31) & 0xff));
    const requests = [msg('GetRFC P2P-DI/1.0 peer-a Linux', '{"rfc":959}'), msg('RFCQuery P2P-DI/1.0 peer-a Linux', '{}')];
    const responses = [msg('200 P2P-DI/1.0 peer-b Linux', `{"format":"txt","length":${file.length}}`, file), msg('200 P2P-DI/1.0 peer-b Linux', '{"rfcs":[959]}')];
    const frames = conversation(cli, { ip: '10.0.0.2', port: 6500 }, [[0, requests[0]!, 50], [1, responses[0]!, 97], [0, requests[1]!, 50], [1, responses[1]!, 50]]);
    const rs = await dissectBytes(new CaptureBuilder().add(...frames).pcap(), { map: [['tcp', 6500, 'p2pdi']] });
    expect(notOk(rs)).toEqual([]);
    const ms = messages(rs);
    expectStream(ms.filter((r) => r.dir === 0), 'p2pdi', requests);
    expectStream(ms.filter((r) => r.dir === 1), 'p2pdi', responses);
    expect((ms.find((r) => r.dir === 1)!.value as { rest: Uint8Array }).rest).toEqual(file);
    expect(p2pdi.codec.decode(responses[0]!, 0).size).toBe(responses[0]!.length);
  });

  it('P2P-DI: a file cut by the end of the connection or by missing bytes is reported, not decoded', async () => {
    const file = new Uint8Array(500).fill(0x41);
    const head = te.encode(`200 P2P-DI/1.0 peer-b Linux\n{"format":"txt","length":${file.length}}\n`);
    // The connection closes 100 bytes into the file: a protocol error.
    const closed = conversation(cli, { ip: '10.0.0.2', port: 6500 }, [[1, concat([head, file.subarray(0, 100)]), 60]]);
    let rs = await dissectBytes(new CaptureBuilder().add(...closed).pcap(), { map: [['tcp', 6500, 'p2pdi']] });
    expect(messages(rs)).toEqual([]);
    expect(notOk(rs)).toMatchObject([{ kind: 'malformed', error: 'eof', offset: 0, size: head.length + 100 }]);
    expect((notOk(rs)[0] as { reason: string }).reason).toMatch(/after 100 of the 500 bytes that follow the message/);
    // A segment of the file missing: the message and the rest of that direction are reported.
    const gappy = conversation(cli, { ip: '10.0.0.2', port: 6500 }, [[1, concat([head, file]), 100]]);
    gappy.splice(4, 1); // open (3 frames), then the second data segment is lost
    rs = await dissectBytes(new CaptureBuilder().add(...gappy).pcap(), { map: [['tcp', 6500, 'p2pdi']] });
    expect(messages(rs)).toEqual([]);
    // The message with the start of its file, the missing segment, and the bytes captured after it.
    const total = head.length + file.length;
    expect(notOk(rs).map((r) => [r.kind, r.offset, r.size])).toEqual([['incomplete', 0, 100], ['incomplete', 100, 100], ['incomplete', 200, total - 200]]);
  });

  it('content heuristics: gossip on unmapped ports, both API and P2P; unknown traffic left alone', async () => {
    const p2p = [...pushpull, ...overlay];
    const b = new CaptureBuilder()
      .add(...conversation(cli, { ip: '10.0.0.2', port: 17001 }, [[0, concat(api)]]))
      .add(...conversation({ ip: '10.0.0.1', port: 40001 }, { ip: '10.0.0.2', port: 16001 }, [[1, concat(p2p)]]))
      .add(...conversation({ ip: '10.0.0.1', port: 40002 }, { ip: '10.0.0.2', port: 80 }, [[0, te.encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], [1, te.encode('HTTP/1.1 200 OK\r\n\r\n')]]));
    const rs = await dissectBytes(b.pcap());
    expect(notOk(rs)).toEqual([]);
    const ms = messages(rs);
    expectStream(ms.filter((r) => r.flow === 0), 'gossip-api', api);
    expectStream(ms.filter((r) => r.flow === 1), p2pProto, p2p);
    expect(ms.filter((r) => r.flow === 2)).toEqual([]);
    const off = await dissectBytes(b.pcap(), { heuristics: false });
    expect(messages(off)).toEqual([]);
    const none = await dissectBytes(b.pcap(), { map: [['tcp', 17001, 'none']] });
    expect(messages(none).filter((r) => r.flow === 0)).toEqual([]);
  });
});

describe('dissect: P2P-DI found by content', () => {
  it('a P2P-DI exchange on an unmapped port is recognised by its header line; other text is not', async () => {
    const msg = (head: string, json: string) => te.encode(`${head}\n${json}\n`);
    const req = [msg('Register P2P-DI/1.0 peer-a Linux', '{"port":7734}'), msg('PQuery P2P-DI/1.0 peer-a Linux', '{}')];
    const res = [msg('201 P2P-DI/1.0 rs Linux', '{"cookie":1}'), msg('200 P2P-DI/1.0 rs Linux', '{"peers":[]}')];
    const b = new CaptureBuilder()
      .add(...conversation(cli, { ip: '10.0.0.2', port: 65400 }, [[0, req[0]!, 7], [1, res[0]!, 7], [0, req[1]!, 7], [1, res[1]!, 7]]))
      .add(...conversation({ ip: '10.0.0.3', port: 40001 }, { ip: '10.0.0.2', port: 80 }, [[0, te.encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], [1, te.encode('HTTP/1.1 200 OK\r\n\r\n')]]));
    const rs = await dissectBytes(b.pcap());
    expect(notOk(rs)).toEqual([]);
    const ms = messages(rs);
    expectStream(ms.filter((r) => r.flow === 0 && r.dir === 0), 'p2pdi', req);
    expectStream(ms.filter((r) => r.flow === 0 && r.dir === 1), 'p2pdi', res);
    expect(ms.filter((r) => r.flow === 1)).toEqual([]);
  });
});
