/**
 * aggregate: the ingested tables of every wave of a wave set → one row per (question, subpopulation) in
 * `ctx.outs[0]` (`artifacts/rows/`): rows.jsonl, rows.parquet, population.jsonl and summary.json. See
 * survey/aggregate.ts.
 *
 * Params: `waveset` (a set of config/waves.yaml), `groups` (a set of config/subpopulations.yaml; default: the
 * file's default), `min_n` (fewest respondents per row). Deps: config/waves.yaml, config/subpopulations.yaml,
 * config/exclusions.yaml, survey/aggregate.sql, each wave's `artifacts/tables/<WAVE>/`, and each curated
 * ordinals file the wave set names (or a folder holding it).
 */
import path from 'node:path';
import { StageParams } from '../lib/stage-params.js';
import { defineStage } from '../runner/stage.js';
import { aggregateForStage } from '../survey/aggregate-stage.js';

export default defineStage(async (ctx) => {
  const p = new StageParams(ctx.name, ctx.params);
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare artifacts/rows/ under outs`);
  const groups = ctx.params['groups'] == null ? undefined : p.string('groups');
  const summary = await aggregateForStage(ctx, { waveset: p.string('waveset'), groups, minN: p.int('min_n', 1), outDir });
  const skipped = summary.waves.reduce((n, w) => n + w.skipped.length, 0);
  const note = `${summary.rows} rows; ${skipped} wave × group pairs skipped, ${summary.below_min_n} rows below min_n (see ${path.join(outDir, 'summary.json')})`;
  ctx.progress({ done: 3, total: 3, unit: 'steps', note });
});
