/**
 * aggregate: the ingested tables of every wave of a wave set → one row per (question, subpopulation) in
 * `ctx.outs[0]` (`artifacts/rows/`): rows.jsonl, rows.parquet and summary.json. See survey/aggregate.ts.
 *
 * Params: `waveset` (a set of config/waves.yaml), `groups` (a set of config/subpopulations.yaml; default: the
 * file's default), `min_n` (fewest respondents per row). Deps: config/waves.yaml, config/subpopulations.yaml,
 * config/exclusions.yaml, survey/aggregate.sql, each wave's `artifacts/tables/<WAVE>/`, and each curated
 * ordinals file the wave set names (or a folder holding it).
 */
import path from 'node:path';
import { StageParams } from '../lib/stage-params.js';
import { loadWaveManifest } from '../net/waves.js';
import { defineStage, type StageContext } from '../runner/stage.js';
import { aggregate, loadExclusions } from '../survey/aggregate.js';
import { groupSet, loadSubpopulations } from '../survey/subpopulations.js';

const trim = (p: string) => path.normalize(p).replace(/\/+$/, '');

/** The declared dependency at `file`, or the declared folder that holds it. */
function declared(ctx: StageContext, file: string, hint: string): string {
  const want = trim(file);
  const hit = ctx.deps.find((d) => trim(d) === want || want.startsWith(`${trim(d)}/`));
  if (!hit) throw new Error(`${ctx.name}: ${hint}: declare ${file} under deps`);
  return file;
}

export default defineStage(async (ctx) => {
  const p = new StageParams(ctx.name, ctx.params);
  const waveset = p.string('waveset');
  const minN = p.int('min_n', 1);
  const manifest = loadWaveManifest(declared(ctx, 'config/waves.yaml', 'the wave manifest'));
  const set = Object.hasOwn(manifest.sets, waveset) ? manifest.sets[waveset] : undefined;
  if (!set) throw new Error(`${ctx.name}: config/waves.yaml has no wave set "${waveset}" (sets: ${Object.keys(manifest.sets).join(', ')})`);
  const subpopsFile = declared(ctx, 'config/subpopulations.yaml', 'the subpopulations');
  const subpops = loadSubpopulations(subpopsFile);
  const groups = p.string('groups', subpops.default);
  const exclusionsFile = declared(ctx, 'config/exclusions.yaml', 'the exclusions');
  declared(ctx, 'survey/aggregate.sql', 'the aggregation SQL');

  const waves = Object.entries(set).map(([id, entry]) => {
    const tables = ctx.deps.find((d) => path.basename(trim(d)) === id);
    if (!tables) throw new Error(`${ctx.name}: no tables for wave ${id}: declare artifacts/tables/${id}/ under deps`);
    const ordinals = typeof entry.ordinals === 'string' ? declared(ctx, entry.ordinals, `curated ordinals of ${id}`) : undefined;
    return { id, family: entry.family, tables, ordinals };
  });
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare artifacts/rows/ under outs`);

  let step = 0;
  const summary = await aggregate({
    waves,
    groups: groupSet(subpops, groups, subpopsFile),
    exclusions: loadExclusions(exclusionsFile),
    exclusionsFile,
    minN,
    outDir,
    waveset,
    groupSet: groups,
    threads: ctx.resources.cpus || undefined,
    memoryLimit: ctx.resources.mem || undefined,
    signal: ctx.signal,
    progress: (note) => ctx.progress({ done: step++, total: 3, unit: 'steps', note }),
  });
  const skipped = summary.waves.reduce((n, w) => n + w.skipped.length, 0);
  const note = `${summary.rows} rows; ${skipped} wave × group pairs skipped, ${summary.below_min_n} rows below min_n (see ${path.join(outDir, 'summary.json')})`;
  ctx.progress({ done: 3, total: 3, unit: 'steps', note });
});
