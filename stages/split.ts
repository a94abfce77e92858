/**
 * split: `artifacts/rows/rows.jsonl` → `artifacts/split/` train.jsonl, val.jsonl, test.jsonl, one <name>.jsonl per
 * further evaluation set (the `eval_set` of evaluation waves) and manifest.json, split by question with a seeded
 * shuffle (survey/split.ts).
 *
 * Params: `waveset` (roles come from config/waves.yaml), `seed`, `train_ratio` (default 0.9), `split_by` (question,
 * the default, or stem), and optionally
 * `holdout_waves`, `holdout_groups` (`ATTRIBUTE/Group`), `holdout_attributes` (lists; their rows go to test).
 * Deps: artifacts/rows/ and config/waves.yaml.
 */
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { StageParams } from '../lib/stage-params.js';
import { loadWaveManifest } from '../net/waves.js';
import { defineStage } from '../runner/stage.js';
import { readRows, rowsJsonl } from '../survey/rows.js';
import { SPLIT_UNITS, SPLITS, splitRows, type Role, type SplitUnit } from '../survey/split.js';

export default defineStage((ctx) => {
  const p = new StageParams(ctx.name, ctx.params);
  const list = (name: string): string[] => {
    const v = ctx.params[name];
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0) ? [] : p.strings(name);
  };
  const waveset = p.string('waveset');
  const rowsDir = ctx.deps.find((d) => path.basename(path.normalize(d).replace(/\/+$/, '')) === 'rows');
  const wavesFile = ctx.deps.find((d) => path.normalize(d) === 'config/waves.yaml');
  const [outDir] = ctx.outs;
  if (!rowsDir || !wavesFile || !outDir) {
    throw new Error(`${ctx.name}: declare artifacts/rows/ and config/waves.yaml under deps and artifacts/split/ under outs`);
  }
  const manifest = loadWaveManifest(wavesFile);
  const set = Object.hasOwn(manifest.sets, waveset) ? manifest.sets[waveset] : undefined;
  if (!set) throw new Error(`${ctx.name}: config/waves.yaml has no wave set "${waveset}"`);
  const roles = new Map(Object.entries(set).map(([id, e]) => [id, e.role as Role]));
  const evalSets = new Map(Object.entries(set).flatMap(([id, e]) => (typeof e.eval_set === 'string' ? [[id, e.eval_set] as const] : [])));

  const rowsFile = path.join(rowsDir, 'rows.jsonl');
  const { rows, manifest: splitManifest } = splitRows(
    readRows(rowsFile),
    {
      seed: p.int('seed', 42, 0),
      trainRatio: p.number('train_ratio', 0.9),
      by: p.string('split_by', 'question', SPLIT_UNITS) as SplitUnit,
      roles,
      holdoutWaves: list('holdout_waves'),
      holdoutGroups: list('holdout_groups'),
      holdoutAttributes: list('holdout_attributes'),
      evalSets,
    },
    rowsFile,
  );
  const written = [...SPLITS, ...splitManifest.eval_sets];
  for (const s of written) writeFileAtomic(path.join(outDir, `${s}.jsonl`), rowsJsonl(rows[s]!));
  validate('split-manifest', splitManifest, 'split manifest');
  writeFileAtomic(path.join(outDir, 'manifest.json'), `${JSON.stringify(splitManifest, null, 2)}\n`);
  ctx.progress({ done: 1, total: 1, note: written.map((s) => `${s} ${splitManifest.rows[s]}`).join(', ') });
});
