/**
 * What the runner hands to `sbatch` for one stage: a bash script that runs `pipe __exec STAGE` on the compute
 * node with the same project, cache and params, and the sbatch options its resources and pipeline.yaml's
 * `slurm:` settings ask for.
 */
import path from 'node:path';
import type { Pipeline, StageInstance } from '../config.js';
import { canonicalJson } from '../facts.js';

/** Quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `--name=value` arguments that reproduce the pipeline's params from its defaults: the inverse of the
 * command line's overrides, so the job sees exactly the params the runner planned with.
 */
export function overrideArgs(pipeline: Pick<Pipeline, 'params' | 'defaults'>): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(pipeline.params)) {
    if (canonicalJson(value) === canonicalJson(pipeline.defaults[name])) continue;
    // A string param takes the text as is; every other type is parsed as YAML, of which JSON is a subset.
    args.push(`--${name}=${typeof pipeline.defaults[name] === 'string' ? String(value) : JSON.stringify(value)}`);
  }
  return args;
}

export interface JobSpec {
  /** Command that runs the `pipe` CLI, e.g. [node, /path/to/bin/pipe.js]. */
  pipe: readonly string[];
  root: string;
  cacheDir: string;
  force: boolean;
  overrides: readonly string[];
  /** Job ids this job must wait for (afterok). */
  after: readonly string[];
  /** Where Slurm writes the job's output; `%j` becomes the job id. */
  output: string;
}

export function jobScript(stage: StageInstance, spec: JobSpec): string {
  const argv = [...spec.pipe, '__exec', stage.name, '-C', spec.root, '--cache-dir', spec.cacheDir, ...(spec.force ? ['--force'] : []), ...spec.overrides];
  return [
    '#!/bin/bash',
    `# Slurm job for stage ${stage.name} of ${path.join(spec.root, 'pipeline.yaml')}, written by \`pipe run\`.`,
    `exec ${argv.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

/** Seconds before the time limit at which a job asks for a checkpoint, unless `slurm.signal_before` says. */
export const SIGNAL_BEFORE = 120;
/** Times a stage's job may start, unless `slurm.attempts` says. */
export const ATTEMPTS = 5;

/**
 * sbatch options for a stage (the script path goes last). Every job asks for SIGUSR2 before its time limit
 * (`pipe __exec` then asks the stage for a checkpoint and requeues the job), may be requeued, and appends to
 * its log, so that the log of a requeued job tells all its attempts.
 */
export function sbatchArgs(stage: StageInstance, pipeline: Pick<Pipeline, 'slurm'>, spec: JobSpec): string[] {
  const { cpus, gpus, mem, time } = stage.resources;
  const { partition, account, time: defaultTime, extra = [], signal_before: signalBefore = SIGNAL_BEFORE } = pipeline.slurm;
  const limit = time ?? defaultTime;
  return [
    `--job-name=pipe:${stage.name}`,
    `--chdir=${spec.root}`,
    `--output=${spec.output}`,
    '--open-mode=append',
    '--export=ALL',
    // B: signals the batch shell, which is `pipe __exec` itself (the script execs it).
    `--signal=B:USR2@${signalBefore}`,
    '--requeue',
    `--cpus-per-task=${cpus}`,
    ...(gpus > 0 ? [`--gres=gpu:${gpus}`] : []),
    // sbatch counts --mem in MiB.
    ...(mem > 0 ? [`--mem=${Math.ceil(mem / 2 ** 20)}M`] : []),
    ...(limit ? [`--time=${limit}`] : []),
    ...(partition ? [`--partition=${partition}`] : []),
    ...(account ? [`--account=${account}`] : []),
    // A failed upstream cancels this job instead of leaving it pending forever.
    ...(spec.after.length ? [`--dependency=afterok:${spec.after.join(':')}`, '--kill-on-invalid-dep=yes'] : []),
    ...extra,
  ];
}
