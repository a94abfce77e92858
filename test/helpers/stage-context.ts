/** A stage context for calling stage functions directly, as the runner would. */
import { noCheckpoints } from '../../runner/checkpoints.js';
import type { StageContext } from '../../runner/stage.js';

/** Defaults: no params, deps or outs, one CPU, the current directory as the project root, progress ignored, no
 * checkpoints. */
export function stageContext(over: Partial<StageContext>): StageContext {
  return {
    name: 'stage',
    params: {},
    item: undefined,
    key: undefined,
    deps: [],
    outs: [],
    metrics: [],
    env: {},
    resources: { cpus: 1, gpus: 0, mem: 0 },
    root: process.cwd(),
    signal: new AbortController().signal,
    progress: () => {},
    checkpoints: noCheckpoints,
    ...over,
  };
}
