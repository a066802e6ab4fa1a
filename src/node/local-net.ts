/**
 * An in-process gossip network on loopback (bootstrap server + N nodes on ephemeral ports),
 * shared by the demo, the benchmark and the tests.
 */
import { BootstrapServer, type BootstrapOptions } from './bootstrap-server.ts';
import type { GossipConfig } from './config.ts';
import { Logger } from './logger.ts';
import { GossipNode, type NodeOptions } from './node.ts';

export interface LocalNetOptions {
  nodes: number;
  degree?: number;
  cacheSize?: number;
  nodeOptions?: NodeOptions;
  bootstrapOptions?: BootstrapOptions;
  logger?: Logger;
  /** Called after each node started (progress output). */
  onNodeStarted?: (node: GossipNode, index: number) => void;
}

/** Timers short enough for a test or demo network to settle within a second or two. */
export const FAST_TIMERS: NodeOptions = {
  neighborsIntervalMs: 300,
  maintenanceIntervalMs: 150,
  reinitIntervalMs: 2_000,
  initRetryMs: 100,
  joinTimeoutMs: 1_500,
  connectTimeoutMs: 1_000,
  handshakeTimeoutMs: 1_000,
  validationTimeoutMs: 2_000,
};

/** Loopback networks never dial anything outside 127.0.0.0/8, whatever peers claim. */
export const loopbackOnly = (a: { host: string }): boolean => a.host.startsWith('127.');

export class LocalNet {
  readonly bootstrap: BootstrapServer;
  readonly nodes: GossipNode[] = [];
  private readonly opts: LocalNetOptions;
  private readonly log: Logger;

  private constructor(opts: LocalNetOptions, bootstrap: BootstrapServer, log: Logger) {
    this.opts = opts;
    this.bootstrap = bootstrap;
    this.log = log;
  }

  static async start(opts: LocalNetOptions): Promise<LocalNet> {
    const log = opts.logger ?? new Logger({ level: 'silent' });
    const bootstrap = new BootstrapServer({ peerTimeoutMs: 10_000, ...opts.bootstrapOptions, logger: log.child('bootstrap') });
    await bootstrap.start({ host: '127.0.0.1', port: 0 });
    const net = new LocalNet(opts, bootstrap, log);
    try {
      for (let k = 0; k < opts.nodes; k++) {
        const node = await net.addNode();
        opts.onNodeStarted?.(node, k);
      }
    } catch (e) {
      await net.close();
      throw e;
    }
    return net;
  }

  /** Start one more node joined to this network. */
  async addNode(): Promise<GossipNode> {
    const config: GossipConfig = {
      cacheSize: this.opts.cacheSize ?? 1000,
      degree: this.opts.degree ?? 4,
      bootstrapper: this.bootstrap.address,
      p2pAddress: { host: '127.0.0.1', port: 0 },
      apiAddress: { host: '127.0.0.1', port: 0 },
    };
    const node = new GossipNode(config, { ...FAST_TIMERS, peerFilter: loopbackOnly, ...this.opts.nodeOptions, logger: this.log.child(`node${this.nodes.length}`) });
    await node.start();
    this.nodes.push(node);
    return node;
  }

  /** Wait until every live node has at least `minLinks` links (bounded by timeoutMs). */
  async settle(minLinks = 1, timeoutMs = 5000, nodes: GossipNode[] = this.nodes): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (nodes.every((n) => n.linkedPeers().length >= minLinks)) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
    await this.bootstrap.close();
  }
}
