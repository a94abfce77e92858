/** Output paths on disk: checking what a stage produced, and replacing a path with another atomically. */
import fs from 'node:fs';
import path from 'node:path';
import type { Out } from './config.js';

/** Which declared outputs the stage failed to produce (or produced with the wrong kind). */
export function missingOutputs(root: string, outs: readonly Out[]): string[] {
  const problems: string[] = [];
  for (const o of outs) {
    const st = fs.lstatSync(path.join(root, o.path), { throwIfNoEntry: false });
    if (!st) problems.push(`${o.path} was not created`);
    else if (st.isSymbolicLink()) problems.push(`${o.path} is a symbolic link; outputs must be real files or directories`);
    else if (o.dir && !st.isDirectory()) problems.push(`${o.path} was declared a directory (trailing /) but is a file`);
  }
  return problems;
}

/**
 * Moves `src` to `dest`. A file replaces its predecessor in one rename; a directory (or a change of kind)
 * needs two renames, with the old version parked next to it until the new one is in place.
 */
export function replacePath(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const old = fs.lstatSync(dest, { throwIfNoEntry: false });
  const srcIsDir = fs.lstatSync(src).isDirectory();
  if (!old || (!old.isDirectory() && !srcIsDir)) {
    fs.renameSync(src, dest);
    return;
  }
  const parked = path.join(path.dirname(dest), `.${path.basename(dest)}.old-${process.pid}-${Date.now()}`);
  fs.renameSync(dest, parked);
  try {
    fs.renameSync(src, dest);
  } catch (err) {
    fs.renameSync(parked, dest);
    throw err;
  }
  fs.rmSync(parked, { recursive: true, force: true });
}

export function removeQuietly(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // Best effort: what is left is collected by the next run or `pipe gc`.
  }
}
