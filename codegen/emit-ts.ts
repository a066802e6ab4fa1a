/**
 * TypeScript emitter: one `.gen.ts` module per spec file with, per type, an interface (decoded
 * value), an `Init` interface (encoder input: derived and defaulted fields optional), straight-line
 * read / write / length functions, JSON converters, a descriptor for tools, and public
 * decode / encode / encodeInto / encodedLength wrappers plus a Codec object.
 */
import { dirname, relative } from 'node:path';
import { fieldRefs, showExpr, usesName, type Expr } from './expr.ts';
import type { Attr, DataType, Problem, Schema, SpecFile, TypeIR } from './ir.ts';
import { constInt, translate, TranslateError, typeOf, type Scope } from './translate.ts';

export const CODEGEN_VERSION = '0.1.0';

/** Where the generated module for a spec lives: spec/gossip/api.ksy -> src/codecs/gossip/api.gen.ts */
export function outPathFor(specPath: string): string {
  return specPath.replace(/^spec\//, 'src/codecs/').replace(/\.ksy$/, '.gen.ts');
}

function relImport(fromFile: string, toFile: string): string {
  let r = relative(dirname(fromFile), toFile).split('\\').join('/');
  if (!r.startsWith('.')) r = './' + r;
  return r;
}

const RUNTIME = 'src/runtime/index.ts';

class Lines {
  readonly out: string[] = [];
  private ind = 0;
  line(s = ''): void {
    this.out.push(s ? '  '.repeat(this.ind) + s : '');
  }
  open(s: string): void {
    this.line(s);
    this.ind++;
  }
  close(s = '}'): void {
    this.ind--;
    this.line(s);
  }
  indent(fn: () => void): void {
    this.ind++;
    fn();
    this.ind--;
  }
}

function docComment(L: Lines, doc: string, extra: string[] = []): void {
  const lines = [...(doc ? doc.split('\n') : []), ...extra].map((s) => s.replace(/\*\//g, '*\\/'));
  if (!lines.length) return;
  if (lines.length === 1) return L.line(`/** ${lines[0]} */`);
  L.line('/**');
  for (const l of lines) L.line(l ? ` * ${l}` : ' *');
  L.line(' */');
}

export class TsEmitter {
  readonly problems: Problem[] = [];
  private readonly names = new Map<string, string>(); // type key -> TS name
  private readonly enumNames = new Map<string, string>(); // enum key -> TS name
  private readonly tmp = { n: 0 };

  private readonly schema: Schema;
  constructor(schema: Schema) {
    this.schema = schema;
    // Unique names per file: plain PascalCase, prefixed with the parent's name on a clash.
    for (const f of schema.files) {
      const used = new Set<string>();
      for (const k of f.typeKeys) {
        const t = schema.types.get(k)!;
        let n = t.name;
        if (used.has(n) || RESERVED.has(n)) n = (t.parentKey ? this.names.get(t.parentKey) ?? '' : '') + n;
        while (used.has(n)) n += '_';
        used.add(n);
        this.names.set(k, n);
      }
      for (const k of f.enumKeys) {
        const e = schema.enums.get(k)!;
        let n = e.name;
        if (used.has(n) || RESERVED.has(n)) n += 'Enum';
        while (used.has(n)) n += '_';
        used.add(n);
        this.enumNames.set(k, n);
      }
    }
  }

  typeName(key: string): string {
    return this.names.get(key)!;
  }

  private fail(t: TypeIR, a: Attr | null, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.problems.push({ severity: 'error', message: msg, origin: a ? a.origin : t.origin });
  }

  /** Translate, recording a problem (with the field's origin) instead of throwing. */
  private tx(e: Expr, s: Scope, t: TypeIR, a: Attr | null): string {
    try {
      return translate(e, s);
    } catch (err) {
      if (err instanceof TranslateError) {
        this.fail(t, a, new Error(`${err.message} (in '${showExpr(e)}')`));
        return 'undefined as never';
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------- sizes

  /** Minimum encoded size of a type, used to bound untrusted counts before looping. */
  minSize(key: string, seen = new Set<string>()): number {
    if (seen.has(key)) return 0;
    seen.add(key);
    const t = this.schema.types.get(key)!;
    let bits = 0;
    let bytes = 0;
    for (const a of t.seq) {
      if (a.type.kind === 'bits' && a.repeat.kind === 'none' && !a.cond) {
        bits += a.type.width;
        continue;
      }
      bytes += Math.ceil(bits / 8);
      bits = 0;
      if (a.cond || a.repeat.kind !== 'none') continue;
      bytes += this.attrMinSize(t, a, seen);
    }
    seen.delete(key);
    return bytes + Math.ceil(bits / 8);
  }

  private attrMinSize(t: TypeIR, a: Attr, seen: Set<string>): number {
    if (a.contents) return a.contents.length;
    if (a.extent.kind === 'size') return Math.max(0, constInt(a.extent.size, this.schema, t) ?? 0);
    if (a.extent.kind === 'eos') return 0;
    if (a.extent.kind === 'term') return a.extent.consume && !a.extent.include ? 1 : 0;
    return this.dataMinSize(a.type, seen);
  }

  private dataMinSize(d: DataType, seen: Set<string>): number {
    switch (d.kind) {
      case 'int':
      case 'float':
        return d.width;
      case 'bits':
        return Math.ceil(d.width / 8);
      case 'user':
        return this.minSize(d.ref.key, seen);
      case 'switch':
        return Math.min(...d.cases.map((c) => this.dataMinSize(c.type, seen)), d.fallback ? this.dataMinSize(d.fallback, seen) : Infinity);
      default:
        return 0;
    }
  }

  /** Fixed encoded size, or null when it depends on the value. */
  fixedSize(key: string, seen = new Set<string>()): number | null {
    if (seen.has(key)) return null;
    seen.add(key);
    const t = this.schema.types.get(key)!;
    let bits = 0;
    let bytes = 0;
    for (const a of t.seq) {
      if (a.cond || a.repeat.kind !== 'none' || a.process) return null;
      if (a.type.kind === 'bits') {
        bits += a.type.width;
        continue;
      }
      bytes += Math.ceil(bits / 8);
      bits = 0;
      if (a.contents) bytes += a.contents.length;
      else if (a.type.kind === 'int' || a.type.kind === 'float') bytes += a.type.width;
      else if (a.extent.kind === 'size' && constInt(a.extent.size, this.schema, t) !== null && !this.isDeriveTarget(t, a)) bytes += constInt(a.extent.size, this.schema, t)!;
      else if (a.type.kind === 'user' && a.extent.kind === 'none') {
        const n = this.fixedSize(a.type.ref.key, seen);
        if (n === null) return null;
        bytes += n;
      } else return null;
    }
    seen.delete(key);
    return bytes + Math.ceil(bits / 8);
  }

  /**
   * True when the encoder writes this field's actual content instead of checking it against its
   * size expression: the size is what a derived length field is computed from, or it depends on
   * the stream (`_io`), which only exists while decoding.
   */
  isDeriveTarget(t: TypeIR, a: Attr): boolean {
    if (a.extent.kind === 'size' && exprUsesIo(a.extent.size)) return true;
    return t.seq.some((f) => f.derive && f.derive.kind !== 'expr' && f.derive.target === a.id);
  }

  // ---------------------------------------------------------------- TS types

  private valueTs(a: Attr, init: boolean): string {
    const el = this.dataTs(a.type, init, a);
    const base = a.repeat.kind !== 'none' ? `${el.includes('|') ? `(${el})` : el}[]` : el;
    return base;
  }

  private dataTs(d: DataType, init: boolean, a: Attr): string {
    if (a.contents) return 'Uint8Array';
    switch (d.kind) {
      case 'int':
        return d.width === 8 ? 'bigint' : 'number';
      case 'float':
        return 'number';
      case 'bits':
        return d.width === 1 ? 'boolean' : 'number';
      case 'bytes':
        return 'Uint8Array';
      case 'str':
        return 'string';
      case 'user':
        return this.typeName(d.ref.key) + (init ? 'Init' : '');
      case 'switch': {
        const names = [...new Set(d.cases.map((c) => this.dataTs(c.type, init, a)))];
        if (d.fallback) names.push(this.dataTs(d.fallback, init, a));
        else names.push('Uint8Array');
        return [...new Set(names)].join(' | ');
      }
    }
  }

  // ---------------------------------------------------------------- scopes

  private decodeScope(t: TypeIR, visible: Set<string>, extra: Partial<Scope> = {}): Scope {
    return {
      schema: this.schema,
      type: t,
      parent: 'parent',
      io: { start: 'ioStart', end: 'ioEnd', pos: 'p' },
      visible,
      decoding: true,
      name: (id) => {
        if (t.seq.some((a) => a.id === id)) return `_${camel(id)}`;
        if (t.params.some((p) => p.id === id)) return `p_${camel(id)}`;
        const inst = t.instances.find((x) => x.id === id);
        if (inst) return `(${this.tx(inst.value, this.decodeScope(t, new Set(t.seq.map((a) => a.id)), extra), t, null)})`;
        return null;
      },
      ...extra,
    };
  }

  private encodeScope(t: TypeIR, extra: Partial<Scope> = {}): Scope {
    return {
      schema: this.schema,
      type: t,
      parent: 'parent',
      io: { start: 'ioStart', end: 'ioEnd', pos: 'p' },
      name: (id) => {
        if (t.seq.some((a) => a.id === id)) return `_${camel(id)}`;
        if (t.params.some((p) => p.id === id)) return `p_${camel(id)}`;
        const inst = t.instances.find((x) => x.id === id);
        if (inst) return `(${this.tx(inst.value, this.encodeScope(t, extra), t, null)})`;
        return null;
      },
      ...extra,
    };
  }

  /** Scope over a decoded value object `v` (toJson) or converted locals (fromJson). */
  private valueScope(t: TypeIR, obj: string | null): Scope {
    return {
      schema: this.schema,
      type: t,
      parent: 'parent',
      io: null,
      name: (id) => {
        if (t.seq.some((a) => a.id === id) || t.instances.some((x) => x.id === id)) return obj ? `${obj}.${camel(id)}` : `_${camel(id)}`;
        if (t.params.some((p) => p.id === id)) return `p_${camel(id)}`;
        return null;
      },
    };
  }

  /** JS object literal passed as `_parent` to children that need it. */
  private ctxLiteral(t: TypeIR, upTo: number, name: (a: Attr) => string): string {
    const parts = t.seq.slice(0, upTo).map((a) => `${a.name}: ${name(a)}`);
    for (const p of t.params) parts.push(`${p.name}: p_${p.name}`);
    parts.push('_parent: parent');
    return `{ ${parts.join(', ')} }`;
  }

  private childNeedsParent(d: DataType): boolean {
    if (d.kind === 'user') return this.needsParent(d.ref.key);
    if (d.kind === 'switch') return d.cases.some((c) => this.childNeedsParent(c.type)) || (d.fallback ? this.childNeedsParent(d.fallback) : false);
    return false;
  }

  private readonly parentNeed = new Map<string, boolean>();

  /** A type needs its parent context if it, or any type below it, reads `_parent` / `_root`. */
  private needsParent(key: string): boolean {
    const known = this.parentNeed.get(key);
    if (known !== undefined) return known;
    this.parentNeed.set(key, false); // cycle guard
    const t = this.schema.types.get(key);
    const need = !!t && (t.usesParent || t.seq.some((a) => this.childNeedsParent(a.type)));
    this.parentNeed.set(key, need);
    return need;
  }

  private paramList(t: TypeIR): string {
    return t.params.map((p) => `, p_${p.name}: ${paramTs(p.ksyType)}`).join('');
  }

  // ---------------------------------------------------------------- file

  emitFile(spec: SpecFile): string {
    const out = outPathFor(spec.path);
    const L = new Lines();
    L.line(`// @generated by peerwire-codegen ${CODEGEN_VERSION} from ${spec.path} (sha256 ${spec.sha256.slice(0, 16)}) — do not edit; run \`npm run codegen\`.`);
    L.line('/* eslint-disable */');
    const runtimeNames = [
      'Input', 'inputFor', 'dataView', 'DecodeError', 'EncodeError', 'within', 'eofInRun', 'eof', 'sizeOut', 'countOut', 'badValue', 'noTerminator',
      'noProgress', 'findByte', 'checkUint', 'checkSint', 'checkBigUint', 'checkBigSint', 'requireBytes', 'requireValue', 'requireArray',
      'idiv', 'imod', 'bytesEqual', 'bytesCompare', 'decodeText', 'encodeText', 'writeText', 'textLength', 'toHex', 'jsonObject', 'jsonInt', 'jsonBig',
      'jsonBytes', 'jsonStr', 'jsonBool', 'listItem', 'listItemAt', 'jsonArray', 'jsonUnknownKeys', 'jsonScalar', 'JsonWriter', 'jsonText', 'pickByShape', 'rootOf', 'runProcess', 'unProcess', 'padTo', 'stripRight',
    ];
    L.line(`import { ${runtimeNames.join(', ')} } from '${relImport(out, RUNTIME)}';`);
    L.line(`import type { Codec, Decoded, TypeInfo, FieldInfo, ProtocolInfo } from '${relImport(out, RUNTIME)}';`);
    // Imports of other specs' types.
    const external = new Map<string, Set<string>>();
    for (const k of spec.typeKeys) {
      const t = this.schema.types.get(k)!;
      for (const a of t.seq) {
        for (const ref of userRefs(a.type)) {
          const target = this.schema.types.get(ref)!;
          if (target.file !== spec.path) {
            const mod = relImport(out, outPathFor(target.file));
            const n = this.typeName(ref);
            const set = external.get(mod) ?? new Set();
            for (const fn of [`read${n}`, `write${n}`, `len${n}`, `toJson${n}`, `writeJson${n}`, `fromJson${n}`, `${n}Info`]) set.add(fn);
            external.set(mod, set);
          }
        }
      }
    }
    for (const [mod, set] of external) {
      L.line(`import { ${[...set].join(', ')} } from '${mod}';`);
      const typeNames = [...set].filter((n) => n.endsWith('Info')).map((n) => n.slice(0, -4));
      L.line(`import type { ${typeNames.flatMap((n) => [n, `${n}Init`]).join(', ')} } from '${mod}';`);
    }
    L.line();
    L.line('/* eslint-disable @typescript-eslint/no-unused-vars */');
    L.line(`void [${runtimeNames.join(', ')}];`);
    L.line();
    for (const ek of spec.enumKeys) this.emitEnum(L, ek, spec);
    for (const k of spec.typeKeys) this.emitType(L, this.schema.types.get(k)!, spec);
    if (spec.peerwire.proto) this.emitProtocol(L, spec);
    return tidyOffsets(L.out.join('\n')) + '\n';
  }

  private emitEnum(L: Lines, key: string, spec: SpecFile): void {
    const e = this.schema.enums.get(key)!;
    const n = this.enumNames.get(key)!;
    docComment(L, `Enum \`${e.id}\` (${spec.path}).`);
    L.open(`export const ${n} = {`);
    for (const v of e.values) {
      if (v.doc) docComment(L, v.doc);
      L.line(`${v.label}: ${jsInt(v.value)},`);
    }
    L.close('} as const;');
    docComment(L, `Labels of \`${e.id}\` by value.`);
    L.line(`export const ${n}Labels: Readonly<Record<number, string>> = { ${e.values.map((v) => `${jsInt(v.value)}: '${v.label}'`).join(', ')} };`);
    L.line();
  }

  private enumLabels(key: string | null): string | null {
    return key ? `${this.enumNames.get(key) ?? 'undefined'}Labels` : null;
  }

  // ---------------------------------------------------------------- one type

  private emitType(L: Lines, t: TypeIR, spec: SpecFile): void {
    const N = this.typeName(t.key);
    const yamlPath = t.origin.path === '/meta/id' ? '/' : t.origin.path;
    docComment(L, t.doc, [`@see ${spec.path}#${yamlPath}`]);
    L.open(`export interface ${N} {`);
    for (const a of t.seq) {
      docComment(L, a.doc, a.enumKey ? [`Enum: {@link ${this.enumNames.get(a.enumKey)}}.`] : []);
      L.line(`${a.name}: ${this.valueTs(a, false)}${a.cond ? ' | undefined' : ''};`);
    }
    for (const i of t.instances) {
      docComment(L, i.doc || `Value instance: ${showExpr(i.value)}`);
      L.line(`${i.name}: ${instTs(typeOf(i.value, this.decodeScope(t, new Set(t.seq.map((a) => a.id)))))};`);
    }
    L.close();
    docComment(L, `Encoder input for {@link ${N}}: derived and defaulted fields may be left out (set them to force a value, even a wrong one).`);
    L.open(`export interface ${N}Init {`);
    for (const a of t.seq) {
      if (a.contents) continue;
      const optional = a.derive || a.defaultValue !== null || a.cond;
      const note = a.derive ? 'Derived when omitted.' : a.defaultValue !== null ? `Default ${a.defaultValue}.` : '';
      docComment(L, [a.doc, note].filter(Boolean).join(' '));
      L.line(`${a.name}${optional ? '?' : ''}: ${this.valueTs(a, true)};`);
    }
    L.close();
    L.line();
    this.emitRead(L, t);
    this.emitLen(L, t);
    this.emitWrite(L, t);
    this.emitToJson(L, t);
    this.emitWriteJson(L, t);
    this.emitFromJson(L, t);
    this.emitInfo(L, t);
    if (this.standalone(t)) this.emitPublic(L, t);
  }

  /**
   * A type can be decoded and encoded on its own unless it takes parameters or reads above itself
   * (`_parent`/`_root`, directly or through a type below it). A file's top-level type is a root.
   */
  private standalone(t: TypeIR): boolean {
    return !t.params.length && (!t.parentKey || !this.needsParent(t.key));
  }

  // ---------------------------------------------------------------- decode

  private emitRead(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    this.tmp.n = 0;
    L.line(`/** @internal Reads one ${t.id} at i.pos inside the stream [ioStart, ioEnd). */`);
    L.open(`export function read${N}(i: Input, ioStart: number, ioEnd: number, parent: any${this.paramList(t)}): ${N} {`);
    L.line('const b = i.b;');
    L.line('let p = i.pos;');
    this.emitEndian(L, t, this.decodeScope(t, new Set()));
    const visible = new Set<string>();
    let k = 0;
    while (k < t.seq.length) {
      const run = this.fixedRun(t, k);
      if (run.length > 1 || (run.length === 1 && t.seq[k]!.type.kind === 'bits')) {
        this.emitReadRun(L, t, run, visible);
        k += run.length;
        continue;
      }
      const a = t.seq[k]!;
      this.emitReadAttr(L, t, a, k, visible);
      visible.add(a.id);
      k++;
    }
    for (const inst of t.instances) L.line(`const _${inst.name} = ${this.tx(inst.value, this.decodeScope(t, visible), t, null)};`);
    L.line('i.pos = p;');
    const fields = [...t.seq.map((a) => `${a.name}: _${a.name}`), ...t.instances.map((x) => `${x.name}: _${x.name}`)];
    L.line(`return { ${fields.join(', ')} };`);
    L.close();
    L.line();
  }

  private emitEndian(L: Lines, t: TypeIR, s: Scope): void {
    if (t.endian.kind !== 'switch') return;
    const on = this.tx(t.endian.on, s, t, null);
    const cases = t.endian.cases.map((c) => `${this.tx(c.match, s, t, null)}: ${c.value === 'le'}`);
    L.line(`const le = (({ ${cases.join(', ')} }) as Record<string, boolean>)[String(${on})];`);
    L.line(`if (le === undefined) throw new DecodeError('valid', p, '', \`no endianness for \${${on}}\`);`);
  }

  /** Consecutive fixed-width, unconditional, unrepeated scalar fields: checked for bounds once. */
  private fixedRun(t: TypeIR, from: number): Attr[] {
    const run: Attr[] = [];
    let bits = 0;
    for (let k = from; k < t.seq.length; k++) {
      const a = t.seq[k]!;
      if (a.cond || a.repeat.kind !== 'none' || a.process) break;
      const scalar = a.type.kind === 'int' || a.type.kind === 'float' || a.type.kind === 'bits' || (a.contents !== null);
      if (!scalar) break;
      if (a.type.kind === 'bits' && !a.contents) bits += a.type.width;
      else if (bits % 8 !== 0) break;
      run.push(a);
      // A check that reads _io (pos/eof) runs after the whole run; only valid if it ends the run.
      if (a.valid?.kind === 'expr' && exprUsesIo(a.valid.e)) break;
    }
    // A run must end on a byte boundary.
    while (run.length && run.reduce((n, a) => n + (a.type.kind === 'bits' && !a.contents ? a.type.width : 0), 0) % 8 !== 0) run.pop();
    return run;
  }

  private runLayout(t: TypeIR, run: Attr[]): { offsets: number[]; total: number; bitGroups: { start: number; bytes: number; fields: { a: Attr; shift: number }[] }[] } {
    const offsets: number[] = [];
    const bitGroups: { start: number; bytes: number; fields: { a: Attr; shift: number }[] }[] = [];
    let off = 0;
    let k = 0;
    while (k < run.length) {
      const a = run[k]!;
      if (a.type.kind === 'bits' && !a.contents) {
        const fields: { a: Attr; pos: number }[] = [];
        let bits = 0;
        while (k < run.length && run[k]!.type.kind === 'bits' && !run[k]!.contents) {
          const w = (run[k]!.type as { width: number }).width;
          fields.push({ a: run[k]!, pos: bits });
          offsets.push(off + Math.floor(bits / 8));
          bits += w;
          k++;
        }
        const bytes = Math.ceil(bits / 8);
        if (bytes > 4) this.fail(t, a, new Error('a run of bit fields longer than 32 bits is not supported'));
        bitGroups.push({ start: off, bytes, fields: fields.map((f) => ({ a: f.a, shift: bytes * 8 - f.pos - (f.a.type as { width: number }).width })) });
        off += bytes;
        continue;
      }
      offsets.push(off);
      off += a.contents ? a.contents.length : (a.type as { width: number }).width;
      k++;
    }
    return { offsets, total: off, bitGroups };
  }

  private emitReadRun(L: Lines, t: TypeIR, run: Attr[], visible: Set<string>): void {
    const { offsets, total, bitGroups } = this.runLayout(t, run);
    const deferred: (() => void)[] = [];
    const check = (a: Attr, v: string, at: string) => {
      if (a.valid?.kind === 'expr' && exprUsesIo(a.valid.e)) {
        const vis = new Set(visible);
        deferred.push(() => this.emitValid(L, t, a, v, at.replace(/^p\b/, `(p - ${total})`), vis, `'${a.id}'`));
      } else this.emitValid(L, t, a, v, at, visible, `'${a.id}'`);
    };
    const layout = run.map((a, k) => `${offsets[k]}, '${a.id}'`).join(', ');
    L.line(`if (ioEnd - p < ${total}) eofInRun(p, ioEnd, [${layout}], ${total});`);
    let k = 0;
    while (k < run.length) {
      const a = run[k]!;
      if (a.type.kind === 'bits' && !a.contents) {
        const g = bitGroups.find((x) => x.fields[0]!.a === a)!;
        const w = `w${this.tmp.n++}`;
        L.line(`const ${w} = ${readUintBE(`p + ${g.start}`, g.bytes)};`);
        for (const f of g.fields) {
          const width = (f.a.type as { width: number }).width;
          const mask = width === 32 ? '0xffffffff' : `0x${(2 ** width - 1).toString(16)}`;
          const ex = width === 32 ? w : `((${w} >>> ${f.shift}) & ${mask})`;
          L.line(`const _${f.a.name} = ${width === 1 ? `${ex} !== 0` : ex};`);
          check(f.a, `_${f.a.name}`, `p + ${g.start + Math.floor((g.bytes * 8 - f.shift - width) / 8)}`);
          visible.add(f.a.id);
          k++;
        }
        continue;
      }
      const at = `p + ${offsets[k]}`;
      if (a.contents) {
        L.line(`const _${a.name} = b.subarray(${at}, ${at} + ${a.contents.length});`);
        L.line(`if (!bytesEqual(_${a.name}, new Uint8Array([${a.contents.join(', ')}]))) badValue(${at}, '${a.id}', \`expected ${hexOf(a.contents)}, got \${toHex(_${a.name})}\`);`);
      } else {
        L.line(`const _${a.name} = ${this.readScalar(t, a.type, at)};`);
        check(a, `_${a.name}`, at);
      }
      visible.add(a.id);
      k++;
    }
    L.line(`p += ${total};`);
    for (const d of deferred) d();
  }

  private endianOf(t: TypeIR, d: { endian: 'be' | 'le' | null }): string {
    if (d.endian) return d.endian === 'le' ? 'true' : 'false';
    if (t.endian.kind === 'fixed') return t.endian.value === 'le' ? 'true' : 'false';
    if (t.endian.kind === 'switch') return 'le';
    return 'false';
  }

  private readScalar(t: TypeIR, d: DataType, at: string): string {
    if (d.kind === 'int') {
      if (d.width === 1) return d.signed ? `((b[${at}]! << 24) >> 24)` : `b[${at}]!`;
      const le = this.endianOf(t, d);
      if (d.width === 8) return `i.dv.get${d.signed ? 'BigInt64' : 'BigUint64'}(${at}, ${le})`;
      if (le === 'false') return d.width === 2 ? (d.signed ? `(((b[${at}]! << 24) >> 16) | b[${at} + 1]!)` : `((b[${at}]! << 8) | b[${at} + 1]!)`) : d.signed ? `((b[${at}]! << 24) | (b[${at} + 1]! << 16) | (b[${at} + 2]! << 8) | b[${at} + 3]!)` : readUintBE(at, 4);
      if (le === 'true') return d.width === 2 ? (d.signed ? `(((b[${at} + 1]! << 24) >> 16) | b[${at}]!)` : `((b[${at} + 1]! << 8) | b[${at}]!)`) : d.signed ? `((b[${at} + 3]! << 24) | (b[${at} + 2]! << 16) | (b[${at} + 1]! << 8) | b[${at}]!)` : `(b[${at} + 3]! * 0x1000000 + ((b[${at} + 2]! << 16) | (b[${at} + 1]! << 8) | b[${at}]!))`;
      return `i.dv.get${d.signed ? 'Int' : 'Uint'}${d.width * 8}(${at}, ${le})`;
    }
    if (d.kind === 'float') return `i.dv.getFloat${d.width * 8}(${at}, ${this.endianOf(t, d)})`;
    throw new Error('not a scalar');
  }

  private emitValid(L: Lines, t: TypeIR, a: Attr, v: string, at: string, visible: Set<string>, label: string, idx?: string): void {
    const vd = a.valid;
    if (!vd) return;
    const s = this.decodeScope(t, new Set([...visible, a.id]), { underscore: v, ...(idx ? { index: idx } : {}) });
    const isBytes = a.type.kind === 'bytes';
    const show = isBytes ? `toHex(${v})` : v;
    switch (vd.kind) {
      case 'eq': {
        const x = this.tx(vd.v, s, t, a);
        L.line(`if (${isBytes ? `!bytesEqual(${v}, ${x})` : `${v} !== ${x}`}) badValue(${at}, ${label}, \`expected ${escTpl(showExpr(vd.v))}, got \${${show}}\`);`);
        break;
      }
      case 'range': {
        if (vd.min) L.line(`if (${v} < ${this.tx(vd.min, s, t, a)}) badValue(${at}, ${label}, \`\${${v}} is below the minimum ${escTpl(showExpr(vd.min))}\`);`);
        if (vd.max) L.line(`if (${v} > ${this.tx(vd.max, s, t, a)}) badValue(${at}, ${label}, \`\${${v}} is above the maximum ${escTpl(showExpr(vd.max))}\`);`);
        break;
      }
      case 'any-of':
        L.line(`if (!(${vd.vs.map((x) => `${v} === ${this.tx(x, s, t, a)}`).join(' || ')})) badValue(${at}, ${label}, \`\${${show}} is not one of ${escTpl(vd.vs.map(showExpr).join(', '))}\`);`);
        break;
      case 'expr':
        L.line(`if (!(${this.tx(vd.e, s, t, a)})) badValue(${at}, ${label}, \`\${${show}} fails ${escTpl(showExpr(vd.e))}\`);`);
        break;
      case 'in-enum': {
        const labels = this.enumLabels(a.enumKey);
        L.line(`if (${labels}[${v}] === undefined) badValue(${at}, ${label}, \`\${${v}} is not a known ${a.enumKey?.split('::').pop()}\`);`);
        break;
      }
    }
  }

  private emitReadAttr(L: Lines, t: TypeIR, a: Attr, index: number, visible: Set<string>): void {
    const s = this.decodeScope(t, visible);
    const v = `_${a.name}`;
    const ts = this.valueTs(a, false) + (a.cond ? ' | undefined' : '');
    const ctx = this.childNeedsParent(a.type) ? this.ctxLiteral(t, index, (x) => `_${x.name}`) : 'undefined';
    if (a.cond) {
      L.line(`let ${v}: ${ts} = undefined;`);
      L.open(`if (${this.tx(a.cond, s, t, a)}) {`);
    } else if (a.repeat.kind === 'none') L.line(`let ${v}: ${ts};`);
    if (a.repeat.kind === 'none') {
      this.emitReadElement(L, t, a, v, `'${a.id}'`, ctx, visible);
    } else {
      const el = `e${this.tmp.n++}`;
      const idx = `k${this.tmp.n++}`;
      const list = a.cond ? v : v;
      if (a.cond) L.line(`${list} = [];`);
      else L.line(`const ${list}: ${this.valueTs(a, false)} = [];`);
      const label = `\`${a.id}[\${${idx}}]\``;
      const elTs = this.dataTs(a.type, false, a);
      const min = Math.max(1, a.contents ? a.contents.length : this.attrMinSize(t, a, new Set()));
      const sIdx = this.decodeScope(t, visible, { index: idx });
      if (a.repeat.kind === 'expr') {
        const cnt = `n${this.tmp.n++}`;
        L.line(`const ${cnt} = ${this.tx(a.repeat.count, sIdx, t, a)};`);
        L.line(`if (!(${cnt} >= 0 && ${cnt} * ${min} <= ioEnd - p)) countOut(p, ioEnd, '${a.id}', ${cnt}, ${min});`);
        L.open(`for (let ${idx} = 0; ${idx} < ${cnt}; ${idx}++) {`);
        L.line(`let ${el}: ${elTs};`);
        this.emitReadElement(L, t, a, el, label, ctx, visible, idx);
        L.line(`${list}.push(${el});`);
        L.close();
      } else if (a.repeat.kind === 'eos') {
        L.open(`for (let ${idx} = 0; p < ioEnd; ${idx}++) {`);
        L.line(`const s${idx} = p;`);
        L.line(`let ${el}: ${elTs};`);
        this.emitReadElement(L, t, a, el, label, ctx, visible, idx);
        L.line(`${list}.push(${el});`);
        L.line(`if (p === s${idx}) noProgress(p, ${label});`);
        L.close();
      } else {
        L.open(`for (let ${idx} = 0; ; ${idx}++) {`);
        L.line(`const s${idx} = p;`);
        L.line(`let ${el}: ${elTs};`);
        this.emitReadElement(L, t, a, el, label, ctx, visible, idx);
        L.line(`${list}.push(${el});`);
        const su = this.decodeScope(t, visible, { underscore: el, index: idx });
        L.line(`if (${this.tx(a.repeat.cond, su, t, a)}) break;`);
        L.line(`if (p === s${idx} || p >= ioEnd) noProgress(p, ${label});`);
        L.close();
      }
    }
    if (a.cond) L.close();
  }

  /** Reads one element of attr `a` at p into `v`, advancing p. */
  private emitReadElement(L: Lines, t: TypeIR, a: Attr, v: string, label: string, ctx: string, visible: Set<string>, idx?: string): void {
    const s = this.decodeScope(t, visible, idx ? { index: idx } : {});
    const d = a.type;
    const start = `s${this.tmp.n++}`;
    L.line(`const ${start} = p;`);
    if (a.contents) {
      L.line(`if (ioEnd - p < ${a.contents.length}) eof(p, ioEnd, ${label}, ${a.contents.length});`);
      L.line(`${v} = b.subarray(p, p + ${a.contents.length});`);
      L.line(`if (!bytesEqual(${v}, new Uint8Array([${a.contents.join(', ')}]))) badValue(p, ${label}, \`expected ${hexOf(a.contents)}, got \${toHex(${v})}\`);`);
      L.line(`p += ${a.contents.length};`);
      return;
    }
    if (d.kind === 'int' || d.kind === 'float') {
      L.line(`if (ioEnd - p < ${d.width}) eof(p, ioEnd, ${label}, ${d.width});`);
      L.line(`${v} = ${this.readScalar(t, d, 'p')};`);
      L.line(`p += ${d.width};`);
      this.emitValid(L, t, a, v, start, visible, label, idx);
      return;
    }
    if (d.kind === 'bits') {
      this.fail(t, a, new Error('repeated or conditional bit fields are not supported'));
      return;
    }
    // Extent: [es, ee) is the field's own byte range; `next` is where the following field starts.
    const es = `${start}`;
    const ee = `x${this.tmp.n++}`;
    const next = `q${this.tmp.n++}`;
    switch (a.extent.kind) {
      case 'size': {
        const n = `n${this.tmp.n++}`;
        L.line(`const ${n} = ${this.tx(a.extent.size, s, t, a)};`);
        L.line(`if (!(${n} >= 0 && ${n} <= ioEnd - p)) sizeOut(p, ioEnd, ${label}, ${n});`);
        L.line(`const ${ee} = p + ${n}, ${next} = ${ee};`);
        break;
      }
      case 'eos':
        L.line(`const ${ee} = ioEnd, ${next} = ioEnd;`);
        break;
      case 'term': {
        const x = a.extent;
        const tp = `t${this.tmp.n++}`;
        L.line(`const ${tp} = findByte(b, p, ioEnd, ${x.term});`);
        if (x.eosError) L.line(`if (${tp} < 0) noTerminator(p, ioEnd, ${label}, ${x.term});`);
        L.line(`const ${ee} = ${tp} < 0 ? ioEnd : ${tp}${x.include ? ' + 1' : ''}, ${next} = ${tp} < 0 ? ioEnd : ${tp}${x.consume ? ' + 1' : ''};`);
        break;
      }
      case 'none':
        L.line(`const ${ee} = -1, ${next} = -1;`);
        break;
    }
    const sized = a.extent.kind !== 'none';
    // Content bytes (after pad stripping / process) for bytes, str and raw fallbacks.
    const raw = (): string => {
      let r = `b.subarray(${es}, ${ee})`;
      if (a.padRight !== null) r = `stripRight(${r}, ${a.padRight})`;
      return r;
    };
    const processed = a.process !== null;
    const procArgs = a.process ? a.process.args.map((x) => this.tx(x, s, t, a)) : [];
    const readUser = (ref: string, args: Expr[], target: string) => {
      const n = this.typeName(ref);
      const argJs = args.map((x) => `, ${this.tx(x, s, t, a)}`).join('');
      if (processed) {
        const buf = `u${this.tmp.n++}`;
        L.line(`const ${buf} = new Input(runProcess('${a.process!.name}', ${raw()}, ${es}, ${label}${procArgs.map((x) => `, ${x}`).join('')}));`);
        L.line(`try { ${target} = read${n}(${buf}, 0, ${buf}.b.length, ${ctx}${argJs}); } catch (e) { throw within(e, ${label}); }`);
      } else if (sized) {
        L.line(`i.pos = p;`);
        L.line(`try { ${target} = read${n}(i, p, ${ee}, ${ctx}${argJs}); } catch (e) { throw within(e, ${label}); }`);
      } else {
        L.line(`i.pos = p;`);
        L.line(`try { ${target} = read${n}(i, ioStart, ioEnd, ${ctx}${argJs}); } catch (e) { throw within(e, ${label}); }`);
        L.line(`p = i.pos;`);
      }
    };
    switch (d.kind) {
      case 'bytes':
        L.line(`${v} = ${processed ? `runProcess('${a.process!.name}', ${raw()}, ${es}, ${label}${procArgs.map((x) => `, ${x}`).join('')})` : raw()};`);
        break;
      case 'str': {
        const bytes = processed ? `runProcess('${a.process!.name}', ${raw()}, ${es}, ${label}${procArgs.map((x) => `, ${x}`).join('')})` : raw();
        const tb = `sb${this.tmp.n++}`;
        L.line(`const ${tb} = ${bytes};`);
        L.line(`${v} = decodeText(${tb}, 0, ${tb}.length, '${d.encoding}', ${es}, ${label});`);
        break;
      }
      case 'user':
        readUser(d.ref.key, d.args, v);
        break;
      case 'switch': {
        const on = this.tx(d.on, s, t, a);
        L.open(`switch (${on}) {`);
        for (const c of d.cases) {
          L.open(`case ${this.tx(c.match, s, t, a)}: {`);
          if (c.type.kind === 'user') readUser(c.type.ref.key, c.type.args, v);
          else L.line(`${v} = ${raw()};`);
          L.line('break;');
          L.close();
        }
        L.open('default: {');
        if (d.fallback?.kind === 'user') readUser(d.fallback.ref.key, d.fallback.args, v);
        else L.line(`${v} = ${raw()};`);
        L.close();
        L.close();
        break;
      }
    }
    if (sized) L.line(`p = ${next};`);
    if (a.valid) this.emitValid(L, t, a, v, start, visible, label, idx);
  }

  // ---------------------------------------------------------------- encode: effective values

  /** Locals `_x` with the values to write: given, defaulted, or derived. */
  private emitEffective(L: Lines, t: TypeIR, only: Set<string> | null): void {
    for (const a of t.seq) {
      if (a.contents) {
        L.line(`const _${a.name} = new Uint8Array([${a.contents.join(', ')}]);`);
        continue;
      }
      if (a.derive) continue;
      if (only && !only.has(a.id)) continue;
      // A required field that something dereferences (a nested encoder, an expression) is checked
      // here, so a missing one is an EncodeError, not a TypeError; scalars and bytes are checked where written.
      const deref = a.type.kind === 'user' || a.type.kind === 'switch' || [...t.seq, ...t.instances].some((x) => x !== a && dereferences(x, a.id));
      const value = a.defaultValue !== null ? `v.${a.name} ?? ${a.defaultValue}` : a.cond || !deref ? `v.${a.name}` : `requireValue(v.${a.name}, '${a.id}')`;
      L.line(`const _${a.name} = ${value};`);
    }
    for (const a of t.seq) {
      if (!a.derive) continue;
      if (only && !only.has(a.id)) continue;
      const s = this.encodeScope(t);
      if (a.derive.kind === 'expr') {
        L.line(`const _${a.name} = v.${a.name} ?? ${this.tx(a.derive.e, s, t, a)};`);
        continue;
      }
      const target = t.seq.find((x) => x.id === (a.derive as { target: string }).target)!;
      const len = `l${this.tmp.n++}`;
      L.line(`let _${a.name} = v.${a.name};`);
      L.open(`if (_${a.name} === undefined) {`);
      if (a.derive.kind === 'size-of') this.emitAttrLen(L, t, target, len, t.seq.indexOf(target), true);
      else L.line(`const ${len} = requireArray(_${target.name}, '${target.id}').length;`);
      const solved = this.tx(a.derive.solve, { ...s, name: (id) => (id === '$len' ? len : s.name(id)) }, t, a);
      L.line(`_${a.name} = ${a.type.kind === 'int' && a.type.width === 8 ? `BigInt(${solved})` : solved};`);
      L.close();
    }
  }

  /** Which fields the length computation reads (switch-on, counts, sizes, conditions). */
  private lenDeps(t: TypeIR): Set<string> {
    const deps = new Set<string>();
    const add = (e: Expr) => fieldRefs(e).forEach((x) => deps.add(x));
    for (const a of t.seq) {
      if (a.cond) add(a.cond);
      if (a.type.kind === 'switch') add(a.type.on);
      if (a.type.kind === 'user') a.type.args.forEach(add);
      if (a.type.kind === 'switch') for (const c of a.type.cases) if (c.type.kind === 'user') c.type.args.forEach(add);
      if (a.extent.kind === 'size' && !this.isDeriveTarget(t, a)) add(a.extent.size);
      if (a.repeat.kind === 'expr' && !t.seq.some((f) => f.derive?.kind === 'count-of' && f.derive.target === a.id)) add(a.repeat.count);
      if (this.childNeedsParent(a.type)) t.seq.forEach((x) => deps.add(x.id));
      if (a.repeat.kind !== 'none' || a.type.kind !== 'int') deps.add(a.id);
    }
    if (t.endian.kind === 'switch') add(t.endian.on);
    // Close over derivations.
    let grew = true;
    while (grew) {
      grew = false;
      for (const a of t.seq) {
        if (!deps.has(a.id) || !a.derive) continue;
        const e = a.derive.kind === 'expr' ? a.derive.e : a.derive.solve;
        for (const x of fieldRefs(e)) if (x !== '$len' && !deps.has(x)) (deps.add(x), (grew = true));
        if (a.derive.kind !== 'expr' && !deps.has(a.derive.target)) (deps.add(a.derive.target), (grew = true));
      }
    }
    return deps;
  }

  // ---------------------------------------------------------------- encode: lengths

  private emitLen(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    this.tmp.n = 0;
    L.line(`/** @internal Encoded length of one ${t.id}. */`);
    L.open(`export function len${N}(v: ${N}Init, parent: any${this.paramList(t)}): number {`);
    const fixed = this.fixedSize(t.key);
    if (fixed !== null) {
      L.line(`return ${fixed};`);
      L.close();
      L.line();
      return;
    }
    L.line("const ioStart = 0, ioEnd = 0, p = 0;");
    this.emitEndianEncode(L, t);
    this.emitEffective(L, t, this.lenDeps(t));
    L.line('let n = 0;');
    const lens: string[] = [];
    let k = 0;
    while (k < t.seq.length) {
      const run = this.fixedRun(t, k);
      if (run.length) {
        L.line(`n += ${this.runLayout(t, run).total};`);
        run.forEach(() => lens.push('1'));
        k += run.length;
        continue;
      }
      const a = t.seq[k]!;
      const l = `l${this.tmp.n++}`;
      if (a.repeat.kind === 'none' && this.lenMayThrow(a)) {
        // Errors from nested types and size expressions get this field's name in their path
        // (list elements get `id[k]`, see emitAttrLen).
        L.line(`let ${l}: number;`);
        L.open('try {');
        this.emitAttrLen(L, t, a, `${l}i`, k, false);
        L.line(`${l} = ${l}i;`);
        L.close(`} catch (e) { throw within(e, '${a.id}'); }`);
      } else this.emitAttrLen(L, t, a, l, k, false);
      L.line(`n += ${l};`);
      lens.push(l);
      k++;
    }
    t.seq.forEach((a, j) => {
      if (!optionalTerminator(a)) return;
      const rest = lens.slice(j + 1);
      // The last element's terminator is left out when nothing follows and the element is not
      // empty (an empty element without its terminator would vanish on decode).
      const last = a.repeat.kind === 'none' ? `_${a.name}` : `_${a.name}[_${a.name}.length - 1]`;
      const lastHasContent = `${a.repeat.kind === 'none' ? '' : `_${a.name}.length > 0 && `}${this.elemLen(t, a, `${last}!`, 'undefined', undefined, true)} > 0`;
      L.line(`if (${lens[j]} > 0${rest.length ? ` && ${rest.join(' + ')} === 0` : ''} && ${lastHasContent}) n -= 1; // '${a.id}': no terminator when nothing follows`);
    });
    L.line('return n;');
    L.close();
    L.line();
  }

  private emitEndianEncode(L: Lines, t: TypeIR): void {
    if (t.endian.kind !== 'switch') return;
    const s = this.encodeScope(t);
    const on = this.tx(t.endian.on, { ...s, name: (id) => (t.seq.some((a) => a.id === id) ? `v.${camel(id)}` : s.name(id)) }, t, null);
    const cases = t.endian.cases.map((c) => `${this.tx(c.match, s, t, null)}: ${c.value === 'le'}`);
    L.line(`const le = (({ ${cases.join(', ')} }) as Record<string, boolean>)[String(${on})];`);
    L.line(`if (le === undefined) throw new EncodeError('', \`no endianness for \${${on}}\`);`);
  }

  /** Emits `const <out> = <encoded byte length of attr a's value>`. `contentOnly`: size of the content a derived length field counts. */
  private emitAttrLen(L: Lines, t: TypeIR, a: Attr, out: string, index: number, contentOnly: boolean): void {
    const val = `_${a.name}`;
    const ctx = this.childNeedsParent(a.type) ? this.ctxLiteral(t, index, (x) => `_${x.name}`) : 'undefined';
    const s = this.encodeScope(t);
    if (a.repeat.kind === 'none' && !a.cond && !this.isStatementSwitch(t, a, contentOnly)) {
      L.line(`const ${out} = ${this.elemLen(t, a, val, ctx, undefined, contentOnly)};`);
      return;
    }
    L.line(`let ${out} = 0;`);
    if (a.cond) L.open(`if (${this.tx(a.cond, s, t, a)}) {`);
    if (a.repeat.kind !== 'none') {
      const list = `r${this.tmp.n++}`;
      const idx = `k${this.tmp.n++}`;
      L.line(`const ${list} = requireArray(${val}, '${a.id}');`);
      L.open(`for (let ${idx} = 0; ${idx} < ${list}.length; ${idx}++) {`);
      if (this.lenMayThrow(a)) {
        L.open('try {');
        this.emitElemLen(L, t, a, `${list}[${idx}]!`, out, ctx, idx, contentOnly);
        L.close(`} catch (e) { throw within(e, \`${a.id}[\${${idx}}]\`); }`);
      } else this.emitElemLen(L, t, a, `${list}[${idx}]!`, out, ctx, idx, contentOnly);
      L.close();
    } else this.emitElemLen(L, t, a, val, out, ctx, undefined, contentOnly);
    if (a.cond) L.close();
  }

  /** Whether computing the encoded length of a's value can fail inside a nested type or an expression. */
  private lenMayThrow(a: Attr): boolean {
    return a.type.kind === 'user' || a.type.kind === 'switch' || a.extent.kind === 'size';
  }

  /** A switch whose length is computed with a `switch` statement (no per-call closure). */
  private isStatementSwitch(t: TypeIR, a: Attr, contentOnly: boolean): boolean {
    const d = a.type;
    if (d.kind !== 'switch' || exprUsesIo(d.on) || a.process) return false;
    return contentOnly || !(a.extent.kind === 'size' && !this.isDeriveTarget(t, a));
  }

  /** Adds the encoded length of one element `x` of attr a to `out`. */
  private emitElemLen(L: Lines, t: TypeIR, a: Attr, x: string, out: string, ctx: string, idx: string | undefined, contentOnly: boolean): void {
    const d = a.type;
    if (d.kind !== 'switch' || !this.isStatementSwitch(t, a, contentOnly)) {
      L.line(`${out} += ${this.elemLen(t, a, x, ctx, idx, contentOnly)};`);
      return;
    }
    const s = this.encodeScope(t, idx ? { index: idx } : {});
    const userLen = (ref: string, args: Expr[]) => `len${this.typeName(ref)}(${x} as any, ${ctx}${args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')})`;
    L.line(`if (${x} instanceof Uint8Array) ${out} += ${x}.length;`);
    L.open(`else switch (${this.tx(d.on, s, t, a)}) {`);
    for (const c of d.cases) {
      if (c.type.kind !== 'user') continue;
      L.line(`case ${this.tx(c.match, s, t, a)}: ${out} += ${userLen(c.type.ref.key, c.type.args)}; break;`);
    }
    L.line(`default: ${out} += ${d.fallback?.kind === 'user' ? userLen(d.fallback.ref.key, d.fallback.args) : `requireBytes(${x}, '${a.id}').length`};`);
    L.close();
    if (!contentOnly && a.extent.kind === 'term' && a.extent.consume && !a.extent.include) L.line(`${out} += 1;`);
  }

  /** JS expression for the encoded length of one element value `x` of attr a. */
  private elemLen(t: TypeIR, a: Attr, x: string, ctx: string, idx: string | undefined, contentOnly: boolean): string {
    const s = this.encodeScope(t, idx ? { index: idx } : {});
    const d = a.type;
    if (a.contents) return String(a.contents.length);
    if (d.kind === 'int' || d.kind === 'float') return String(d.width);
    if (d.kind === 'bits') return String(Math.ceil(d.width / 8));
    let content: string;
    const path = `'${a.id}'`;
    const userLen = (ref: string, args: Expr[]) => `len${this.typeName(ref)}(${x} as any, ${ctx}${args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')})`;
    switch (d.kind) {
      case 'bytes':
        content = `requireBytes(${x}, ${path}).length`;
        break;
      case 'str':
        content = `textLength(${x}, '${d.encoding}', ${path})`;
        break;
      case 'user':
        content = userLen(d.ref.key, d.args);
        break;
      case 'switch': {
        if (exprUsesIo(d.on)) {
          content = this.byShape(t, a, d, x, (ref, args) => userLen(ref, args), `requireBytes(${x}, ${path}).length`, `${x} instanceof Uint8Array`);
          break;
        }
        const on = this.tx(d.on, s, t, a);
        const cases = d.cases.filter((c) => c.type.kind === 'user').map((c) => `${this.tx(c.match, s, t, a)} === sw ? ${userLen((c.type as { ref: { key: string } }).ref.key, (c.type as { args: Expr[] }).args)} : `);
        const fb = d.fallback?.kind === 'user' ? userLen(d.fallback.ref.key, d.fallback.args) : `requireBytes(${x}, ${path}).length`;
        content = `(${x} instanceof Uint8Array ? ${x}.length : ((sw: unknown) => ${cases.join('')}${fb})(${on}))`;
        break;
      }
    }
    if (a.process) content = `unProcess('${a.process.name}', ${this.encodeContent(t, a, x, ctx, s)}, ${path}${a.process.args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')}).length`;
    if (contentOnly) return content;
    if (a.extent.kind === 'size' && !this.isDeriveTarget(t, a)) return `${this.tx(a.extent.size, s, t, a)}`;
    if (a.extent.kind === 'term' && a.extent.consume && !a.extent.include) return `${content} + 1`;
    return content;
  }

  /** Bytes of a processed field's content before the process is undone (only for process:). */
  private encodeContent(t: TypeIR, a: Attr, x: string, ctx: string, s: Scope): string {
    const d = a.type;
    if (d.kind === 'bytes') return `requireBytes(${x}, '${a.id}')`;
    if (d.kind === 'str') return `encodeText(${x}, '${d.encoding}', '${a.id}')`;
    if (d.kind === 'user') {
      const n = this.typeName(d.ref.key);
      const args = d.args.map((e) => `, ${this.tx(e, s, t, a)}`).join('');
      return `((b2) => (write${n}(b2, 0, ${x}, ${ctx}${args}), b2))(new Uint8Array(len${n}(${x}, ${ctx}${args})))`;
    }
    this.fail(t, a, new Error('process: on a switch is not supported'));
    return 'new Uint8Array(0)';
  }

  // ---------------------------------------------------------------- encode: write

  private emitWrite(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    this.tmp.n = 0;
    L.line(`/** @internal Writes one ${t.id} into b at p (b must be large enough: see len${N}); returns the position after it. */`);
    L.open(`export function write${N}(b: Uint8Array, p: number, v: ${N}Init, parent: any${this.paramList(t)}): number {`);
    L.line('const ioStart = p, ioEnd = b.length;');
    this.emitEndianEncode(L, t);
    this.emitEffective(L, t, null);
    let k = 0;
    while (k < t.seq.length) {
      const run = this.fixedRun(t, k);
      if (run.length) {
        this.emitWriteRun(L, t, run);
        k += run.length;
        continue;
      }
      this.emitWriteAttr(L, t, t.seq[k]!, k);
      k++;
    }
    L.line('return p;');
    L.close();
    L.line();
  }

  private emitWriteRun(L: Lines, t: TypeIR, run: Attr[]): void {
    const { offsets, total, bitGroups } = this.runLayout(t, run);
    let k = 0;
    while (k < run.length) {
      const a = run[k]!;
      if (a.type.kind === 'bits' && !a.contents) {
        const g = bitGroups.find((x) => x.fields[0]!.a === a)!;
        const parts = g.fields.map((f) => {
          const width = (f.a.type as { width: number }).width;
          const val = width === 1 ? `(requireValue(_${f.a.name}, '${f.a.id}') ? 1 : 0)` : `checkUint(_${f.a.name}, ${width}, '${f.a.id}')`;
          return `${val} * ${2 ** f.shift}`;
        });
        const w = `w${this.tmp.n++}`;
        L.line(`const ${w} = ${parts.join(' + ')};`);
        for (let j = 0; j < g.bytes; j++) {
          const shift = 8 * (g.bytes - 1 - j);
          L.line(`b[p + ${g.start + j}] = ${shift ? `Math.floor(${w} / ${2 ** shift}) & 0xff` : `${w} & 0xff`};`);
        }
        k += g.fields.length;
        continue;
      }
      const at = `p + ${offsets[k]}`;
      if (a.contents) L.line(`b.set(_${a.name}, ${at});`);
      else this.emitWriteScalar(L, t, a, a.type, `_${a.name}`, at, `'${a.id}'`);
      k++;
    }
    L.line(`p += ${total};`);
  }

  private emitWriteScalar(L: Lines, t: TypeIR, a: Attr, d: DataType, x: string, at: string, label: string): void {
    if (d.kind === 'int') {
      const le = this.endianOf(t, d);
      if (d.width === 8) {
        L.line(`dataView(b).set${d.signed ? 'BigInt64' : 'BigUint64'}(${at}, ${d.signed ? 'checkBigSint' : 'checkBigUint'}(${x}, ${label}), ${le});`);
        return;
      }
      // Inline range check (one integer op); the slow path builds the EncodeError.
      const tv = `c${this.tmp.n++}`;
      const bits = d.width * 8;
      const fits = d.signed ? (bits === 32 ? `(${tv} | 0) === ${tv}` : `((${tv} << ${32 - bits}) >> ${32 - bits}) === ${tv}`) : bits === 32 ? `(${tv} >>> 0) === ${tv}` : `(${tv} & 0x${(2 ** bits - 1).toString(16)}) === ${tv}`;
      L.line(`const ${tv} = ${x};`);
      L.line(`if (!(${fits})) ${d.signed ? 'checkSint' : 'checkUint'}(${tv}, ${bits}, ${label});`);
      if (d.width === 1) {
        L.line(`b[${at}] = ${tv};`);
        return;
      }
      const bytesBE = Array.from({ length: d.width }, (_, j) => d.width - 1 - j);
      const order = le === 'false' ? bytesBE : le === 'true' ? [...bytesBE].reverse() : null;
      if (!order) {
        L.line(`dataView(b).set${d.signed ? 'Int' : 'Uint'}${d.width * 8}(${at}, ${tv}, ${le});`);
        return;
      }
      order.forEach((sh, j) => L.line(`b[${at} + ${j}] = ${sh === 0 ? tv : sh === 3 ? `${tv} >>> 24` : `${tv} >> ${sh * 8}`};`));
      return;
    }
    if (d.kind === 'float') {
      L.line(`dataView(b).setFloat${d.width * 8}(${at}, requireValue(${x}, ${label}), ${this.endianOf(t, d)});`);
      return;
    }
    this.fail(t, a, new Error('not a scalar'));
  }

  private emitWriteAttr(L: Lines, t: TypeIR, a: Attr, index: number): void {
    const s = this.encodeScope(t);
    const val = `_${a.name}`;
    const ctx = this.childNeedsParent(a.type) ? this.ctxLiteral(t, index, (x) => `_${x.name}`) : 'undefined';
    let follows: string | undefined;
    if (optionalTerminator(a)) {
      // An `eos-error: false` terminator is written only when something follows it.
      const parts: string[] = [];
      for (let j = index + 1; j < t.seq.length; j++) {
        const l = `l${this.tmp.n++}`;
        this.emitAttrLen(L, t, t.seq[j]!, l, j, false);
        parts.push(l);
      }
      follows = `f${this.tmp.n++}`;
      L.line(`const ${follows} = ${parts.join(' + ') || '0'} > 0;`);
    }
    if (a.cond) L.open(`if (${this.tx(a.cond, s, t, a)}) {`);
    if (a.repeat.kind === 'none') this.emitWriteElement(L, t, a, a.cond ? `requireValue(${val}, '${a.id}')` : val, `'${a.id}'`, ctx, undefined, follows);
    else {
      const list = `r${this.tmp.n++}`;
      const idx = `k${this.tmp.n++}`;
      L.line(`const ${list} = requireArray(${val}, '${a.id}');`);
      if (a.repeat.kind === 'expr' && !t.seq.some((f) => f.derive?.kind === 'count-of' && f.derive.target === a.id)) {
        L.line(`if (${list}.length !== ${this.tx(a.repeat.count, s, t, a)}) throw new EncodeError('${a.id}', \`has \${${list}.length} elements, the count expression says \${${this.tx(a.repeat.count, s, t, a)}}\`);`);
      }
      L.open(`for (let ${idx} = 0; ${idx} < ${list}.length; ${idx}++) {`);
      this.emitWriteElement(L, t, a, `${list}[${idx}]!`, `\`${a.id}[\${${idx}}]\``, ctx, idx, follows ? `(${follows} || ${idx} < ${list}.length - 1)` : undefined);
      L.close();
    }
    if (a.cond) L.close();
  }

  private emitWriteElement(L: Lines, t: TypeIR, a: Attr, x: string, label: string, ctx: string, idx?: string, follows?: string): void {
    const s = this.encodeScope(t, idx ? { index: idx } : {});
    const d = a.type;
    if (a.contents) {
      L.line(`b.set(new Uint8Array([${a.contents.join(', ')}]), p);`);
      L.line(`p += ${a.contents.length};`);
      return;
    }
    if (d.kind === 'int' || d.kind === 'float') {
      this.emitWriteScalar(L, t, a, d, x, 'p', label);
      L.line(`p += ${d.width};`);
      return;
    }
    if (d.kind === 'bits') {
      this.fail(t, a, new Error('repeated or conditional bit fields are not supported'));
      return;
    }
    const start = `s${this.tmp.n++}`;
    L.line(`const ${start} = p;`);
    // Fixed extent that is not a derivation target: the value must fit; user types and pad-right pad up to it.
    const fixedExtent = a.extent.kind === 'size' && !this.isDeriveTarget(t, a) ? this.tx(a.extent.size, s, t, a) : null;
    const writeBytes = (bytesExpr: string) => {
      const tb = `bb${this.tmp.n++}`;
      L.line(`const ${tb} = ${bytesExpr};`);
      if (fixedExtent && a.padRight === null && d.kind !== 'user' && d.kind !== 'switch') {
        L.line(`if (${tb}.length !== ${fixedExtent}) throw new EncodeError(${label}, \`has \${${tb}.length} bytes, the field size is \${${fixedExtent}}\`);`);
      }
      L.line(`b.set(${tb}, p);`);
      L.line(`p += ${tb}.length;`);
    };
    const writeUser = (ref: string, args: Expr[]) => {
      const n = this.typeName(ref);
      const argJs = args.map((e) => `, ${this.tx(e, s, t, a)}`).join('');
      if (a.process) {
        writeBytes(`unProcess('${a.process.name}', ${this.encodeContent(t, { ...a, type: { kind: 'user', ref: { key: ref }, args } }, x, ctx, s)}, ${label}${a.process.args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')})`);
        return;
      }
      L.line(`try { p = write${n}(b, p, ${x} as any, ${ctx}${argJs}); } catch (e) { throw within(e, ${label}); }`);
    };
    switch (d.kind) {
      case 'bytes':
        writeBytes(a.process ? `unProcess('${a.process.name}', requireBytes(${x}, ${label}), ${label}${a.process.args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')})` : `requireBytes(${x}, ${label})`);
        break;
      case 'str': {
        const enc = `encodeText(${x}, '${d.encoding}', ${label})`;
        if (!a.process && !fixedExtent) {
          // Straight into the output buffer: no temporary array per string.
          L.line(`p = writeText(b, p, ${x}, '${d.encoding}', ${label});`);
          break;
        }
        writeBytes(a.process ? `unProcess('${a.process.name}', ${enc}, ${label}${a.process.args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')})` : enc);
        break;
      }
      case 'user':
        writeUser(d.ref.key, d.args);
        break;
      case 'switch': {
        const on = this.tx(d.on, s, t, a);
        L.open(`if (${x} instanceof Uint8Array) {`);
        writeBytes(`${x}`);
        L.close('} else {');
        if (exprUsesIo(d.on)) {
          // The stream only exists while decoding: pick the case by the value's shape.
          const users = [...d.cases.map((c) => c.type), ...(d.fallback ? [d.fallback] : [])].filter((c): c is Extract<DataType, { kind: 'user' }> => c.kind === 'user');
          L.indent(() => {
            L.open(`switch (pickByShape(${x}, [${users.map((u) => `${this.typeName(u.ref.key)}Info`).join(', ')}])) {`);
            users.forEach((u, k) => {
              L.open(`case ${k}: {`);
              writeUser(u.ref.key, u.args);
              L.line('break;');
              L.close();
            });
            L.line(`default: throw new EncodeError(${label}, 'value matches none of the case types; give raw bytes');`);
            L.close();
          });
          L.line('}');
          break;
        }
        L.indent(() => {
          L.open(`switch (${on}) {`);
          for (const c of d.cases) {
            if (c.type.kind !== 'user') continue;
            L.open(`case ${this.tx(c.match, s, t, a)}: {`);
            writeUser(c.type.ref.key, c.type.args);
            L.line('break;');
            L.close();
          }
          L.open('default: {');
          if (d.fallback?.kind === 'user') writeUser(d.fallback.ref.key, d.fallback.args);
          else L.line(`throw new EncodeError(${label}, \`no type for \${${on}}; give the body as raw bytes\`);`);
          L.close();
          L.close();
        });
        L.line('}');
        break;
      }
    }
    if (fixedExtent && (d.kind === 'user' || d.kind === 'switch' || a.padRight !== null)) {
      L.line(`if (p - ${start} > ${fixedExtent}) throw new EncodeError(${label}, \`encodes to \${p - ${start}} bytes, the field size is \${${fixedExtent}}\`);`);
      L.line(`p = padTo(b, p, ${start} + ${fixedExtent}, ${a.padRight ?? 0});`);
    }
    if (a.extent.kind === 'term' && a.extent.consume && !a.extent.include) L.line(`${follows ? `if (${follows} || p === ${start}) ` : ''}b[p++] = ${a.extent.term};`);
  }

  // ---------------------------------------------------------------- JSON

  private emitToJson(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    L.line(`/** JSON form of a decoded ${t.id} (docs/conventions.md). */`);
    L.open(`export function toJson${N}(v: ${N}, parent?: any${this.paramList(t).replace(/: ([^,]+)/g, '?: $1')}): Record<string, unknown> {`);
    L.line('const j: Record<string, unknown> = {};');
    const s = this.valueScope(t, 'v');
    for (const [k, a] of t.seq.entries()) {
      const ctx = this.childNeedsParent(a.type) ? this.ctxLiteral(t, k, (x) => `v.${x.name}`) : 'undefined';
      const conv = (x: string, idx?: string) => this.jsonOf(t, a, x, ctx, { ...s, ...(idx ? { index: idx } : {}) });
      let expr = a.repeat.kind !== 'none' ? `v.${a.name}.map((e: any, k: number) => ${conv('e', 'k')})` : conv(`v.${a.name}`);
      if (a.cond) expr = `v.${a.name} === undefined ? undefined : ${expr}`;
      L.line(`j.${a.name} = ${expr};`);
      // An absent optional field has no label either (writeJson leaves both out too).
      if (a.enumKey) L.line(`${a.cond ? `if (v.${a.name} !== undefined) ` : ''}j.${a.name}Name = ${this.enumLabels(a.enumKey)}[v.${a.name} as number] ?? null;`);
    }
    for (const i of t.instances) {
      L.line(`j.${i.name} = jsonScalar(v.${i.name});`);
      if (i.enumKey) L.line(`if (v.${i.name} !== undefined) j.${i.name}Name = ${this.enumLabels(i.enumKey)}[v.${i.name} as number] ?? null;`);
    }
    L.line('return j;');
    L.close();
    L.line();
  }

  private jsonOf(t: TypeIR, a: Attr, x: string, ctx: string, s: Scope): string {
    const d = a.type;
    if (a.contents || d.kind === 'bytes') return `toHex(${x})`;
    if (d.kind === 'int' && d.width === 8) return `String(${x})`;
    if (d.kind === 'int' || d.kind === 'float' || d.kind === 'bits' || d.kind === 'str') return x;
    const userJson = (ref: string, args: Expr[]) => `toJson${this.typeName(ref)}(${x} as any, ${ctx}${args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')})`;
    if (d.kind === 'user') return userJson(d.ref.key, d.args);
    if (exprUsesIo(d.on)) return this.byShape(t, a, d, x, (ref, args) => userJson(ref, args), `toHex(${x} as unknown as Uint8Array)`, `${x} instanceof Uint8Array`);
    // A conditional chain, not a closure: toJson is on the dissector's per-message path.
    const on = this.tx(d.on, s, t, a);
    const cases = d.cases.filter((c) => c.type.kind === 'user').map((c) => `${on} === ${this.tx(c.match, s, t, a)} ? ${userJson((c.type as { ref: { key: string } }).ref.key, (c.type as { args: Expr[] }).args)} : `);
    const fb = d.fallback?.kind === 'user' ? userJson(d.fallback.ref.key, d.fallback.args) : `toHex(${x} as unknown as Uint8Array)`;
    return `(${x} instanceof Uint8Array ? toHex(${x}) : ${cases.join('')}${fb})`;
  }

  /**
   * Writes the JSON text of a decoded value into a JsonWriter, equal to JSON.stringify(toJson(v))
   * but straight from the value into bytes: no intermediate objects or strings (the dissector's
   * --json path). Keys are field names (identifiers, never escaped); an absent optional field is
   * left out, as JSON.stringify does. Consecutive constant text is written in one call.
   */
  private emitWriteJson(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    L.line(`/** Writes the JSON text of a decoded ${t.id} (JSON.stringify(toJson${N}(v))) into \`w\`. */`);
    L.open(`export function writeJson${N}(v: ${N}, w: JsonWriter, parent?: any${this.paramList(t).replace(/: ([^,]+)/g, '?: $1')}): void {`);
    const s = this.valueScope(t, 'v');
    let text = '';
    const lit = (x: string) => (text += x);
    const code = (line: string) => {
      if (text) L.line(`w.ascii('${text.replace(/[\\']/g, '\\$&')}');`);
      text = '';
      if (!line) return;
      if (line.startsWith('}')) L.close(line);
      else if (line.endsWith('{')) L.open(line);
      else L.line(line);
    };
    // Whether a key is surely written before the next one (decides the comma at compile time where it can).
    let state = 'none' as 'none' | 'some' | 'maybe';
    const key = (name: string) => {
      if (state === 'maybe') code('w.comma();');
      lit(`${state === 'some' ? ',' : ''}"${name}":`);
    };
    lit('{');
    for (const [k, a] of t.seq.entries()) {
      const ctx = this.childNeedsParent(a.type) ? this.ctxLiteral(t, k, (x) => `v.${x.name}`) : 'undefined';
      const before = state;
      if (a.cond) code(`if (v.${a.name} !== undefined) {`);
      key(a.name);
      if (a.repeat.kind !== 'none') {
        lit('[');
        code(`for (let k = 0; k < v.${a.name}.length; k++) {`);
        code(`if (k !== 0) w.byte(44);`);
        this.jsonWriteOf(t, a, `v.${a.name}[k]!`, ctx, { ...s, index: 'k' }, code);
        code('}');
        lit(']');
      } else {
        this.jsonWriteOf(t, a, `v.${a.name}`, ctx, s, code);
      }
      state = 'some';
      if (a.enumKey) {
        lit(`,"${a.name}Name":`);
        code(`w.label(${this.enumLabels(a.enumKey)}[v.${a.name} as number]);`);
      }
      if (a.cond) {
        code('}');
        state = before === 'some' ? 'some' : 'maybe';
      }
    }
    // Instances and optional fields may be undefined: left out, like JSON.stringify does.
    for (const i of t.instances) {
      code(`if (v.${i.name} !== undefined) {`);
      key(i.name);
      code(`w.scalar(v.${i.name});`);
      if (i.enumKey) {
        lit(`,"${i.name}Name":`);
        code(`w.label(${this.enumLabels(i.enumKey)}[v.${i.name} as number]);`);
      }
      code('}');
      if (state === 'none') state = 'maybe';
    }
    lit('}');
    code('');
    L.close();
    L.line();
  }

  /** Statements writing one field value `x` (an element when repeated). */
  private jsonWriteOf(t: TypeIR, a: Attr, x: string, ctx: string, s: Scope, code: (line: string) => void): void {
    const d = a.type;
    if (a.contents || d.kind === 'bytes') return code(`w.hex(${x});`);
    if (d.kind === 'int' && d.width === 8) return code(`w.big(${x});`);
    if (d.kind === 'float') return code(`w.num(${x});`);
    if (d.kind === 'bits' && d.width === 1) return code(`w.bool(${x});`);
    if (d.kind === 'int' || d.kind === 'bits') return code(`w.int(${x});`);
    if (d.kind === 'str') return code(`w.str(${x});`);
    const user = (ref: string, args: Expr[]) => `writeJson${this.typeName(ref)}(${x} as any, w, ${ctx}${args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')});`;
    if (d.kind === 'user') return code(user(d.ref.key, d.args));
    const raw = `w.hex(${x} as unknown as Uint8Array);`;
    const users = [...d.cases.map((c) => c.type), ...(d.fallback ? [d.fallback] : [])].filter((c): c is Extract<DataType, { kind: 'user' }> => c.kind === 'user');
    if (exprUsesIo(d.on)) {
      // Outside a decode the stream is gone: the case is picked by the value's field names.
      if (users.some((u) => u.args.length)) this.fail(t, a, new Error('a switch on _io with parameterised case types is not supported'));
      code(`if (${x} instanceof Uint8Array) w.hex(${x});`);
      code(`else switch (pickByShape(${x}, [${users.map((u) => `${this.typeName(u.ref.key)}Info`).join(', ')}])) {`);
      users.forEach((u, k) => code(`case ${k}: ${user(u.ref.key, [])} break;`));
      code(`default: ${raw}`);
      return code('}');
    }
    const on = this.tx(d.on, s, t, a);
    code(`if (${x} instanceof Uint8Array) w.hex(${x});`);
    for (const c of d.cases) if (c.type.kind === 'user') code(`else if (${on} === ${this.tx(c.match, s, t, a)}) ${user(c.type.ref.key, c.type.args)}`);
    code(`else ${d.fallback?.kind === 'user' ? user(d.fallback.ref.key, d.fallback.args) : raw}`);
  }

  private emitFromJson(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    L.line(`/** Encoder input from the JSON form (hex strings for bytes; \`…Name\` keys are ignored). */`);
    L.open(`export function fromJson${N}(json: unknown, parent?: any, path = '${t.id}'${this.paramList(t).replace(/: ([^,]+)/g, '?: $1')}): ${N}Init {`);
    L.line('const j = jsonObject(json, path);');
    const known = [...t.seq.map((a) => a.name), ...t.seq.filter((a) => a.enumKey).map((a) => `${a.name}Name`), ...t.instances.flatMap((i) => [i.name, `${i.name}Name`])];
    L.line(`jsonUnknownKeys(j, [${known.map((k) => `'${k}'`).join(', ')}], path);`);
    const s = this.valueScope(t, null);
    for (const [k, a] of t.seq.entries()) {
      if (a.contents) {
        if (this.childNeedsParent({ kind: 'user', ref: { key: t.key }, args: [] }) || t.seq.some((x) => this.childNeedsParent(x.type))) L.line(`const _${a.name} = new Uint8Array([${a.contents.join(', ')}]);`);
        continue;
      }
      const ctx = this.childNeedsParent(a.type) ? this.ctxLiteral(t, k, (x) => `_${x.name}`) : 'undefined';
      const p = `path + '.${a.name}'`;
      const conv = (x: string, pp: string, idx?: string) => this.fromJsonOf(t, a, x, pp, ctx, idx ? { ...s, index: idx } : s);
      let expr = a.repeat.kind !== 'none' ? `j.${a.name} === undefined ? undefined : jsonArray(j.${a.name}, ${p}).map((e, k) => ${conv('e', `${p} + '[' + k + ']'`, 'k')})` : conv(`j.${a.name}`, p);
      if (a.repeat.kind === 'none' && (a.type.kind === 'user' || a.type.kind === 'switch')) expr = `j.${a.name} === undefined ? undefined : ${expr}`;
      L.line(`const _${a.name} = ${expr};`);
    }
    const fields = t.seq.filter((a) => !a.contents).map((a) => `${a.name}: _${a.name}`);
    L.line(`return { ${fields.join(', ')} } as ${N}Init;`);
    L.close();
    L.line();
  }

  private fromJsonOf(t: TypeIR, a: Attr, x: string, p: string, ctx: string, s: Scope): string {
    const d = a.type;
    if (d.kind === 'bytes') return `jsonBytes(${x}, ${p})`;
    if (d.kind === 'int') return d.width === 8 ? `jsonBig(${x}, ${p})` : `jsonInt(${x}, ${p})`;
    if (d.kind === 'float') return `jsonInt(${x}, ${p}, true)`;
    if (d.kind === 'bits') return d.width === 1 ? `jsonBool(${x}, ${p})` : `jsonInt(${x}, ${p})`;
    if (d.kind === 'str') return `jsonStr(${x}, ${p})`;
    const userFrom = (ref: string, args: Expr[]) => `fromJson${this.typeName(ref)}(${x}, ${ctx}, ${p}${args.map((e) => `, ${this.tx(e, s, t, a)}`).join('')})`;
    if (d.kind === 'user') return userFrom(d.ref.key, d.args);
    if (exprUsesIo(d.on)) return this.byShape(t, a, d, x, userFrom, `jsonBytes(${x}, ${p})`, `typeof ${x} === 'string'`);
    const on = this.tx(d.on, s, t, a);
    const cases = d.cases.filter((c) => c.type.kind === 'user').map((c) => `sw === ${this.tx(c.match, s, t, a)} ? ${userFrom((c.type as { ref: { key: string } }).ref.key, (c.type as { args: Expr[] }).args)} : `);
    const fb = d.fallback?.kind === 'user' ? userFrom(d.fallback.ref.key, d.fallback.args) : `jsonBytes(${x}, ${p})`;
    return `(typeof ${x} === 'string' ? jsonBytes(${x}, ${p}) : ((sw: unknown) => ${cases.join('')}${fb})(${on}))`;
  }

  /**
   * Outside a decode the stream is gone, so a switch on `_io` picks its case by the value's
   * field names (the case types of one switch have distinct shapes in practice).
   */
  private byShape(t: TypeIR, a: Attr, d: Extract<DataType, { kind: 'switch' }>, x: string, conv: (ref: string, args: Expr[]) => string, raw: string, isRaw: string): string {
    const users = [...d.cases.map((c) => c.type), ...(d.fallback ? [d.fallback] : [])].filter((c): c is Extract<DataType, { kind: 'user' }> => c.kind === 'user');
    if (users.some((u) => u.args.length)) this.fail(t, a, new Error('a switch on _io with parameterised case types is not supported'));
    const infos = users.map((u) => `${this.typeName(u.ref.key)}Info`).join(', ');
    const picks = users.map((u, k) => `k === ${k} ? ${conv(u.ref.key, [])} : `).join('');
    return `(${isRaw} ? ${raw} : ((k: number) => ${picks}${raw})(pickByShape(${x}, [${infos}])))`;
  }

  // ---------------------------------------------------------------- descriptors and public API

  private fieldInfo(t: TypeIR, a: Attr): string {
    const d = a.type;
    const parts: string[] = [`id: '${a.id}'`, `name: '${a.name}'`];
    const kind = a.contents ? 'contents' : d.kind;
    parts.push(`kind: '${kind}'`);
    if (d.kind === 'int') parts.push(`width: ${d.width}`, `signed: ${d.signed}`);
    if (d.kind === 'float') parts.push(`width: ${d.width}`);
    if (d.kind === 'bits') parts.push(`bits: ${d.width}`);
    if (d.kind === 'str') parts.push(`encoding: '${d.encoding}'`);
    if (a.contents) parts.push(`contents: [${a.contents.join(', ')}]`);
    if (d.kind === 'user') parts.push(`type: () => ${this.typeName(d.ref.key)}Info`);
    if (d.kind === 'switch') {
      const cs = d.cases
        .filter((c) => c.type.kind === 'user')
        .map((c) => {
          const v = constInt(c.match, this.schema, t);
          return `{ match: ${v === null ? JSON.stringify(showExpr(c.match)) : v}, type: () => ${this.typeName((c.type as { ref: { key: string } }).ref.key)}Info }`;
        });
      parts.push(`on: ${JSON.stringify(showExpr(d.on))}`, `cases: [${cs.join(', ')}]`);
      if (d.fallback?.kind === 'user') parts.push(`fallback: () => ${this.typeName(d.fallback.ref.key)}Info`);
    }
    if (a.enumKey) parts.push(`enumLabels: ${this.enumLabels(a.enumKey)}`);
    if (a.extent.kind === 'size') {
      const c = constInt(a.extent.size, this.schema, t);
      parts.push(c !== null && !this.isDeriveTarget(t, a) ? `size: ${c}` : `size: 'expr', sizeExpr: ${JSON.stringify(showExpr(a.extent.size))}`);
    }
    if (a.extent.kind === 'eos') parts.push(`size: 'eos'`);
    if (a.extent.kind === 'term') parts.push(`terminator: ${a.extent.term}`);
    if (a.repeat.kind !== 'none') parts.push(`repeat: '${a.repeat.kind}'`);
    if (a.repeat.kind === 'expr') parts.push(`countExpr: ${JSON.stringify(showExpr(a.repeat.count))}`);
    if (a.repeat.kind === 'until') parts.push(`until: ${JSON.stringify(showExpr(a.repeat.cond))}`);
    if (a.cond) parts.push('optional: true');
    if (a.defaultValue !== null) parts.push(`defaultValue: ${a.defaultValue}`);
    if (a.derive) parts.push(`derived: ${a.derive.kind === 'expr' ? `'expr'` : `{ kind: '${a.derive.kind}', target: '${camel(a.derive.target)}' }`}`);
    if (a.valid) {
      const v = a.valid;
      // Integer constants, and string literals (text fields), as JSON values.
      const c = (e: Expr | null): string | null => {
        if (!e) return null;
        if (e.k === 'str') return JSON.stringify(e.v);
        const n = constInt(e, this.schema, t);
        return n === null ? null : String(n);
      };
      if (v.kind === 'range') parts.push(`valid: { min: ${c(v.min) ?? 'undefined'}, max: ${c(v.max) ?? 'undefined'} }`);
      else if (v.kind === 'eq') parts.push(`valid: { eq: ${c(v.v) ?? 'undefined'} }`);
      else if (v.kind === 'any-of') parts.push(`valid: { anyOf: [${v.vs.map((x) => c(x)).filter((x) => x !== null).join(', ')}] }`);
      else if (v.kind === 'in-enum') parts.push(`valid: { inEnum: true }`);
      else parts.push(`valid: { expr: ${JSON.stringify(showExpr(v.e))} }`);
    }
    if (a.doc) parts.push(`doc: ${JSON.stringify(a.doc)}`);
    return `{ ${parts.join(', ')} }`;
  }

  private emitInfo(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    L.line(`/** Descriptor of ${t.id} for tools (fuzzer, docs, CLI). */`);
    L.open(`export const ${N}Info: TypeInfo = {`);
    L.line(`id: '${t.id}',`);
    L.line(`name: '${N}',`);
    L.line(`spec: '${t.file}',`);
    L.line(`doc: ${JSON.stringify(t.doc)},`);
    L.line(`fixedSize: ${this.fixedSize(t.key) ?? 'null'},`);
    L.line(`minSize: ${this.minSize(t.key)},`);
    L.line(`params: [${t.params.map((p) => `'${p.name}'`).join(', ')}],`);
    L.open('fields: [');
    for (const a of t.seq) L.line(`${this.fieldInfo(t, a)},`);
    L.close('] as FieldInfo[],');
    L.line(`instances: [${t.instances.map((i) => `'${i.name}'`).join(', ')}],`);
    if (this.standalone(t)) {
      L.line(`decode: (bytes: Uint8Array, offset?: number, end?: number) => decode${N}(bytes, offset, end),`);
      L.line(`encode: (value: unknown) => encode${N}(value as ${N}Init),`);
      L.line(`toJson: (value: unknown) => toJson${N}(value as ${N}),`);
      L.line(`toJsonText: (value: unknown) => jsonText(writeJson${N}, value as ${N}),`);
      L.line(`writeJson: (value: unknown, w: JsonWriter) => writeJson${N}(value as ${N}, w),`);
      L.line(`fromJson: (json: unknown) => fromJson${N}(json),`);
    }
    L.close('};');
    L.line();
  }

  private emitPublic(L: Lines, t: TypeIR): void {
    const N = this.typeName(t.key);
    const root = t.id;
    docComment(L, `Decodes one ${t.id} from bytes[offset, end) (\`end\` defaults to the end of \`bytes\`: a message decoded in place inside a larger buffer). Returns the value and the bytes consumed; throws DecodeError (field path, byte offset in \`bytes\`, reason) on bad input.`);
    L.open(`export function decode${N}(bytes: Uint8Array, offset = 0, end = bytes.length): Decoded<${N}> {`);
    L.line(`if (end > bytes.length) throw new RangeError(\`decode${N}: end \${end} is past the \${bytes.length} bytes\`);`);
    L.line('const i = inputFor(bytes, offset);');
    L.line(`try { const value = read${N}(i, offset, end, undefined); return { value, size: i.pos - offset }; } catch (e) { throw within(e, '${root}'); }`);
    L.close();
    docComment(L, `Exact encoded length of \`value\` in bytes.`);
    L.open(`export function encodedLength${N}(value: ${N}Init): number {`);
    L.line(`try { return len${N}(value, undefined); } catch (e) { throw within(e, '${root}'); }`);
    L.close();
    docComment(L, `Encodes \`value\` into \`buf\` at \`offset\`; returns the bytes written. Derived fields are computed unless given.`);
    L.open(`export function encode${N}Into(value: ${N}Init, buf: Uint8Array, offset = 0): number {`);
    L.open('try {');
    L.line(`const n = len${N}(value, undefined);`);
    L.line(`if (offset < 0 || offset + n > buf.length) throw new EncodeError('', \`needs \${n} bytes at offset \${offset}, buffer has \${buf.length}\`);`);
    L.line(`write${N}(buf, offset, value, undefined);`);
    L.line('return n;');
    L.close(`} catch (e) { throw within(e, '${root}'); }`);
    L.close();
    docComment(L, `Encodes \`value\` into a new Uint8Array. Derived fields are computed unless given.`);
    L.open(`export function encode${N}(value: ${N}Init): Uint8Array {`);
    L.open('try {');
    L.line(`const buf = new Uint8Array(len${N}(value, undefined));`);
    L.line(`write${N}(buf, 0, value, undefined);`);
    L.line('return buf;');
    L.close(`} catch (e) { throw within(e, '${root}'); }`);
    L.close();
    docComment(L, `Codec object for ${t.id}.`);
    L.open(`export const ${N}Codec: Codec<${N}, ${N}Init> = {`);
    L.line(`info: ${N}Info,`);
    L.line(`decode: decode${N},`);
    L.line(`encode: encode${N},`);
    L.line(`encodeInto: encode${N}Into,`);
    L.line(`encodedLength: encodedLength${N},`);
    L.line(`toJson: (v) => toJson${N}(v),`);
    L.line(`toJsonText: (v) => jsonText(writeJson${N}, v),`);
    L.line(`writeJson: (v, w) => writeJson${N}(v, w),`);
    L.line(`fromJson: (j) => fromJson${N}(j),`);
    L.close('};');
    L.line();
  }

  private emitProtocol(L: Lines, spec: SpecFile): void {
    const t = this.schema.types.get(spec.topKey)!;
    const N = this.typeName(t.key);
    const pw = spec.peerwire;
    // Message-type field: the switch-on of the first switch field, when it is a plain enum field.
    const sw = t.seq.find((a) => a.type.kind === 'switch');
    const on = sw && sw.type.kind === 'switch' && sw.type.on.k === 'name' ? t.seq.find((a) => a.id === (sw.type as { on: { id: string } }).on.id) : undefined;
    const frame = this.frameFor(t, spec);
    docComment(L, `Protocol entry: ${pw.proto}.`);
    L.open(`export const protocol: ProtocolInfo<${N}, ${N}Init> = {`);
    L.line(`proto: '${pw.proto}',`);
    L.line(`summary: ${JSON.stringify(pw.summary ?? spec.title)},`);
    L.line(`spec: '${spec.path}',`);
    L.line(`codec: ${N}Codec,`);
    L.line(`typeField: ${on ? `'${on.name}'` : 'null'},`);
    L.line(`typeLabels: ${on?.enumKey ? this.enumLabels(on.enumKey) : '{}'},`);
    L.line(`frame: ${frame ?? 'null'},`);
    L.close('};');
  }

  /**
   * Stream framing from the header: when the top type is fixed-size header fields followed by one
   * field sized by an expression over them, the total length is header + that expression.
   */
  private frameFor(t: TypeIR, spec: SpecFile): string | null {
    const sizedIdx = t.seq.length - 1;
    if (sizedIdx < 0 || t.seq[sizedIdx]!.extent.kind !== 'size') return null;
    const header = t.seq.slice(0, sizedIdx);
    // Header fields: integers, and byte fields of a constant size (e.g. a GUID).
    const widthOf = (a: Attr): number | null => {
      if (a.repeat.kind !== 'none' || a.cond) return null;
      if (a.type.kind === 'int') return a.type.width;
      if (a.contents) return a.contents.length;
      if (a.type.kind === 'bytes' && a.extent.kind === 'size') return constInt(a.extent.size, this.schema, t);
      return null;
    };
    if (header.some((a) => widthOf(a) === null)) return null;
    const sized = t.seq[sizedIdx]!;
    if (sized.extent.kind !== 'size') return null;
    const s = this.decodeScope(t, new Set(header.map((a) => a.id)));
    const lines: string[] = [];
    let off = 0;
    for (const a of header) {
      if (a.type.kind === 'int' && fieldRefs(sized.extent.size).has(a.id)) lines.push(`const _${a.name} = ${this.readScalar(t, a.type, `p + ${off}`)};`);
      off += widthOf(a)!;
    }
    const headerSize = off;
    const size = this.tx(sized.extent.size, s, t, sized);
    const lenField = header.find((a) => a.derive?.kind === 'size-of');
    const max = (spec.peerwire as { 'max-message'?: number })['max-message'] ?? (lenField?.valid?.kind === 'range' && lenField.valid.max ? constInt(lenField.valid.max, this.schema, t) : null) ?? 65536;
    return `{ headerSize: ${headerSize}, maxMessageSize: ${max}, frameLength(b: Uint8Array, p: number): number { ${lines.join(' ')} return ${headerSize} + (${size}); } }`;
  }
}

const RESERVED = new Set(['Record', 'Partial', 'Required', 'Readonly', 'Promise', 'Date', 'Symbol', 'BigInt', 'Function', 'JSON', 'Math', 'Boolean', 'Pick', 'Omit', 'Iterator', 'Input', 'DecodeError', 'EncodeError', 'Codec', 'Decoded', 'TypeInfo', 'FieldInfo', 'ProtocolInfo', 'Array', 'Object', 'String', 'Number', 'Error', 'Map', 'Set', 'Uint8Array']);

/** Fold constant offsets the emitter builds up (`p + 2 + 1` -> `p + 3`, `p + 0` -> `p`) so the output reads like hand-written code. */
function tidyOffsets(src: string): string {
  let out = src;
  for (let k = 0; k < 3; k++) out = out.replace(/\b([pq]) \+ (\d+) \+ (\d+)\b(?![.x])/g, (_, v: string, a: string, b: string) => `${v} + ${Number(a) + Number(b)}`);
  return out.replace(/\b([pq]) \+ 0\b(?![.x\d])/g, '$1');
}

/**
 * `-terminator-optional: true` (with `eos-error: false`): the encoder leaves the terminator out
 * when nothing follows the field. Without the key a terminator is always written: a decoded value
 * cannot tell whether it was on the wire, so the spec states which form is canonical.
 */
function optionalTerminator(a: Attr): boolean {
  return a.extent.kind === 'term' && a.extent.optional && a.extent.consume && !a.extent.include;
}

function userRefs(d: DataType): string[] {
  if (d.kind === 'user') return [d.ref.key];
  if (d.kind === 'switch') return [...d.cases.flatMap((c) => userRefs(c.type)), ...(d.fallback ? userRefs(d.fallback) : [])];
  return [];
}

function camel(id: string): string {
  return id.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function jsInt(v: bigint): string {
  return Number.isSafeInteger(Number(v)) ? String(v) : `${v}n`;
}

function readUintBE(at: string, bytes: number): string {
  if (bytes === 1) return `b[${at}]!`;
  if (bytes === 2) return `((b[${at}]! << 8) | b[${at} + 1]!)`;
  if (bytes === 3) return `((b[${at}]! << 16) | (b[${at} + 1]! << 8) | b[${at} + 2]!)`;
  return `(b[${at}]! * 0x1000000 + ((b[${at} + 1]! << 16) | (b[${at} + 2]! << 8) | b[${at} + 3]!))`;
}

function hexOf(bytes: number[]): string {
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join('');
}

function escTpl(s: string): string {
  return s.replace(/[`\\$]/g, (c) => '\\' + c);
}

function exprUsesIo(e: Expr): boolean {
  return usesName(e, '_io');
}

function paramTs(ksy: string): string {
  if (/^[us]8/.test(ksy)) return 'bigint';
  if (/^[us][124]|^b[0-9]|^f[48]/.test(ksy)) return 'number';
  if (ksy === 'bool') return 'boolean';
  if (ksy === 'str') return 'string';
  if (ksy === 'bytes') return 'Uint8Array';
  return 'any';
}

function instTs(t: string): string {
  switch (t) {
    case 'int':
    case 'float':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'str':
      return 'string';
    case 'bytes':
      return 'Uint8Array';
    default:
      return 'any';
  }
}

/**
 * Whether an IR node (attribute, instance) has an expression that dereferences the field `id`
 * (`id.x`, `id.length`, `id[k]`, `id.method()`): those throw a TypeError when the value is missing,
 * where arithmetic and comparisons just give NaN or false and the writer's checks report it.
 */
function dereferences(node: unknown, id: string): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some((x) => dereferences(x, id));
  const o = node as Record<string, unknown>;
  if ((o.k === 'attr' || o.k === 'call' || o.k === 'index') && (o.obj as { k?: string; id?: string }).k === 'name' && (o.obj as { id: string }).id === id) return true;
  for (const [key, v] of Object.entries(o)) if (key !== 'origin' && key !== 'doc' && dereferences(v, id)) return true;
  return false;
}
