/**
 * bounds: the paper's reference points on the rows the eval stage scores — the uniform prediction (upper
 * bound) and the human bootstrap (lower bound) — per row and as metrics in the eval stage's layout. See
 * survey/bootstrap.ts.
 *
 * deps: the split folder; the ingested tables of every wave the rows of the split's evaluation sets name (artifacts/tables/, or
 * each artifacts/tables/<WAVE>/); config/waves.yaml (family and curated ordinals file of each wave — declare
 * those files too), config/exclusions.yaml (how families mark refusals and missing codes) and
 * config/subpopulations.yaml (group membership rules); config/high-relevance.yaml (every set is also scored
 * without the authors' high-relevance questions).
 * params: bootstrap_samples (100), seed (42), eval_file ('' = none; an external SubPOP-format file gets the
 * uniform bound only, having no respondents, as do rows of the authors' released files).
 * outs: artifacts/bounds/ with bounds.jsonl and metrics.json, byte-identical for the same inputs and seed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { evalSetFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { findWave, loadWaveManifest } from '../net/waves.js';
import { loadExclusions } from '../survey/aggregate.js';
import { humanBound, rowSeed, seededDraw, uniformBound, weightedCounts } from '../survey/bootstrap.js';
import { rowRespondents, type Respondents, type WaveTables } from '../survey/bootstrap-members.js';
import { loadEvalSets, type EvalRow } from '../survey/evaluate-sets.js';
import { jsonNumber, overall, summarise } from '../survey/evaluate-summary.js';
import { highRelevanceQkeys, loadHighRelevance } from '../survey/high-relevance.js';
import { loadSubpopulations } from '../survey/subpopulations.js';

/** Tolerance when checking that the respondents reproduce a row's distribution. */
const SHARE_TOLERANCE = 1e-9;

function configDep(ctx: StageContext, name: string): string {
  const file = ctx.deps.find((d) => path.basename(d) === name);
  if (!file) throw new Error(`${ctx.name}: no ${name} among the dependencies; depend on config/${name}`);
  return file;
}

const trim = (p: string): string => path.normalize(p).replace(/\/+$/, '');
const isInside = (file: string, dir: string): boolean => trim(file) === trim(dir) || trim(file).startsWith(`${trim(dir)}/`);

/** Where each wave's tables are: a dependency that is the wave's folder or holds it. */
function waveTables(ctx: StageContext, rows: readonly EvalRow[], wavesFile: string): Map<string, WaveTables> {
  const manifest = loadWaveManifest(wavesFile);
  const out = new Map<string, WaveTables>();
  for (const wave of new Set(rows.map((r) => r.wave!))) {
    const entry = findWave(manifest, wave);
    if (!entry) throw new Error(`${wavesFile}: no wave ${wave} (named by the split's rows)`);
    const tables = ctx.deps
      .flatMap((d) => (path.basename(d) === wave ? [d] : [path.join(d, wave)]))
      .find((d) => fs.existsSync(path.join(d, 'questions.parquet')));
    if (!tables) throw new Error(`${ctx.name}: no ingested tables of wave ${wave} among the dependencies; depend on artifacts/tables/`);
    const ordinals = typeof entry.ordinals === 'string' ? entry.ordinals : undefined;
    // The curated ordinals decide which answer codes count, so they must be hashed with the stage's inputs.
    if (ordinals && !ctx.deps.some((d) => isInside(ordinals, d))) throw new Error(`${ctx.name}: declare ${ordinals} (the curated ordinals of ${wave}) under deps`);
    out.set(wave, { family: entry.family, tables, ...(ordinals ? { ordinals } : {}) });
  }
  return out;
}

/** Throws unless the respondents' weighted shares are the row's responses (same data, same membership). */
function checkShares(row: EvalRow, r: Respondents): void {
  const counts = weightedCounts(r, row.responses.length);
  const total = counts.reduce((a, b) => a + b, 0);
  if (!(total > 0) || row.responses.some((p, i) => Math.abs(counts[i]! / total - p) > SHARE_TOLERANCE)) {
    const shares = total > 0 ? [...counts].map((c) => c / total) : [];
    throw new Error(
      `${row.where}: the ingested tables give ${row.attribute}/${row.group} on ${row.qkey} (${row.wave}) the shares ` +
        `${JSON.stringify(shares)} from ${r.positions.length} respondents, not the row's ${JSON.stringify(row.responses)}; ` +
        'the rows and the tables (or the config files) are out of step — rerun the aggregation',
    );
  }
}

