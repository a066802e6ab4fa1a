/**
 * `peerwire demo` (npm start): a bootstrap server and 5 gossip nodes on loopback, in this
 * process. One module per node subscribes through the API, one ANNOUNCE goes in at node 1, and
 * the NOTIFICATION is shown arriving at every node with its latency. Then everything shuts down.
 */
import { parseArgs, UsageError } from '../args.ts';
import { formatHostPort } from '../../node/addr.ts';
import { ApiClient } from '../../node/api-client.ts';
import { LocalNet } from '../../node/local-net.ts';
import { Logger } from '../../node/logger.ts';

const HELP = `usage: peerwire demo [--nodes N] [--verbose]

Starts a bootstrap server and N (default 5, at most 20) gossip nodes on 127.0.0.1, subscribes a
module on every node, announces one item on node 1 and shows it reaching every node.`;

const DATA_TYPE = 1337;

export async function run(argv: string[]): Promise<number> {
  const { values, positional } = parseArgs(argv, { nodes: 'number', verbose: 'boolean', help: 'boolean' });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const n = values.nodes === undefined ? 5 : Number(values.nodes);
  if (!Number.isInteger(n) || n < 2 || n > 20) throw new UsageError(`--nodes must be a whole number from 2 to 20, got '${String(values.nodes)}'`);
  const log = new Logger({ level: values.verbose ? 'info' : 'warn' });
  const out = (s: string) => console.log(s);
  const t0 = performance.now();
  const ms = (t: number) => `${t.toFixed(1)} ms`;

  out(`peerwire demo: a ${n}-node gossip network on loopback\n`);
  out('[1/5] starting the bootstrap server and the nodes');
  let net: LocalNet | null = null;
  const clients: ApiClient[] = [];
  const guard = setTimeout(() => {
    console.error('demo: did not finish within 15 s; giving up');
    process.exit(1);
  }, 15_000);
  guard.unref();
  try {
    net = await LocalNet.start({
      nodes: n,
      degree: 3,
      logger: log,
      onNodeStarted: (node, k) => out(`      node ${k + 1}: id ${String(node.id).padEnd(3)} P2P ${formatHostPort(node.p2pAddress).padEnd(16)} API ${formatHostPort(node.apiAddress)}`),
    });
    out(`      bootstrap server on ${formatHostPort(net.bootstrap.address)} (UDP), ${net.bootstrap.peers().length} peers registered`);

    out('[2/5] waiting for the overlay (CONNECT, PUSH, NEIGHBORS, PULL/RESPONSE)');
    const settled = await net.settle(2, 5000);
    const index = new Map(net.nodes.map((node, k) => [formatHostPort(node.p2pAddress), k + 1]));
    net.nodes.forEach((node, k) => {
      const peers = node.linkedPeers().map((p) => (index.has(p) ? `node ${index.get(p)}` : p));
      out(`      node ${k + 1} ↔ ${peers.join(', ') || '(no links)'}`);
    });
    if (!settled) out('      (some nodes have fewer than 2 links; continuing)');

    out(`[3/5] one module per node sends NOTIFY(${DATA_TYPE}) and validates what it receives`);
    for (const node of net.nodes) {
      const c = await ApiClient.connect(node.apiAddress, { autoValidate: true });
      c.notify(DATA_TYPE);
      clients.push(c);
    }
    await new Promise((r) => setTimeout(r, 50));

    const text = 'hello from peerwire';
    out(`[4/5] a module on node 1 sends ANNOUNCE(ttl 0, type ${DATA_TYPE}, "${text}")`);
    const announcer = await ApiClient.connect(net.nodes[0]!.apiAddress);
    clients.push(announcer);
    const tA = performance.now();
    clients.slice(0, n).forEach((c, k) => {
      c.onNotification = (m) =>
        out(`      node ${String(k + 1).padStart(2)} ← NOTIFICATION id 0x${m.messageId.toString(16).padStart(4, '0')} "${new TextDecoder().decode(m.data)}" after ${ms(m.at - tA)}`);
    });
    announcer.announce(DATA_TYPE, new TextEncoder().encode(text), 0);
    await Promise.all(clients.slice(0, n).map((c) => c.waitFor(1, 5000)));
    await new Promise((r) => setTimeout(r, 100)); // let any duplicate show up
    const counts = clients.slice(0, n).map((c) => c.notifications.length);
    const slowest = Math.max(...clients.slice(0, n).map((c) => c.notifications[0]!.at - tA));
    const dups = net.nodes.reduce((s, node) => s + node.counters.get('drop.duplicate'), 0);
    const once = counts.every((c) => c === 1);
    out(`      ${once ? `every node got it exactly once` : `deliveries per node: ${counts.join(', ')}`}; all delivered after ${ms(slowest)}; ${dups} duplicate copies suppressed`);

    out('[5/5] shutting down (DISCONNECT on every link)');
    for (const c of clients) c.close();
    await net.close();
    net = null;
    out(`\ndone in ${ms(performance.now() - t0)}`);
    return once ? 0 : 1;
  } catch (e) {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    clearTimeout(guard);
    for (const c of clients) c.close();
    if (net) await net.close();
  }
}
