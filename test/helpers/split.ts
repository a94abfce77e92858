/** A small split of synthetic rows and a tiny model's params, shared by the lm, eval and report tests. */
import fs from 'node:fs';
import path from 'node:path';
import { syntheticRows } from '../../bench/lm-synthetic.js';
import { rowsJsonl, type SubpopRow } from '../../survey/rows.js';

/**
 * Writes train Q1–Q2, val Q3 and test Q4 of one wave (22 groups each). Two test rows are edited: one gets a
 * non-ordinal option (ordinal −1), one all-equal ordinals (WD undefined).
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

/** The tiny-model stage's params for a one-layer model with hidden size 16, small enough for quick tests. */
export const TINY_PARAMS = { seed: 1, tiny_vocab: 300, tiny_hidden: 16, tiny_intermediate: 32, tiny_layers: 1, tiny_heads: 2, tiny_kv_heads: 2 };
