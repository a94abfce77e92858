import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { tmp } from '../helpers/files.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const pipeBin = path.join(repo, 'bin', 'pipe.js');
export const stageApi = path.join(repo, 'runner', 'stage.ts');

/** A fresh project directory with the given files (paths relative to it), removed after the test file. */
export function makeProject(files: Record<string, string>): string {
  const dir = tmp('pipe-test-');
  write(dir, { 'package.json': '{"type":"module"}\n', ...files });
  return dir;
}

export function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

export const read = (dir: string, rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');
export const exists = (dir: string, rel: string): boolean => fs.existsSync(path.join(dir, rel));

export interface PipeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `pipe` command in `dir`. */
export function pipe(dir: string, ...args: string[]): Promise<PipeResult> {
  return pipeWithEnv(dir, {}, ...args);
}

export async function pipeWithEnv(dir: string, env: Record<string, string>, ...args: string[]): Promise<PipeResult> {
  const r = await execa(process.execPath, [pipeBin, ...args], { cwd: dir, reject: false, env: { CI: '1', ...env } });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Starts `pipe` without waiting for it. */
export function startPipe(dir: string, ...args: string[]): ResultPromise {
  return execa(process.execPath, [pipeBin, ...args], { cwd: dir, reject: false, env: { CI: '1' } });
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function until(check: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A shell command that also appends the stage name to runs.log in the real project root (a side channel
 * outside the declared outputs), so tests can count executions. */
export const counted = (name: string, cmd: string): string => `echo ${name} >> "$PIPE_ROOT/runs.log" && ${cmd}`;
export const runsOf = (dir: string, name: string): number =>
  exists(dir, 'runs.log') ? read(dir, 'runs.log').split('\n').filter((l) => l === name).length : 0;
