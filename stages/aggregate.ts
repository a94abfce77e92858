/**
 * aggregate: the ingested tables of every wave of a wave set → one row per (question, subpopulation) in
 * `ctx.outs[0]` (`artifacts/rows/`): rows.jsonl, rows.parquet and summary.json. See survey/aggregate.ts.
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
import { loadWaveManifest } from '../net/waves.js';
import { defineStage, type StageContext } from '../runner/stage.js';
import { defaultReleaseManifest, defaultRelease, releasePathOf } from '../net/release.js';
import { aggregate, loadExclusions, QUESTION_SELECTIONS, type QuestionSelection } from '../survey/aggregate.js';
import type { QuestionList } from '../survey/question-lists.js';
import { groupSet, loadSubpopulations } from '../survey/subpopulations.js';

const trim = (p: string) => path.normalize(p).replace(/\/+$/, '');

/** `file` when it is declared (itself or a folder holding it), with the release manifest when it lies in the mirror. */
function declared(ctx: StageContext, file: string, hint: string): string {
  const isDeclared = (f: string) => ctx.deps.some((d) => trim(d) === trim(f) || trim(f).startsWith(`${trim(d)}/`));
  if (!isDeclared(file)) throw new Error(`${ctx.name}: ${hint}: declare ${file} under deps`);
  if (releasePathOf(defaultRelease(), file) !== undefined && !isDeclared(defaultReleaseManifest)) {
    throw new Error(`${ctx.name}: ${hint} ${file} is a pinned release file: declare ${defaultReleaseManifest} under deps`);
  }
  return file;
}

export default defineStage(async (ctx) => {
  const p = new StageParams(ctx.name, ctx.params);
  const waveset = p.string('waveset');
  const minN = p.int('min_n', 1);
  const questions = p.string('questions', 'listed', QUESTION_SELECTIONS) as QuestionSelection;
  const manifest = loadWaveManifest(declared(ctx, 'config/waves.yaml', 'the wave manifest'));
  const set = Object.hasOwn(manifest.sets, waveset) ? manifest.sets[waveset] : undefined;
  if (!set) throw new Error(`${ctx.name}: config/waves.yaml has no wave set "${waveset}" (sets: ${Object.keys(manifest.sets).join(', ')})`);
  const subpopsFile = declared(ctx, 'config/subpopulations.yaml', 'the subpopulations');
  const subpops = loadSubpopulations(subpopsFile);
  const groups = p.string('groups', subpops.default);
  const groupSetFile = subpops.sets[groups];
  if (typeof groupSetFile === 'string') declared(ctx, groupSetFile, `group set ${groups}`);
  const exclusionsFile = declared(ctx, 'config/exclusions.yaml', 'the exclusions');
  const exclusions = loadExclusions(exclusionsFile);
  for (const file of exclusions.qkeys_files ?? []) declared(ctx, file, 'qkeys_files of the exclusions');
  declared(ctx, 'survey/aggregate.sql', 'the aggregation SQL');

  const waves = Object.entries(set).map(([id, entry]) => {
    const tables = ctx.deps.find((d) => path.basename(trim(d)) === id);
    if (!tables) throw new Error(`${ctx.name}: no tables for wave ${id}: declare artifacts/tables/${id}/ under deps`);
    const ordinals = typeof entry.ordinals === 'string' ? declared(ctx, entry.ordinals, `curated ordinals of ${id}`) : undefined;
    // A GSS wave holds only its listed questions, which are therefore its allowlist.
    const allowlist = (entry.allowlist ?? (entry.family === 'gss' ? entry.questions : undefined)) as QuestionList | undefined;
    if (allowlist && !Array.isArray(allowlist) && questions === 'listed') declared(ctx, allowlist.file, `the question list of ${id}`);
    return { id, family: entry.family, role: entry.role, tables, ordinals, allowlist };
  });
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare artifacts/rows/ under outs`);

  let step = 0;
  const summary = await aggregate({
    waves,
    groups: groupSet(subpops, groups, subpopsFile),
    exclusions,
    exclusionsFile,
    minN,
    questions,
    outDir,
    waveset,
    groupSet: groups,
    threads: ctx.resources.cpus || undefined,
    memoryLimit: ctx.resources.mem || undefined,
    signal: ctx.signal,
    progress: (note) => ctx.progress({ done: step++, total: 3, unit: 'steps', note }),
  });
  const skipped = summary.waves.reduce((n, w) => n + w.skipped.length, 0);
  const listed = summary.waves.flatMap((w) => (w.allowlist ? [w.allowlist] : []));
  const found = listed.length ? `; ${listed.reduce((n, a) => n + a.found, 0)} of ${listed.reduce((n, a) => n + a.listed, 0)} allowlisted questions found` : '';
  const note = `${summary.rows} rows; ${skipped} wave × group pairs skipped, ${summary.below_min_n} rows below min_n${found} (see ${path.join(outDir, 'summary.json')})`;
  ctx.progress({ done: 3, total: 3, unit: 'steps', note });
});
