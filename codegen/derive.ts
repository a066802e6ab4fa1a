/**
 * Derive pass: find length and count fields the encoder can compute itself.
 * A field `f` read before `x` with `x.size = E(f)` (or `x.repeat-expr = E(f)`) is derived
 * when E is linear in f: `f`, `f ± c`, `f * c`, `(f - c) / k`, ... The solved inverse is stored
 * on the field as `$len`-expression. A field that cannot be inverted needs `-derive:`.
 */
import { fieldRefs, showExpr, type Expr } from './expr.ts';
import type { Attr, Problem, Schema, TypeIR } from './ir.ts';

const LEN: Expr = { k: 'name', id: '$len' };

function contains(e: Expr, id: string): boolean {
  return fieldRefs(e).has(id);
}

/** Solve `e == target` for the field `id`; null when e is not a simple linear expression in id. */
export function solveFor(e: Expr, id: string, target: Expr): Expr | null {
  if (e.k === 'name' && e.id === id) return target;
  // A clamp such as `len <= _io.size ? len - 8 : _io.size - 8`: an encoder writes well-formed
  // messages, where the branch that uses the field is the one taken.
  if (e.k === 'cond') {
    if (contains(e.t, id)) return solveFor(e.t, id, target);
    if (contains(e.f, id)) return solveFor(e.f, id, target);
    return null;
  }
  if (e.k !== 'bin') return null;
  const inL = contains(e.l, id);
  const inR = contains(e.r, id);
  if (inL === inR) return null;
  const known = inL ? e.r : e.l;
  const unknown = inL ? e.l : e.r;
  switch (e.op) {
    case '+':
      return solveFor(unknown, id, { k: 'bin', op: '-', l: target, r: known });
    case '-':
      return inL ? solveFor(unknown, id, { k: 'bin', op: '+', l: target, r: known }) : solveFor(unknown, id, { k: 'bin', op: '-', l: known, r: target });
    case '*':
      return solveFor(unknown, id, { k: 'bin', op: '/', l: target, r: known });
    case '/':
      return inL ? solveFor(unknown, id, { k: 'bin', op: '*', l: target, r: known }) : null;
    default:
      return null;
  }
}

export function runDerivePass(schema: Schema): Problem[] {
  const problems: Problem[] = [];
  for (const t of schema.types.values()) deriveType(t, problems);
  return problems;
}

function isIntField(a: Attr): boolean {
  if (a.repeat.kind !== 'none') return false;
  return a.type.kind === 'int' || (a.type.kind === 'bits' && a.type.width > 1);
}

function deriveType(t: TypeIR, problems: Problem[]): void {
  const byId = new Map(t.seq.map((a, k) => [a.id, { a, k }]));
  // Expressions in which no field could be solved: one of their fields needs `-derive`.
  const wanted = new Map<string, { x: Attr; fields: Attr[] }>();
  t.seq.forEach((x, k) => {
    const uses: { e: Expr; kind: 'size-of' | 'count-of' }[] = [];
    // A size that applies to each element of a list cannot give back one field value.
    if (x.extent.kind === 'size' && x.repeat.kind === 'none') uses.push({ e: x.extent.size, kind: 'size-of' });
    if (x.repeat.kind === 'expr') uses.push({ e: x.repeat.count, kind: 'count-of' });
    for (const { e, kind } of uses) {
      // One expression derives at most one field; the others it mentions are inputs.
      let solved = false;
      const candidates: Attr[] = [];
      for (const ref of fieldRefs(e)) {
        const hit = byId.get(ref);
        if (!hit || hit.k >= k || !isIntField(hit.a)) continue;
        const f = hit.a;
        if (f.derive || f.defaultValue !== null) {
          solved ||= f.derive?.kind !== 'expr' && f.derive?.target === x.id;
          continue;
        }
        candidates.push(f);
        if (solved || x.cond) continue;
        const solve = solveFor(e, ref, LEN);
        if (solve) {
          f.derive = { kind, target: x.id, solve };
          solved = true;
        }
      }
      if (!solved && candidates.length && !candidates.some((f) => f.derive)) wanted.set(`${x.id}:${kind}`, { x, fields: candidates });
    }
  });
  for (const { x, fields } of wanted.values()) {
    if (fields.some((f) => f.derive || f.defaultValue !== null)) continue;
    const names = fields.map((f) => `'${f.id}'`).join(' or ');
    problems.push({
      severity: 'error',
      message: `cannot work out how to derive ${names} from '${x.id}' (${x.extent.kind === 'size' ? 'size: ' + showExpr(x.extent.size) : 'repeat-expr: ' + (x.repeat.kind === 'expr' ? showExpr(x.repeat.count) : '')}); add '-derive: <expression>' (or '-default') to the length field`,
      origin: fields[0]!.origin,
    });
  }
}
