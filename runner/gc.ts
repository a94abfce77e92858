/**
 * `pipe gc`: removes what no run needs any more — it rolls back interrupted runs (journal.ts) and removes what
 * committed runs left parked, locks of dead processes, checkpoints no run will resume (of a stage that is gone,
 * of a run already complete, or of another fingerprint than the stage's current one, unless a live run holds
 * the stage's outputs), stat-cache entries of deleted files, Slurm job scripts and all but the newest Slurm log
 * of each stage when no cluster run is in flight, and cache objects no run record refers to. With `runs`, it first forgets the
 * run records of this pipeline's stages other than the ones pipe.lock points at (this disables going back
 * to those parameter sets without recomputing). Records of other projects sharing the cache are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkpointsDir, checkpointStage } from './checkpoints.js';
import { fingerprint, lockedFacts } from './facts.js';
import { outputLockFile, recoverInterrupted } from './interrupted.js';
import { activeDir } from './journal.js';
import { holderAlive, type Holder } from './locks.js';
import type { Project } from './project.js';
import { liveSubmittedJobs } from './slurm/records.js';
import { removeQuietly } from './workspace.js';

export interface GcReport {
  interrupted: number;
  parked: number;
  checkpoints: number;
  locks: number;
  statEntries: number;
  slurmFiles: number;
  runs: number;
  objects: number;
  bytes: number;
}

export async function collectGarbage(project: Project, options: { runs: boolean; dryRun: boolean }): Promise<GcReport> {
  const report: GcReport = { interrupted: 0, parked: 0, checkpoints: 0, locks: 0, statEntries: 0, slurmFiles: 0, runs: 0, objects: 0, bytes: 0 };
  const remove = (p: string): void => {
    if (!options.dryRun) removeQuietly(p);
  };

  if (!options.dryRun) report.interrupted = recoverInterrupted(project).length;
  // Parked outputs without a journal belong to committed runs that stopped before removing them.
  const parked = path.join(project.stateDir, 'parked');
  for (const id of list(parked)) {
    if (fs.existsSync(path.join(activeDir(project.stateDir), `${id}.json`))) continue;
    remove(path.join(parked, id));
    report.parked += 1;
  }
  for (const fp of unneededCheckpoints(project)) {
    remove(path.join(checkpointsDir(project.stateDir), fp));
    report.checkpoints += 1;
  }
  const locks = path.join(project.stateDir, 'locks');
  for (const name of fs.existsSync(locks) ? fs.readdirSync(locks) : []) {
    try {
      const holder = JSON.parse(fs.readFileSync(path.join(locks, name), 'utf8')) as Holder;
      if (holderAlive(holder)) continue;
    } catch {
      // Unreadable: a leftover from a crash.
    }
    remove(path.join(locks, name));
    report.locks += 1;
  }
  if ((await liveSubmittedJobs(project)).size === 0) {
    for (const file of slurmLeftovers(project)) {
      remove(file);
      report.slurmFiles += 1;
    }
  }
  if (!options.dryRun) {
    report.statEntries = project.stat.prune();
    project.stat.save();
  }

  const current = new Set<string>();
  for (const [name, entry] of Object.entries(project.lock.stages)) {
    const stage = project.pipeline.stages.get(name);
    if (stage) current.add(fingerprint(lockedFacts(entry)));
  }
  const referenced = new Set<string>();
  for (const { fp, record, file } of project.cache.runs()) {
    if (options.runs && project.pipeline.stages.has(record.stage) && !current.has(fp)) {
      remove(file);
      report.runs += 1;
      continue;
    }
    if (record.log) referenced.add(record.log);
    for (const o of record.outs) {
      if (o.tree) for (const f of o.tree) referenced.add(f.sha256);
      else referenced.add(o.sha256);
    }
  }
  for (const { sha256, file } of project.cache.objects()) {
    if (referenced.has(sha256)) continue;
    report.bytes += fs.statSync(file).size;
    report.objects += 1;
    remove(file);
  }
  return report;
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * Checkpoint folders (by fingerprint) that no run will resume: of a stage no longer in the pipeline, of a run
 * that completed, or of another fingerprint than the stage's current one — unless a live process holds the
 * stage's outputs (it may be writing them, whatever its params).
 */
function unneededCheckpoints(project: Project): string[] {
  const current = new Map<string, string | undefined>();
  const currentOf = (name: string): string | undefined => {
    if (!current.has(name)) {
      const f = project.facts(project.stage(name));
      // Without all its dependencies a stage has no fingerprint yet: keep its checkpoints.
      current.set(name, 'facts' in f ? fingerprint(f.facts) : undefined);
    }
    return current.get(name);
  };
  const unneeded: string[] = [];
  for (const fp of list(checkpointsDir(project.stateDir))) {
    const stage = checkpointStage(project.stateDir, fp);
    const instance = stage === undefined ? undefined : project.pipeline.stages.get(stage);
    if (instance && instance.outs.some((o) => lockHeld(outputLockFile(project, o.path)))) continue;
    const keep = instance && !project.cache.readRun(fp) && [fp, undefined].includes(currentOf(instance.name));
    if (!keep) unneeded.push(fp);
  }
  return unneeded;
}

function lockHeld(file: string): boolean {
  try {
    return holderAlive(JSON.parse(fs.readFileSync(file, 'utf8')) as Holder);
  } catch {
    return false;
  }
}

/** Job scripts and outcome files under .pipe/slurm, and every Slurm log but the newest of each stage. */
function slurmLeftovers(project: Project): string[] {
  const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).map((n) => path.join(dir, n)) : []);
  const newest = new Map<string, { job: number; file: string }>();
  const older: string[] = [];
  for (const file of list(path.join(project.stateDir, 'logs'))) {
    const m = /^(.+)\.slurm-(\d+)\.log$/.exec(path.basename(file));
    if (!m) continue;
    const job = Number(m[2]);
    const best = newest.get(m[1]!);
    if (!best || job > best.job) {
      if (best) older.push(best.file);
      newest.set(m[1]!, { job, file });
    } else older.push(file);
  }
  return [...list(path.join(project.stateDir, 'slurm')), ...older];
}
