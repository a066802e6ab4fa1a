/** Run until SIGINT/SIGTERM; print counters on SIGUSR1 and once more on exit. */
import type { Counters } from './counters.ts';
import type { Logger } from './logger.ts';

export function reportCounters(counters: Counters, log: Logger, title: string): void {
  if (log.json) process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', name: log.name, msg: title, counters: counters.snapshot() }) + '\n');
  else process.stderr.write(counters.format(title) + '\n');
}

/** Resolves with the signal name that asked the process to stop. */
export function untilStopSignal(counters: Counters, log: Logger): Promise<string> {
  return new Promise((resolve) => {
    const usr1 = () => reportCounters(counters, log, 'counters (SIGUSR1)');
    const stop = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGUSR1', usr1);
      resolve(sig);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGUSR1', usr1);
  });
}