export async function runBounds(ctx: StageContext): Promise<void> {
  const p = new StageParams(ctx.name, ctx.params);
  const samples = p.int('bootstrap_samples', 100);
  const seed = p.int('seed', 42, 0);
  const evalFile = p.string('eval_file', '');
  const [outDir] = ctx.outs.filter((o) => !ctx.metrics.includes(o));
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/bounds/ under outs`);

  const sets = loadEvalSets(evalSetFiles(ctx.name, ctx.deps), evalFile || undefined);
  const highRelevance = highRelevanceQkeys(loadHighRelevance(configDep(ctx, 'high-relevance.yaml')));
  // Only rows aggregated here have respondents to resample; released and external rows get the uniform bound.
  const sampled = sets.flatMap((s) => s.rows).filter((r) => r.n_respondents !== null);
  const respondents = await rowRespondents(sampled, {
    waves: waveTables(ctx, sampled, configDep(ctx, 'waves.yaml')),
    rules: loadExclusions(configDep(ctx, 'exclusions.yaml')).families,
    groups: loadSubpopulations(configDep(ctx, 'subpopulations.yaml')).groups,
    threads: Math.max(1, ctx.resources.cpus),
  });
  const byRow = new Map(sampled.map((row, i) => [row, respondents[i]!]));

  const lines: string[] = [];
  const total = sets.reduce((n, s) => n + s.rows.length, 0);
  let done = 0;
  const setMetrics = [];
  for (const set of sets) {
    const uniform: number[] = [];
    const human: number[] = [];
    for (const row of set.rows) {
      const r = byRow.get(row);
      if (r) checkShares(row, r);
      uniform.push(uniformBound(row.responses, row.ordinal));
      human.push(r ? humanBound(r, row.responses, row.ordinal, samples, seededDraw(rowSeed(seed, [row.wave, row.qkey, row.attribute, row.group]))) : Number.NaN);
      lines.push(
        JSON.stringify({
          set: set.name,
          qkey: row.qkey,
          wave: row.wave,
          attribute: row.attribute,
          group: row.group,
          n_respondents: r ? r.positions.length : null,
          uniform: jsonNumber(uniform.at(-1)!),
          human: jsonNumber(human.at(-1)!),
        }),
      );
      if (++done % 256 === 0) {
        ctx.progress({ done, total, unit: 'rows' });
        await new Promise((resolve) => setImmediate(resolve));
        if (ctx.signal.aborted) throw new Error('bounds cancelled');
      }
    }
    const scores = (values: number[]) => set.rows.map((row, i) => ({ attribute: row.attribute, group: row.group, wd: values[i]! }));
    const hasHuman = set.rows.some((r) => byRow.has(r));
    const kept = set.rows.map((r) => !highRelevance.has(r.qkey));
    const highRelevanceRows = kept.filter((x) => !x).length;
    const without = (values: number[]) => overall(summarise(scores(values).filter((_, i) => kept[i])));
    setMetrics.push({
      name: set.name,
      file: set.file,
      rows: set.rows.length,
      skipped_rows: set.skipped,
      uniform: summarise(scores(uniform)),
      human: hasHuman ? summarise(scores(human)) : null,
      high_relevance_rows: highRelevanceRows,
      without_high_relevance: highRelevanceRows ? { rows: set.rows.length - highRelevanceRows, uniform: without(uniform), human: hasHuman ? without(human) : null } : null,
    });
  }
  const metrics = validate('bounds-metrics', { bootstrap: { samples, seed }, sets: setMetrics }, `${outDir}/metrics.json`);
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'bounds.jsonl'), lines.map((l) => `${l}\n`).join(''));
  writeFileAtomic(path.join(outDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
}

export default defineStage(runBounds);
