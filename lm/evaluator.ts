/**
 * The model an evaluation reads option distributions from, on either engine: tfjs (lm/load.ts; the training
 * engine, f32 weights) or llama.cpp (lm/llamacpp/engine.ts; GGUF weights, quantised or not). `auto` picks
 * llama.cpp when the model comes only as a GGUF file or when tfjs cannot hold its f32 weights here, tfjs
 * otherwise, and says why.
 */
import path from 'node:path';
import { backendMemoryLimit, useBackend } from './backend.js';
import { readConfig, type LlamaConfig } from './config.js';
import { checkCapacity, loadModel } from './load.js';
import { loadGgufModel } from './llamacpp/engine.js';
import { chooseWeights, type WeightsChoice } from './llamacpp/weights.js';
import type { ModelEntry } from './registry.js';
import type { OptionReadout } from './readout.js';

export interface Evaluator {
  readonly engine: 'tfjs' | 'llama.cpp';
  readonly backend: string;
  /** F32 for tfjs; the GGUF file type for llama.cpp. */
  readonly quantisation: string;
  readonly promptOrder?: 'length' | 'prefix';
  optionReadouts(items: readonly { prompt: string; nOptions: number }[], batchSize?: number): OptionReadout[] | Promise<OptionReadout[]>;
  dispose(): void | Promise<void>;
}

export interface EngineChoice {
  engine: 'tfjs' | 'llama.cpp';
  /** The GGUF file for llama.cpp. */
  gguf?: string;
  why: string;
}

export interface EngineRequest {
  engine: string;
  model: string;
  entry: ModelEntry | undefined;
  /** Folder with config.json, tokenizer.json and the weights (safetensors or a downloaded GGUF). */
  dir: string;
  quant: string;
  /** The convert stage's folder (model.gguf, adapter.gguf), for llama.cpp. */
  ggufDir: string | undefined;
  /** tfjs backend param. */
  backend: string;
}

export async function chooseEngine(r: EngineRequest): Promise<EngineChoice> {
  // Each read once, and only when asked: tfjs never needs the GGUF weights chosen.
  let config: LlamaConfig | undefined;
  const readOnce = (): LlamaConfig => (config ??= readConfig(r.dir));
  let weights: WeightsChoice | undefined;
  const weightsOnce = (): WeightsChoice => (weights ??= chooseWeights(r.model, r.dir, r.quant, r.entry, readOnce));
  const llamaCpp = (why: string): EngineChoice => {
    const w = weightsOnce();
    if (w.kind === 'download') return { engine: 'llama.cpp', gguf: path.join(r.dir, w.file), why };
    if (!r.ggufDir) throw new Error(`model ${r.model}: llama.cpp needs the converted weights; depend on artifacts/gguf/${r.model}/ (stage convert)`);
    return { engine: 'llama.cpp', gguf: path.join(r.ggufDir, 'model.gguf'), why };
  };
  if (r.engine === 'tfjs') return { engine: 'tfjs', why: 'engine tfjs' };
  if (r.engine === 'llama.cpp') return llamaCpp('engine llama.cpp');
  if (r.engine !== 'auto') throw new Error(`engine "${r.engine}" is not one of auto, tfjs, llama.cpp`);
  if (weightsOnce().kind === 'download') return llamaCpp('auto: the model is a GGUF file');
  const backend = await useBackend(r.backend);
  try {
    checkCapacity(r.dir, readOnce(), backend);
  } catch (err) {
    return llamaCpp(`auto: tfjs cannot hold it (${(err as Error).message})`);
  }
  return { engine: 'tfjs', why: `auto: tfjs holds the f32 weights${backendMemoryLimit(backend) ? ` within the ${backend} limit` : ''}` };
}

/**
 * Opens the chosen engine on the base model, with `adapter` (a PEFT folder for tfjs, a GGUF file for llama.cpp)
 * and at most `threads` CPU threads for llama.cpp.
 */
export async function openEvaluator(choice: EngineChoice, dir: string, backend: string, adapter: string | undefined, threads: number, log: (line: string) => void): Promise<Evaluator> {
  if (choice.engine === 'llama.cpp') return loadGgufModel(choice.gguf!, dir, { ...(adapter ? { adapter } : {}), threads, log });
  const m = await loadModel(dir, { backend, ...(adapter ? { adapter } : {}), log });
  return { engine: 'tfjs', backend: m.backend, quantisation: 'F32', optionReadouts: m.optionReadouts, dispose: m.dispose };
}
