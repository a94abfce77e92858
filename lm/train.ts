/**
 * LoRA fine-tuning on subpopulation rows with the forward KL from the human answer distribution to the
 * model's letter distribution at the `Answer:` position.
 *
 * Target over the ten letters A–J (`target`). The rows carry `responses` (shares without refusal, summing to 1)
 * and `refusal_rate` r (the refusal share among all valid answers); the prompt shows the refusal as the last
 * option's letter.
 * - `authors`: SubPOP's training target, responses followed by r and zeros, not renormalised: it sums to 1 + r,
 *   so the refusal letter is pulled towards r/(1 + r) and the answer letters towards responses/(1 + r).
 * - `normalised`: the authors' target renormalised to sum to 1, [responses, r]/(1 + r).
 * - `observed`: the answer distribution observed over all shown options, [(1 − r)·responses, r], which sums to 1.
 * All three give `responses` back once the refusal letter is dropped and the rest renormalised, as inference
 * does; they differ in how much weight the refusal letter gets.
 *
 * Readout (`letters`, lm/readout.ts): a letter's probability is its " X" token's (`space`, SubPOP's training
 * spelling) or the sum of its "X" and " X" tokens (`both`, the inference readout), renormalised over the ten
 * letters; letters past the last option have target 0.
 *
 * Determinism. Each micro-batch is cut into a fixed number of shards; shard gradients are summed in shard
 * order in float64, so the adapter does not depend on how many processes computed the shards.
 *
 * Checkpoints. With `checkpoints`, the complete state between two optimizer steps (lm/train-state.ts) is saved
 * after every epoch, whenever the store says one is due, and when the run is cancelled; a run with a
 * checkpoint continues from it and ends with the same bytes as an uninterrupted run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { buildPrompt, STEERING_STYLES, type SteeringStyle } from '../survey/prompts.js';
import type { SubpopRow } from '../survey/rows.js';
import { useBackend } from './backend.js';
import { linearShape, readConfig, type LlamaConfig } from './config.js';
import { GradEngine, loraParamShapes, type LoraLayout, type Shard } from './grad-engine.js';
import { localPool, workerPool, type GradPool } from './grad-pool.js';
import { checkCapacity } from './load.js';
import { LlamaModel } from './model.js';
import { writeAdapter, type LoraSpec, type LoraWeights } from './peft.js';
import { Rng } from './random.js';
import { letterIdGroups, type LetterSpelling } from './readout.js';
import type { TrainTarget } from './registry.js';
import { readTrainState, writeTrainState, type TrainState } from './train-state.js';
import { WeightStore } from './safetensors.js';
import { LETTERS, TextTokenizer } from './tokenizer.js';

/** The fields of a subpopulation row (survey/rows.ts) that training reads. */
export type TrainRow = Pick<SubpopRow, 'qkey' | 'attribute' | 'group' | 'question' | 'options' | 'responses' | 'refusal_rate'>;

export interface TrainOptions {
  modelDir: string;
  /** Written into adapter_config.json as base_model_name_or_path. */
  modelName: string;
  outDir: string;
  train: TrainRow[];
  val: TrainRow[];
  seed: number;
  steering: SteeringStyle | 'ALL';
  lr: number;
  epochs: number;
  /** Examples per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step. */
  gradAccum: number;
  warmupRatio: number;
  weightDecay?: number;
  target: TrainTarget;
  letters: LetterSpelling;
  lora: LoraSpec;
  backend?: string;
  /** Gradient processes; default: one per available core, at most `shards`. */
  workers?: number;
  /** Shards per micro-batch (fixed, so results do not depend on `workers`). */
  shards?: number;
  log?: (line: string) => void;
  progress?: (p: { done: number; total: number; note: string }) => void;
  signal?: AbortSignal;
  /** Where the run saves and finds its state (a stage's `ctx.checkpoints`); without it, no checkpoints. */
  checkpoints?: CheckpointStore;
}

/** Checkpoints of exactly this run (same data, model and options), as the runner's `ctx.checkpoints` keeps them. */
export interface CheckpointStore {
  latest(): Promise<{ dir: string; at: string; savedAt: string } | undefined>;
  save(at: string, write: (dir: string) => void | Promise<void>): Promise<void>;
  due(): boolean;
}

