/**
 * train: LoRA fine-tuning of a base model on the split's train rows, keeping the adapter with the best
 * validation loss, written in PEFT format to `artifacts/models/<model>/adapter/` with metrics.json and
 * losses.jsonl. See lm/train.ts. It checkpoints into the runner's checkpoints of this exact run after every
 * epoch and every `checkpoint_every` (pipeline.yaml), so a rerun after kill -9, Ctrl-C or a cluster time limit
 * continues from there and writes the same adapter.
 *
 * deps: the split folder, and for `tiny` the built base model (artifacts/models/tiny/base/); other models
 * are read from the models folder (config/models.yaml) and checked before anything is loaded.
 * params: model, seed, steering, warmup_ratio, lora_r, lora_alpha, lora_dropout, backend, and lr, epochs, batch_size,
 * grad_accum, lora_targets, target (observed | normalised | authors) and train_letters (both | space), which take the
 * model's default from config/models.yaml when null.
 */
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { splitFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { LETTER_SPELLINGS, type LetterSpelling } from '../lm/readout.js';
import { checkModelWeights, TRAIN_TARGETS, trainDefaults, type TrainTarget } from '../lm/registry.js';
import { trainLora } from '../lm/train.js';
import { STEERING_STYLES, type SteeringStyle } from '../survey/prompts.js';
import { readRows } from '../survey/rows.js';

/** The base model directory: the registry's folder for downloaded models, the dependency for built ones. */
export function baseModelDir(ctx: StageContext, model: string): string {
  const downloaded = checkModelWeights(model, ctx.root, ctx.env);
  if (downloaded) return downloaded;
  const dep = ctx.deps.find((d) => path.normalize(d).split(path.sep).includes('models'));
  if (!dep) throw new Error(`${ctx.name}: model ${model} is built by the pipeline; depend on artifacts/models/${model}/base/`);
  return dep;
}

export async function runTrain(ctx: StageContext): Promise<void> {
  const p = new StageParams(ctx.name, ctx.params);
  const model = p.string('model', 'tiny');
  // Params left null take the model's defaults from config/models.yaml.
  const defaults = trainDefaults(model);
  const modelDir = baseModelDir(ctx, model);
  const outDir = ctx.outs.find((o) => !ctx.metrics.includes(o)) ?? ctx.outs[0];
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/models/${model}/adapter/ under outs`);
  const files = splitFiles(ctx.name, ctx.deps, ['train', 'val']);
  await trainLora({
    modelDir,
    modelName: model,
    outDir,
    train: readRows(files.train),
    val: readRows(files.val),
    seed: p.int('seed', 42, 0),
    steering: p.string('steering', 'QA', [...STEERING_STYLES, 'ALL']) as SteeringStyle | 'ALL',
    lr: p.number('lr', defaults.lr, (v) => v > 0, 'a positive number'),
    epochs: p.int('epochs', defaults.epochs),
    batchSize: p.int('batch_size', defaults.batch_size),
    gradAccum: p.int('grad_accum', defaults.grad_accum),
    warmupRatio: p.number('warmup_ratio', 0.1, (v) => v >= 0 && v < 1, 'in [0, 1)'),
    target: p.string('target', defaults.target, TRAIN_TARGETS) as TrainTarget,
    letters: p.string('train_letters', defaults.train_letters, LETTER_SPELLINGS) as LetterSpelling,
    lora: {
      r: p.int('lora_r', 8),
      alpha: p.number('lora_alpha', 32, (v) => v > 0, 'a positive number'),
      dropout: p.number('lora_dropout', 0.05, (v) => v >= 0 && v < 1, 'in [0, 1)'),
      targets: p.strings('lora_targets', defaults.lora_targets),
    },
    backend: p.string('backend', 'auto'),
    // Declared cpus bound the gradient processes; undeclared, one per available core.
    workers: ctx.resources.cpus > 0 ? ctx.resources.cpus : undefined,
    log: (line) => console.log(line),
    progress: ({ done, total, note }) => ctx.progress({ done, total, unit: 'steps', note }),
    signal: ctx.signal,
    checkpoints: ctx.checkpoints,
  });
}

export default defineStage(runTrain);
