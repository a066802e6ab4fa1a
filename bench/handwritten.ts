/**
 * Hand-written DataView codecs for ONE sample message per family: the baseline the benchmark
 * compares generated code against (the "straight-line code a careful engineer writes by hand").
 * Benchmark-only: nothing in peerwire uses these; the specs stay the single source of layouts.
 * Each decoder returns the same object shape as the generated one, so the work compared is equal.
 */

const latin1 = (b: Uint8Array, s: number, e: number): string => String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);

export interface Hand {
  decode(b: Uint8Array, dv: DataView, p: number, end: number): unknown;
  encode?(v: any): Uint8Array;
}

export const hand: Record<string, Hand> = {
  'gossip-api': {
    decode(b, dv, p, end) {
      if (end - p < 4) throw new RangeError('eof');
      const size = dv.getUint16(p);
      const type = dv.getUint16(p + 2);
      if (size < 8 || size > end - p) throw new RangeError('bad size');
      const body = { ttl: b[p + 4]!, reserved: b[p + 5]!, dataType: dv.getUint16(p + 6), data: b.subarray(p + 8, p + size) };
      return { size, type, body };
    },
    encode(v: { type: number; body: { ttl: number; dataType: number; data: Uint8Array } }) {
      const n = 8 + v.body.data.length;
      const out = new Uint8Array(n);
      out[0] = n >> 8;
      out[1] = n;
      out[2] = v.type >> 8;
      out[3] = v.type;
      out[4] = v.body.ttl;
      out[6] = v.body.dataType >> 8;
      out[7] = v.body.dataType;
      out.set(v.body.data, 8);
      return out;
    },
  },
  'gossip-overlay': {
    decode(b, dv, p, end) {
      const size = dv.getUint16(p);
      const type = dv.getUint16(p + 2);
      const stop = p + size;
      if (stop > end) throw new RangeError('bad size');
      const id = dv.getUint16(p + 4);
      const reserved = dv.getUint16(p + 6);
      const entries = [];
      let q = p + 8;
      while (q < stop) {
        const eid = dv.getUint16(q);
        const flags = b[q + 4]!;
        const alen = flags & 1 ? 16 : 4;
        if (q + 6 + alen > stop) throw new RangeError('eof');
        entries.push({ id: eid, addr: { port: dv.getUint16(q + 2), reservedFlags: flags >> 1, isIpv6: (flags & 1) === 1, reserved: b[q + 5]!, address: b.subarray(q + 6, q + 6 + alen) } });
        q += 6 + alen;
      }
      return { size, type, body: { id, reserved, entries } };
    },
  },
  'gossip-pushpull': {
    decode(b, dv, p, end) {
      const size = dv.getUint16(p);
      const type = dv.getUint16(p + 2);
      const stop = p + size;
      if (stop > end) throw new RangeError('bad size');
      const count = dv.getUint16(p + 4);
      if (count * 8 > stop - p - 6) throw new RangeError('count');
      const peers = [];
      let q = p + 6;
      for (let k = 0; k < count; k++) {
        const flags = b[q + 2]!;
        const alen = flags & 1 ? 16 : 4;
        if (q + 4 + alen > stop) throw new RangeError('eof');
        peers.push({ port: dv.getUint16(q), reservedFlags: flags >> 1, isIpv6: (flags & 1) === 1, reserved: b[q + 3]!, address: b.subarray(q + 4, q + 4 + alen) });
        q += 4 + alen;
      }
      return { size, type, body: { count, peers } };
    },
  },
  gnutella: {
    decode(b, dv, p, end) {
      if (end - p < 23) throw new RangeError('eof');
      const payloadLength = dv.getUint32(p + 19, true);
      if (payloadLength > end - p - 23 || payloadLength < 14) throw new RangeError('bad length');
      const q = p + 23;
      const payload = { port: dv.getUint16(q, true), ip: b.subarray(q + 2, q + 6), numFiles: dv.getUint32(q + 6, true), numKbytes: dv.getUint32(q + 10, true), ggep: [] as unknown[] };
      return { guid: b.subarray(p, p + 16), payloadType: b[p + 16]!, ttl: b[p + 17]!, hops: b[p + 18]!, payloadLength, payload };
    },
    encode(v: { guid: Uint8Array; payloadType: number; ttl: number; hops: number; payload: { port: number; ip: Uint8Array; numFiles: number; numKbytes: number } }) {
      const out = new Uint8Array(37);
      const dv = new DataView(out.buffer);
      out.set(v.guid, 0);
      out[16] = v.payloadType;
      out[17] = v.ttl;
      out[18] = v.hops;
      dv.setUint32(19, 14, true);
      dv.setUint16(23, v.payload.port, true);
      out.set(v.payload.ip, 25);
      dv.setUint32(29, v.payload.numFiles, true);
      dv.setUint32(33, v.payload.numKbytes, true);
      return out;
    },
  },
  'gnutella-handshake': {
    decode(b, _dv, p, end) {
      const lines = [];
      let q = p;
      for (;;) {
        const nl = b.indexOf(10, q);
        if (nl < 0 || nl >= end) throw new RangeError('no LF');
        const text = latin1(b, q, nl);
        q = nl + 1;
        if (lines.length === 0) lines.push({ text, isBlank: text === '' || text === '\r' });
        else {
          const isBlank = text === '' || text === '\r';
          lines.push({ text, isBlank });
          if (isBlank) break;
        }
      }
      return { startLine: lines[0], headers: lines.slice(1) };
    },
  },
  napster: {
    decode(b, dv, p, end) {
      const length = dv.getUint16(p, true);
      const type = dv.getUint16(p + 2, true);
      const stop = p + 4 + length;
      if (stop > end) throw new RangeError('eof');
      let q = p + 4;
      const word = () => {
        const sp = b.indexOf(32, q);
        if (sp < 0 || sp >= stop) throw new RangeError('no space');
        const s = latin1(b, q, sp);
        q = sp + 1;
        return s;
      };
      const nick = word();
      const password = word();
      const port = word();
      if (b[q] !== 34) throw new RangeError('no quote');
      const open = q;
      const close = b.indexOf(34, q + 1);
      if (close < 0 || close >= stop) throw new RangeError('no quote');
      const clientInfo = latin1(b, q + 1, close);
      q = close + 1;
      if (b[q] !== 32) throw new RangeError('no space');
      const linkType = latin1(b, q + 1, stop);
      return { length, type, data: { nick, password, port, clientInfoOpen: b.subarray(open, open + 1), clientInfo, sep: b.subarray(q, q + 1), linkType } };
    },
    encode(v: { type: number; data: { nick: string; password: string; port: string; clientInfo: string; linkType: string } }) {
      const text = `${v.data.nick} ${v.data.password} ${v.data.port} "${v.data.clientInfo}" ${v.data.linkType}`;
      const out = new Uint8Array(4 + text.length);
      out[0] = text.length;
      out[1] = text.length >> 8;
      out[2] = v.type;
      out[3] = v.type >> 8;
      for (let k = 0; k < text.length; k++) out[4 + k] = text.charCodeAt(k);
      return out;
    },
  },
  p2pdi: {
    decode(b, _dv, p, end) {
      const nl = b.indexOf(10, p);
      if (nl < 0 || nl >= end) throw new RangeError('no LF');
      const parts = latin1(b, p, nl).split(' ');
      if (parts.length !== 4 || parts[1] !== 'P2P-DI/1.0') throw new RangeError('bad header');
      const nl2 = b.indexOf(10, nl + 1);
      if (nl2 < 0 || nl2 >= end) throw new RangeError('no LF');
      return { command: parts[0], version: parts[1], hostname: parts[2], os: parts[3], data: latin1(b, nl + 1, nl2), rest: b.subarray(nl2 + 1, end) };
    },
  },
  seedgossip: {
    decode(b, _dv, p, end) {
      const nl = b.indexOf(10, p);
      if (nl < 0 || nl >= end) throw new RangeError('no LF');
      const f = latin1(b, p, nl).split(':');
      if (f[0] !== 'Liveness Reply' || f.length !== 4) throw new RangeError('not a liveness reply');
      return { line: { head: f[0], body: { timestamp: f[1], ip: f[2], replierIp: f[3] } } };
    },
  },
};
