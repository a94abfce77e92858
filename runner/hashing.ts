/**
 * Content hashes (SHA-256) of bytes, files and directory trees, as recorded in pipe.lock and the cache.
 * runner/stat-cache.ts decides when a file must be read again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

/** Bumped whenever the meaning of a recorded hash changes; enters every stage fingerprint. */
export const HASH_FORMAT = 1;
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

