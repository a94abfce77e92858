/**
 * pipe.lock: what last ran, one self-contained block per stage in name order, keys in a fixed order, no
 * timestamps — so reruns leave it byte-identical and two branches that touched different stages merge cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { HASH_FORMAT } from './hashing.js';
import type { HashedPath, LockEntry } from './facts.js';
import { FileLock } from './locks.js';
import type { ParseCache } from './parse-cache.js';

export const LOCK_FILE = 'pipe.lock';

export interface LockFile {
  schema: number;
  stages: Record<string, LockEntry>;
}

export class LockFileError extends Error {
  override readonly name = 'LockFileError';
}

const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./@+ -]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~|[-+]?(?:\d[\d_]*)?\.?\d*(?:e[-+]?\d+)?|\.inf|\.nan|0x[0-9a-f]+|0o[0-7]+|[\d:]+)$/i;

function scalar(v: unknown): string {
  if (typeof v === 'string') return PLAIN.test(v) && !RESERVED.test(v) && !v.endsWith(' ') ? v : JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return JSON.stringify(v) ?? 'null';
}

/** A value in YAML flow style: JSON syntax with the same quoting rules as scalars. */
function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${scalar(k)}: ${flow(x)}`).join(', ')}}`;
  }
  return scalar(v);
}

function map(lines: string[], indent: string, key: string, obj: Record<string, unknown> | undefined): void {
  const entries = Object.entries(obj ?? {});
  if (entries.length === 0) return;
  lines.push(`${indent}${key}:`);
  for (const [k, v] of entries) lines.push(`${indent}  ${scalar(k)}: ${flow(v)}`);
}

function paths(lines: string[], indent: string, key: string, list: HashedPath[] | undefined): void {
  if (!list?.length) return;
  lines.push(`${indent}${key}:`);
  for (const p of list) {
    lines.push(`${indent}- path: ${scalar(p.path)}`, `${indent}  sha256: ${scalar(p.sha256)}`, `${indent}  size: ${p.size}`);
    if (p.nfiles !== undefined) lines.push(`${indent}  nfiles: ${p.nfiles}`);
  }
}

export function serializeLock(lock: LockFile): string {
  const lines = ['# Written by `pipe run`: what ran, per stage. Commit it; do not edit by hand.', `schema: ${lock.schema}`, 'stages:'];
  for (const name of Object.keys(lock.stages).sort()) {
    const e = lock.stages[name]!;
    lines.push(`  ${scalar(name)}:`);
    if (e.cmd) {
      if (e.cmd.length === 1) lines.push(`    cmd: ${scalar(e.cmd[0])}`);
      else {
        lines.push('    cmd:');
        for (const c of e.cmd) lines.push(`    - ${scalar(c)}`);
      }
    }
    if (e.run) lines.push(`    run: ${scalar(e.run)}`);
    map(lines, '    ', 'code', e.code);
    if (e.item !== undefined) lines.push(`    item: ${flow(e.item)}`);
    map(lines, '    ', 'params', e.params);
    map(lines, '    ', 'env', e.env);
    paths(lines, '    ', 'deps', e.deps);
    paths(lines, '    ', 'outs', e.outs);
    if (e.metrics && Object.keys(e.metrics).length) {
      lines.push('    metrics:');
      for (const file of Object.keys(e.metrics).sort()) map(lines, '      ', scalar(file), e.metrics[file]);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Reads pipe.lock; a missing file is an empty lock. Errors name `pipe.lock:line:col`. */
export async function readLock(root: string, cache?: ParseCache): Promise<LockFile> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, LOCK_FILE), 'utf8');
  } catch {
    return { schema: HASH_FORMAT, stages: {} };
  }
  // A copy: callers modify the lock they get.
  return structuredClone(cache ? await cache.get('lock', text, () => parseLock(text, LOCK_FILE)) : await parseLock(text, LOCK_FILE));
}

/** Parses pipe.lock text (`label` names it in errors, e.g. `pipe.lock` or `HEAD~1:pipe.lock`). */
export async function parseLock(text: string, label: string): Promise<LockFile> {
  const { loadYaml } = await import('../lib/schema.js');
  let data: LockFile;
  try {
    data = loadYaml<LockFile>('pipe-lock', label, text).data;
  } catch (err) {
    throw new LockFileError(`${(err as Error).message}\n  (${label} is damaged; fix it, or delete the broken stage block and rerun: that stage will run again)`);
  }
  data.stages ??= {};
  for (const entry of Object.values(data.stages)) {
    if (typeof entry.cmd === 'string') entry.cmd = [entry.cmd];
    entry.params ??= {};
    entry.env ??= {};
    entry.deps ??= [];
    entry.outs ??= [];
  }
  return data;
}

/** In-process queue in front of the cross-process mutex, so concurrent stages of one run update in turn. */
let queue: Promise<unknown> = Promise.resolve();

/** Read-modify-write of pipe.lock under a mutex shared by all `pipe` processes of this project. */
export function updateLock(root: string, stateDir: string, mutate: (lock: LockFile) => void): Promise<void> {
  const next = queue.then(async () => {
    const mutex = await FileLock.acquire(path.join(stateDir, 'locks', 'pipe.lock.lock'), 'updating pipe.lock');
    try {
      const lock = await readLock(root);
      const before = serializeLock(lock);
      lock.schema = HASH_FORMAT;
      mutate(lock);
      const after = serializeLock(lock);
      if (after !== before || !fs.existsSync(path.join(root, LOCK_FILE))) writeFileAtomic(path.join(root, LOCK_FILE), after);
    } finally {
      mutex.release();
    }
  });
  queue = next.catch(() => undefined);
  return next;
}
