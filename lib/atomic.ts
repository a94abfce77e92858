/** Files that appear whole or not at all: write a sibling temporary file, fsync it, rename it into place. */
import fs from 'node:fs';
import path from 'node:path';

let counter = 0;

/** A unique temporary name next to `file` (same directory, so the final rename stays on one filesystem). */
export function siblingTemp(file: string): string {
  counter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${counter}`);
}

/**
 * Writes `data` to a sibling temporary file and renames it over `file`. `durable: false` skips the fsync, for
 * files whose loss in a power cut is harmless (caches that verify what they read).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, { durable = true } = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = siblingTemp(file);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    if (durable) fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Runs `write(tmpPath)` and renames the result to `file` only if it succeeds. */
export async function withAtomicFile<T>(file: string, write: (tmp: string) => Promise<T> | T): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = siblingTemp(file);
  try {
    const result = await write(tmp);
    fs.renameSync(tmp, file);
    return result;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
