/**
 * The default pipeline's training, timed end to end: build the `tiny` model from the split, then LoRA-train
 * it with the given params, and print wall time and the loss curve's start and end. Uses the demo split in
 * artifacts/split/ when present, otherwise synthetic rows of the same size (7 waves × 30 questions × 22
 * groups, split 9:1 by question).
 *
 *   npx tsx bench/train-demo.ts [--epochs 6] [--lr 2e-4] [--batch 32] [--steering QA] [--workers 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TINY, writeTinyModel } from '../lm/tiny.js';
import { trainLora } from '../lm/train.js';
import { buildPrompt, STEERING_STYLES, type SteeringStyle } from '../survey/prompts.js';
import { trainingData } from './training-data.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '6' },
    lr: { type: 'string', default: '2e-4' },
    batch: { type: 'string', default: '32' },
    steering: { type: 'string', default: 'QA' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
  },
});

const { train, val, all, source } = trainingData();

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-train-demo-'));
const t0 = performance.now();
writeTinyModel(path.join(work, 'base'), all.flatMap((r) => STEERING_STYLES.map((s) => buildPrompt(r, r, s))), DEFAULT_TINY, 42);
const built = (performance.now() - t0) / 1000;
const { metrics, seconds, tokensPerSecond } = await trainLora({
  modelDir: path.join(work, 'base'),
  modelName: 'tiny',
  outDir: path.join(work, 'adapter'),
  train,
  val,
  seed: 42,
  steering: args.steering as SteeringStyle,
  lr: Number(args.lr),
  epochs: Number(args.epochs),
  batchSize: Number(args.batch),
  gradAccum: 1,
  warmupRatio: 0.1,
  target: 'observed',
  letters: 'both',
  lora: { r: 8, alpha: 32, dropout: 0.05, targets: ['q_proj', 'v_proj'] },
  workers: Number(args.workers),
  log: (l) => console.log(l),
});
const total = (performance.now() - t0) / 1000;
const lines = fs.readFileSync(path.join(work, 'adapter', 'losses.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const steps = lines.filter((l) => 'loss' in l);
const mean = (xs: { loss: number }[]) => xs.reduce((a, b) => a + b.loss, 0) / xs.length;
const k = Math.max(1, Math.floor(steps.length / 20));
console.log(`data: ${source}: ${train.length} train / ${val.length} val rows`);
console.log(`tiny model built in ${built.toFixed(1)} s; training ${seconds.toFixed(1)} s on ${metrics.backend} with ${metrics.workers} process(es), ${Math.round(tokensPerSecond)} tokens/s`);
console.log(`train KL, mean of the first ${k} steps: ${mean(steps.slice(0, k)).toFixed(4)}; of the last ${k}: ${mean(steps.slice(-k)).toFixed(4)}`);
console.log(`val KL per epoch: ${lines.filter((l) => 'val_loss' in l).map((l) => l.val_loss.toFixed(4)).join(', ')} (best epoch ${metrics.best_epoch})`);
console.log(`total wall time: ${total.toFixed(1)} s`);
fs.rmSync(work, { recursive: true, force: true });
