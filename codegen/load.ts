/**
 * Load .ksy files (YAML) into the IR. Every node keeps its origin (file, YAML path, line,
 * column). Anything the compiler does not support is refused with a Problem naming the place,
 * never compiled into wrong code.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import { parseExpr, ExprSyntaxError, usesName, type Expr } from './expr.ts';
import type { Attr, DataType, EnumIR, Extent, Origin, Param, Problem, Repeat, Schema, SpecFile, TypeEndian, TypeIR, Valid, Encoding, Instance } from './ir.ts';

const META_KEYS = new Set(['id', 'title', 'license', 'endian', 'bit-endian', 'encoding', 'imports', 'application', 'file-extension', 'xref', 'tags', 'ks-version', 'ks-debug', 'ks-opaque-types']);
const TYPE_KEYS = new Set(['meta', 'doc', 'doc-ref', 'seq', 'types', 'enums', 'instances', 'params', 'to-string']);
const ATTR_KEYS = new Set(['id', 'type', 'size', 'size-eos', 'repeat', 'repeat-expr', 'repeat-until', 'if', 'valid', 'contents', 'enum', 'encoding', 'terminator', 'include', 'consume', 'eos-error', 'pad-right', 'doc', 'doc-ref', 'process']);
const INSTANCE_KEYS = new Set(['value', 'doc', 'doc-ref', 'enum', 'if']);
const ENCODINGS: Record<string, Encoding> = { ASCII: 'ASCII', 'US-ASCII': 'ASCII', 'UTF-8': 'UTF-8', UTF8: 'UTF-8', 'ISO-8859-1': 'ISO-8859-1', 'ISO8859-1': 'ISO-8859-1', LATIN1: 'ISO-8859-1' };

export function camel(id: string): string {
  return id.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
export function pascal(id: string): string {
  const c = camel(id);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

interface LoadedFile {
  path: string;
  abs: string;
  doc: Document;
  lines: LineCounter;
  js: Record<string, unknown>;
  text: string;
}

/** Parses and resolves a set of spec files (and their imports) into one Schema. */
export class Loader {
  readonly problems: Problem[] = [];
  private readonly files = new Map<string, LoadedFile>();
  private readonly schema: Schema = { files: [], types: new Map(), enums: new Map() };
  /** Resolution scopes: type key -> nested type ids/enum ids. */
  private readonly scopeTypes = new Map<string, Map<string, string>>();
  private readonly scopeEnums = new Map<string, Map<string, string>>();
  private readonly fileTopByMetaId = new Map<string, string>();
  private readonly pending: { fn: () => void }[] = [];

  private readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  load(paths: string[]): Schema {
    for (const p of paths) this.loadFile(resolve(p));
    for (const job of this.pending) job.fn();
    return this.schema;
  }

  private rel(abs: string): string {
    return relative(this.root, abs).split('\\').join('/');
  }