export interface TrainMetrics {
  model: string;
  backend: string;
  target: TrainTarget;
  train_letters: LetterSpelling;
  workers: number;
  epochs: number;
  steps: number;
  train_rows: number;
  val_rows: number;
  skipped_rows: number;
  final_train_loss: number;
  best_val_loss: number | null;
  best_epoch: number;
}

/** What a training run returns: the reproducible metrics (as written to metrics.json) and its wall-clock timings,
 * which stay out of the files so that the same inputs and seed give byte-identical outputs. */
export interface TrainResult {
  metrics: TrainMetrics;
  /** Wall-clock seconds of the whole run, model loading included. */
  seconds: number;
  /** Training tokens (forward + backward) per second of optimizer steps. */
  tokensPerSecond: number;
}

export interface Example {
  ids: number[];
  target: Float32Array;
}

/**
 * Target over the ten letters: [responses, r, 0, …] (`authors`), the same divided by 1 + r (`normalised`), or
 * [(1 − r)·responses, r, 0, …] (`observed`).
 */
export function targetDistribution(row: TrainRow, where: string, target: TrainTarget = 'observed'): Float32Array {
  const k = row.options.length;
  if (row.responses.length !== k - 1) throw new Error(`${where}: ${row.responses.length} responses for ${k} options (the last option is the refusal)`);
  const r = row.refusal_rate;
  if (!(r >= 0 && r <= 1)) throw new Error(`${where}: refusal_rate ${r} outside [0, 1]`);
  const scale = target === 'authors' ? 1 : target === 'normalised' ? 1 / (1 + r) : 1 - r;
  const t = new Float32Array(LETTERS.length);
  row.responses.forEach((p, i) => (t[i] = scale * p));
  t[k - 1] = target === 'normalised' ? r / (1 + r) : r;
  return t;
}

export function prepare(
  rows: TrainRow[],
  styles: readonly SteeringStyle[],
  tok: TextTokenizer,
  bos: number | null,
  source: string,
  target: TrainTarget = 'observed',
): { examples: Example[]; skipped: number } {
  const examples: Example[] = [];
  let skipped = 0;
  rows.forEach((row, i) => {
    if (row.options.length > LETTERS.length) {
      skipped++;
      return;
    }
    const where = `${source}: row ${i + 1} (${row.qkey}, ${row.attribute}=${row.group})`;
    const dist = targetDistribution(row, where, target);
    for (const style of styles) {
      const ids = tok.encode(buildPrompt(row, row, style));
      examples.push({ ids: bos === null ? ids : [bos, ...ids], target: dist });
    }
  });
  return { examples, skipped };
}

function makeShard(examples: Example[]): Shard {
  const rows = examples.length;
  const length = Math.max(...examples.map((e) => e.ids.length));
  const ids = new Int32Array(rows * length);
  const letters = LETTERS.length;
  const target = new Float32Array(rows * letters);
  const targetLog = new Float32Array(rows * letters);
  let tokens = 0;
  examples.forEach((e, r) => {
    ids.set(e.ids, r * length);
    tokens += e.ids.length;
    e.target.forEach((p, j) => {
      target[r * letters + j] = p;
      targetLog[r * letters + j] = p > 0 ? Math.log(p) : 0;
    });
  });
  return { ids, rows, length, positions: examples.map((e) => e.ids.length - 1), target, targetLog, tokens };
}

/**
 * Micro-batches of similar length, as llama-recipes' length-based batch sampler makes them: examples sorted
 * by token count (ties in input order) and cut into consecutive batches; each epoch shuffles the batch
 * order. Padding stays near zero.
 */
export function lengthBatches(examples: readonly Example[], size: number): Example[][] {
  const sorted = examples.map((e, i) => ({ e, i })).sort((a, b) => a.e.ids.length - b.e.ids.length || a.i - b.i);
  const out: Example[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size).map((x) => x.e));
  return out;
}

/**
 * Splits a batch into `n` shards of consecutive lengths (a stable sort by token count first, so each shard
 * pads as little as possible); empty shards are dropped.
 */
