import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { useBackend } from '../../lm/backend.js';
import { trainLora, type CheckpointStore, type TrainOptions } from '../../lm/train.js';
import { CheckpointStore as RunnerStore } from '../../runner/checkpoints.js';
import { tmp } from '../helpers/files.js';
import { trainingOptions, writeTrainingModel } from '../helpers/training.js';

// An interrupted and resumed training run must write the very bytes of an uninterrupted one: same adapter, same
// loss curve, same metrics. Interruptions are made at the step boundaries a real run checkpoints at.

const tinyDir = tmp();
const reference = tmp();
const OUTPUTS = ['adapter_model.safetensors', 'adapter_config.json', 'losses.jsonl', 'metrics.json'];

/** Three epochs of three steps. */
const options = (outDir: string, over: Partial<TrainOptions> = {}): TrainOptions => trainingOptions(tinyDir, outDir, { epochs: 3, ...over });

test.before(async () => {
  await useBackend('wasm');
  writeTrainingModel(tinyDir);
  await trainLora(options(reference));
});

const sameOutputs = (t: { deepEqual(a: unknown, b: unknown, m?: string): void }, dir: string): void => {
  for (const f of OUTPUTS) t.deepEqual(fs.readFileSync(path.join(dir, f)), fs.readFileSync(path.join(reference, f)), f);
};

/**
 * A store that stops saving after `keep` saves, like a process killed with kill -9 right after them: later
 * saves (more epochs, the save on cancel) never reach the disk.
 */
function dying(store: RunnerStore, keep: number): CheckpointStore {
  let saves = 0;
  return {
    latest: () => store.latest(),
    due: () => store.due(),
    save: async (at, write) => {
      saves += 1;
      if (saves <= keep) await store.save(at, write);
    },
  };
}

/** Trains until `stopAfter` optimizer steps are done, then cancels (the stage's signal). */
async function interrupted(out: string, checkpoints: CheckpointStore, stopAfter: number, over: Partial<TrainOptions> = {}): Promise<string[]> {
  const controller = new AbortController();
  const log: string[] = [];
  const run = trainLora(options(out, { ...over, checkpoints, signal: controller.signal, log: (l) => log.push(l), progress: (p) => void (p.done >= stopAfter && controller.abort()) }));
  const outcome = await run.then(
    () => 'finished',
    (err: Error) => err.message,
  );
  if (outcome !== 'training cancelled') throw new Error(`expected the run to be cancelled, got: ${outcome}`);
  return log;
}

function store(dir: string, log: string[] = []): RunnerStore {
  return new RunnerStore(dir, { stage: 'train', everyMinutes: 60, log: (l) => log.push(l) });
}

test('killed after epoch 1 and some steps of epoch 2: the rerun resumes from epoch 1 and writes the same bytes', async (t) => {
  const ckpt = path.join(tmp(), 'fp');
  const first = tmp();
  // 3 steps per epoch; the kill comes after step 5, long after the checkpoint of epoch 1.
  const log1 = await interrupted(first, dying(store(ckpt), 1), 5);
  t.true(log1.includes('checkpoint saved at epoch 1/3'));
  t.deepEqual(fs.readdirSync(first), [], 'nothing written by the interrupted run');

  const out = tmp();
  const log: string[] = [];
  await trainLora(options(out, { checkpoints: store(ckpt), log: (l) => log.push(l) }));
  t.true(log.some((l) => /^resuming from the checkpoint at epoch 1\/3 \(saved \d+ min ago\)$/.test(l)), log.join('\n'));
  t.false(log.some((l) => l.startsWith('epoch 1/3:')), 'epoch 1 is not trained again');
  sameOutputs(t, out);
});

