/**
 * The Slurm client commands the runner needs (sbatch, squeue, scontrol, sacct, scancel), each parsed from its
 * stable text output. The CLI works without slurmrestd or slurmdbd, and every call costs a few milliseconds.
 */
import { execFile, spawnSync } from 'node:child_process';

/** States after which a job never changes again. */
export const TERMINAL = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'REVOKED',
]);

export interface JobState {
  state: string;
  reason: string;
}

export interface FinalState extends JobState {
  /** Exit status of the batch script, when Slurm knows it. */
  exitCode?: number;
  /** Signal that ended the batch script (0 for none). */
  signal?: number;
}

export class SlurmCommandError extends Error {
  override readonly name = 'SlurmCommandError';
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') {
        reject(new SlurmCommandError(`${command} not found in PATH: the slurm executor needs the Slurm client commands (sbatch, squeue, scontrol, sacct, scancel)`));
        return;
      }
      resolve({ code: err ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
    });
  });
}

const firstLine = (text: string): string => text.trim().split('\n')[0] ?? '';

/** Submits a batch script with `sbatch --parsable`; returns the job id. */
export async function submitJob(args: readonly string[], script: string): Promise<string> {
  const r = await run('sbatch', ['--parsable', ...args, script]);
  const id = firstLine(r.stdout).split(';')[0]!;
  if (r.code !== 0 || !/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch failed: ${firstLine(r.stderr) || firstLine(r.stdout) || `exit code ${r.code}`}`);
  return id;
}

/** States of the given jobs, pending, running or recently finished, in one `squeue` call. Jobs Slurm has
 * forgotten are absent from the result. */
export async function queueStates(ids: readonly string[]): Promise<Map<string, JobState>> {
  const states = new Map<string, JobState>();
  if (ids.length === 0) return states;
  const r = await run('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-o', '%i|%T|%r']);
  // With every id unknown squeue exits 1 ("Invalid job id specified"); that means "none known".
  if (r.code !== 0 && !/invalid job id/i.test(r.stderr)) throw new SlurmCommandError(`squeue failed: ${firstLine(r.stderr)}`);
  for (const line of r.stdout.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (id && state) states.set(id, { state, reason: reason ?? '' });
  }
  return states;
}

/** `ExitCode=3:0` → exit status and signal. */
function parseExit(text: string | undefined): { exitCode: number; signal: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(text ?? '');
  return m ? { exitCode: Number(m[1]), signal: Number(m[2]) } : undefined;
}

/** A finished job's state, reason and exit status: from `scontrol show job`, or for a job slurmctld has
 * purged (older than MinJobAge) from the job-completion record through `sacct -c`. */
export async function finalState(id: string): Promise<FinalState | undefined> {
  const r = await run('scontrol', ['show', 'job', '-o', id]);
  if (r.code === 0) {
    const field = (key: string): string | undefined => new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(r.stdout)?.[1];
    const state = field('JobState');
    if (state) return { state, reason: field('Reason') ?? '', ...parseExit(field('ExitCode')) };
  }
  const acct = await run('sacct', ['-c', '-n', '-P', '-o', 'JobID,State,ExitCode', '-j', id]);
  for (const line of acct.stdout.split('\n')) {
    const [job, state, exit] = line.trim().split('|');
    // "CANCELLED by 0" → CANCELLED
    if (job === id && state) return { state: state.split(' ')[0]!, reason: '', ...parseExit(exit) };
  }
  return undefined;
}

/** Puts a running job back into the queue. It keeps its id, so the jobs that depend on it keep waiting. */
export async function requeueJob(id: string): Promise<void> {
  const r = await run('scontrol', ['requeue', id]);
  if (r.code !== 0) throw new SlurmCommandError(`scontrol requeue ${id} failed: ${firstLine(r.stderr)}`);
}

/**
 * Lets a requeued job start a few seconds from now instead of after the two minutes Slurm holds it back. Not at
 * once: slurmd refuses a launch whose credential is from the same second as the revocation of the previous
 * attempt's ("Job credential revoked"), and the job then fails with exit code 1 without running.
 */
export async function startSoon(id: string): Promise<void> {
  const at = `StartTime=now+${REQUEUE_START_DELAY_S}`;
  const r = await run('scontrol', ['update', `JobId=${id}`, at]);
  if (r.code !== 0) throw new SlurmCommandError(`scontrol update JobId=${id} ${at} failed: ${firstLine(r.stderr)}`);
}

const REQUEUE_START_DELAY_S = 5;

export async function cancelJobs(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const r = await run('scancel', [...ids]);
  if (r.code !== 0) throw new SlurmCommandError(`scancel ${ids.join(' ')} failed: ${firstLine(r.stderr)}`);
}

/**
 * Whether a job may still be running, for judging a lock it holds: false once Slurm reports it finished or no
 * longer knows it; true while it is queued or running, and when Slurm cannot be asked (no client here).
 * Synchronous, because lock checks are.
 */
export function jobMayRun(id: string): boolean {
  const r = spawnSync('squeue', ['-h', '-t', 'all', '-j', id, '-o', '%T'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status === null) return true;
  if (r.status !== 0) return !/invalid job id/i.test(r.stderr);
  const state = r.stdout.trim();
  return state === '' ? false : !TERMINAL.has(state);
}

/** Whether the Slurm client is installed and a controller answers. */
export function clusterReachable(): boolean {
  const r = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /\bUP\b/.test(r.stdout);
}
