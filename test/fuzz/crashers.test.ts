// Replays the robustness violations the fuzzer recorded in test/vectors/fuzz-crashers/.
// Each file is a defect in a generated decoder: this test fails until the decoder is fixed
// (then delete the file).
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../src/runtime/index.ts';
import { CRASHER_DIR, checkDecode, decoderTargets } from '../../fuzz/inprocess.ts';

interface Crasher { type: string; hex: string; fuzzError: { property: string; detail: string } }
const files = existsSync(CRASHER_DIR) ? readdirSync(CRASHER_DIR).filter((f) => f.endsWith('.json')).sort() : [];

describe.skipIf(files.length === 0)('recorded fuzz crashers', async () => {
  const targets = await decoderTargets(true);
  for (const f of files) {
    const c = JSON.parse(readFileSync(join(CRASHER_DIR, f), 'utf8')) as Crasher;
    it(`${f}: ${c.fuzzError.property}`, () => {
      const t = targets.find((x) => x.name === c.type);
      expect(t, `decoder ${c.type} no longer exists`).toBeDefined();
      const bytes = fromHex(c.hex);
      if (c.fuzzError.property === 'round-trip') {
        const info = t!.info;
        const d = info.decode!(bytes, 0);
        expect(d.size).toBe(bytes.length);
        expect(Buffer.from(info.encode!(info.fromJson!(info.toJson!(d.value)))).toString('hex')).toBe(c.hex);
      } else {
        expect(checkDecode(t!, bytes)?.detail ?? null).toBeNull();
      }
    });
  }
});
