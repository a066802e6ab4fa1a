/**
 * The typed intermediate representation the emitters walk. Built from ksy YAML by load.ts,
 * annotated by named passes (derive.ts), then treated as read-only.
 */
import type { Expr } from './expr.ts';

export interface Origin {
  file: string;
  /** YAML path, e.g. `/types/announce/seq/2`. */
  path: string;
  line: number;
  col: number;
}

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  origin: Origin;
}

export class CompileError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
    this.name = 'CompileError';
  }
}

export function formatProblem(p: Problem): string {
  return `${p.origin.file}:${p.origin.line}:${p.origin.col}: ${p.severity}: ${p.origin.path}: ${p.message}`;
}

export type Endian = 'be' | 'le';

/** Endianness of a type: fixed, or chosen at run time (`endian: {switch-on, cases}`). */
export type TypeEndian = { kind: 'fixed'; value: Endian } | { kind: 'switch'; on: Expr; cases: { match: Expr; value: Endian }[] } | { kind: 'none' };

export type Encoding = 'ASCII' | 'UTF-8' | 'ISO-8859-1';

export type DataType =
  | { kind: 'int'; width: 1 | 2 | 4 | 8; signed: boolean; endian: Endian | null }
  | { kind: 'float'; width: 4 | 8; endian: Endian | null }
  | { kind: 'bits'; width: number }
  | { kind: 'bytes' }
  | { kind: 'str'; encoding: Encoding }
  | { kind: 'user'; ref: TypeRef; args: Expr[] }
  | { kind: 'switch'; on: Expr; cases: SwitchCase[]; fallback: DataType | null };

export interface SwitchCase {
  match: Expr;
  type: DataType;
}

/** A reference to a user type, resolved to the spec file and type that defines it. */
export interface TypeRef {
  /** Key into Schema.types. */
  key: string;
}

/** How the extent of a bytes / str / user-typed field is known. */
export type Extent =
  | { kind: 'none' }
  | { kind: 'size'; size: Expr }
  | { kind: 'eos' }
  | { kind: 'term'; term: number; include: boolean; consume: boolean; eosError: boolean; optional: boolean };

export type Repeat = { kind: 'none' } | { kind: 'expr'; count: Expr } | { kind: 'eos' } | { kind: 'until'; cond: Expr };

export type Valid =
  | { kind: 'eq'; v: Expr }
  | { kind: 'range'; min: Expr | null; max: Expr | null }
  | { kind: 'any-of'; vs: Expr[] }
  | { kind: 'expr'; e: Expr }
  | { kind: 'in-enum' };

export interface Attr {
  id: string;
  /** camelCase TS property name. */
  name: string;
  doc: string;
  origin: Origin;
  type: DataType;
  extent: Extent;
  repeat: Repeat;
  cond: Expr | null;
  contents: number[] | null;
  padRight: number | null;
  valid: Valid | null;
  /** Enum key into Schema.enums. */
  enumKey: string | null;
  /** `-default`: value written when the encoder input omits the field. */
  defaultValue: number | null;
  /** `process:` helper name and arguments. */
  process: { name: string; args: Expr[] } | null;
  /** Filled by the derive pass: how the encoder computes this field when omitted. */
  derive: Derivation | null;
}

/** How an encoder computes a field the user may omit. */
export type Derivation =
  /** The field is the length of `target`'s encoding; `solve` maps that length (named `$len`) back to the field value. */
  | { kind: 'size-of'; target: string; solve: Expr }
  /** The field is the element count of the list `target`; `solve` maps the count (named `$len`) back. */
  | { kind: 'count-of'; target: string; solve: Expr }
  /** Explicit `-derive:` expression over the other fields. */
  | { kind: 'expr'; e: Expr };

export interface Instance {
  id: string;
  name: string;
  doc: string;
  origin: Origin;
  value: Expr;
  enumKey: string | null;
}

export interface Param {
  id: string;
  name: string;
  /** ksy type string as written (`u2`, `bytes`, `str`, `bool`, user type id...). */
  ksyType: string;
}

export interface TypeIR {
  key: string;
  id: string;
  /** TS identifier (PascalCase). */
  name: string;
  /** File that defines the type. */
  file: string;
  doc: string;
  origin: Origin;
  params: Param[];
  seq: Attr[];
  instances: Instance[];
  endian: TypeEndian;
  /** True if the type's expressions read `_parent`. */
  usesParent: boolean;
  /** The type that contains this one in the ksy, or null for a file's top-level type. */
  parentKey: string | null;
}

export interface EnumIR {
  key: string;
  id: string;
  name: string;
  file: string;
  values: { value: bigint; label: string; doc: string }[];
}

export interface SpecFile {
  /** Path relative to the repo root, e.g. spec/gossip/api.ksy. */
  path: string;
  sha256: string;
  metaId: string;
  title: string;
  doc: string;
  /** `meta/-peerwire` extension block. */
  peerwire: { proto?: string; summary?: string; layer?: string };
  topKey: string;
  imports: string[];
  /** Type keys defined in this file, in spec order (top first). */
  typeKeys: string[];
  enumKeys: string[];
}

export interface Schema {
  files: SpecFile[];
  types: Map<string, TypeIR>;
  enums: Map<string, EnumIR>;
}
