/**
 * split: subpopulation rows → `artifacts/split/` train.jsonl, val.jsonl, test.jsonl, one <name>.jsonl per
 * further evaluation set (the `eval_set` of evaluation waves) and manifest.json, split by question with a seeded
 * shuffle (survey/split.ts).
 *
 * Rows come from the aggregation (`artifacts/rows/`, a dependency holding rows.jsonl) and from the authors'
 * released files (each `artifacts/released/<ID>/`, holding released.json and rows.jsonl, whose role it says),
 * whichever the wave set has. Params: `waveset` (the roles of survey waves come from config/waves.yaml),
 * `seed`, `train_ratio` (default 0.9), `split_by` (question, the default, or stem), `split_shuffle` (auto, the
 * default: the authors' numpy shuffle when every training row comes from a released file, whose order is
 * theirs, else canonical; or canonical, or numpy), and optionally `holdout_waves`, `holdout_groups`
 * (`ATTRIBUTE/Group`), `holdout_attributes` (lists; their rows go to test).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJson } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';
import { StageParams } from '../lib/stage-params.js';
import { loadWaveManifest } from '../net/waves.js';
import { defineStage } from '../runner/stage.js';
import { readRows, rowsJsonl, type SubpopRow } from '../survey/rows.js';
import { SPLIT_SHUFFLES, SPLIT_UNITS, SPLITS, splitRows, type Role, type SplitShuffle, type SplitUnit } from '../survey/split.js';

interface ReleasedSource {
  id: string;
  role: Role;
  file: string;
  location: string;
  sha256: string;
}

export default defineStage((ctx) => {
  const p = new StageParams(ctx.name, ctx.params);
  const list = (name: string): string[] => {
    const v = ctx.params[name];
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0) ? [] : p.strings(name);
  };
  const waveset = p.string('waveset');
  const wavesFile = ctx.deps.find((d) => path.normalize(d) === 'config/waves.yaml');
  const [outDir] = ctx.outs;
  if (!wavesFile || !outDir) throw new Error(`${ctx.name}: declare config/waves.yaml under deps and artifacts/split/ under outs`);
  const manifest = loadWaveManifest(wavesFile);
  const set = Object.hasOwn(manifest.sets, waveset) ? manifest.sets[waveset] : undefined;
  if (!set) throw new Error(`${ctx.name}: config/waves.yaml has no wave set "${waveset}"`);
  const roles = new Map(Object.entries(set).map(([id, e]) => [id, e.role as Role]));
  const evalSets = new Map(Object.entries(set).flatMap(([id, e]) => (typeof e.eval_set === 'string' ? [[id, e.eval_set] as const] : [])));

  // Aggregated rows first, then each released file in dependency order; rows keep their file order.
  const rows: SubpopRow[] = [];
  const sources: string[] = [];
  const released: ReleasedSource[] = [];
  for (const dep of ctx.deps) {
    if (fs.existsSync(path.join(dep, 'released.json'))) {
      const source = readJson<ReleasedSource>(path.join(dep, 'released.json'), 'released-source');
      roles.set(source.id, source.role);
      released.push(source);
    } else if (!fs.existsSync(path.join(dep, 'rows.jsonl'))) continue;
    const file = path.join(dep, 'rows.jsonl');
    rows.push(...readRows(file));
    sources.push(file);
  }
  if (!sources.length) throw new Error(`${ctx.name}: no rows among the dependencies; depend on artifacts/rows/ (survey waves) or artifacts/released/<ID>/ (released files)`);

  const shuffle = p.string('split_shuffle', 'auto', ['auto', ...SPLIT_SHUFFLES]);
  const releasedTraining = new Set(released.filter((s) => s.role === 'train').map((s) => s.id));
  const training = rows.filter((r) => roles.get(r.wave) === 'train');
  const auto: SplitShuffle = training.length > 0 && training.every((r) => releasedTraining.has(r.wave)) ? 'numpy' : 'canonical';
  const { rows: out, manifest: splitManifest } = splitRows(
    rows,
    {
      seed: p.int('seed', 42, 0),
      trainRatio: p.number('train_ratio', 0.9),
      by: p.string('split_by', 'question', SPLIT_UNITS) as SplitUnit,
      shuffle: shuffle === 'auto' ? auto : (shuffle as SplitShuffle),
      roles,
      holdoutWaves: list('holdout_waves'),
      holdoutGroups: list('holdout_groups'),
      holdoutAttributes: list('holdout_attributes'),
      evalSets,
    },
    sources.join(', '),
  );
  const written = [...SPLITS, ...splitManifest.eval_sets];
  for (const s of written) writeFileAtomic(path.join(outDir, `${s}.jsonl`), rowsJsonl(out[s]!));
  // Which released files the rows came from, so that reports can name what was scored.
  const withSources = { ...splitManifest, released: released.map(({ id, role, file, location, sha256 }) => ({ id, role, file, location, sha256 })) };
  validate('split-manifest', withSources, 'split manifest');
  writeFileAtomic(path.join(outDir, 'manifest.json'), `${JSON.stringify(withSources, null, 2)}\n`);
  ctx.progress({ done: 1, total: 1, note: written.map((s) => `${s} ${splitManifest.rows[s]}`).join(', ') });
});
