/**
 * Bringing one stage up to date, safely alongside other `pipe` processes: lock its outputs, settle an
 * interrupted earlier run of them, re-check the stage against the current pipe.lock, then restore its outputs
 * from the run cache, or park them and run the stage in the project root (journal.ts), store the results in
 * the cache, commit, and record the run in pipe.lock — in that order, so that a crash at any point leaves a
 * state the next run simply continues from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorruptObjectError, type CachedOut, type RunRecord } from './cache.js';
import { checkpointDir } from './checkpoints.js';
import type { StageInstance } from './config.js';
import { runModule, runShell, type StageIO, type StartOptions } from './executor.js';
import { fingerprint, hashedPath, type Facts, type LockEntry } from './facts.js';
import { journalFile, journalId, outputLockFile, settleInterrupted } from './interrupted.js';
import { commit, parkOutputs, rollBack, writeJournal, type Journal } from './journal.js';
import { currentHolder, FileLock, pidAlive, type Holder } from './locks.js';
import { readMetrics } from './metrics.js';
import type { Project } from './project.js';
import type { HostSpec } from './stage-host.js';
import type { Progress } from './stage.js';
import { missingOutputs, removeQuietly, replacePath } from './workspace.js';

export interface StageEvents {
  waiting(stage: string, holder: Holder | string): void;
  started(stage: string, action: 'run' | 'restore', where?: string): void;
  output(stage: string, text: string, stream: 'stdout' | 'stderr'): void;
  progress(stage: string, p: Progress): void;
}

export type Outcome =
  | { status: 'up-to-date' }
  | { status: 'restored'; record: RunRecord; inPlace: boolean }
  | { status: 'ran'; seconds: number }
  | { status: 'failed'; message: string; log?: string }
  | { status: 'cancelled' };

export interface ExecuteOptions {
  force: boolean;
  events: StageEvents;
  signal: AbortSignal;
  /** Aborted when the stage should write a checkpoint now (a Slurm job nearing its time limit). */
  checkpointNow?: AbortSignal;
  /** Told when the stage saved a checkpoint. */
  checkpointed?(at: string): void;
}

export function logPath(project: Project, name: string): string {
  return path.join(project.stateDir, 'logs', `${name}.log`);
}

export async function executeStage(project: Project, name: string, options: ExecuteOptions): Promise<Outcome> {
  const stage = project.stage(name);
  const held: FileLock[] = [];
  try {
    for (const o of [...stage.outs].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      held.push(
        await FileLock.acquire(outputLockFile(project, o.path), `pipe run: stage ${name}`, {
          onWait: (h) => options.events.waiting(name, h),
          signal: options.signal,
        }),
      );
    }
    removeParkedOutputs(project, stage);
    const settled = await settleInterrupted(project, stage, { onWait: (what) => options.events.waiting(name, what), signal: options.signal });
    if (settled) options.events.output(name, `${settled}\n`, 'stderr');
    return await bringUpToDate(project, stage, options);
  } catch (err) {
    if (options.signal.aborted) return { status: 'cancelled' };
    throw err;
  } finally {
    for (const l of held) l.release();
  }
}

async function bringUpToDate(project: Project, stage: StageInstance, options: ExecuteOptions): Promise<Outcome> {
  const current = project.facts(stage);
  if ('missing' in current) return { status: 'failed', message: `missing dependencies: ${current.missing.join(', ')}` };
  const { facts } = current;
  const fp = fingerprint(facts);
  // Another process may have brought the stage up to date while we waited for its outputs.
  await project.locks.refresh();
  if (!options.force) {
    if (project.staleness(stage, facts).length === 0) return { status: 'up-to-date' };
    const record = project.cache.readRun(fp);
    if (record && project.cache.complete(record)) {
      try {
        options.events.started(stage.name, 'restore');
        const inPlace = restoreOutputs(project, record);
        await recordRun(project, stage, facts, record.outs);
        return { status: 'restored', record, inPlace };
      } catch (err) {
        if (!(err instanceof CorruptObjectError)) throw err;
        options.events.output(stage.name, `${err.message}; running the stage instead\n`, 'stderr');
      }
    }
  }
  return runStage(project, stage, facts, fp, options);
}

