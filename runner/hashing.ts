/**
 * Content hashes of files and directories (SHA-256), with a stat cache so that unchanged files are not read
 * again. A cache entry is trusted only when (device, inode, size, mtime, ctime) all match and the file was not
 * modified within RACY_MS before it was hashed (a write in the same timestamp tick would otherwise go unseen, the
 * "racy git" problem). Times are Node's millisecond doubles, whose sub-microsecond resolution carries the
 * filesystem's nanosecond stamps; BigInt stats would cost a quarter more per file for nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { writeFileAtomic } from '../lib/atomic.js';

/** Bumped whenever the meaning of a recorded hash changes; enters every stage fingerprint. */
export const HASH_FORMAT = 1;
const RACY_MS = 2000;
const CHUNK = 1 << 20;

export interface FileHash {
  sha256: string;
  size: number;
}

export interface TreeEntry extends FileHash {
  /** Path relative to the directory, forward slashes. */
  path: string;
}

export interface PathHash extends FileHash {
  /** Present for directories: number of files (recursively). */
  nfiles?: number;
  /** Present for directories: the files, sorted by path. */
  tree?: TreeEntry[];
}

type Entry = [dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number, sha256: string, hashedAtMs: number];

/** The stat cache on disk: parallel columns, which (de)serialise much faster than 20,000 small arrays. */
interface StoredEntries {
  paths: string[];
  /** dev, ino, size, mtime, ctime, hashed-at (ms) per entry. */
  numbers: Float64Array;
  /** The entries' SHA-256 hex digests, concatenated. */
  hashes: string;
}
const FIELDS = 6;

const buffer = Buffer.allocUnsafe(CHUNK);

export function sha256Bytes(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Reads and hashes a whole file. */
export function sha256File(file: string): FileHash {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buffer : buffer.subarray(0, n));
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

/** The hash of a directory: of its sorted (path, hash, size) listing; empty directories are not part of it. */
export function treeHash(tree: readonly TreeEntry[]): PathHash {
  const listing = tree.map((e) => `${e.sha256} ${e.size} ${e.path}\n`).join('');
  return {
    sha256: sha256Bytes(`pipe-tree-v1\n${listing}`),
    size: tree.reduce((s, e) => s + e.size, 0),
    nfiles: tree.length,
    tree: [...tree],
  };
}

/**
 * Hash of a file or directory (following symbolic links), or undefined when the path does not exist;
 * `hashFile` hashes the regular files.
 */
export function hashPathWith(abs: string, hashFile: (file: string, st: fs.Stats) => FileHash): PathHash | undefined {
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isDirectory()) return hashFile(abs, st);
  const tree: TreeEntry[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const child = `${dir}/${d.name}`;
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        walk(child, childRel);
        continue;
      }
      if (!d.isFile() && !d.isSymbolicLink()) continue;
      const cst = fs.statSync(child, { throwIfNoEntry: false });
      if (cst?.isDirectory()) walk(child, childRel);
      else if (cst?.isFile()) {
        const h = hashFile(child, cst);
        tree.push({ path: childRel, sha256: h.sha256, size: h.size });
      }
    }
  };
  walk(abs.endsWith('/') ? abs.slice(0, -1) : abs, '');
  tree.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return treeHash(tree);
}

export class StatCache {
  /** Entries as loaded: path → row of `loaded` (kept columnar; most are only ever compared, never copied). */
  private readonly index = new Map<string, number>();
  private loaded: Omit<StoredEntries, 'paths'> = { numbers: new Float64Array(0), hashes: '' };
  /** Entries added, changed (an Entry) or removed (null) since loading. */
  private readonly changes = new Map<string, Entry | null>();

  constructor(private readonly file?: string) {
    if (!file) return;
    let stored: StoredEntries;
    try {
      stored = v8.deserialize(fs.readFileSync(file)) as StoredEntries;
    } catch {
      return; // A missing or unreadable cache only costs re-hashing.
    }
    const { paths, numbers, hashes } = stored ?? {};
    const wellFormed =
      Array.isArray(paths) && numbers instanceof Float64Array && numbers.length === paths.length * FIELDS && typeof hashes === 'string' && hashes.length === paths.length * 64;
    if (!wellFormed) return; // Written by another version: rebuilt as files are hashed.
    this.loaded = { numbers, hashes };
    paths.forEach((p, i) => this.index.set(p, i));
  }

