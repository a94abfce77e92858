/**
 * `pipe __exec STAGE`: what a Slurm job runs on its compute node. It brings one stage up to date exactly as a
 * local run does — output locks, a re-check against pipe.lock (so a job whose upstream produced identical
 * outputs does nothing), the run cache, running in place over parked outputs, pipe.lock — on the shared
 * filesystem, then leaves its outcome for the runner in `.pipe/slurm/job-<id>.json`. The job's log gets the
 * stage's raw output.
 */
import os from 'node:os';
import { executeStage, type Outcome, type StageEvents } from '../execute.js';
import { describeHolder } from '../locks.js';
import type { Project } from '../project.js';
import { formatDuration, formatProgress } from '../ui.js';
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
  say(`stage ${name}${job ? `, Slurm job ${job}` : ''}, on ${os.hostname()}`);
  let outcome: Outcome;
  try {
    outcome = await executeStage(project, name, { force: options.force, events, signal: controller.signal });
  } catch (err) {
    outcome = { status: 'failed', message: (err as Error).message };
  } finally {
    process.off('SIGTERM', cancel);
    process.off('SIGINT', cancel);
    project.saveState();
  }
  if (job) writeOutcome(project, job, name, outcome);
  say(describe(outcome));
  return outcome.status === 'failed' ? 1 : outcome.status === 'cancelled' ? 130 : 0;
}