/** Puts a run record's outputs in place; true when they already were. */
function restoreOutputs(project: Project, record: RunRecord): boolean {
  let inPlace = true;
  for (const out of record.outs) {
    const dest = project.abs(out.path);
    if (project.stat.hashPath(dest)?.sha256 === out.sha256) continue;
    inPlace = false;
    const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.restore-${process.pid}`);
    removeQuietly(tmp);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    try {
      if (out.tree) {
        for (const f of out.tree) {
          const target = path.join(tmp, f.path);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          project.cache.restoreFile(f.sha256, target);
        }
        fs.mkdirSync(tmp, { recursive: true });
      } else project.cache.restoreFile(out.sha256, tmp);
      replacePath(tmp, dest);
    } catch (err) {
      removeQuietly(tmp);
      throw err;
    }
    rememberPublished(project, out.path, out);
  }
  return inPlace;
}

/** Records hashes known to be correct for freshly published files, so the next check need not read them. */
function rememberPublished(project: Project, rel: string, out: CachedOut): void {
  const abs = project.abs(rel);
  const files = out.tree ? out.tree.map((f) => ({ abs: path.join(abs, f.path), sha256: f.sha256 })) : [{ abs, sha256: out.sha256 }];
  for (const f of files) project.stat.remember(f.abs, fs.statSync(f.abs), f.sha256);
}

/** Writes the stage's pipe.lock entry: the facts it ran with, its outputs' hashes and its metrics. */
async function recordRun(project: Project, stage: StageInstance, facts: Facts, outs: readonly CachedOut[]): Promise<void> {
  const metrics = readMetrics(project, stage);
  const entry: LockEntry = {
    ...facts,
    outs: outs.map(({ tree: _tree, ...o }) => o),
    ...(Object.keys(metrics).length ? { metrics } : {}),
  };
  await project.locks.update((lock) => {
    lock.stages[stage.name] = entry;
  });
}

function hostSpec(project: Project, stage: StageInstance, module: string, journal: string, fp: string): HostSpec {
  return {
    name: stage.name,
    module: project.abs(module),
    params: stage.params,
    ...(stage.item !== undefined ? { item: stage.item } : {}),
    ...(stage.key !== undefined ? { key: stage.key } : {}),
    deps: stage.deps.map((d) => d.path),
    outs: stage.outs.map((o) => o.path),
    metrics: stage.metrics,
    env: Object.fromEntries([...stage.env, ...stage.secrets].map((n) => [n, process.env[n]])),
    resources: { cpus: stage.resources.cpus, gpus: stage.resources.gpus, mem: stage.resources.mem },
    root: project.root,
    journal,
    checkpoints: { dir: checkpointDir(project.stateDir, fp), everyMinutes: stage.checkpointEvery },
  };
}

/** Runs the stage in place over parked outputs; commits the run, or rolls it back. */
async function runStage(project: Project, stage: StageInstance, facts: Facts, fp: string, options: ExecuteOptions): Promise<Outcome> {
  const logFile = logPath(project, stage.name);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const io: StageIO = {
    output: (text, stream) => {
      fs.writeSync(log, text);
      options.events.output(stage.name, text, stream);
    },
    progress: (p) => options.events.progress(stage.name, p),
  };
  const file = journalFile(project, stage);
  const journal: Journal = parkOutputs(project.root, project.stateDir, journalId(stage), { stage: stage.name, holder: currentHolder(`pipe run: stage ${stage.name}`) }, stage.outs);
  let committed = false;
  options.events.started(stage.name, 'run');
  const started = Date.now();
  try {
    const env = { ...process.env, PIPE_STAGE: stage.name, PIPE_ROOT: project.root, PWD: project.root };
    const start: StartOptions = {
      journal: file,
      // Recorded at once, so that nobody rolls the run back while the stage's processes still run.
      started: (group) => writeJournal(file, { ...journal, group }, { durable: false }),
      ...(options.checkpointNow ? { checkpointNow: options.checkpointNow } : {}),
      ...(options.checkpointed ? { checkpointed: options.checkpointed } : {}),
    };
    const result = stage.cmd
      ? await runShell(stage.cmd, project.root, env, io, options.signal, start)
      : await runModule(hostSpec(project, stage, stage.run!, file, fp), project.root, env, io, options.signal, start);
    if (options.signal.aborted) return { status: 'cancelled' };
    if (result.code !== 0) return { status: 'failed', message: `exit code ${result.code}`, log: logFile };
    const problems = missingOutputs(project.root, stage.outs);
    if (problems.length) {
      const text = `declared outputs missing after the stage succeeded: ${problems.join('; ')} (paths are relative to the project root, the stage's working directory)`;
      io.output(`${text}\n`, 'stderr');
      return { status: 'failed', message: text, log: logFile };
    }
    const after = project.facts(stage);
    if ('missing' in after || fingerprint(after.facts) !== fp) {
      const text = 'a dependency changed while the stage ran; its result was discarded (run again)';
      io.output(`${text}\n`, 'stderr');
      return { status: 'failed', message: text, log: logFile };
    }
    const outs = storeOutputs(project, stage);
    fs.closeSync(log);
    const logObject = project.cache.storeBytes(fs.readFileSync(logFile));
    const seconds = (Date.now() - started) / 1000;
    project.cache.writeRun(fp, { stage: stage.name, outs, log: logObject, ranAt: new Date(started).toISOString(), seconds, host: os.hostname() });
    commit(file, journal);
    committed = true;
    removeQuietly(checkpointDir(project.stateDir, fp));
    await recordRun(project, stage, facts, outs);
    return { status: 'ran', seconds };
  } finally {
    try {
      fs.closeSync(log);
    } catch {
      // Closed above on success.
    }
    if (!committed) rollBack(file, journal);
  }
}

/** Hashes the new outputs and copies them into the content-addressed store. */
function storeOutputs(project: Project, stage: StageInstance): CachedOut[] {
  return stage.outs.map((o) => {
    const abs = project.abs(o.path);
    const h = project.stat.hashTree(abs)!;
    if (h.tree) for (const f of h.tree) project.cache.storeFile(path.join(abs, f.path), f.sha256, f.size);
    else project.cache.storeFile(abs, h.sha256, h.size);
    return { ...hashedPath(o.path, h), ...(h.tree ? { tree: h.tree } : {}) };
  });
}

/** Removes directories parked by a publish that was interrupted between its two renames. */
function removeParkedOutputs(project: Project, stage: StageInstance): void {
  for (const o of stage.outs) {
    const dir = path.dirname(project.abs(o.path));
    const prefix = `.${path.basename(o.path)}.`;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^\.(?:.+)\.(?:old|restore)-(\d+)(?:-\d+)?$/.exec(n);
      if (m && n.startsWith(prefix) && !pidAlive(Number(m[1]))) {
        removeQuietly(path.join(dir, n));
      }
    }
  }
}
