/**
 * The content-addressed store (objects by SHA-256) and the run cache (stage fingerprint → the outputs and
 * log that run produced). Everything is written to a temporary name and renamed, so a crash never leaves a
 * truncated object under a valid name, and objects are verified whenever they are restored.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, siblingTemp } from '../lib/atomic.js';
import type { HashedPath } from './facts.js';
import { sha256Bytes, type TreeEntry } from './hashing.js';

export interface CachedOut extends HashedPath {
  /** For a directory: its files. */
  tree?: TreeEntry[];
}

export interface RunRecord {
  stage: string;
  outs: CachedOut[];
  /** Object holding the stage's log. */
  log?: string;
  ranAt: string;
  seconds: number;
  host: string;
}

export class CorruptObjectError extends Error {
  override readonly name = 'CorruptObjectError';
}

const CHUNK = 1 << 20;

export class Cache {
  constructor(readonly dir: string) {}

  objectPath(sha256: string): string {
    return path.join(this.dir, 'objects', sha256.slice(0, 2), sha256.slice(2));
  }

  private runPath(fp: string): string {
    return path.join(this.dir, 'runs', fp.slice(0, 2), `${fp.slice(2)}.json`);
  }

  hasObject(sha256: string, size?: number): boolean {
    const st = fs.statSync(this.objectPath(sha256), { throwIfNoEntry: false });
    return !!st && (size === undefined || st.size === size);
  }

  /** Copies a file whose hash is already known into the store (reflink where the filesystem can). */
  storeFile(src: string, sha256: string, size: number): void {
    if (this.hasObject(sha256, size)) return;
    const dest = this.objectPath(sha256);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = siblingTemp(dest);
    try {
      fs.copyFileSync(src, tmp, fs.constants.COPYFILE_FICLONE);
      fs.chmodSync(tmp, 0o444);
      fs.renameSync(tmp, dest);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }

  storeBytes(data: string | Uint8Array): string {
    const sha256 = sha256Bytes(data);
    const dest = this.objectPath(sha256);
    if (!fs.existsSync(dest)) writeFileAtomic(dest, data, { durable: false });
    return sha256;
  }

  readObject(sha256: string): Buffer {
    const data = fs.readFileSync(this.objectPath(sha256));
    if (sha256Bytes(data) !== sha256) throw new CorruptObjectError(`cache object ${sha256} is corrupt`);
    return data;
  }

  /** Copies an object to `dest` (a fresh path), hashing while copying; a mismatch deletes the bad object. */
  restoreFile(sha256: string, dest: string): void {
    const src = this.objectPath(sha256);
    const hash = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    const inFd = fs.openSync(src, 'r');
    const outFd = fs.openSync(dest, 'wx', 0o644);
    try {
      for (;;) {
        const n = fs.readSync(inFd, buf, 0, CHUNK, null);
        if (n === 0) break;
        hash.update(buf.subarray(0, n));
        fs.writeSync(outFd, buf, 0, n);
      }
    } finally {
      fs.closeSync(inFd);
      fs.closeSync(outFd);
    }
    if (hash.digest('hex') !== sha256) {
      fs.rmSync(dest, { force: true });
      fs.rmSync(src, { force: true });
      throw new CorruptObjectError(`cache object ${sha256} is corrupt (removed)`);
    }
  }

  readRun(fp: string): RunRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.runPath(fp), 'utf8')) as RunRecord;
    } catch {
      return undefined;
    }
  }

  writeRun(fp: string, record: RunRecord): void {
    writeFileAtomic(this.runPath(fp), `${JSON.stringify(record)}\n`, { durable: false });
  }

  /** Whether every object a run record needs is present. */
  complete(record: RunRecord): boolean {
    return record.outs.every((o) => (o.tree ? o.tree.every((f) => this.hasObject(f.sha256, f.size)) : this.hasObject(o.sha256, o.size)));
  }

  *runs(): Generator<{ fp: string; record: RunRecord; file: string }> {
    const base = path.join(this.dir, 'runs');
    for (const a of safeList(base)) {
      for (const b of safeList(path.join(base, a))) {
        const file = path.join(base, a, b);
        const fp = a + b.replace(/\.json$/, '');
        const record = this.readRun(fp);
        if (record) yield { fp, record, file };
      }
    }
  }

  *objects(): Generator<{ sha256: string; file: string }> {
    const base = path.join(this.dir, 'objects');
    for (const a of safeList(base)) {
      for (const b of safeList(path.join(base, a))) {
        if (!b.startsWith('.')) yield { sha256: a + b, file: path.join(base, a, b) };
      }
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}
