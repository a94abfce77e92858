/**
 * The contract between the runner and a `run:` stage module.
 *
 * A stage module default-exports `defineStage(async (ctx) => { ... })`. The runner starts it in its own
 * process with the working directory set to a staging copy of the project root: every path of the project is
 * readable there under its usual relative name, and the declared outputs are fresh, private paths that are
 * published atomically (renamed into place) only after the function resolves. A stage therefore never
 * deletes or half-writes a good output, and it must write nothing but its declared outputs.
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
  /** Interpolated dependency paths, relative to the working directory. */
  readonly deps: readonly string[];
  /** Interpolated output paths (metrics included), relative to the working directory. Parent directories
   * exist; an output declared with a trailing `/` exists as an empty directory. */
  readonly outs: readonly string[];
  /** The metrics outputs, a subset of `outs`. */
  readonly metrics: readonly string[];
  /** Declared environment variables (values as seen by the runner) and secrets. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly resources: StageResources;
  /** Absolute path of the real project root, for messages; read and write through relative paths. */
  readonly root: string;
  /** Aborted when the run is cancelled; long loops should check it. */
  readonly signal: AbortSignal;
  /** Reports progress to the runner's live view (throttled; plain lines when not on a TTY). */
  progress(p: Progress): void;
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
