/**
 * The `pipe` command. Exit codes: 0 success, 1 a stage failed, 2 usage or configuration error, 130
 * interrupted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderDag } from './dagview.js';
import { checkDependencies, selectStages } from './dag.js';
import { collectGarbage } from './gc.js';
import { logPath } from './execute.js';
import { fingerprint, lockedFacts } from './facts.js';
import { recoverInterrupted } from './interrupted.js';
import { lockMetrics, metricRows, metricsAtRevision, metricsMarkdown } from './metrics.js';
import { UsageError } from './params.js';
import { planStages } from './plan.js';
import { Project } from './project.js';
import { detectGpus, runPipeline } from './run.js';
import { execInJob } from './slurm/exec-stage.js';
import { clusterJobs } from './slurm/status.js';
import { formatStatus, statusRow } from './status.js';
import { Reporter } from './ui.js';
import { parseSize, type Executor } from './config.js';

const HELP: Record<string, string> = {
  pipe: `pipe — run a content-hashed pipeline of stages (pipeline.yaml)

Usage: pipe <command> [options]

Commands:
  run [STAGE...]      bring the stages (default: all but those marked default: false) and what they need up to date
  status [STAGE...]   show which stages are up to date, restorable or will run, and why
  dag                 show the stage graph (--mermaid, --dot)
  metrics             show recorded metrics (--diff REV: change since a git revision)
  log STAGE           print the log of a stage's last run
  gc                  remove cache objects and leftovers no run needs

Options for every command:
  -C DIR              use the pipeline.yaml in DIR (default: this directory or the nearest parent with one)
  --cache-dir DIR     content-addressed cache (default .pipe/cache, or $PIPE_CACHE_DIR, or cache_dir:)
  --PARAM VALUE       override a param of pipeline.yaml, e.g. --seed 7 --model mistral-7b
  -h, --help          help for a command

Exit codes: 0 ok, 1 a stage failed, 2 usage or configuration error, 130 interrupted.`,
  run: `Usage: pipe run [STAGE...] [--PARAM VALUE...] [options]

Runs the named stages (a stage, a foreach group such as "ingest", or one instance such as "train@tiny")
and everything they need; when none are named, every stage but those marked \`default: false\` (costly
experiments that run when named). A stage reruns when its command or code (with local imports), declared
params, dependency contents or declared env changed, or its outputs are missing or modified; a parameter set
seen before is restored from the run cache instead of recomputed.

Options:
  -j, --jobs N        CPU slots for parallel stages (default: number of cores)
  --gpus N            GPUs available to stages (default: detected)
  --mem SIZE          memory available to stages (default: physical memory)
  --force             run the named stages (default: all selected) even when up to date
  --dry-run           show what would run and why, run nothing
  --keep-going        after a failure, keep running stages that do not depend on it
  --replay            print the stored logs of stages restored or up to date
  --executor NAME     local (default) or slurm
  --json              with --dry-run: machine-readable output
  -v, --verbose       also list stages that are up to date`,
  status: `Usage: pipe status [STAGE...] [--PARAM VALUE...] [--json] [-v]

For each stage: up to date, restorable from the run cache, will run, or may run once upstream stages
changed — and why, as old → new (dependency hash, param value, code file, command, env). While a run on
Slurm is in progress, also the job id and state of each stage it submitted.
Exit code 0 when everything is up to date, 1 otherwise.`,
  dag: `Usage: pipe dag [STAGE...] [--mermaid | --dot] [--expand]

Prints the stage graph. foreach/matrix instances are folded into one node unless --expand is given.`,
  metrics: `Usage: pipe metrics [--diff REV] [--json]

Prints the metrics recorded in pipe.lock as a Markdown table; with --diff REV, next to their values at the
git revision REV with the change.`,
  log: `Usage: pipe log STAGE

Prints the log of the stage's last attempt (from .pipe/logs), or of the run that produced its outputs.`,
  gc: `Usage: pipe gc [--runs] [--dry-run]

Rolls back runs interrupted by a crash; removes what finished runs left parked, locks of dead processes,
checkpoints no run will resume (of a stage that is gone, of a finished run, or of another fingerprint than the
stage's current one with the params given here, so pass a run's params to keep its checkpoint), stat-cache
entries of deleted files, Slurm job scripts and older Slurm logs (when no cluster run is in flight) and cache
objects that no run record refers to. --runs also forgets the cached runs of this pipeline that pipe.lock does
not point at (after that, going back to those parameter sets recomputes them).`,
};

const BOOLEAN_FLAGS = new Set(['force', 'dry-run', 'keep-going', 'replay', 'json', 'verbose', 'help', 'mermaid', 'dot', 'expand', 'runs']);
const VALUE_FLAGS = new Set(['jobs', 'gpus', 'mem', 'cache-dir', 'executor', 'diff', 'C']);
const SHORT: Record<string, string> = { j: 'jobs', v: 'verbose', h: 'help', C: 'C' };

interface Args {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
  overrides: [string, string][];
}

export function parseArgs(argv: readonly string[]): Args {
  const [command = 'help', ...rest] = argv;
  const args: Args = { command, positional: [], flags: new Map(), overrides: [] };
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i]!;
    if (arg === '--') {
      args.positional.push(...rest.slice(i + 1));
      break;
    }
    const long = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    const short = /^-([A-Za-z])(.*)$/.exec(arg);
    let name: string;
    let inline: string | undefined;
    if (long) {
      name = long[1]!;
      inline = long[2];
    } else if (short && SHORT[short[1]!]) {
      name = SHORT[short[1]!]!;
      inline = short[2] || undefined;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}; see pipe ${command} --help`);
    } else {
      args.positional.push(arg);
      continue;
    }
    if (BOOLEAN_FLAGS.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      args.flags.set(name, true);
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (VALUE_FLAGS.has(name)) args.flags.set(name, value);
    else args.overrides.push([name, value]);
  }
  return args;
}

function findPipeline(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const file = path.join(d, 'pipeline.yaml');
    if (fs.existsSync(file)) return file;
    if (path.dirname(d) === d) throw new UsageError(`no pipeline.yaml in ${path.resolve(dir)} or any parent directory`);
  }
}

function positiveInt(value: string | true | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} needs a whole number, got ${String(value)}`);
  return n;
}

async function open(args: Args): Promise<Project> {
  const executor = args.flags.get('executor');
  if (executor !== undefined && executor !== 'local' && executor !== 'slurm') throw new UsageError(`--executor must be local or slurm, got ${String(executor)}`);
  const cacheDir = args.flags.get('cache-dir');
  return Project.open(findPipeline(String(args.flags.get('C') ?? '.')), {
    overrides: args.overrides,
    ...(executor ? { executor: executor as Executor } : {}),
    ...(typeof cacheDir === 'string' ? { cacheDir } : {}),
  });
}

async function commandRun(args: Args): Promise<number> {
  const project = await open(args);
  const live = process.stdout.isTTY === true && !process.env['CI'] && process.env['TERM'] !== 'dumb';
  const reporter = new Reporter({ live, verbose: args.flags.has('verbose') });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    reporter.line('Interrupted: stopping the running stages (press Ctrl-C again to quit at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    for (const line of recoverInterrupted(project)) reporter.line(line);
    const result = await runPipeline(project, {
      targets: args.positional,
      jobs: positiveInt(args.flags.get('jobs'), 'jobs', os.availableParallelism()) || 1,
      gpus: positiveInt(args.flags.get('gpus'), 'gpus', detectGpus()),
      mem: args.flags.has('mem') ? parseSize(String(args.flags.get('mem')), '--mem') : os.totalmem(),
      force: args.flags.has('force'),
      dryRun: args.flags.has('dry-run'),
      keepGoing: args.flags.has('keep-going'),
      replay: args.flags.has('replay'),
      json: args.flags.has('json'),
      reporter,
      signal: controller.signal,
    });
    if (controller.signal.aborted) return 130;
    return result.ok ? 0 : 1;
  } finally {
    project.saveState();
    reporter.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

async function commandStatus(args: Args): Promise<number> {
  const project = await open(args);
  for (const line of recoverInterrupted(project)) process.stderr.write(`pipe: ${line}\n`);
  const names = selectStages(project.dag, args.positional);
  checkDependencies(project.dag, names);
  const states = planStages(project, names);
  project.saveState();
  const jobs = await clusterJobs(project);
  const rows = names.map((n) => ({ ...statusRow(n, states.get(n)!, project.stateDir), ...(jobs.has(n) ? { job: jobs.get(n)! } : {}) }));
  process.stdout.write(args.flags.has('json') ? `${JSON.stringify(rows, null, 2)}\n` : formatStatus(rows, args.flags.has('verbose')));
  return rows.every((r) => r.state === 'up-to-date') ? 0 : 1;
}

async function commandDag(args: Args): Promise<number> {
  const project = await open(args);
  const format = args.flags.has('mermaid') ? 'mermaid' : args.flags.has('dot') ? 'dot' : 'text';
  process.stdout.write(renderDag(project.dag, selectStages(project.dag, args.positional, true), format, args.flags.has('expand')));
  return 0;
}

async function commandMetrics(args: Args): Promise<number> {
  const project = await open(args);
  const rev = args.flags.get('diff');
  const now = lockMetrics(project.lock);
  const rows = metricRows(now, typeof rev === 'string' ? await metricsAtRevision(project.root, rev) : undefined);
  process.stdout.write(args.flags.has('json') ? `${JSON.stringify(rows, null, 2)}\n` : metricsMarkdown(rows, typeof rev === 'string' ? rev : undefined));
  return 0;
}

async function commandLog(args: Args): Promise<number> {
  const [name] = args.positional;
  if (!name || args.positional.length > 1) throw new UsageError('pipe log needs exactly one stage name');
  const project = await open(args);
  if (!project.pipeline.stages.has(name)) throw new UsageError(`unknown stage "${name}" (stages: ${[...project.pipeline.stages.keys()].join(', ')})`);
  const file = logPath(project, name);
  if (fs.existsSync(file)) {
    process.stdout.write(fs.readFileSync(file));
    return 0;
  }
  const entry = project.lock.stages[name];
  const record = entry ? project.cache.readRun(fingerprint(lockedFacts(entry))) : undefined;
  if (!record?.log || !project.cache.hasObject(record.log)) {
    process.stderr.write(`pipe: no log stored for stage ${name}\n`);
    return 1;
  }
  process.stdout.write(project.cache.readObject(record.log));
  return 0;
}

async function commandGc(args: Args): Promise<number> {
  const project = await open(args);
  const r = await collectGarbage(project, { runs: args.flags.has('runs'), dryRun: args.flags.has('dry-run') });
  const verb = args.flags.has('dry-run') ? 'would remove' : 'removed';
  process.stdout.write(
    `${verb} ${r.objects} cache objects (${(r.bytes / 1e6).toFixed(1)} MB), ${r.runs} cached runs, ${r.checkpoints} checkpoints, ` +
      `${r.parked} parked outputs, ${r.locks} stale locks, ${r.statEntries} stat-cache entries, ${r.slurmFiles} Slurm leftovers` +
      `${r.interrupted ? `; rolled back ${r.interrupted} interrupted runs` : ''}\n`,
  );
  return 0;
}

/** `pipe __exec STAGE`: runs one stage inside a Slurm job (see runner/slurm/exec-stage.ts); not for people. */
async function commandExec(args: Args): Promise<number> {
  const [name] = args.positional;
  if (!name || args.positional.length > 1) throw new UsageError('pipe __exec needs exactly one stage name');
  const project = await open(args);
  if (!project.pipeline.stages.has(name)) throw new UsageError(`unknown stage "${name}"`);
  return execInJob(project, name, { force: args.flags.has('force') });
}

const COMMANDS: Record<string, (args: Args) => Promise<number>> = {
  run: commandRun,
  status: commandStatus,
  dag: commandDag,
  metrics: commandMetrics,
  log: commandLog,
  gc: commandGc,
  __exec: commandExec,
};

const EXPECTED_ERRORS = new Set(['UsageError', 'ConfigError', 'FormatError', 'LockFileError']);

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.command === 'help' || args.command === '--help' || args.command === '-h') {
      process.stdout.write(`${HELP[args.positional[0] ?? 'pipe'] ?? HELP['pipe']}\n`);
      return 0;
    }
    const command = COMMANDS[args.command];
    if (!command) throw new UsageError(`unknown command "${args.command}"; commands: ${Object.keys(COMMANDS).filter((c) => !c.startsWith('__')).join(', ')}`);
    if (args.flags.has('help')) {
      process.stdout.write(`${HELP[args.command]}\n`);
      return 0;
    }
    return await command(args);
  } catch (err) {
    const e = err as Error;
    if (EXPECTED_ERRORS.has(e.name)) {
      process.stderr.write(`pipe: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`pipe: internal error: ${e.stack ?? String(e)}\n`);
    return 1;
  }
}
