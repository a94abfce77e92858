/**
 * unseen: the unseen-subpopulation evaluation set (survey/unseen.ts). Aggregates the wave set for the wider
 * group set (param `unseen_groups`, default opinionqa61) and keeps the rows of the groups the main split never
 * trains on, on questions it never trains or validates on.
 *
 * deps: those of the aggregate stage (config/waves.yaml, config/subpopulations.yaml, config/exclusions.yaml,
 * survey/aggregate.sql, the wave set's tables and curated ordinals) and the main split folder.
 * params: waveset, unseen_groups, min_n, questions (as for the aggregate stage).
 * outs: artifacts/unseen/rows/ (the wider aggregation: rows.jsonl, rows.parquet, population.jsonl,
 * summary.json) and artifacts/unseen/split/ (val.jsonl, test.jsonl and unseen.json, the seen, unseen and absent
 * groups; the eval and bounds stages score it like the main split).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { splitFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { defineStage } from '../runner/stage.js';
import { QUESTION_SELECTIONS, type QuestionSelection } from '../survey/aggregate.js';
import { aggregateForStage } from '../survey/aggregate-stage.js';
import { readRows, rowsJsonl } from '../survey/rows.js';
import { groupsNotFormed, unseenSplit } from '../survey/unseen.js';

export default defineStage(async (ctx) => {
  const p = new StageParams(ctx.name, ctx.params);
  const groups = p.string('unseen_groups', 'opinionqa61');
  const [rowsOut, splitOut] = ctx.outs;
  if (!rowsOut || !splitOut) throw new Error(`${ctx.name}: declare artifacts/unseen/rows/ and artifacts/unseen/split/ under outs`);
  // The main split is read before the long aggregation, so a missing file fails fast.
  const files = splitFiles(ctx.name, ctx.deps, ['train', 'val', 'test']);
  const split = { train: readRows(files.train), val: readRows(files.val), test: readRows(files.test) };

  const questions = p.string('questions', 'listed', QUESTION_SELECTIONS) as QuestionSelection;
  const wide = await aggregateForStage(ctx, { waveset: p.string('waveset'), groups, minN: p.int('min_n', 1), questions, outDir: rowsOut });
  const result = unseenSplit(readRows(path.join(rowsOut, 'rows.jsonl')), split, wide.groups, groups, groupsNotFormed(wide.summary));

  fs.mkdirSync(splitOut, { recursive: true });
  writeFileAtomic(path.join(splitOut, 'val.jsonl'), rowsJsonl(result.val));
  writeFileAtomic(path.join(splitOut, 'test.jsonl'), rowsJsonl(result.test));
  const manifest = validate('unseen-manifest', result.manifest, `${splitOut}/unseen.json`);
  writeFileAtomic(path.join(splitOut, 'unseen.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.progress({ done: 3, total: 3, unit: 'steps', note: `${result.manifest.unseen.length} unseen groups (val ${result.val.length}, test ${result.test.length} rows), ${result.manifest.absent.length} absent` });
});