test('cancelled mid-epoch: the checkpoint saved on cancel resumes at that very step, with two gradient processes', async (t) => {
  const ckpt = path.join(tmp(), 'fp');
  await interrupted(tmp(), store(ckpt), 4);
  const out = tmp();
  const log: string[] = [];
  await trainLora(options(out, { checkpoints: store(ckpt), workers: 2, log: (l) => log.push(l) }));
  t.true(log.some((l) => /^resuming from the checkpoint at epoch 2\/3, step 1\/3 \(saved \d+ min ago\)$/.test(l)), log.join('\n'));
  // metrics.json records the number of gradient processes; everything else is the same bytes.
  const metrics = (dir: string): unknown => ({ ...JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')), workers: 0 });
  t.deepEqual(metrics(out), metrics(reference));
  for (const f of OUTPUTS.filter((f) => f !== 'metrics.json')) t.deepEqual(fs.readFileSync(path.join(out, f)), fs.readFileSync(path.join(reference, f)), f);
});

test('a checkpoint due by time is taken between two steps and resumes exactly; interrupted twice', async (t) => {
  const ckpt = path.join(tmp(), 'fp');
  const due = store(ckpt);
  due.request();
  // The first run saves at step 1 of epoch 1 (requested) and dies after step 2 without saving again.
  const log1 = await interrupted(tmp(), dying(due, 1), 2);
  t.true(log1.includes('checkpoint saved at epoch 1/3, step 1/3'), log1.join('\n'));
  // The second resumes there, saves epoch 1, and dies during epoch 3.
  const log2 = await interrupted(tmp(), dying(store(ckpt), 2), 7);
  t.true(log2.some((l) => /^resuming from the checkpoint at epoch 1\/3, step 1\/3 \(saved \d+ min ago\)$/.test(l)), log2.join('\n'));
  t.true(log2.includes('checkpoint saved at epoch 2/3'), log2.join('\n'));
  const out = tmp();
  const log: string[] = [];
  await trainLora(options(out, { checkpoints: store(ckpt), log: (l) => log.push(l) }));
  t.true(log.some((l) => /^resuming from the checkpoint at epoch 2\/3 \(saved \d+ min ago\)$/.test(l)), log.join('\n'));
  sameOutputs(t, out);
});

test('a torn checkpoint is skipped with a message and training starts over, to the same result', async (t) => {
  const ckpt = path.join(tmp(), 'fp');
  await interrupted(tmp(), dying(store(ckpt), 1), 4);
  const [n] = fs.readdirSync(ckpt).filter((f) => /^\d+$/.test(f));
  const tensors = path.join(ckpt, n!, 'train-state.safetensors');
  const bytes = fs.readFileSync(tensors);
  bytes[bytes.length - 1] ^= 0xff; // one flipped bit pattern in the last moment value
  fs.writeFileSync(tensors, bytes);
  const out = tmp();
  const storeLog: string[] = [];
  const log: string[] = [];
  await trainLora(options(out, { checkpoints: store(ckpt, storeLog), log: (l) => log.push(l) }));
  t.deepEqual(storeLog, [`checkpoint ${path.join(ckpt, n!)} is damaged (train-state.safetensors does not match its SHA-256 in checkpoint.json); ignored`]);
  t.false(log.some((l) => l.startsWith('resuming')));
  t.true(log.some((l) => l.startsWith('epoch 1/3:')), 'epoch 1 trained again');
  sameOutputs(t, out);
});

test('a checkpoint of another parameter layout is refused, and training starts over', async (t) => {
  const ckpt = path.join(tmp(), 'fp');
  await interrupted(tmp(), dying(store(ckpt), 1), 4, { lora: { r: 2, alpha: 8, dropout: 0.05, targets: ['q_proj', 'v_proj'] } });
  const out = tmp();
  const log: string[] = [];
  await trainLora(options(out, { checkpoints: store(ckpt), log: (l) => log.push(l) }));
  t.true(log.some((l) => /^checkpoint .* cannot be used \(.*train-state\.json: parameter shapes \[\[16,2\],.* are not those of this run, \[\[16,4\],.*\); training starts over$/.test(l)), log.join('\n'));
  sameOutputs(t, out);
});
