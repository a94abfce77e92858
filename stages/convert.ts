/**
 * convert@<model>: the model's llama.cpp inputs, for evaluation with `--engine llama.cpp` (or auto):
 * model.gguf converted from the safetensors (lm/gguf/convert.ts) at the `quant` param's precision, unless the
 * engine is tfjs or `quant` names a downloaded GGUF file (lm/llamacpp/weights.ts), and adapter.gguf, the LoRA
 * adapter that eval scores as fine-tuned (lm/gguf/adapter.ts).
 *
 * deps: the base model folder (artifacts/models/tiny/base/ or the downloaded model's folder) and the adapter
 * folder (trained or released). params: model, engine, quant. outs: artifacts/gguf/<model>/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { depHolding } from '../lib/dep-folders.js';
import { StageParams } from '../lib/stage-params.js';
import { readConfig } from '../lm/config.js';
import { convertAdapter } from '../lm/gguf/adapter.js';
import { convertModel } from '../lm/gguf/convert.js';
import { chooseWeights, ENGINES } from '../lm/llamacpp/weights.js';
import { loadRegistry, modelDir } from '../lm/registry.js';

export async function runConvert(ctx: StageContext): Promise<void> {
  const p = new StageParams(ctx.name, ctx.params);
  const model = p.string('model', 'tiny');
  const engine = p.string('engine', 'auto', ENGINES);
  const quant = p.string('quant', 'auto');
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/gguf/${model}/ under outs`);
  const entry = loadRegistry().models[model];
  const baseDir = entry && 'built' in entry ? depHolding(ctx.deps, 'config.json', 'adapter_config.json') : modelDir(model, ctx.root, ctx.env);
  if (!baseDir || !fs.existsSync(path.join(baseDir, 'config.json'))) throw new Error(`${ctx.name}: no base model folder with config.json among the dependencies (model ${model})`);
  const adapterDir = depHolding(ctx.deps, 'adapter_config.json');
  if (!adapterDir) throw new Error(`${ctx.name}: no adapter among the dependencies; depend on artifacts/models/${model}/adapter/ or the released adapter's folder`);
  const config = readConfig(baseDir);
  fs.mkdirSync(outDir, { recursive: true });
  if (engine !== 'tfjs') {
    const choice = chooseWeights(model, baseDir, quant, entry, () => config);
    if (choice.kind === 'convert') {
      console.log(`converting ${baseDir} to GGUF ${choice.quant}`);
      await convertModel(baseDir, path.join(outDir, 'model.gguf'), choice.quant, {
        progress: (done, total) => ctx.progress({ done, total, unit: 'weights', note: choice.quant }),
      });
    } else console.log(`using the downloaded ${choice.file}; no conversion`);
  }
  await convertAdapter(adapterDir, config, path.join(outDir, 'adapter.gguf'));
}

export default defineStage(runConvert);
