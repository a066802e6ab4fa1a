/** Structured logger for the gossip node and bootstrap server: levels, text or JSON lines, injectable sink. */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  level?: LogLevel;
  /** One JSON object per line instead of `time LEVEL [name] msg key=value`. */
  json?: boolean;
  /** Component name shown in every line (e.g. `node 127.0.0.1:6001`). */
  name?: string;
  /** Where lines go (default: stderr). */
  sink?: (line: string) => void;
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export class Logger {
  readonly level: LogLevel;
  readonly json: boolean;
  readonly name: string;
  private readonly sink: (line: string) => void;

  constructor(opts: LoggerOptions = {}) {
    this.level = opts.level ?? 'info';
    this.json = opts.json ?? false;
    this.name = opts.name ?? '';
    this.sink = opts.sink ?? ((line) => process.stderr.write(line + '\n'));
  }

  /** A logger with the same settings and another component name. */
  child(name: string): Logger {
    return new Logger({ level: this.level, json: this.json, name, sink: this.sink });
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level] && level !== 'silent';
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const time = new Date().toISOString();
    if (this.json) {
      const rec: LogFields = { time, level, ...(this.name ? { name: this.name } : {}), msg };
      for (const [k, v] of Object.entries(fields)) rec[k] = plain(v);
      this.sink(JSON.stringify(rec));
      return;
    }
    const kv = Object.entries(fields)
      .map(([k, v]) => `${k}=${fmt(plain(v))}`)
      .join(' ');
    this.sink(`${time} ${level.toUpperCase().padEnd(5)} ${this.name ? `[${this.name}] ` : ''}${msg}${kv ? ' ' + kv : ''}`);
  }
}

function plain(v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v === undefined) return 'undefined';
  return JSON.stringify(v) ?? String(v);
}
