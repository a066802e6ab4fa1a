/**
 * The course INI configuration (reference/gossip-tum.md §1.6): a `[gossip]` section with
 * `cache_size`, `degree`, `bootstrapper`, `p2p_address`, `api_address`. Other sections and
 * unknown keys are ignored; a bad or missing value is a ConfigError naming the key.
 */
import { readFileSync } from 'node:fs';
import { parseHostPort, type HostPort } from './addr.ts';

export interface GossipConfig {
  /** Max data items remembered for duplicate suppression (spec default 50). */
  cacheSize: number;
  /** Number of peers to keep links with (spec default 30). */
  degree: number;
  bootstrapper: HostPort;
  p2pAddress: HostPort;
  apiAddress: HostPort;
}

export class ConfigError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(key ? `config: ${key}: ${message}` : `config: ${message}`);
    this.key = key;
  }
}

export type IniSections = Map<string, Map<string, string>>;

/** Parse INI text: `[section]`, `key = value` (or `key: value`), `;`/`#` comment lines. Keys are lower-cased. */
export function parseIni(text: string): IniSections {
  const out: IniSections = new Map([['', new Map()]]);
  let section = out.get('')!;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) throw new ConfigError('', `line ${n + 1}: unterminated section header '${line}'`);
      const name = line.slice(1, -1).trim().toLowerCase();
      section = out.get(name) ?? new Map();
      out.set(name, section);
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) throw new ConfigError('', `line ${n + 1}: expected 'key = value', got '${line}'`);
    section.set(m[1]!.toLowerCase(), stripInlineComment(m[2]!));
  }
  return out;
}

function stripInlineComment(v: string): string {
  const m = /\s[;#]/.exec(v);
  return (m ? v.slice(0, m.index) : v).trim();
}

export function parseGossipConfig(text: string): GossipConfig {
  const ini = parseIni(text);
  const g = ini.get('gossip');
  if (!g) throw new ConfigError('', 'no [gossip] section');
  const int = (key: string, def: number, min: number, max: number): number => {
    const v = g.get(key);
    if (v === undefined || v === '') return def;
    if (!/^\d+$/.test(v)) throw new ConfigError(`gossip.${key}`, `'${v}' is not a whole number`);
    const n = Number(v);
    if (n < min || n > max) throw new ConfigError(`gossip.${key}`, `${n} is outside ${min}..${max}`);
    return n;
  };
  const addr = (key: string): HostPort => {
    const v = g.get(key);
    if (v === undefined || v === '') throw new ConfigError(`gossip.${key}`, 'missing (expected host:port)');
    try {
      return parseHostPort(v);
    } catch (e) {
      throw new ConfigError(`gossip.${key}`, (e as Error).message);
    }
  };
  return {
    cacheSize: int('cache_size', 50, 1, 1_000_000),
    degree: int('degree', 30, 1, 1000),
    bootstrapper: addr('bootstrapper'),
    p2pAddress: addr('p2p_address'),
    apiAddress: addr('api_address'),
  };
}

export function loadGossipConfig(file: string): GossipConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseGossipConfig(text);
}
