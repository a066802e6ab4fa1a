// Kaitai oracle: compiles a peerwire `.ksy` with the official kaitai-struct-compiler 0.11 (npm,
// Scala.js build), loads the generated JavaScript parser and decodes bytes with it. The result is
// normalised to the JSON form of docs/conventions.md so it can be compared with (or used to
// produce) conformance vectors. It is an independent decoder: nothing here uses peerwire's own
// compiler or runtime.
//
// Notes on the generated code:
// - Output is UMD/CommonJS; it is written as `.cjs` files into a temp dir and loaded with
//   createRequire. Its `require('kaitai-struct/KaitaiStream')` and `require('./Other')` lines are
//   rewritten to absolute / `.cjs` paths.
// - It is compiled in debug mode (`_read()` is called by us, `_debug` maps record the start/end of
//   every field), which lets a failed decode report the ksy path and absolute offset of the field
//   that failed.
// - Kaitai JS reads u8/s8 as `number` (precision is lost above 2^53); the JSON form writes them as
//   decimal strings anyway.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const specRoot = path.join(repoRoot, 'spec');

// ---------------------------------------------------------------------------------------------
// Loading and compiling

/* eslint-disable @typescript-eslint/no-explicit-any */
type Ksy = any;
type TypeSpec = any;

export interface SpecFile {
  path: string;
  ksy: Ksy;
  id: string;
}

export interface CompiledSpec {
  /** Absolute path of the main .ksy. */
  path: string;
  /** meta/id of the main spec. */
  id: string;
  /** The main spec's parsed YAML. */
  ksy: Ksy;
  /** Every spec involved (main + imports), by meta/id. */
  files: Map<string, SpecFile>;
  /** Temp dir holding the generated `.cjs` files. */
  outDir: string;
  /** Generated source, by file name as the compiler returned it. */
  sources: Record<string, string>;
  /** The generated top-level class. */
  TopClass: any;
}

const yamlCache = new Map<string, Ksy>();

function loadYaml(file: string): Ksy {
  const abs = path.resolve(file);
  let v = yamlCache.get(abs);
  if (v === undefined) {
    v = YAML.parse(fs.readFileSync(abs, 'utf8'));
    yamlCache.set(abs, v);
  }
  return v;
}

let compilerSingleton: any;
function kaitaiCompiler(): any {
  // require() of the 6.5 MB Scala.js bundle costs ~300 ms: do it once, lazily.
  compilerSingleton ??= require('kaitai-struct-compiler');
  return compilerSingleton;
}

let tmpRoot: string | undefined;
function tempDir(): string {
  tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'peerwire-kaitai-'));
  return tmpRoot;
}

const compileCache = new Map<string, Promise<CompiledSpec>>();

