/**
 * What checkpoints cost and what they save, for the default pipeline's training (`tiny`, lr and LoRA targets
 * from config/models.yaml, 6 epochs): the same run without checkpoints, with a checkpoint after every epoch
 * (time per save and bytes per checkpoint), and killed at 50% — cancelled right after the checkpoint of epoch
 * 3 — then resumed, against starting over. Uses the demo split in artifacts/split/ when present, otherwise
 * synthetic rows of the same size.
 *
 *   npx tsx bench/train-checkpoint.ts [--epochs 6] [--workers 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CheckpointStore as RunnerStore } from '../runner/checkpoints.js';
import { trainDefaults } from '../lm/registry.js';
import { DEFAULT_TINY, writeTinyModel } from '../lm/tiny.js';
import { trainLora, type CheckpointStore, type TrainOptions } from '../lm/train.js';
import { buildPrompt, STEERING_STYLES } from '../survey/prompts.js';
import { trainingData } from './training-data.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '6' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
  },
});
const epochs = Number(args.epochs);

const { train, val, all } = trainingData();

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-train-checkpoint-'));
const base = path.join(work, 'base');
writeTinyModel(base, all.flatMap((r) => STEERING_STYLES.map((s) => buildPrompt(r, r, s))), DEFAULT_TINY, 42);
const defaults = trainDefaults('tiny');
const options = (out: string, over: Partial<TrainOptions> = {}): TrainOptions => ({
  modelDir: base,
  modelName: 'tiny',
  outDir: path.join(work, out),
  train,
  val,
  seed: 42,
  steering: 'QA',
  lr: defaults.lr,
  epochs,
  batchSize: 32,
  gradAccum: 1,
  warmupRatio: 0.1,
  target: defaults.target,
  letters: defaults.train_letters,
  lora: { r: 8, alpha: 32, dropout: 0.05, targets: defaults.lora_targets },
  workers: Number(args.workers),
  ...over,
});

/** A store that times its saves and measures what they write. */
function timed(dir: string): { store: CheckpointStore; saves: { seconds: number; bytes: number }[] } {
  const inner = new RunnerStore(dir, { stage: 'train', everyMinutes: 1e9, log: (l) => console.log(l) });
  const saves: { seconds: number; bytes: number }[] = [];
  return {
    saves,
    store: {
      latest: () => inner.latest(),
      due: () => inner.due(),
      save: async (at, write) => {
        const t0 = performance.now();
        await inner.save(at, write);
        const seconds = (performance.now() - t0) / 1000;
        const newest = fs.readdirSync(dir).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a))[0]!;
        const bytes = fs.readdirSync(path.join(dir, newest)).reduce((n, f) => n + fs.statSync(path.join(dir, newest, f)).size, 0);
        saves.push({ seconds, bytes });
      },
    },
  };
}

const clock = async (run: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
};

const plain = await clock(() => trainLora(options('plain')));
const every = timed(path.join(work, 'ckpt-every'));
const withCheckpoints = await clock(() => trainLora(options('every', { checkpoints: every.store })));

// Killed at 50%: cancelled as soon as the checkpoint of epoch epochs/2 is saved (the cancel saves nothing new,
// since the store is not asked again before the next step), then resumed.
const half = timed(path.join(work, 'ckpt-half'));
const controller = new AbortController();
const cut = Math.floor(epochs / 2);
const killed = await clock(() =>
  trainLora(options('killed', { checkpoints: { ...half.store, save: async (at, write) => {
    if (controller.signal.aborted) return;
    await half.store.save(at, write);
    if (at === `epoch ${cut}/${epochs}`) controller.abort();
  } }, signal: controller.signal })).catch((err: Error) => {
    if (err.message !== 'training cancelled') throw err;
  }),
);
let resumedSteps = 0;
let totalSteps = 0;
const resumed = await clock(() =>
  trainLora(options('resumed', { checkpoints: half.store, progress: (p) => void ((resumedSteps += 1), (totalSteps = p.total)) })),
);
const same = fs.readFileSync(path.join(work, 'resumed', 'adapter_model.safetensors')).equals(fs.readFileSync(path.join(work, 'plain', 'adapter_model.safetensors')));

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const ms = every.saves.map((s) => s.seconds * 1000);
console.log(`data: ${train.length} train / ${val.length} val rows; ${epochs} epochs; ${args.workers} gradient process(es)`);
console.log(`no checkpoints: ${plain.toFixed(1)} s; a checkpoint after every epoch: ${withCheckpoints.toFixed(1)} s (${every.saves.length} saves)`);
console.log(`per checkpoint: ${mean(ms).toFixed(0)} ms (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)}), ${every.saves[0]!.bytes.toLocaleString('en-US')} bytes`);
console.log(`killed at 50% (after ${killed.toFixed(1)} s), resumed in ${resumed.toFixed(1)} s instead of ${withCheckpoints.toFixed(1)} s from scratch: ${(withCheckpoints - resumed).toFixed(1)} s saved; the resumed run trained ${resumedSteps} of ${totalSteps} steps`);
console.log(`resumed adapter byte-identical to the uninterrupted one: ${same}`);
console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
fs.rmSync(work, { recursive: true, force: true });
