/**
 * The contract between the runner and a `run:` stage module.
 *
 * A stage module default-exports `defineStage(async (ctx) => { ... })`. The runner starts it in a process of
 * its own whose working directory is the project root itself, like a shell there (`cmd:` stages run the same
 * way): relative paths, `..`, git and `process.cwd()` behave as usual. A stage reads what it declares and
 * writes nothing but its declared outputs, `ctx.outs`.
 *
 * The outputs are written in place, yet a stage never costs the previous good outputs: before it starts, the
 * runner parks them (renames them aside, recording where in a journal), so the stage always starts from
 * fresh, empty output paths. After success the new outputs are hashed, copied into the cache and recorded in
 * pipe.lock, and the parked ones are dropped; after a failure, Ctrl-C or a cancelled Slurm job the stage's
 * processes are ended and the parked outputs put back. If the runner itself is killed (kill -9), the stage's
 * own processes notice, end the stage and put the parked outputs back; if everything was killed at once, the
 * next `pipe` command does (see runner/journal.ts). While a stage runs, its outputs are absent or partial: a
 * concurrent reader in another `pipe` process sees a missing dependency, or a dependency that changed while it
 * ran, and records nothing.
 *
 * Long stages checkpoint through `ctx.checkpoints` (see Checkpoints) so that a rerun after kill -9, Ctrl-C or a
 * cluster time limit continues where they were.
 */

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

export interface StageResources {
  cpus: number;
  gpus: number;
  /** Memory in bytes; 0 when the stage declared none. */
  mem: number;
}

export interface Progress {
  done: number;
  total?: number;
  /** Unit of `done`/`total`, e.g. "B" for bytes (rendered as kB/MB) or "steps". */
  unit?: string;
  /** A short status, e.g. "loss 0.512". */
  note?: string;
}

export interface StageContext {
  /** Instance name, e.g. `train` or `ingest@ATP_W92`. */
  readonly name: string;
  /** Values of the params the stage declares, after command-line overrides. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The current `foreach`/`matrix` value, or undefined for a plain stage. */
  readonly item: ParamValue | undefined;
  /** The current `foreach` key (the part after `@`), or undefined for a plain stage. */
  readonly key: string | undefined;
  /** Interpolated dependency paths, relative to the project root (the working directory) unless outside it. */
  readonly deps: readonly string[];
  /** Interpolated output paths (metrics included), relative to the project root. They start out absent
   * (parked by the runner) with their parent directories present; an output declared with a trailing `/`
   * exists as an empty directory. */
  readonly outs: readonly string[];
  /** The metrics outputs, a subset of `outs`. */
  readonly metrics: readonly string[];
  /** Declared environment variables (values as seen by the runner) and secrets. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly resources: StageResources;
  /** Absolute path of the project root, the working directory. */
  readonly root: string;
  /** Aborted when the run is cancelled; long loops should check it. */
  readonly signal: AbortSignal;
  /** Reports progress to the runner's live view (throttled; plain lines when not on a TTY). */
  progress(p: Progress): void;
  /** This run's checkpoints. */
  readonly checkpoints: Checkpoints;
}

/** A checkpoint as the stage saved it. */
export interface Checkpoint {
  /** Folder with the files the stage wrote; read it, never change it. */
  readonly dir: string;
  /** What the stage said it holds, e.g. "epoch 3/6"; `pipe status` shows it ("resumable from epoch 3/6"). */
  readonly at: string;
  /** ISO time of the save. */
  readonly savedAt: string;
}

/**
 * Checkpoints of exactly this run: the runner keys them by the stage's fingerprint (code, command, params,
 * dependencies, env), so a checkpoint is never offered to a run with other inputs. A stage saves at points
 * where it can resume exactly — it should, for the same inputs, end with the same outputs whether or not it
 * was interrupted — and on the next run starts from `latest()`. The runner drops them once the run succeeded.
 */
export interface Checkpoints {
  /** The newest intact checkpoint, or undefined. A damaged one is reported in the log and skipped. */
  latest(): Promise<Checkpoint | undefined>;
  /**
   * Saves a checkpoint: `write` fills a fresh, empty folder; once it resolves, the folder is synced and
   * replaces the previous checkpoint in one rename, so a checkpoint is whole or absent.
   */
  save(at: string, write: (dir: string) => void | Promise<void>): Promise<void>;
  /**
   * Whether to save at the next point where the stage can: the stage's `checkpoint_every` (default 10 minutes)
   * has passed since the last save, or the runner asked for one (a Slurm job nearing its time limit).
   */
  due(): boolean;
}

/** A stage's work; whatever it returns is ignored (a function may return results to its other callers). */
export type StageFunction = (ctx: StageContext) => unknown;

export interface StageModule {
  readonly kind: 'pipe-stage';
  readonly run: StageFunction;
}

export function defineStage(run: StageFunction): StageModule {
  return { kind: 'pipe-stage', run };
}

export function isStageModule(value: unknown): value is StageModule {
  return typeof value === 'object' && value !== null && (value as StageModule).kind === 'pipe-stage';
}
