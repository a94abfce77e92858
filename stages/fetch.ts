/**
 * fetch@<WAVE>: brings one survey wave file into `artifacts/raw/<WAVE>/` as `<WAVE>.sav` (or `.zsav`) with
 * its provenance in `source.json`. `ctx.item` is the wave's manifest entry (config/waves.yaml), `ctx.key`
 * its id; the inbox folder comes from the manifest. See net/fetch-wave.ts.
 */
import { defineStage } from '../runner/stage.js';
import { fetchWave } from '../net/fetch-wave.js';
import { defaultManifest, findWave, loadWaveManifest, validateWaveEntry } from '../net/waves.js';

export default defineStage(async (ctx) => {
  const wave = ctx.key;
  if (!wave) throw new Error(`${ctx.name}: fetch runs once per wave (foreach over a wave set of ${defaultManifest})`);
  const manifest = loadWaveManifest(defaultManifest);
  const entry =
    ctx.item === undefined
      ? findWave(manifest, wave)
      : validateWaveEntry(wave, ctx.item, `${ctx.name}: the foreach item`);
  if (!entry) throw new Error(`${ctx.name}: no wave ${wave} in ${defaultManifest}`);
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/raw/${wave}/ under outs`);
  await fetchWave({
    wave,
    entry,
    outDir,
    inbox: manifest.inbox,
    root: ctx.root,
    env: ctx.env,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress(p),
  });
});
