/** Scratch folders and JSONL reading for tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh folder under the system's temporary directory. */
export const tmp = (prefix = 'subpop-test-'): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** JSONL text → objects, unchecked (tests validate what they assert on). */
export const jsonl = (file: string): Record<string, unknown>[] =>
  fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** A fresh temporary folder that is removed when the test ends, whether it passed or failed. */
export function scratch(t: { teardown(fn: () => void): void }, prefix = 'subpop-test-'): string {
  const dir = tmp(prefix);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
