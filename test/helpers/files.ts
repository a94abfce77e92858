/** Scratch folders and JSONL reading for tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

// Whatever the outcome of a test file, the scratch folders its tests made go when its worker process exits.
// (Not an ava hook: hooks must be declared before a test file's first await, and this module may be imported
// before a module with a top-level await.)
process.once('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system's temporary directory (or `base`), removed after the test file. */
export function tmp(prefix = 'subpop-test-', base = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(base, prefix));
  made.push(dir);
  return dir;
}

/** JSONL text → objects, unchecked (tests validate what they assert on). */
export const jsonl = (file: string): Record<string, unknown>[] =>
  fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** A fresh temporary folder that is removed when the test ends, whether it passed or failed. */
export function scratch(t: { teardown(fn: () => void): void }, prefix = 'subpop-test-'): string {
  const dir = tmp(prefix);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