  private entry(abs: string): Entry | undefined {
    const changed = this.changes.get(abs);
    if (changed !== undefined) return changed ?? undefined;
    const i = this.index.get(abs);
    if (i === undefined) return undefined;
    const n = this.loaded.numbers;
    const o = i * FIELDS;
    return [n[o]!, n[o + 1]!, n[o + 2]!, n[o + 3]!, n[o + 4]!, this.loaded.hashes.slice(i * 64, i * 64 + 64), n[o + 5]!];
  }

  /** The recorded hash when the file's stat signature is unchanged and it was hashed after its last write. */
  private trusted(abs: string, st: fs.Stats): string | undefined {
    const fresh = (dev: number, ino: number, size: number, mtime: number, ctime: number, hashedAt: number): boolean =>
      dev === st.dev && ino === st.ino && size === st.size && mtime === st.mtimeMs && ctime === st.ctimeMs && mtime + RACY_MS < hashedAt && ctime + RACY_MS < hashedAt;
    const changed = this.changes.get(abs);
    if (changed !== undefined) return changed && fresh(changed[0], changed[1], changed[2], changed[3], changed[4], changed[6]) ? changed[5] : undefined;
    const i = this.index.get(abs);
    if (i === undefined) return undefined;
    // Compared in place in the loaded columns: this runs for every file on every check.
    const n = this.loaded.numbers;
    const o = i * FIELDS;
    return fresh(n[o]!, n[o + 1]!, n[o + 2]!, n[o + 3]!, n[o + 4]!, n[o + 5]!) ? this.loaded.hashes.slice(i * 64, i * 64 + 64) : undefined;
  }

  /** Hash of a file, read only when its stat signature changed. `st` may be passed when already known. */
  hashFile(abs: string, st: fs.Stats = fs.statSync(abs)): FileHash {
    const known = this.trusted(abs, st);
    if (known) return { sha256: known, size: st.size };
    const hashedAt = Date.now();
    const h = sha256File(abs);
    this.remember(abs, st, h.sha256, hashedAt);
    return h;
  }

  /** Records a hash computed elsewhere (e.g. while copying), for a file whose stat is `st`. */
  remember(abs: string, st: fs.Stats, sha256: string, hashedAt = Date.now()): void {
    this.changes.set(abs, [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs, sha256, hashedAt]);
  }

  /** Hash of a file or directory, or undefined when the path does not exist. */
  hashPath(abs: string): PathHash | undefined {
    return hashPathWith(abs, (file, st) => this.hashFile(file, st));
  }

  /** Drops entries of files that no longer exist, e.g. during `pipe gc`. */
  prune(): number {
    let n = 0;
    for (const p of new Set([...this.index.keys(), ...this.changes.keys()])) {
      if (this.entry(p) && !fs.existsSync(p)) {
        this.changes.set(p, null);
        n += 1;
      }
    }
    return n;
  }

  save(): void {
    if (!this.file || this.changes.size === 0) return;
    const paths = [...new Set([...this.index.keys(), ...this.changes.keys()])].filter((p) => this.changes.get(p) !== null);
    const numbers = new Float64Array(paths.length * FIELDS);
    const hashes: string[] = [];
    paths.forEach((p, i) => {
      const e = this.entry(p)!;
      numbers.set([e[0], e[1], e[2], e[3], e[4], e[6]], i * FIELDS);
      hashes.push(e[5]);
    });
    const stored: StoredEntries = { paths, numbers, hashes: hashes.join('') };
    writeFileAtomic(this.file, v8.serialize(stored), { durable: false });
    this.loaded = stored;
    this.index.clear();
    paths.forEach((p, i) => this.index.set(p, i));
    this.changes.clear();
  }
}
