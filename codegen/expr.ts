/**
 * Kaitai Struct expression language: lexer and Pratt parser producing a small AST.
 * Precedence follows the ksy reference (Python-like): ternary < or < and < not < comparison
 * < | < ^ < & < shifts < + - < * / % < unary < postfix.
 */

export type Expr =
  | { k: 'int'; v: bigint }
  | { k: 'float'; v: number }
  | { k: 'str'; v: string }
  | { k: 'bool'; v: boolean }
  | { k: 'bytes'; v: number[] }
  | { k: 'name'; id: string }
  | { k: 'enum'; path: string[]; label: string }
  | { k: 'attr'; obj: Expr; id: string }
  | { k: 'call'; obj: Expr; id: string; args: Expr[] }
  | { k: 'index'; obj: Expr; idx: Expr }
  | { k: 'un'; op: '-' | 'not' | '~'; e: Expr }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'cond'; c: Expr; t: Expr; f: Expr };

export class ExprSyntaxError extends Error {}

type Tok = { t: 'num' | 'str' | 'id' | 'op' | 'end'; v: string; pos: number };

const OPS = ['::', '<<', '>>', '<=', '>=', '==', '!=', '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '~', '(', ')', '[', ']', '.', ',', '?', ':'];

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(src.slice(i));
      if (!m) throw new ExprSyntaxError(`bad number at column ${i + 1}`);
      out.push({ t: 'num', v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c === '"') {
          const n = src[j + 1];
          const esc: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\', '"': '"', "'": "'" };
          if (n !== undefined && n in esc) {
            s += esc[n];
            j += 2;
            continue;
          }
        }
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExprSyntaxError(`unterminated string at column ${i + 1}`);
      out.push({ t: 'str', v: s, pos: start });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprSyntaxError(`unexpected character '${c}' at column ${i + 1}`);
    out.push({ t: 'op', v: op, pos: start });
    i += op.length;
  }
  out.push({ t: 'end', v: '', pos: src.length });
  return out;
}

function parseInt64(text: string): bigint {
  const t = text.replace(/_/g, '');
  if (t.startsWith('0o')) return BigInt('0o' + t.slice(2));
  return BigInt(t);
}

