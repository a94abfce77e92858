/**
 * Cross-process locks as files created with O_EXCL, holding the owner's pid, host and process start time. A
 * lock whose owner is gone (dead pid, or the pid reused by another process) is reclaimed automatically, so a
 * crash never needs a manual unlock. A lock taken inside a Slurm job also names the job, so that a lock left on
 * a compute node is reclaimed once Slurm reports the job finished.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobMayRun } from './slurm/commands.js';

export interface Holder {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (Linux), to tell a reused pid from the owner. */
  start?: string;
  /** Slurm job the holder runs in. */
  job?: string;
  since: string;
  what: string;
}

function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? 'zombie' : fields[19];
  } catch {
    return undefined;
  }
}

const self: Omit<Holder, 'since' | 'what'> = (() => {
  const start = processStart(process.pid);
  const job = process.env['SLURM_JOB_ID'];
  return { pid: process.pid, host: os.hostname(), ...(start ? { start } : {}), ...(job ? { job } : {}) };
})();

/** This process as a holder. */
export function currentHolder(what: string): Holder {
  return { ...self, since: new Date().toISOString(), what };
}

/**
 * Whether the holder may still be running. A holder in a Slurm job is dead once Slurm says the job ended;
 * other locks from other hosts are trusted: we cannot see their pids.
 */
export function holderAlive(h: Holder): boolean {
  if (h.job !== undefined && h.job !== self.job && !jobMayRun(h.job)) return false;
  if (h.host !== self.host) return true;
  if (h.pid === process.pid && h.start === self.start) return true;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStart(h.pid);
  if (start === 'zombie') return false;
  return !(h.start && start && start !== h.start);
}

/** Whether a process of this host, known only by its pid (e.g. from a leftover file name), may still run. */
export function pidAlive(pid: number): boolean {
  return holderAlive({ pid, host: self.host, since: '', what: '' });
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

export function describeHolder(h: Holder): string {
  const where = h.host === self.host ? `pid ${h.pid}` : `pid ${h.pid} on ${h.host}`;
  return `${h.what} (${where}, since ${h.since})`;
}

export interface AcquireOptions {
  /** Called once when the lock is busy, with its holder. */
  onWait?: (holder: Holder) => void;
  signal?: AbortSignal;
}

export class FileLock {
  private released = false;

  private constructor(readonly file: string) {}

  /** Takes the lock if free (reclaiming a dead owner's); otherwise returns the live holder. */
  static tryAcquire(file: string, what: string): FileLock | Holder {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const holder = currentHolder(what);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        const fd = fs.openSync(file, 'wx');
        fs.writeSync(fd, JSON.stringify(holder));
        fs.closeSync(fd);
        return new FileLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = readHolder(file);
      if (current && holderAlive(current)) return current;
      if (!current) {
        // Being written right now, or left empty by a crash between create and write.
        const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (age < 2000) return { pid: 0, host: self.host, since: '', what: 'another pipe process' };
      }
      reclaim(file, current);
    }
    throw new Error(`cannot take lock ${file}: it keeps changing hands`);
  }

  static async acquire(file: string, what: string, options: AcquireOptions = {}): Promise<FileLock> {
    let told = false;
    let delay = 50;
    for (;;) {
      const got = FileLock.tryAcquire(file, what);
      if (got instanceof FileLock) return got;
      if (!told && got.pid !== 0) {
        options.onWait?.(got);
        told = true;
      }
      options.signal?.throwIfAborted();
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : {});
      delay = Math.min(delay * 2, 1000);
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    fs.rmSync(this.file, { force: true });
  }
}

/** Moves a dead owner's lock aside; if what was moved turns out to be a fresh live lock, puts it back. */
function reclaim(file: string, dead: Holder | undefined): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  const moved = readHolder(aside);
  if (moved && dead && (moved.pid !== dead.pid || moved.since !== dead.since) && holderAlive(moved)) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // Someone else holds it now; they will be seen on the next attempt.
    }
  }
  fs.rmSync(aside, { force: true });
}