function upperCamel(id: string): string {
  return id
    .split('_')
    .map((p) => (p.length ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join('');
}

/** Kaitai's JS field naming (and peerwire's JSON keys): `data_type` -> `dataType`. */
export function lowerCamel(id: string): string {
  const u = upperCamel(id);
  return u.length ? u[0]!.toLowerCase() + u.slice(1) : u;
}

/**
 * Compile `ksyPath` (and its relative imports) with the official compiler; cached per path.
 * Rejects with the compiler's message when the spec does not compile.
 */
export function compileKsyWithKaitai(ksyPath: string, opts: { debug?: boolean } = {}): Promise<CompiledSpec> {
  const abs = path.resolve(ksyPath);
  const debug = opts.debug ?? true;
  const key = `${abs}|${debug}`;
  let p = compileCache.get(key);
  if (!p) {
    p = doCompile(abs, debug);
    compileCache.set(key, p);
  }
  return p;
}

/** `debug` keeps Kaitai's position maps (error locations); off, the parser reads in its constructor, as in production (benchmarks). */
async function doCompile(abs: string, debug: boolean): Promise<CompiledSpec> {
  const ksy = loadYaml(abs);
  const mainDir = path.dirname(abs);
  const files = new Map<string, SpecFile>();
  files.set(ksy.meta.id, { path: abs, ksy, id: ksy.meta.id });
  const importer = {
    importYaml(name: string, mode: string): Promise<Ksy> {
      try {
        // "rel": the compiler already joined the path with the importing file's directory,
        // relative to the main file; "abs": relative to the spec root.
        const file = path.resolve(mode === 'abs' ? specRoot : mainDir, `${name}.ksy`);
        const y = loadYaml(file);
        files.set(y.meta.id, { path: file, ksy: y, id: y.meta.id });
        return Promise.resolve(y);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
  let sources: Record<string, string>;
  try {
    sources = await kaitaiCompiler().compile('javascript', ksy, importer, debug);
  } catch (e: any) {
    throw new Error(`kaitai-struct-compiler rejected ${path.relative(repoRoot, abs)}: ${e?.message ?? String(e)}`);
  }
  const outDir = fs.mkdtempSync(path.join(tempDir(), `${ksy.meta.id}-${debug ? 'debug' : 'fast'}-`));
  const runtimePath = require.resolve('kaitai-struct/KaitaiStream');
  for (const [name, src] of Object.entries(sources)) {
    const base = name.replace(/^\//, '').replace(/\.js$/, '');
    const fixed = src
      .replace(/require\('kaitai-struct\/KaitaiStream'\)/g, `require(${JSON.stringify(runtimePath)})`)
      .replace(/require\('\.\/([A-Za-z0-9_]+)'\)/g, "require('./$1.cjs')");
    fs.writeFileSync(path.join(outDir, `${base}.cjs`), fixed);
  }
  const className = upperCamel(ksy.meta.id);
  const mod = require(path.join(outDir, `${className}.cjs`));
  const TopClass = mod[className];
  if (typeof TopClass !== 'function') throw new Error(`generated module has no class ${className}`);
  return { path: abs, id: ksy.meta.id, ksy, files, outDir, sources, TopClass };
}

// ---------------------------------------------------------------------------------------------
// Type resolution over the ksy (used to normalise objects and to locate errors)

interface Scope {
  file: SpecFile;
  /** Chain of type specs from the file's top-level type down to the current type. */
  chain: { name: string; spec: TypeSpec }[];
}

function cur(s: Scope): TypeSpec {
  return s.chain[s.chain.length - 1]!.spec;
}

function rootScope(file: SpecFile): Scope {
  return { file, chain: [{ name: file.id, spec: file.ksy }] };
}

function resolveType(name: string, from: Scope, files: Map<string, SpecFile>): Scope {
  const bare = name.replace(/\(.*\)$/s, '').trim();
  const parts = bare.split('::');
  const first = parts[0]!;
  let found: Scope | undefined;
  for (let i = from.chain.length - 1; i >= 0 && !found; i--) {
    const t = from.chain[i]!.spec.types?.[first];
    if (t) found = { file: from.file, chain: [...from.chain.slice(0, i + 1), { name: first, spec: t }] };
  }
  if (!found && first === from.file.id) found = rootScope(from.file);
  if (!found) {
    const f = files.get(first);
    if (f) found = rootScope(f);
  }
  if (!found) throw new Error(`oracle: cannot resolve type '${name}' from ${from.chain.map((c) => c.name).join('::')}`);
  for (const p of parts.slice(1)) {
    const t: TypeSpec = cur(found).types?.[p];
    if (!t) throw new Error(`oracle: cannot resolve type '${name}'`);
    found = { file: found.file, chain: [...found.chain, { name: p, spec: t }] };
  }
  return found;
}

function resolveEnum(name: string, from: Scope, files: Map<string, SpecFile>): Record<string, any> {
  const parts = name.split('::');
  if (parts.length === 1) {
    for (let i = from.chain.length - 1; i >= 0; i--) {
      const e = from.chain[i]!.spec.enums?.[name];
      if (e) return e;
    }
  } else {
    const owner = resolveType(parts.slice(0, -1).join('::'), from, files);
    const e = cur(owner).enums?.[parts[parts.length - 1]!];
    if (e) return e;
  }
  throw new Error(`oracle: cannot resolve enum '${name}'`);
}

function enumLabel(e: Record<string, any>, v: number): string | null {
  for (const [k, label] of Object.entries(e)) {
    if (Number(k) === v) return typeof label === 'string' ? label : (label?.id ?? null);
  }
  return null;
}

const PRIMITIVE = /^(u[1248]|s[1248])(be|le)?$|^f[48](be|le)?$|^b[0-9]+(be|le)?$|^strz?$|^bytes$/;

function isUserType(t: unknown): t is string {
  return typeof t === 'string' && !PRIMITIVE.test(t);
}

/** The user type of `value` for attribute `attr`, or undefined for primitives/raw bytes. */
function attrScope(attr: any, value: any, scope: Scope, files: Map<string, SpecFile>): Scope | undefined {
  const t = attr.type;
  if (isUserType(t)) return resolveType(t, scope, files);
  if (t && typeof t === 'object' && t.cases) {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return undefined;
    const cname = value.constructor?.name;
    for (const caseType of Object.values<any>(t.cases)) {
      if (!isUserType(caseType)) continue;
      const bare = caseType.replace(/\(.*\)$/s, '').split('::').pop()!;
      if (upperCamel(bare) === cname) return resolveType(caseType, scope, files);
    }
    throw new Error(`oracle: switch value of class ${cname} matches no case`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Normalisation to the JSON form of docs/conventions.md

function hex(u8: Uint8Array): string {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('hex');
}

function normScalar(v: any, attr: any, scope: Scope, files: Map<string, SpecFile>): unknown {
  if (v instanceof Uint8Array) return hex(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (typeof attr.type === 'string' && /^[us]8(be|le)?$/.test(attr.type)) return BigInt(Math.trunc(v)).toString();
    return v;
  }
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') {
    const s = attrScope(attr, v, scope, files);
    if (!s) throw new Error('oracle: object value for a non-user type');
    return normObject(v, s, files);
  }
  return v;
}

function normValue(v: any, attr: any, scope: Scope, files: Map<string, SpecFile>): unknown {
  if (Array.isArray(v)) return v.map((x) => normScalar(x, attr, scope, files));
  return normScalar(v, attr, scope, files);
}

function addEnumName(out: Record<string, unknown>, key: string, v: any, attr: any, scope: Scope, files: Map<string, SpecFile>) {
  if (!attr.enum) return;
  const e = resolveEnum(attr.enum, scope, files);
  out[`${key}Name`] = Array.isArray(v) ? v.map((x) => enumLabel(e, x)) : enumLabel(e, v);
}

function normObject(obj: any, scope: Scope, files: Map<string, SpecFile>): Record<string, unknown> {
  const spec = cur(scope);
  const out: Record<string, unknown> = {};
  for (const attr of spec.seq ?? []) {
    const key = lowerCamel(attr.id);
    const v = obj[key];
    out[key] = normValue(v, attr, scope, files);
    addEnumName(out, key, v, attr, scope, files);
  }
  for (const [id, inst] of Object.entries<any>(spec.instances ?? {})) {
    if (inst.value === undefined) continue;
    const key = lowerCamel(id);
    const v = obj[key];
    out[key] = normValue(v, inst, scope, files);
    addEnumName(out, key, v, inst, scope, files);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Error location from the debug maps

export interface ErrorLocation {
  /** Dotted ksy ids from the root type id, array indexes in brackets. */
  path: string;
  /** Absolute offset of the start of the failing field (bit fields: the byte holding the field's first bit). */
  offset: number;
}

function bitWidth(t: unknown): number | undefined {
  const m = typeof t === 'string' ? /^b([0-9]+)(be|le)?$/.exec(t) : null;
  return m ? Number(m[1]) : undefined;
}

function fieldOffset(obj: any, spec: TypeSpec, attrIndex: number, entry: any): number {
  const seq = spec.seq ?? [];
  const attr = seq[attrIndex];
  const abs = (e: any) => (e.ioOffset ?? 0) + e.start;
  if (bitWidth(attr?.type) === undefined) return abs(entry);
  // Kaitai's debug `start` of a bit field that does not begin a byte points past the byte that
  // holds it; recompute from the first field of the bit run, which is byte aligned.
  let runStart = attrIndex;
  while (runStart > 0 && bitWidth(seq[runStart - 1]?.type) !== undefined) runStart--;
  let bits = 0;
  for (let i = runStart; i < attrIndex; i++) bits += bitWidth(seq[i].type)!;
  const first = obj._debug[lowerCamel(seq[runStart].id)];
  return abs(first) + Math.floor(bits / 8);
}

function locate(obj: any, scope: Scope, files: Map<string, SpecFile>, prefix: string): ErrorLocation | undefined {
  const spec = cur(scope);
  const seq: any[] = spec.seq ?? [];
  const dbg = obj?._debug;
  if (!dbg) return undefined;
  for (let i = seq.length - 1; i >= 0; i--) {
    const attr = seq[i];
    const key = lowerCamel(attr.id);
    const entry = dbg[key];
    if (!entry) continue;
    const here = `${prefix}.${attr.id}`;
    if (entry.validationError) return { path: here, offset: fieldOffset(obj, spec, i, entry) };
    if (entry.end !== undefined) return undefined; // failure is not in this object
    const value = obj[key];
    if (Array.isArray(entry.arr)) {
      const idx = entry.arr.length - 1;
      const el = entry.arr[idx];
      if (idx >= 0 && el) {
        const elPath = `${here}[${idx}]`;
        if (el.validationError) return { path: elPath, offset: (el.ioOffset ?? 0) + el.start };
        const elVal = Array.isArray(value) ? value[idx] : undefined;
        if (elVal && typeof elVal === 'object' && !(elVal instanceof Uint8Array)) {
          const s = attrScope(attr, elVal, scope, files);
          const inner = s && locate(elVal, s, files, elPath);
          if (inner) return inner;
        }
        return { path: elPath, offset: (el.ioOffset ?? 0) + el.start };
      }
      return { path: here, offset: fieldOffset(obj, spec, i, entry) };
    }
    if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
      const s = attrScope(attr, value, scope, files);
      const inner = s && locate(value, s, files, here);
      if (inner) return inner;
    }
    return { path: here, offset: fieldOffset(obj, spec, i, entry) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Decoding

export type OracleResult =
  | { ok: true; json: Record<string, unknown> }
  | { ok: false; error: string; message: string; path?: string; offset?: number };

/** Decode `bytes` with the Kaitai parser of the spec at `ksyPath`. */
export async function kaitaiDecode(ksyPath: string, bytes: Uint8Array): Promise<OracleResult> {
  const c = await compileKsyWithKaitai(ksyPath);
  // Fresh buffer at byteOffset 0, so the debug maps' ioOffset values are absolute offsets.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const { KaitaiStream } = require('kaitai-struct');
  const root = new c.TopClass(new KaitaiStream(copy.buffer));
  const files = c.files;
  const scope = rootScope(files.get(c.id)!);
  try {
    root._read();
  } catch (e: any) {
    const name: string = e?.name ?? e?.constructor?.name ?? 'Error';
    let loc: ErrorLocation | undefined;
    try {
      loc = locate(root, scope, files, c.id);
    } catch {
      loc = undefined;
    }
    return { ok: false, error: name, message: String(e?.message ?? e), ...(loc ?? {}) };
  }
  return { ok: true, json: normObject(root, scope, files) };
}

// ---------------------------------------------------------------------------------------------
// Spec discovery

/** Every `.ksy` under spec/, sorted. */
export function listSpecs(dir = specRoot): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...listSpecs(p));
    else if (ent.name.endsWith('.ksy')) out.push(p);
  }
  return out.sort();
}

/** proto name (meta/-peerwire/proto) -> spec path. */
export function protoMap(): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of listSpecs()) {
    const proto = loadYaml(p)?.meta?.['-peerwire']?.proto;
    if (typeof proto === 'string') m.set(proto, p);
  }
  return m;
}

export function specForProto(proto: string): string {
  const p = protoMap().get(proto);
  if (!p) throw new Error(`no spec declares proto '${proto}'`);
  return p;
}
