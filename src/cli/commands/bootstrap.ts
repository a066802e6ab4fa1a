/** `peerwire bootstrap --listen <ip:port>`: the UDP bootstrap server of the reference gossip node. */
import { parseArgs, UsageError } from '../args.ts';
import { formatHostPort, parseHostPort, type HostPort } from '../../node/addr.ts';
import { BootstrapServer } from '../../node/bootstrap-server.ts';
import { isLogLevel, Logger } from '../../node/logger.ts';
import { reportCounters, untilStopSignal } from '../../node/signals.ts';

const HELP = `usage: peerwire bootstrap --listen <ip:port> [options]

UDP bootstrap server for gossip nodes (INIT 510 → POPULATE 511, PROTOCOLS.md §2).

options:
  --listen <ip:port>      address to listen on (required), e.g. 127.0.0.1:6001
  --peer-timeout <ms>     forget a peer that has not re-sent INIT for this long (default 90000)
  --max-entries <n>       most peers in one POPULATE (default 64)
  --log-level <level>     debug | info | warn | error | silent (default info)
  --json                  log JSON lines
Counters are printed on SIGUSR1 and on exit (SIGINT/SIGTERM).`;

export async function run(argv: string[]): Promise<number> {
  const { values, positional } = parseArgs(argv, { listen: 'string', 'peer-timeout': 'number', 'max-entries': 'number', 'log-level': 'string', json: 'boolean', help: 'boolean' });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const log = logger(values['log-level'], values.json === true, 'bootstrap');
  if (typeof values.listen !== 'string') throw new UsageError('--listen <ip:port> is required');
  let listen: HostPort;
  try {
    listen = parseHostPort(values.listen);
  } catch (e) {
    throw new UsageError(`--listen: ${(e as Error).message}`);
  }
  const peerTimeoutMs = positiveInt(values['peer-timeout'], '--peer-timeout', 90_000);
  const maxEntries = positiveInt(values['max-entries'], '--max-entries', 64);
  const server = new BootstrapServer({ peerTimeoutMs, maxEntries, logger: log });
  try {
    await server.start(listen);
  } catch (e) {
    log.error('cannot start the bootstrap server', { listen: formatHostPort(listen), error: e });
    return 1;
  }
  const sig = await untilStopSignal(server.counters, log);
  log.info('stopping', { signal: sig });
  await server.close();
  reportCounters(server.counters, log, 'counters');
  return 0;
}

export function logger(level: unknown, json: boolean, name: string): Logger {
  const l = typeof level === 'string' ? level : 'info';
  if (!isLogLevel(l)) throw new UsageError(`--log-level must be debug, info, warn, error or silent, got '${l}'`);
  return new Logger({ level: l, json, name });
}

export function positiveInt(v: unknown, name: string, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive whole number, got '${String(v)}'`);
  return v;
}
