/**
 * Walking generated TypeInfo descriptors and the values that match them: which case type a
 * switch body has, where every field sits in a value tree (paths), and small path helpers.
 */
import type { FieldInfo, ProtocolInfo, TypeInfo } from '../src/runtime/index.ts';

/** A key path into an encoder-input value: object keys and array indexes. */
export type Path = readonly (string | number)[];

/** One field occurrence inside a concrete value. */
export interface Site {
  path: Path;
  field: FieldInfo;
  /** Type that declares the field. */
  owner: TypeInfo;
  /** Path of the object that holds the field. */
  parent: Path;
  /** Depth of `owner` below the root (0 = the message itself). */
  depth: number;
}

/** The ksy id → camelCase key of a type's fields. */
export function keyOf(info: TypeInfo, id: string): string | undefined {
  return info.fields.find((f) => f.id === id)?.name;
}

/** Parse a ternary chain `((x == "A") ? 1 : ((x == "B") ? 2 : 0))` into case → (field id, literal). */
export function parseTernaryChain(on: string): Map<number, { id: string; literal: string }> {
  const out = new Map<number, { id: string; literal: string }>();
  const re = /\((\w+) == "([^"]*)"\) \? (\d+)/g;
  for (let m = re.exec(on); m; m = re.exec(on)) out.set(Number(m[3]), { id: m[1]!, literal: m[2]! });
  return out;
}

/** The field a switch is keyed on when `on` is a plain sibling field id. */
export function switchKey(owner: TypeInfo, f: FieldInfo): FieldInfo | undefined {
  if (f.kind !== 'switch' || !f.on) return undefined;
  return owner.fields.find((g) => g.id === f.on && g !== f);
}

/** Type of a switch body inside `obj` (undefined when the body is raw bytes or no case fits). */
export function caseType(owner: TypeInfo, f: FieldInfo, obj: Record<string, unknown>): TypeInfo | undefined {
  const body = obj[f.name];
  if (body instanceof Uint8Array || body === undefined || body === null || typeof body !== 'object') return undefined;
  const key = switchKey(owner, f);
  if (key) {
    const tag = obj[key.name];
    const c = f.cases?.find((c) => c.match === tag);
    if (c) return c.type();
    return f.fallback?.();
  }
  const chain = parseTernaryChain(f.on ?? '');
  if (chain.size > 0) {
    for (const [n, { id, literal }] of chain) {
      const k = keyOf(owner, id);
      if (k && obj[k] === literal) return f.cases?.find((c) => c.match === n)?.type();
    }
    return f.cases?.find((c) => c.match === 0)?.type() ?? f.fallback?.();
  }
  // Any other expression: pick the case whose fields match the body's keys.
  const keys = new Set(Object.keys(body));
  const all = [...(f.cases ?? []).map((c) => c.type()), ...(f.fallback ? [f.fallback()] : [])];
  return all.find((t) => t.fields.every((g) => g.kind === 'contents' || g.derived !== undefined || g.defaultValue !== undefined || g.optional || keys.has(g.name)))
    ?? all[0];
}

/** Every field occurrence in `value` (a value of type `info`), depth first. */
export function sites(info: TypeInfo, value: unknown, path: Path = [], depth = 0, out: Site[] = []): Site[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return out;
  const obj = value as Record<string, unknown>;
  for (const f of info.fields) {
    const p = [...path, f.name];
    out.push({ path: p, field: f, owner: info, parent: path, depth });
    const v = obj[f.name];
    if (f.kind === 'user' && f.type) {
      const t = f.type();
      if (f.repeat && Array.isArray(v)) v.forEach((e, k) => sites(t, e, [...p, k], depth + 1, out));
      else sites(t, v, p, depth + 1, out);
    } else if (f.kind === 'switch') {
      const t = caseType(info, f, obj);
      if (t) sites(t, v, p, depth + 1, out);
    }
  }
  return out;
}

export function getPath(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Copy of `root` with the value at `path` replaced (copies along the path only). */
export function setPath(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [k, ...rest] = path;
  const base = root as Record<string | number, unknown>;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(base) ? [...base] : { ...base };
  (copy as Record<string | number, unknown>)[k!] = setPath(base?.[k!], rest, value);
  return copy;
}

/** All TypeInfos reachable from the roots (each once). */
export function reachableTypes(roots: readonly TypeInfo[]): TypeInfo[] {
  const seen = new Set<TypeInfo>();
  const visit = (t: TypeInfo): void => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const f of t.fields) {
      if (f.type) visit(f.type());
      for (const c of f.cases ?? []) visit(c.type());
      if (f.fallback) visit(f.fallback());
    }
  };
  roots.forEach(visit);
  return [...seen];
}

/** Byte offset of the field named `id` from the start of `info`, when every field before it has a constant size. */
export function constantOffset(info: TypeInfo, id: string): number | undefined {
  let bits = 0;
  for (const f of info.fields) {
    if (f.id === id) return bits % 8 === 0 ? bits / 8 : undefined;
    if (f.kind === 'int' || f.kind === 'float') bits += (f.width ?? 0) * 8;
    else if (f.kind === 'bits') bits += f.bits ?? 0;
    else if (f.kind === 'contents') bits += (f.contents?.length ?? 0) * 8;
    else if ((f.kind === 'bytes' || f.kind === 'str') && typeof f.size === 'number' && !f.repeat) bits += f.size * 8;
    else if (f.kind === 'user' && !f.repeat && f.type && f.type().fixedSize !== null) bits += f.type().fixedSize! * 8;
    else return undefined;
  }
  return undefined;
}

/** Header of a length-prefixed protocol: the size field, the type field and where the body starts. */
export interface HeaderShape {
  sizeField: FieldInfo | undefined;
  typeField: FieldInfo | undefined;
  bodyField: FieldInfo | undefined;
  headerSize: number | undefined;
}

export function headerShape(p: ProtocolInfo): HeaderShape {
  const info = p.codec.info;
  const sizeField = info.fields.find((f) => typeof f.derived === 'object' && f.derived.kind === 'size-of');
  const typeField = p.typeField ? info.fields.find((f) => f.name === p.typeField || f.id === p.typeField) : undefined;
  const bodyField = info.fields.find((f) => f.kind === 'switch');
  const headerSize = p.frame?.headerSize ?? (bodyField ? constantOffset(info, bodyField.id) : undefined);
  return { sizeField, typeField, bodyField, headerSize };
}
