/**
 * Expression translator: ksy expression AST -> TypeScript source, with a small type inference
 * (int / bool / str / bytes / array / obj) that picks integer division, byte comparison, etc.
 * Names are resolved through a Scope supplied by the emitter, so the same translator serves
 * decode (locals), encode (effective values), toJson (`v.x`) and fromJson.
 */
import { showExpr, type Expr } from './expr.ts';
import type { Attr, Schema, TypeIR } from './ir.ts';
import { Loader } from './load.ts';

export type ExprType = 'int' | 'float' | 'bool' | 'str' | 'bytes' | 'array' | 'obj' | 'unknown';

export interface Scope {
  schema: Schema;
  type: TypeIR;
  /** JS for a field / param / instance of this type, or null if unknown (yet). */
  name(id: string): string | null;
  /** JS for the parent context object. */
  parent: string;
  /** JS for `_io.start/end/pos`. */
  io: { start: string; end: string; pos: string } | null;
  underscore?: string;
  index?: string;
  /** Field ids of this type that may be read at this point (forward-reference check). */
  visible?: Set<string>;
  /** Decoding (list indexes out of range are DecodeErrors at io.pos, not EncodeErrors). */
  decoding?: boolean;
}

export class TranslateError extends Error {}

const REL = new Set(['==', '!=', '<', '>', '<=', '>=']);

export function attrType(schema: Schema, a: Attr): ExprType {
  if (a.repeat.kind !== 'none') return 'array';
  switch (a.type.kind) {
    case 'int':
      return 'int';
    case 'float':
      return 'float';
    case 'bits':
      return a.type.width === 1 ? 'bool' : 'int';
    case 'bytes':
      return 'bytes';
    case 'str':
      return 'str';
    default:
      return 'obj';
  }
}

export function typeOf(e: Expr, s: Scope): ExprType {
  switch (e.k) {
    case 'int':
    case 'enum':
      return 'int';
    case 'float':
      return 'float';
    case 'str':
      return 'str';
    case 'bool':
      return 'bool';
    case 'bytes':
      return 'bytes';
    case 'name': {
      if (e.id === '_') return 'unknown';
      if (e.id === '_index' || e.id === '$len') return 'int';
      const a = s.type.seq.find((x) => x.id === e.id);
      if (a) return attrType(s.schema, a);
      const inst = s.type.instances.find((x) => x.id === e.id);
      if (inst) return typeOf(inst.value, s);
      const p = s.type.params.find((x) => x.id === e.id);
      if (p) return /^[us][1248]|^b[0-9]/.test(p.ksyType) ? 'int' : p.ksyType === 'str' ? 'str' : p.ksyType === 'bytes' ? 'bytes' : p.ksyType === 'bool' ? 'bool' : 'unknown';
      return 'unknown';
    }
    case 'attr':
      if (e.obj.k === 'name' && e.obj.id === '_io') return e.id === 'eof' ? 'bool' : 'int';
      if (e.id === 'length' || e.id === 'size' || e.id === 'to_i') return 'int';
      if (e.id === 'to_s') return 'str';
      return 'unknown';
    case 'call':
      if (e.id === 'to_i' || e.id === 'length' || e.id === 'size') return 'int';
      if (e.id === 'to_s' || e.id === 'substring' || e.id === 'reverse') return 'str';
      return 'unknown';
    case 'index':
      return 'unknown';
    case 'un':
      return e.op === 'not' ? 'bool' : 'int';
    case 'bin':
      if (REL.has(e.op) || e.op === 'and' || e.op === 'or') return 'bool';
      if (e.op === '+' && (typeOf(e.l, s) === 'str' || typeOf(e.r, s) === 'str')) return 'str';
      if (typeOf(e.l, s) === 'float' || typeOf(e.r, s) === 'float') return 'float';
      return 'int';
    case 'cond':
      return typeOf(e.t, s);
  }
}

function intLit(v: bigint): string {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) return `${v}n`;
  return n < 0 ? `(${n})` : String(n);
}

