/**
 * Checkpoints of long stages, owned by the runner. Each stage run has a folder keyed by its fingerprint —
 * `.pipe/checkpoints/<fingerprint>/` — so a checkpoint is only ever offered to a run with the same code,
 * command, params, dependencies and env. Inside, every checkpoint is a numbered folder the stage filled plus
 * `checkpoint.json` (what it holds, when, and the SHA-256 of every file). A checkpoint is written under a
 * temporary name, synced to disk and renamed into place, so it appears whole or not at all; one whose files
 * do not match their hashes (torn by a crash of the disk's cache, or edited) is reported and never loaded.
 * The runner removes a fingerprint's checkpoints once its run is committed; `pipe gc` removes those nobody
 * will resume.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { sha256File } from './hashing.js';
import type { Checkpoint, Checkpoints } from './stage.js';

export interface CheckpointManifest {
  stage: string;
  /** What the stage said the checkpoint holds, e.g. "epoch 3/6". */
  at: string;
  savedAt: string;
  /** Relative path → SHA-256 of every file the stage wrote. */
  files: Record<string, string>;
}

export const MANIFEST = 'checkpoint.json';
/** A fingerprint folder names its stage in this file, written before its first checkpoint. */
const STAGE_FILE = 'stage';

export const checkpointsDir = (stateDir: string): string => path.join(stateDir, 'checkpoints');
export const checkpointDir = (stateDir: string, fp: string): string => path.join(checkpointsDir(stateDir), fp);

/** Complete checkpoints of a fingerprint folder, newest first. */
function numbered(dir: string): { seq: number; dir: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n))
    .map((n) => ({ seq: Number(n), dir: path.join(dir, n) }))
    .sort((a, b) => b.seq - a.seq);
}

function listFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return listFiles(dir, p);
    if (!e.isFile()) throw new Error(`checkpoint file ${p} is neither a file nor a folder`);
    return p === MANIFEST ? [] : [p];
  });
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The manifest of a checkpoint folder, unverified; undefined when missing or unreadable. */
export function readManifest(dir: string): CheckpointManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as CheckpointManifest;
  } catch {
    return undefined;
  }
}

/** Why a checkpoint folder cannot be trusted, or undefined when every file matches its manifest. */
export async function damage(dir: string): Promise<string | undefined> {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as CheckpointManifest;
  } catch (err) {
    return `${MANIFEST} unreadable (${(err as Error).message})`;
  }
  const { validate } = await import('../lib/schema.js');
  try {
    validate('checkpoint', manifest, path.join(dir, MANIFEST));
  } catch (err) {
    return (err as Error).message;
  }
  const present = listFiles(dir).sort();
  const listed = Object.keys(manifest.files).sort();
  const extra = present.filter((f) => !(f in manifest.files));
  if (extra.length) return `files not in ${MANIFEST}: ${extra.join(', ')}`;
  for (const f of listed) {
    if (!present.includes(f)) return `${f} is missing`;
    if (sha256File(path.join(dir, f)).sha256 !== manifest.files[f]) return `${f} does not match its SHA-256 in ${MANIFEST}`;
  }
  return undefined;
}

/** The stage a fingerprint folder belongs to, or undefined when it does not say. */
export function checkpointStage(stateDir: string, fp: string): string | undefined {
  try {
    return fs.readFileSync(path.join(checkpointDir(stateDir, fp), STAGE_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/** The newest checkpoint of a fingerprint, unverified (for `pipe status`). */
export function newestCheckpoint(stateDir: string, fp: string): CheckpointManifest | undefined {
  for (const c of numbered(checkpointDir(stateDir, fp))) {
    const m = readManifest(c.dir);
    if (m) return m;
  }
  return undefined;
}

export interface StoreOptions {
  stage: string;
  /** Minutes between checkpoints that `due()` asks for. */
  everyMinutes: number;
  /** Where messages about skipped checkpoints go. */
  log(line: string): void;
  /** Told after every save, e.g. to answer the runner's request for a checkpoint. */
  saved?(at: string): void;
}

let tmpCounter = 0;

/** The `ctx.checkpoints` of a stage run whose checkpoint folder is `dir`. */
export class CheckpointStore implements Checkpoints {
  private last = Date.now();
  private requested = false;

  constructor(
    private readonly dir: string,
    private readonly options: StoreOptions,
  ) {}

  /** The runner asks for a checkpoint at the next opportunity (e.g. a Slurm job nearing its time limit). */
  request(): void {
    this.requested = true;
  }

  due(): boolean {
    return this.requested || Date.now() - this.last >= this.options.everyMinutes * 60_000;
  }

  async latest(): Promise<Checkpoint | undefined> {
    for (const c of numbered(this.dir)) {
      const why = await damage(c.dir);
      if (why) {
        this.options.log(`checkpoint ${c.dir} is damaged (${why}); ignored`);
        continue;
      }
      const m = readManifest(c.dir)!;
      return { dir: c.dir, at: m.at, savedAt: m.savedAt };
    }
    return undefined;
  }

  async save(at: string, write: (dir: string) => void | Promise<void>): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    if (!fs.existsSync(path.join(this.dir, STAGE_FILE))) writeFileAtomic(path.join(this.dir, STAGE_FILE), this.options.stage);
    tmpCounter += 1;
    const tmp = path.join(this.dir, `.tmp-${process.pid}-${tmpCounter}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
    try {
      await write(tmp);
      const files: Record<string, string> = {};
      for (const f of listFiles(tmp).sort()) {
        files[f] = sha256File(path.join(tmp, f)).sha256;
        fsyncPath(path.join(tmp, f));
      }
      const manifest: CheckpointManifest = { stage: this.options.stage, at, savedAt: new Date().toISOString(), files };
      writeFileAtomic(path.join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      fsyncPath(tmp);
      const older = numbered(this.dir);
      const seq = (older[0]?.seq ?? 0) + 1;
      fs.renameSync(tmp, path.join(this.dir, String(seq)));
      fsyncPath(this.dir);
      for (const o of older) fs.rmSync(o.dir, { recursive: true, force: true });
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    this.last = Date.now();
    this.requested = false;
    this.options.saved?.(at);
  }
}

/** Checkpoints for code that runs outside the runner: nothing to resume, nothing kept. */
export const noCheckpoints: Checkpoints = {
  due: () => false,
  latest: async () => undefined,
  save: async () => {},
};
