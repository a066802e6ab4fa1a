/** `peerwire` command line: dispatches to one module per command. */
import { pathToFileURL } from 'node:url';
import { UsageError } from './args.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  list: { summary: 'protocols and message types known', load: () => import('./commands/list.ts') },
  decode: { summary: 'decode messages to JSON Lines (--proto P, --hex H | --file F | stdin)', load: () => import('./commands/decode.ts') },
  encode: { summary: 'encode JSON to hex (--proto P, --json J)', load: () => import('./commands/encode.ts') },
  codegen: { summary: 'compile .ksy specs to TypeScript (codegen <specs…> --out <folder>)', load: () => import('./commands/codegen.ts') },
  bootstrap: { summary: 'UDP bootstrap server for gossip nodes (--listen ip:port)', load: () => import('./commands/bootstrap.ts') },
  node: { summary: 'reference gossip node (--config file.ini)', load: () => import('./commands/node.ts') },
  demo: { summary: 'the built-in demo (npm start)', load: () => import('./commands/demo.ts') },
  dissect: { summary: 'decode every message of a pcap/pcapng capture (dissect <file> [--json] [--stats] [--map tcp:PORT=PROTO] [--filter T])', load: () => import('./commands/dissect.ts') },
  fuzz: { summary: 'fuzz a live peer (--proto P --target ip:port [--spawn CMD]); fuzz replay <report> <case>', load: () => import('./commands/fuzz.ts') },
};

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return ['usage: peerwire <command> [options]', '', 'commands:', ...rows, '', 'Run `peerwire <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  // `peerwire … | head` closes stdout early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return cmd ? 0 : 2;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    console.error(`peerwire: unknown command '${cmd}'\n\n${usage()}`);
    return 2;
  }
  const mod = await c.load();
  try {
    return await mod.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`peerwire ${cmd}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(`peerwire: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 2;
    },
  );
}
