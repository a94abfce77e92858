/**
 * marginal: the population-marginal baseline (survey/marginal.ts) on the rows the eval stage scores — every
 * group predicted by the question's weighted distribution over all respondents.
 *
 * deps: the split folder (val.jsonl, test.jsonl) and the rows folder (population.jsonl).
 * params: eval_file ('' = none; an external file's rows have no population distribution and are counted, not
 * scored).
 * outs: artifacts/marginal/ with marginal.jsonl (per row) and metrics.json, byte-identical for the same inputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { splitFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { loadEvalSets, SPLIT_SETS } from '../survey/evaluate-sets.js';
import { marginalLine, populationIndex, scoreMarginal } from '../survey/marginal.js';
import { readRows } from '../survey/rows.js';

export function runMarginal(ctx: StageContext): void {
  const p = new StageParams(ctx.name, ctx.params);
  const evalFile = p.string('eval_file', '');
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/marginal/ under outs`);
  const populationFile = ctx.deps.map((d) => path.join(d, 'population.jsonl')).find((f) => fs.existsSync(f));
  if (!populationFile) throw new Error(`${ctx.name}: no population.jsonl among the dependencies; depend on artifacts/rows/ (the aggregate stage's output)`);

  const sets = loadEvalSets(splitFiles(ctx.name, ctx.deps, [...SPLIT_SETS]), evalFile || undefined);
  const scored = scoreMarginal(sets, populationIndex(readRows(populationFile), populationFile), populationFile);
  const metrics = validate('marginal-metrics', { sets: scored.sets }, `${outDir}/metrics.json`);
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'marginal.jsonl'), scored.rows.map((r) => `${marginalLine(r)}\n`).join(''));
  writeFileAtomic(path.join(outDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  ctx.progress({ done: 1, total: 1, note: `${scored.rows.length} rows` });
}

export default defineStage(runMarginal);