export function shardsOf(batch: Example[], n: number): Shard[] {
  const sorted = [...batch].sort((a, b) => a.ids.length - b.ids.length);
  const size = Math.ceil(sorted.length / n);
  const out: Shard[] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(makeShard(sorted.slice(i, i + size)));
  return out;
}

/** Linear warmup from 0, then cosine decay to 0 (the schedule of transformers' get_cosine_schedule_with_warmup). */
export function learningRate(step: number, total: number, warmup: number, peak: number): number {
  if (step < warmup) return (peak * step) / Math.max(1, warmup);
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return Math.max(0, 0.5 * peak * (1 + Math.cos(Math.PI * progress)));
}

/** AdamW as in torch.optim.AdamW (decoupled weight decay, bias correction). */
export class AdamW {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    private readonly params: Float32Array[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
    private readonly weightDecay = 0,
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  state(): TrainState['adam'] {
    return { t: this.t, m: this.m.map((a) => Float64Array.from(a)), v: this.v.map((a) => Float64Array.from(a)) };
  }

  restore(state: TrainState['adam']): void {
    this.t = state.t;
    state.m.forEach((a, k) => this.m[k].set(a));
    state.v.forEach((a, k) => this.v[k].set(a));
  }

  step(grads: readonly Float64Array[], lr: number): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    this.params.forEach((p, k) => {
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < p.length; i++) {
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * g[i];
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * g[i] * g[i];
        const decayed = p[i] * (1 - lr * this.weightDecay);
        p[i] = decayed - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.eps);
      }
    });
  }
}

function loraKeys(config: LlamaConfig, targets: readonly string[]): string[] {
  const mods = [...new Set(targets)].sort();
  for (const m of mods) linearShape(config, m);
  const keys: string[] = [];
  for (let l = 0; l < config.nLayers; l++) for (const m of mods) keys.push(`${l}.${m}`);
  return keys;
}

/** PEFT's default initialisation: A ~ U(±1/√in) (Kaiming-uniform with a = √5), B = 0. */
function initParams(shapes: [number, number][], rng: Rng): Float32Array[] {
  return shapes.map(([rows, cols], i) => {
    const p = new Float32Array(rows * cols);
    if (i % 2 === 0) {
      const bound = 1 / Math.sqrt(rows); // aT is [in, r]
      for (let j = 0; j < p.length; j++) p[j] = (rng.float() * 2 - 1) * bound;
    }
    return p;
  });
}

/** Training parameters (aT [in, r], bT [r, out]) in PEFT's layout (A [r, in], B [out, r]). */
export function peftWeights(layout: LoraLayout, shapes: [number, number][], params: readonly Float32Array[]): LoraWeights[] {
  return layout.keys.map((key, i) => {
    const [layer, module] = key.split('.');
    const [inF, r] = shapes[2 * i];
    const [, outF] = shapes[2 * i + 1];
    return { layer: Number(layer), module, a: transpose(params[2 * i], inF, r), b: transpose(params[2 * i + 1], r, outF) };
  });
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return out;
}

