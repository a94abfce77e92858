/** A pipeline opened for work: its DAG, pipe.lock, the caches and the state folder `.pipe/`. */
import os from 'node:os';
import path from 'node:path';
import { Cache } from './cache.js';
import { CodeGraph } from './code.js';
import { loadPipeline, type LoadOptions, type Pipeline, type StageInstance } from './config.js';
import { buildDag, type Dag } from './dag.js';
import { explainChange, fingerprint, lockedFacts, sameJson, stageFacts, hashedPath, type Facts, type HashedPath, type LockEntry } from './facts.js';
import { HASH_FORMAT } from './hashing.js';
import { StatCache } from './stat-cache.js';
import { LockStore, type LockFile } from './lockfile.js';
import { ParseCache } from './parse-cache.js';

export const STATE_DIR = '.pipe';

export interface OpenOptions extends LoadOptions {
  cacheDir?: string;
}

export class Project {
  readonly stateDir: string;
  readonly cache: Cache;
  readonly stat: StatCache;
  readonly code: CodeGraph;

  private constructor(
    readonly pipeline: Pipeline,
    readonly dag: Dag,
    readonly locks: LockStore,
    readonly parsed: ParseCache,
    cacheDir: string | undefined,
  ) {
    this.stateDir = path.join(pipeline.root, STATE_DIR);
    const dir = cacheDir ?? process.env['PIPE_CACHE_DIR'] ?? pipeline.cacheDir ?? path.join(STATE_DIR, 'cache');
    this.cache = new Cache(path.resolve(pipeline.root, dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(2)) : dir));
    this.stat = new StatCache(path.join(this.stateDir, 'state', 'stat-cache.bin'));
    this.code = new CodeGraph(this.stat, parsed);
  }

  static async open(file: string, options: OpenOptions = {}): Promise<Project> {
    const parsed = new ParseCache(path.join(path.dirname(path.resolve(file)), STATE_DIR, 'state', 'parsed.json'));
    const pipeline = await loadPipeline(file, options, parsed);
    const dag = buildDag(pipeline);
    const locks = await LockStore.open(pipeline.root, path.join(pipeline.root, STATE_DIR), parsed);
    return new Project(pipeline, dag, locks, parsed, options.cacheDir);
  }

  /** Persists the stat and parse caches. */
  saveState(): void {
    this.stat.save();
    this.parsed.save();
  }

  /** pipe.lock as last read or written by this process. */
  get lock(): LockFile {
    return this.locks.current;
  }

  get root(): string {
    return this.pipeline.root;
  }

  abs(p: string): string {
    return path.resolve(this.root, p);
  }

  stage(name: string): StageInstance {
    return this.pipeline.stages.get(name)!;
  }

  /** Current facts of a stage, or the list of its dependencies that do not exist (yet). An absent optional
   * dependency is left out of the facts, so its appearance reads as a new dependency. */
  facts(stage: StageInstance): { facts: Facts } | { missing: string[] } {
    const deps: HashedPath[] = [];
    const missing: string[] = [];
    for (const d of stage.deps) {
      const h = this.stat.hashPath(this.abs(d.path));
      if (h) deps.push(hashedPath(d.path, h));
      else if (!d.optional) missing.push(d.path);
    }
    if (missing.length) return { missing };
    const code = stage.run ? this.code.closure(this.root, stage.run) : undefined;
    return { facts: stageFacts(stage, code, deps) };
  }

  /** Outputs on disk that differ from what `entry` recorded: ["out/a.txt missing", …]. */
  outputDrift(stage: StageInstance, outs: readonly HashedPath[]): string[] {
    const recorded = new Map(outs.map((o) => [o.path, o]));
    const drift: string[] = [];
    for (const o of stage.outs) {
      const want = recorded.get(o.path);
      const have = this.stat.hashPath(this.abs(o.path));
      if (!have) drift.push(`output ${o.path}: missing`);
      else if (!want) drift.push(`output ${o.path}: not recorded`);
      else if (have.sha256 !== want.sha256) drift.push(`output ${o.path}: modified (${want.sha256.slice(0, 12)} → ${have.sha256.slice(0, 12)})`);
    }
    return drift;
  }

  /** Why the stage is not up to date according to pipe.lock (empty when it is). */
  staleness(stage: StageInstance, facts: Facts): string[] {
    const lock = this.lock;
    const entry: LockEntry | undefined = lock.stages[stage.name];
    if (!entry) return ['never ran (no entry in pipe.lock)'];
    if (lock.schema !== HASH_FORMAT) return [`hash format changed: v${lock.schema} → v${HASH_FORMAT}`];
    const before = lockedFacts(entry);
    if (!sameJson(before, facts) && fingerprint(before) !== fingerprint(facts)) {
      const reasons = explainChange(before, facts);
      return reasons.length ? reasons : ['recorded facts differ'];
    }
    return this.outputDrift(stage, entry.outs);
  }
}
