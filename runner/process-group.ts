/**
 * A stage's processes form one process group (the runner starts the stage as the leader of a new session), so
 * "the stage is over" means "no live process of that group is left" — including whatever it started in the
 * background. Linux: members are found in /proc; zombies count as gone.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Pids of the live (non-zombie) processes of group `pgid`, except `exclude`. */
export function groupMembers(pgid: number, exclude?: number): number[] {
  // The cheap common case: nobody left at all.
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return [];
  }
  const members: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === exclude) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(pid);
  }
  return members;
}

export function groupAlive(pgid: number, exclude?: number): boolean {
  return groupMembers(pgid, exclude).length > 0;
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone meanwhile.
    }
  }
}

const POLL_MS = 20;
/** After this long, members that still answer signal 0 may all be zombies (orphans that PID 1 reaps late). */
const ZOMBIE_CHECK_MS = 10;

/** Sends a signal to the whole group; false when the group has no process left. */
function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Ends every process of the group: SIGTERM, then SIGKILL for what is left after `graceMs`; resolves once none
 * is left. For the runner, which is not a member. Polls quickly at first: usually the rest of a stage that
 * ended by itself is gone within a millisecond or two.
 */
export async function endGroup(pgid: number, graceMs: number): Promise<void> {
  const started = Date.now();
  let pause = 1;
  for (let alive = signalGroup(pgid, 'SIGTERM'); alive; alive = signalGroup(pgid, 0)) {
    if (Date.now() - started > ZOMBIE_CHECK_MS && !groupAlive(pgid)) return;
    if (Date.now() - started >= graceMs) signalGroup(pgid, 'SIGKILL');
    await sleep(pause);
    pause = Math.min(pause * 2, POLL_MS);
  }
}

/**
 * The same from inside the group, synchronously: the caller's own code (a stage that might still write) gets
 * no chance to run meanwhile. The caller must ignore SIGTERM itself.
 */
export function endGroupFromInside(pgid: number, graceMs: number): void {
  const self = process.pid;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  signal(groupMembers(pgid, self), 'SIGTERM');
  const killAt = Date.now() + graceMs;
  for (let left = groupMembers(pgid, self); left.length; left = groupMembers(pgid, self)) {
    if (Date.now() >= killAt) signal(left, 'SIGKILL');
    Atomics.wait(pause, 0, 0, POLL_MS);
  }
}

/** The process group of this process (Node has no getpgid). */
export function ownGroup(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}
