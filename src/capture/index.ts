// Capture dissector: public surface.
export * from './addresses.ts';
export * from './capture-reader.ts';
export * from './checksum.ts';
export * from './dissector.ts';
export * from './flow-table.ts';
export * from './gnutella-handshake.ts';
export * from './ip-fragments.ts';
export * from './layers.ts';
export * from './pcap-writer.ts';
export * from './stream-inflater.ts';
export * from './tcp-reassembly.ts';
export * from './link-codecs.ts';
export * from './message-stream.ts';
export * from './messages.ts';