export async function trainLora(o: TrainOptions): Promise<TrainResult> {
  const log = o.log ?? (() => {});
  const started = performance.now();
  const config = readConfig(o.modelDir);
  const backend = await useBackend(o.backend, log);
  const shardCount = o.shards ?? 2;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  let workers = Math.max(1, Math.min(o.workers ?? cores, shardCount));
  // Each worker holds its own copy of the weights; fall back to one process when copies would not fit.
  try {
    checkCapacity(o.modelDir, config, backend, workers > 1 ? workers + 1 : 1);
  } catch (err) {
    if (workers === 1) throw err;
    checkCapacity(o.modelDir, config, backend);
    workers = 1;
  }
  const tok = TextTokenizer.load(o.modelDir);
  const letterGroups = letterIdGroups(tok, LETTERS.length, o.letters);
  const styles = o.steering === 'ALL' ? STEERING_STYLES : [o.steering];
  const train = prepare(o.train, styles, tok, config.bosTokenId, 'train', o.target);
  const val = prepare(o.val, styles, tok, config.bosTokenId, 'val', o.target);
  if (train.examples.length === 0) throw new Error('no training rows with at most ten options');
  const layout: LoraLayout = { keys: loraKeys(config, o.lora.targets), r: o.lora.r, scale: o.lora.alpha / o.lora.r, dropout: o.lora.dropout };

  const shapes = loraParamShapes(config, layout);
  let model: LlamaModel | undefined;
  let pool: GradPool | undefined;
  try {
    if (workers > 1) pool = await workerPool(workers, { modelDir: o.modelDir, backend, layout, letterGroups });
    else {
      model = LlamaModel.fromWeights(config, WeightStore.open(o.modelDir));
      pool = localPool(new GradEngine(model, layout, letterGroups));
    }
    const processes = `${pool.processes} gradient process${pool.processes > 1 ? 'es' : ''}`;
    log(`training ${o.modelName} on ${backend} with ${processes}: ${train.examples.length} train / ${val.examples.length} val examples${train.skipped + val.skipped ? `, ${train.skipped + val.skipped} rows with more than ten options skipped` : ''}`);

    const rng = new Rng(o.seed);
    const params = initParams(shapes, rng);
    const opt = new AdamW(params, 0.9, 0.999, 1e-8, o.weightDecay ?? 0);
    const micro = lengthBatches(train.examples, o.batchSize);
    const valBatches = lengthBatches(val.examples, o.batchSize);
    const stepsPerEpoch = Math.ceil(micro.length / o.gradAccum);
    const totalSteps = stepsPerEpoch * o.epochs;
    const warmup = Math.ceil(o.warmupRatio * totalSteps);
    let lossLines: string[] = [];
    let best: TrainState['best'] = { loss: Infinity, epoch: 1, params: params.map((p) => Float32Array.from(p)) };
    let step = 0;
    let tokens = 0;
    let trainSeconds = 0;
    let epochLoss = NaN;
    let shardSeq = 0;
    let start = { epoch: 1, stepInEpoch: 0, epochSum: 0 };

    const resumed = await resumeState(o.checkpoints, shapes, log);
    if (resumed) {
      resumed.params.forEach((p, k) => params[k].set(p));
      opt.restore(resumed.adam);
      rng.restore(resumed.rng);
      ({ step, shardSeq, epochLoss, lossLines, best } = resumed);
      start = { epoch: resumed.epoch, stepInEpoch: resumed.stepInEpoch, epochSum: resumed.epochSum };
    }
    const checkpoint = async (at: string, state: Pick<TrainState, 'epoch' | 'stepInEpoch' | 'rng' | 'epochSum'>): Promise<void> => {
      const full: TrainState = { ...state, step, shardSeq, epochLoss, lossLines: [...lossLines], best, params, adam: opt.state() };
      await o.checkpoints!.save(at, (dir) => writeTrainState(dir, full, shapes));
      log(`checkpoint saved at ${at}`);
    };

    const validationLoss = async (): Promise<number | null> => {
      if (val.examples.length === 0) return null;
      let sum = 0;
      for (const batch of valBatches) for (const l of await pool!.losses(params, shardsOf(batch, shardCount))) sum += l;
      return sum / val.examples.length;
    };

    for (let epoch = start.epoch; epoch <= o.epochs; epoch++) {
      const epochRng = rng.state();
      const order = rng.shuffle([...micro]);
      const resuming = epoch === start.epoch;
      let epochSum = resuming ? start.epochSum : 0;
      for (let s = resuming ? start.stepInEpoch : 0; s < stepsPerEpoch; s++) {
        // Let messages in (cancellation, a request for a checkpoint): in one process a step never waits for I/O.
        await new Promise((resolve) => setImmediate(resolve));
        const at = `epoch ${epoch}/${o.epochs}, step ${s}/${stepsPerEpoch}`;
        if (o.signal?.aborted) {
          if (o.checkpoints) await checkpoint(at, { epoch, stepInEpoch: s, rng: epochRng, epochSum });
          throw new Error('training cancelled');
        }
        if (o.checkpoints?.due() && s > 0) await checkpoint(at, { epoch, stepInEpoch: s, rng: epochRng, epochSum });
        const t0 = performance.now();
        const stepBatches = order.slice(s * o.gradAccum, (s + 1) * o.gradAccum);
        const count = stepBatches.reduce((n, b) => n + b.length, 0);
        const acc = shapes.map(([r, c]) => new Float64Array(r * c));
        let lossSum = 0;
        for (const batch of stepBatches) {
          const shards = shardsOf(batch, shardCount);
          const seeds = shards.map(() => (o.seed * 1_000_003 + ++shardSeq) % 2 ** 31);
          const results = await pool.grads(params, shards, seeds);
          results.forEach((res, k) => {
            lossSum += res.loss;
            tokens += shards[k].tokens;
            res.grads.forEach((g, j) => {
              const a = acc[j];
              for (let i = 0; i < g.length; i++) a[i] += g[i];
            });
          });
        }
        for (const a of acc) for (let i = 0; i < a.length; i++) a[i] /= count;
        const lr = learningRate(step, totalSteps, warmup, o.lr);
        opt.step(acc, lr);
        step++;
        const loss = lossSum / count;
        epochSum += lossSum;
        lossLines.push(JSON.stringify({ epoch, step, loss, lr }));
        trainSeconds += (performance.now() - t0) / 1000;
        o.progress?.({ done: step, total: totalSteps, note: `epoch ${epoch}/${o.epochs} · loss ${loss.toFixed(4)} · ${Math.round(tokens / trainSeconds)} tok/s` });
      }
      epochLoss = epochSum / train.examples.length;
      const v = await validationLoss();
      if (v !== null) lossLines.push(JSON.stringify({ epoch, step, val_loss: v }));
      log(`epoch ${epoch}/${o.epochs}: train KL ${epochLoss.toFixed(4)}${v === null ? '' : `, val KL ${v.toFixed(4)}`}`);
      // Without validation rows the last epoch's adapter is kept.
      const score = v ?? -epoch;
      if (score < best.loss) best = { loss: score, epoch, params: params.map((p) => Float32Array.from(p)) };
      if (o.checkpoints && epoch < o.epochs) await checkpoint(`epoch ${epoch}/${o.epochs}`, { epoch: epoch + 1, stepInEpoch: 0, rng: rng.state(), epochSum: 0 });
    }

    fs.mkdirSync(o.outDir, { recursive: true });
    writeAdapter(o.outDir, { spec: o.lora, scale: layout.scale, weights: peftWeights(layout, shapes, best.params) }, o.modelName);
    for (const line of lossLines) validate('adapter-losses', JSON.parse(line), path.join(o.outDir, 'losses.jsonl'));
    writeFileAtomic(path.join(o.outDir, 'losses.jsonl'), lossLines.join('\n') + '\n');
    const metrics: TrainMetrics = {
      model: o.modelName,
      backend,
      target: o.target,
      train_letters: o.letters,
      workers: pool.processes,
      epochs: o.epochs,
      steps: step,
      train_rows: o.train.length - train.skipped,
      val_rows: o.val.length - val.skipped,
      skipped_rows: train.skipped + val.skipped,
      final_train_loss: epochLoss,
      best_val_loss: val.examples.length ? best.loss : null,
      best_epoch: best.epoch,
    };
    validate('adapter-metrics', metrics, path.join(o.outDir, 'metrics.json'));
    writeFileAtomic(path.join(o.outDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    const seconds = (performance.now() - started) / 1000;
    const tokensPerSecond = trainSeconds > 0 ? tokens / trainSeconds : 0;
    log(`trained ${step} steps in ${seconds.toFixed(1)} s, ${Math.round(tokensPerSecond).toLocaleString('en-US')} tokens/s on ${backend} with ${processes}`);
    return { metrics, seconds, tokensPerSecond };
  } finally {
    pool?.close();
    model?.dispose();
  }
}

/** The state of the newest intact checkpoint, or undefined (logged: where training starts from). */
async function resumeState(store: CheckpointStore | undefined, shapes: [number, number][], log: (line: string) => void): Promise<TrainState | undefined> {
  const c = await store?.latest();
  if (!c) return undefined;
  let state: TrainState;
  try {
    state = readTrainState(c.dir, shapes);
  } catch (err) {
    log(`checkpoint ${c.dir} cannot be used (${(err as Error).message}); training starts over`);
    return undefined;
  }
  const minutes = Math.round((Date.now() - Date.parse(c.savedAt)) / 60_000);
  log(`resuming from the checkpoint at ${c.at} (saved ${minutes} min ago)`);
  return state;
}
