/** Shared pieces of the eval and report tests: a stage context and a small split of synthetic rows. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StageContext } from '../../runner/stage.js';
import { syntheticRows } from '../../bench/lm-synthetic.js';
import { rowsJsonl, type SubpopRow } from '../../survey/rows.js';

export const tmp = (prefix = 'eval-test-'): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export function ctx(over: Partial<StageContext>): StageContext {
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
    ...over,
  };
}

/**
 * A split of synthetic rows: train Q1–Q2, val Q3 and test Q4 of one wave (22 groups each). Two test rows are
 * edited: one gets a non-ordinal option (ordinal −1), one all-equal ordinals (WD undefined).
 */
export function writeSplit(dir: string): Record<'train' | 'val' | 'test', SubpopRow[]> {
  const rows = syntheticRows(3, 1, 4);
  const by = (q: string) => rows.filter((r) => r.qkey.startsWith(`${q}_`));
  const test = by('Q4').map((r) => ({ ...r }));
  test[0]!.ordinal = test[0]!.ordinal.map((o, i) => (i === test[0]!.ordinal.length - 1 ? -1 : o));
  test[1]!.ordinal = test[1]!.ordinal.map(() => 1);
  const split = { train: [...by('Q1'), ...by('Q2')], val: by('Q3'), test };
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, list] of Object.entries(split)) fs.writeFileSync(path.join(dir, `${name}.jsonl`), rowsJsonl(list));
  return split;
}

export const TINY_PARAMS = { seed: 1, tiny_vocab: 300, tiny_hidden: 16, tiny_intermediate: 32, tiny_layers: 1, tiny_heads: 2, tiny_kv_heads: 2 };

/** JSONL text → objects. */
export const jsonl = (file: string): Record<string, unknown>[] =>
  fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
