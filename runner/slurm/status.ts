/** The Slurm side of `pipe status`: the jobs that runs still in progress submitted, with their states. */
import type { Project } from '../project.js';
import { queueStates } from './commands.js';
import { liveSubmittedJobs } from './records.js';

export interface JobView {
  id: string;
  /** Slurm's job state, e.g. PENDING or RUNNING; "unknown" when Slurm cannot be asked. */
  state: string;
}

/** Stage → its job in a live run; empty (and no Slurm call) when no run on Slurm is in progress. */
export async function clusterJobs(project: Project): Promise<Map<string, JobView>> {
  const jobs = await liveSubmittedJobs(project);
  const views = new Map<string, JobView>();
  if (jobs.size === 0) return views;
  let states: Awaited<ReturnType<typeof queueStates>> | undefined;
  try {
    states = await queueStates([...jobs.values()]);
  } catch {
    states = undefined;
  }
  for (const [stage, id] of jobs) views.set(stage, { id, state: states?.get(id)?.state ?? 'unknown' });
  return views;
}
