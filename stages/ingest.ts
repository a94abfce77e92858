/**
 * ingest@<WAVE>: the fetched wave file (`ctx.deps[0]`, `artifacts/raw/<WAVE>/`) → the Parquet tables of
 * docs/data-model.md and ingest.json in `ctx.outs[0]` (`artifacts/tables/<WAVE>/`). `ctx.item` is the wave's
 * manifest entry (config/waves.yaml). See survey/ingest.ts.
 */
import { defineStage } from '../runner/stage.js';
import { validateWaveEntry } from '../net/waves.js';
import { ingestWave } from '../survey/ingest.js';

export default defineStage(async (ctx) => {
  const wave = ctx.key;
  if (!wave) throw new Error(`${ctx.name}: ingest runs once per wave (foreach over a wave set)`);
  const entry = validateWaveEntry(wave, ctx.item, `${ctx.name}: the foreach item`);
  const [inputDir] = ctx.deps;
  const [outDir] = ctx.outs;
  if (!inputDir || !outDir) throw new Error(`${ctx.name}: declare the wave folder artifacts/raw/${wave}/ under deps and artifacts/tables/${wave}/ under outs`);
  await ingestWave({
    wave,
    entry,
    inputDir,
    outDir,
    threads: Math.max(1, ctx.resources.cpus),
    signal: ctx.signal,
    progress: (done, total) => ctx.progress({ done, total, unit: 'respondents' }),
  });
});
