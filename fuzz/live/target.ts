/**
 * A target process the fuzzer starts itself (`--spawn`): started through the shell in its own
 * process group, watched for exit and signals, killed and restarted after a failure so the
 * failing case can be shrunk and replayed on a fresh process.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ExitInfo { code: number | null; signal: string | null; atMs: number }

export class SpawnedTarget {
  readonly command: string;
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  /** Exit of the last process, when it ended by itself (not killed by us). */
  lastExit: ExitInfo | undefined;
  restarts = 0;
  private tail: string[] = [];
  private killing = false;

  constructor(command: string) { this.command = command; }

  get running(): boolean { return !!this.child && this.child.exitCode === null && this.child.signalCode === null; }
  get pid(): number | undefined { return this.child?.pid; }

  /** Last lines the target wrote to stdout/stderr. */
  output(): string { return this.tail.join('').split('\n').slice(-20).join('\n'); }

  start(): void {
    this.lastExit = undefined;
    this.killing = false;
    this.tail = [];
    const child = spawn(this.command, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer): void => {
      this.tail.push(d.toString('utf8'));
      if (this.tail.length > 50) this.tail.splice(0, this.tail.length - 50);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const info = { code, signal, atMs: Date.now() };
        if (!this.killing) this.lastExit = info;
        resolve(info);
      });
    });
  }

  /** Kill the whole process group and wait for the exit. */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || !this.exitPromise) return;
    if (this.running && c.pid) {
      this.killing = true;
      try { process.kill(-c.pid, 'SIGKILL'); } catch { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    }
    // Also reap the group when the shell already exited but a child lingers.
    if (c.pid) { try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ } }
    await this.exitPromise;
    this.child = undefined;
  }

  /** Stop (if needed) and start again; `ready` polls until the target answers. */
  async restart(ready: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    await this.stop();
    this.restarts++;
    this.start();
    return this.waitReady(ready, timeoutMs);
  }

  async waitReady(ready: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) return false;
      if (await ready()) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Wait up to `ms` for the process to exit by itself; returns its exit info if it did. */
  async exitedWithin(ms: number): Promise<ExitInfo | undefined> {
    if (!this.child || !this.exitPromise) return this.lastExit;
    if (!this.running) return this.lastExit;
    const r = await Promise.race([this.exitPromise, new Promise<undefined>((res) => setTimeout(() => res(undefined), ms))]);
    return r && !this.killing ? r : undefined;
  }
}
