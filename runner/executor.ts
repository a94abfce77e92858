/** Running a stage's process on this machine: the stage host, with its output and progress streamed back. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../lib/paths.js';
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

/** The host script: compiled JavaScript after `npm run build`, else the TypeScript source. */
function hostScript(): { file: string; needsTsx: boolean } {
  const js = path.join(packageRoot, 'dist', 'runner', 'stage-host.js');
  if (fs.existsSync(js)) return { file: js, needsTsx: false };
  return { file: path.join(packageRoot, 'runner', 'stage-host.ts'), needsTsx: true };
}

const tsxLoader = (): string => import.meta.resolve('tsx/esm');

/**
 * Shell stages run under a small /bin/sh wrapper instead of the Node host: a background watcher reads the
 * wrapper's stdin, a pipe from the runner, and kills the stage's process group when that pipe closes — which
 * happens when the runner exits, even by kill -9 — so no orphan keeps writing. Commands run in turn; the first
 * failure ends the stage with its exit code.
 */
const SHELL_WRAPPER = 'exec 3<&0; ( cat <&3 >/dev/null 2>&1; kill -TERM 0 ) >/dev/null 2>&1 & for c in "$@"; do /bin/sh -c "$c" </dev/null 3<&- || exit $?; done';
const KILL_GRACE_MS = 5000;

export function runShell(commands: readonly string[], cwd: string, env: NodeJS.ProcessEnv, io: StageIO, signal: AbortSignal): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', SHELL_WRAPPER, 'pipe-stage', ...commands], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // Already gone.
      }
    };
    let escalate: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      killGroup('SIGTERM');
      escalate = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (t: string) => io.output(t, 'stdout'));
    child.stderr.setEncoding('utf8').on('data', (t: string) => io.output(t, 'stderr'));
    child.on('error', (err) => io.output(`cannot start /bin/sh: ${err.message}\n`, 'stderr'));
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(escalate);
      // Closing the watcher's pipe ends the watcher, and with it anything the commands left running.
      child.stdin.end();
      resolve({ code: signal.aborted ? 130 : (code ?? (sig ? 128 + 15 : 1)) });
    });
  });
}

export function runModule(spec: HostSpec, cwd: string, env: NodeJS.ProcessEnv, io: StageIO, signal: AbortSignal): Promise<ProcessResult> {
  const host = hostScript();
  const needsTsx = host.needsTsx || /\.(ts|mts|tsx)$/.test(spec.module);
  const args = [...(needsTsx ? ['--import', tsxLoader()] : []), host.file];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const onAbort = (): void => {
      if (child.connected) child.send({ type: 'cancel' } satisfies HostMessage);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (t: string) => io.output(t, 'stdout'));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => io.output(t, 'stderr'));
    child.on('message', (m: HostReport) => {
      if (m.type === 'progress') io.progress(m.progress);
    });
    child.on('error', (err) => io.output(`cannot start the stage process: ${err.message}\n`, 'stderr'));
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ code: signal.aborted ? 130 : (code ?? (sig ? 128 + 9 : 1)) });
    });
    child.send({ type: 'start', spec } satisfies HostMessage);
  });
}
