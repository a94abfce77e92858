/**
 * `pipe __exec STAGE`: what a Slurm job runs on its compute node. It brings one stage up to date exactly as a
 * local run does — output locks, a re-check against pipe.lock (so a job whose upstream produced identical
 * outputs does nothing), the run cache, running in place over parked outputs, pipe.lock — on the shared
 * filesystem, then leaves its outcome for the runner in `.pipe/slurm/job-<id>.json`. The job's log gets the
 * stage's raw output.
 *
 * Before the time limit Slurm sends SIGUSR2 (sbatch --signal): the stage is asked for a checkpoint, and once it
 * saved one the job requeues itself — same id, so its dependents keep waiting — and its next attempt resumes
 * from there, up to `slurm.attempts` attempts. A requeued attempt leaves no outcome.
 */
import os from 'node:os';
import { executeStage, type Outcome, type StageEvents } from '../execute.js';
import { describeHolder } from '../locks.js';
import type { Project } from '../project.js';
import { formatDuration, formatProgress } from '../ui.js';
import { requeueJob } from './commands.js';
import { ATTEMPTS } from './job-script.js';
import { writeOutcome } from './records.js';

const PROGRESS_EVERY_MS = 10_000;

function describe(outcome: Outcome): string {
  switch (outcome.status) {
    case 'ran':
      return `ran in ${formatDuration(outcome.seconds)}`;
    case 'restored':
      return 'restored from the run cache';
    case 'up-to-date':
      return 'up to date, nothing to do';
    case 'failed':
      return `failed, ${outcome.message}`;
    case 'cancelled':
      return 'cancelled';
  }
}

/** Runs the stage; the exit code is 0 when it is up to date afterwards, 1 when it failed, 130 when cancelled. */
export async function execInJob(project: Project, name: string, options: { force: boolean }): Promise<number> {
  const job = process.env['SLURM_JOB_ID'];
  const say = (text: string): void => void process.stdout.write(`pipe: ${text}\n`);
  const controller = new AbortController();
  const cancel = (): void => controller.abort();
  // scancel and the time limit send SIGTERM: stop the stage and publish nothing.
  process.on('SIGTERM', cancel);
  process.on('SIGINT', cancel);
  const attempts = project.pipeline.slurm.attempts ?? ATTEMPTS;
  const attempt = Number(process.env['SLURM_RESTART_COUNT'] ?? 0) + 1;
  const nearLimit = new AbortController();
  const onNearLimit = (): void => {
    say('the time limit is near: asking the stage for a checkpoint');
    nearLimit.abort();
  };
  process.on('SIGUSR2', onNearLimit);
  let requeued = false;
  const checkpointed = (at: string): void => {
    if (!job || !nearLimit.signal.aborted || requeued) return;
    if (attempt >= attempts) {
      say(`checkpoint saved at ${at}; this is attempt ${attempt} of ${attempts} (slurm.attempts), so the job is not requeued`);
      return;
    }
    requeued = true;
    requeueJob(job).then(
      () => say(`checkpoint saved at ${at}; requeued: attempt ${attempt + 1} of at most ${attempts} resumes from it`),
      (err: Error) => {
        requeued = false;
        say(`checkpoint saved at ${at}, but ${err.message}; the job runs on to its time limit`);
      },
    );
  };
  let lastProgress = Date.now();
  const started = Date.now();
  const events: StageEvents = {
    waiting: (_stage, holder) => say(`waiting for ${typeof holder === 'string' ? holder : `the outputs, locked by ${describeHolder(holder)}`}`),
    started: (_stage, action) => say(action === 'run' ? 'running' : 'restoring from the run cache'),
    output: (_stage, text, stream) => void (stream === 'stdout' ? process.stdout : process.stderr).write(text),
    progress: (_stage, p) => {
      if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = Date.now();
      say(formatProgress(p, (Date.now() - started) / 1000));
    },
  };
  say(`stage ${name}${job ? `, Slurm job ${job}, attempt ${attempt}` : ''}, on ${os.hostname()}`);
  let outcome: Outcome;
  try {
    outcome = await executeStage(project, name, { force: options.force, events, signal: controller.signal, checkpointNow: nearLimit.signal, checkpointed });
  } catch (err) {
    outcome = { status: 'failed', message: (err as Error).message };
  } finally {
    process.off('SIGTERM', cancel);
    process.off('SIGINT', cancel);
    process.off('SIGUSR2', onNearLimit);
    project.saveState();
  }
  if (requeued) {
    say('stopped for the requeue');
    return 130;
  }
  if (job) writeOutcome(project, job, name, outcome);
  say(describe(outcome));
  return outcome.status === 'failed' ? 1 : outcome.status === 'cancelled' ? 130 : 0;
}
