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

function readText(root: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * pipe.lock as this process knows it. The file is parsed again only when its text differs from what this
 * process last read or wrote, so a run that records stage after stage does not re-parse it each time.
 * Updates are read-modify-write under a mutex shared by all `pipe` processes of the project, behind an
 * in-process queue so that concurrent stages of one run update in turn.
 */
export class LockStore {
  private text: string | undefined;
  private lock: LockFile = { schema: HASH_FORMAT, stages: {} };
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly root: string,
    private readonly stateDir: string,
  ) {}

  /** Opens pipe.lock; its first parse may come from `cache`. A missing file is an empty lock. */
  static async open(root: string, stateDir: string, cache?: ParseCache): Promise<LockStore> {
    const store = new LockStore(root, stateDir);
    const text = readText(root);
    if (text !== undefined) {
      const parse = (): Promise<LockFile> => parseLock(text, LOCK_FILE);
      store.lock = structuredClone(cache ? await cache.get('lock', text, parse) : await parse());
      store.text = text;
    }
    return store;
  }

  get current(): LockFile {
    return this.lock;
  }

  /** Picks up changes other processes made to pipe.lock. */
  async refresh(): Promise<LockFile> {
    const text = readText(this.root);
    if (text !== this.text) {
      this.lock = text === undefined ? { schema: HASH_FORMAT, stages: {} } : await parseLock(text, LOCK_FILE);
      this.text = text;
    }
    return this.lock;
  }

  update(mutate: (lock: LockFile) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const mutex = await FileLock.acquire(path.join(this.stateDir, 'locks', 'pipe.lock.lock'), 'updating pipe.lock');
      try {
        const lock = await this.refresh();
        lock.schema = HASH_FORMAT;
        mutate(lock);
        const after = serializeLock(lock);
        if (after !== this.text) {
          writeFileAtomic(path.join(this.root, LOCK_FILE), after);
          this.text = after;
        }
      } finally {
        mutex.release();
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
