import { MsgTypeLabels as apiLabels } from '../codecs/gossip/api.gen.ts';
import { MsgTypeLabels as overlayLabels } from '../codecs/gossip/overlay.gen.ts';
import { MsgTypeLabels as pushpullLabels } from '../codecs/gossip/pushpull.gen.ts';

/** Named monotonic counters (messages in/out per type, drops by reason), printed on exit and SIGUSR1. */

export class Counters {
  private readonly map = new Map<string, number>();

  inc(name: string, n = 1): void {
    this.map.set(name, (this.map.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.map.get(name) ?? 0;
  }

  /** Sorted plain object of every counter. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.map.keys()].sort()) out[k] = this.map.get(k)!;
    return out;
  }

  /** Human-readable block: one `name value` line per counter. */
  format(title = 'counters'): string {
    const snap = this.snapshot();
    const keys = Object.keys(snap);
    if (keys.length === 0) return `${title}: (none)`;
    const w = Math.max(...keys.map((k) => k.length));
    return [`${title}:`, ...keys.map((k) => `  ${k.padEnd(w)} ${snap[k]}`)].join('\n');
  }
}

/** Label of a gossip-family message type for counter names (`announce`, `send_content`, `type_600`). */
export function typeLabel(type: number): string {
  return LABELS[type] ?? `type_${type}`;
}

const LABELS: Readonly<Record<number, string>> = { ...apiLabels, ...overlayLabels, ...pushpullLabels };
