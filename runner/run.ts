/**
 * `pipe run`: brings the selected stages up to date, independent stages in parallel within the `-j` CPU
 * slots and the machine's GPUs and memory. A failure stops new work (or, with --keep-going, only what
 * depends on it); running stages finish and are recorded. Stages of the slurm executor become Slurm jobs,
 * submitted as soon as their upstream stages are submitted (Slurm holds them until those succeed) or, for a
 * local upstream, have finished.
 */
import fs from 'node:fs';
import { checkDependencies, selectStages } from './dag.js';
import { executeStage, type Outcome } from './execute.js';
import { fingerprint, lockedFacts } from './facts.js';
import { planStages, type StageState } from './plan.js';
import type { Project } from './project.js';
import { SlurmCluster } from './slurm/cluster.js';
import { formatStatus, statusRow } from './status.js';
import type { Reporter } from './ui.js';

export interface RunOptions {
  targets: string[];
  jobs: number;
  gpus: number;
  mem: number;
  force: boolean;
  dryRun: boolean;
  keepGoing: boolean;
  replay: boolean;
  json: boolean;
  reporter: Reporter;
  signal: AbortSignal;
}

export type StageOutcome = Outcome | { status: 'skipped'; because: string };

export interface RunResult {
  ok: boolean;
  states: Map<string, StageState>;
  outcomes: Map<string, StageOutcome>;
}

/** GPUs this machine offers: CUDA_VISIBLE_DEVICES when set, else the NVIDIA driver's device list. */
export function detectGpus(): number {
  const visible = process.env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined) return visible.trim() === '' || visible === '-1' ? 0 : visible.split(',').length;
  try {
    return fs.readdirSync('/proc/driver/nvidia/gpus').length;
  } catch {
    return 0;
  }
}

export async function runPipeline(project: Project, options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const { reporter } = options;
  const names = selectStages(project.dag, options.targets);
  checkDependencies(project.dag, names);
  const forced = new Set(options.force ? (options.targets.length ? selectTargetsOnly(project, options.targets) : names) : []);
  const states = planStages(project, names, { force: forced });
  const outcomes: RunResult['outcomes'] = new Map();

  if (options.dryRun) {
    const rows = names.map((n) => statusRow(n, states.get(n)!, project.stateDir));
    reporter.line(options.json ? JSON.stringify(rows, null, 2) : formatStatus(rows, false).trimEnd());
    return { ok: true, states, outcomes };
  }

  const capacity = { cpus: options.jobs, gpus: options.gpus, mem: options.mem };
  const used = { cpus: 0, gpus: 0, mem: 0 };
  const pending = new Set(names);
  const inFlight = new Map<string, Promise<void>>();
  let stopping = false;

  const finish = (name: string, outcome: StageOutcome): void => {
    outcomes.set(name, outcome);
    reporter.ended(name, outcome);
    if (options.replay && (outcome.status === 'restored' || outcome.status === 'up-to-date')) replayLog(project, name, reporter);
  };

  for (const name of names) {
    if (states.get(name)!.state === 'up-to-date') {
      pending.delete(name);
      finish(name, { status: 'up-to-date' });
    }
  }

  // Slurm stages that only need a restore from the run cache are restored here: a copy is not worth a job.
  const onCluster = (name: string): boolean => project.stage(name).executor === 'slurm' && states.get(name)!.state !== 'restorable';
  const cluster = names.some(onCluster) ? new SlurmCluster(project, { events: reporter, signal: options.signal, forced }) : undefined;

  const needs = (name: string): { cpus: number; gpus: number; mem: number } => {
    if (project.stage(name).executor === 'slurm') return { cpus: 0, gpus: 0, mem: 0 };
    const r = project.stage(name).resources;
    return { cpus: Math.min(r.cpus, capacity.cpus), gpus: r.gpus, mem: Math.min(r.mem, capacity.mem) };
  };

  const launch = (name: string): void => {
    const need = needs(name);
    used.cpus += need.cpus;
    used.gpus += need.gpus;
    used.mem += need.mem;
    const work: Promise<StageOutcome> = onCluster(name)
      ? cluster!.run(name, (project.dag.upstream.get(name) ?? []).filter((u) => inFlight.has(u)))
      : executeStage(project, name, { force: forced.has(name), events: reporter, signal: options.signal });
    const task = work
      .catch((err: unknown): StageOutcome => ({ status: 'failed', message: (err as Error).message }))
      .then((outcome) => {
        used.cpus -= need.cpus;
        used.gpus -= need.gpus;
        used.mem -= need.mem;
        inFlight.delete(name);
        finish(name, outcome);
        if (outcome.status === 'failed' || outcome.status === 'cancelled') {
          if (!options.keepGoing) stopping = true;
          skipDownstream(name);
        } else if (outcome.status === 'skipped') skipDownstream(name, outcome.because);
      });
    inFlight.set(name, task);
  };

  const skipDownstream = (failed: string, because = `upstream ${failed} failed`): void => {
    for (const d of project.dag.downstream.get(failed) ?? []) {
      if (!pending.has(d)) continue;
      pending.delete(d);
      finish(d, { status: 'skipped', because });
      skipDownstream(d, because);
    }
  };

  const ready = (name: string): boolean =>
    (project.dag.upstream.get(name) ?? []).every((u) =>
      !pending.has(u) && (inFlight.has(u) ? onCluster(name) && onCluster(u) : isSuccess(outcomes.get(u))),
    );

  for (;;) {
    if (!stopping && !options.signal.aborted) {
      for (const name of names) {
        if (!pending.has(name) || !ready(name)) continue;
        const need = needs(name);
        if (need.gpus > capacity.gpus) {
          pending.delete(name);
          finish(name, { status: 'failed', message: `needs ${need.gpus} GPU(s), this machine has ${capacity.gpus} (use --executor slurm, or --gpus N)` });
          if (!options.keepGoing) stopping = true;
          skipDownstream(name);
          continue;
        }
        const fits = used.cpus + need.cpus <= capacity.cpus && used.gpus + need.gpus <= capacity.gpus && used.mem + need.mem <= capacity.mem;
        if (fits || inFlight.size === 0) {
          pending.delete(name);
          launch(name);
        }
      }
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
  }
  cluster?.close();
  for (const name of pending) finish(name, { status: 'skipped', because: options.signal.aborted ? 'the run was interrupted' : 'an earlier stage failed' });
  reporter.summary((Date.now() - started) / 1000);
  const ok = [...outcomes.values()].every(isSuccess);
  return { ok, states, outcomes };
}

function isSuccess(o: StageOutcome | undefined): boolean {
  return o !== undefined && (o.status === 'ran' || o.status === 'restored' || o.status === 'up-to-date');
}

function selectTargetsOnly(project: Project, targets: readonly string[]): string[] {
  return targets.flatMap((t) => (project.pipeline.stages.has(t) ? [t] : (project.pipeline.groups.get(t) ?? [])));
}

/** Prints the stored log of the run that produced a stage's current outputs. */
function replayLog(project: Project, name: string, reporter: Reporter): void {
  const entry = project.lock.stages[name];
  if (!entry) return;
  const record = project.cache.readRun(fingerprint(lockedFacts(entry)));
  if (!record?.log || !project.cache.hasObject(record.log)) {
    reporter.line(`${name} │ (no stored log)`);
    return;
  }
  reporter.output(name, project.cache.readObject(record.log).toString('utf8'), 'stdout');
  reporter.output(name, '\n', 'stdout');
}
