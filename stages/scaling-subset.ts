/**
 * scaling-subset: one nested, seeded subset of the training questions for the data-scaling experiment
 * (survey/scaling.ts); one instance per fraction (`foreach: ${scaling_fractions}`, the fraction is the item).
 *
 * deps: the split folder (train.jsonl).
 * params: seed, split_by (subsets keep whole questions, or whole stems).
 * outs: artifacts/scaling/subsets/<fraction>/ with train.jsonl (the kept rows, in the split's order) and
 * subset.json (schemas/scaling-subset.schema.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { splitFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { defineStage, type StageContext } from '../runner/stage.js';
import { readRows, rowsJsonl } from '../survey/rows.js';
import { checkFraction, nestedSubset } from '../survey/scaling.js';
import { SPLIT_UNITS, type SplitUnit } from '../survey/split.js';

export function runScalingSubset(ctx: StageContext): void {
  const p = new StageParams(ctx.name, ctx.params);
  const fraction = checkFraction(ctx.item, `${ctx.name} (scaling_fractions)`);
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/scaling/subsets/<fraction>/ under outs`);
  const { train } = splitFiles(ctx.name, ctx.deps, ['train']);
  const { rows, ...info } = nestedSubset(readRows(train), fraction, p.int('seed', 42, 0), p.string('split_by', 'question', SPLIT_UNITS) as SplitUnit);
  const subset = validate('scaling-subset', { ...info, rows: rows.length }, `${outDir}/subset.json`);
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'train.jsonl'), rowsJsonl(rows));
  writeFileAtomic(path.join(outDir, 'subset.json'), `${JSON.stringify(subset, null, 2)}\n`);
  ctx.progress({ done: 1, total: 1, note: `${info.units} of ${info.of_units} questions, ${rows.length} rows` });
}

export default defineStage(runScalingSubset);
