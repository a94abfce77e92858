/**
 * The process a `run:` stage runs in. The runner starts it in the project root, as the leader of a new process
 * group, with an IPC channel; the host imports the stage module and calls it. When the channel closes — the
 * runner exited, even by kill -9 — the host ends the rest of its group and rolls the in-place run back (see
 * journal.ts), so no orphan keeps writing and the previous outputs are back.
 *
 * `stage-host --abandon JOURNAL` does only that last part, for the shell wrapper of `cmd:` stages.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CheckpointStore } from './checkpoints.js';
import { abandon } from './journal.js';
import { isStageModule, type ParamValue, type Progress, type StageContext, type StageResources } from './stage.js';

export interface HostSpec {
  name: string;
  /** Absolute path of the stage module. */
  module: string;
  params: Record<string, ParamValue>;
  item?: ParamValue;
  key?: string;
  deps: string[];
  outs: string[];
  metrics: string[];
  env: Record<string, string | undefined>;
  resources: StageResources;
  root: string;
  /** The run's journal, rolled back should the runner die. */
  journal: string;
  /** The run's checkpoint folder, and minutes between checkpoints. */
  checkpoints: { dir: string; everyMinutes: number };
}

export type HostMessage = { type: 'start'; spec: HostSpec } | { type: 'cancel' } | { type: 'checkpoint' };
export type HostReport = { type: 'progress'; progress: Progress } | { type: 'checkpointed'; at: string };

const GRACE_MS = 5000;
const controller = new AbortController();
let journal: string | undefined;
let store: CheckpointStore | undefined;

/** No runner any more: nobody will commit the run, so the host ends the stage and puts the old outputs back. */
function runnerGone(): never {
  if (journal) abandon(journal);
  process.exit(130);
}

/** Exits; when the runner is gone, rolls the run back first. */
function exit(code: number): never {
  if (!process.connected) runnerGone();
  process.exit(code);
}

function report(message: HostReport): void {
  // A failed send (EPIPE) may come before the channel's end is noticed.
  process.send!(message, undefined, {}, (err) => {
    if (err) runnerGone();
  });
}

/** Asks the stage to stop (its signal aborts) and exits after a grace period if it does not. */
function cancel(code: number): void {
  if (controller.signal.aborted) return;
  controller.abort(new Error('cancelled'));
  setTimeout(() => exit(code), GRACE_MS).unref();
}

async function runModule(spec: HostSpec): Promise<number> {
  const mod = (await import(pathToFileURL(spec.module).href)) as { default?: unknown };
  if (!isStageModule(mod.default)) {
    process.stderr.write(`${path.relative(spec.root, spec.module)} must default-export defineStage(...) from runner/stage.ts\n`);
    return 2;
  }
  let last = 0;
  store = new CheckpointStore(spec.checkpoints.dir, {
    stage: spec.name,
    everyMinutes: spec.checkpoints.everyMinutes,
    log: (line) => process.stderr.write(`${line}\n`),
    saved: (at) => report({ type: 'checkpointed', at }),
  });
  const ctx: StageContext = {
    name: spec.name,
    params: spec.params,
    item: spec.item,
    key: spec.key,
    deps: spec.deps,
    outs: spec.outs,
    metrics: spec.metrics,
    env: spec.env,
    resources: spec.resources,
    root: spec.root,
    signal: controller.signal,
    progress(p: Progress): void {
      const now = Date.now();
      if (now - last < 250 && p.done !== p.total) return;
      last = now;
      report({ type: 'progress', progress: p });
    },
    checkpoints: store,
  };
  await mod.default.run(ctx);
  return 0;
}

if (process.argv[2] === '--abandon') {
  // We end our own process group, ourselves excepted.
  process.on('SIGTERM', () => {});
  abandon(process.argv[3]!);
} else {
  // Output to the runner failing (EPIPE) tells the same as the channel's end, possibly earlier.
  process.on('disconnect', runnerGone);
  process.stdout.on('error', runnerGone);
  process.stderr.on('error', runnerGone);
  process.on('SIGTERM', () => cancel(143));
  process.on('SIGINT', () => cancel(130));
  process.on('message', (msg: HostMessage) => {
    if (msg.type === 'cancel') cancel(130);
    else if (msg.type === 'checkpoint') store?.request();
    else if (msg.type === 'start') {
      journal = msg.spec.journal;
      runModule(msg.spec).then(
        (code) => exit(code),
        (err: unknown) => {
          const e = err as Error;
          const text = process.env['PIPE_DEBUG'] ? (e.stack ?? String(e)) : e instanceof Error ? `${e.name}: ${e.message}` : String(err);
          process.stderr.write(`${text}\n`);
          exit(controller.signal.aborted ? 130 : 1);
        },
      );
    }
  });
}
