/** peerwire: protocol codecs generated from Kaitai Struct specs, plus the runtime they share. */
export * from './runtime/index.ts';
export { protocols } from './codecs/index.gen.ts';
