// Compiles spec/capture/*.ksy with the official kaitai-struct-compiler 0.11 (JavaScript target)
// and loads the generated classes, so tests can use Kaitai as a reference decoder.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
export const SPEC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../spec/capture');

export function captureSpecs(): string[] {
  return readdirSync(SPEC_DIR).filter((f) => f.endsWith('.ksy')).sort();
}

export async function compileSpec(file: string): Promise<Record<string, string>> {
  const compiler = require('kaitai-struct-compiler');
  const cache = new Map<string, unknown>();
  const importer = {
    importYaml(name: string, _mode: string): Promise<unknown> {
      if (!cache.has(name)) cache.set(name, YAML.parse(readFileSync(join(SPEC_DIR, `${name}.ksy`), 'utf8')));
      return Promise.resolve(cache.get(name));
    },
  };
  const obj = YAML.parse(readFileSync(join(SPEC_DIR, file), 'utf8'));
  return compiler.compile('javascript', obj, importer, false);
}

let outDir: string | undefined;
/** Compile one spec and return its generated class (the KaitaiStream is passed in by the caller). */
export async function loadKaitai(file: string): Promise<any> {
  const files = await compileSpec(file);
  outDir ??= mkdtempSync(join(tmpdir(), 'peerwire-ksc-'));
  writeFileSync(join(outDir, 'package.json'), '{"type":"commonjs"}');
  // The generated UMD modules require the runtime by package name; point them at ours.
  const runtime = JSON.stringify(require.resolve('kaitai-struct/KaitaiStream'));
  for (const [name, src] of Object.entries(files)) {
    writeFileSync(join(outDir, name), src.replace(/require\((['"])kaitai-struct\/KaitaiStream\1\)/g, `require(${runtime})`));
  }
  const main = Object.keys(files).find((n) => n.toLowerCase() === file.replace('.ksy', '').replace(/_/g, '') + '.js')
    ?? Object.keys(files)[0]!;
  const mod = require(join(outDir, main));
  return Object.values(mod)[0];
}

export function kaitaiStream(bytes: Uint8Array): any {
  const { KaitaiStream } = require('kaitai-struct');
  return new KaitaiStream(bytes);
}
