/**
 * aggregate: the ingested tables of every wave of a wave set → one row per (question, subpopulation) in
 * `ctx.outs[0]` (`artifacts/rows/`): rows.jsonl, rows.parquet, population.jsonl and summary.json. See
 * survey/aggregate.ts and survey/aggregate-stage.ts.
 *
 * Params: `waveset` (a set of config/waves.yaml), `groups` (a set of config/subpopulations.yaml; default: the
 * file's default), `min_n` (fewest respondents per row), `questions` (`listed`, the default: each wave's
 * allowlisted questions; `all`: every labelled question). Deps: config/waves.yaml, config/subpopulations.yaml,
 * config/exclusions.yaml, survey/aggregate.sql, each wave's `artifacts/tables/<WAVE>/`, and every file those
 * name that the run reads (curated ordinals, allowlists, the group set's CSV, the exclusions' qkeys_files; or a
 * folder holding it), with config/subpop-release.yaml when one lies in the release mirror.
 */
import path from 'node:path';
import { StageParams } from '../lib/stage-params.js';
import { defineStage } from '../runner/stage.js';
import { QUESTION_SELECTIONS, type QuestionSelection } from '../survey/aggregate.js';
import { aggregateForStage } from '../survey/aggregate-stage.js';

export default defineStage(async (ctx) => {
  const p = new StageParams(ctx.name, ctx.params);
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare artifacts/rows/ under outs`);
  const groups = ctx.params['groups'] == null ? undefined : p.string('groups');
  const questions = p.string('questions', 'listed', QUESTION_SELECTIONS) as QuestionSelection;
  const { summary } = await aggregateForStage(ctx, { waveset: p.string('waveset'), groups, minN: p.int('min_n', 1), questions, outDir });
  const skipped = summary.waves.reduce((n, w) => n + w.skipped.length, 0);
  const listed = summary.waves.flatMap((w) => (w.allowlist ? [w.allowlist] : []));
  const found = listed.length ? `; ${listed.reduce((n, a) => n + a.found, 0)} of ${listed.reduce((n, a) => n + a.listed, 0)} allowlisted questions found` : '';
  const note = `${summary.rows} rows; ${skipped} wave × group pairs skipped, ${summary.below_min_n} rows below min_n${found} (see ${path.join(outDir, 'summary.json')})`;
  ctx.progress({ done: 3, total: 3, unit: 'steps', note });
});
