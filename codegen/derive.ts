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
  const wanted = new Map<string, Attr>(); // field id -> the attr whose size/count referenced it without a solution
  t.seq.forEach((x, k) => {
    const uses: { e: Expr; kind: 'size-of' | 'count-of' }[] = [];
    // A size that applies to each element of a list cannot give back one field value.
    if (x.extent.kind === 'size' && x.repeat.kind === 'none') uses.push({ e: x.extent.size, kind: 'size-of' });
    if (x.repeat.kind === 'expr') uses.push({ e: x.repeat.count, kind: 'count-of' });
    for (const { e, kind } of uses) {
      // One expression derives at most one field; the others it mentions are inputs.
      let solved = false;
      for (const ref of fieldRefs(e)) {
        if (solved) break;
        const hit = byId.get(ref);
        if (!hit || hit.k >= k || !isIntField(hit.a)) continue;
        const f = hit.a;
        if (f.derive) continue;
        if (x.cond) {
          wanted.set(f.id, x);
          continue;
        }
        const solve = solveFor(e, ref, LEN);
        if (solve) {
          f.derive = { kind, target: x.id, solve };
          wanted.delete(f.id);
          solved = true;
        } else if (!f.derive) wanted.set(f.id, x);
      }
    }
  });
  for (const [fid, x] of wanted) {
    const f = byId.get(fid)!.a;
    if (f.derive || f.defaultValue !== null) continue;
    problems.push({
      severity: 'error',
      message: `cannot work out how to derive '${fid}' from '${x.id}' (${x.extent.kind === 'size' ? 'size: ' + showExpr(x.extent.size) : 'repeat-expr'}); add '-derive: <expression>' to '${fid}' or give it '-default'`,
      origin: f.origin,
    });
  }
}