  private origin(f: LoadedFile, path: (string | number)[]): Origin {
    let line = 1;
    let col = 1;
    try {
      // Prefer the key's position for map entries: that is where a reader looks.
      const parent = path.length ? f.doc.getIn(path.slice(0, -1), true) : null;
      const last = path[path.length - 1];
      let pos: number | undefined;
      if (parent && isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(last));
        if (pair && isScalar(pair.key) && pair.key.range) pos = pair.key.range[0];
      }
      if (pos === undefined) {
        const node = f.doc.getIn(path, true) as YamlNode | undefined;
        pos = node?.range?.[0];
      }
      if (pos !== undefined) ({ line, col } = f.lines.linePos(pos));
    } catch {
      /* position is best effort */
    }
    return { file: f.path, path: '/' + path.join('/'), line, col };
  }

  private err(f: LoadedFile, path: (string | number)[], message: string): void {
    this.problems.push({ severity: 'error', message, origin: this.origin(f, path) });
  }

  private loadFile(abs: string): LoadedFile | undefined {
    const have = this.files.get(abs);
    if (have) return have;
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      this.problems.push({ severity: 'error', message: `cannot read spec: ${(e as Error).message}`, origin: { file: this.rel(abs), path: '/', line: 1, col: 1 } });
      return undefined;
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
    const f: LoadedFile = { path: this.rel(abs), abs, doc, lines, js: {}, text };
    this.files.set(abs, f);
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const { line, col } = lines.linePos(e.pos[0]);
        this.problems.push({ severity: 'error', message: `YAML: ${e.message.split('\n')[0]}`, origin: { file: f.path, path: '/', line, col } });
      }
      return f;
    }
    const js = doc.toJS() as unknown;
    if (!js || typeof js !== 'object' || Array.isArray(js)) {
      this.err(f, [], 'a .ksy file must be a YAML mapping');
      return f;
    }
    f.js = js as Record<string, unknown>;
    this.buildFile(f);
    return f;
  }

  private buildFile(f: LoadedFile): void {
    const top = f.js;
    const meta = (top.meta ?? {}) as Record<string, unknown>;
    if (typeof meta !== 'object') return this.err(f, ['meta'], 'meta must be a mapping');
    for (const k of Object.keys(meta)) {
      if (!META_KEYS.has(k) && !k.startsWith('-')) this.err(f, ['meta', k], `unsupported meta key '${k}'`);
    }
    const metaId = meta.id;
    if (typeof metaId !== 'string' || !/^[a-z][a-z0-9_]*$/.test(metaId)) return this.err(f, ['meta', 'id'], 'meta/id is required and must match ^[a-z][a-z0-9_]*$');
    if (meta['bit-endian'] !== undefined && meta['bit-endian'] !== 'be') this.err(f, ['meta', 'bit-endian'], 'only big-endian bit order (bit-endian: be) is supported');
    const imports: string[] = [];
    for (const [k, imp] of ((meta.imports as unknown[]) ?? []).entries()) {
      if (typeof imp !== 'string') {
        this.err(f, ['meta', 'imports', k], 'import must be a string');
        continue;
      }
      if (imp.startsWith('/')) {
        this.err(f, ['meta', 'imports', k], 'absolute imports are not supported; use a path relative to this file');
        continue;
      }
      const target = join(dirname(f.abs), imp + '.ksy');
      const loaded = this.loadFile(target);
      if (loaded) imports.push(loaded.path);
    }
    const pw = (meta['-peerwire'] ?? {}) as SpecFile['peerwire'];
    const spec: SpecFile = {
      path: f.path,
      sha256: createHash('sha256').update(f.text).digest('hex'),
      metaId,
      title: typeof meta.title === 'string' ? meta.title : metaId,
      doc: typeof top.doc === 'string' ? top.doc.trim() : '',
      peerwire: pw,
      topKey: `${f.path}#${metaId}`,
      imports,
      typeKeys: [],
      enumKeys: [],
    };
    this.schema.files.push(spec);
    if (this.fileTopByMetaId.has(metaId)) this.err(f, ['meta', 'id'], `meta/id '${metaId}' is already used by another spec`);
    this.fileTopByMetaId.set(metaId, spec.topKey);
    const endian: TypeEndian = meta.endian === 'be' || meta.endian === 'le' ? { kind: 'fixed', value: meta.endian } : { kind: 'none' };
    if (meta.endian !== undefined && endian.kind === 'none') this.err(f, ['meta', 'endian'], "endian must be 'be' or 'le' at file level");
    const encoding = typeof meta.encoding === 'string' ? meta.encoding : null;
    this.buildType(f, spec, [], metaId, top, null, endian, encoding, imports);
  }

  private buildType(
    f: LoadedFile,
    spec: SpecFile,
    path: (string | number)[],
    id: string,
    node: Record<string, unknown>,
    parentKey: string | null,
    inheritedEndian: TypeEndian,
    encoding: string | null,
    imports: string[],
  ): void {
    const key = parentKey ? `${parentKey}/${id}` : `${f.path}#${id}`;
    for (const k of Object.keys(node)) {
      if (!TYPE_KEYS.has(k) && !k.startsWith('-')) this.err(f, [...path, k], `unsupported key '${k}' in a type`);
    }
    if (!/^[a-z][a-z0-9_]*$/.test(id)) this.err(f, path, `type id '${id}' must match ^[a-z][a-z0-9_]*$`);
    let endian = inheritedEndian;
    const meta = (node.meta ?? undefined) as Record<string, unknown> | undefined;
    if (meta && path.length) {
      for (const k of Object.keys(meta)) if (k !== 'endian' && k !== 'encoding' && k !== 'bit-endian' && !k.startsWith('-')) this.err(f, [...path, 'meta', k], `unsupported type-level meta key '${k}'`);
      if (meta.endian === 'be' || meta.endian === 'le') endian = { kind: 'fixed', value: meta.endian };
      else if (meta.endian && typeof meta.endian === 'object') {
        const sw = meta.endian as Record<string, unknown>;
        const on = this.expr(f, [...path, 'meta', 'endian', 'switch-on'], sw['switch-on']);
        const cases: { match: Expr; value: 'be' | 'le' }[] = [];
        for (const [ck, cv] of Object.entries((sw.cases ?? {}) as Record<string, unknown>)) {
          if (cv !== 'be' && cv !== 'le') {
            this.err(f, [...path, 'meta', 'endian', 'cases', ck], "endian case must be 'be' or 'le'");
            continue;
          }
          const m = this.caseKey(f, [...path, 'meta', 'endian', 'cases'], ck);
          if (m) cases.push({ match: m, value: cv });
        }
        if (on) endian = { kind: 'switch', on, cases };
      }
      if (typeof meta.encoding === 'string') encoding = meta.encoding;
      if (meta['bit-endian'] !== undefined && meta['bit-endian'] !== 'be') this.err(f, [...path, 'meta', 'bit-endian'], 'only big-endian bit order (bit-endian: be) is supported');
    }
    const t: TypeIR = {
      key,
      id,
      name: pascal(id),
      file: f.path,
      doc: typeof node.doc === 'string' ? node.doc.trim() : '',
      origin: this.origin(f, path.length ? path : ['meta', 'id']),
      params: [],
      seq: [],
      instances: [],
      endian,
      usesParent: false,
      parentKey,
    };
    if (this.schema.types.has(key)) this.err(f, path, `duplicate type '${id}'`);
    this.schema.types.set(key, t);
    spec.typeKeys.push(key);
    // Scopes: nested types and enums of this type.
    const typeScope = new Map<string, string>();
    const enumScope = new Map<string, string>();
    this.scopeTypes.set(key, typeScope);
    this.scopeEnums.set(key, enumScope);
    const types = (node.types ?? {}) as Record<string, unknown>;
    for (const tid of Object.keys(types)) typeScope.set(tid, `${key}/${tid}`);
    const enums = (node.enums ?? {}) as Record<string, unknown>;
    for (const [eid, ebody] of Object.entries(enums)) {
      const ekey = `${key}::${eid}`;
      enumScope.set(eid, ekey);
      this.buildEnum(f, spec, [...path, 'enums', eid], eid, ekey, ebody);
    }
    for (const [k, p] of ((node.params as unknown[]) ?? []).entries()) {
      const pp = p as Record<string, unknown>;
      if (typeof pp?.id !== 'string') {
        this.err(f, [...path, 'params', k], 'param needs an id');
        continue;
      }
      t.params.push({ id: pp.id, name: camel(pp.id), ksyType: typeof pp.type === 'string' ? pp.type : 'u4' } satisfies Param);
    }
    const seq = (node.seq ?? []) as unknown[];
    if (!Array.isArray(seq)) this.err(f, [...path, 'seq'], 'seq must be a list');
    else
      seq.forEach((a, k) => {
        const attr = this.buildAttr(f, [...path, 'seq', k], a as Record<string, unknown>, key, encoding, endian);
        if (attr) t.seq.push(attr);
      });
    for (const [iid, ibody] of Object.entries((node.instances ?? {}) as Record<string, unknown>)) {
      const inst = this.buildInstance(f, [...path, 'instances', iid], iid, ibody as Record<string, unknown>, key);
      if (inst) t.instances.push(inst);
    }
    const ids = new Set<string>();
    for (const a of [...t.seq, ...t.instances]) {
      if (ids.has(a.id)) this.err(f, a.origin.path.split('/').slice(1), `duplicate field id '${a.id}'`);
      ids.add(a.id);
    }
    t.usesParent = [...t.seq.flatMap(exprsOfAttr), ...t.instances.map((i) => i.value)].some((e) => usesName(e, '_parent') || usesName(e, '_root'));
    if (t.endian.kind === 'switch' && (usesName(t.endian.on, '_parent') || usesName(t.endian.on, '_root'))) t.usesParent = true;
    for (const [tid, tbody] of Object.entries(types)) {
      if (!tbody || typeof tbody !== 'object') {
        this.err(f, [...path, 'types', tid], 'type must be a mapping');
        continue;
      }
      this.buildType(f, spec, [...path, 'types', tid], tid, tbody as Record<string, unknown>, key, endian, encoding, imports);
    }
  }

  private buildEnum(f: LoadedFile, spec: SpecFile, path: (string | number)[], id: string, key: string, body: unknown): void {
    const e: EnumIR = { key, id, name: pascal(id), file: f.path, values: [] };
    if (!body || typeof body !== 'object') return this.err(f, path, 'enum must be a mapping of value: label');
    for (const [vk, vv] of Object.entries(body as Record<string, unknown>)) {
      let value: bigint;
      try {
        value = BigInt(vk);
      } catch {
        this.err(f, [...path, vk], `enum key '${vk}' is not an integer`);
        continue;
      }
      const label = typeof vv === 'string' ? vv : typeof vv === 'object' && vv && typeof (vv as { id?: unknown }).id === 'string' ? (vv as { id: string }).id : null;
      if (!label || !/^[a-z][a-z0-9_]*$/.test(label)) {
        this.err(f, [...path, vk], `enum label for ${vk} must match ^[a-z][a-z0-9_]*$`);
        continue;
      }
      const doc = typeof vv === 'object' && vv && typeof (vv as { doc?: unknown }).doc === 'string' ? ((vv as { doc: string }).doc).trim() : '';
      e.values.push({ value, label, doc });
    }
    this.schema.enums.set(key, e);
    spec.enumKeys.push(key);
  }

  private expr(f: LoadedFile, path: (string | number)[], src: unknown): Expr | null {
    if (typeof src !== 'string' && typeof src !== 'number' && typeof src !== 'boolean') {
      this.err(f, path, 'expected an expression');
      return null;
    }
    try {
      return parseExpr(src);
    } catch (e) {
      if (e instanceof ExprSyntaxError) {
        this.err(f, path, `expression '${String(src)}': ${e.message}`);
        return null;
      }
      throw e;
    }
  }

  private caseKey(f: LoadedFile, path: (string | number)[], k: string): Expr | null {
    return this.expr(f, [...path, k], /^-?[0-9]+$/.test(k) ? Number(k) : k);
  }

  private buildInstance(f: LoadedFile, path: (string | number)[], id: string, body: Record<string, unknown>, scopeKey: string): Instance | null {
    if (!body || typeof body !== 'object') {
      this.err(f, path, 'instance must be a mapping');
      return null;
    }
    if ('pos' in body || 'io' in body) {
      this.err(f, path, 'positional instances (pos:/io:) are not supported; peerwire decodes in one forward pass');
      return null;
    }
    for (const k of Object.keys(body)) if (!INSTANCE_KEYS.has(k) && !k.startsWith('-')) this.err(f, [...path, k], `unsupported key '${k}' in a value instance`);
    if (body.if !== undefined) this.err(f, [...path, 'if'], "'if' on a value instance is not supported");
    const value = this.expr(f, [...path, 'value'], body.value);
    if (!value) return null;
    const inst: Instance = { id, name: camel(id), doc: typeof body.doc === 'string' ? body.doc.trim() : '', origin: this.origin(f, path), value, enumKey: null };
    if (typeof body.enum === 'string') {
      const en = body.enum;
      this.pending.push({ fn: () => (inst.enumKey = this.resolveEnum(f, [...path, 'enum'], scopeKey, en)) });
    }
    return inst;
  }

  private buildAttr(f: LoadedFile, path: (string | number)[], a: Record<string, unknown>, scopeKey: string, encoding: string | null, endian: TypeEndian): Attr | null {
    if (!a || typeof a !== 'object') {
      this.err(f, path, 'seq entry must be a mapping');
      return null;
    }
    for (const k of Object.keys(a)) {
      if (!ATTR_KEYS.has(k) && !(k.startsWith('-') && (k === '-default' || k === '-derive' || k === '-terminator-optional' || k === '-orig-id' || k.startsWith('-peerwire')))) {
        this.err(f, [...path, k], k.startsWith('-') ? `unknown peerwire extension key '${k}' (known: -default, -derive, -terminator-optional)` : `unsupported key '${k}'`);
      }
    }
    const id = a.id;
    if (typeof id !== 'string' || !/^[a-z][a-z0-9_]*$/.test(id)) {
      this.err(f, [...path, 'id'], 'attribute id is required and must match ^[a-z][a-z0-9_]*$');
      return null;
    }
    const at = (k: string) => [...path, k];
    const attr: Attr = {
      id,
      name: camel(id),
      doc: typeof a.doc === 'string' ? a.doc.trim() : '',
      origin: this.origin(f, path),
      type: { kind: 'bytes' },
      extent: { kind: 'none' },
      repeat: { kind: 'none' },
      cond: null,
      contents: null,
      padRight: null,
      valid: null,
      enumKey: null,
      defaultValue: null,
      process: null,
      derive: null,
    };
    if (!attr.doc) this.problems.push({ severity: 'warning', message: `field '${id}' has no doc`, origin: attr.origin });
    // Extent.
    if (a.size !== undefined && a['size-eos'] !== undefined) this.err(f, at('size'), 'size and size-eos cannot be used together');
    if (a.size !== undefined) {
      const s = this.expr(f, at('size'), a.size);
      if (s) attr.extent = { kind: 'size', size: s };
    } else if (a['size-eos'] === true) attr.extent = { kind: 'eos' };
    if (a.terminator !== undefined) {
      if (typeof a.terminator !== 'number' || a.terminator < 0 || a.terminator > 255) this.err(f, at('terminator'), 'terminator must be a byte value 0..255');
      else if (attr.extent.kind === 'none')
        attr.extent = { kind: 'term', term: a.terminator, include: a.include === true, consume: a.consume !== false, eosError: a['eos-error'] !== false, optional: a['-terminator-optional'] === true };
      else this.err(f, at('terminator'), 'terminator together with size/size-eos is not supported');
    }
    if (a['pad-right'] !== undefined) {
      if (typeof a['pad-right'] !== 'number') this.err(f, at('pad-right'), 'pad-right must be a byte value');
      else attr.padRight = a['pad-right'];
    }
    // Contents.
    if (a.contents !== undefined) {
      const c = contentsBytes(a.contents);
      if (!c) this.err(f, at('contents'), 'contents must be a string or a list of bytes/strings');
      else {
        attr.contents = c;
        if (a.size !== undefined || a.type !== undefined) this.err(f, at('contents'), 'contents cannot be combined with size or type');
      }
    }
    // Type.
    const ty = a.type;
    if (attr.contents) attr.type = { kind: 'bytes' };
    else if (ty === undefined) attr.type = { kind: 'bytes' };
    else if (typeof ty === 'string') {
      const dt = this.primitiveOrUser(f, at('type'), ty, scopeKey, encoding, a, attr);
      if (dt) attr.type = dt;
    } else if (typeof ty === 'object' && ty && 'switch-on' in ty) {
      const sw = ty as Record<string, unknown>;
      for (const k of Object.keys(sw)) if (k !== 'switch-on' && k !== 'cases' && !k.startsWith('-')) this.err(f, [...at('type'), k], `unsupported key '${k}' in switch type`);
      const on = this.expr(f, [...at('type'), 'switch-on'], sw['switch-on']);
      const cases: { match: Expr; type: DataType }[] = [];
      let fallback: DataType | null = null;
      for (const [ck, cv] of Object.entries((sw.cases ?? {}) as Record<string, unknown>)) {
        const cpath = [...at('type'), 'cases', ck];
        if (typeof cv !== 'string') {
          this.err(f, cpath, 'switch case type must be a type name');
          continue;
        }
        const dt = this.primitiveOrUser(f, cpath, cv, scopeKey, encoding, a, attr);
        if (!dt) continue;
        if (dt.kind !== 'user' && dt.kind !== 'bytes') {
          this.err(f, cpath, `switch case '${cv}': only user types (or bytes) are supported as cases`);
          continue;
        }
        if (ck === '_') fallback = dt;
        else {
          const m = this.caseKey(f, [...at('type'), 'cases'], ck);
          if (m) cases.push({ match: m, type: dt });
        }
      }
      if (on) attr.type = { kind: 'switch', on, cases, fallback };
      if (!fallback && attr.extent.kind === 'none') this.err(f, at('type'), 'a switch without a default case needs size/size-eos so unknown cases can keep raw bytes');
    } else this.err(f, at('type'), 'type must be a name or a switch-on mapping');
    // Strings need an encoding.
    if (attr.type.kind === 'str' && attr.extent.kind === 'none') this.err(f, at('type'), 'str needs size, size-eos or terminator');
    if (attr.type.kind === 'bytes' && !attr.contents && attr.extent.kind === 'none') this.err(f, path, 'bytes need size, size-eos or terminator (or a type)');
    if ((attr.type.kind === 'int' || attr.type.kind === 'float' || attr.type.kind === 'bits') && attr.extent.kind !== 'none') this.err(f, at('size'), 'size/terminator on a numeric type is not supported');
    if (a['-terminator-optional'] !== undefined && (attr.extent.kind !== 'term' || attr.extent.eosError)) {
      this.err(f, at('-terminator-optional'), "-terminator-optional needs a terminator with 'eos-error: false'");
    }
    // Repeat.
    if (a.repeat !== undefined) {
      if (a.repeat === 'expr') {
        const c = this.expr(f, at('repeat-expr'), a['repeat-expr']);
        if (c) attr.repeat = { kind: 'expr', count: c };
      } else if (a.repeat === 'eos') attr.repeat = { kind: 'eos' };
      else if (a.repeat === 'until') {
        const c = this.expr(f, at('repeat-until'), a['repeat-until']);
        if (c) attr.repeat = { kind: 'until', cond: c };
      } else this.err(f, at('repeat'), `unknown repeat kind '${String(a.repeat)}' (expr, eos, until)`);
    } else if (a['repeat-expr'] !== undefined || a['repeat-until'] !== undefined) this.err(f, path, 'repeat-expr/repeat-until need repeat: expr/until');
    if (a.if !== undefined) attr.cond = this.expr(f, at('if'), a.if);
    // Valid.
    if (a.valid !== undefined) attr.valid = this.valid(f, at('valid'), a.valid);
    // Enum.
    if (typeof a.enum === 'string') {
      if (attr.type.kind !== 'int' && attr.type.kind !== 'bits') this.err(f, at('enum'), 'enum applies to integer fields only');
      else {
        const en = a.enum;
        this.pending.push({ fn: () => (attr.enumKey = this.resolveEnum(f, at('enum'), scopeKey, en)) });
      }
    }
    if (attr.valid?.kind === 'in-enum' && a.enum === undefined) this.err(f, at('valid'), 'valid: in-enum needs enum:');
    if (a['-default'] !== undefined) {
      if (typeof a['-default'] !== 'number' || !Number.isInteger(a['-default'])) this.err(f, at('-default'), '-default must be an integer');
      else attr.defaultValue = a['-default'];
    }
    if (a['-derive'] !== undefined) {
      const e = this.expr(f, at('-derive'), a['-derive']);
      if (e) attr.derive = { kind: 'expr', e };
    }
    if (a.process !== undefined) {
      if (typeof a.process !== 'string') this.err(f, at('process'), 'process must be a name or name(args)');
      else {
        const m = /^([a-z][a-z0-9_]*)(?:\((.*)\))?$/.exec(a.process.trim());
        if (!m) this.err(f, at('process'), `cannot parse process '${a.process}'`);
        else if (!PROCESSES.has(m[1]!)) this.err(f, at('process'), `unknown process '${m[1]}' (known: ${[...PROCESSES].join(', ')})`);
        else {
          const args = m[2] ? m[2].split(',').map((s) => this.expr(f, at('process'), s.trim())).filter((x): x is Expr => !!x) : [];
          attr.process = { name: m[1]!, args };
        }
      }
    }
    return attr;
  }

  private valid(f: LoadedFile, path: (string | number)[], v: unknown): Valid | null {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      const e = this.expr(f, path, v);
      return e ? { kind: 'eq', v: e } : null;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['eq', 'min', 'max', 'any-of', 'expr', 'in-enum'].includes(k)) this.err(f, [...path, k], `unsupported valid key '${k}'`);
    if ('eq' in o) {
      const e = this.expr(f, [...path, 'eq'], o.eq);
      return e ? { kind: 'eq', v: e } : null;
    }
    if ('min' in o || 'max' in o) {
      return { kind: 'range', min: 'min' in o ? this.expr(f, [...path, 'min'], o.min) : null, max: 'max' in o ? this.expr(f, [...path, 'max'], o.max) : null };
    }
    if ('any-of' in o) {
      const vs = ((o['any-of'] as unknown[]) ?? []).map((x, k) => this.expr(f, [...path, 'any-of', k], x)).filter((x): x is Expr => !!x);
      return { kind: 'any-of', vs };
    }
    if ('expr' in o) {
      const e = this.expr(f, [...path, 'expr'], o.expr);
      return e ? { kind: 'expr', e } : null;
    }
    if (o['in-enum'] === true) return { kind: 'in-enum' };
    this.err(f, path, 'empty valid');
    return null;
  }

  private primitiveOrUser(f: LoadedFile, path: (string | number)[], ty: string, scopeKey: string, encoding: string | null, a: Record<string, unknown>, attr: Attr): DataType | null {
    const m = /^([us])([1248])(be|le)?$/.exec(ty);
    if (m) {
      return { kind: 'int', width: Number(m[2]) as 1 | 2 | 4 | 8, signed: m[1] === 's', endian: (m[3] as 'be' | 'le' | undefined) ?? null };
    }
    const fm = /^f([48])(be|le)?$/.exec(ty);
    if (fm) return { kind: 'float', width: Number(fm[1]) as 4 | 8, endian: (fm[2] as 'be' | 'le' | undefined) ?? null };
    const bm = /^b([0-9]+)(be|le)?$/.exec(ty);
    if (bm) {
      const w = Number(bm[1]);
      if (bm[2] === 'le') this.err(f, path, 'little-endian bit fields are not supported');
      if (w < 1 || w > 32) {
        this.err(f, path, `bit field width ${w} is not supported (1..32)`);
        return null;
      }
      return { kind: 'bits', width: w };
    }
    if (ty === 'str' || ty === 'strz') {
      const encName = typeof a.encoding === 'string' ? a.encoding : encoding;
      if (!encName) {
        this.err(f, path, 'str needs an encoding (field encoding: or meta/encoding)');
        return null;
      }
      const enc = ENCODINGS[encName.toUpperCase()];
      if (!enc) {
        this.err(f, [...path.slice(0, -1), 'encoding'], `encoding '${encName}' is not supported (ASCII, UTF-8, ISO-8859-1)`);
        return null;
      }
      if (ty === 'strz' && attr.extent.kind === 'none') attr.extent = { kind: 'term', term: 0, include: false, consume: true, eosError: a['eos-error'] !== false, optional: a['-terminator-optional'] === true };
      return { kind: 'str', encoding: enc };
    }
    if (ty === 'bytes') return { kind: 'bytes' };
    const um = /^([a-z][a-z0-9_]*(?:::[a-z][a-z0-9_]*)*)(?:\((.*)\))?$/.exec(ty);
    if (!um) {
      this.err(f, path, `unknown type '${ty}'`);
      return null;
    }
    const args = um[2] !== undefined && um[2].trim() !== '' ? splitArgs(um[2]).map((s) => this.expr(f, path, s)).filter((x): x is Expr => !!x) : [];
    const ref = { key: '' };
    const name = um[1]!;
    this.pending.push({
      fn: () => {
        const key = this.resolveType(scopeKey, name);
        if (!key) this.err(f, path, `unknown type '${name}'`);
        else {
          ref.key = key;
          const target = this.schema.types.get(key)!;
          if (target.params.length !== args.length) this.err(f, path, `type '${name}' takes ${target.params.length} parameter(s), ${args.length} given`);
        }
      },
    });
    return { kind: 'user', ref, args };
  }

  private resolveType(scopeKey: string, name: string): string | null {
    const parts = name.split('::');
    if (parts.length > 1) {
      // other_spec::nested or nested::deeper
      let key: string | null = this.resolveType(scopeKey, parts[0]!);
      for (const p of parts.slice(1)) {
        if (!key) return null;
        key = this.scopeTypes.get(key)?.get(p) ?? null;
      }
      return key;
    }
    let k: string | null = scopeKey;
    while (k) {
      const hit = this.scopeTypes.get(k)?.get(name);
      if (hit) return hit;
      if (this.schema.types.get(k)?.id === name && !this.schema.types.get(k)?.parentKey) return k;
      k = this.schema.types.get(k)?.parentKey ?? null;
    }
    return this.fileTopByMetaId.get(name) ?? null;
  }

  private resolveEnum(f: LoadedFile, path: (string | number)[], scopeKey: string, name: string): string | null {
    const parts = name.split('::');
    const enumId = parts.pop()!;
    // `type::enum` names one type's enum; a bare name is looked up outwards from the current type.
    const qualified = parts.length ? this.resolveType(scopeKey, parts.join('::')) : null;
    const hit = parts.length ? (qualified ? this.scopeEnums.get(qualified)?.get(enumId) ?? null : null) : Loader.resolveEnumFrom(this.schema, scopeKey, [enumId]);
    if (!hit) this.err(f, path, `unknown enum '${name}'`);
    return hit;
  }

  /** Resolve an enum name used inside an expression (`msg_type::announce`) from a type's scope. */
  static resolveEnumFrom(schema: Schema, scopeKey: string, path: string[]): string | null {
    const enumId = path[path.length - 1]!;
    let scope: string | null = scopeKey;
    while (scope) {
      const hit = `${scope}::${enumId}`;
      if (schema.enums.has(hit)) return hit;
      scope = schema.types.get(scope)?.parentKey ?? null;
    }
    // Enum of another top-level type: other_spec::enum_name
    if (path.length >= 2) {
      for (const t of schema.types.values()) if (!t.parentKey && t.id === path[0] && schema.enums.has(`${t.key}::${enumId}`)) return `${t.key}::${enumId}`;
    }
    return null;
  }
}

