/**
 * The undo log of a stage running in place. A stage runs in the project root and writes its outputs where
 * they belong; so that a failure, Ctrl-C or kill -9 never costs the previous good outputs, they are parked
 * first — renamed into `.pipe/parked/<id>/`, or next to themselves as `.<name>.parked-<id>` when the output
 * lives on another filesystem — after a journal in `.pipe/active/<id>.json` has recorded where.
 *
 * While the journal exists the run is uncommitted. Whoever finds it with its runner and the stage's processes
 * gone rolls the run back: what the stage wrote is removed and the parked outputs return. Rolling back is
 * idempotent, so a crash during a rollback is simply rolled back again. Removing the journal commits the run;
 * the runner does that only once the new outputs are in the cache and their run record is written.
 *
 * This module is what the stage's own processes need to roll back after the runner died (see stage-host.ts),
 * so it stays small: no project, no locks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import type { Holder } from './locks.js';
import { endGroupFromInside, ownGroup } from './process-group.js';

export interface JournalOut {
  /** The output, relative to the project root. */
  path: string;
  /** Where its previous version is parked (relative to the root), or null when there was none. */
  parked: string | null;
}

export interface Journal {
  stage: string;
  /** The runner that started the stage. */
  holder: Holder;
  /** The stage's process group, once started. */
  group?: number;
  outs: JournalOut[];
  /** Directories created on the way to the outputs, outermost first; removed on rollback when left empty. */
  made: string[];
}

/** How long the stage's processes get between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 5000;

export const activeDir = (stateDir: string): string => path.join(stateDir, 'active');
const parkedDir = (stateDir: string, id: string): string => path.join(stateDir, 'parked', id);
/** The project root of a journal file (`<root>/.pipe/active/<id>.json`). */
const rootOf = (file: string): string => path.dirname(path.dirname(path.dirname(file)));

export function readJournal(file: string): Journal | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Journal;
  } catch {
    return undefined;
  }
}

/** Writes a journal; `durable: false` for updates that matter only while the machine is up (a process group). */
export function writeJournal(file: string, journal: Journal, { durable = true } = {}): void {
  writeFileAtomic(file, `${JSON.stringify(journal)}\n`, { durable });
}

function device(p: string): number | undefined {
  return fs.statSync(p, { throwIfNoEntry: false })?.dev;
}

function removeTree(p: string): void {
  fs.rmSync(p, { recursive: true, force: true, maxRetries: 2 });
}

/**
 * Journals, then parks, the outputs of a stage about to run in place, and creates the directories the stage
 * expects: parents of every output, and outputs declared as directories (empty). `id` names the run's
 * journal; the caller holds the locks of these outputs.
 */
export function parkOutputs(root: string, stateDir: string, id: string, journal: Omit<Journal, 'outs' | 'made'>, outs: readonly { path: string; dir: boolean }[]): Journal {
  const file = path.join(activeDir(stateDir), `${id}.json`);
  const parkDir = parkedDir(stateDir, id);
  // Whatever a committed run left parked under this id is garbage now.
  removeTree(parkDir);
  fs.mkdirSync(parkDir, { recursive: true });
  const parkDev = device(parkDir);
  const planned: JournalOut[] = outs.map((o, i) => {
    const dest = path.join(root, o.path);
    const sibling = path.join(path.dirname(dest), `.${path.basename(dest)}.parked-${id}`);
    removeTree(sibling);
    if (!fs.lstatSync(dest, { throwIfNoEntry: false })) return { path: o.path, parked: null };
    const parked = device(path.dirname(dest)) === parkDev ? path.join(parkDir, String(i)) : sibling;
    return { path: o.path, parked: path.relative(root, parked) };
  });
  const made: string[] = [];
  for (const o of outs) {
    const missing: string[] = [];
    for (let d = path.dirname(path.join(root, o.path)); !fs.existsSync(d); d = path.dirname(d)) missing.unshift(path.relative(root, d));
    for (const d of missing) if (!made.includes(d)) made.push(d);
  }
  const full: Journal = { ...journal, outs: planned, made };
  writeJournal(file, full);
  for (const o of planned) if (o.parked) fs.renameSync(path.join(root, o.path), path.join(root, o.parked));
  for (const d of made) fs.mkdirSync(path.join(root, d), { recursive: true });
  for (const o of outs) if (o.dir) fs.mkdirSync(path.join(root, o.path), { recursive: true });
  return full;
}

/** Commits a run whose outputs are safely stored: the journal goes, then what was parked. */
export function commit(file: string, journal: Journal): void {
  const root = rootOf(file);
  fs.rmSync(file, { force: true });
  for (const o of journal.outs) if (o.parked) removeTree(path.join(root, o.parked));
  removeTree(parkedDir(path.dirname(path.dirname(file)), path.basename(file, '.json')));
}

/** Undoes an uncommitted run: the stage's outputs go, the parked ones return, then the journal goes. */
export function rollBack(file: string, journal: Journal): void {
  const root = rootOf(file);
  for (const o of journal.outs) {
    const dest = path.join(root, o.path);
    if (o.parked === null) {
      removeTree(dest);
      continue;
    }
    const parked = path.join(root, o.parked);
    // Already back (or never parked: the crash came before) when the parked path is gone.
    if (!fs.lstatSync(parked, { throwIfNoEntry: false })) continue;
    removeTree(dest);
    fs.renameSync(parked, dest);
  }
  // A folder is left to a run in progress that has outputs in it: it may be about to write there.
  const others = otherRuns(file).flatMap((j) => j.outs.map((o) => o.path));
  for (const d of [...journal.made].reverse()) {
    if (others.some((o) => o.startsWith(`${d}/`))) continue;
    try {
      fs.rmdirSync(path.join(root, d));
    } catch {
      // Not empty (something else lives there) or already gone.
    }
  }
  removeTree(parkedDir(path.dirname(path.dirname(file)), path.basename(file, '.json')));
  fs.rmSync(file, { force: true });
}

/** The journals next to `file`, of other runs in progress. */
function otherRuns(file: string): Journal[] {
  const dir = path.dirname(file);
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.') && path.join(dir, n) !== file)
    .flatMap((n) => readJournal(path.join(dir, n)) ?? []);
}

/**
 * What the stage's own processes do when the runner died (even by kill -9): end the rest of the stage's process
 * group, then roll the run back — synchronously, so that no stage code runs in between.
 */
export function abandon(file: string): void {
  endGroupFromInside(ownGroup(), KILL_GRACE_MS);
  const journal = readJournal(file);
  if (journal) rollBack(file, journal);
}
