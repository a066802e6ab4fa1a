/** `peerwire node --config <file.ini>`: run the reference gossip node (PROTOCOLS.md §1–§3). */
import { parseArgs, UsageError } from '../args.ts';
import { formatHostPort } from '../../node/addr.ts';
import { ConfigError, loadGossipConfig, type GossipConfig } from '../../node/config.ts';
import { GossipNode } from '../../node/node.ts';
import { reportCounters, untilStopSignal } from '../../node/signals.ts';
import { logger, positiveInt } from './bootstrap.ts';

const HELP = `usage: peerwire node --config <file.ini> [options]

Reference gossip node: API (500–503) on api_address, P2P links on p2p_address, joins through the
bootstrapper. The INI file needs a [gossip] section (course format):

  [gossip]
  cache_size = 50
  degree = 30
  bootstrapper = 127.0.0.1:6001
  p2p_address = 127.0.0.1:6101
  api_address = 127.0.0.1:7001

options:
  --config <file>           INI file (required)
  --neighbors-interval <ms> NEIGHBORS period (default 10000)
  --validation-timeout <ms> how long local subscribers may take to validate (default 30000)
  --log-level <level>       debug | info | warn | error | silent (default info)
  --json                    log JSON lines
Counters are printed on SIGUSR1 and on exit (SIGINT/SIGTERM).`;

export async function run(argv: string[]): Promise<number> {
  const { values, positional } = parseArgs(argv, {
    config: 'string',
    'neighbors-interval': 'number',
    'validation-timeout': 'number',
    'log-level': 'string',
    json: 'boolean',
    help: 'boolean',
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  if (typeof values.config !== 'string') throw new UsageError('--config <file.ini> is required');
  const neighborsIntervalMs = positiveInt(values['neighbors-interval'], '--neighbors-interval', 10_000);
  const validationTimeoutMs = positiveInt(values['validation-timeout'], '--validation-timeout', 30_000);
  let config: GossipConfig;
  try {
    config = loadGossipConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`peerwire node: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const log = logger(values['log-level'], values.json === true, `node ${formatHostPort(config.p2pAddress)}`);
  const node = new GossipNode(config, { logger: log, neighborsIntervalMs, validationTimeoutMs });
  try {
    await node.start();
  } catch (e) {
    log.error('cannot start the node', { error: e });
    await node.kill();
    return 1;
  }
  const sig = await untilStopSignal(node.counters, log);
  log.info('stopping', { signal: sig });
  await node.close();
  reportCounters(node.counters, log, 'counters');
  return 0;
}