/** Built-in `process:` helpers implemented in src/runtime/process.ts. */
export const PROCESSES = new Set(['xor', 'zlib', 'peerwire_cobs', 'peerwire_deflate']);

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function contentsBytes(c: unknown): number[] | null {
  const one = (x: unknown): number[] | null => {
    if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 255) return [x];
    if (typeof x === 'string') return [...Buffer.from(x, 'utf8')];
    return null;
  };
  if (Array.isArray(c)) {
    const out: number[] = [];
    for (const x of c) {
      const b = one(x);
      if (!b) return null;
      out.push(...b);
    }
    return out;
  }
  return one(c);
}

export function exprsOfAttr(a: Attr): Expr[] {
  const out: Expr[] = [];
  if (a.extent.kind === 'size') out.push(a.extent.size);
  if (a.repeat.kind === 'expr') out.push(a.repeat.count);
  if (a.repeat.kind === 'until') out.push(a.repeat.cond);
  if (a.cond) out.push(a.cond);
  if (a.type.kind === 'switch') out.push(a.type.on);
  if (a.type.kind === 'user') out.push(...a.type.args);
  if (a.valid?.kind === 'expr') out.push(a.valid.e);
  if (a.valid?.kind === 'eq') out.push(a.valid.v);
  if (a.valid?.kind === 'range') {
    if (a.valid.min) out.push(a.valid.min);
    if (a.valid.max) out.push(a.valid.max);
  }
  if (a.derive?.kind === 'expr') out.push(a.derive.e);
  return out;
}
