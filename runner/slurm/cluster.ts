/**
 * The Slurm executor, runner side. Stages are submitted in the order the runner hands them over (topological),
 * each with `afterok` on the jobs of its upstream stages that are still in flight, so Slurm gates the whole
 * DAG and cancels what depends on a failure. One `squeue` call per poll follows every job; a finished job's
 * outcome comes from the record it left (`pipe __exec`), its exit status from scontrol or sacct. A job that
 * requeued itself near its time limit (exec-stage.ts) is reported and released from the hold Slurm puts
 * requeued jobs under. Aborting cancels exactly the jobs this run submitted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../../lib/atomic.js';
import { packageRoot } from '../../lib/paths.js';
import type { Project } from '../project.js';
import type { StageOutcome } from '../run.js';
import { cancelJobs, finalState, queueStates, startSoon, submitJob, TERMINAL, type FinalState } from './commands.js';
import { newestCheckpoint } from '../checkpoints.js';
import { fingerprint } from '../facts.js';
import { jobScript, overrideArgs, sbatchArgs, type JobSpec } from './job-script.js';
import { takeOutcome, SubmittedJobs } from './records.js';

const POLL_MS = 500;
const TAIL_LINES = 20;
/** How often a failing squeue is reported while polling goes on. */
const COMPLAIN_EVERY_MS = 60_000;

export interface ClusterEvents {
  line(text: string): void;
  started(stage: string, action: 'run' | 'restore', where?: string): void;
  output(stage: string, text: string, stream: 'stdout' | 'stderr'): void;
}

export interface ClusterOptions {
  events: ClusterEvents;
  signal: AbortSignal;
  /** Stages to run even when up to date. */
  forced: ReadonlySet<string>;
}

interface Watch {
  stage: string;
  after: readonly string[];
  running: boolean;
  /** Times the job went back to the queue after running. */
  requeues: number;
  settle(outcome: StageOutcome): void;
}

/** States of a job that is back in the queue after it ran. */
const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED']);

type Submission = { job: string } | { outcome: StageOutcome };

/** Why a job that ended unsuccessfully ended, from Slurm's point of view. */
export function describeEnd(final: FinalState): string {
  switch (final.state) {
    case 'FAILED':
      return final.signal ? `killed by signal ${final.signal}` : `exit code ${final.exitCode ?? 'unknown'}`;
    case 'TIMEOUT':
      return 'hit its time limit';
    case 'OUT_OF_MEMORY':
      return 'ran out of memory';
    case 'CANCELLED':
      return 'cancelled outside this run';
    default:
      return `ended ${final.state}${final.reason && final.reason !== 'None' ? ` (${final.reason})` : ''}`;
  }
}

function tail(file: string, lines: number): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const all = text.replace(/\n$/, '').split('\n');
  return `${all.slice(-lines).join('\n')}\n`;
}

export class SlurmCluster {
  /** Stage → its job id, or undefined once it is clear it never got one. */
  private readonly ids = new Map<string, Promise<string | undefined>>();
  private readonly watching = new Map<string, Watch>();
  /** Submitted jobs that have not ended. */
  private readonly live = new Set<string>();
  private readonly ended = new Map<string, StageOutcome>();
  private readonly submitted: SubmittedJobs;
  private readonly overrides: string[];
  private queue: Promise<unknown> = Promise.resolve();
  private polling: Promise<void> | undefined;
  private lastComplaint = 0;
  private readonly onAbort = (): void => void this.cancel([...this.live]);

