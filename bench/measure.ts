/**
 * One measurement in its own process (so JIT state of one implementation never affects another):
 *   tsx bench/measure.ts <proto> <ours|kaitai|hand> <decode|encode> [vector file, default: the family's sample]
 * Prints one JSON line: { proto, impl, op, msgsPerSec, rounds }.
 */
import { createRequire } from 'node:module';
import { protocols } from '../src/codecs/index.gen.ts';
import { fromHex, withoutDerived } from '../src/runtime/index.ts';
import { compileKsyWithKaitai, specForProto } from '../test/support/kaitai-oracle.ts';
import { hand } from './handwritten.ts';
import { sample } from './samples.ts';

const [proto = 'gossip-api', impl = 'ours', op = 'decode', sampleFile] = process.argv.slice(2);
const COUNT = Number(process.env.BENCH_COUNT ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const p = protocols.find((x) => x.proto === proto);
if (!p) throw new Error(`unknown proto ${proto}`);
const s = sample(proto, sampleFile);
const msg = fromHex(s.hex);
const len = msg.length;


/** Decoded values escape into a ring, as in real use (otherwise V8 may elide the allocations of one implementation and not another). */
const ring: unknown[] = new Array(1024).fill(null);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  let run: () => number;
  if (op === 'decode') {
    const buf = new Uint8Array(len * COUNT);
    for (let k = 0; k < COUNT; k++) buf.set(msg, k * len);
    const dv = new DataView(buf.buffer);
    // A top-level type that reads to the end of its input (text protocols) decodes one view per message.
    const views = p!.codec.decode(buf, 0).size !== len;
    if (impl === 'ours' && views) {
      const decode = p!.codec.decode;
      run = () => {
        let sum = 0;
        for (let off = 0; off < buf.length; off += len) {
          const r = decode(buf.subarray(off, off + len), 0);
          ring[off & 1023] = r.value;
          sum += r.size;
        }
        return sum;
      };
    } else if (impl === 'ours') {
      const decode = p!.codec.decode;
      run = () => {
        let sum = 0;
        for (let off = 0; off < buf.length; off += len) {
          const r = decode(buf, off);
          ring[off & 1023] = r.value;
          sum += r.size;
        }
        return sum;
      };
    } else if (impl === 'kaitai') {
      const c = await compileKsyWithKaitai(specForProto(proto), { debug: false });
      const { KaitaiStream } = createRequire(import.meta.url)('kaitai-struct');
      const Top = c.TopClass;
      run = () => {
        let sum = 0;
        for (let off = 0; off < buf.length; off += len) {
          const o = new Top(new KaitaiStream(buf.subarray(off, off + len)));
          ring[off & 1023] = o;
          sum += o._io.pos;
        }
        return sum;
      };
    } else {
      const h = hand[proto]!;
      run = () => {
        let sum = 0;
        for (let off = 0; off < buf.length; off += len) {
          const o = h.decode(buf, dv, off, off + len) as object;
          ring[off & 1023] = o;
          sum += o ? len : 0;
        }
        return sum;
      };
    }
  } else {
    const init = p!.codec.fromJson(withoutDerived(s.json, p!.codec.info));
    const decoded = p!.codec.decode(msg).value;
    if (impl === 'ours') {
      const encode = p!.codec.encode;
      run = () => {
        let sum = 0;
        for (let k = 0; k < COUNT; k++) {
          const out = encode(init);
          ring[k & 1023] = out;
          sum += out.length;
        }
        return sum;
      };
    } else if (impl === 'hand' && hand[proto]?.encode) {
      const enc = hand[proto]!.encode!;
      run = () => {
        let sum = 0;
        for (let k = 0; k < COUNT; k++) {
          const out = enc(decoded);
          ring[k & 1023] = out;
          sum += out.length;
        }
        return sum;
      };
    } else {
      console.log(JSON.stringify({ proto, impl, op, msgsPerSec: null, note: impl === 'kaitai' ? 'Kaitai JS cannot encode' : 'no hand-written encoder' }));
      return;
    }
  }
  const rates: number[] = [];
  let check = -1;
  // No forced GC between rounds: collection cost is part of real throughput.
  for (let r = 0; r < ROUNDS + 1; r++) {
    const t0 = process.hrtime.bigint();
    const sum = run();
    const ns = Number(process.hrtime.bigint() - t0);
    if (check >= 0 && sum !== check) throw new Error('checksum changed between rounds');
    check = sum;
    if (r > 0) rates.push(COUNT / (ns / 1e9)); // round 0 warms up the JIT
  }
  console.log(JSON.stringify({ proto, impl, op, msgsPerSec: Math.round(median(rates)), rounds: ROUNDS, count: COUNT, bytes: len }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
