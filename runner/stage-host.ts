/**
 * The process a stage runs in. The runner starts it with the staging root as working directory and an IPC
 * channel; the host runs the shell commands (in their own process group) or imports the stage module and
 * calls it. When the channel closes — the runner exited, even by kill -9 — the host kills what it started
 * and exits, so no orphan keeps writing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isStageModule, type ParamValue, type Progress, type StageContext, type StageResources } from './stage.js';

export interface HostSpec {
  name: string;
  cmd?: string[];
  /** Absolute path of the stage module. */
  module?: string;
  params: Record<string, ParamValue>;
  item?: ParamValue;
  key?: string;
  deps: string[];
  outs: string[];
  metrics: string[];
  env: Record<string, string | undefined>;
  resources: StageResources;
  root: string;
}

export type HostMessage = { type: 'start'; spec: HostSpec } | { type: 'cancel' };
export type HostReport = { type: 'progress'; progress: Progress };

const GRACE_MS = 5000;
const controller = new AbortController();
let child: ChildProcess | undefined;

function killGroup(sig: NodeJS.Signals): void {
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // Already gone.
    }
  }
}

function cancel(code: number): void {
  if (controller.signal.aborted) return;
  controller.abort(new Error('cancelled'));
  killGroup('SIGTERM');
  setTimeout(() => {
    killGroup('SIGKILL');
    process.exit(code);
  }, GRACE_MS).unref();
  if (!child) setTimeout(() => process.exit(code), GRACE_MS).unref();
}

function runShell(command: string): Promise<number> {
  return new Promise((resolve) => {
    child = spawn('/bin/sh', ['-c', command], { stdio: 'inherit', detached: true });
    child.on('error', (err) => {
      process.stderr.write(`cannot start /bin/sh: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (osSignals[signal] ?? 1) : 1)));
  });
}

const osSignals: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

async function runModule(spec: HostSpec): Promise<number> {
  const mod = (await import(pathToFileURL(spec.module!).href)) as { default?: unknown };
  if (!isStageModule(mod.default)) {
    process.stderr.write(`${path.relative(spec.root, spec.module!)} must default-export defineStage(...) from runner/stage.ts\n`);
    return 2;
  }
  let last = 0;
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
      process.send?.({ type: 'progress', progress: p } satisfies HostReport);
    },
  };
  await mod.default.run(ctx);
  return 0;
}

async function main(spec: HostSpec): Promise<number> {
  if (spec.cmd) {
    for (const command of spec.cmd) {
      const code = await runShell(command);
      if (code !== 0 || controller.signal.aborted) return code || 130;
    }
    return 0;
  }
  return runModule(spec);
}

process.on('disconnect', () => cancel(130));
process.on('SIGTERM', () => cancel(143));
process.on('SIGINT', () => cancel(130));
process.on('message', (msg: HostMessage) => {
  if (msg.type === 'cancel') cancel(130);
  else if (msg.type === 'start') {
    main(msg.spec).then(
      (code) => process.exit(code),
      (err: unknown) => {
        const e = err as Error;
        const text = process.env['PIPE_DEBUG'] ? (e.stack ?? String(e)) : e instanceof Error ? `${e.name}: ${e.message}` : String(err);
        process.stderr.write(`${text}\n`);
        process.exit(controller.signal.aborted ? 130 : 1);
      },
    );
  }
});