export function parseExpr(src: string | number | boolean): Expr {
  if (typeof src === 'number') {
    return Number.isInteger(src) ? { k: 'int', v: BigInt(src) } : { k: 'float', v: src };
  }
  if (typeof src === 'boolean') return { k: 'bool', v: src };
  const toks = lex(String(src));
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const isOp = (v: string) => peek().t === 'op' && peek().v === v;
  const isKw = (v: string) => peek().t === 'id' && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprSyntaxError(`expected '${v}' at column ${peek().pos + 1}`);
    next();
  };

  const ternary = (): Expr => {
    const c = orExpr();
    if (isOp('?')) {
      next();
      const t = ternary();
      expect(':');
      const f = ternary();
      return { k: 'cond', c, t, f };
    }
    return c;
  };
  const orExpr = (): Expr => {
    let l = andExpr();
    while (isKw('or')) {
      next();
      l = { k: 'bin', op: 'or', l, r: andExpr() };
    }
    return l;
  };
  const andExpr = (): Expr => {
    let l = notExpr();
    while (isKw('and')) {
      next();
      l = { k: 'bin', op: 'and', l, r: notExpr() };
    }
    return l;
  };
  const notExpr = (): Expr => {
    if (isKw('not')) {
      next();
      return { k: 'un', op: 'not', e: notExpr() };
    }
    return cmp();
  };
  const cmp = (): Expr => {
    const l = bitOr();
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) {
      if (isOp(op)) {
        next();
        return { k: 'bin', op, l, r: bitOr() };
      }
    }
    return l;
  };
  const left = (sub: () => Expr, ops: string[]) => (): Expr => {
    let l = sub();
    for (;;) {
      const op = ops.find((o) => isOp(o));
      if (!op) return l;
      next();
      l = { k: 'bin', op, l, r: sub() };
    }
  };
  const unary = (): Expr => {
    if (isOp('-')) {
      next();
      const e = unary();
      if (e.k === 'int') return { k: 'int', v: -e.v };
      return { k: 'un', op: '-', e };
    }
    if (isOp('~')) {
      next();
      return { k: 'un', op: '~', e: unary() };
    }
    if (isOp('+')) {
      next();
      return unary();
    }
    return postfix();
  };
  const mul = left(unary, ['*', '/', '%']);
  const add = left(mul, ['+', '-']);
  const shift = left(add, ['<<', '>>']);
  const band = left(shift, ['&']);
  const bxor = left(band, ['^']);
  const bitOr = left(bxor, ['|']);

  const postfix = (): Expr => {
    let e = primary();
    for (;;) {
      if (isOp('.')) {
        next();
        const id = next();
        if (id.t !== 'id') throw new ExprSyntaxError(`expected a name after '.' at column ${id.pos + 1}`);
        if (isOp('(')) {
          next();
          const args: Expr[] = [];
          while (!isOp(')')) {
            args.push(ternary());
            if (isOp(',')) next();
            else break;
          }
          expect(')');
          e = { k: 'call', obj: e, id: id.v, args };
        } else if (id.v === 'as' && isOp('<')) {
          throw new ExprSyntaxError('casts (.as<type>) are not supported');
        } else e = { k: 'attr', obj: e, id: id.v };
      } else if (isOp('[')) {
        next();
        const idx = ternary();
        expect(']');
        e = { k: 'index', obj: e, idx };
      } else return e;
    }
  };
  const primary = (): Expr => {
    const t = next();
    if (t.t === 'num') {
      if (/^[0-9_]+[.eE]/.test(t.v) && !/^0[xbo]/.test(t.v)) return { k: 'float', v: Number(t.v) };
      return { k: 'int', v: parseInt64(t.v) };
    }
    if (t.t === 'str') {
      return { k: 'str', v: t.v };
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true' };
      if (isOp('::')) {
        const path = [t.v];
        while (isOp('::')) {
          next();
          const n = next();
          if (n.t !== 'id') throw new ExprSyntaxError(`expected a name after '::' at column ${n.pos + 1}`);
          path.push(n.v);
        }
        const label = path.pop()!;
        return { k: 'enum', path, label };
      }
      return { k: 'name', id: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = ternary();
      expect(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') {
      const v: number[] = [];
      while (!isOp(']')) {
        const e = ternary();
        if (e.k !== 'int') throw new ExprSyntaxError('only integer byte-array literals are supported');
        v.push(Number(e.v));
        if (isOp(',')) next();
        else break;
      }
      expect(']');
      return { k: 'bytes', v };
    }
    throw new ExprSyntaxError(t.t === 'end' ? 'unexpected end of expression' : `unexpected '${t.v}' at column ${t.pos + 1}`);
  };

  const e = ternary();
  if (peek().t !== 'end') throw new ExprSyntaxError(`unexpected '${peek().v}' at column ${peek().pos + 1}`);
  return e;
}

/** Names of this type's own fields an expression reads (not via _parent/_root). */
export function fieldRefs(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case 'name':
      out.add(e.id);
      break;
    case 'attr':
      // `_parent.x` refers to another type; `a.b` reads field a of this type.
      if (!(e.obj.k === 'name' && (e.obj.id === '_parent' || e.obj.id === '_root' || e.obj.id === '_io'))) fieldRefs(e.obj, out);
      break;
    case 'call':
      fieldRefs(e.obj, out);
      e.args.forEach((a) => fieldRefs(a, out));
      break;
    case 'index':
      fieldRefs(e.obj, out);
      fieldRefs(e.idx, out);
      break;
    case 'un':
      fieldRefs(e.e, out);
      break;
    case 'bin':
      fieldRefs(e.l, out);
      fieldRefs(e.r, out);
      break;
    case 'cond':
      fieldRefs(e.c, out);
      fieldRefs(e.t, out);
      fieldRefs(e.f, out);
      break;
    default:
      break;
  }
  return out;
}

/** True when the expression touches `_parent` / `_root` anywhere. */
export function usesName(e: Expr, id: string): boolean {
  switch (e.k) {
    case 'name':
      return e.id === id;
    case 'attr':
      return usesName(e.obj, id);
    case 'call':
      return usesName(e.obj, id) || e.args.some((a) => usesName(a, id));
    case 'index':
      return usesName(e.obj, id) || usesName(e.idx, id);
    case 'un':
      return usesName(e.e, id);
    case 'bin':
      return usesName(e.l, id) || usesName(e.r, id);
    case 'cond':
      return usesName(e.c, id) || usesName(e.t, id) || usesName(e.f, id);
    default:
      return false;
  }
}

/** Print an expression back in ksy syntax (for docs and messages). */
export function showExpr(e: Expr): string {
  switch (e.k) {
    case 'int':
      return e.v.toString();
    case 'float':
      return String(e.v);
    case 'str':
      return JSON.stringify(e.v);
    case 'bool':
      return String(e.v);
    case 'bytes':
      return `[${e.v.join(', ')}]`;
    case 'name':
      return e.id;
    case 'enum':
      return `${e.path.join('::')}::${e.label}`;
    case 'attr':
      return `${showExpr(e.obj)}.${e.id}`;
    case 'call':
      return `${showExpr(e.obj)}.${e.id}(${e.args.map(showExpr).join(', ')})`;
    case 'index':
      return `${showExpr(e.obj)}[${showExpr(e.idx)}]`;
    case 'un':
      return e.op === 'not' ? `not ${showExpr(e.e)}` : `${e.op}${showExpr(e.e)}`;
    case 'bin':
      return `(${showExpr(e.l)} ${e.op} ${showExpr(e.r)})`;
    case 'cond':
      return `(${showExpr(e.c)} ? ${showExpr(e.t)} : ${showExpr(e.f)})`;
  }
}
