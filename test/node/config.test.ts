import { describe, it, expect } from 'vitest';
import { ConfigError, parseGossipConfig, parseIni } from '../../src/node/config.ts';
import { formatHostPort, fromPeerAddr, parseHostPort, toPeerAddr } from '../../src/node/addr.ts';
import { BoundedMap } from '../../src/node/cache.ts';
import { contentDigest, nextTtl } from '../../src/node/dissemination.ts';
import { decodePeerAddr, encodePeerAddr } from '../../src/codecs/gossip/peer_addr.gen.ts';

const GOOD = `hostkey = /hostkey.pem

[gossip]
cache_size = 50
degree = 30
bootstrapper = p2psec.net.in.tum.de:6001
p2p_address = 131.159.15.61:6001
api_address = 131.159.15.61:7001   ; inline comment
max_ttl = 9

[onion]
hops = 2
`;

function err(text: string): ConfigError {
  try {
    parseGossipConfig(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('INI config (gossip-tum.md §1.6)', () => {
  it('reads the course example and ignores other keys and sections', () => {
    const c = parseGossipConfig(GOOD);
    expect(c).toEqual({
      cacheSize: 50,
      degree: 30,
      bootstrapper: { host: 'p2psec.net.in.tum.de', port: 6001 },
      p2pAddress: { host: '131.159.15.61', port: 6001 },
      apiAddress: { host: '131.159.15.61', port: 7001 },
    });
    expect(parseIni(GOOD).get('')!.get('hostkey')).toBe('/hostkey.pem');
  });

  it('uses the spec defaults for cache_size and degree', () => {
    const c = parseGossipConfig('[GOSSIP]\nbootstrapper=127.0.0.1:1\np2p_address=127.0.0.1:2\napi_address=[::1]:3\n');
    expect(c.cacheSize).toBe(50);
    expect(c.degree).toBe(30);
    expect(c.apiAddress).toEqual({ host: '::1', port: 3 });
  });

  it('names the key of a bad or missing value', () => {
    const base = 'bootstrapper=127.0.0.1:1\np2p_address=127.0.0.1:2\napi_address=127.0.0.1:3\n';
    expect(err(`[gossip]\ndegree = many\n${base}`).key).toBe('gossip.degree');
    expect(err(`[gossip]\ncache_size = 0\n${base}`).message).toMatch(/cache_size.*outside/);
    expect(err('[gossip]\np2p_address=127.0.0.1:2\napi_address=127.0.0.1:3\n').key).toBe('gossip.bootstrapper');
    expect(err('[gossip]\nbootstrapper=127.0.0.1:99999\np2p_address=127.0.0.1:2\napi_address=127.0.0.1:3\n').message).toMatch(/bootstrapper.*65535/);
    expect(err('[gossip]\nbootstrapper=127.0.0.1:1\np2p_address=127.0.0.1\napi_address=127.0.0.1:3\n').key).toBe('gossip.p2p_address');
    expect(err('degree = 3\n').message).toMatch(/no \[gossip\] section/);
    expect(err('[gossip\n').message).toMatch(/line 1/);
  });
});

describe('addresses, TTL, digest, bounded cache', () => {
  it('round-trips IPv4 and IPv6 through PeerAddr', () => {
    for (const s of ['127.0.0.1:6001', '[::1]:7', '[2001:db8::8:800:200c:417a]:65535', '[fe80::1:0:0:0]:1']) {
      const hp = parseHostPort(s);
      const bytes = encodePeerAddr(toPeerAddr(hp)!);
      expect(formatHostPort(fromPeerAddr(decodePeerAddr(bytes).value))).toBe(s);
    }
    expect(toPeerAddr({ host: 'example.org', port: 1 })).toBeNull();
    expect(() => parseHostPort('1.2.3.4')).toThrow(/host:port/);
    expect(() => parseHostPort('::1:80')).toThrow(/IPv6/);
  });

  it('applies the TTL rules of PROTOCOLS.md §3', () => {
    expect(nextTtl(0)).toBe(0);
    expect(nextTtl(1)).toBeNull();
    expect(nextTtl(2)).toBe(1);
    expect(nextTtl(255)).toBe(254);
  });

  it('digests data type and data', () => {
    const d = new TextEncoder().encode('deadbeef');
    expect(contentDigest(1337, d)).toBe(contentDigest(1337, d.slice()));
    expect(contentDigest(1337, d)).not.toBe(contentDigest(1338, d));
  });

  it('evicts the oldest entry beyond capacity', () => {
    const m = new BoundedMap<string, number>(2);
    const evicted: string[] = [];
    m.onEvict = (k) => evicted.push(k);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    expect([m.has('a'), m.has('b'), m.has('c'), m.size]).toEqual([false, true, true, 2]);
    expect(evicted).toEqual(['a']);
  });
});
