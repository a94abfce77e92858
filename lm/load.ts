/** `loadModel`: a Hugging Face model directory (plus an optional PEFT adapter) ready for inference. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf, useBackend, backendMemoryLimit, type BackendName } from './backend.js';
import { parameterCount, readConfig, type LlamaConfig } from './config.js';
import { LlamaModel } from './model.js';
import { readAdapter, type Adapter } from './peft.js';
import { PromptEncoder } from './prompt-encoder.js';
import { readOptions, type OptionReadout } from './readout.js';
import { WeightStore } from './safetensors.js';
import { TextTokenizer } from './tokenizer.js';

export interface LoadOptions {
  /** `auto` (default) picks the fastest backend that loads. */
  backend?: string;
  /** A PEFT adapter directory, merged into the weights. */
  adapter?: string;
  log?: (line: string) => void;
}

export interface LoadedModel {
  dir: string;
  config: LlamaConfig;
  backend: BackendName;
  tokenizer: TextTokenizer;
  model: LlamaModel;
  /** [BOS] + encode(prompt). */
  promptIds(prompt: string): number[];
  lastLogits(tokenIds: readonly number[]): Float32Array;
  /** Probabilities of options A.. for the first `nOptions` letters (see lm/readout.ts). */
  optionDistribution(prompt: string, nOptions: number): number[];
  optionReadout(prompt: string, nOptions: number): OptionReadout;
  /** The same readout for many prompts, run in length-sorted batches; results in input order. */
  optionReadouts(items: readonly { prompt: string; nOptions: number }[], batchSize?: number): OptionReadout[];
  dispose(): void;
}

/** f32 bytes of all weights, from config.json alone. */
export function weightBytes(config: LlamaConfig): number {
  return parameterCount(config) * 4;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** Fails before loading when the backend or the machine cannot hold the weights in f32. */
export function checkCapacity(dir: string, config: LlamaConfig, backend: string, copies = 1): void {
  const need = weightBytes(config) * copies;
  const limit = backendMemoryLimit(backend);
  if (limit !== undefined && need > limit * 0.9) {
    throw new Error(`${dir}: the model needs ${gib(need)} of f32 weights; the ${backend} backend holds at most ${gib(limit)}. Use a native backend (--backend tensorflow or tensorflow-gpu, from @tensorflow/tfjs-node[-gpu]).`);
  }
  if (need > os.totalmem()) {
    throw new Error(`${dir}: the model needs ${gib(need)} of f32 weights; this machine has ${gib(os.totalmem())} of memory.`);
  }
}

/** Adds an adapter's low-rank update into the base weights: W + scale·(B·A), in the model's [in, out] layout. */
export function mergeAdapter(model: LlamaModel, adapter: Adapter): void {
  const { r } = adapter.spec;
  for (const w of adapter.weights) {
    const base = model.linearWeight(w.layer, w.module);
    const [inF, outF] = base.shape;
    const merged = tf.tidy(() => {
      const aT = tf.transpose(tf.tensor2d(w.a, [r, inF])); // [in, r]
      const bT = tf.transpose(tf.tensor2d(w.b, [outF, r])); // [r, out]
      return tf.add(base, tf.mul(tf.matMul(aT, bT), adapter.scale)) as tf.Tensor2D;
    });
    model.setLinearWeight(w.layer, w.module, merged);
  }
}

export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const config = readConfig(dir);
  const backend = await useBackend(opts.backend, opts.log);
  checkCapacity(dir, config, backend);
  const tokenizerFile = path.join(dir, 'tokenizer.json');
  const tokenizer = fs.existsSync(tokenizerFile) ? TextTokenizer.load(dir) : undefined;
  const model = LlamaModel.fromWeights(config, WeightStore.open(dir));
  if (opts.adapter) mergeAdapter(model, readAdapter(opts.adapter, config));
  const needTokenizer = (): TextTokenizer => {
    if (!tokenizer) throw new Error(`${tokenizerFile}: missing (needed to encode text)`);
    return tokenizer;
  };
  let encoder: PromptEncoder | undefined;
  const encode = (): PromptEncoder => (encoder ??= new PromptEncoder(needTokenizer(), config.bosTokenId));
  const promptIds = (prompt: string): number[] => encode().ids(prompt);
  const groupsFor = (nOptions: number): number[][] => encode().letterGroups(nOptions);
  const optionReadout = (prompt: string, nOptions: number): OptionReadout => readOptions(model.lastLogits(promptIds(prompt)), groupsFor(nOptions));
  const optionReadouts = (items: readonly { prompt: string; nOptions: number }[], batchSize = 16): OptionReadout[] => {
    const encoded = items.map((it) => ({ ids: promptIds(it.prompt), groups: groupsFor(it.nOptions) }));
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].ids.length - encoded[b].ids.length);
    const out: OptionReadout[] = new Array(items.length);
    for (let i = 0; i < order.length; i += batchSize) {
      const idx = order.slice(i, i + batchSize);
      model.logitRows(idx.map((j) => encoded[j].ids)).forEach((logits, k) => (out[idx[k]] = readOptions(logits, encoded[idx[k]].groups)));
    }
    return out;
  };
  return {
    dir,
    config,
    backend,
    get tokenizer() {
      return needTokenizer();
    },
    model,
    promptIds,
    lastLogits: (ids) => model.lastLogits(ids),
    optionReadout,
    optionReadouts,
    optionDistribution: (prompt, n) => optionReadout(prompt, n).distribution,
    dispose: () => model.dispose(),
  };
}
