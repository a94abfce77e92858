/**
 * A stage runs in a staging copy of the project root: every existing path is a symlink to the real one,
 * except the stage's declared outputs, which are fresh private paths. Outputs are renamed into the real tree
 * only after the stage succeeded, so a failure, Ctrl-C or kill -9 never leaves a half-written output where a
 * good one was.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Out } from './config.js';

/** Top-level entries that are never mirrored into a staging root. */
const PRIVATE = new Set(['.pipe']);

export function createStaging(root: string, stagingDir: string, outs: readonly Out[]): void {
  const outPaths = new Set(outs.map((o) => o.path));
  // Directories on the way to an output are real directories in the staging root, mirrored entry by entry.
  const opened = new Set<string>(['']);
  for (const o of outs) {
    let dir = path.posix.dirname(o.path);
    while (dir !== '.' && !opened.has(dir)) {
      opened.add(dir);
      dir = path.posix.dirname(dir);
    }
  }
  for (const rel of [...opened].sort()) {
    const target = path.join(stagingDir, rel);
    fs.mkdirSync(target, { recursive: true });
    let entries: string[];
    try {
      entries = fs.readdirSync(path.join(root, rel));
    } catch {
      continue;
    }
    for (const name of entries) {
      const childRel = rel ? `${rel}/${name}` : name;
      if ((rel === '' && PRIVATE.has(name)) || opened.has(childRel) || outPaths.has(childRel)) continue;
      fs.symlinkSync(path.join(root, childRel), path.join(target, name));
    }
  }
  for (const o of outs) if (o.dir) fs.mkdirSync(path.join(stagingDir, o.path), { recursive: true });
}

/** Which declared outputs the stage failed to produce (or produced with the wrong kind). */
export function missingOutputs(stagingDir: string, outs: readonly Out[]): string[] {
  const problems: string[] = [];
  for (const o of outs) {
    const st = fs.lstatSync(path.join(stagingDir, o.path), { throwIfNoEntry: false });
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
    // Best effort: leftovers under .pipe/tmp are collected by the next run or `pipe gc`.
  }
}
