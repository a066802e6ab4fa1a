/** Shapes shared by every generated codec module. */
import type { Decoded } from './io.ts';
import type { JsonWriter } from './json-writer.ts';

/** Encode/decode entry points of one message type. */
export interface Codec<T, I = T> {
  info: TypeInfo;
  /** One message from bytes[offset, end) (default: to the end of bytes). */
  decode(bytes: Uint8Array, offset?: number, end?: number): Decoded<T>;
  encode(value: I): Uint8Array;
  encodeInto(value: I, buf: Uint8Array, offset?: number): number;
  encodedLength(value: I): number;
  toJson(value: T): Record<string, unknown>;
  /** JSON.stringify(toJson(value)), written without the intermediate object (faster). */
  toJsonText(value: T): string;
  /** Writes the same JSON text into a JsonWriter (bytes, no strings: the dissector's --json). */
  writeJson(value: T, w: JsonWriter): void;
  fromJson(json: unknown): I;
}

/** Descriptor of one field, generated from the spec (used by the fuzzer, docs and CLI). */
export interface FieldInfo {
  id: string;
  name: string;
  kind: 'int' | 'float' | 'bits' | 'bytes' | 'str' | 'user' | 'switch' | 'contents';
  width?: number;
  signed?: boolean;
  bits?: number;
  encoding?: string;
  contents?: number[];
  type?: () => TypeInfo;
  on?: string;
  cases?: { match: number | string; type: () => TypeInfo }[];
  fallback?: () => TypeInfo;
  enumLabels?: Readonly<Record<number, string>>;
  /** A constant size, or how the size is known. */
  size?: number | 'expr' | 'eos';
  /** The ksy size expression when `size` is 'expr'. */
  sizeExpr?: string;
  /** The ksy count expression of `repeat: expr`. */
  countExpr?: string;
  /** The ksy condition of `repeat: until`. */
  until?: string;
  terminator?: number;
  repeat?: 'expr' | 'eos' | 'until';
  optional?: boolean;
  defaultValue?: number;
  derived?: 'expr' | { kind: 'size-of' | 'count-of'; target: string };
  valid?: { min?: number; max?: number; eq?: number | string; anyOf?: (number | string)[]; inEnum?: boolean; expr?: string };
  doc?: string;
}

export interface TypeInfo {
  id: string;
  name: string;
  spec: string;
  doc: string;
  fixedSize: number | null;
  minSize: number;
  params: string[];
  fields: FieldInfo[];
  instances: string[];
  decode?: (bytes: Uint8Array, offset?: number, end?: number) => Decoded<unknown>;
  encode?: (value: unknown) => Uint8Array;
  toJson?: (value: unknown) => Record<string, unknown>;
  toJsonText?: (value: unknown) => string;
  writeJson?: (value: unknown, w: JsonWriter) => void;
  fromJson?: (json: unknown) => unknown;
}

/** Length-prefixed framing derived from the header fields of a protocol's message type. */
export interface FrameSpec {
  headerSize: number;
  maxMessageSize: number;
  /** Total message length from the header at b[p..p+headerSize). */
  frameLength(b: Uint8Array, p: number): number;
}

/** One protocol users can name (`--proto`). */
export interface ProtocolInfo<T = any, I = any> {
  proto: string;
  summary: string;
  spec: string;
  codec: Codec<T, I>;
  /** Field holding the message type, and its labels. */
  typeField: string | null;
  typeLabels: Readonly<Record<number, string>>;
  frame: FrameSpec | null;
}
