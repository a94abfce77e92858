/**
 * Files through which the runner and its Slurm jobs talk over the shared filesystem, under `.pipe/`:
 * - `slurm/job-<id>.json`: how a job's stage ended (ran, restored, up to date, failed), written by the job and
 *   removed by the runner once read;
 * - `runs/<pid>.json`: the jobs a `pipe run` in progress submitted, read by `pipe status`, removed at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../lib/atomic.js';
import type { Outcome } from '../execute.js';
import { currentHolder, holderAlive, type Holder } from '../locks.js';
import type { Project } from '../project.js';

export function outcomeFile(project: Project, job: string): string {
  return path.join(project.stateDir, 'slurm', `job-${job}.json`);
}

export function writeOutcome(project: Project, job: string, stage: string, outcome: Outcome): void {
  // Directory listings of restored outputs can be long, and the runner only reports when and where they ran.
  const slim: Outcome = outcome.status === 'restored' ? { ...outcome, record: { ...outcome.record, outs: outcome.record.outs.map(({ tree: _tree, ...o }) => o) } } : outcome;
  writeFileAtomic(outcomeFile(project, job), `${JSON.stringify({ stage, job, outcome: slim })}\n`);
}

/** A JSON file checked against its schema; undefined when the file does not exist. */
async function readChecked<T>(schema: string, file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const { validate } = await import('../../lib/schema.js');
  return validate<T>(schema, data, file);
}

/** The outcome a job wrote, or undefined when it wrote none (it died before finishing). The file is read once,
 * by the runner that submitted the job, and removed. */
export async function takeOutcome(project: Project, job: string): Promise<Outcome | undefined> {
  const file = outcomeFile(project, job);
  const outcome = (await readChecked<{ outcome: Outcome }>('slurm-outcome', file))?.outcome;
  fs.rmSync(file, { force: true });
  return outcome;
}

interface RunFile extends Holder {
  /** Stage → Slurm job id. */
  jobs: Record<string, string>;
}

const runsDir = (project: Project): string => path.join(project.stateDir, 'runs');

/** The record of this process's run and the jobs it submitted; kept up to date on every submission. */
export class SubmittedJobs {
  private readonly file: string;
  private readonly data: RunFile;

  constructor(project: Project) {
    this.file = path.join(runsDir(project), `${process.pid}.json`);
    this.data = { ...currentHolder(`pipe run in ${project.root}`), jobs: {} };
  }

  add(stage: string, job: string): void {
    this.data.jobs[stage] = job;
    writeFileAtomic(this.file, `${JSON.stringify(this.data)}\n`);
  }

  get ids(): string[] {
    return Object.values(this.data.jobs);
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/** Stage → job id, over the runs of this project whose runner is still alive. Records of dead runners are
 * removed. */
export async function liveSubmittedJobs(project: Project): Promise<Map<string, string>> {
  const jobs = new Map<string, string>();
  const dir = runsDir(project);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /^\d+\.json$/.test(n)).sort();
  } catch {
    return jobs;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    const run = await readChecked<RunFile>('pipe-run', file);
    if (!run) continue; // Its run just ended.
    if (!holderAlive(run)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    for (const [stage, job] of Object.entries(run.jobs)) jobs.set(stage, job);
  }
  return jobs;
}