export function translate(e: Expr, s: Scope): string {
  switch (e.k) {
    case 'int':
      return intLit(e.v);
    case 'float':
      return String(e.v);
    case 'str':
      return JSON.stringify(e.v);
    case 'bool':
      return String(e.v);
    case 'bytes':
      return `new Uint8Array([${e.v.join(', ')}])`;
    case 'enum': {
      const key = Loader.resolveEnumFrom(s.schema, s.type.key, e.path);
      if (!key) throw new TranslateError(`unknown enum '${e.path.join('::')}'`);
      const en = s.schema.enums.get(key)!;
      const hit = en.values.find((v) => v.label === e.label);
      if (!hit) throw new TranslateError(`enum '${en.id}' has no label '${e.label}'`);
      return intLit(hit.value);
    }
    case 'name': {
      if (e.id === '_') {
        if (!s.underscore) throw new TranslateError("'_' is only defined inside valid: and repeat-until:");
        return s.underscore;
      }
      if (e.id === '_index') {
        if (!s.index) throw new TranslateError("'_index' is only defined inside a repeated field");
        return s.index;
      }
      if (e.id === '_parent') return s.parent;
      if (e.id === '_root') {
        if (!s.type.parentKey) throw new TranslateError("'_root' alone is not supported; use _root.<field>");
        return `rootOf(${s.parent})`;
      }
      if (e.id === '_io') throw new TranslateError("'_io' is only supported as _io.size, _io.pos or _io.eof");
      if (s.visible && s.type.seq.some((a) => a.id === e.id) && !s.visible.has(e.id)) {
        throw new TranslateError(`'${e.id}' is read after this expression (forward reference)`);
      }
      const js = s.name(e.id);
      if (js === null) throw new TranslateError(`unknown name '${e.id}' in type '${s.type.id}'`);
      return js;
    }
    case 'attr': {
      if (e.obj.k === 'name' && e.obj.id === '_io') {
        if (!s.io) throw new TranslateError('_io is not available here');
        if (e.id === 'size') return `(${s.io.end} - ${s.io.start})`;
        if (e.id === 'pos') return `(${s.io.pos} - ${s.io.start})`;
        if (e.id === 'eof') return `(${s.io.pos} >= ${s.io.end})`;
        throw new TranslateError(`_io.${e.id} is not supported (size, pos, eof)`);
      }
      if (e.obj.k === 'name' && e.obj.id === '_root' && !s.type.parentKey) {
        return translate({ k: 'name', id: e.id }, s);
      }
      const obj = translate(e.obj, s);
      const ot = typeOf(e.obj, s);
      if (e.id === 'length' || e.id === 'size') return `${obj}.length`;
      if (e.id === 'to_i') return ot === 'bool' ? `(${obj} ? 1 : 0)` : ot === 'str' ? `parseInt(${obj}, 10)` : obj;
      if (e.id === 'to_s') return `String(${obj})`;
      if (e.id === 'first') return ot === 'bytes' || ot === 'str' ? `${obj}[0]` : itemOf(obj, '0', e, s);
      if (e.id === 'last') return ot === 'bytes' || ot === 'str' ? `${obj}[${obj}.length - 1]` : itemOf(obj, `${obj}.length - 1`, e, s);
      if (e.id === 'min') return `Math.min(...${obj})`;
      if (e.id === 'max') return `Math.max(...${obj})`;
      if (e.id === 'reverse') return `[...${obj}].reverse().join('')`;
      return `${obj}.${camelId(e.id)}`;
    }
    case 'call': {
      const obj = translate(e.obj, s);
      const args = e.args.map((a) => translate(a, s));
      if (e.id === 'to_i') return `parseInt(${obj}, ${args[0] ?? '10'})`;
      if (e.id === 'substring') return `${obj}.substring(${args.join(', ')})`;
      if (e.id === 'to_s') return `String(${obj})`;
      throw new TranslateError(`method '${e.id}' is not supported`);
    }
    case 'index': {
      const ot = typeOf(e.obj, s);
      if (ot === 'bytes' || ot === 'str') return `${translate(e.obj, s)}[${translate(e.idx, s)}]!`;
      return itemOf(translate(e.obj, s), translate(e.idx, s), e, s);
    }
    case 'un':
      if (e.op === 'not') return `!(${translate(e.e, s)})`;
      return `(${e.op}${translate(e.e, s)})`;
    case 'bin': {
      const l = translate(e.l, s);
      const r = translate(e.r, s);
      const lt = typeOf(e.l, s);
      const rt = typeOf(e.r, s);
      if (e.op === 'and') return `(${l} && ${r})`;
      if (e.op === 'or') return `(${l} || ${r})`;
      if (lt === 'bytes' || rt === 'bytes') {
        if (e.op === '==') return `bytesEqual(${l}, ${r})`;
        if (e.op === '!=') return `!bytesEqual(${l}, ${r})`;
        if (REL.has(e.op)) return `(bytesCompare(${l}, ${r}) ${e.op} 0)`;
      }
      if (e.op === '==') return `(${l} === ${r})`;
      if (e.op === '!=') return `(${l} !== ${r})`;
      if (e.op === '/' && lt !== 'float' && rt !== 'float') return `idiv(${l}, ${r})`;
      if (e.op === '%' && lt !== 'float' && rt !== 'float') return `imod(${l}, ${r})`;
      if (e.op === '>>') return `(${l} >>> ${r})`;
      return `(${l} ${e.op} ${r})`;
    }
    case 'cond':
      return `(${translate(e.c, s)} ? ${translate(e.t, s)} : ${translate(e.f, s)})`;
  }
}

/** Constant-fold an integer expression with no names; null if not constant. */
export function constInt(e: Expr, schema?: Schema, type?: TypeIR): number | null {
  switch (e.k) {
    case 'int':
      return Number(e.v);
    case 'enum': {
      if (!schema || !type) return null;
      const key = Loader.resolveEnumFrom(schema, type.key, e.path);
      const v = key ? schema.enums.get(key)?.values.find((x) => x.label === e.label) : undefined;
      return v ? Number(v.value) : null;
    }
    case 'un':
      if (e.op === '-') {
        const v = constInt(e.e, schema, type);
        return v === null ? null : -v;
      }
      return null;
    case 'bin': {
      const l = constInt(e.l, schema, type);
      const r = constInt(e.r, schema, type);
      if (l === null || r === null) return null;
      switch (e.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return r === 0 ? null : Math.floor(l / r);
        case '%':
          return r === 0 ? null : l % r;
        case '<<':
          return l << r;
        case '>>':
          return l >>> r;
        case '&':
          return l & r;
        case '|':
          return l | r;
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

export function camelId(id: string): string {
  return id.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A list element checked to exist (a short list is a typed error, never a TypeError). */
function itemOf(obj: string, idx: string, e: Expr, s: Scope): string {
  const text = JSON.stringify(showExpr(e));
  return s.decoding && s.io ? `listItemAt(${obj}, ${idx}, ${text}, ${s.io.pos})` : `listItem(${obj}, ${idx}, ${text})`;
}
