/**
 * Running a stage's processes on this machine, in the project root: a shell command under a small /bin/sh
 * wrapper, or a stage module in the stage host. Either way the stage is the leader of a new process group, and
 * a stage is over only when nothing of that group is left: whatever it left running in the background is
 * ended too (SIGTERM, SIGKILL after a grace period).
 *
 * When the runner dies, even by kill -9, the stage's own processes notice — the host through its IPC channel,
 * the shell wrapper through a pipe from the runner that closes — end the rest of the group and roll the
 * in-place run back (journal.ts), so that the previous outputs are back at once and no orphan keeps writing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../lib/paths.js';
import { KILL_GRACE_MS } from './journal.js';
import { endGroup } from './process-group.js';
import { shellQuote } from './slurm/job-script.js';
import type { HostMessage, HostReport, HostSpec } from './stage-host.js';
import type { Progress } from './stage.js';

export interface StageIO {
  output(text: string, stream: 'stdout' | 'stderr'): void;
  progress(p: Progress): void;
}

export interface ProcessResult {
  /** Exit code; 130 when cancelled. */
  code: number;
}

export interface StartOptions {
  /** The run's journal, for rolling back should the runner die. */
  journal: string;
  /** Called with the stage's process group once it exists. */
  started(group: number): void;
  /** Aborted to ask a running stage module for a checkpoint now (see StageContext.checkpoints). */
  checkpointNow?: AbortSignal;
  /** Told when the stage module saved a checkpoint. */
  checkpointed?(at: string): void;
}

/** The host script: compiled JavaScript after `npm run build`, else the TypeScript source. */
function hostCommand(module?: string): string[] {
  const js = path.join(packageRoot, 'dist', 'runner', 'stage-host.js');
  const built = fs.existsSync(js);
  const needsTsx = !built || (module !== undefined && /\.(ts|mts|tsx)$/.test(module));
  return [...(needsTsx ? ['--import', import.meta.resolve('tsx/esm')] : []), built ? js : path.join(packageRoot, 'runner', 'stage-host.ts')];
}

/**
 * The shell wrapper. A background watcher reads file descriptor 3, a pipe from the runner that the runner
 * never writes to: end of file means the runner died, and the watcher then becomes the stage host's
 * `--abandon` (the wrapper's first argument). Commands run in turn, without that pipe; the first failure
 * ends the stage. Then the wrapper ends the watcher and reaps it, so that no orphan of the stage is left to
 * wait for.
 */
const SHELL_WRAPPER =
  'abandon=$1; shift; ( if read -r _ <&3; then :; else eval "exec $abandon"; fi ) >/dev/null 2>&1 & watcher=$!; ' +
  'rc=0; for c in "$@"; do /bin/sh -c "$c" </dev/null 3<&- || { rc=$?; break; }; done; ' +
  'kill $watcher 2>/dev/null; wait $watcher 2>/dev/null; exit $rc';

/**
 * Streams the stage's output, cancels it on `signal`, and resolves once its leader exited, the rest of its group
 * is gone and its output is drained.
 */
function supervise(child: ChildProcess, io: StageIO, signal: AbortSignal, options: StartOptions, cancel: () => void): Promise<ProcessResult> {
  return new Promise((resolve) => {
    if (child.pid !== undefined) options.started(child.pid);
    let killer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      cancel();
      // A stage stuck in synchronous work cannot even notice; it gets twice the grace before SIGKILL.
      killer = setTimeout(() => void (child.pid && endGroup(child.pid, 0)), 2 * KILL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (t: string) => io.output(t, 'stdout'));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => io.output(t, 'stderr'));
    let groupGone: Promise<void> = Promise.resolve();
    let code = 1;
    child.on('error', (err) => io.output(`cannot start the stage process: ${err.message}\n`, 'stderr'));
    child.on('exit', (c, sig) => {
      code = c ?? 128 + (sig === 'SIGKILL' ? 9 : 15);
      if (child.pid !== undefined) groupGone = endGroup(child.pid, KILL_GRACE_MS);
    });
    child.on('close', () => {
      void groupGone.then(() => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(killer);
        resolve({ code: signal.aborted ? 130 : code });
      });
    });
  });
}

export function runShell(commands: readonly string[], cwd: string, env: NodeJS.ProcessEnv, io: StageIO, signal: AbortSignal, options: StartOptions): Promise<ProcessResult> {
  const abandon = [process.execPath, ...hostCommand(), '--abandon', options.journal].map(shellQuote).join(' ');
  const child = spawn('/bin/sh', ['-c', SHELL_WRAPPER, 'pipe-stage', abandon, ...commands], { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true });
  const cancel = (): void => void (child.pid && endGroup(child.pid, KILL_GRACE_MS));
  return supervise(child, io, signal, options, cancel);
}

export function runModule(spec: HostSpec, cwd: string, env: NodeJS.ProcessEnv, io: StageIO, signal: AbortSignal, options: StartOptions): Promise<ProcessResult> {
  const child = spawn(process.execPath, hostCommand(spec.module), { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const send = (msg: HostMessage): void => {
    if (child.connected) child.send(msg);
  };
  child.on('message', (m: HostReport) => {
    if (m.type === 'progress') io.progress(m.progress);
    else if (m.type === 'checkpointed') options.checkpointed?.(m.at);
  });
  options.checkpointNow?.addEventListener('abort', () => send({ type: 'checkpoint' }), { once: true });
  send({ type: 'start', spec });
  return supervise(child, io, signal, options, () => send({ type: 'cancel' }));
}
