/** The runtime every generated codec imports: cursors, errors, text, JSON and framing helpers. */
export * from './errors.ts';
export * from './io.ts';
export * from './text.ts';
export * from './hex.ts';
export * from './json.ts';
export * from './json-writer.ts';
export * from './process.ts';
export * from './framing.ts';
export type * from './types.ts';
