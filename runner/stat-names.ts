/**
 * stat(2) of many entries of one directory at once, as rows of numbers: the no-op check does this for every
 * file of every dependency. The native helper (native/stat_names.c, built at install when a C compiler is
 * present) costs half as much per entry as fs.statSync, whose Stats object with four Dates dominates; without
 * it, or with PIPE_NATIVE=0, the same rows come from fs.statSync.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../lib/paths.js';

/** A row: kind, dev, ino, size, mtimeMs, ctimeMs; all 0 for a missing entry. Symbolic links are followed. */
export const ROW = 6;
export const OTHER = 0;
export const FILE = 1;
export const DIR = 2;

type NativeStatNames = (dir: string, names: string, out: Float64Array) => void;

function loadNative(): NativeStatNames | undefined {
  if (process.env['PIPE_NATIVE'] === '0') return undefined;
  try {
    const addon = createRequire(import.meta.url)(path.join(packageRoot, 'native', 'build', 'Release', 'stat_names.node')) as { statNames: NativeStatNames };
    return addon.statNames;
  } catch {
    return undefined; // Not built (no compiler at install): fs.statSync does the same, slower.
  }
}

const native = loadNative();

/** Which implementation statNames uses. */
export const statImplementation: 'native' | 'fs.statSync' = native ? 'native' : 'fs.statSync';

/** The row of a stat result. */
export function rowOf(st: fs.Stats): Float64Array {
  return Float64Array.of(st.isFile() ? FILE : st.isDirectory() ? DIR : OTHER, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs);
}

/**
 * Rows for `count` entries of `dir` whose names are joined by '/' (the one character a name cannot hold). An
 * entry that cannot be stat'ed for any reason gets a row of zeros; callers that need the reason stat it again.
 */
export function statNames(dir: string, names: string, count: number): Float64Array {
  const out = new Float64Array(count * ROW);
  if (count === 0) return out;
  if (native) {
    native(dir, names, out);
    return out;
  }
  names.split('/', count).forEach((name, i) => {
    try {
      const st = fs.statSync(`${dir}/${name}`, { throwIfNoEntry: false });
      if (st) out.set(rowOf(st), i * ROW);
    } catch {
      // A zero row, as from the native helper.
    }
  });
  return out;
}