  constructor(
    private readonly project: Project,
    private readonly options: ClusterOptions,
  ) {
    this.submitted = new SubmittedJobs(project);
    this.overrides = overrideArgs(project.pipeline);
    options.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Submits a stage after the stages in `after` (submitted earlier through this object); resolves with its
   * outcome once the job has ended.
   */
  run(stage: string, after: readonly string[]): Promise<StageOutcome> {
    const submission = this.queue.then(() => this.submit(stage, after));
    this.queue = submission.catch(() => undefined);
    this.ids.set(
      stage,
      submission.then(
        (s) => ('job' in s ? s.job : undefined),
        () => undefined,
      ),
    );
    return submission.then((s) => ('job' in s ? this.watch(stage, s.job, after) : this.end(stage, s.outcome)));
  }

  /** Removes the run's record of its jobs; call when the run is over. */
  close(): void {
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.submitted.remove();
  }

  private async submit(stage: string, after: readonly string[]): Promise<Submission> {
    if (this.options.signal.aborted) return { outcome: { status: 'skipped', because: 'the run was interrupted' } };
    const upstreamJobs: string[] = [];
    for (const u of after) {
      const id = await this.ids.get(u);
      if (id === undefined) return { outcome: { status: 'skipped', because: this.upstreamFailure([u]) } };
      upstreamJobs.push(id);
    }
    const { project } = this;
    const instance = project.stage(stage);
    const spec: JobSpec = {
      pipe: [process.execPath, path.join(packageRoot, 'bin', 'pipe.js')],
      root: project.root,
      cacheDir: project.cache.dir,
      force: this.options.forced.has(stage),
      overrides: this.overrides,
      after: upstreamJobs,
      output: path.join(project.stateDir, 'logs', `${stage}.slurm-%j.log`),
    };
    const script = path.join(project.stateDir, 'slurm', `${stage}.sh`);
    writeFileAtomic(script, jobScript(instance, spec));
    fs.mkdirSync(path.dirname(spec.output), { recursive: true });
    let job: string;
    try {
      job = await submitJob(sbatchArgs(instance, project.pipeline, spec), script);
    } catch (err) {
      return { outcome: { status: 'failed', message: (err as Error).message } };
    }
    this.live.add(job);
    this.submitted.add(stage, job);
    this.options.events.line(`⧗ ${stage}: submitted as Slurm job ${job}${upstreamJobs.length ? ` (after job ${upstreamJobs.join(', ')})` : ''}`);
    // The run may have been interrupted while sbatch ran.
    if (this.options.signal.aborted) await this.cancel([job]);
    return { job };
  }

  private watch(stage: string, job: string, after: readonly string[]): Promise<StageOutcome> {
    return new Promise((settle) => {
      this.watching.set(job, { stage, after, running: false, requeues: 0, settle });
      this.polling ??= this.pollLoop();
    });
  }

  private async pollLoop(): Promise<void> {
    try {
      while (this.watching.size) {
        try {
          await this.poll();
        } catch (err) {
          // A controller restart or a network hiccup: keep the jobs, try again.
          if (Date.now() - this.lastComplaint > COMPLAIN_EVERY_MS) {
            this.lastComplaint = Date.now();
            this.options.events.line(`pipe: ${(err as Error).message}; still trying`);
          }
        }
        if (this.watching.size) await sleep(POLL_MS);
      }
    } finally {
      this.polling = undefined;
    }
  }

  private async poll(): Promise<void> {
    const ids = [...this.watching.keys()];
    const states = await queueStates(ids);
    // In submission order, so an upstream's failure is reported before the cancellation of its dependents.
    for (const id of ids) {
      const state = states.get(id);
      if (state && !TERMINAL.has(state.state)) continue;
      const final = await finalState(id);
      if (final && !TERMINAL.has(final.state)) continue;
      const w = this.watching.get(id)!;
      this.watching.delete(id);
      this.live.delete(id);
      w.settle(this.end(w.stage, await this.outcomeOf(w, id, final)));
    }
    // Let the endings be reported before the starts they made possible.
    await new Promise(setImmediate);
    for (const [id, w] of this.watching) {
      const state = states.get(id);
      if (state?.state === 'RUNNING' && !w.running) {
        w.running = true;
        this.options.events.started(w.stage, 'run', `Slurm job ${id}${w.requeues ? `, attempt ${w.requeues + 1}` : ''}`);
      } else if (state && QUEUED.has(state.state) && w.running) {
        w.running = false;
        w.requeues += 1;
        this.options.events.line(`⟳ ${w.stage}: Slurm job ${id} requeued itself near its time limit; it resumes from its checkpoint`);
        // Slurm holds a requeued job back for two minutes (Reason=BeginTime); a few seconds are enough.
        if (state.reason === 'BeginTime') await startSoon(id).catch((err: Error) => this.options.events.line(`pipe: ${err.message}`));
      }
    }
  }

  private async outcomeOf(w: Watch, job: string, final: FinalState | undefined): Promise<StageOutcome> {
    const log = path.join(this.project.stateDir, 'logs', `${w.stage}.slurm-${job}.log`);
    if (final?.state === 'CANCELLED') {
      if (final.reason === 'DependencyNeverSatisfied') return { status: 'skipped', because: this.upstreamFailure(w.after) };
      if (this.options.signal.aborted) return { status: 'cancelled' };
    }
    const recorded = await takeOutcome(this.project, job);
    if (final?.state === 'COMPLETED' && recorded && recorded.status !== 'failed' && recorded.status !== 'cancelled') {
      if (!w.running) this.options.events.started(w.stage, 'run', `Slurm job ${job}`);
      return recorded;
    }
    const why = recorded?.status === 'failed' ? recorded.message : final ? describeEnd(final) : 'Slurm no longer knows the job';
    const text = tail(log, TAIL_LINES);
    if (text.trim()) this.options.events.output(w.stage, text, 'stderr');
    return { status: 'failed', message: `${why} (Slurm job ${job})${this.resumable(w.stage)}`, log };
  }

  /** "; run again to resume from epoch 3/6" when the stage left a checkpoint of its current inputs. */
  private resumable(stage: string): string {
    const current = this.project.facts(this.project.stage(stage));
    const c = 'facts' in current ? newestCheckpoint(this.project.stateDir, fingerprint(current.facts)) : undefined;
    return c ? `; run again to resume from ${c.at}` : '';
  }

  private end(stage: string, outcome: StageOutcome): StageOutcome {
    this.ended.set(stage, outcome);
    return outcome;
  }

  /** "upstream X failed", naming the stage where the failure began. */
  private upstreamFailure(after: readonly string[]): string {
    for (const u of after) {
      const o = this.ended.get(u);
      if (o?.status === 'skipped') return o.because;
      if (o && o.status !== 'ran' && o.status !== 'restored' && o.status !== 'up-to-date') return `upstream ${u} failed`;
    }
    return `upstream ${after.join(', ')} failed`;
  }

  private async cancel(ids: readonly string[]): Promise<void> {
    try {
      await cancelJobs(ids);
    } catch (err) {
      this.options.events.line(`pipe: ${(err as Error).message}`);
    }
  }
}
