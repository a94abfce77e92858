/**
 * Runs whose runner died (kill -9, a crash, a lost node) leave their journal behind (journal.ts). Every `pipe`
 * command that looks at outputs first rolls such runs back, so it sees the previous good outputs; a stage about
 * to run waits for an interrupted run of its outputs whose processes are still ending, then rolls it back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StageInstance } from './config.js';
import { sha256Bytes } from './hashing.js';
import { activeDir, readJournal, rollBack, type Journal } from './journal.js';
import { FileLock, holderAlive, pidAlive, type Holder } from './locks.js';
import { groupAlive } from './process-group.js';
import type { Project } from './project.js';

export function outputLockFile(project: Project, outPath: string): string {
  return path.join(project.stateDir, 'locks', `out-${sha256Bytes(outPath).slice(0, 24)}.lock`);
}

/** The journal name of a stage's in-place runs: one per set of outputs, whose locks serialise those runs. */
export function journalId(stage: StageInstance): string {
  const outs = stage.outs.map((o) => o.path).sort();
  return `${stage.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${sha256Bytes(outs.join('\n')).slice(0, 12)}`;
}

export function journalFile(project: Project, stage: StageInstance): string {
  return path.join(activeDir(project.stateDir), `${journalId(stage)}.json`);
}

/** live: its runner runs; ending: the runner is gone but the stage's processes are still stopping; dead. */
function journalState(j: Journal): 'live' | 'ending' | 'dead' {
  if (holderAlive(j.holder)) return 'live';
  if (j.group !== undefined && j.holder.host === os.hostname() && groupAlive(j.group)) return 'ending';
  return 'dead';
}

const describe = (j: Journal): string => `an interrupted run of ${j.stage} (pid ${j.holder.pid}${j.holder.host === os.hostname() ? '' : ` on ${j.holder.host}`}, since ${j.holder.since})`;

/**
 * With the stage's output locks held: settles an earlier run of these outputs that never finished. Returns a
 * message when it rolled one back.
 */
export async function settleInterrupted(project: Project, stage: StageInstance, options: { onWait(what: string): void; signal: AbortSignal }): Promise<string | undefined> {
  const file = journalFile(project, stage);
  let delay = 50;
  let told = false;
  for (;;) {
    const j = readJournal(file);
    if (!j) return undefined;
    if (journalState(j) === 'dead') {
      rollBack(file, j);
      return `rolled back ${describe(j)}: its previous outputs are back`;
    }
    if (!told) options.onWait(`${describe(j)} to stop`);
    told = true;
    await sleep(delay, undefined, { signal: options.signal });
    delay = Math.min(delay * 2, 1000);
  }
}

/** Rolls back every interrupted run whose processes are gone and whose outputs nobody holds; one message each. */
export function recoverInterrupted(project: Project): string[] {
  const dir = activeDir(project.stateDir);
  let all: string[];
  try {
    all = fs.readdirSync(dir);
  } catch {
    return [];
  }
  // Temporary files of journal writers killed mid-write.
  for (const n of all) {
    const pid = /^\..+\.tmp-(\d+)-\d+$/.exec(n)?.[1];
    if (pid && !pidAlive(Number(pid))) fs.rmSync(path.join(dir, n), { force: true });
  }
  const names = all.filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  const done: string[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const j = readJournal(file);
    if (!j || journalState(j) !== 'dead') continue;
    const held: FileLock[] = [];
    try {
      for (const out of j.outs.map((o) => o.path).sort()) {
        const got: FileLock | Holder = FileLock.tryAcquire(outputLockFile(project, out), `pipe: rolling back ${j.stage}`);
        if (!(got instanceof FileLock)) break;
        held.push(got);
      }
      // Re-read under the locks: another process may have settled it meanwhile.
      const now = held.length === j.outs.length ? readJournal(file) : undefined;
      if (now && journalState(now) === 'dead') {
        rollBack(file, now);
        done.push(`rolled back ${describe(now)}: its previous outputs are back`);
      }
    } finally {
      for (const l of held) l.release();
    }
  }
  return done;
}
