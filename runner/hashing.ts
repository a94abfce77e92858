/**
 * Content hashes of files and directories (SHA-256), with a stat cache so that unchanged files are not read
 * again. A cache entry is trusted only when (device, inode, size, mtime_ns, ctime_ns) all match and the file
 * was not modified within RACY_NS before it was hashed (a write in the same timestamp tick would otherwise go
 * unseen, the "racy git" problem).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { writeFileAtomic } from '../lib/atomic.js';

/** Bumped whenever the meaning of a recorded hash changes; enters every stage fingerprint. */
export const HASH_FORMAT = 1;
const RACY_NS = 2_000_000_000n;
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

type Entry = [dev: bigint, ino: bigint, size: bigint, mtimeNs: bigint, ctimeNs: bigint, sha256: string, hashedAtNs: bigint];

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
export function hashPathWith(abs: string, hashFile: (file: string, st: fs.BigIntStats) => FileHash): PathHash | undefined {
  const st = fs.statSync(abs, { bigint: true, throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isDirectory()) return hashFile(abs, st);
  const tree: TreeEntry[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const child = path.join(dir, d.name);
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        walk(child, childRel);
        continue;
      }
      if (!d.isFile() && !d.isSymbolicLink()) continue;
      const cst = fs.statSync(child, { bigint: true, throwIfNoEntry: false });
      if (cst?.isDirectory()) walk(child, childRel);
      else if (cst?.isFile()) tree.push({ path: childRel, ...hashFile(child, cst) });
    }
  };
  walk(abs, '');
  tree.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return treeHash(tree);
}

export class StatCache {
  private entries = new Map<string, Entry>();
  private dirty = false;

  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const loaded = v8.deserialize(fs.readFileSync(file)) as [string, ...Entry][];
      for (const [p, ...e] of loaded) this.entries.set(p, e as Entry);
    } catch {
      // A missing or unreadable cache only costs re-hashing.
    }
  }

  /** Hash of a file, read only when its stat signature changed. `st` may be passed when already known. */
  hashFile(abs: string, st: fs.BigIntStats = fs.statSync(abs, { bigint: true })): FileHash {
    const e = this.entries.get(abs);
    if (
      e &&
      e[0] === st.dev &&
      e[1] === st.ino &&
      e[2] === st.size &&
      e[3] === st.mtimeNs &&
      e[4] === st.ctimeNs &&
      st.mtimeNs + RACY_NS < e[6] &&
      st.ctimeNs + RACY_NS < e[6]
    ) {
      return { sha256: e[5], size: Number(st.size) };
    }
    const hashedAt = BigInt(Date.now()) * 1_000_000n;
    const h = sha256File(abs);
    this.remember(abs, st, h.sha256, hashedAt);
    return h;
  }

  /** Records a hash computed elsewhere (e.g. while copying), for a file whose stat is `st`. */
  remember(abs: string, st: fs.BigIntStats, sha256: string, hashedAt = BigInt(Date.now()) * 1_000_000n): void {
    this.entries.set(abs, [st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs, sha256, hashedAt]);
    this.dirty = true;
  }

  /** Hash of a file or directory, or undefined when the path does not exist. */
  hashPath(abs: string): PathHash | undefined {
    return hashPathWith(abs, (file, st) => this.hashFile(file, st));
  }

  forget(abs: string): void {
    if (this.entries.delete(abs)) this.dirty = true;
  }

  /** Drops entries of files that no longer exist, e.g. during `pipe gc`. */
  prune(): number {
    let n = 0;
    for (const p of this.entries.keys()) {
      if (!fs.existsSync(p)) {
        this.entries.delete(p);
        n += 1;
      }
    }
    if (n) this.dirty = true;
    return n;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    const rows = Array.from(this.entries, ([p, e]) => [p, ...e]);
    writeFileAtomic(this.file, v8.serialize(rows), { durable: false });
    this.dirty = false;
  }
}
